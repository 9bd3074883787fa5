// Chain verification for `nuri node check`: re-executes a stored chain from its genesis in a
// fresh State and checks everything a block promises: each header links to the one before,
// its certificate is signed by the validator set, every transaction's signatures verify, and
// the transactions root, receipts root and state root recompute to what the header says; the
// invariants hold after every block, and the final state equals the state stored on disk.
// Reads only the store; single-threaded.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "storage/kv_store.h"

namespace nuri::ledger {

struct ChainCheckSummary {
  std::uint64_t height = 0;
  std::uint64_t transactions = 0;
  std::size_t state_entries = 0;
};

base::Result<ChainCheckSummary> CheckChain(const storage::KvStore& store);

}  // namespace nuri::ledger
