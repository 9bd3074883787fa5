// The event feed over a real node: events of committed blocks reach their subscribers in chain
// order, filtered, live and read back from the ledger, and a subscriber that resumes after an
// event misses nothing and sees nothing twice.
#include "api/event_hub.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "audit/alert_store.h"
#include "codec/codec.h"
#include "core/transaction.h"
#include "crypto/key_file.h"
#include "node/test_chain.h"
#include "storage/memory_store.h"

namespace nuri::api {
namespace {

constexpr char kChain[] = "nuri-events-test";

class EventHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    const ledger::Genesis genesis = node::TestChainGenesis(kChain);
    clock_.SetMillis(genesis.start_time);
    store_ = std::make_shared<storage::MemoryStore>();
    node_ = std::move(
        node::Node::Open(store_, genesis, {"v1", crypto::DeriveTestKey("v1")}, clock_, {}).value());
    ASSERT_TRUE(node_->StartProducing().ok());
  }
  void TearDown() override {
    hub_.reset();
    node_->Stop();
  }

  std::string SignedMint(const std::string& to, std::int64_t won) {
    core::Transaction tx;
    tx.chain_id = kChain;
    tx.signer = core::AccountId::Parse("issuer@bnk").value();
    tx.nonce = ++nonce_;
    tx.valid_until = clock_.NowMillis() + core::kMillisPerHour;
    tx.body = core::Mint{core::TokenId::Parse("KRW-BNK").value(),
                         core::AccountId::Parse(to).value(), core::Amount::Won(won)};
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey("issuer@bnk"));
    return core::Encode(tx);
  }

  // Waits until the transaction is committed; returns its height.
  std::uint64_t AwaitCommitted(const node::Admission& admission) {
    EXPECT_EQ(admission.code, core::ReasonCode::kOk);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      const node::TxStatus status = node_->GetTransaction(admission.id);
      if (status.state == node::TxState::kCommitted) return status.height;
      EXPECT_LT(std::chrono::steady_clock::now(), deadline) << "not committed";
      if (std::chrono::steady_clock::now() >= deadline) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // Mints `won` to `to` and waits until it is committed; returns its height.
  std::uint64_t Mint(const std::string& to, std::int64_t won) {
    return AwaitCommitted(node_->Submit(SignedMint(to, won)));
  }

  // The event ids in what the stream has been given, waiting until there are `count`.
  static std::vector<std::string> AwaitIds(ResponseStream& stream, std::string& received,
                                           std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::vector<std::string> ids;
    for (;;) {
      received += stream.Take().first;
      ids.clear();
      for (std::size_t at = received.find("id: "); at != std::string::npos;
           at = received.find("id: ", at + 1)) {
        ids.push_back(received.substr(at + 4, received.find('\n', at) - at - 4));
      }
      if (ids.size() >= count || std::chrono::steady_clock::now() >= deadline) return ids;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  base::ManualClock clock_;
  std::shared_ptr<storage::MemoryStore> store_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<audit::AlertStore> alerts_;  // outlives the hub, as a node's does
  std::unique_ptr<EventHub> hub_;
  std::uint64_t nonce_ = 0;
};

audit::Alert BurstAlert(std::uint64_t height) {
  return audit::Alert{.id = "00112233445566" + std::to_string(height % 100),
                      .severity = audit::Severity::kWarning,
                      .check = "bursts",
                      .program = "bpe-test",
                      .account = "kim@moef",
                      .transactions = {std::string(64, 'a')},
                      .sentence = "kim@moef paid 5 times within 10 minutes",
                      .height = height};
}

TEST(EventIdTest, ParsesHeightAndIndexOnly) {
  EXPECT_EQ(ParseEventId("12:3"), (EventPosition{12, 3}));
  EXPECT_EQ(ParseEventId("0:0"), (EventPosition{0, 0}));
  for (const char* bad : {"", "12", "12:", ":3", "12:3:4", "-1:0", "+1:0", "a:b", "12: 3",
                          "99999999999999999999:0", "1:4294967296"}) {
    EXPECT_EQ(ParseEventId(bad), std::nullopt) << bad;
  }
}

TEST_F(EventHubTest, SendsCommittedEventsThenLiveOnesInChainOrder) {
  const std::uint64_t first = Mint("kim@moef", 1000);
  const std::uint64_t second = Mint("kim@moef", 2000);
  hub_ = std::make_unique<EventHub>(*node_);
  auto stream = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(stream, {.account = "kim@moef"}, {0, 0}, nullptr));
  std::string received;
  auto ids = AwaitIds(*stream, received, 2);
  ASSERT_EQ(
      ids, (std::vector<std::string>{std::to_string(first) + ":0", std::to_string(second) + ":0"}));
  EXPECT_NE(received.find("event: transaction\ndata: {"), std::string::npos) << received;
  EXPECT_NE(received.find(R"("type":"mint")"), std::string::npos) << received;
  EXPECT_NE(received.find(R"("status":"ok")"), std::string::npos) << received;
  EXPECT_NE(received.find(R"("accounts":["issuer@bnk","kim@moef"])"), std::string::npos)
      << received;
  const std::uint64_t third = Mint("kim@moef", 3000);
  ids = AwaitIds(*stream, received, 3);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[2], std::to_string(third) + ":0");
  EXPECT_EQ(hub_->subscribers(), 1u);
}

