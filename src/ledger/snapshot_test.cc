#include "ledger/snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "codec/codec.h"
#include "ledger/chain_check.h"
#include "ledger/ledger.h"
#include "ledger/state_view.h"
#include "ledger/test_ledger.h"
#include "storage/memory_store.h"

namespace nuri::ledger {
namespace {

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }

// A chain whose validator set changes twice (v2 joins, then v1 leaves), and a second ledger of
// the same chain that starts over from the first one's snapshot.
class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    genesis_ = TestGenesis();
    source_ = Ledger::Open(source_store_, genesis_).value();
    time_ = genesis_.start_time;
  }

  core::SignedTransaction Sign(std::string_view signer, core::Body body) {
    return TestTransaction(signer, std::move(body), next_nonce_++, time_ + core::kMillisPerHour);
  }

  core::SignedTransaction Mint(std::string_view to, std::int64_t won) {
    return Sign("issuer@bnk", core::Mint{core::TokenId::Parse("KRW-BNK").value(), Id(to),
                                         core::Amount::Won(won)});
  }

  void Commit(std::vector<core::SignedTransaction> txs, std::vector<std::string> signers) {
    time_ += 1000;
    const auto committed = CommitSignedBy(*source_, time_, txs, signers);
    ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
  }

  // Blocks 1..7: v1 alone, then v1 and v2 from block 4, then v2 alone from block 7.
  void BuildHistory() {
    Commit({Mint("kim@moef", 1000)}, {"v1"});
    Commit(
        {Sign("governor@bok", core::AddValidator{"v2", crypto::DeriveTestKey("v2").public_key()})},
        {"v1"});
    Commit({Mint("lee@moef", 2000)}, {"v1"});
    Commit({Mint("kim@moef", 3000)}, {"v1", "v2"});
    Commit({Sign("governor@bok", core::RemoveValidator{"v1"})}, {"v1", "v2"});
    Commit({}, {"v1", "v2"});
    Commit({Mint("treasury@moef", 5000)}, {"v2"});
    ASSERT_EQ(source_->head().height, 7u);
  }

  SnapshotOffer KeepAndOffer() {
    source_->KeepSnapshot();
    return source_->SnapshotOffered().value();
  }

  // Every bucket of the kept snapshot, read in chunks of about `bytes_max`, each checked.
  std::vector<StateEntry> ReadAll(const SnapshotOffer& offer, std::size_t bytes_max,
                                  int* chunks = nullptr) {
    std::vector<StateEntry> all;
    for (std::uint32_t first = 0; first < kStateBucketCount;) {
      std::uint32_t end = 0;
      auto entries = source_->ReadSnapshotBuckets(first, bytes_max, end);
      EXPECT_TRUE(VerifyStateChunk(first, end, entries, offer.bucket_hashes).has_value());
      all.insert(all.end(), entries.begin(), entries.end());
      first = end;
      if (chunks != nullptr) ++*chunks;
    }
    return all;
  }

  base::Status Verify(const SnapshotOffer& offer) {
    return VerifySnapshotOffer(offer, "nuri-test", genesis_.validators);
  }

  Genesis genesis_;
  storage::MemoryStore source_store_;
  std::unique_ptr<Ledger> source_;
  core::TimeMillis time_ = 0;
  std::uint64_t next_nonce_ = 1;
};

