// The example program of docs/programs.md (../shared/spec/programs.md): one copy for the tests
// that read, validate or judge definitions and for the engine benchmark, so that they all
// measure and check the same seven rules. Pure function.
#pragma once

#include <boost/json.hpp>

namespace nuri::core {

// bpe-2026-moef with its seven rules R1-R7, as JSON (callers replace rules to test others).
boost::json::object SpecExampleProgram();

}  // namespace nuri::core
