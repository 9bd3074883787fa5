#include "ledger/ledger.h"

#include <algorithm>

#include "base/check.h"
#include "base/limits.h"
#include "codec/codec.h"

namespace nuri::ledger {

namespace {

constexpr std::string_view kHeadKey = "meta/head";
constexpr std::string_view kStateHeightKey = "meta/state_height";
constexpr std::string_view kSetChangePrefix = "vp/";
constexpr std::string_view kBaseKey = "meta/base";
constexpr std::string_view kBaseEvidenceKey = "meta/base_evidence";
constexpr std::string_view kBaseStatePrefix = "sb/";
constexpr std::size_t kBaseStatePieceBytes = 8 * 1024 * 1024;
// The state changes and index entries held back before they are written (unflushed_writes.h):
// some 13,000 transfers' worth, under a second of a busy node and about 5 MB. Writing them takes
// the producer a tenth of a second; much larger, and that pause stalls block production long
// enough to leave verification waiting (bench/README.md).
constexpr std::size_t kUnflushedOperationsMax = 64 * 1024;

std::string BlockKey(std::uint64_t height) { return "blk/" + codec::EncodeKeyU64(height); }
std::string ReceiptsKey(std::uint64_t height) { return "rcp/" + codec::EncodeKeyU64(height); }
std::string SetChangeKey(std::uint64_t applies_from) {
  return std::string(kSetChangePrefix) + codec::EncodeKeyU64(applies_from);
}
std::string BaseStatePieceKey(std::uint64_t index) {
  return std::string(kBaseStatePrefix) + codec::EncodeKeyU64(index);
}

struct InvolvedVisitor {
  std::vector<std::string>& out;
  const State& state;
  void operator()(const core::RegisterOrg&) {}
  void operator()(const core::RegisterAccount& b) { out.push_back(b.account.str()); }
  void operator()(const core::SetRoles& b) { out.push_back(b.account.str()); }
  void operator()(const core::SetKeys& b) { out.push_back(b.account.str()); }
  void operator()(const core::Freeze& b) { out.push_back(b.account.str()); }
  void operator()(const core::Unfreeze& b) { out.push_back(b.account.str()); }
  void operator()(const core::DefineToken& b) { out.push_back(b.issuer.str()); }
  void operator()(const core::Mint& b) { out.push_back(b.to.str()); }
  void operator()(const core::Burn&) {}
  void operator()(const core::Transfer& b) { out.push_back(b.to.str()); }
  void operator()(const core::SetHolidays&) {}
  void operator()(const core::DefineProgram& b) { out.push_back(b.program.owner.str()); }
  void operator()(const core::AmendProgram&) {}
  void operator()(const core::FundProgram&) {}
  void operator()(const core::Grant& b) { out.push_back(b.to.str()); }
  void operator()(const core::Reclaim& b) { out.push_back(b.from.str()); }
  void operator()(const core::CloseProgram&) {}
  void operator()(const core::Pay& b) { out.push_back(b.to.str()); }
  void operator()(const core::Refund& b) {
    // The payer is not named in a refund; its payment's record says who it was.
    if (const std::string* bytes = state.Find(PaymentKey(b.payment))) {
      if (auto payment = DecodePayment(*bytes)) out.push_back(payment->payer.str());
    }
  }
  void operator()(const core::Attest& b) { out.push_back(b.holder.str()); }
  void operator()(const core::AddValidator&) {}
  void operator()(const core::RemoveValidator&) {}
};

}  // namespace

base::Result<std::uint64_t> StoredStateHeight(const storage::KvStore& store,
                                              std::uint64_t head_height) {
  auto bytes = store.Get(kStateHeightKey);
  if (!bytes) {
    // Stores written before the state was held back kept it at the head.
    if (bytes.error().code() == base::StatusCode::kNotFound) return head_height;
    return base::Error(bytes.error());
  }
  if (bytes->size() != 8) {
    return base::Error(base::Status::Corruption("meta/state_height is malformed"));
  }
  const std::uint64_t height = codec::DecodeKeyU64(*bytes);
  if (height > head_height) {
    return base::Error(base::Status::Corruption("the stored state is past the last block"));
  }
  return height;
}

std::vector<std::string> InvolvedAccounts(const core::Transaction& tx, const State& state) {
  std::vector<std::string> accounts{tx.signer.str()};
  std::visit(InvolvedVisitor{accounts, state}, tx.body);
  std::sort(accounts.begin(), accounts.end());
  accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
  return accounts;
}

base::Result<core::BlockHeader> BuildGenesisState(const Genesis& genesis, State& state) {
  StateView(state).PutValidatorSet(1, genesis.validators);
  Executor executor(state);
  for (std::size_t i = 0; i < genesis.bodies.size(); ++i) {
    const core::Receipt receipt = executor.ApplyGenesis(genesis.bodies[i]);
    if (receipt.status != core::ReceiptStatus::kOk) {
      return base::Error(base::Status::InvalidArgument(
          "genesis entry " + std::to_string(i + 1) + " (" +
          std::string(core::BodyTypeName(genesis.bodies[i])) + "): " + receipt.message));
    }
  }
  core::BlockHeader header;
  header.chain_id = genesis.chain_id;
  header.height = 0;
  header.time = genesis.start_time;
  header.proposer = "genesis";
  header.tx_root = crypto::Sha256(genesis.text);  // the genesis block commits to its description
  header.state_root = state.Root();
  header.validator_set_hash = genesis.validators.Hash();
  return header;
}

Ledger::Ledger(storage::KvStore& store, const Genesis& genesis)
    : store_(store), validators_(genesis.validators), state_(std::make_unique<State>()) {}

base::Result<std::unique_ptr<Ledger>> Ledger::Open(storage::KvStore& store,
                                                   const Genesis& genesis) {
  std::unique_ptr<Ledger> ledger(new Ledger(store, genesis));
  auto head = store.Get(kHeadKey);
  base::Status status;
  if (!head.has_value() && head.error().code() == base::StatusCode::kNotFound) {
    status = ledger->InitializeFromGenesis(genesis);
  } else if (!head.has_value()) {
    status = head.error();
  } else {
    status = ledger->LoadFromStore(genesis);
  }
  if (!status.ok()) return base::Error(status);
  return ledger;
}

base::Status Ledger::InitializeFromGenesis(const Genesis& genesis) {
  auto header = BuildGenesisState(genesis, *state_);
  if (!header) return header.error();
  head_ = *header;
  head_hash_ = core::HeaderHash(head_);
  core::Block block;
  block.header = head_;
  unflushed_.AddStateChanges(state_->TakeChanges());
  storage::WriteBatch& batch = unflushed_.batch();
  batch.Put(BlockKey(0), core::EncodeBlock(block));
  batch.Put(ReceiptsKey(0), core::EncodeReceipts({}));
  batch.Put("meta/genesis", genesis.text);
  batch.Put(kStateHeightKey, codec::EncodeKeyU64(0));
  batch.Put(kHeadKey, codec::EncodeKeyU64(0));
  NURI_RETURN_IF_ERROR(store_.Write(batch, true));
  unflushed_.Clear();
  executor_ = std::make_unique<Executor>(*state_);
  return base::Status::Ok();
}

base::Status Ledger::LoadFromStore(const Genesis& genesis) {
  // The chain in the store must be the one this genesis begins. Block 0 commits to the
  // description's text, from which its state follows, so the text identifies it without
  // rebuilding that state.
  auto stored_genesis = ReadBlock(0);
  if (!stored_genesis) return stored_genesis.error();
  const core::BlockHeader& block0 = stored_genesis->header;
  if (block0.tx_root != crypto::Sha256(genesis.text) || block0.chain_id != genesis.chain_id ||
      block0.time != genesis.start_time || block0.validator_set_hash != genesis.validators.Hash()) {
    return base::Status::InvalidArgument(
        "the data directory holds a different chain than this genesis describes");
  }
  auto head_bytes = store_.Get(kHeadKey);
  if (!head_bytes) return head_bytes.error();
  if (head_bytes->size() != 8) return base::Status::Corruption("meta/head is malformed");
  const std::uint64_t head_height = codec::DecodeKeyU64(*head_bytes);
  auto state_height = StoredStateHeight(store_, head_height);
  if (!state_height) return state_height.error();
  auto block = ReadBlock(*state_height);
  if (!block) return block.error();
  head_ = block->header;
  head_hash_ = core::HeaderHash(head_);
  base::Status status =
      store_.Scan(kStatePrefix, [&](std::string_view key, std::string_view value) {
        state_->Put(key.substr(kStatePrefix.size()), std::string(value));
        return true;
      });
  NURI_RETURN_IF_ERROR(status);
  state_->TakeChanges();
  if (state_->Root() != head_.state_root) {
    return base::Status::Corruption("stored state does not match the state root of block " +
                                    std::to_string(head_.height));
  }
  validators_ = ReadValidatorSet(*state_, head_.height + 1);
  executor_ = std::make_unique<Executor>(*state_);
  NURI_RETURN_IF_ERROR(ExecuteUnflushedBlocks(head_height));
  if (auto base = store_.Get(kBaseKey); base && base->size() == 8) {
    base_height_ = codec::DecodeKeyU64(*base);
  } else if (base || base.error().code() != base::StatusCode::kNotFound) {
    return base ? base::Status::Corruption("meta/base is malformed") : base.error();
  }
  return base::Status::Ok();
}

core::ValidatorSet Ledger::ValidatorsAt(std::uint64_t height) const {
  NURI_CHECK(height <= head_.height + core::kValidatorSetChangeDelay);
  return height == head_.height + 1 ? validators_ : ReadValidatorSet(*state_, height);
}

core::TimeMillis Ledger::NextBlockTime(core::TimeMillis now) const {
  return std::max(now, head_.time);
}

base::Result<Ledger::Executed> Ledger::Execute(core::TimeMillis time, std::string_view proposer,
                                               std::span<const core::SignedTransaction> candidates,
                                               bool all_must_be_included) {
  NURI_CHECK(time >= head_.time);
  const BlockContext context{head_.chain_id, head_.height + 1, time};
  executor_->BeginBlock(context);

  Executed executed;
  ProducedBlock& produced = executed.produced;
  std::vector<crypto::Hash>& tx_ids = produced.transaction_ids;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const core::SignedTransaction& candidate = candidates[i];
    if (tx_ids.size() >= base::kBlockTransactionsMax) break;
    auto receipt = executor_->Execute(candidate);
    if (!receipt) {
      if (all_must_be_included) {
        return base::Error(base::Status::InvalidArgument(
            "transaction " + std::to_string(i) +
            " may not be in this block: " + std::string(core::ReasonName(receipt.error()))));
      }
      produced.dropped.emplace_back(candidate.id, receipt.error());
      continue;
    }
    produced.receipts.push_back(std::move(*receipt));
    executed.involved.push_back(InvolvedAccounts(candidate.tx, *state_));
    tx_ids.push_back(candidate.id);
    produced.block.transactions.push_back(candidate.bytes);
  }

