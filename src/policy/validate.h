// Validating program definitions: whether a definition makes sense on its own (rule ids unique,
// positive amounts, "from" before "to", tranches summing to 100 %, no rule that makes every
// payment impossible) and whether the accounts and token it names exist with the right roles.
// Every fault is reported with the path of its field ("rules[3].amount: expected a positive
// integer"), so that `nuri program check`, the API and a rejected define_program say the same.
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/program.h"
#include "core/roles.h"

namespace nuri::policy {

// What validation needs to know of the ledger.
class Directory {
 public:
  virtual ~Directory() = default;
  virtual bool HasToken(std::string_view token) const = 0;
  // The roles of an account; nullopt when there is no such account.
  virtual std::optional<core::RoleSet> AccountRoles(std::string_view account) const = 0;
  virtual bool HasProgram(std::string_view program) const = 0;
};

// Self-consistency of a rule list; paths start at `path` ("rules").
std::vector<core::JsonFault> ValidateRules(const std::vector<core::Rule>& rules,
                                           std::string_view path);
// Self-consistency of a whole definition.
std::vector<core::JsonFault> ValidateDefinition(const core::ProgramDefinition& program);
// The token, owner, managers and merchants it names exist, with the roles they need; the id is
// not taken. Codes: UNKNOWN_TOKEN, UNKNOWN_ACCOUNT, ALREADY_EXISTS, INVALID_ARGUMENT.
std::vector<core::JsonFault> ValidateReferences(const core::ProgramDefinition& program,
                                                const Directory& directory);
// The merchants an amended rule list names exist and are merchants.
std::vector<core::JsonFault> ValidateRuleReferences(const std::vector<core::Rule>& rules,
                                                    std::string_view path,
                                                    const Directory& directory);

// All of the above for a definition in JSON: shape, sense and, when a directory is given,
// references. Empty when the definition may be defined.
struct CheckedDefinition {
  std::optional<core::ProgramDefinition> program;  // set when the shape was readable
  std::vector<core::JsonFault> faults;
};
CheckedDefinition CheckDefinition(const boost::json::value& value, const Directory* directory);

}  // namespace nuri::policy
