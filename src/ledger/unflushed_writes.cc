#include "ledger/unflushed_writes.h"

namespace nuri::ledger {

void UnflushedWrites::AddStateChanges(std::span<const StateChange> changes) {
  std::string key;
  for (const auto& change : changes) {
    key.assign(kStatePrefix).append(change.key);
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
    batch_.Put(AccountIndexKey(account, location), id.view());
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

void UnflushedWrites::Clear() {
  batch_.Clear();
  locations_.clear();
  histories_.clear();
}

}  // namespace nuri::ledger