  core::BlockHeader& header = produced.block.header;
  header.chain_id = head_.chain_id;
  header.height = context.height;
  header.prev_hash = head_hash_;
  header.time = time;
  header.proposer = std::string(proposer);
  header.tx_root = core::TransactionsRoot(tx_ids);
  header.receipts_root = core::ReceiptsRoot(produced.receipts);
  header.state_root = state_->Root();
  header.validator_set_hash = validators_.Hash();
  header.tx_count = static_cast<std::uint32_t>(tx_ids.size());
  produced.hash = core::HeaderHash(header);
  executed.context = context;
  executed.changes = state_->TakeChanges();
  return executed;
}

base::Result<ProducedBlock> Ledger::Commit(Executed executed, core::CommitCertificate certificate) {
  ProducedBlock& produced = executed.produced;
  produced.block.certificate = std::move(certificate);
  const core::BlockHeader& header = produced.block.header;
  storage::WriteBatch batch;
  // A block that changed the validator set keeps the proof of the set it scheduled, for the
  // snapshots this node offers later (snapshot.h): only block h writes the set of h + 2.
  const std::uint64_t applies_from = header.height + core::kValidatorSetChangeDelay;
  if (state_->Find(ValidatorSetKey(applies_from)) != nullptr) {
    const SetChangeProof change{header, produced.block.certificate, applies_from,
                                state_->Prove(ValidatorSetKey(applies_from))};
    batch.Put(SetChangeKey(applies_from), EncodeSetChangeProof(change));
  }
  batch.Put(BlockKey(header.height), core::EncodeBlock(produced.block));
  batch.Put(ReceiptsKey(header.height), core::EncodeReceipts(produced.receipts));
  batch.Put(kHeadKey, codec::EncodeKeyU64(header.height));
  if (base::Status status = store_.Write(batch, true); !status.ok()) {
    sticky_error_ = status;
    return base::Error(status);
  }
  HoldBack(executed);
  if (unflushed_.operations() >= kUnflushedOperationsMax) {
    // The block is committed whatever happens here; a store that failed refuses the next one.
    if (base::Status status = Flush(); !status.ok()) sticky_error_ = status;
  }
  return std::move(produced);
}

