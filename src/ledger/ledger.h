// Ledger: the chain of blocks on a KvStore, the state they lead to, and the indexes that answer
// queries.
//
// ProduceBlock executes candidates at a block time, signs the header and commits the block, its
// receipts, its indexes and the state changes in one synced write batch: after a crash the
// store holds every committed block whole and nothing of a block that was not. A failed write
// leaves the in-memory state ahead of the disk, so the ledger then refuses all further blocks
// (the node must restart and reload from disk).
//
// Storage keys (docs/formats/storage.md):
//   meta/head            height of the last committed block, u64 BE
//   blk/<height BE>      block; rcp/<height BE> its receipts
//   txi/<tx id>          height u64 BE, index u32 BE
//   acx/<account>/<~height BE><~index BE>  tx id, for each account a transaction involves,
//                        complemented so that an account's newest transactions come first
//   st/<state key>       state entries
//
// Thread-compatible: the node serializes writers and readers with its own lock.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/block.h"
#include "core/receipt.h"
#include "core/transaction.h"
#include "ledger/executor.h"
#include "ledger/genesis.h"
#include "ledger/state.h"
#include "storage/kv_store.h"

namespace nuri::ledger {

struct ValidatorSigner {
  std::string name;
  crypto::SecretKey key;
};

struct ProducedBlock {
  core::Block block;
  crypto::Hash hash;
  std::vector<core::Receipt> receipts;
  std::vector<core::SignedTransaction> transactions;  // in block order
  // Candidates left out, with the admission code that keeps them out (expired meanwhile, or a
  // duplicate of one that got in).
  std::vector<std::pair<crypto::Hash, core::ReasonCode>> dropped;
};

struct TransactionLocation {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
};

class Ledger {
 public:
  // Opens the chain in `store`, creating it from `genesis` when the store is empty. Refuses a
  // store that holds another chain, or whose state does not match its last block.
  static base::Result<std::unique_ptr<Ledger>> Open(storage::KvStore& store,
                                                    const Genesis& genesis);
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const core::BlockHeader& head() const { return head_; }
  const crypto::Hash& head_hash() const { return head_hash_; }
  const std::string& chain_id() const { return head_.chain_id; }
  const core::ValidatorSet& validators() const { return validators_; }
  const State& state() const { return state_; }

  // The block time of a block proposed at wall time `now`: never before the last block's.
  core::TimeMillis NextBlockTime(core::TimeMillis now) const;

  base::Result<ProducedBlock> ProduceBlock(core::TimeMillis time,
                                           std::span<const core::SignedTransaction> candidates,
                                           const ValidatorSigner& signer);

  base::Result<core::Block> ReadBlock(std::uint64_t height) const;
  base::Result<std::vector<core::Receipt>> ReadReceipts(std::uint64_t height) const;
  base::Result<TransactionLocation> FindTransaction(const crypto::Hash& id) const;
  // Ids of the latest `limit` transactions involving `account`, newest first.
  base::Result<std::vector<crypto::Hash>> AccountHistory(std::string_view account,
                                                         std::size_t limit) const;

 private:
  // The genesis is used while opening only: a large one (a million accounts) is not kept.
  Ledger(storage::KvStore& store, const Genesis& genesis);
  base::Status InitializeFromGenesis(const Genesis& genesis);
  base::Status LoadFromStore(const Genesis& genesis);

  storage::KvStore& store_;
  core::ValidatorSet validators_;
  State state_;
  std::unique_ptr<Executor> executor_;
  core::BlockHeader head_;
  crypto::Hash head_hash_;
  base::Status sticky_error_;
};

// The accounts a transaction involves: its signer, whoever its body names and, for a refund,
// the payer of the refunded payment (read from `state`).
std::vector<std::string> InvolvedAccounts(const core::Transaction& tx, const State& state);

// The genesis block's header and the state it builds, computed without any store.
base::Result<core::BlockHeader> BuildGenesisState(const Genesis& genesis, State& state);

}  // namespace nuri::ledger
