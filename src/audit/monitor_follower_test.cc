#include "audit/monitor_follower.h"

#include <gtest/gtest.h>

#include <chrono>
#include <shared_mutex>
#include <thread>

#include "core/json.h"
#include "crypto/key_file.h"
#include "storage/memory_store.h"

namespace nuri::audit {
namespace {

// A ministry's business promotion program, funded and granted in the first block; kim pays the
// restaurant in the blocks after.
constexpr std::string_view kGenesis = R"({
  "chain_id": "nuri-test",
  "start": "2026-03-02T09:00:00+09:00",
  "orgs": [
    {"id": "moef", "kind": "ministry", "name": "Ministry of Economy and Finance"},
    {"id": "bnk", "kind": "bank", "name": "BNK Busan Bank"},
    {"id": "merchants", "kind": "merchants", "name": "Registered merchants"}
  ],
  "accounts": [
    {"id": "issuer@bnk", "roles": ["issuer"]},
    {"id": "treasury@moef", "roles": ["treasury"]},
    {"id": "budget@moef", "roles": ["manager"]},
    {"id": "kim@moef", "roles": ["holder"]},
    {"id": "cafe@merchants", "roles": ["merchant"],
     "merchant": {"mcc": "5812", "business_no": "220-81-00001", "name": "Hanok Restaurant"}}
  ],
  "tokens": [{"id": "KRW-BNK", "issuer": "issuer@bnk", "name": "BNK deposit token"}],
  "programs": [{
    "id": "bpe-moef", "name": "Business promotion expenses", "kind": "expense",
    "token": "KRW-BNK", "owner": "treasury@moef", "managers": ["budget@moef"],
    "valid_from": "2026-01-01T00:00:00+09:00", "valid_until": "2026-12-31T23:59:59+09:00",
    "budget_code": "203-01",
    "rules": [{"id": "R1", "rule": "max_per_payment", "amount": 3000000}]
  }],
  "validators": [{"name": "v1", "key": "KEY"}]
})";

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }
core::Amount Won(std::int64_t won) { return core::Amount::Won(won); }
core::TimeMillis At(std::string_view text) { return core::ParseTime(text).value(); }

// Bursts only: five payments of one holder within ten minutes.
AuditPolicy BurstsOnly() {
  std::string text = R"({"defaults": {)";
  for (const char* name :
       {"split_payments", "near_threshold", "repeated_merchant", "justified_passes",
        "cancel_and_rebill", "round_and_repeated_amounts", "merchant_concentration"}) {
    text += "\"" + std::string(name) + "\": false, ";
  }
  text += R"("bursts": {"count": 5, "window_minutes": 10}}})";
  return ParseAuditPolicy(core::ParseJsonText(text).value()).value();
}

// Waits, a bounded time, until `follower` has stored the alerts of block `height`.
bool Followed(const MonitorFollower& follower, std::uint64_t height) {
  for (int i = 0; i < 1'000; ++i) {
    if (follower.progress().followed_height >= height) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

class MonitorFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text(kGenesis);
    text.replace(text.find("KEY"), 3, crypto::DeriveTestKey("v1").public_key().ToText());
    auto genesis = ledger::ParseGenesis(core::ParseJsonText(text).value(), "genesis",
                                        ledger::GenesisOptions{.derive_missing_keys = true});
    ASSERT_TRUE(genesis.has_value()) << genesis.error().ToString();
    ledger_ = ledger::Ledger::Open(*ledger_store_, *genesis).value();
    const core::TokenId token = core::TokenId::Parse("KRW-BNK").value();
    const std::string_view start = "2026-03-03T09:00:00+09:00";
    Commit(start,
           {Sign("issuer@bnk", start, core::Mint{token, Id("treasury@moef"), Won(10'000'000)}),
            Sign("treasury@moef", start, core::FundProgram{"bpe-moef", Won(10'000'000)}),
            Sign("budget@moef", start, core::Grant{"bpe-moef", Id("kim@moef"), Won(5'000'000)})});
  }

  // Signed to be valid for an hour from `time`.
  core::SignedTransaction Sign(std::string_view signer, std::string_view time, core::Body body) {
    core::Transaction tx;
    tx.chain_id = "nuri-test";
    tx.signer = Id(signer);
    tx.nonce = ++nonce_;
    tx.valid_until = At(time) + core::kMillisPerHour;
    tx.body = std::move(body);
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(signer));
    return core::Seal(std::move(tx));
  }

  // Commits a block at `time` and tells the listeners, as a node does.
  void Commit(std::string_view time, const std::vector<core::SignedTransaction>& txs) {
    std::uint64_t height = 0;
    {
      std::unique_lock lock(ledger_mutex_);
      const ledger::ProducedBlock* built = ledger_->BuildBlock(At(time), txs, "v1").value();
      ASSERT_EQ(built->receipts.size(), txs.size());
      for (const core::Receipt& receipt : built->receipts) {
        ASSERT_EQ(receipt.status, core::ReceiptStatus::kOk)
            << core::ReasonName(receipt.code) << " " << receipt.message;
      }
      const crypto::Hash hash = built->hash;
      core::CommitCertificate certificate;
      certificate.signatures.push_back(
          {"v1", crypto::DeriveTestKey("v1").Sign(core::VoteSigningMessage(
                     "nuri-test", core::CommitVote(built->block.header, hash, 0, 0)))});
      height = ledger_->CommitExecuted(hash, std::move(certificate)).value().block.header.height;
    }
    for (const auto& listener : listeners_) listener(height);
  }

  // kim pays the restaurant at `time`.
  void Pay(std::string_view time, std::int64_t won) {
    Commit(
        time,
        {Sign("kim@moef", time,
              core::Pay{.program = "bpe-moef", .to = Id("cafe@merchants"), .amount = Won(won)})});
  }

  std::uint64_t Head() {
    std::shared_lock lock(ledger_mutex_);
    return ledger_->head().height;
  }

  std::unique_ptr<MonitorFollower> Follow(AlertStore& store) {
    auto follower = std::make_unique<MonitorFollower>(
        BurstsOnly(), store,
        [this](const std::function<void(const ledger::Ledger&)>& read) {
          std::shared_lock lock(ledger_mutex_);
          read(*ledger_);
        },
        clock_);
    listeners_.push_back(follower->CommitListener());
    return follower;
  }

  std::shared_ptr<storage::MemoryStore> ledger_store_ = std::make_shared<storage::MemoryStore>();
  std::shared_mutex ledger_mutex_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::vector<std::function<void(std::uint64_t)>> listeners_;
  base::ManualClock clock_;
  std::uint64_t nonce_ = 0;
};

