// Ledger: the chain of blocks on a KvStore, the state they lead to, and the indexes that answer
// queries.
//
// ProduceBlock executes candidates at a block time, signs the header and commits the block and
// its receipts in one synced write batch: after a crash the store holds every committed block
// whole and nothing of a block that was not. The block's state changes and index entries are
// held back and written some ten thousand transactions at a time (unflushed_writes.h), with
// meta/state_height saying which block the stored state is of; Open executes the blocks after
// it again, each of which must give its stored header, before the ledger serves. A failed write
// leaves the in-memory state ahead of the disk, so the ledger then refuses all further blocks
// (the node must restart and reload from disk).
//
// Under consensus a block is executed before it is decided: BuildBlock (a proposer's block from
// candidates) and ExecuteBlock (a proposed or synced block, judged) execute it and take it back
// at once, keeping what it changed; CommitExecuted applies those changes and writes the block
// with its certificate once decided, and AbandonExecuted forgets it. So the state anyone reads
// is always the committed one. At most one executed block waits: executing another forgets the
// first.
//
// Storage keys (docs/formats/storage.md):
//   meta/head            height of the last committed block, u64 BE
//   blk/<height BE>      block; rcp/<height BE> its receipts
//   txi/<tx id>          height u64 BE, index u32 BE
//   acx/<account>/<~height BE><~index BE>  tx id, for each account a transaction involves,
//                        complemented so that an account's newest transactions come first
//   st/<state key>       state entries, as of block meta/state_height (absent: meta/head)
//   meta/state_height    height of the block whose state st/ holds, u64 BE
//   vp/<height BE>       the proof of the validator set applying from that height
//                        (snapshot.h SetChangeProof), kept for snapshots this node offers
//   meta/base            height of the snapshot this node started from, u64 BE (absent: 0)
//   meta/base_evidence   that snapshot's evidence; sb/<index BE> its state, in pieces
//
// Thread-compatible: the node serializes writers and readers with its own lock.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/block.h"
#include "core/receipt.h"
#include "core/transaction.h"
#include "ledger/executor.h"
#include "ledger/genesis.h"
#include "ledger/snapshot.h"
#include "ledger/state.h"
#include "ledger/storage_keys.h"
#include "ledger/unflushed_writes.h"
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
  std::vector<crypto::Hash> transaction_ids;  // in block order
  // Candidates left out, with the admission code that keeps them out (expired meanwhile, or a
  // duplicate of one that got in).
  std::vector<std::pair<crypto::Hash, core::ReasonCode>> dropped;
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
  // The validator set that certifies the next block.
  const core::ValidatorSet& validators() const { return validators_; }
  // The set that certifies block `height`, for any height up to the head's plus
  // core::kValidatorSetChangeDelay (later ones are not decided yet).
  core::ValidatorSet ValidatorsAt(std::uint64_t height) const;
  const State& state() const { return *state_; }

  // The block time of a block proposed at wall time `now`: never before the last block's.
  core::TimeMillis NextBlockTime(core::TimeMillis now) const;

  base::Result<ProducedBlock> ProduceBlock(core::TimeMillis time,
                                           std::span<const core::SignedTransaction> candidates,
                                           const ValidatorSigner& signer);

  // The next block from candidates (those not includable are left out, listed in `dropped`),
  // proposed by `proposer` at `time` (not before the head's), executed and waiting. The
  // result stays valid until the next call that executes, commits or abandons.
  base::Result<const ProducedBlock*> BuildBlock(core::TimeMillis time,
                                                std::span<const core::SignedTransaction> candidates,
                                                std::string_view proposer);
  // Executes a block someone else built, whose transactions are decoded and their signatures
  // verified: every field of its header must be what executing it on the head gives, and every
  // transaction includable; otherwise the error says what differs and nothing waits.
  base::Result<const ProducedBlock*> ExecuteBlock(
      const core::BlockHeader& header, std::vector<core::SignedTransaction> transactions);
  // The block waiting executed, or nullptr.
  const ProducedBlock* executed() const { return executed_ ? &executed_->produced : nullptr; }
  // Commits the waiting block, whose hash must be `hash`, with its certificate (verified here
  // against the validator set).
  base::Result<ProducedBlock> CommitExecuted(const crypto::Hash& hash,
                                             core::CommitCertificate certificate);
  void AbandonExecuted();

  // Snapshots (snapshot.h). A node keeps one snapshot of its state to serve to peers far
  // behind: KeepSnapshot() makes the head's state that snapshot, in place of any before (it
  // needs no block executed and waiting). SnapshotOffered() is its offer, NotFound when none is
  // kept; ReadSnapshotBuckets() reads its buckets from `first_bucket` on, whole buckets, until
  // they hold about `bytes_max`, and says where it stopped.
  void KeepSnapshot();
  // The proofs of every validator set change scheduled up to `height` (applying up to two
  // heights past it), in order: with them, anyone who trusts the genesis set alone can check
  // the certificate of any block up to `height` (snapshot.h VerifyCertifiedHeader).
  base::Result<std::vector<SetChangeProof>> SetChangesUpTo(std::uint64_t height) const;
  base::Result<SnapshotOffer> SnapshotOffered() const;
  std::uint64_t snapshot_height() const { return snapshot_height_; }
  std::vector<StateEntry> ReadSnapshotBuckets(std::uint32_t first_bucket, std::size_t bytes_max,
                                              std::uint32_t& end_bucket) const;
  // Starts over from a verified snapshot of a later height than the head: its state and its
  // block replace the head in one synced write, with the evidence kept for `nuri node check`.
  // Blocks between the old head and the snapshot's are never stored.
  base::Status InstallSnapshot(const SnapshotOffer& offer, std::vector<StateEntry> entries);
  // The height whose state this node started from: 0, or that of the last snapshot installed.
  std::uint64_t base_height() const { return base_height_; }

  base::Result<core::Block> ReadBlock(std::uint64_t height) const;
  base::Result<std::vector<core::Receipt>> ReadReceipts(std::uint64_t height) const;
  base::Result<TransactionLocation> FindTransaction(const crypto::Hash& id) const;
  // Ids of the latest `limit` transactions involving `account`, newest first.
  base::Result<std::vector<crypto::Hash>> AccountHistory(std::string_view account,
                                                         std::size_t limit) const;
  // Where the transactions involving `account` are, newest first from `newest` (inclusive), at
  // most `limit` of them: an account's past a page at a time, however long it is.
  base::Result<std::vector<TransactionLocation>> AccountLocations(std::string_view account,
                                                                  TransactionLocation newest,
                                                                  std::size_t limit) const;

 private:
  // The genesis is used while opening only: a large one (a million accounts) is not kept.
  Ledger(storage::KvStore& store, const Genesis& genesis);
  base::Status InitializeFromGenesis(const Genesis& genesis);
  base::Status LoadFromStore(const Genesis& genesis);

  struct Executed {
    ProducedBlock produced;
    std::vector<std::vector<std::string>> involved;  // the accounts of each transaction included
    BlockContext context;
    std::vector<StateChange> changes;
  };
  // Executes candidates on the head's state in a block at `time`, leaving out those not
  // includable (or refusing the block when `all_must_be_included`).
  base::Result<Executed> Execute(core::TimeMillis time, std::string_view proposer,
                                 std::span<const core::SignedTransaction> candidates,
                                 bool all_must_be_included);
  // Writes the block with the synced write that commits it; its state changes and index
  // entries are held back (unflushed_writes.h).
  base::Result<ProducedBlock> Commit(Executed executed, core::CommitCertificate certificate);
  // Takes an executed block as the new head, holding back what it changed.
  void HoldBack(Executed& executed);
  // Writes what is held back, with the height of the state it brings the store to.
  base::Status Flush();
  // Opening: executes again the blocks after the stored state's height up to `head_height`.
  // Each must give its stored header exactly.
  base::Status ExecuteUnflushedBlocks(std::uint64_t head_height);

  storage::KvStore& store_;
  core::ValidatorSet validators_;
  std::optional<Executed> executed_;
  std::unique_ptr<State> state_;  // replaced whole when a snapshot is installed
  std::unique_ptr<Executor> executor_;
  UnflushedWrites unflushed_;
  core::BlockHeader head_;
  crypto::Hash head_hash_;
  std::uint64_t base_height_ = 0;
  std::uint64_t snapshot_height_ = 0;  // of the snapshot kept, when the state is frozen
  base::Status sticky_error_;
};

// The height of the state in the store (meta/state_height): the head's, or that of an earlier
// block whose successors' changes are not written yet.
base::Result<std::uint64_t> StoredStateHeight(const storage::KvStore& store,
                                              std::uint64_t head_height);

// The accounts a transaction involves: its signer, whoever its body names and, for a refund,
// the payer of the refunded payment (read from `state`).
std::vector<std::string> InvolvedAccounts(const core::Transaction& tx, const State& state);

// The genesis block's header and the state it builds, computed without any store.
base::Result<core::BlockHeader> BuildGenesisState(const Genesis& genesis, State& state);

}  // namespace nuri::ledger