void Ledger::HoldBack(Executed& executed) {
  const core::BlockHeader& header = executed.produced.block.header;
  unflushed_.AddStateChanges(executed.changes);
  const auto& ids = executed.produced.transaction_ids;
  for (std::uint32_t i = 0; i < ids.size(); ++i) {
    unflushed_.AddTransaction(ids[i], {header.height, i}, executed.involved[i]);
  }
  head_ = header;
  head_hash_ = executed.produced.hash;
  validators_ = ReadValidatorSet(*state_, head_.height + 1);
}

base::Status Ledger::Flush() {
  if (unflushed_.empty()) return base::Status::Ok();
  storage::WriteBatch& batch = unflushed_.batch();
  batch.Put(kStateHeightKey, codec::EncodeKeyU64(head_.height));
  // Not synced: the next block's synced write carries it to the disk, and until then the
  // blocks it came from are there to execute again.
  NURI_RETURN_IF_ERROR(store_.Write(batch, false));
  unflushed_.Clear();
  return base::Status::Ok();
}

base::Status Ledger::ExecuteUnflushedBlocks(std::uint64_t head_height) {
  for (std::uint64_t height = head_.height + 1; height <= head_height; ++height) {
    auto block = ReadBlock(height);
    if (!block) return block.error();
    const core::BlockHeader& header = block->header;
    auto differs = [&](std::string_view why) {
      return base::Status::Corruption("block " + std::to_string(height) +
                                      " does not execute again as stored: " + std::string(why));
    };
    if (header.height != height || header.time < head_.time) return differs("its header");
    std::vector<core::SignedTransaction> transactions;
    transactions.reserve(block->transactions.size());
    for (const auto& bytes : block->transactions) {
      auto tx = core::DecodeTransaction(bytes);
      if (!tx) return differs(tx.error().message());
      transactions.push_back(*std::move(tx));
    }
    auto executed = Execute(header.time, header.proposer, transactions, true);
    if (!executed) return differs(executed.error().message());
    if (executed->produced.hash != core::HeaderHash(header)) return differs("another header");
    HoldBack(*executed);
  }
  return Flush();
}

