#include "ledger/ledger.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "core/json.h"
#include "crypto/key_file.h"
#include "crypto/merkle.h"
#include "ledger/chain_check.h"
#include "ledger/invariants.h"
#include "ledger/signatures.h"
#include "ledger/state_view.h"
#include "ledger/test_ledger.h"
#include "storage/memory_store.h"

namespace nuri::ledger {
namespace {

using core::ReasonCode;

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }
core::TokenId Token(std::string_view text) { return core::TokenId::Parse(text).value(); }

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    genesis_ = TestGenesis();
    ledger_ = std::move(Ledger::Open(store_, genesis_).value());
    time_ = genesis_.start_time;
  }

  core::SignedTransaction Sign(std::string_view signer, core::Body body) {
    return TestTransaction(signer, std::move(body), next_nonce_++, time_ + core::kMillisPerHour);
  }

  // Executes one transaction in a block of its own and checks the invariants after it.
  core::Receipt Run(const core::SignedTransaction& tx) {
    time_ += core::kMillisPerSecond;
    auto produced = ledger_->ProduceBlock(time_, std::span(&tx, 1), signer_);
    EXPECT_TRUE(produced.has_value());
    EXPECT_TRUE(CheckInvariants(ledger_->state()).ok());
    if (produced->receipts.empty()) {
      return core::Receipt{tx.id, core::ReceiptStatus::kRejected, produced->dropped.at(0).second,
                           "", "dropped"};
    }
    return produced->receipts.at(0);
  }

  ReasonCode Code(std::string_view signer, core::Body body) {
    return Run(Sign(signer, std::move(body))).code;
  }

  core::Amount Balance(std::string_view account, std::string_view token = "KRW-BNK") {
    return ReadBalance(ledger_->state(), account, token);
  }

  core::Mint MintTo(std::string_view to, std::int64_t won) {
    return core::Mint{Token("KRW-BNK"), Id(to), core::Amount::Won(won)};
  }
  core::Transfer TransferTo(std::string_view to, std::int64_t won) {
    return core::Transfer{Token("KRW-BNK"), Id(to), core::Amount::Won(won), "", ""};
  }

  storage::MemoryStore store_;
  Genesis genesis_;
  std::unique_ptr<Ledger> ledger_;
  ValidatorSigner signer_{"v1", crypto::DeriveTestKey("v1")};
  core::TimeMillis time_ = 0;
  std::uint64_t next_nonce_ = 1;
};

TEST_F(LedgerTest, MintTransferBurnMoveMoneyAndKeepSupply) {
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1000000)), ReasonCode::kOk);
  EXPECT_EQ(Code("treasury@moef", TransferTo("kim@moef", 300000)), ReasonCode::kOk);
  EXPECT_EQ(Code("kim@moef", TransferTo("shop@merchants", 200000)), ReasonCode::kOk);
  EXPECT_EQ(Code("shop@merchants", core::Burn{Token("KRW-BNK"), core::Amount::Won(150000)}),
            ReasonCode::kOk);
  EXPECT_EQ(Balance("treasury@moef").won(), 700000);
  EXPECT_EQ(Balance("kim@moef").won(), 100000);
  EXPECT_EQ(Balance("shop@merchants").won(), 50000);
  const auto token = ReadToken(ledger_->state(), "KRW-BNK").value();
  EXPECT_EQ(token.minted.won() - token.burned.won(), 850000);
}

TEST_F(LedgerTest, EachRejectionHasItsReasonCode) {
  EXPECT_EQ(Code("issuer@shinhan", MintTo("treasury@moef", 1)), ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("issuer@bnk", MintTo("ghost@moef", 1)), ReasonCode::kUnknownAccount);
  EXPECT_EQ(Code("issuer@bnk", core::Mint{Token("KRW-XYZ"), Id("kim@moef"), core::Amount::Won(1)}),
            ReasonCode::kUnknownToken);
  EXPECT_EQ(Code("issuer@bnk", MintTo("kim@moef", 0)), ReasonCode::kInvalidAmount);
  EXPECT_EQ(Code("issuer@bnk", MintTo("kim@moef", -5)), ReasonCode::kInvalidAmount);
  EXPECT_EQ(Code("issuer@bnk", MintTo("kim@moef", INT64_MAX)), ReasonCode::kOk);
  EXPECT_EQ(Code("issuer@bnk", MintTo("lee@moef", 1)), ReasonCode::kInvalidAmount);  // overflow
  EXPECT_EQ(Code("lee@moef", TransferTo("kim@moef", 1)), ReasonCode::kInsufficientFunds);
  core::Transfer bound = TransferTo("shop@merchants", 1);
  bound.program = "bpe-2026";
  EXPECT_EQ(Code("kim@moef", bound), ReasonCode::kTransferNotAllowed);
  EXPECT_EQ(Code("kim@moef", core::RegisterOrg{core::OrgId::Parse("mois").value(),
                                               core::OrgKind::kMinistry, "Interior"}),
            ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("governor@bok", core::RegisterOrg{core::OrgId::Parse("moef").value(),
                                                   core::OrgKind::kMinistry, "again"}),
            ReasonCode::kAlreadyExists);
}

