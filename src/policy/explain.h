// Programs in plain sentences, for auditors and policy authors: what each rule demands, and a
// program as a whole (`nuri program explain`). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/program.h"

namespace nuri::policy {

// "1,250,000 won"
std::string Won(core::Amount amount);
// "Payments are permitted only from 06:00 to 23:00 Korea time, unless the payment is justified
// in writing (rule R2)."
std::string DescribeRule(const core::Rule& rule);
// A heading line, the program's terms, then one line per rule.
std::vector<std::string> ExplainProgram(const core::ProgramDefinition& program);

}  // namespace nuri::policy