base::Result<ProducedBlock> Ledger::ProduceBlock(
    core::TimeMillis time, std::span<const core::SignedTransaction> candidates,
    const ValidatorSigner& signer) {
  if (!sticky_error_.ok()) return base::Error(sticky_error_);
  AbandonExecuted();
  const auto voter = validators_.IndexOf(signer.name);
  if (!voter || validators_.QuorumSize() > 1) {
    return base::Error(base::Status::PermissionDenied(
        signer.name + " alone does not certify blocks of this validator set"));
  }
  auto executed = Execute(time, signer.name, candidates, false);
  NURI_CHECK(executed.has_value());  // leaving out what is not includable, it cannot fail
  const core::BlockHeader& header = executed->produced.block.header;
  core::CommitCertificate certificate;
  certificate.signatures.push_back(
      {signer.name,
       signer.key.Sign(core::VoteSigningMessage(
           header.chain_id, core::CommitVote(header, executed->produced.hash, 0, *voter)))});
  return Commit(*std::move(executed), std::move(certificate));
}

base::Result<const ProducedBlock*> Ledger::BuildBlock(
    core::TimeMillis time, std::span<const core::SignedTransaction> candidates,
    std::string_view proposer) {
  if (!sticky_error_.ok()) return base::Error(sticky_error_);
  AbandonExecuted();
  executor_->BeginUndo();
  auto executed = Execute(time, proposer, candidates, false);
  executor_->Rollback();
  NURI_CHECK(executed.has_value());
  executed_ = *std::move(executed);
  return &executed_->produced;
}

