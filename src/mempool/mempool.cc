#include "mempool/mempool.h"

namespace nuri::mempool {

Mempool::Mempool(std::size_t capacity) : capacity_(capacity) {}

core::ReasonCode Mempool::Add(core::SignedTransaction tx) {
  std::lock_guard lock(mutex_);
  if (by_id_.contains(tx.id)) return core::ReasonCode::kDuplicate;
  auto nonce = std::make_pair(tx.tx.signer.str(), tx.tx.nonce);
  if (nonces_.contains(nonce)) return core::ReasonCode::kDuplicate;
  if (by_id_.size() >= capacity_) return core::ReasonCode::kMempoolFull;
  nonces_.insert(std::move(nonce));
  order_.push_back(tx.id);
  by_id_.emplace(tx.id, std::move(tx));
  return core::ReasonCode::kOk;
}

std::vector<core::SignedTransaction> Mempool::Peek(std::size_t count) const {
  std::lock_guard lock(mutex_);
  std::vector<core::SignedTransaction> batch;
  for (const auto& id : order_) {
    if (batch.size() >= count) break;
    const auto it = by_id_.find(id);
    if (it != by_id_.end()) batch.push_back(it->second);
  }
  return batch;
}

void Mempool::Remove(const std::vector<crypto::Hash>& ids) {
  std::lock_guard lock(mutex_);
  for (const auto& id : ids) {
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    nonces_.erase({it->second.tx.signer.str(), it->second.tx.nonce});
    by_id_.erase(it);
  }
  // Ids whose transactions left are skipped by Peek; trim them from the front here.
  while (!order_.empty() && !by_id_.contains(order_.front())) order_.pop_front();
  if (order_.size() > 2 * by_id_.size() + 1024) {
    std::deque<crypto::Hash> kept;
    for (const auto& id : order_) {
      if (by_id_.contains(id)) kept.push_back(id);
    }
    order_ = std::move(kept);
  }
}

bool Mempool::Contains(const crypto::Hash& id) const {
  std::lock_guard lock(mutex_);
  return by_id_.contains(id);
}

std::size_t Mempool::size() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

}  // namespace nuri::mempool