TEST_F(LedgerTest, AdminsManageOnlyTheirOwnOrganization) {
  const auto key = crypto::DeriveTestKey("park@moef").public_key();
  core::RoleSet holder;
  holder.Add(core::Role::kHolder);
  core::RoleSet governor;
  governor.Add(core::Role::kGovernor);
  EXPECT_EQ(Code("admin@moef", core::RegisterAccount{Id("park@moef"), {key}, 1, holder, {}}),
            ReasonCode::kOk);
  EXPECT_EQ(Code("admin@moef", core::RegisterAccount{Id("park@moef"), {key}, 1, holder, {}}),
            ReasonCode::kAlreadyExists);
  EXPECT_EQ(Code("admin@moef", core::RegisterAccount{Id("mallory@bnk"), {key}, 1, holder, {}}),
            ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("admin@moef", core::SetRoles{Id("park@moef"), governor}),
            ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("admin@moef", core::RegisterAccount{Id("choi@moef"), {}, 1, holder, {}}),
            ReasonCode::kInvalidArgument);
  EXPECT_EQ(Code("admin@moef", core::RegisterAccount{Id("choi@moef"), {key}, 2, holder, {}}),
            ReasonCode::kInvalidArgument);
  EXPECT_EQ(Code("governor@bok", core::RegisterAccount{Id("x@nowhere"), {key}, 1, holder, {}}),
            ReasonCode::kUnknownOrg);
  // An admin can neither take over nor freeze an account with a network-wide role.
  EXPECT_EQ(Code("governor@bok",
                 core::RegisterAccount{
                     Id("inspector@moef"), {key}, 1, core::RoleSet::FromBits(1u << 9).value(), {}}),
            ReasonCode::kOk);
  EXPECT_EQ(Code("admin@moef", core::SetKeys{Id("inspector@moef"), {key}, 1}),
            ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("admin@moef", core::Freeze{Id("inspector@moef")}), ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("governor@bok", core::SetKeys{Id("inspector@moef"), {key}, 1}), ReasonCode::kOk);
}

TEST_F(LedgerTest, FrozenAccountsNeitherSignNorReceive) {
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1000)), ReasonCode::kOk);
  EXPECT_EQ(Code("kim@moef", core::Freeze{Id("lee@moef")}), ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("auditor@bai", core::Freeze{Id("treasury@moef")}), ReasonCode::kOk);
  EXPECT_EQ(Code("treasury@moef", TransferTo("kim@moef", 10)), ReasonCode::kAccountFrozen);
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1)), ReasonCode::kAccountFrozen);
  EXPECT_EQ(Code("admin@moef", core::Unfreeze{Id("treasury@moef")}), ReasonCode::kOk);
  EXPECT_EQ(Code("treasury@moef", TransferTo("kim@moef", 10)), ReasonCode::kOk);
}

TEST_F(LedgerTest, KeyRotationRetiresTheOldKey) {
  const auto fresh = crypto::DeriveTestKey("kim@moef#2");
  EXPECT_EQ(Code("admin@moef", core::SetKeys{Id("kim@moef"), {fresh.public_key()}, 1}),
            ReasonCode::kOk);
  // Signed with the retired key: the executor refuses it.
  EXPECT_EQ(Code("kim@moef", TransferTo("lee@moef", 1)), ReasonCode::kNotAuthorized);
  auto tx = Sign("kim@moef", TransferTo("lee@moef", 1));
  EXPECT_TRUE(SignaturesVerify(tx));
  EXPECT_FALSE(SignedByQuorum(tx.tx, ReadAccount(ledger_->state(), "kim@moef").value()));
}

TEST_F(LedgerTest, NoncesAreSingleUseUntilTheTransactionExpires) {
  const auto tx = Sign("issuer@bnk", MintTo("kim@moef", 5));
  EXPECT_EQ(Run(tx).code, ReasonCode::kOk);
  const BlockContext now{"nuri-test", 99, time_};
  EXPECT_EQ(CheckIncludable(ledger_->state(), tx.tx, now), ReasonCode::kDuplicate);
  const BlockContext later{"nuri-test", 99, tx.tx.valid_until + 1};
  EXPECT_EQ(CheckIncludable(ledger_->state(), tx.tx, later), ReasonCode::kExpired);
  // Once a block passes its valid_until, the nonce entry is pruned from state.
  time_ = tx.tx.valid_until + core::kMillisPerMinute;
  EXPECT_EQ(Code("issuer@bnk", MintTo("kim@moef", 5)), ReasonCode::kOk);
  EXPECT_EQ(ledger_->state().Find(NonceKey("issuer@bnk", tx.tx.nonce)), nullptr);
}

TEST_F(LedgerTest, AdmissionCodesForWrongChainAndFarFuture) {
  auto tx = Sign("issuer@bnk", MintTo("kim@moef", 5));
  const BlockContext context{"nuri-test", 1, time_};
  core::Transaction wrong_chain = tx.tx;
  wrong_chain.chain_id = "other";
  EXPECT_EQ(CheckIncludable(ledger_->state(), wrong_chain, context), ReasonCode::kWrongChain);
  core::Transaction far = tx.tx;
  far.valid_until = time_ + 25 * core::kMillisPerHour;
  EXPECT_EQ(CheckIncludable(ledger_->state(), far, context), ReasonCode::kTooFarInFuture);
  core::Transaction ghost = tx.tx;
  ghost.signer = Id("ghost@moef");
  EXPECT_EQ(CheckIncludable(ledger_->state(), ghost, context), ReasonCode::kUnknownSigner);
}