base::Result<const ProducedBlock*> Ledger::ExecuteBlock(
    const core::BlockHeader& header, std::vector<core::SignedTransaction> transactions) {
  if (!sticky_error_.ok()) return base::Error(sticky_error_);
  const crypto::Hash hash = core::HeaderHash(header);
  if (executed_ && executed_->produced.hash == hash) return &executed_->produced;
  AbandonExecuted();
  auto refuse = [](std::string why) {
    return base::Error(base::Status::InvalidArgument("block refused: " + std::move(why)));
  };
  if (header.chain_id != head_.chain_id) return refuse("another chain");
  if (header.height != head_.height + 1) {
    return refuse("height " + std::to_string(header.height) + " does not follow " +
                  std::to_string(head_.height));
  }
  if (header.prev_hash != head_hash_) return refuse("it does not extend the head");
  if (header.time < head_.time) return refuse("its time is before its parent's");
  if (header.validator_set_hash != validators_.Hash()) return refuse("another validator set");
  if (!validators_.IndexOf(header.proposer)) return refuse("its proposer is not a validator");
  if (header.tx_count != transactions.size()) return refuse("tx_count differs");
  if (transactions.size() > base::kBlockTransactionsMax) return refuse("too many transactions");
  executor_->BeginUndo();
  auto executed = Execute(header.time, header.proposer, transactions, true);
  std::string difference;
  if (!executed) {
    difference = executed.error().message();
  } else if (executed->produced.hash != hash) {
    const core::BlockHeader& ours = executed->produced.block.header;
    difference = ours.tx_root != header.tx_root               ? "tx_root differs"
                 : ours.receipts_root != header.receipts_root ? "receipts_root differs"
                 : ours.state_root != header.state_root       ? "state_root differs"
                                                              : "header differs";
  }
  executor_->Rollback();
  if (!difference.empty()) return refuse(difference);
  executed_ = *std::move(executed);
  return &executed_->produced;
}

base::Result<ProducedBlock> Ledger::CommitExecuted(const crypto::Hash& hash,
                                                   core::CommitCertificate certificate) {
  if (!sticky_error_.ok()) return base::Error(sticky_error_);
  if (!executed_ || executed_->produced.hash != hash) {
    return base::Error(
        base::Status::InvalidArgument("the block to commit is not the one executed"));
  }
  if (base::Status status =
          core::VerifyCertificate(certificate, executed_->produced.block.header, validators_);
      !status.ok()) {
    return base::Error(status);
  }
  Executed executed = *std::move(executed_);
  executed_.reset();
  executor_->ApplyBlock(executed.context, executed.changes);
  // Applying what the block changed must give the root it was executed to.
  NURI_CHECK(state_->Root() == executed.produced.block.header.state_root);
  return Commit(std::move(executed), std::move(certificate));
}

void Ledger::AbandonExecuted() { executed_.reset(); }

void Ledger::KeepSnapshot() {
  NURI_CHECK(!executed_);
  state_->Freeze();
  snapshot_height_ = head_.height;
}

base::Result<std::vector<SetChangeProof>> Ledger::SetChangesUpTo(std::uint64_t height) const {
  std::vector<SetChangeProof> changes;
  base::Status status;
  const base::Status scan =
      store_.Scan(kSetChangePrefix, [&](std::string_view key, std::string_view value) {
        if (codec::DecodeKeyU64(key.substr(kSetChangePrefix.size())) >
            height + core::kValidatorSetChangeDelay) {
          return false;
        }
        auto change = DecodeSetChangeProof(value);
        if (!change) {
          status = base::Status::Corruption(std::string(key) + ": " + change.error().message());
          return false;
        }
        changes.push_back(*std::move(change));
        return true;
      });
  if (!scan.ok()) return base::Error(scan);
  if (!status.ok()) return base::Error(status);
  // Each set after the genesis one needs its proof; a chain whose early changes were committed
  // without keeping one (by a release before snapshots) cannot prove its later blocks.
  std::size_t scheduled = 0;
  for (const auto& [from, set] : ReadValidatorSchedule(*state_)) {
    scheduled += from > 1 && from <= height + core::kValidatorSetChangeDelay;
  }
  if (scheduled != changes.size()) {
    return base::Error(base::Status::NotFound("a validator set change up to height " +
                                              std::to_string(height) + " has no proof kept"));
  }
  return changes;
}

