#include "node/replica.h"

#include <gtest/gtest.h>

#include <utility>

#include "crypto/key_file.h"
#include "ledger/chain_check.h"
#include "ledger/signatures.h"
#include "node/test_chain.h"
#include "storage/memory_store.h"

namespace nuri::node {
namespace {

constexpr std::string_view kChainId = "nuri-replica-test";

// Records what a replica sends; time stands still unless a test moves it.
class RecordingIo final : public ReplicaIo {
 public:
  explicit RecordingIo(core::TimeMillis now) : now_(now) {}
  core::TimeMillis NowMillis() override { return now_; }
  std::int64_t MonotonicMicros() override { return now_ * 1000; }
  void Broadcast(const std::string& message) override { sent_.push_back(message); }
  void Send(PeerId, const std::string& message) override { sent_.push_back(message); }
  void SetTimer(std::int64_t, TimerId) override {}
  std::vector<bool> VerifySignatures(
      std::span<const core::SignedTransaction> transactions) override {
    std::vector<bool> verified;
    for (const auto& tx : transactions) verified.push_back(ledger::SignaturesVerify(tx));
    return verified;
  }
  void Committed(const ledger::ProducedBlock& block) override { committed_.push_back(block.hash); }

  // The votes this replica signed itself, by validator index.
  std::vector<core::Vote> VotesBy(core::ValidatorIndex voter) const {
    std::vector<core::Vote> votes;
    for (const auto& bytes : sent_) {
      const auto message = net::DecodeMessage(bytes);
      if (!message) continue;
      if (const auto* vote = std::get_if<net::VoteMessage>(&*message);
          vote && vote->vote.voter == voter) {
        votes.push_back(vote->vote);
      }
    }
    return votes;
  }
  const std::vector<crypto::Hash>& committed() const { return committed_; }
  std::vector<std::string> TakeSent() { return std::exchange(sent_, {}); }
  void Advance(std::int64_t millis) { now_ += millis; }

 private:
  core::TimeMillis now_;
  std::vector<std::string> sent_;
  std::vector<crypto::Hash> committed_;
};

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    genesis_ = TestChainGenesis(kChainId, 4);
  }

  ReplicaOptions Options(std::string_view name) {
    ReplicaOptions options;
    options.name = std::string(name);
    options.validator_key = crypto::DeriveTestKey(name);
    return options;
  }

  core::SignedTransaction Mint(std::uint64_t nonce) {
    core::Transaction tx;
    tx.chain_id = std::string(kChainId);
    tx.signer = core::AccountId::Parse("issuer@bnk").value();
    tx.nonce = nonce;
    tx.valid_until = genesis_.start_time + core::kMillisPerHour;
    tx.body = core::Mint{core::TokenId::Parse("KRW-BNK").value(),
                         core::AccountId::Parse("kim@moef").value(), core::Amount::Won(500)};
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey("issuer@bnk"));
    return core::Seal(std::move(tx));
  }

  // A proposal of height 1 of a block with `txs` at `time`, built on a ledger of its own by the
  // proposer of `round` (v2 for round 0: validator (1 + round) % 4 is v(2 + round)).
  std::string ProposalBytes(const std::vector<core::SignedTransaction>& txs, core::TimeMillis time,
                            std::uint32_t round = 0) {
    const auto proposer = static_cast<core::ValidatorIndex>((1 + round) % 4);
    const std::string name = "v" + std::to_string(proposer + 1);
    storage::MemoryStore store;
    auto ledger = ledger::Ledger::Open(store, genesis_).value();
    const ledger::ProducedBlock* built = ledger->BuildBlock(time, txs, name).value();
    core::Proposal proposal{1, round, built->hash, core::kNoRound, proposer};
    net::ProposalMessage message{
        proposal,
        crypto::DeriveTestKey(name).Sign(core::ProposalSigningMessage(kChainId, proposal)),
        built->block};
    return net::EncodeMessage(message);
  }

  // A vote of height 1 signed by validator `voter` (named v(voter + 1)).
  std::string VoteBytes(core::VoteType type, std::uint32_t round, std::optional<crypto::Hash> value,
                        core::ValidatorIndex voter) {
    const core::Vote vote{type, 1, round, value, voter};
    return net::EncodeMessage(
        net::VoteMessage{vote, crypto::DeriveTestKey("v" + std::to_string(voter + 1))
                                   .Sign(core::VoteSigningMessage(kChainId, vote))});
  }

  static crypto::Hash ProposedValue(const std::string& bytes) {
    return std::get<net::ProposalMessage>(net::DecodeMessage(bytes).value()).proposal.value;
  }

  ledger::Genesis genesis_;
};

