// Mempool: admitted transactions waiting for a block, in arrival order.
//
// A transaction is refused as DUPLICATE when its id, or its (signer, nonce), is already
// waiting; MEMPOOL_FULL when the pool holds its capacity. Thread-safe.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>  // lookup only, never iterated
#include <boost/unordered/unordered_flat_set.hpp>  // lookup only, never iterated
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
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
  using Nonce = std::pair<std::string, std::uint64_t>;  // signer, nonce
  struct NonceHash {
    std::size_t operator()(const Nonce& nonce) const {
      return std::hash<std::string>()(nonce.first) ^ (nonce.second * 0x9e3779b97f4a7c15u);
    }
  };
  // Found by key only; order_ keeps the order.
  using TransactionsById = boost::unordered_flat_map<  // lookup only, never iterated
      crypto::Hash, core::SignedTransaction, crypto::DigestHash>;
  using NonceSet = boost::unordered_flat_set<Nonce, NonceHash>;  // lookup only, never iterated

  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::deque<crypto::Hash> order_;  // guarded by mutex_
  TransactionsById by_id_;          // guarded by mutex_
  NonceSet nonces_;                 // guarded by mutex_
};

}  // namespace nuri::mempool