TEST_F(MonitorFollowerTest, FollowsCommittedBlocksAndStoresTheirAlerts) {
  auto store = AlertStore::Open(std::make_shared<storage::MemoryStore>()).value();
  auto follower = Follow(*store);
  ASSERT_TRUE(follower->Start().ok());
  const char* const times[] = {"2026-03-03T12:00:00+09:00", "2026-03-03T12:02:00+09:00",
                               "2026-03-03T12:04:00+09:00", "2026-03-03T12:06:00+09:00",
                               "2026-03-03T12:08:00+09:00"};
  for (const char* time : times) Pay(time, 31'000);
  ASSERT_TRUE(Followed(*follower, Head()));
  const MonitorProgress progress = follower->progress();
  EXPECT_EQ(progress.followed_height, 6u);
  EXPECT_EQ(progress.alerts_raised, 1u);
  EXPECT_FALSE(progress.failed);

  const auto raised = store->AtHeight(6).value();
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].alert.check, "bursts");
  EXPECT_EQ(raised[0].alert.account, "kim@moef");
  EXPECT_EQ(raised[0].alert.transactions.size(), 5u);
  EXPECT_EQ(raised[0].alert.height, 6u);
  for (std::uint64_t height = 1; height <= 5; ++height) {
    EXPECT_TRUE(store->AtHeight(height).value().empty()) << height;
  }
}

TEST_F(MonitorFollowerTest, ARestartedFollowerRebuildsItsWindowsAndRaisesWhatOneThatNeverStopped) {
  auto kept = std::make_shared<storage::MemoryStore>();
  auto store = AlertStore::Open(kept).value();
  // A follower that never stops, on a store of its own, for comparison.
  auto witness_store = AlertStore::Open(std::make_shared<storage::MemoryStore>()).value();
  auto witness = Follow(*witness_store);
  ASSERT_TRUE(witness->Start().ok());
  {
    auto first = Follow(*store);
    ASSERT_TRUE(first->Start().ok());
    Pay("2026-03-03T12:00:00+09:00", 31'000);  // outside the burst: more than 10 minutes before
    Pay("2026-03-03T12:20:00+09:00", 32'000);
    Pay("2026-03-03T12:22:00+09:00", 33'000);
    Pay("2026-03-03T12:24:00+09:00", 34'000);
    ASSERT_TRUE(Followed(*first, Head()));
    first->Stop();
  }
  // Committed while the monitor was down.
  Pay("2026-03-03T12:26:00+09:00", 35'000);
  auto restarted = AlertStore::Open(kept).value();
  auto second = Follow(*restarted);
  ASSERT_TRUE(second->Start().ok());
  Pay("2026-03-03T12:28:00+09:00", 36'000);
  ASSERT_TRUE(Followed(*second, Head()));
  ASSERT_TRUE(Followed(*witness, Head()));

  // Three payments before the restart and two after make the burst: the windows were rebuilt.
  const auto raised = restarted->AtHeight(7).value();
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].alert.transactions.size(), 5u);
  const auto witnessed = witness_store->AtHeight(7).value();
  ASSERT_EQ(witnessed.size(), 1u);
  EXPECT_EQ(raised[0].alert.id, witnessed[0].alert.id);
  const AlertPage all = restarted->List(AlertQuery{}).value();
  EXPECT_EQ(all.alerts.size(), 1u);
}

TEST_F(MonitorFollowerTest, AStoreAheadOfTheLedgerResumesOnceTheLedgerIsPastIt) {
  // As when a node's ledger store is emptied to sync again and its alerts are kept.
  auto store = AlertStore::Open(std::make_shared<storage::MemoryStore>()).value();
  ASSERT_TRUE(store->AddBlock(Head() + 2, {}).ok());
  auto follower = Follow(*store);
  ASSERT_TRUE(follower->Start().ok());
  for (const char* time : {"2026-03-03T12:00:00+09:00", "2026-03-03T12:01:00+09:00",
                           "2026-03-03T12:02:00+09:00", "2026-03-03T12:03:00+09:00"}) {
    Pay(time, 31'000);
  }
  ASSERT_TRUE(Followed(*follower, Head()));
  EXPECT_EQ(follower->progress().followed_height, 5u);
  EXPECT_FALSE(follower->progress().failed);
  EXPECT_EQ(store->followed_height(), 5u);
}

}  // namespace
}  // namespace nuri::audit