TEST_F(SnapshotTest, AFreshLedgerStartsFromAnOfferedSnapshotAndGoesOnAlike) {
  BuildHistory();
  const SnapshotOffer offer = KeepAndOffer();
  EXPECT_EQ(offer.height(), 7u);
  ASSERT_EQ(offer.evidence.set_changes.size(), 2u);
  EXPECT_EQ(offer.evidence.set_changes[0].applies_from, 4u);
  EXPECT_EQ(offer.evidence.set_changes[1].applies_from, 7u);
  ASSERT_TRUE(Verify(offer).ok()) << Verify(offer).ToString();
  int chunks = 0;
  std::vector<StateEntry> entries = ReadAll(offer, 256, &chunks);
  EXPECT_EQ(entries.size(), source_->state().size());
  EXPECT_GT(chunks, 5);

  storage::MemoryStore store;
  auto fresh = Ledger::Open(store, genesis_).value();
  ASSERT_TRUE(fresh->InstallSnapshot(offer, entries).ok());
  EXPECT_EQ(fresh->head_hash(), source_->head_hash());
  EXPECT_EQ(fresh->base_height(), 7u);
  EXPECT_EQ(fresh->validators(), source_->validators());
  EXPECT_EQ(ReadBalance(fresh->state(), "kim@moef", "KRW-BNK").won(), 4000);
  EXPECT_EQ(fresh->ReadReceipts(7).value(), offer.evidence.receipts);
  EXPECT_FALSE(fresh->ReadBlock(6).has_value());

  // Both execute the next block alike, and the fresh one checks from its base.
  const auto next = Mint("lee@moef", 1);
  Commit({next}, {"v2"});
  const core::Block committed = source_->ReadBlock(8).value();
  ASSERT_TRUE(fresh->ExecuteBlock(committed.header, {next}).has_value());
  ASSERT_TRUE(
      fresh->CommitExecuted(core::HeaderHash(committed.header), committed.certificate).has_value());
  EXPECT_EQ(fresh->head_hash(), source_->head_hash());
  const auto summary = CheckChain(store);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->base_height, 7u);
  EXPECT_EQ(summary->height, 8u);

  // Reopened, it is where it was; and it offers the same evidence on to others.
  auto reopened = Ledger::Open(store, genesis_).value();
  EXPECT_EQ(reopened->head_hash(), source_->head_hash());
  EXPECT_EQ(reopened->base_height(), 7u);
  reopened->KeepSnapshot();
  const SnapshotOffer onward = reopened->SnapshotOffered().value();
  EXPECT_EQ(onward.height(), 8u);
  EXPECT_EQ(onward.evidence.set_changes, offer.evidence.set_changes);
  EXPECT_TRUE(Verify(onward).ok());
}

TEST_F(SnapshotTest, TheSnapshotStaysAtItsHeightWhileTheLedgerGoesOn) {
  BuildHistory();
  const SnapshotOffer offer = KeepAndOffer();
  const crypto::Hash kept_root = source_->head().state_root;
  for (int i = 0; i < 5; ++i) Commit({Mint("kim@moef", 10 + i), Mint("lee@moef", 1)}, {"v2"});
  // A block executed and abandoned changes nothing either.
  const auto speculative = Mint("shop@merchants", 5);
  ASSERT_TRUE(source_->BuildBlock(time_ + 1000, std::span(&speculative, 1), "v2").has_value());
  source_->AbandonExecuted();
  ASSERT_NE(source_->head().state_root, kept_root);

  const SnapshotOffer later = source_->SnapshotOffered().value();
  EXPECT_EQ(later.height(), 7u);
  EXPECT_EQ(later.bucket_hashes, offer.bucket_hashes);
  State rebuilt;
  for (auto& [key, value] : ReadAll(later, 4096)) rebuilt.Put(key, value);
  EXPECT_EQ(rebuilt.Root(), kept_root);
}