// A validator that crashed after prevoting one block, and lost the consensus messages it kept,
// must not prevote another block for the same round when it comes back.
TEST_F(ReplicaTest, ARestartedValidatorNeverSignsASecondVoteForARound) {
  storage::MemoryStore store;
  RecordingIo io(genesis_.start_time + 1000);
  auto replica = Replica::Open(store, genesis_, Options("v3"), io).value();
  replica->Start();
  const auto tx = Mint(1);
  ASSERT_EQ(replica->Submit({tx}).front().code, core::ReasonCode::kOk);
  ASSERT_TRUE(replica->OnMessage(1, ProposalBytes({tx}, genesis_.start_time + 900)).ok());
  const auto first = io.VotesBy(2);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first.front().type, core::VoteType::kPrevote);
  ASSERT_TRUE(first.front().value.has_value());
  replica.reset();

  // The store after the crash, without the kept consensus messages.
  storage::MemoryStore restarted_store;
  storage::WriteBatch copy;
  ASSERT_TRUE(store
                  .Scan("",
                        [&](std::string_view key, std::string_view value) {
                          if (!key.starts_with("cw/")) copy.Put(key, value);
                          return true;
                        })
                  .ok());
  ASSERT_TRUE(restarted_store.Write(copy, true).ok());
  RecordingIo after(genesis_.start_time + 1000);
  auto restarted = Replica::Open(restarted_store, genesis_, Options("v3"), after).value();
  restarted->Start();
  ASSERT_EQ(restarted->Submit({tx}).front().code, core::ReasonCode::kOk);
  // Another block for the same round: a later time makes another hash.
  ASSERT_TRUE(restarted->OnMessage(1, ProposalBytes({tx}, genesis_.start_time + 950)).ok());
  for (const core::Vote& vote : after.VotesBy(2)) {
    EXPECT_FALSE(vote.round == 0 && vote.type == core::VoteType::kPrevote && vote.value &&
                 *vote.value != *first.front().value)
        << "a second prevote for round 0";
  }
}

