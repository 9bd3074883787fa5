// UnflushedWrites: what committed blocks changed in the state and the indexes, held in memory
// until the ledger writes it to its store in one batch.
//
// A block's own synced write holds the block, its receipts and the head. Its state changes and
// index entries, about six keys a transfer scattered over the whole key space, cost most of
// that write when they went with it: each is an insert at a random place in RocksDB's memtable.
// Held here, they are written tens of thousands at a time, sorted, as table files the store
// ingests (kv_store.h), and a balance that many blocks changed is written once. A crash loses
// nothing committed: the ledger rebuilds what was not written yet by executing the blocks
// after the stored state's height again (ledger.h).
//
// Thread-compatible, like the Ledger that owns it.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>  // lookup only, never iterated
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "ledger/state.h"
#include "ledger/storage_keys.h"
#include "storage/kv_store.h"

namespace nuri::ledger {

class UnflushedWrites {
 public:
  struct HistoryEntry {
    TransactionLocation location;
    crypto::Hash id;
  };

  void AddStateChanges(std::span<const StateChange> changes);
  // A committed transaction, at `location`, involving `accounts`.
  void AddTransaction(const crypto::Hash& id, TransactionLocation location,
                      std::span<const std::string> accounts);

  // The keys written so far: when they reach a limit, the ledger writes them.
  std::size_t operations() const { return batch_.size(); }
  bool empty() const { return batch_.empty(); }

  std::optional<TransactionLocation> FindTransaction(const crypto::Hash& id) const;
  // The account's transactions held here, oldest first; they are all newer than any written.
  std::span<const HistoryEntry> History(std::string_view account) const;

  // The batch that writes everything held; the ledger adds what goes with it.
  storage::WriteBatch& batch() { return batch_; }
  // Forgets everything held, once written. The memory stays for what comes next: the batch
  // fills again at the same rate, and fresh pages would cost a fault each.
  void Clear();

 private:
  storage::WriteBatch batch_;
  using Locations = boost::unordered_flat_map<  // lookup only, never iterated
      crypto::Hash, TransactionLocation, crypto::DigestHash>;
  using Histories = boost::unordered_flat_map<  // lookup only, never iterated
      std::string, std::vector<HistoryEntry>>;
  Locations locations_;
  Histories histories_;
};

}  // namespace nuri::ledger
