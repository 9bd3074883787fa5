#include "ledger/unflushed_writes.h"

#include <utility>

namespace nuri::ledger {

void UnflushedWrites::AddStateChanges(std::vector<StateChange> changes) {
  for (auto& change : changes) {
    std::string key = std::string(kStatePrefix) + change.key;
    if (change.value) {
      batch_.Put(key, *change.value);
    } else {
      batch_.Delete(key);
    }
  }
}

void UnflushedWrites::AddTransaction(const crypto::Hash& id, TransactionLocation location,
                                     std::span<const std::string> accounts) {
  batch_.Put(TxIndexKey(id), EncodeLocation(location));
  locations_[id] = location;
  for (const auto& account : accounts) {
    batch_.Put(AccountIndexPrefix(account) + EncodeNewestFirst(location), id.view());
    histories_[account].push_back({location, id});
  }
}

std::optional<TransactionLocation> UnflushedWrites::FindTransaction(const crypto::Hash& id) const {
  const auto found = locations_.find(id);
  if (found == locations_.end()) return std::nullopt;
  return found->second;
}

std::span<const UnflushedWrites::HistoryEntry> UnflushedWrites::History(
    std::string_view account) const {
  const auto found = histories_.find(std::string(account));
  if (found == histories_.end()) return {};
  return found->second;
}

storage::WriteBatch UnflushedWrites::Take() {
  locations_.clear();
  histories_.clear();
  return std::exchange(batch_, storage::WriteBatch());
}

}  // namespace nuri::ledger