TEST_F(SnapshotTest, EvidenceThatDoesNotCertifyIsRefused) {
  BuildHistory();
  const SnapshotOffer offer = KeepAndOffer();
  const auto refusal = [&](SnapshotOffer changed, std::string_view chain = "nuri-test") {
    const base::Status status = VerifySnapshotOffer(changed, chain, genesis_.validators);
    return status.ok() ? std::string("accepted") : status.message();
  };
  EXPECT_EQ(refusal(offer, "other-chain"), "snapshot evidence: block 2: another chain");

  SnapshotOffer changed = offer;
  changed.evidence.set_changes.erase(changed.evidence.set_changes.begin());
  EXPECT_EQ(refusal(changed), "snapshot evidence: block 5: another validator set");

  changed = offer;
  std::swap(changed.evidence.set_changes[0], changed.evidence.set_changes[1]);
  EXPECT_EQ(refusal(changed), "snapshot evidence: block 5: another validator set");

  changed = offer;
  changed.evidence.set_changes[1] = changed.evidence.set_changes[0];
  EXPECT_EQ(refusal(changed), "snapshot evidence: set changes out of order or past the block");

  // A set the block did not schedule: v9 in place of v2.
  changed = offer;
  for (auto& [key, value] : changed.evidence.set_changes[0].proof.bucket_entries) {
    if (key == ValidatorSetKey(4)) {
      core::ValidatorSet forged = core::DecodeValidatorSet(value).value();
      forged.validators[1] = {"v9", crypto::DeriveTestKey("v9").public_key()};
      value = core::EncodeValidatorSet(forged);
    }
  }
  EXPECT_EQ(refusal(changed),
            "snapshot evidence: the set from height 4: the proof does not lead to the block's "
            "state root");

  changed = offer;
  changed.evidence.set_changes[0].applies_from = 5;
  EXPECT_EQ(refusal(changed), "snapshot evidence: set changes out of order or past the block");

  changed = offer;
  changed.evidence.block.certificate.signatures[0].signature[5] ^= 1;
  EXPECT_NE(refusal(changed).find("snapshot evidence: block 7: "), std::string::npos);

  // Ids leave signatures out: a forged one changes no root, and must still be caught.
  changed = offer;
  {
    core::SignedTransaction tx =
        core::DecodeTransaction(changed.evidence.block.transactions[0]).value();
    tx.tx.signatures[0].signature[7] ^= 1;
    changed.evidence.block.transactions[0] = core::Encode(tx.tx);
  }
  EXPECT_EQ(refusal(changed),
            "snapshot evidence: a transaction of the block has a forged signature");

  changed = offer;
  changed.evidence.receipts[0].message = "forged";
  EXPECT_EQ(refusal(changed), "snapshot evidence: receipts root differs");

  changed = offer;
  changed.evidence.block.transactions.clear();
  changed.evidence.block.header.tx_count = 0;
  EXPECT_NE(refusal(changed).find("block 7: "), std::string::npos);  // its hash changed

  changed = offer;
  changed.bucket_hashes[1234].bytes[0] ^= 1;
  EXPECT_EQ(refusal(changed),
            "snapshot evidence: the bucket hashes do not make the block's "
            "state root");

  EXPECT_EQ(refusal(offer), "accepted");
}

TEST_F(SnapshotTest, AChunkThatDiffersFromTheOfferIsRefused) {
  BuildHistory();
  // Enough entries (a nonce each) that some bucket holds two.
  std::vector<core::SignedTransaction> mints;
  for (int i = 0; i < 800; ++i) mints.push_back(Mint("kim@moef", 1));
  Commit(mints, {"v2"});
  const SnapshotOffer offer = KeepAndOffer();
  // A bucket with at least two entries, and the chunk of it alone.
  std::uint32_t bucket = 0;
  std::vector<StateEntry> entries;
  for (; bucket < kStateBucketCount; ++bucket) {
    std::uint32_t end = 0;
    entries = source_->ReadSnapshotBuckets(bucket, 1, end);
    if (entries.size() >= 2 && end == bucket + 1) break;
  }
  ASSERT_LT(bucket, kStateBucketCount);
  const auto verify = [&](std::vector<StateEntry> chunk, std::uint32_t end) {
    const auto starts = VerifyStateChunk(bucket, end, chunk, offer.bucket_hashes);
    return starts ? std::string("accepted") : starts.error().message();
  };
  EXPECT_EQ(verify(entries, bucket + 1), "accepted");
  EXPECT_EQ(VerifyStateChunk(bucket, bucket + 1, entries, offer.bucket_hashes).value(),
            (std::vector<std::size_t>{0, entries.size()}));
  const std::string differs = "state chunk: bucket " + std::to_string(bucket) +
                              " differs from "
                              "the offer";
  auto changed = entries;
  changed[0].second += "x";
  EXPECT_EQ(verify(changed, bucket + 1), differs);
  changed = entries;
  changed.pop_back();
  EXPECT_EQ(verify(changed, bucket + 1), differs);
  changed = entries;
  std::swap(changed[0], changed[1]);
  EXPECT_EQ(verify(changed, bucket + 1), "state chunk: keys out of order");
  // A key of a later bucket than the chunk's.
  std::string foreign = "x/0";
  for (int i = 1; State::BucketOf(foreign) <= bucket; ++i) foreign = "x/" + std::to_string(i);
  changed = entries;
  changed.emplace_back(foreign, "not of this bucket");
  EXPECT_EQ(verify(changed, bucket + 1), "state chunk: entries outside its buckets");
  EXPECT_EQ(verify(entries, bucket), "state chunk: bucket range out of bounds");
  EXPECT_EQ(VerifyStateChunk(0, kStateBucketCount + 1, {}, offer.bucket_hashes).error().message(),
            "state chunk: bucket range out of bounds");
}