TEST_F(LedgerTest, ReopeningRestoresTheHeadAndTheChainChecks) {
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1000)), ReasonCode::kOk);
  EXPECT_EQ(Code("treasury@moef", TransferTo("kim@moef", 400)), ReasonCode::kOk);
  EXPECT_EQ(Code("kim@moef", TransferTo("lee@moef", 4000)), ReasonCode::kInsufficientFunds);
  const auto head = ledger_->head();
  ledger_.reset();
  auto reopened = Ledger::Open(store_, genesis_);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
  EXPECT_EQ((*reopened)->head(), head);
  EXPECT_EQ(ReadBalance((*reopened)->state(), "kim@moef", "KRW-BNK").won(), 400);
  auto summary = CheckChain(store_);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->height, 3u);
  EXPECT_EQ(summary->transactions, 3u);
  auto location = (*reopened)->FindTransaction((*reopened)->ReadBlock(2)->header.tx_root);
  EXPECT_FALSE(location.has_value());
  const auto history = (*reopened)->AccountHistory("kim@moef", 10).value();
  ASSERT_EQ(history.size(), 2u);
  // Newest first: the refused-for-funds transfer of block 3, then the transfer of block 2.
  EXPECT_EQ(history[0], core::DecodeTransaction((*reopened)->ReadBlock(3)->transactions[0])->id);
  EXPECT_EQ(history[1], core::DecodeTransaction((*reopened)->ReadBlock(2)->transactions[0])->id);
  EXPECT_EQ((*reopened)->AccountHistory("kim@moef", 1).value(), std::vector{history[0]});
}

// A block's state changes and index entries are held back from its synced write: the ledger
// answers for them from memory meanwhile, and opening executes their blocks again.
TEST_F(LedgerTest, WritesHeldBackAreAnsweredMeanwhileAndExecutedAgainOnOpening) {
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1000)), ReasonCode::kOk);
  EXPECT_EQ(Code("treasury@moef", TransferTo("kim@moef", 400)), ReasonCode::kOk);
  EXPECT_EQ(Code("kim@moef", TransferTo("lee@moef", 4000)), ReasonCode::kInsufficientFunds);
  const crypto::Hash second = core::DecodeTransaction(ledger_->ReadBlock(2)->transactions[0])->id;
  EXPECT_EQ(codec::DecodeKeyU64(store_.Get("meta/state_height").value()), 0u);
  EXPECT_FALSE(store_.Get(TxIndexKey(second)).has_value());
  const auto found = ledger_->FindTransaction(second);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->height, 2u);
  EXPECT_EQ(ledger_->AccountHistory("kim@moef", 10).value().size(), 2u);
  ASSERT_TRUE(CheckChain(store_).has_value());

  const crypto::Hash root = ledger_->head().state_root;
  ledger_.reset();
  ledger_ = std::move(Ledger::Open(store_, genesis_).value());
  EXPECT_EQ(ledger_->head().height, 3u);
  EXPECT_EQ(ledger_->head().state_root, root);
  EXPECT_EQ(ReadBalance(ledger_->state(), "kim@moef", "KRW-BNK").won(), 400);
  // Opening wrote what it executed again.
  EXPECT_EQ(codec::DecodeKeyU64(store_.Get("meta/state_height").value()), 3u);
  EXPECT_TRUE(store_.Get(TxIndexKey(second)).has_value());

  // Block 4 is held back again; an account's past spans memory and the store, newest first.
  EXPECT_EQ(Code("kim@moef", TransferTo("lee@moef", 100)), ReasonCode::kOk);
  const auto history = ledger_->AccountHistory("kim@moef", 10).value();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0], core::DecodeTransaction(ledger_->ReadBlock(4)->transactions[0])->id);
  EXPECT_EQ(history[2], second);
  const auto newest_two = ledger_->AccountLocations("kim@moef", {4, 0}, 2).value();
  ASSERT_EQ(newest_two.size(), 2u);
  EXPECT_EQ(newest_two[0].height, 4u);
  EXPECT_EQ(newest_two[1].height, 3u);
  const auto from_three = ledger_->AccountLocations("kim@moef", {3, 0}, 5).value();
  ASSERT_EQ(from_three.size(), 2u);
  EXPECT_EQ(from_three[0].height, 3u);
  EXPECT_EQ(from_three[1].height, 2u);
  auto summary = CheckChain(store_);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->height, 4u);
}