base::Result<SnapshotOffer> Ledger::SnapshotOffered() const {
  if (!state_->frozen() || snapshot_height_ == 0) {
    return base::Error(base::Status::NotFound("no snapshot kept"));
  }
  SnapshotOffer offer;
  auto block = ReadBlock(snapshot_height_);
  if (!block) return base::Error(block.error());
  offer.evidence.block = *std::move(block);
  auto receipts = ReadReceipts(snapshot_height_);
  if (!receipts) return base::Error(receipts.error());
  offer.evidence.receipts = *std::move(receipts);
  auto set_changes = SetChangesUpTo(snapshot_height_);
  if (!set_changes) return base::Error(set_changes.error());
  offer.evidence.set_changes = *std::move(set_changes);
  offer.bucket_hashes = state_->FrozenBucketHashes();
  return offer;
}

std::vector<StateEntry> Ledger::ReadSnapshotBuckets(std::uint32_t first_bucket,
                                                    std::size_t bytes_max,
                                                    std::uint32_t& end_bucket) const {
  NURI_CHECK(state_->frozen());
  std::vector<StateEntry> entries;
  std::size_t bytes = 0;
  end_bucket = first_bucket;
  while (end_bucket < kStateBucketCount && (end_bucket == first_bucket || bytes < bytes_max)) {
    state_->VisitFrozenBucket(end_bucket, [&](const std::string& key, const std::string& value) {
      bytes += key.size() + value.size() + 8;
      entries.emplace_back(key, value);
    });
    ++end_bucket;
  }
  return entries;
}

base::Status Ledger::InstallSnapshot(const SnapshotOffer& offer, std::vector<StateEntry> entries) {
  NURI_RETURN_IF_ERROR(sticky_error_);
  const core::Block& block = offer.evidence.block;
  const core::BlockHeader& header = block.header;
  if (header.height <= head_.height || header.chain_id != head_.chain_id) {
    return base::Status::InvalidArgument("a snapshot must be of this chain and past the head");
  }
  auto state = std::make_unique<State>();
  for (auto& [key, value] : entries) state->Put(key, std::move(value));
  state->TakeChanges();
  if (state->Root() != header.state_root) {
    return base::Status::InvalidArgument("the snapshot's state does not match its block");
  }
  // The evidence proves each change it lists; the certified state says which there were. A node
  // must hold the proof of every one to offer snapshots in turn.
  std::vector<std::uint64_t> scheduled;
  for (const auto& [from, set] : ReadValidatorSchedule(*state)) {
    if (from > 1) scheduled.push_back(from);
  }
  std::vector<std::uint64_t> proven;
  for (const auto& change : offer.evidence.set_changes) proven.push_back(change.applies_from);
  if (scheduled != proven) {
    return base::Status::InvalidArgument(
        "the snapshot's evidence does not prove every change of the validator set");
  }

  // What is held back goes first, so that the store's state is all there is to replace.
  if (base::Status status = Flush(); !status.ok()) {
    sticky_error_ = status;
    return status;
  }
  storage::WriteBatch batch;
  const base::Status cleared =
      store_.Scan(kStatePrefix, [&](std::string_view key, std::string_view) {
        batch.Delete(key);
        return true;
      });
  NURI_RETURN_IF_ERROR(cleared);
  NURI_RETURN_IF_ERROR(store_.Scan(kBaseStatePrefix, [&](std::string_view key, std::string_view) {
    batch.Delete(key);
    return true;
  }));
  state->Scan("", [&](const std::string& key, const std::string& value) {
    batch.Put(std::string(kStatePrefix) + key, value);
    return true;
  });
  const std::vector<std::string> pieces = EncodeStatePieces(*state, kBaseStatePieceBytes);
  for (std::size_t i = 0; i < pieces.size(); ++i) batch.Put(BaseStatePieceKey(i), pieces[i]);
  for (std::uint32_t i = 0; i < block.transactions.size(); ++i) {
    auto tx = core::DecodeTransaction(block.transactions[i]);
    if (!tx) return base::Status::InvalidArgument("the snapshot's block: " + tx.error().message());
    const TransactionLocation location{header.height, i};
    batch.Put(TxIndexKey(tx->id), EncodeLocation(location));
    for (const auto& account : InvolvedAccounts(tx->tx, *state)) {
      batch.Put(AccountIndexKey(account, location), std::string(tx->id.view()));
    }
  }
  for (const auto& change : offer.evidence.set_changes) {
    batch.Put(SetChangeKey(change.applies_from), EncodeSetChangeProof(change));
  }
  batch.Put(BlockKey(header.height), core::EncodeBlock(block));
  batch.Put(ReceiptsKey(header.height), core::EncodeReceipts(offer.evidence.receipts));
  batch.Put(kBaseKey, codec::EncodeKeyU64(header.height));
  batch.Put(kBaseEvidenceKey, EncodeSnapshotEvidence(offer.evidence));
  batch.Put(kStateHeightKey, codec::EncodeKeyU64(header.height));
  batch.Put(kHeadKey, codec::EncodeKeyU64(header.height));
  if (base::Status status = store_.Write(batch, true); !status.ok()) {
    sticky_error_ = status;
    return status;
  }
  executed_.reset();
  executor_.reset();
  state_ = std::move(state);
  executor_ = std::make_unique<Executor>(*state_);
  head_ = header;
  head_hash_ = core::HeaderHash(header);
  validators_ = ReadValidatorSet(*state_, head_.height + 1);
  base_height_ = header.height;
  snapshot_height_ = 0;
  return base::Status::Ok();
}

