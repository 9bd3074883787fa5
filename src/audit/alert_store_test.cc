#include "audit/alert_store.h"

#include <gtest/gtest.h>

#include "storage/memory_store.h"

namespace nuri::audit {
namespace {

Alert MakeAlert(std::string id, std::string check, std::string account, std::uint64_t height) {
  return Alert{.id = std::move(id),
               .severity = check == "cancel_and_rebill" ? Severity::kHigh : Severity::kWarning,
               .check = std::move(check),
               .program = "bpe-moef",
               .account = std::move(account),
               .transactions = {"aa", "bb"},
               .sentence = "a sentence",
               .height = height,
               .time = 1'772'500'000'000 + static_cast<core::TimeMillis>(height)};
}

AlertAction By(AlertActionKind kind, std::string note) {
  return AlertAction{.kind = kind, .by = "auditor@bai", .at = 1'772'600'000'000, .note = note};
}

std::vector<std::string> Ids(const AlertPage& page) {
  std::vector<std::string> ids;
  for (const StoredAlert& stored : page.alerts) ids.push_back(stored.alert.id);
  return ids;
}

class AlertStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<AlertStore> Open() {
    auto store = AlertStore::Open(kv_);
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return *std::move(store);
  }

  std::shared_ptr<storage::MemoryStore> kv_ = std::make_shared<storage::MemoryStore>();
};

TEST_F(AlertStoreTest, ABlocksAlertsAndItsHeightAreStoredTogetherAndReadBack) {
  auto store = Open();
  EXPECT_EQ(store->followed_height(), 0u);
  ASSERT_TRUE(store
                  ->AddBlock(3, {MakeAlert("a1", "bursts", "kim@moef", 3),
                                 MakeAlert("a2", "split_payments", "kim@moef", 3)})
                  .ok());
  ASSERT_TRUE(store->AddBlock(4, {}).ok());
  EXPECT_EQ(store->followed_height(), 4u);

  const StoredAlert found = store->Find("a2").value();
  EXPECT_EQ(found.alert.check, "split_payments");
  EXPECT_EQ(found.alert.transactions, (std::vector<std::string>{"aa", "bb"}));
  EXPECT_EQ(found.alert.time, 1'772'500'000'003);
  EXPECT_EQ(found.sequence, 2u);
  EXPECT_EQ(found.status, AlertStatus::kOpen);
  EXPECT_EQ(store->Find("a3").error().code(), base::StatusCode::kNotFound);

  const auto at_three = store->AtHeight(3).value();
  ASSERT_EQ(at_three.size(), 2u);
  EXPECT_EQ(at_three[0].alert.id, "a1");
  EXPECT_EQ(at_three[1].alert.id, "a2");
  EXPECT_TRUE(store->AtHeight(4).value().empty());

  // A height again, or a lower one, is a bug of the caller: refused, nothing written.
  EXPECT_EQ(store->AddBlock(4, {MakeAlert("a9", "bursts", "kim@moef", 4)}).code(),
            base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->Find("a9").error().code(), base::StatusCode::kNotFound);

  // What was written is there for the next store opened on the same database.
  auto reopened = Open();
  EXPECT_EQ(reopened->followed_height(), 4u);
  ASSERT_TRUE(reopened->AddBlock(5, {MakeAlert("a3", "bursts", "lee@moef", 5)}).ok());
  EXPECT_EQ(reopened->Find("a3").value().sequence, 3u);
}

TEST_F(AlertStoreTest, ResolvingEscalatingAndFreezingFollowTheAlertsStatus) {
  auto store = Open();
  ASSERT_TRUE(store
                  ->AddBlock(1, {MakeAlert("a1", "bursts", "kim@moef", 1),
                                 MakeAlert("a2", "bursts", "lee@moef", 1),
                                 MakeAlert("a3", "bursts", "park@moef", 1)})
                  .ok());

  EXPECT_EQ(store->Act("a1", By(AlertActionKind::kEscalate, "ask the office")).value().status,
            AlertStatus::kEscalated);
  EXPECT_EQ(store->Act("a1", By(AlertActionKind::kEscalate, "again")).error().code(),
            base::StatusCode::kFailedPrecondition);
  auto frozen = store->Act("a1", AlertAction{.kind = AlertActionKind::kFreeze,
                                             .by = "auditor@bai",
                                             .at = 1'772'600'100'000,
                                             .note = "cards kept by the office",
                                             .transaction = "ff00"});
  ASSERT_TRUE(frozen.has_value());
  EXPECT_EQ(frozen->status, AlertStatus::kEscalated);
  const StoredAlert resolved =
      store->Act("a1", By(AlertActionKind::kResolve, "repaid by the official")).value();
  EXPECT_EQ(resolved.status, AlertStatus::kResolved);
  ASSERT_EQ(resolved.actions.size(), 3u);
  EXPECT_EQ(resolved.actions[1].kind, AlertActionKind::kFreeze);
  EXPECT_EQ(resolved.actions[1].transaction, "ff00");
  EXPECT_EQ(resolved.actions[2].note, "repaid by the official");
  // A resolved alert is closed: nothing more is done to it.
  for (const auto kind :
       {AlertActionKind::kResolve, AlertActionKind::kEscalate, AlertActionKind::kFreeze}) {
    EXPECT_EQ(store->Act("a1", By(kind, "late")).error().code(),
              base::StatusCode::kFailedPrecondition);
  }
  // A freeze escalates an open alert; an open alert resolves directly.
  EXPECT_EQ(store->Act("a2", By(AlertActionKind::kFreeze, "frozen")).value().status,
            AlertStatus::kEscalated);
  EXPECT_EQ(store->Act("a3", By(AlertActionKind::kResolve, "a team dinner")).value().status,
            AlertStatus::kResolved);
  EXPECT_EQ(store->Act("zz", By(AlertActionKind::kResolve, "")).error().code(),
            base::StatusCode::kNotFound);

  // Actions are on disk: a store opened again reads them, and the same alert raised again
  // (by a node that follows the blocks once more) keeps its record.
  auto reopened = Open();
  ASSERT_TRUE(reopened->AddBlock(2, {MakeAlert("a1", "bursts", "kim@moef", 1)}).ok());
  const StoredAlert kept = reopened->Find("a1").value();
  EXPECT_EQ(kept.status, AlertStatus::kResolved);
  EXPECT_EQ(kept.actions.size(), 3u);
  EXPECT_EQ(kept.sequence, 1u);
  EXPECT_TRUE(reopened->AtHeight(2).value().empty());
}

TEST_F(AlertStoreTest, ListsNewestFirstByPagesAndFilters) {
  auto store = Open();
  for (std::uint64_t height = 1; height <= 30; ++height) {
    ASSERT_TRUE(
        store
            ->AddBlock(height, {MakeAlert("a" + std::to_string(height),
                                          height % 3 == 0 ? "cancel_and_rebill" : "bursts",
                                          height % 2 == 0 ? "kim@moef" : "lee@moef", height)})
            .ok());
  }
  ASSERT_TRUE(store->Act("a30", By(AlertActionKind::kResolve, "fine")).has_value());

  const AlertPage first = store->List(AlertQuery{.limit = 4}).value();
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"a30", "a29", "a28", "a27"}));
  EXPECT_EQ(first.next_before, 27u);
  const AlertPage second = store->List(AlertQuery{.before = first.next_before, .limit = 4}).value();
  EXPECT_EQ(Ids(second), (std::vector<std::string>{"a26", "a25", "a24", "a23"}));
  const AlertPage last = store->List(AlertQuery{.before = 3, .limit = 4}).value();
  EXPECT_EQ(Ids(last), (std::vector<std::string>{"a2", "a1"}));
  EXPECT_EQ(last.next_before, 0u);

  // Every filter given must match.
  const AlertPage rebills_of_kim = store
                                       ->List(AlertQuery{.status = AlertStatus::kOpen,
                                                         .severity = Severity::kHigh,
                                                         .check = "cancel_and_rebill",
                                                         .account = "kim@moef",
                                                         .limit = 100})
                                       .value();
  EXPECT_EQ(Ids(rebills_of_kim),
            (std::vector<std::string>{"a24", "a18", "a12", "a6"}));  // a30 is resolved
  EXPECT_EQ(rebills_of_kim.next_before, 0u);
  const AlertPage resolved =
      store->List(AlertQuery{.status = AlertStatus::kResolved, .limit = 100}).value();
  EXPECT_EQ(Ids(resolved), (std::vector<std::string>{"a30"}));
  EXPECT_TRUE(
      store->List(AlertQuery{.program = "ev-charger", .limit = 100}).value().alerts.empty());
}

TEST_F(AlertStoreTest, TheApiViewShowsTimesInKoreaAndOnlyAFreezesTransaction) {
  auto store = Open();
  ASSERT_TRUE(store->AddBlock(1, {MakeAlert("a1", "bursts", "kim@moef", 1)}).ok());
  ASSERT_TRUE(store->Act("a1", By(AlertActionKind::kEscalate, "look")).has_value());
  const boost::json::object view = StoredAlertToJson(store->Find("a1").value());
  EXPECT_EQ(view.at("time").as_string(), "2026-03-03T10:06:40.001+09:00");
  EXPECT_EQ(view.at("status").as_string(), "escalated");
  const auto& action = view.at("actions").as_array().at(0).as_object();
  EXPECT_EQ(action.at("kind").as_string(), "escalate");
  EXPECT_EQ(action.at("at").as_string(), "2026-03-04T13:53:20+09:00");
  EXPECT_FALSE(action.contains("transaction"));
}

}  // namespace
}  // namespace nuri::audit