// A block after the stored state must execute again to its header exactly.
TEST_F(LedgerTest, OpeningRefusesABlockThatExecutesAgainDifferently) {
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1000)), ReasonCode::kOk);
  EXPECT_EQ(Code("treasury@moef", TransferTo("kim@moef", 400)), ReasonCode::kOk);
  auto block = ledger_->ReadBlock(2).value();
  block.header.state_root = ledger_->ReadBlock(1)->header.state_root;
  ledger_.reset();
  storage::WriteBatch batch;
  batch.Put("blk/" + codec::EncodeKeyU64(2), core::EncodeBlock(block));
  ASSERT_TRUE(store_.Write(batch, true).ok());
  const auto opened = Ledger::Open(store_, genesis_);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), base::StatusCode::kCorruption);
  EXPECT_NE(opened.error().message().find("block 2 does not execute again"), std::string::npos);
}

TEST_F(LedgerTest, ChainCheckFindsATamperedBlock) {
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1000)), ReasonCode::kOk);
  auto block = ledger_->ReadBlock(1).value();
  block.header.time += 1;
  storage::WriteBatch batch;
  batch.Put("blk/" + codec::EncodeKeyU64(1), core::EncodeBlock(block));
  ASSERT_TRUE(store_.Write(batch, true).ok());
  EXPECT_FALSE(CheckChain(store_).has_value());
}

// Signatures are outside the transaction id and so outside the header's roots: only checking
// them finds a block whose signature bytes were swapped.
TEST_F(LedgerTest, ChainCheckFindsAForgedSignature) {
  EXPECT_EQ(Code("issuer@bnk", MintTo("treasury@moef", 1000)), ReasonCode::kOk);
  ASSERT_TRUE(CheckChain(store_).has_value());
  auto block = ledger_->ReadBlock(1).value();
  auto tx = core::DecodeTransaction(block.transactions[0]).value().tx;
  tx.signatures[0].signature[0] ^= 1;
  block.transactions[0] = core::Encode(tx);
  storage::WriteBatch batch;
  batch.Put("blk/" + codec::EncodeKeyU64(1), core::EncodeBlock(block));
  ASSERT_TRUE(store_.Write(batch, true).ok());
  const auto checked = CheckChain(store_);
  ASSERT_FALSE(checked.has_value());
  EXPECT_NE(checked.error().message().find("forged signature"), std::string::npos);
}

TEST_F(LedgerTest, OpeningWithAnotherGenesisIsRefused) {
  Genesis other = genesis_;
  other.start_time += 1;
  EXPECT_FALSE(Ledger::Open(store_, other).has_value());
}

TEST_F(LedgerTest, AFailedWriteStopsTheLedger) {
  storage::MemoryStore inner;
  storage::FaultyStore faulty(inner);
  auto ledger = Ledger::Open(faulty, genesis_).value();
  faulty.FailWriteAfter(0);
  const auto tx = Sign("issuer@bnk", MintTo("kim@moef", 5));
  EXPECT_FALSE(ledger->ProduceBlock(time_ + 1000, std::span(&tx, 1), signer_).has_value());
  EXPECT_FALSE(ledger->ProduceBlock(time_ + 2000, {}, signer_).has_value());
}

// The root over no entries is the binary Merkle tree over 65,536 empty (zero) bucket hashes.
TEST(State, EmptyRootIsTheTreeOfEmptyBuckets) {
  std::vector<crypto::Hash> level(kStateBucketCount);
  while (level.size() > 1) {
    std::vector<crypto::Hash> parents;
    for (std::size_t i = 0; i < level.size(); i += 2) {
      parents.push_back(crypto::MerkleNodeHash(level[i], level[i + 1]));
    }
    level = std::move(parents);
  }
  State state;
  EXPECT_EQ(state.Root(), level.front());
  state.Put("x", "1");
  state.Erase("x");
  EXPECT_EQ(state.Root(), level.front());
}

TEST(State, RootDependsOnContentNotHistory) {
  State a;
  State b;
  const crypto::Hash empty = a.Root();
  a.Put("x", "1");
  a.Put("y", "2");
  a.Put("z", "3");
  a.Erase("z");
  b.Put("y", "2");
  b.Put("x", "0");
  b.Put("x", "1");
  EXPECT_EQ(a.Root(), b.Root());
  EXPECT_NE(a.Root(), empty);
  b.Erase("x");
  b.Erase("y");
  EXPECT_EQ(b.Root(), empty);
}

// What a block writes: each key changed since the last call once, with its final value, in key
// order; an erased key as erased, unless it was put again.
TEST(State, TakeChangesReportsEachKeyOnceWithItsFinalValue) {
  State state;
  state.Put("a", "1");
  state.Put("b", "1");
  state.Put("c", "1");
  ASSERT_EQ(state.TakeChanges().size(), 3u);
  state.Put("b", "2");
  state.Put("b", "3");  // put twice: reported once, last value
  state.Erase("c");     // erased
  state.Put("d", "1");
  state.Erase("d");  // put then erased in the same block: reported erased
  state.Erase("a");
  state.Put("a", "4");     // erased then put again: reported with its value
  state.Erase("missing");  // nothing there: nothing to report
  const std::vector<StateChange> changes = state.TakeChanges();
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].key, "a");
  EXPECT_EQ(changes[0].value, std::optional<std::string>("4"));
  EXPECT_EQ(changes[1].key, "b");
  EXPECT_EQ(changes[1].value, std::optional<std::string>("3"));
  EXPECT_EQ(changes[2].key, "c");
  EXPECT_EQ(changes[2].value, std::nullopt);
  EXPECT_EQ(changes[3].key, "d");
  EXPECT_EQ(changes[3].value, std::nullopt);
  EXPECT_TRUE(state.TakeChanges().empty());
  state.Put("b", "5");  // reported again after the last call
  ASSERT_EQ(state.TakeChanges().size(), 1u);
}

