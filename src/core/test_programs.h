// The example program of docs/programs.md (../shared/spec/programs.md), for the tests of every
// folder that reads, validates or judges definitions: one copy, so that they agree on it.
// Pure function.
#pragma once

#include <boost/json.hpp>

namespace nuri::core {

// bpe-2026-moef with its seven rules R1-R7, as JSON (callers replace rules to test others).
boost::json::object SpecExampleProgram();

}  // namespace nuri::core
