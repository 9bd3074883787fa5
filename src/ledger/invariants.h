// Ledger invariants: what must hold after every block, checked by scanning the whole state
// (conservation of money as stellar's ConservationOfLumens does, independent of how the
// executor got there). Run after every block in tests and the scenario runner, and
// periodically and at startup in a node (docs/ledger.md, "Invariants").
#pragma once

#include "base/status.h"
#include "ledger/state.h"

namespace nuri::ledger {

// For each token: minted - burned = the sum of plain balances and program escrows; for each
// program: escrow = unallocated budget + the holders' program balances; no balance is negative,
// no plain balance zero (zero balances are erased); every balance belongs to an existing
// account and token.
// Internal with a description of the first broken invariant.
base::Status CheckInvariants(const State& state);

}  // namespace nuri::ledger