base::Result<core::Block> Ledger::ReadBlock(std::uint64_t height) const {
  auto bytes = store_.Get(BlockKey(height));
  if (!bytes) {
    if (bytes.error().code() == base::StatusCode::kNotFound) {
      return base::Error(base::Status::NotFound("no block at height " + std::to_string(height)));
    }
    return base::Error(bytes.error());
  }
  auto block = core::DecodeBlock(*bytes);
  if (!block) {
    return base::Error(base::Status::Corruption("block " + std::to_string(height) + ": " +
                                                block.error().message()));
  }
  return block;
}

base::Result<std::vector<core::Receipt>> Ledger::ReadReceipts(std::uint64_t height) const {
  auto bytes = store_.Get(ReceiptsKey(height));
  if (!bytes) return base::Error(bytes.error());
  auto receipts = core::DecodeReceipts(*bytes);
  if (!receipts) return base::Error(base::Status::Corruption(receipts.error().message()));
  return receipts;
}

base::Result<TransactionLocation> Ledger::FindTransaction(const crypto::Hash& id) const {
  if (auto held = unflushed_.FindTransaction(id)) return *held;
  auto bytes = store_.Get(TxIndexKey(id));
  if (!bytes) return base::Error(bytes.error());
  if (bytes->size() != 12) return base::Error(base::Status::Corruption("bad tx index entry"));
  return TransactionLocation{codec::DecodeKeyU64(bytes->substr(0, 8)),
                             DecodeIndex(std::string_view(*bytes).substr(8))};
}

base::Result<std::vector<crypto::Hash>> Ledger::AccountHistory(std::string_view account,
                                                               std::size_t limit) const {
  std::vector<crypto::Hash> ids;
  const auto held = unflushed_.History(account);
  for (auto it = held.rbegin(); it != held.rend() && ids.size() < limit; ++it) {
    ids.push_back(it->id);
  }
  if (ids.size() >= limit) return ids;
  base::Status status =
      store_.Scan(AccountIndexPrefix(account), [&](std::string_view, std::string_view value) {
        if (auto id = crypto::Hash::FromBytes(value)) ids.push_back(*id);
        return ids.size() < limit;
      });
  if (!status.ok()) return base::Error(status);
  return ids;
}

base::Result<std::vector<TransactionLocation>> Ledger::AccountLocations(std::string_view account,
                                                                        TransactionLocation newest,
                                                                        std::size_t limit) const {
  const std::string prefix = AccountIndexPrefix(account);
  std::vector<TransactionLocation> locations;
  const auto held = unflushed_.History(account);
  for (auto it = held.rbegin(); it != held.rend() && locations.size() < limit; ++it) {
    const TransactionLocation& at = it->location;
    if (at.height < newest.height || (at.height == newest.height && at.index <= newest.index)) {
      locations.push_back(at);
    }
  }
  if (locations.size() >= limit) return locations;
  base::Status status = store_.ScanFrom(
      prefix, prefix + EncodeNewestFirst(newest), [&](std::string_view key, std::string_view) {
        const std::string_view suffix = key.substr(prefix.size());
        if (suffix.size() != kLocationBytes) return true;  // not an entry of this index
        locations.push_back(
            {~codec::DecodeKeyU64(suffix.substr(0, 8)), ~DecodeIndex(suffix.substr(8))});
        return locations.size() < limit;
      });
  if (!status.ok()) return base::Error(status);
  return locations;
}

}  // namespace nuri::ledger