TEST(State, ProofsRecomputeTheRoot) {
  State state;
  for (int i = 0; i < 2000; ++i) state.Put("b/account" + std::to_string(i), std::to_string(i));
  const crypto::Hash root = state.Root();
  State::Proof proof = state.Prove("b/account7");
  EXPECT_EQ(State::RootFromProof(proof), root);
  for (auto& [key, value] : proof.bucket_entries) {
    if (key == "b/account7") value = "7000000";
  }
  EXPECT_NE(State::RootFromProof(proof), root);
}

TEST(State, AReadOnlyProofIsTheProofOfTheCurrentEntriesAndSaysWhatTheyHold) {
  State state;
  for (int i = 0; i < 2000; ++i) state.Put("b/account" + std::to_string(i), std::to_string(i));
  state.Root();
  // Changes the cached tree has not caught up on: the read-only proof sees them.
  state.Put("b/account7", "70");
  state.Erase("b/account8");
  state.Put("b/account9999", "1");
  const State::Proof read_only = state.ProveReadOnly("b/account7");
  const State::Proof absent = state.ProveReadOnly("b/account8");
  const crypto::Hash root = state.Root();
  EXPECT_EQ(read_only, state.Prove("b/account7"));
  EXPECT_EQ(State::ValueFromProof(read_only, "b/account7", root).value(), "70");
  EXPECT_EQ(State::ValueFromProof(absent, "b/account8", root).value(), std::nullopt);
  // A proof of another key's bucket, another root, or a bucket out of order is refused.
  ASSERT_NE(State::BucketOf("b/account8"), read_only.bucket);
  EXPECT_FALSE(State::ValueFromProof(read_only, "b/account8", root).has_value());
  EXPECT_FALSE(State::ValueFromProof(read_only, "b/account7", crypto::Sha256("other")));
  State::Proof reordered = state.Prove("b/account1");
  if (reordered.bucket_entries.size() < 2) reordered.bucket_entries.push_back({"b/zz", "x"});
  std::swap(reordered.bucket_entries.front(), reordered.bucket_entries.back());
  EXPECT_FALSE(State::ValueFromProof(reordered, "b/account1", root).has_value());
}

// Whatever a block changed, taking it back restores every key and the root; keeping it keeps it.
RC_GTEST_PROP(StateProperty, RollbackRestoresEveryKeyAndTheRoot, ()) {
  State state;
  std::map<std::string, std::string> before;
  const auto key_gen =
      rc::gen::map(rc::gen::inRange(0, 40), [](int i) { return "k/" + std::to_string(i); });
  for (int i = *rc::gen::inRange(0, 30); i > 0; --i) {
    const std::string key = *key_gen;
    const std::string value = std::to_string(*rc::gen::inRange(0, 1000));
    state.Put(key, value);
    before[key] = value;
  }
  state.TakeChanges();
  const crypto::Hash root = state.Root();
  state.BeginUndo();
  for (int i = *rc::gen::inRange(0, 60); i > 0; --i) {
    const std::string key = *key_gen;
    if (*rc::gen::arbitrary<bool>()) {
      state.Put(key, std::to_string(*rc::gen::inRange(0, 1000)));
    } else {
      state.Erase(key);
    }
    if (*rc::gen::inRange(0, 10) == 0) state.Root();
  }
  if (*rc::gen::arbitrary<bool>()) state.TakeChanges();
  state.Rollback();
  const auto contents = [&] {
    std::map<std::string, std::string> entries;
    state.Scan("", [&](const std::string& key, const std::string& value) {
      entries[key] = value;
      return true;
    });
    return entries;
  };
  RC_ASSERT(state.TakeChanges().empty());
  RC_ASSERT(contents() == before);
  RC_ASSERT(state.Root() == root);
  // The next speculation starts clean: what the first one journaled is forgotten.
  state.BeginUndo();
  state.Put("k/extra", "1");
  state.Erase(*key_gen);
  state.Rollback();
  RC_ASSERT(contents() == before);
  RC_ASSERT(state.Root() == root);
}

