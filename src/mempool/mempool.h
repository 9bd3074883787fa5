// Mempool: admitted transactions waiting for a block, in arrival order.
//
// A transaction is refused as DUPLICATE when its id, or its (signer, nonce), is already
// waiting; MEMPOOL_FULL when the pool holds its capacity. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/reason.h"
#include "core/transaction.h"

namespace nuri::mempool {

class Mempool {
 public:
  explicit Mempool(std::size_t capacity);
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  core::ReasonCode Add(core::SignedTransaction tx);
  // Up to `count` of the oldest transactions, still held until Remove.
  std::vector<core::SignedTransaction> Peek(std::size_t count) const;
  void Remove(const std::vector<crypto::Hash>& ids);
  bool Contains(const crypto::Hash& id) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::deque<crypto::Hash> order_;                         // guarded by mutex_
  std::map<crypto::Hash, core::SignedTransaction> by_id_;  // guarded by mutex_
  std::set<std::pair<std::string, std::uint64_t>> nonces_;  // guarded by mutex_
};

}  // namespace nuri::mempool