// A change scheduled by the snapshot's block applies after it: the evidence carries its proof
// too, so that the node that starts there can offer snapshots in turn.
TEST_F(SnapshotTest, AChangeScheduledByTheSnapshotsBlockIsProvenToo) {
  BuildHistory();
  Commit({Sign("governor@bok", core::AddValidator{"v3", crypto::DeriveTestKey("v3").public_key()})},
         {"v2"});
  const SnapshotOffer offer = KeepAndOffer();
  ASSERT_EQ(offer.evidence.set_changes.size(), 3u);
  EXPECT_EQ(offer.evidence.set_changes[2].applies_from, 10u);
  ASSERT_TRUE(Verify(offer).ok()) << Verify(offer).ToString();
  storage::MemoryStore store;
  auto fresh = Ledger::Open(store, genesis_).value();
  ASSERT_TRUE(fresh->InstallSnapshot(offer, ReadAll(offer, 1 << 20)).ok());
  fresh->KeepSnapshot();
  const auto onward = fresh->SnapshotOffered();
  ASSERT_TRUE(onward.has_value()) << onward.error().ToString();
  EXPECT_EQ(onward->evidence.set_changes, offer.evidence.set_changes);
}

// v2 joins and leaves again: evidence without both changes still certifies the block (its set
// is the genesis one), but the state says there were two, and the node refuses to start there.
TEST_F(SnapshotTest, EvidenceThatLeavesOutChangesIsRefusedAtInstall) {
  Commit({Sign("governor@bok", core::AddValidator{"v2", crypto::DeriveTestKey("v2").public_key()})},
         {"v1"});
  Commit({}, {"v1"});
  Commit({Sign("governor@bok", core::RemoveValidator{"v2"})}, {"v1", "v2"});
  Commit({}, {"v1", "v2"});
  Commit({Mint("kim@moef", 5)}, {"v1"});
  SnapshotOffer offer = KeepAndOffer();
  ASSERT_EQ(offer.evidence.set_changes.size(), 2u);
  offer.evidence.set_changes.clear();
  ASSERT_TRUE(Verify(offer).ok());
  storage::MemoryStore store;
  auto fresh = Ledger::Open(store, genesis_).value();
  EXPECT_EQ(fresh->InstallSnapshot(offer, ReadAll(offer, 1 << 20)).message(),
            "the snapshot's evidence does not prove every change of the validator set");
  EXPECT_EQ(fresh->head().height, 0u);
}

TEST_F(SnapshotTest, InstallingRefusesAStateThatIsNotTheBlocksAndWritesNothing) {
  BuildHistory();
  const SnapshotOffer offer = KeepAndOffer();
  std::vector<StateEntry> entries = ReadAll(offer, 1 << 20);
  entries.back().second += "x";
  storage::MemoryStore store;
  auto fresh = Ledger::Open(store, genesis_).value();
  EXPECT_FALSE(fresh->InstallSnapshot(offer, entries).ok());
  EXPECT_EQ(fresh->head().height, 0u);
  auto reopened = Ledger::Open(store, genesis_).value();
  EXPECT_EQ(reopened->head().height, 0u);
  EXPECT_EQ(reopened->base_height(), 0u);
  // Nor a snapshot that is not past the head.
  EXPECT_FALSE(source_->InstallSnapshot(offer, ReadAll(offer, 1 << 20)).ok());
}