// Nonces ("n/") and payment records ("py/") are kept apart from the ordered entries; a scan
// still visits whatever its prefix covers in key order, across both, and stops when told.
RC_GTEST_PROP(StateProperty, ScansVisitEveryKeyUnderTheirPrefixInOrder, ()) {
  State state;
  std::map<std::string, std::string> model;
  const auto key_gen = rc::gen::apply(
      [](const std::string& family, int i) { return family + std::to_string(i); },
      rc::gen::element<std::string>("n/", "py/", "k/", "n", "p", "o/"), rc::gen::inRange(0, 30));
  const bool speculate = *rc::gen::arbitrary<bool>();
  if (speculate) state.BeginUndo();
  for (int i = *rc::gen::inRange(0, 120); i > 0; --i) {
    const std::string key = *key_gen;
    if (*rc::gen::inRange(0, 4) > 0) {
      const std::string value = std::to_string(i);
      state.Put(key, value);
      model[key] = value;
    } else {
      state.Erase(key);
      model.erase(key);
    }
  }
  const auto scanned = [&](std::string_view prefix, std::size_t limit) {
    std::vector<std::pair<std::string, std::string>> visited;
    state.Scan(prefix, [&](const std::string& key, const std::string& value) {
      visited.emplace_back(key, value);
      return visited.size() < limit;
    });
    return visited;
  };
  const auto expected = [&](std::string_view prefix, std::size_t limit) {
    std::vector<std::pair<std::string, std::string>> visited;
    for (const auto& [key, value] : model) {
      if (key.starts_with(prefix) && visited.size() < limit) visited.emplace_back(key, value);
    }
    return visited;
  };
  for (const std::string prefix : {"", "n", "n/", "n/1", "p", "py/", "py/2", "k/", "o/", "q"}) {
    RC_ASSERT(scanned(prefix, SIZE_MAX) == expected(prefix, SIZE_MAX));
    RC_ASSERT(scanned(prefix, 3) == expected(prefix, 3));
  }
  RC_ASSERT(state.size() == model.size());
  if (speculate) {
    state.Rollback();
    RC_ASSERT(scanned("", SIZE_MAX).empty());
    RC_ASSERT(state.size() == 0u);
  }
}

// Random sequences of mints, transfers and burns by random accounts keep money conserved and
// never leave a negative balance; the invariants are checked after every block.
RC_GTEST_PROP(LedgerProperty, RandomTransactionsKeepTheInvariants, ()) {
  crypto::Initialize();
  static const Genesis genesis = TestGenesis();
  storage::MemoryStore store;
  auto ledger = Ledger::Open(store, genesis).value();
  const ValidatorSigner signer{"v1", crypto::DeriveTestKey("v1")};
  const std::vector<std::string> people = {"treasury@moef", "kim@moef", "lee@moef",
                                           "shop@merchants", "issuer@bnk"};
  core::TimeMillis time = genesis.start_time;
  const int blocks = *rc::gen::inRange(1, 12);
  std::uint64_t nonce = 0;
  for (int b = 0; b < blocks; ++b) {
    std::vector<core::SignedTransaction> txs;
    const int count = *rc::gen::inRange(0, 8);
    for (int i = 0; i < count; ++i) {
      const int kind = *rc::gen::inRange(0, 3);
      const std::string from = *rc::gen::elementOf(people);
      const std::string to = *rc::gen::elementOf(people);
      const std::int64_t won = *rc::gen::inRange<std::int64_t>(-10, 100000);
      core::Transaction tx;
      tx.chain_id = "nuri-test";
      tx.nonce = ++nonce;
      tx.valid_until = time + core::kMillisPerHour;
      if (kind == 0) {
        tx.signer = Id("issuer@bnk");
        tx.body = core::Mint{Token("KRW-BNK"), Id(to), core::Amount::Won(won)};
      } else if (kind == 1) {
        tx.signer = Id(from);
        tx.body = core::Transfer{Token("KRW-BNK"), Id(to), core::Amount::Won(won), "", ""};
      } else {
        tx.signer = Id(from);
        tx.body = core::Burn{Token("KRW-BNK"), core::Amount::Won(won)};
      }
      core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(tx.signer.str()));
      txs.push_back(core::Seal(std::move(tx)));
    }
    // Replays of earlier transactions in the same block are left out, never executed twice.
    if (!txs.empty() && *rc::gen::arbitrary<bool>()) txs.push_back(txs.front());
    time += *rc::gen::inRange<core::TimeMillis>(0, 5000);
    auto produced = ledger->ProduceBlock(time, txs, signer);
    RC_ASSERT(produced.has_value());
    RC_ASSERT(produced->receipts.size() + produced->dropped.size() == txs.size());
    for (const auto& [id, code] : produced->dropped) RC_ASSERT(code == ReasonCode::kDuplicate);
    RC_ASSERT(CheckInvariants(ledger->state()).ok());
  }
  RC_ASSERT(CheckChain(store).has_value());
}

