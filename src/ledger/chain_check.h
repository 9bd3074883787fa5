// Chain verification for `nuri node check`: re-executes a stored chain from its genesis in a
// fresh State and checks everything a block promises: each header links to the one before,
// its certificate is signed by the validator set, every transaction's signatures verify, and
// the transactions root, receipts root and state root recompute to what the header says; the
// invariants hold after every block, and the final state equals the state stored on disk. A
// node that started from a snapshot is checked from it: the snapshot's evidence must certify
// its block from the genesis set, and its state must match that block's root.
// Reads only the store; single-threaded.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "storage/kv_store.h"

namespace nuri::ledger {

struct ChainCheckSummary {
  std::uint64_t height = 0;
  std::uint64_t base_height = 0;  // where re-execution began: 0, or the snapshot's height
  std::uint64_t transactions = 0;
  std::size_t state_entries = 0;
};

base::Result<ChainCheckSummary> CheckChain(const storage::KvStore& store);

}  // namespace nuri::ledger