TEST_F(EventHubTest, ResumesAfterTheLastEventSeenAndFilters) {
  const std::uint64_t first = Mint("kim@moef", 1000);
  const std::uint64_t other = Mint("hanok@merchants", 500);
  const std::uint64_t second = Mint("kim@moef", 2000);
  hub_ = std::make_unique<EventHub>(*node_);
  auto resumed = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(resumed, {.account = "kim@moef"}, {first, 1}, nullptr));
  auto merchants = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(merchants, {.organization = "merchants"}, {0, 0}, nullptr));
  auto program = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(program, {.program = "bpe-2026"}, {0, 0}, nullptr));
  auto everything = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(everything, {}, {0, 0}, nullptr));
  std::string received;
  EXPECT_EQ(AwaitIds(*resumed, received, 1),
            (std::vector<std::string>{std::to_string(second) + ":0"}));
  received.clear();
  EXPECT_EQ(AwaitIds(*merchants, received, 1),
            (std::vector<std::string>{std::to_string(other) + ":0"}));
  received.clear();
  EXPECT_EQ(AwaitIds(*everything, received, 3).size(), 3u);
  // By now the hub has passed every block: a program no mint names has had nothing.
  EXPECT_EQ(program->Take().first, "");
}

TEST_F(EventHubTest, EndsAStreamWhoseSubscriberMayNoLongerFollowAndCountsSubscribers) {
  hub_ = std::make_unique<EventHub>(*node_,
                                    EventHubOptions{.subscribers_max = 2, .heartbeat_seconds = 1});
  std::atomic<bool> allowed{true};
  auto watched = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(watched, {}, {0, 0}, [&] { return allowed.load(); }));
  auto other = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(other, {}, {0, 0}, nullptr));
  EXPECT_FALSE(hub_->Subscribe(std::make_shared<ResponseStream>(), {}, {0, 0}, nullptr));
  allowed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (hub_->subscribers() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(watched->closed());
  EXPECT_EQ(watched->Take().second, ResponseStream::State::kEnded);
  EXPECT_FALSE(other->closed());
  EXPECT_NE(other->Take().first.find(": heartbeat\n\n"), std::string::npos);
  EXPECT_EQ(hub_->subscribers(), 1u);
  EXPECT_TRUE(hub_->Subscribe(std::make_shared<ResponseStream>(), {}, {0, 0}, nullptr));
}

TEST_F(EventHubTest, ASubscriberFarBehindCatchesUpAtItsOwnPaceWithoutLosingItsStream) {
  // Blocks of 1,000 events, more than a stream may hold unread: the hub must pause within a
  // block and resume where it paused.
  std::vector<std::string> mints;
  for (int i = 0; i < 3000; ++i) mints.push_back(SignedMint("kim@moef", 1 + i));
  const auto admissions = node_->SubmitBatch(mints);
  AwaitCommitted(admissions.back());
  hub_ = std::make_unique<EventHub>(*node_);
  // Room for little more than a block: a hub that wrote whole blocks past its backlog bound
  // would overflow it.
  auto stream = std::make_shared<ResponseStream>(/*waiting_bytes_max=*/400 * 1024);
  ASSERT_TRUE(hub_->Subscribe(stream, {}, {0, 0}, nullptr));
  // The reader is slow to start: the hub pauses within the first block.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(stream->waiting_bytes(), 300u * 1024);
  std::string received;
  const auto ids = AwaitIds(*stream, received, 3000);
  ASSERT_EQ(ids.size(), 3000u);
  EXPECT_FALSE(stream->closed());
  std::vector<EventPosition> places;
  for (const auto& id : ids) places.push_back(ParseEventId(id).value());
  EXPECT_TRUE(std::is_sorted(places.begin(), places.end()));
  EXPECT_EQ(std::adjacent_find(places.begin(), places.end()), places.end());
}