// A validator executes blocks it then does not commit: proposals that lose, tampered ones it
// refuses. Taking them back must leave it exactly where a ledger that never saw them is, block
// after block, nonce pruning included (hours pass between some blocks).
RC_GTEST_PROP(LedgerProperty, BlocksTakenBackLeaveNoTrace, ()) {
  crypto::Initialize();
  static const Genesis genesis = TestGenesis();
  storage::MemoryStore plain_store;
  storage::MemoryStore speculating_store;
  auto plain = Ledger::Open(plain_store, genesis).value();
  auto speculating = Ledger::Open(speculating_store, genesis).value();
  const crypto::SecretKey validator_key = crypto::DeriveTestKey("v1");
  const std::vector<std::string> people = {"treasury@moef", "kim@moef", "lee@moef", "issuer@bnk"};
  core::TimeMillis time = genesis.start_time;
  std::uint64_t nonce = 0;
  auto random_transactions = [&](core::TimeMillis at) {
    std::vector<core::SignedTransaction> txs;
    for (int i = *rc::gen::inRange(0, 6); i > 0; --i) {
      core::Transaction tx;
      tx.chain_id = "nuri-test";
      tx.nonce = ++nonce;
      tx.valid_until = at + core::kMillisPerHour;
      const std::string to = *rc::gen::elementOf(people);
      if (*rc::gen::arbitrary<bool>()) {
        tx.signer = Id("issuer@bnk");
        tx.body =
            core::Mint{Token("KRW-BNK"), Id(to), core::Amount::Won(*rc::gen::inRange(1, 500))};
      } else {
        tx.signer = Id(*rc::gen::elementOf(people));
        tx.body = core::Transfer{Token("KRW-BNK"), Id(to),
                                 core::Amount::Won(*rc::gen::inRange(1, 500)), "", ""};
      }
      core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(tx.signer.str()));
      txs.push_back(core::Seal(std::move(tx)));
    }
    return txs;
  };
  for (int b = *rc::gen::inRange(1, 10); b > 0; --b) {
    time += *rc::gen::elementOf(std::vector<core::TimeMillis>{0, 1000, 2 * core::kMillisPerHour});
    const auto txs = random_transactions(time);
    const ProducedBlock* built = plain->BuildBlock(time, txs, "v1").value();
    const core::BlockHeader header = built->block.header;
    const crypto::Hash hash = built->hash;
    const std::vector<core::SignedTransaction> included = BlockTransactions(built->block);
    core::CommitCertificate certificate;
    certificate.signatures.push_back(
        {"v1", validator_key.Sign(
                   core::VoteSigningMessage("nuri-test", core::CommitVote(header, hash, 0, 0)))});

    // The other ledger first executes a rival block (later, with other transactions), or a
    // tampered copy of this one, and takes it back.
    if (*rc::gen::arbitrary<bool>()) {
      const core::TimeMillis later =
          time + *rc::gen::inRange<core::TimeMillis>(0, 3 * core::kMillisPerHour);
      RC_ASSERT(speculating->BuildBlock(later, random_transactions(later), "v1").has_value());
    } else {
      core::BlockHeader tampered = header;
      tampered.state_root.bytes[0] ^= 1;
      RC_ASSERT(!speculating->ExecuteBlock(tampered, included).has_value());
    }
    const auto executed = speculating->ExecuteBlock(header, included);
    RC_ASSERT(executed.has_value());
    RC_ASSERT((*executed)->hash == hash);
    RC_ASSERT(speculating->CommitExecuted(hash, certificate).has_value());
    RC_ASSERT(plain->CommitExecuted(hash, certificate).has_value());
    RC_ASSERT(speculating->head() == plain->head());
    RC_ASSERT(CheckInvariants(speculating->state()).ok());
  }
  RC_ASSERT(CheckChain(speculating_store).has_value());
}

TEST_F(LedgerTest, ACommitNeedsTheExecutedBlockAndAValidCertificate) {
  const auto tx = Sign("issuer@bnk", MintTo("kim@moef", 5));
  const ProducedBlock* built = ledger_->BuildBlock(time_ + 1000, std::span(&tx, 1), "v1").value();
  const crypto::Hash hash = built->hash;
  const core::BlockHeader header = built->block.header;
  // Signed by a key that is not the validator's.
  core::CommitCertificate forged;
  forged.signatures.push_back({"v1", crypto::DeriveTestKey("mallory").Sign(core::VoteSigningMessage(
                                         "nuri-test", core::CommitVote(header, hash, 0, 0)))});
  EXPECT_FALSE(ledger_->CommitExecuted(hash, forged).has_value());
  EXPECT_FALSE(ledger_->CommitExecuted(crypto::Sha256("other"), forged).has_value());
  core::CommitCertificate good;
  good.signatures.push_back({"v1", signer_.key.Sign(core::VoteSigningMessage(
                                       "nuri-test", core::CommitVote(header, hash, 0, 0)))});
  const auto committed = ledger_->CommitExecuted(hash, good);
  ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
  EXPECT_EQ(ledger_->head().height, 1u);
  EXPECT_EQ(ledger_->executed(), nullptr);
  EXPECT_EQ(ReadBalance(ledger_->state(), "kim@moef", "KRW-BNK").won(), 5);
}

