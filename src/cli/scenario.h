// Scenarios (docs/scenario.md): scripted ledgers for policy authors, auditors and conformance
// tests. Each file gets a fresh single-validator ledger on RocksDB in a temporary directory; every
// transaction step is signed with the signer's derived test key, admitted by the node and, when
// admitted, executed in a block of its own at the step's time. Invariants are checked after every
// block. Single-threaded.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace nuri::cli {

// Runs the files in order, printing one JSON line per step and then "N passed, M failed".
// Returns 0 when every expectation held, 1 when some failed, 2 when a file is not a valid
// scenario (then nothing runs and `errors` names the file and the JSON path of the fault).
int RunScenarios(const std::vector<std::string>& files, std::ostream& out, std::ostream& errors);

}  // namespace nuri::cli