TEST_F(SnapshotTest, CheckingFindsABaseStateThatWasTamperedWith) {
  BuildHistory();
  const SnapshotOffer offer = KeepAndOffer();
  storage::MemoryStore store;
  auto fresh = Ledger::Open(store, genesis_).value();
  ASSERT_TRUE(fresh->InstallSnapshot(offer, ReadAll(offer, 1 << 20)).ok());
  ASSERT_TRUE(CheckChain(store).has_value());
  // One piece holds this small state; a balance in it changed.
  const std::string key = "sb/" + codec::EncodeKeyU64(0);
  std::vector<StateEntry> entries = DecodeStatePiece(store.Get(key).value()).value();
  const auto balance = std::find_if(entries.begin(), entries.end(), [](const StateEntry& entry) {
    return entry.first == "b/kim@moef/KRW-BNK";
  });
  ASSERT_NE(balance, entries.end());
  balance->second = std::string(8, '\x7f');
  State tampered;
  for (const auto& [entry_key, value] : entries) tampered.Put(entry_key, value);
  storage::WriteBatch tamper;
  tamper.Put(key, EncodeStatePieces(tampered, 1 << 30).at(0));
  ASSERT_TRUE(store.Write(tamper, true).ok());
  auto summary = CheckChain(store);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().message(),
            "block 7: the snapshot's state differs from the block's root");
  tamper.Put(key, "not a piece");
  ASSERT_TRUE(store.Write(tamper, true).ok());
  summary = CheckChain(store);
  ASSERT_FALSE(summary.has_value());
  EXPECT_NE(summary.error().message().find("block 7: the snapshot's state: "), std::string::npos);

  // The stored base block with a forged signature: its hash is the same, its bytes are not.
  storage::MemoryStore other;
  auto again = Ledger::Open(other, genesis_).value();
  ASSERT_TRUE(again->InstallSnapshot(offer, ReadAll(offer, 1 << 20)).ok());
  core::Block block = again->ReadBlock(7).value();
  core::SignedTransaction tx = core::DecodeTransaction(block.transactions[0]).value();
  tx.tx.signatures[0].signature[3] ^= 1;
  block.transactions[0] = core::Encode(tx.tx);
  storage::WriteBatch forge;
  forge.Put("blk/" + codec::EncodeKeyU64(7), core::EncodeBlock(block));
  ASSERT_TRUE(other.Write(forge, true).ok());
  summary = CheckChain(other);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().message(), "block 7: differs from the snapshot's evidence");
}

TEST_F(SnapshotTest, OffersRoundTripAndTheirDecoderIsStrict) {
  BuildHistory();
  const SnapshotOffer offer = KeepAndOffer();
  const std::string bytes = EncodeSnapshotOffer(offer);
  const auto decoded = DecodeSnapshotOffer(bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(EncodeSnapshotOffer(*decoded), bytes);
  EXPECT_TRUE(Verify(*decoded).ok());
  EXPECT_FALSE(DecodeSnapshotOffer(bytes + "x").has_value());
  EXPECT_FALSE(DecodeSnapshotOffer(bytes.substr(0, bytes.size() - 1)).has_value());
  const std::string evidence = EncodeSnapshotEvidence(offer.evidence);
  std::string other_version = evidence;
  other_version[0] = 2;
  EXPECT_FALSE(DecodeSnapshotEvidence(other_version).has_value());
  for (std::size_t cut = 0; cut < evidence.size(); cut += 97) {
    EXPECT_FALSE(DecodeSnapshotEvidence(evidence.substr(0, cut)).has_value()) << cut;
  }
}

TEST(StateFreezeTest, TheFrozenCopyIsTheStateAtFreezeWhateverFollows) {
  crypto::Initialize();
  State state;
  for (int i = 0; i < 500; ++i) state.Put("k/" + std::to_string(i), std::to_string(i));
  state.TakeChanges();
  const crypto::Hash root = state.Root();
  state.Freeze();
  for (int i = 0; i < 500; i += 3) state.Put("k/" + std::to_string(i), "changed");
  for (int i = 1; i < 500; i += 7) state.Erase("k/" + std::to_string(i));
  state.Put("k/new", "new");
  state.TakeChanges();
  state.BeginUndo();
  state.Put("k/2", "speculative");
  state.Rollback();
  ASSERT_NE(state.Root(), root);

  const std::vector<crypto::Hash> hashes = state.FrozenBucketHashes();
  EXPECT_EQ(State::RootOfBuckets(hashes), root);
  State rebuilt;
  for (std::uint32_t bucket = 0; bucket < kStateBucketCount; ++bucket) {
    std::vector<StateEntry> entries;
    state.VisitFrozenBucket(bucket, [&](const std::string& key, const std::string& value) {
      entries.emplace_back(key, value);
      rebuilt.Put(key, value);
    });
    ASSERT_EQ(State::HashBucket(entries), hashes[bucket]) << bucket;
  }
  EXPECT_EQ(rebuilt.Root(), root);
  EXPECT_EQ(rebuilt.size(), 500u);
}

}  // namespace
}  // namespace nuri::ledger