TEST_F(LedgerTest, GovernorsChangeTheValidatorSetFromTwoBlocksOn) {
  const auto key = [](std::string_view name) { return crypto::DeriveTestKey(name).public_key(); };
  EXPECT_EQ(Code("kim@moef", core::AddValidator{"v2", key("v2")}), ReasonCode::kNotAuthorized);
  EXPECT_EQ(Code("governor@bok", core::RemoveValidator{"v9"}), ReasonCode::kUnknownValidator);
  EXPECT_EQ(Code("governor@bok", core::RemoveValidator{"v1"}), ReasonCode::kInvalidArgument);
  EXPECT_EQ(Code("governor@bok", core::AddValidator{"v1", key("v2")}), ReasonCode::kAlreadyExists);
  EXPECT_EQ(Code("governor@bok", core::AddValidator{"v2", key("v1")}), ReasonCode::kAlreadyExists);

  const core::ValidatorSet alone = ledger_->validators();
  ASSERT_EQ(Code("governor@bok", core::AddValidator{"v2", key("v2")}), ReasonCode::kOk);
  const std::uint64_t added_at = ledger_->head().height;
  // The next block is still certified by v1 alone; the one after by v1 and v2.
  EXPECT_EQ(ledger_->validators(), alone);
  const core::ValidatorSet both = ledger_->ValidatorsAt(added_at + 2);
  ASSERT_EQ(both.validators.size(), 2u);
  EXPECT_EQ(both.validators[1].name, "v2");
  ASSERT_EQ(Code("issuer@bnk", MintTo("kim@moef", 5)), ReasonCode::kOk);
  EXPECT_EQ(ledger_->head().validator_set_hash, alone.Hash());
  EXPECT_EQ(ledger_->validators(), both);
  time_ += 1000;
  EXPECT_FALSE(ledger_->ProduceBlock(time_, {}, signer_).has_value());
  const std::vector<core::SignedTransaction> txs{Sign("issuer@bnk", MintTo("kim@moef", 7))};
  EXPECT_FALSE(CommitSignedBy(*ledger_, time_, txs, {"v1"}).has_value());
  const auto certified = CommitSignedBy(*ledger_, time_, txs, {"v1", "v2"});
  ASSERT_TRUE(certified.has_value()) << certified.error().ToString();
  EXPECT_EQ(certified->block.header.validator_set_hash, both.Hash());

  // Removing v1 leaves v2 alone, two blocks on.
  time_ += 1000;
  const std::vector<core::SignedTransaction> removal{
      Sign("governor@bok", core::RemoveValidator{"v1"})};
  ASSERT_TRUE(CommitSignedBy(*ledger_, time_, removal, {"v1", "v2"}).has_value());
  time_ += 1000;
  ASSERT_TRUE(CommitSignedBy(*ledger_, time_, {}, {"v1", "v2"}).has_value());
  ASSERT_EQ(ledger_->validators().validators.size(), 1u);
  EXPECT_EQ(ledger_->validators().validators[0].name, "v2");
  time_ += 1000;
  ASSERT_TRUE(CommitSignedBy(*ledger_, time_, {}, {"v2"}).has_value());

  // Whoever checks the chain follows the same changes; a reopened ledger knows the set.
  const auto summary = CheckChain(store_);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  auto reopened = Ledger::Open(store_, genesis_).value();
  EXPECT_EQ(reopened->validators().validators[0].name, "v2");
  EXPECT_EQ(ReadValidatorSchedule(reopened->state()).size(), 3u);
}

TEST_F(LedgerTest, AProposedBlockIsRefusedForWhatDiffers) {
  const auto tx = Sign("issuer@bnk", MintTo("kim@moef", 5));
  const ProducedBlock* built = ledger_->BuildBlock(time_ + 1000, std::span(&tx, 1), "v1").value();
  const core::BlockHeader header = built->block.header;
  const std::vector<core::SignedTransaction> txs = BlockTransactions(built->block);
  ledger_->AbandonExecuted();
  auto refusal = [&](core::BlockHeader changed, std::vector<core::SignedTransaction> with) {
    auto result = ledger_->ExecuteBlock(changed, std::move(with));
    EXPECT_EQ(ledger_->executed(), nullptr);
    return result ? std::string("accepted") : result.error().message();
  };
  core::BlockHeader h = header;
  h.receipts_root.bytes[3] ^= 1;
  EXPECT_EQ(refusal(h, txs), "block refused: receipts_root differs");
  h = header;
  h.height = 5;
  EXPECT_EQ(refusal(h, txs), "block refused: height 5 does not follow 0");
  h = header;
  h.proposer = "mallory";
  EXPECT_EQ(refusal(h, txs), "block refused: its proposer is not a validator");
  h = header;
  h.tx_count = 2;
  EXPECT_EQ(refusal(h, {tx, tx}),
            "block refused: transaction 1 may not be in this block: DUPLICATE");
  EXPECT_EQ(ReadBalance(ledger_->state(), "kim@moef", "KRW-BNK").won(), 0);
  ASSERT_TRUE(ledger_->ExecuteBlock(header, txs).has_value());
  // Executed is not decided: whoever reads the state sees only what is committed.
  EXPECT_EQ(ReadBalance(ledger_->state(), "kim@moef", "KRW-BNK").won(), 0);
  core::CommitCertificate certificate;
  certificate.signatures.push_back(
      {"v1", signer_.key.Sign(core::VoteSigningMessage(
                 "nuri-test", core::CommitVote(header, core::HeaderHash(header), 0, 0)))});
  ASSERT_TRUE(ledger_->CommitExecuted(core::HeaderHash(header), certificate).has_value());
  EXPECT_EQ(ReadBalance(ledger_->state(), "kim@moef", "KRW-BNK").won(), 5);
}

}  // namespace
}  // namespace nuri::ledger