// A validator killed after it precommitted a block, before the block was written, comes back
// later (its clock far past the block's time) and commits that very block, with its own
// precommit as the certificate: nothing decided may rest on a vote it did not sign.
TEST_F(ReplicaTest, ALoneValidatorKilledBeforeWritingItsDecisionCommitsItAfterRestart) {
  genesis_ = TestChainGenesis(kChainId, 1);
  storage::MemoryStore disk;
  storage::FaultyStore store(disk);
  RecordingIo io(genesis_.start_time + 1000);
  auto replica = Replica::Open(store, genesis_, Options("v1"), io).value();
  store.FailWriteAfter(3);  // its proposal, prevote and precommit; not the block
  replica->Start();
  replica->Submit({Mint(1)});
  const auto signed_before = io.VotesBy(0);
  ASSERT_EQ(signed_before.size(), 2u);
  ASSERT_EQ(signed_before.back().type, core::VoteType::kPrecommit);
  ASSERT_TRUE(signed_before.back().value.has_value());
  EXPECT_EQ(replica->ledger().head().height, 0u);
  replica.reset();
  disk.CrashLosingUnsynced();

  RecordingIo after(genesis_.start_time + 60'000);
  auto restarted = Replica::Open(disk, genesis_, Options("v1"), after).value();
  restarted->Start();
  ASSERT_TRUE(restarted->halted().ok()) << restarted->halted().message();
  ASSERT_EQ(restarted->ledger().head().height, 1u);
  const auto block = restarted->ledger().ReadBlock(1).value();
  EXPECT_EQ(core::HeaderHash(block.header), *signed_before.back().value);
  EXPECT_EQ(block.transactions.size(), 1u);
  EXPECT_TRUE(
      core::VerifyCertificate(block.certificate, block.header, restarted->ledger().validators())
          .ok());
  bool kept = false;
  ASSERT_TRUE(disk.Scan("cw/",
                        [&](std::string_view, std::string_view) {
                          kept = true;
                          return false;
                        })
                  .ok());
  EXPECT_FALSE(kept) << "messages of a committed height are still kept";
}

// A validator that precommitted (so locked on) a block, then crashed, is still locked on it when
// it comes back, even though its clock has since moved far past the block's time: offered
// another block in a later round without proof of a newer quorum, it prevotes nil.
TEST_F(ReplicaTest, ARestartedValidatorKeepsItsLock) {
  storage::MemoryStore store;
  RecordingIo io(genesis_.start_time + 1000);
  auto replica = Replica::Open(store, genesis_, Options("v3"), io).value();
  replica->Start();
  const std::string locked_on = ProposalBytes({Mint(1)}, genesis_.start_time + 900);
  const crypto::Hash a = ProposedValue(locked_on);
  ASSERT_TRUE(replica->OnMessage(1, locked_on).ok());
  for (core::ValidatorIndex voter : {0u, 1u, 3u}) {
    ASSERT_TRUE(replica->OnMessage(1, VoteBytes(core::VoteType::kPrevote, 0, a, voter)).ok());
  }
  const auto signed_before = io.VotesBy(2);
  ASSERT_EQ(signed_before.size(), 2u);
  ASSERT_EQ(signed_before.back().type, core::VoteType::kPrecommit);
  ASSERT_EQ(signed_before.back().value, a);
  replica.reset();
  store.CrashLosingUnsynced();

  const core::TimeMillis later = genesis_.start_time + 60'000;
  RecordingIo after(later);
  auto restarted = Replica::Open(store, genesis_, Options("v3"), after).value();
  restarted->Start();
  // Round 2 (proposer v4) offers a timely block b; v1's vote there brings this validator along.
  const std::string other = ProposalBytes({}, later, 2);
  ASSERT_TRUE(restarted->OnMessage(3, other).ok());
  ASSERT_TRUE(
      restarted->OnMessage(0, VoteBytes(core::VoteType::kPrevote, 2, std::nullopt, 0)).ok());
  bool prevoted_in_round_2 = false;
  for (const core::Vote& vote : after.VotesBy(2)) {
    if (vote.round != 2 || vote.type != core::VoteType::kPrevote) continue;
    prevoted_in_round_2 = true;
    EXPECT_EQ(vote.value, std::nullopt) << "prevoted another block while locked";
  }
  EXPECT_TRUE(prevoted_in_round_2);
}

TEST_F(ReplicaTest, PeersSendingWhatNoCorrectNodeSendsAreTold) {
  storage::MemoryStore store;
  RecordingIo io(genesis_.start_time + 1000);
  auto replica = Replica::Open(store, genesis_, Options("v3"), io).value();
  replica->Start();
  EXPECT_FALSE(replica->OnMessage(0, "garbage").ok());
  EXPECT_FALSE(replica->OnMessage(0, std::string(300, '\x01')).ok());
  // A vote signed by another key than its voter's.
  const core::Vote vote{core::VoteType::kPrevote, 1, 0, std::nullopt, 0};
  const std::string forged = net::EncodeMessage(net::VoteMessage{
      vote, crypto::DeriveTestKey("mallory").Sign(core::VoteSigningMessage(kChainId, vote))});
  EXPECT_FALSE(replica->OnMessage(0, forged).ok());
  // A proposal whose block is not the one it names.
  auto decoded = net::DecodeMessage(ProposalBytes({Mint(1)}, genesis_.start_time + 900)).value();
  std::get<net::ProposalMessage>(decoded).block.header.time += 1;
  EXPECT_FALSE(replica->OnMessage(1, net::EncodeMessage(decoded)).ok());
  // Messages of heights already committed, or far ahead, are no fault.
  const core::Vote ahead{core::VoteType::kPrevote, 500, 0, std::nullopt, 0};
  EXPECT_TRUE(replica
                  ->OnMessage(0, net::EncodeMessage(net::VoteMessage{
                                     ahead, crypto::DeriveTestKey("v1").Sign(
                                                core::VoteSigningMessage(kChainId, ahead))}))
                  .ok());
  EXPECT_TRUE(replica->halted().ok());
  EXPECT_EQ(replica->ledger().head().height, 0u);
}

TEST_F(ReplicaTest, AValidatorMustHoldTheKeyOfTheSet) {
  storage::MemoryStore store;
  RecordingIo io(genesis_.start_time);
  ReplicaOptions options = Options("v3");
  options.validator_key = crypto::DeriveTestKey("v4");
  EXPECT_FALSE(Replica::Open(store, genesis_, options, io).has_value());
  ReplicaOptions observer;
  observer.name = "o1";
  const auto opened = Replica::Open(store, genesis_, observer, io);
  ASSERT_TRUE(opened.has_value());
  EXPECT_FALSE((*opened)->is_validator());
}

// A lone validator decides each height by itself, and an idle one makes no blocks.
TEST_F(ReplicaTest, ALoneValidatorCommitsWhatIsSubmittedAndIdlesOtherwise) {
  genesis_ = TestChainGenesis(kChainId, 1);
  storage::MemoryStore store;
  RecordingIo io(genesis_.start_time + 1000);
  auto replica = Replica::Open(store, genesis_, Options("v1"), io).value();
  replica->Start();
  EXPECT_EQ(replica->ledger().head().height, 0u);
  ASSERT_EQ(replica->Submit({Mint(1), Mint(2)}).front().code, core::ReasonCode::kOk);
  EXPECT_EQ(replica->ledger().head().height, 1u);
  ASSERT_EQ(io.committed().size(), 1u);
  const auto block = replica->ledger().ReadBlock(1).value();
  EXPECT_EQ(block.transactions.size(), 2u);
  EXPECT_TRUE(
      core::VerifyCertificate(block.certificate, block.header, replica->ledger().validators())
          .ok());
  EXPECT_EQ(replica->mempool_size(), 0u);
  // What was kept for a restart is forgotten once its height is committed.
  std::size_t kept = 0;
  ASSERT_TRUE(store
                  .Scan("cw/",
                        [&](std::string_view, std::string_view) {
                          ++kept;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(kept, 0u);
}

// What a node's driver admits in one turn goes into one block, decided when the turn ends:
// a busy node makes blocks of everything that queued while it was busy, not one each.
TEST_F(ReplicaTest, ALoneValidatorDecidesWhatATurnAdmittedInOneBlock) {
  genesis_ = TestChainGenesis(kChainId, 1);
  storage::MemoryStore store;
  RecordingIo io(genesis_.start_time + 1000);
  auto replica = Replica::Open(store, genesis_, Options("v1"), io).value();
  replica->Start();
  replica->BeginTurn();
  for (std::uint64_t nonce = 1; nonce <= 3; ++nonce) {
    ASSERT_EQ(replica->Submit({Mint(nonce)}).front().code, core::ReasonCode::kOk);
  }
  EXPECT_EQ(replica->ledger().head().height, 0u);
  EXPECT_EQ(replica->mempool_size(), 3u);
  replica->EndTurn();
  EXPECT_EQ(replica->ledger().head().height, 1u);
  EXPECT_EQ(replica->ledger().ReadBlock(1).value().transactions.size(), 3u);
  EXPECT_EQ(replica->mempool_size(), 0u);
  // Outside a turn a submission is decided at once.
  ASSERT_EQ(replica->Submit({Mint(4)}).front().code, core::ReasonCode::kOk);
  EXPECT_EQ(replica->ledger().head().height, 2u);
}

// Two replicas wired to each other: everything one sends reaches the other, until both are
// quiet. A peer's sends arrive as from peer 0; the other's as from peer 1.
void Exchange(Replica& first, RecordingIo& first_io, Replica& second, RecordingIo& second_io) {
  for (int round = 0; round < 1000; ++round) {
    auto from_first = first_io.TakeSent();
    auto from_second = second_io.TakeSent();
    if (from_first.empty() && from_second.empty()) return;
    for (const auto& message : from_first) ASSERT_TRUE(second.OnMessage(0, message).ok());
    for (const auto& message : from_second) ASSERT_TRUE(first.OnMessage(1, message).ok());
  }
  FAIL() << "the replicas never went quiet";
}

// A node far behind takes a peer's snapshot and follows by block sync from it; a third node,
// asking that node for blocks it skipped, is offered its snapshot in turn.
TEST_F(ReplicaTest, ANodeFarBehindStartsFromAPeersSnapshotAndOffersItOn) {
  genesis_ = TestChainGenesis(kChainId, 1);
  const auto with_snapshots = [](ReplicaOptions options, std::uint64_t gap) {
    options.snapshot_interval = 8;
    options.snapshot_gap = gap;
    return options;
  };
  ReplicaOptions observer;
  observer.name = "o1";
  storage::MemoryStore source_store;
  RecordingIo source_io(genesis_.start_time + 1000);
  auto source =
      Replica::Open(source_store, genesis_, with_snapshots(Options("v1"), 10), source_io).value();
  source->Start();
  for (std::uint64_t nonce = 1; nonce <= 30; ++nonce) {
    ASSERT_EQ(source->Submit({Mint(nonce)}).front().code, core::ReasonCode::kOk);
  }
  ASSERT_EQ(source->ledger().head().height, 30u);
  source_io.TakeSent();

  storage::MemoryStore store;
  RecordingIo io(genesis_.start_time + 1000);
  auto behind = Replica::Open(store, genesis_, with_snapshots(observer, 10), io).value();
  behind->Start();
  ASSERT_TRUE(behind->OnMessage(0, net::EncodeMessage(net::StatusMessage{30})).ok());
  Exchange(*source, source_io, *behind, io);
  EXPECT_EQ(behind->ledger().base_height(), 24u);
  io.Advance(3000);  // past the pause between sync requests
  ASSERT_TRUE(behind->OnMessage(0, net::EncodeMessage(net::StatusMessage{30})).ok());
  Exchange(*source, source_io, *behind, io);
  EXPECT_EQ(behind->ledger().head_hash(), source->ledger().head_hash());
  const auto checked = ledger::CheckChain(store);
  ASSERT_TRUE(checked.has_value()) << checked.error().ToString();
  EXPECT_EQ(checked->base_height, 24u);

  // A node that never asks for snapshots syncs blocks from it, and where they stop, is offered
  // the snapshot it started from.
  storage::MemoryStore third_store;
  RecordingIo third_io(genesis_.start_time + 1000);
  observer.name = "o2";
  auto third = Replica::Open(third_store, genesis_, with_snapshots(observer, 0), third_io).value();
  third->Start();
  io.TakeSent();
  third_io.TakeSent();
  // A peer that asks too often is answered 16 times a second.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(behind->OnMessage(1, net::EncodeMessage(net::SnapshotRequest{})).ok());
  }
  EXPECT_EQ(io.TakeSent().size(), 16u);
  io.Advance(1000);
  // An offer it did not ask for is ignored: it would hold up block sync for nothing.
  ASSERT_TRUE(behind->OnMessage(1, net::EncodeMessage(net::SnapshotRequest{})).ok());
  const auto offers = io.TakeSent();
  ASSERT_EQ(offers.size(), 1u);
  ASSERT_TRUE(third->OnMessage(0, offers.front()).ok());
  EXPECT_TRUE(third_io.TakeSent().empty());
  EXPECT_EQ(third->Describe().find("snapshot"), std::string::npos);
  for (int i = 0; i < 4 && third->ledger().head().height < 30; ++i) {
    third_io.Advance(3000);
    ASSERT_TRUE(third->OnMessage(0, net::EncodeMessage(net::StatusMessage{30})).ok());
    Exchange(*behind, io, *third, third_io);
  }
  EXPECT_EQ(third->ledger().base_height(), 24u);
  EXPECT_EQ(third->ledger().head_hash(), source->ledger().head_hash());
}

}  // namespace
}  // namespace nuri::node
