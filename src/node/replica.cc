#include "node/replica.h"

#include <algorithm>
#include <deque>
#include <tuple>

#include "base/check.h"
#include "base/log.h"
#include "codec/codec.h"
#include "ledger/signatures.h"
#include "ledger/state_view.h"

namespace nuri::node {

namespace {

constexpr std::string_view kLog = "replica";
// Messages further ahead than this many heights are not kept: their sender is far ahead, and
// block sync is the way to catch up with it. Beyond it, the validator set that signs them may
// not be known yet (core::kValidatorSetChangeDelay).
constexpr std::uint64_t kHeightsAhead = core::kValidatorSetChangeDelay - 1;
// Bounds on what peers can make a replica hold before their height starts or commits.
constexpr std::size_t kCandidatesMax = 64;
constexpr std::size_t kEarlyMessagesMax = 4096;
constexpr std::size_t kSignaturesPerHeightMax = 4096;
// Distinct signed messages taken from one signer for one slot (height, round, step): an honest
// validator signs one; two votes are kept as evidence of equivocation; more are only a flood.
// One proposal per round is taken, and any other once votes of more than f validators (so of
// at least one honest one) back its value: the one a round may decide.
constexpr int kVotesPerSlotMax = 2;
constexpr int kProposalsPerSlotMax = 1;
// Rounds further ahead of this replica's than this are not taken (the state machine would
// ignore them too): honest validators are never that far apart.
constexpr std::uint32_t kRoundsAhead = 100;
// At most one block request every this long, whoever prompts it.
constexpr core::TimeMillis kSyncRequestIntervalMillis = 500;

constexpr std::string_view kLastSignedKey = "cs/last_signed";
constexpr std::string_view kKeptPrefix = "cw/";
constexpr std::uint8_t kLastSignedVersion = 1;

std::string KeptHeightPrefix(std::uint64_t height) {
  return std::string(kKeptPrefix) + codec::EncodeKeyU64(height);
}

crypto::Hash MessageHash(std::string_view bytes) { return crypto::Sha256(bytes); }

}  // namespace

Replica::Replica(storage::KvStore& store, ReplicaOptions options, ReplicaIo& io,
                 std::unique_ptr<ledger::Ledger> ledger)
    : store_(store),
      options_(std::move(options)),
      io_(io),
      ledger_(std::move(ledger)),
      mempool_(options_.mempool_capacity) {}

base::Result<std::unique_ptr<Replica>> Replica::Open(storage::KvStore& store,
                                                     const ledger::Genesis& genesis,
                                                     ReplicaOptions options, ReplicaIo& io) {
  auto ledger = ledger::Ledger::Open(store, genesis);
  if (!ledger) return base::Error(ledger.error());
  std::unique_ptr<Replica> replica(new Replica(store, std::move(options), io, *std::move(ledger)));
  if (replica->options_.validator_key) {
    // A node with a key outside the set follows until a governor adds it; a validator of the
    // set with another key is a mistake in its configuration.
    const core::Validator* listed = replica->validators().Find(replica->options_.name);
    if (listed != nullptr && listed->key != replica->options_.validator_key->public_key()) {
      return base::Error(base::Status::InvalidArgument(
          replica->options_.name + " is a validator with another key than this one"));
    }
  }
  auto last_signed = store.Get(kLastSignedKey);
  if (last_signed) {
    codec::Reader r(*last_signed);
    LastSigned record;
    if (r.GetU8("version") != kLastSignedVersion && r.ok()) r.Fail("unknown version");
    record.height = r.GetU64("height");
    record.round = r.GetU32("round");
    const std::uint8_t step = r.GetU8("step");
    if (r.ok() && (step < 1 || step > 3)) r.Fail("unknown step");
    record.step = static_cast<SignStep>(step);
    record.message = r.GetBytes(1024, "message");
    record.signature = r.GetFixed(crypto::kEd25519SignatureSizeBytes, "signature");
    record.value = crypto::Hash::FromBytes(r.GetFixed(32, "value")).value_or(crypto::Hash{});
    if (auto status = r.Finish(); !status.ok()) {
      return base::Error(base::Status::Corruption("cs/last_signed: " + status.message()));
    }
    replica->last_signed_ = std::move(record);
  } else if (last_signed.error().code() != base::StatusCode::kNotFound) {
    return base::Error(last_signed.error());
  }
  replica->ResetConsensus();
  return replica;
}

void Replica::ResetConsensus() {
  const core::ValidatorSet& set = validators();
  const bool was_validator = self_.has_value();
  self_.reset();
  if (options_.validator_key) {
    const auto index = set.IndexOf(options_.name);
    if (index && set.validators[*index].key == options_.validator_key->public_key()) self_ = index;
  }
  if (was_validator != self_.has_value() && options_.validator_key) {
    base::LogInfo(kLog, options_.name +
                            (self_ ? " votes from height " : " stops voting at height ") +
                            std::to_string(next_height()));
  }
  consensus_set_hash_ = set.Hash();
  following_validators_ = ledger_->ValidatorsAt(next_height() + 1);
  consensus::TendermintConfig config = options_.timeouts;
  config.validators = static_cast<std::uint32_t>(set.validators.size());
  config.self = self_;
  tendermint_ = std::make_unique<consensus::Tendermint>(config);
  height_started_ = false;
}

void Replica::Start() {
  // What was kept of the height in progress goes through the state machine again, so that a
  // validator that restarts holds the locks it held (docs/consensus.md, "Restarts").
  std::vector<std::string> kept;
  storage::WriteBatch stale;  // of heights committed before a crash took the chance to forget
  const std::string prefix(kKeptPrefix);
  base::Status status = store_.Scan(prefix, [&](std::string_view key, std::string_view value) {
    if (key.size() != prefix.size() + 16) return true;
    kept_sequence_ = std::max(kept_sequence_, codec::DecodeKeyU64(key.substr(key.size() - 8)) + 1);
    const std::uint64_t height = codec::DecodeKeyU64(key.substr(prefix.size(), 8));
    if (height >= next_height()) {
      kept.emplace_back(value);
      kept_keys_[height].emplace_back(key);
    } else {
      stale.Delete(key);
    }
    return true;
  });
  if (status.ok() && !stale.empty()) status = store_.Write(stale, false);
  if (!status.ok()) return Halt(status);
  // A restarted node offers its head's state at once rather than after the next interval.
  if (options_.snapshot_interval > 0 && ledger_->head().height > 0) KeepSnapshot();
  replaying_ = true;
  for (const auto& bytes : kept) {
    if (auto replayed = OnMessage(kNoPeer, bytes); !replayed.ok()) {
      base::LogWarning(kLog, "a kept consensus message was refused: " + replayed.message());
    }
  }
  replaying_ = false;
  const TimerId id = next_timer_++;
  timers_[id] = TimerTarget{.status = true};
  io_.SetTimer(options_.status_interval_millis, id);
  io_.Broadcast(net::EncodeMessage(net::StatusMessage{ledger_->head().height}));
  Settle();
}

// Heights start when there is something to decide: transactions waiting here, or a peer that
// already started (its messages arrived). An idle network makes no blocks.
void Replica::EndTurn() {
  in_turn_ = false;
  Settle();
}

void Replica::Settle() {
  if (in_turn_) return;  // EndTurn settles
  while (halted_.ok() && !height_started_ &&
         (mempool_.size() > 0 || highest_seen_height_ >= next_height())) {
    StartHeight();
  }
}

void Replica::StartHeight() {
  const std::uint64_t height = next_height();
  height_started_ = true;
  Apply(tendermint_->StartHeight(height));
  auto early = std::move(early_messages_);
  early_messages_.clear();
  for (auto& message : early) {
    if (!height_started_ || message.height > next_height()) {
      early_messages_.push_back(std::move(message));
    } else if (message.height == next_height()) {
      Deliver(message);
    }
  }
}

// A message of the next height starts it (a peer started) and goes to the state machine; one of
// a later height waits for its own.
void Replica::Route(EarlyMessage message) {
  if (message.height == next_height() && !height_started_) StartHeight();
  if (message.height == next_height() && height_started_) {
    Deliver(message);
  } else if (early_messages_.size() < kEarlyMessagesMax) {
    early_messages_.push_back(std::move(message));
  }
}

void Replica::Deliver(const EarlyMessage& message) {
  if (message.proposal) {
    Apply(tendermint_->OnProposal(*message.proposal, JudgeProposal(*message.proposal)));
  } else {
    Apply(tendermint_->OnVote(*message.vote));
  }
}

void Replica::Apply(std::vector<consensus::Action> actions) {
  std::deque<consensus::Action> queue(std::make_move_iterator(actions.begin()),
                                      std::make_move_iterator(actions.end()));
  while (!queue.empty() && halted_.ok()) {
    consensus::Action action = std::move(queue.front());
    queue.pop_front();
    std::vector<consensus::Action> more;
    if (auto* propose = std::get_if<consensus::BroadcastProposal>(&action)) {
      Propose(propose->proposal);
    } else if (auto* vote = std::get_if<consensus::BroadcastVote>(&action)) {
      CastVote(vote->vote, more);
    } else if (auto* timeout = std::get_if<consensus::ScheduleTimeout>(&action)) {
      ScheduleTimeout(timeout->kind, timeout->height, timeout->round, timeout->delay_millis);
    } else if (auto* request = std::get_if<consensus::RequestValue>(&action)) {
      BuildValue(request->height, request->round, more);
    } else if (auto* decide = std::get_if<consensus::Decide>(&action)) {
      Commit(*decide);
    } else if (auto* equivocation = std::get_if<consensus::ReportEquivocation>(&action);
               equivocation && reported_[equivocation->first.height]
                                   .insert({equivocation->first.round, equivocation->first.voter})
                                   .second) {
      const core::ValidatorIndex voter = equivocation->first.voter;
      base::LogWarning(kLog, "validator " + validators().validators[voter].name +
                                 " signed two different votes at height " +
                                 std::to_string(equivocation->first.height) + ", round " +
                                 std::to_string(equivocation->first.round));
    }
    queue.insert(queue.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }
}

void Replica::BuildValue(std::uint64_t height, std::uint32_t round,
                         std::vector<consensus::Action>& out) {
  // Restarted in a round it had already proposed in: only that block may be proposed again, and
  // when it is lost, or the validator signed a later step of the round, nothing.
  std::optional<crypto::Hash> proposed_before;
  if (const auto at_height = own_proposals_.find(height); at_height != own_proposals_.end()) {
    if (const auto at_round = at_height->second.find(round); at_round != at_height->second.end()) {
      proposed_before = at_round->second;
    }
  }
  if (!proposed_before && last_signed_ && last_signed_->height == height &&
      last_signed_->round == round && last_signed_->step == SignStep::kProposal) {
    proposed_before = last_signed_->value;
  }
  const bool signed_this_round =
      last_signed_ &&
      std::make_pair(last_signed_->height, last_signed_->round) >= std::make_pair(height, round);
  if (proposed_before || signed_this_round) {
    const auto candidate = proposed_before ? candidates_.find(*proposed_before) : candidates_.end();
    if (candidate != candidates_.end() && candidate->second.usable) {
      auto more = tendermint_->OnValue(height, round, *proposed_before);
      out.insert(out.end(), more.begin(), more.end());
    } else {
      // The machine waits for its own proposal, which won't come: the round times out.
      ScheduleTimeout(consensus::TimeoutKind::kPropose, height, round,
                      tendermint_->Timeout(consensus::TimeoutKind::kPropose, round));
    }
    return;
  }
  const core::TimeMillis time = std::max(io_.NowMillis(), ledger_->head().time);
  std::vector<core::SignedTransaction> pending = mempool_.Peek(options_.block_transactions_max);
  const auto built =
      TimeBlockWork([&] { return ledger_->BuildBlock(time, pending, options_.name); });
  if (!built) return Halt(built.error());
  const ledger::ProducedBlock& block = **built;
  std::vector<crypto::Hash> dropped;
  for (const auto& [id, code] : block.dropped) dropped.push_back(id);
  mempool_.Remove(dropped);
  // The block holds the pending transactions it did not drop, in their order.
  std::vector<core::SignedTransaction> included;
  included.reserve(block.transaction_ids.size());
  for (auto& tx : pending) {
    if (included.size() < block.transaction_ids.size() &&
        tx.id == block.transaction_ids[included.size()]) {
      included.push_back(std::move(tx));
    }
  }
  NURI_CHECK(included.size() == block.transaction_ids.size());
  candidates_[block.hash] = Candidate{block.block.header, std::move(included), true};
  auto more = tendermint_->OnValue(height, round, block.hash);
  out.insert(out.end(), more.begin(), more.end());
}

void Replica::ScheduleTimeout(consensus::TimeoutKind kind, std::uint64_t height,
                              std::uint32_t round, std::int64_t delay_millis) {
  const TimerId id = next_timer_++;
  timers_[id] = TimerTarget{.status = false, .kind = kind, .height = height, .round = round};
  io_.SetTimer(delay_millis, id);
}

std::optional<std::string> Replica::Sign(std::uint64_t height, std::uint32_t round, SignStep step,
                                         const std::string& message) {
  if (last_signed_) {
    const auto next = std::make_tuple(height, round, step);
    const auto last =
        std::make_tuple(last_signed_->height, last_signed_->round, last_signed_->step);
    if (next < last) return std::nullopt;
    if (next == last) {
      if (message != last_signed_->message) return std::nullopt;
      return last_signed_->signature;
    }
  }
  return options_.validator_key->Sign(message);
}

bool Replica::RecordSigned(LastSigned record, std::uint64_t height, std::string_view bytes) {
  codec::Writer w;
  w.PutU8(kLastSignedVersion);
  w.PutU64(record.height);
  w.PutU32(record.round);
  w.PutU8(static_cast<std::uint8_t>(record.step));
  w.PutBytes(record.message);
  w.PutFixed(record.signature);
  w.PutFixed(record.value.view());
  storage::WriteBatch batch;
  batch.Put(kLastSignedKey, w.Take());
  Keep(batch, height, bytes);
  // Synced before the message leaves: after a crash the validator knows what it signed.
  if (base::Status status = store_.Write(batch, true); !status.ok()) {
    Halt(status);
    return false;
  }
  last_signed_ = std::move(record);
  return true;
}

void Replica::Propose(const core::Proposal& proposal) {
  const auto candidate = candidates_.find(proposal.value);
  NURI_CHECK(candidate != candidates_.end());
  const std::string message = core::ProposalSigningMessage(chain_id(), proposal);
  auto signature = Sign(proposal.height, proposal.round, SignStep::kProposal, message);
  if (!signature) return;
  net::ProposalMessage wire{proposal, *signature, {}};
  wire.block.header = candidate->second.header;
  for (const auto& tx : candidate->second.transactions) wire.block.transactions.push_back(tx.bytes);
  const std::string bytes = net::EncodeMessage(wire);
  MarkSeen(bytes, proposal.height);
  if (!RecordSigned({proposal.height, proposal.round, SignStep::kProposal, message, *signature,
                     proposal.value},
                    proposal.height, bytes)) {
    return;
  }
  own_proposals_[proposal.height][proposal.round] = proposal.value;
  io_.Broadcast(bytes);
}

void Replica::CastVote(const core::Vote& vote, std::vector<consensus::Action>& out) {
  const std::string message = core::VoteSigningMessage(chain_id(), vote);
  const SignStep step =
      vote.type == core::VoteType::kPrevote ? SignStep::kPrevote : SignStep::kPrecommit;
  auto signature = Sign(vote.height, vote.round, step, message);
  if (!signature) return;
  const std::string bytes = net::EncodeMessage(net::VoteMessage{vote, *signature});
  MarkSeen(bytes, vote.height);
  if (!RecordSigned(
          {vote.height, vote.round, step, message, *signature, vote.value.value_or(crypto::Hash{})},
          vote.height, bytes)) {
    return;
  }
  io_.Broadcast(bytes);
  // Counted like anyone's vote, now that it is signed and recorded.
  signatures_[vote.height][core::EncodeVote(vote)] = *signature;
  if (vote.value) backers_[vote.height][{vote.round, *vote.value}].insert(vote.voter);
  auto more = tendermint_->OnVote(vote);
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

void Replica::Commit(const consensus::Decide& decision) {
  const auto candidate = candidates_.find(decision.value);
  if (candidate == candidates_.end() || !candidate->second.usable) {
    // Decided by the others' votes on a block this replica never received whole: fetch it
    // committed, with its certificate.
    awaiting_decided_block_ = true;
    io_.Broadcast(net::EncodeMessage(net::BlocksRequest{next_height(), 1}));
    return;
  }
  const auto executed = TimeBlockWork([&] {
    return ledger_->ExecuteBlock(candidate->second.header, candidate->second.transactions);
  });
  if (!executed) {
    base::LogError(kLog, "the decided block at height " + std::to_string(decision.height) +
                             " does not execute here: " + executed.error().message());
    awaiting_decided_block_ = true;
    return;
  }
  core::CommitCertificate certificate;
  certificate.round = decision.round;
  const auto& signatures = signatures_[decision.height];
  for (const core::Vote& vote : decision.commit) {
    const auto signature = signatures.find(core::EncodeVote(vote));
    if (signature == signatures.end()) continue;
    certificate.signatures.push_back({validators().validators[vote.voter].name, signature->second});
  }
  auto committed = TimeBlockWork(
      [&] { return ledger_->CommitExecuted(decision.value, std::move(certificate)); });
  if (!committed) {
    if (ledger_->executed() == nullptr) return Halt(committed.error());
    base::LogError(kLog, "no certificate for the decided block at height " +
                             std::to_string(decision.height) + ": " + committed.error().message());
    awaiting_decided_block_ = true;
    return;
  }
  AfterCommit(*committed, false);
}

void Replica::AfterCommit(const ledger::ProducedBlock& block, bool by_sync) {
  const std::uint64_t height = block.block.header.height;
  std::vector<crypto::Hash> finished = block.transaction_ids;
  for (const auto& [id, code] : block.dropped) finished.push_back(id);
  mempool_.Remove(finished);
  ForgetThrough(height);
  awaiting_decided_block_ = false;
  if (by_sync || tendermint_->height() != height || validators().Hash() != consensus_set_hash_) {
    ResetConsensus();
  } else {
    following_validators_ = ledger_->ValidatorsAt(next_height() + 1);
    height_started_ = false;
  }
  if (options_.snapshot_interval > 0 && height % options_.snapshot_interval == 0) KeepSnapshot();
  io_.Committed(block);
}

void Replica::ForgetThrough(std::uint64_t height) {
  std::erase_if(candidates_,
                [&](const auto& entry) { return entry.second.header.height <= height; });
  std::erase_if(early_messages_, [&](const EarlyMessage& m) { return m.height <= height; });
  signatures_.erase(signatures_.begin(), signatures_.upper_bound(height));
  seen_.erase(seen_.begin(), seen_.upper_bound(height));
  slots_.erase(slots_.begin(), slots_.upper_bound(height));
  backers_.erase(backers_.begin(), backers_.upper_bound(height));
  reported_.erase(reported_.begin(), reported_.upper_bound(height));
  own_proposals_.erase(own_proposals_.begin(), own_proposals_.upper_bound(height));
  // Messages kept for a restart are of no use once their height is committed. Their keys are
  // known: scanning for them would walk every deleted one the store has not compacted away.
  storage::WriteBatch forget;
  const auto kept_end = kept_keys_.upper_bound(height);
  for (auto it = kept_keys_.begin(); it != kept_end; ++it) {
    for (const auto& key : it->second) forget.Delete(key);
  }
  kept_keys_.erase(kept_keys_.begin(), kept_end);
  if (!forget.empty()) {
    if (base::Status status = store_.Write(forget, false); !status.ok()) return Halt(status);
  }
}

base::Status Replica::OnMessage(PeerId from, std::string_view bytes) {
  if (!halted_.ok()) return base::Status::Ok();
  auto message = net::DecodeMessage(bytes);
  if (!message) return message.error();
  base::Status status;
  if (auto* proposal = std::get_if<net::ProposalMessage>(&*message)) {
    status = OnProposal(from, *proposal, bytes);
  } else if (auto* vote = std::get_if<net::VoteMessage>(&*message)) {
    status = OnVote(from, *vote, bytes);
  } else if (auto* transactions = std::get_if<net::TransactionsMessage>(&*message)) {
    status = OnTransactions(*transactions);
  } else if (auto* peer_status = std::get_if<net::StatusMessage>(&*message)) {
    OnStatus(from, *peer_status);
  } else if (auto* request = std::get_if<net::BlocksRequest>(&*message)) {
    OnBlocksRequest(from, *request);
  } else if (auto* blocks = std::get_if<net::BlocksMessage>(&*message)) {
    status = OnBlocks(*blocks);
  } else if (std::holds_alternative<net::SnapshotRequest>(*message)) {
    OnSnapshotRequest(from);
  } else if (auto* offer = std::get_if<net::SnapshotOfferMessage>(&*message)) {
    status = OnSnapshotOffer(from, *offer);
  } else if (auto* chunk_request = std::get_if<net::StateChunkRequest>(&*message)) {
    OnStateChunkRequest(from, *chunk_request);
  } else if (auto* chunk = std::get_if<net::StateChunkMessage>(&*message)) {
    status = OnStateChunk(from, std::move(*chunk));
  }
  Settle();
  return status;
}

bool Replica::TakeSlot(std::uint64_t height, std::uint32_t round, std::uint8_t step,
                       core::ValidatorIndex signer) {
  const std::uint32_t current_round =
      height == next_height() && height_started_ ? tendermint_->round() : 0;
  if (round > current_round + kRoundsAhead) return false;
  int& taken = slots_[height][std::make_tuple(round, step, signer)];
  if (taken >= (step == 0 ? kProposalsPerSlotMax : kVotesPerSlotMax)) return false;
  ++taken;
  return true;
}

bool Replica::Backed(std::uint64_t height, std::uint32_t round, const crypto::Hash& value) const {
  const auto at_height = backers_.find(height);
  if (at_height == backers_.end()) return false;
  const auto voters = at_height->second.find({round, value});
  return voters != at_height->second.end() &&
         voters->second.size() > (SignersAt(height).validators.size() - 1) / 3;
}

const core::ValidatorSet& Replica::SignersAt(std::uint64_t height) const {
  NURI_CHECK(height == next_height() || height == next_height() + 1);
  return height == next_height() ? validators() : following_validators_;
}

bool Replica::Seen(std::string_view bytes, std::uint64_t height) const {
  const auto it = seen_.find(height);
  return it != seen_.end() && it->second.contains(MessageHash(bytes));
}

void Replica::MarkSeen(std::string_view bytes, std::uint64_t height) {
  seen_[height].insert(MessageHash(bytes));
}

void Replica::Keep(storage::WriteBatch& batch, std::uint64_t height, std::string_view bytes) {
  std::string key = KeptHeightPrefix(height) + codec::EncodeKeyU64(kept_sequence_++);
  batch.Put(key, bytes);
  kept_keys_[height].push_back(std::move(key));
}

void Replica::KeepAndRelay(std::string_view bytes, std::uint64_t height) {
  MarkSeen(bytes, height);
  if (replaying_) return;
  storage::WriteBatch batch;
  Keep(batch, height, bytes);
  // Not synced: the next synced write (this validator's own vote, which these messages lead
  // to) makes them durable with it.
  if (base::Status status = store_.Write(batch, false); !status.ok()) return Halt(status);
  io_.Broadcast(std::string(bytes));
}

base::Status Replica::OnProposal(PeerId from, const net::ProposalMessage& message,
                                 std::string_view bytes) {
  const core::Proposal& proposal = message.proposal;
  if (proposal.height < next_height()) return base::Status::Ok();
  if (proposal.height > next_height() + kHeightsAhead) {
    RequestBlocks(from);
    return base::Status::Ok();
  }
  const core::ValidatorSet& signers = SignersAt(proposal.height);
  if (proposal.proposer >= signers.validators.size()) {
    return base::Status::InvalidArgument("a proposal by no validator");
  }
  if (message.block.header.height != proposal.height ||
      core::HeaderHash(message.block.header) != proposal.value) {
    return base::Status::InvalidArgument("a proposal whose block is not the one it names");
  }
  if (Seen(bytes, proposal.height)) return base::Status::Ok();
  if (!crypto::Verify(signers.validators[proposal.proposer].key,
                      core::ProposalSigningMessage(chain_id(), proposal), message.signature)) {
    return base::Status::InvalidArgument("a proposal with a bad signature");
  }
  if (!TakeSlot(proposal.height, proposal.round, 0, proposal.proposer) &&
      !Backed(proposal.height, proposal.round, proposal.value)) {
    return base::Status::Ok();
  }
  KeepAndRelay(bytes, proposal.height);
  highest_seen_height_ = std::max(highest_seen_height_, proposal.height);
  // This validator's own, kept from before a restart (or relayed back by a peer).
  if (self_ && proposal.proposer == *self_) {
    own_proposals_[proposal.height][proposal.round] = proposal.value;
  }
  if (!candidates_.contains(proposal.value) && candidates_.size() < kCandidatesMax) {
    candidates_.emplace(proposal.value, DecodeCandidate(message.block));
  }
  Route(EarlyMessage{proposal.height, proposal, std::nullopt});
  return base::Status::Ok();
}

base::Status Replica::OnVote(PeerId from, const net::VoteMessage& message, std::string_view bytes) {
  const core::Vote& vote = message.vote;
  if (vote.height < next_height()) return base::Status::Ok();
  if (vote.height > next_height() + kHeightsAhead) {
    RequestBlocks(from);
    return base::Status::Ok();
  }
  const core::ValidatorSet& signers = SignersAt(vote.height);
  if (vote.voter >= signers.validators.size()) {
    return base::Status::InvalidArgument("a vote by no validator");
  }
  if (Seen(bytes, vote.height)) return base::Status::Ok();
  if (!crypto::Verify(signers.validators[vote.voter].key,
                      core::VoteSigningMessage(chain_id(), vote), message.signature)) {
    return base::Status::InvalidArgument("a vote with a bad signature");
  }
  if (!TakeSlot(vote.height, vote.round, static_cast<std::uint8_t>(vote.type), vote.voter) &&
      !(vote.value && Backed(vote.height, vote.round, *vote.value))) {
    return base::Status::Ok();
  }
  KeepAndRelay(bytes, vote.height);
  highest_seen_height_ = std::max(highest_seen_height_, vote.height);
  auto& signatures = signatures_[vote.height];
  if (signatures.size() < kSignaturesPerHeightMax) {
    signatures.emplace(core::EncodeVote(vote), message.signature);
  }
  if (vote.value) backers_[vote.height][{vote.round, *vote.value}].insert(vote.voter);
  Route(EarlyMessage{vote.height, std::nullopt, vote});
  return base::Status::Ok();
}

base::Status Replica::OnTransactions(const net::TransactionsMessage& message) {
  std::vector<core::SignedTransaction> decoded;
  decoded.reserve(message.transactions.size());
  for (const auto& bytes : message.transactions) {
    auto tx = core::DecodeTransaction(bytes);
    if (!tx)
      return base::Status::InvalidArgument("a gossiped transaction: " + tx.error().message());
    decoded.push_back(*std::move(tx));
  }
  Admit(std::move(decoded));
  return base::Status::Ok();
}

std::vector<Admission> Replica::Submit(std::vector<core::SignedTransaction> transactions) {
  if (!halted_.ok()) {
    std::vector<Admission> refused;
    for (const auto& tx : transactions) {
      refused.push_back(Refuse(core::ReasonCode::kMempoolFull, tx.id, "the node has stopped"));
    }
    return refused;
  }
  auto admissions = Admit(std::move(transactions));
  Settle();
  return admissions;
}

std::vector<Admission> Replica::Admit(std::vector<core::SignedTransaction> transactions) {
  std::vector<Admission> results(transactions.size());
  std::vector<core::SignedTransaction> fresh;
  std::vector<std::size_t> fresh_index;
  for (std::size_t i = 0; i < transactions.size(); ++i) {
    results[i].id = transactions[i].id;
    if (mempool_.Contains(transactions[i].id)) {
      results[i] = Refuse(core::ReasonCode::kDuplicate, transactions[i].id);
      continue;
    }
    fresh.push_back(std::move(transactions[i]));
    fresh_index.push_back(i);
  }
  const std::vector<bool> verified = io_.VerifySignatures(fresh);
  const ledger::BlockContext context{chain_id(), next_height(),
                                     std::max(io_.NowMillis(), ledger_->head().time)};
  net::TransactionsMessage gossip;
  for (std::size_t k = 0; k < fresh.size(); ++k) {
    core::SignedTransaction& tx = fresh[k];
    const std::size_t i = fresh_index[k];
    core::ReasonCode code = ledger::CheckIncludable(ledger_->state(), tx.tx, context);
    if (code == core::ReasonCode::kOk && !verified[k]) code = core::ReasonCode::kBadSignature;
    if (code == core::ReasonCode::kOk) {
      const auto signer = ledger::ReadAccount(ledger_->state(), tx.tx.signer.str());
      if (!signer || !ledger::SignedByQuorum(tx.tx, *signer)) {
        code = core::ReasonCode::kBadSignature;
      }
    }
    std::string bytes = tx.bytes;
    if (code == core::ReasonCode::kOk) code = mempool_.Add(std::move(tx));
    if (code != core::ReasonCode::kOk) {
      results[i] = Refuse(code, results[i].id);
      continue;
    }
    gossip.transactions.push_back(std::move(bytes));
    if (gossip.transactions.size() == net::kGossipTransactionsMax) {
      io_.Broadcast(net::EncodeMessage(gossip));
      gossip.transactions.clear();
    }
  }
  if (!gossip.transactions.empty()) io_.Broadcast(net::EncodeMessage(gossip));
  return results;
}

void Replica::OnStatus(PeerId from, const net::StatusMessage& message) {
  const std::uint64_t height = ledger_->head().height;
  if (state_sync_.active()) return;  // the snapshot brings this node nearer first
  if (message.height > height) {
    // Far behind, a snapshot is quicker; blocks come meanwhile if no peer offers one.
    if (options_.snapshot_gap > 0 && message.height > height + options_.snapshot_gap &&
        AwaitSnapshot(from)) {
      return;
    }
    RequestBlocks(from);
  } else if (message.height < height && from != kNoPeer) {
    io_.Send(from, net::EncodeMessage(net::StatusMessage{height}));
  }
}

void Replica::RequestBlocks(PeerId from) {
  if (from == kNoPeer) return;
  const core::TimeMillis now = io_.NowMillis();
  if (last_sync_request_ != 0 && now - last_sync_request_ < kSyncRequestIntervalMillis) return;
  last_sync_request_ = now;
  ExpectOffer(from);  // a peer that no longer has these blocks offers its snapshot
  io_.Send(from, net::EncodeMessage(net::BlocksRequest{next_height(), net::kSyncBlocksMax}));
}

void Replica::OnBlocksRequest(PeerId from, const net::BlocksRequest& request) {
  if (from == kNoPeer) return;
  net::BlocksMessage answer;
  std::size_t bytes = 0;
  const std::uint64_t head = ledger_->head().height;
  for (std::uint64_t height = request.from_height;
       height <= head && height < request.from_height + request.count && bytes < net::kSyncBytesMax;
       ++height) {
    if (height == 0) continue;
    auto block = ledger_->ReadBlock(height);
    if (!block && block.error().code() == base::StatusCode::kNotFound) {
      // Skipped when this node started from a snapshot: the peer can start from one too.
      if (answer.blocks.empty()) {
        if (const std::string* offer = SnapshotOffered()) io_.Send(from, *offer);
        return;
      }
      break;
    }
    if (!block) return Halt(block.error());
    bytes += 1024;  // the header and certificate, about
    for (const auto& tx : block->transactions) bytes += tx.size();
    answer.blocks.push_back(*std::move(block));
  }
  if (!answer.blocks.empty()) io_.Send(from, net::EncodeMessage(answer));
}

base::Status Replica::OnBlocks(const net::BlocksMessage& message) {
  for (const core::Block& block : message.blocks) {
    if (block.header.height < next_height()) continue;
    if (block.header.height > next_height()) return base::Status::Ok();  // a gap: ask again
    if (base::Status status =
            core::VerifyCertificate(block.certificate, block.header, validators());
        !status.ok()) {
      return base::Status::InvalidArgument("a synced block at height " +
                                           std::to_string(block.header.height) + ": " +
                                           status.message());
    }
    Candidate candidate = DecodeCandidate(block);
    if (!candidate.usable) {
      return base::Status::InvalidArgument("a synced block with transactions that do not verify");
    }
    const auto executed = TimeBlockWork(
        [&] { return ledger_->ExecuteBlock(block.header, std::move(candidate.transactions)); });
    if (!executed) {
      // Certified by the validators, yet it does not execute here: this node's state or code
      // differs from theirs. Stop rather than go on from a different state.
      Halt(base::Status::Corruption("certified block " + std::to_string(block.header.height) +
                                    " does not execute here: " + executed.error().message()));
      return base::Status::Ok();
    }
    auto committed = TimeBlockWork(
        [&] { return ledger_->CommitExecuted((*executed)->hash, block.certificate); });
    if (!committed) {
      Halt(committed.error());
      return base::Status::Ok();
    }
    AfterCommit(*committed, true);
  }
  return base::Status::Ok();
}

consensus::Verdict Replica::JudgeProposal(const core::Proposal& proposal) {
  const auto candidate = candidates_.find(proposal.value);
  if (candidate == candidates_.end() || !candidate->second.usable) {
    return consensus::Verdict::kInvalid;
  }
  const core::BlockHeader& header = candidate->second.header;
  // A fresh block is built by its proposer; one re-proposed from an earlier round keeps the
  // name of the validator that built it.
  if (proposal.valid_round == core::kNoRound &&
      header.proposer != validators().validators[proposal.proposer].name) {
    return consensus::Verdict::kInvalid;
  }
  if (!TimeBlockWork(
          [&] { return ledger_->ExecuteBlock(header, candidate->second.transactions); })) {
    return consensus::Verdict::kInvalid;
  }
  // A fresh block's time must be near this validator's clock for it to prevote the block
  // (docs/consensus.md, "Block time"); one re-proposed with the proof of an earlier round was
  // timely then.
  const core::TimeMillis now = io_.NowMillis();
  if (proposal.valid_round == core::kNoRound &&
      (header.time > now + options_.block_time_drift_millis ||
       header.time < now - options_.block_time_drift_millis)) {
    return consensus::Verdict::kUntimely;
  }
  return consensus::Verdict::kValid;
}

Replica::Candidate Replica::DecodeCandidate(const core::Block& block) {
  Candidate candidate;
  candidate.header = block.header;
  std::vector<core::SignedTransaction> unverified;
  std::vector<std::size_t> unverified_index;
  for (const auto& bytes : block.transactions) {
    auto tx = core::DecodeTransaction(bytes);
    if (!tx) return candidate;
    if (!mempool_.Contains(tx->id)) {
      unverified.push_back(*tx);
      unverified_index.push_back(candidate.transactions.size());
    }
    candidate.transactions.push_back(*std::move(tx));
  }
  // Transactions this node admitted were verified then; only the others are verified now.
  const std::vector<bool> verified = io_.VerifySignatures(unverified);
  candidate.usable = std::find(verified.begin(), verified.end(), false) == verified.end();
  return candidate;
}

void Replica::OnTimer(TimerId id) {
  const auto it = timers_.find(id);
  if (it == timers_.end() || !halted_.ok()) return;
  const TimerTarget target = it->second;
  timers_.erase(it);
  if (target.status) {
    io_.Broadcast(net::EncodeMessage(net::StatusMessage{ledger_->head().height}));
    CheckStateSyncProgress();
    // No block since the last tick while a height is in progress: peers may have missed some
    // of its messages (a dropped connection loses what it carried), and the state machine waits
    // for them. Everything this replica knows of the height goes out again; peers drop what
    // they have already seen.
    if (height_started_ && ledger_->head().height == head_at_last_status_) RepeatHeight();
    head_at_last_status_ = ledger_->head().height;
    if (awaiting_decided_block_) {
      io_.Broadcast(net::EncodeMessage(net::BlocksRequest{next_height(), 1}));
    }
    const TimerId next = next_timer_++;
    timers_[next] = TimerTarget{.status = true};
    io_.SetTimer(options_.status_interval_millis, next);
  } else if (height_started_ && target.height == next_height()) {
    Apply(tendermint_->OnTimeout(target.kind, target.height, target.round));
  }
  Settle();
}

std::string Replica::Describe() const {
  std::string text = options_.name + ": head " + std::to_string(ledger_->head().height);
  if (height_started_) {
    text += ", height " + std::to_string(tendermint_->height()) + " round " +
            std::to_string(tendermint_->round()) + " step " +
            std::to_string(static_cast<int>(tendermint_->step()));
  } else {
    text += ", idle";
  }
  text += ", " + std::to_string(mempool_.size()) + " waiting";
  if (awaiting_decided_block_) text += ", awaiting the decided block";
  if (state_sync_.active()) {
    text += ", fetching the snapshot of height " + std::to_string(state_sync_.height());
  }
  if (!halted_.ok()) text += ", stopped";
  return text;
}

void Replica::RepeatHeight() {
  base::Status status =
      store_.Scan(KeptHeightPrefix(next_height()), [&](std::string_view, std::string_view value) {
        io_.Broadcast(std::string(value));
        return true;
      });
  if (!status.ok()) Halt(status);
}

void Replica::Halt(const base::Status& status) {
  if (!halted_.ok()) return;
  halted_ = status;
  base::LogError(kLog, options_.name + " stopped: " + status.ToString());
}

}  // namespace nuri::node