TEST_F(EventHubTest, AnUnreadableBlockEndsTheStreamInsteadOfStallingIt) {
  const std::uint64_t lost = Mint("kim@moef", 1000);
  ASSERT_TRUE(store_
                  ->Write(
                      [&] {
                        storage::WriteBatch batch;
                        batch.Delete("blk/" + codec::EncodeKeyU64(lost));
                        return batch;
                      }(),
                      true)
                  .ok());
  hub_ = std::make_unique<EventHub>(*node_);
  auto stream = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(stream, {}, {0, 0}, nullptr));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!stream->closed() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(stream->Take().second, ResponseStream::State::kEnded);
}

TEST_F(EventHubTest, AlertsFollowTheirBlocksTransactionsOnceTheMonitorStoredThem) {
  alerts_ = audit::AlertStore::Open(std::make_shared<storage::MemoryStore>()).value();
  const std::uint64_t first = Mint("kim@moef", 1000);
  hub_ = std::make_unique<EventHub>(*node_);
  hub_->FollowAlerts(*alerts_);
  const auto alerts_stored = hub_->AlertsListener();
  auto both = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(both, {.alerts = true}, {0, 0}, nullptr));
  auto transactions = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(transactions, {}, {0, 0}, nullptr));
  auto alerts_only = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(alerts_only,
                              {.account = "kim@moef", .transactions = false, .alerts = true},
                              {0, 0}, nullptr));
  auto elsewhere = std::make_shared<ResponseStream>();
  ASSERT_TRUE(
      hub_->Subscribe(elsewhere, {.account = "hanok@merchants", .alerts = true}, {0, 0}, nullptr));
  // The transactions' stream goes on; the others wait for the monitor.
  std::string plain;
  EXPECT_EQ(AwaitIds(*transactions, plain, 1),
            (std::vector<std::string>{std::to_string(first) + ":0"}));
  EXPECT_EQ(both->Take().first, "");

  ASSERT_TRUE(alerts_->AddBlock(first, {BurstAlert(first)}).ok());
  alerts_stored(first);
  std::string received;
  const std::string alert_id = std::to_string(first) + ":1";  // after the block's one transaction
  EXPECT_EQ(AwaitIds(*both, received, 2),
            (std::vector<std::string>{std::to_string(first) + ":0", alert_id}));
  EXPECT_NE(received.find("id: " + alert_id + "\nevent: alert\ndata: {"), std::string::npos)
      << received;
  EXPECT_NE(received.find(R"("check":"bursts")"), std::string::npos) << received;
  EXPECT_NE(received.find(R"("status":"open")"), std::string::npos) << received;
  std::string only;
  EXPECT_EQ(AwaitIds(*alerts_only, only, 1), (std::vector<std::string>{alert_id}));

  // The next block: no alert, and until the monitor has been there, nothing of it either.
  const std::uint64_t second = Mint("kim@moef", 2000);
  EXPECT_EQ(AwaitIds(*transactions, plain, 2).back(), std::to_string(second) + ":0");
  // `both` was advanced before `transactions` in the same round, and held at the monitor's
  // height: nothing of the new block.
  EXPECT_EQ(both->Take().first, "");
  ASSERT_TRUE(alerts_->AddBlock(second, {}).ok());
  alerts_stored(second);
  EXPECT_EQ(AwaitIds(*both, received, 3).back(), std::to_string(second) + ":0");
  // One resuming after the block's transaction is given its alert, and nothing of it twice.
  auto resumed = std::make_shared<ResponseStream>();
  ASSERT_TRUE(hub_->Subscribe(resumed, {.alerts = true}, {first, 1}, nullptr));
  std::string again;
  EXPECT_EQ(AwaitIds(*resumed, again, 2),
            (std::vector<std::string>{alert_id, std::to_string(second) + ":0"}));
  // By now the hub has passed both blocks for every stream: one following another account has
  // had nothing, and the transactions' stream no alert.
  EXPECT_EQ(elsewhere->Take().first, "");
  EXPECT_EQ(plain.find("event: alert"), std::string::npos) << plain;
}

}  // namespace
}  // namespace nuri::api
