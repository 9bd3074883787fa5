#include "audit/monitor.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "core/time.h"

namespace nuri::audit {
namespace {

core::TimeMillis At(std::string_view time) { return core::ParseTime(time).value(); }

// A policy with every check off but `check`, changed by `parameters`.
AuditPolicy Only(std::string_view check, std::string_view parameters = "true") {
  std::string text = R"({"defaults": {)";
  for (const char* name :
       {"split_payments", "near_threshold", "repeated_merchant", "justified_passes",
        "cancel_and_rebill", "round_and_repeated_amounts", "merchant_concentration", "bursts"}) {
    if (name != check) text += "\"" + std::string(name) + "\": false, ";
  }
  text += "\"" + std::string(check) + "\": " + std::string(parameters) + "}}";
  auto policy = ParseAuditPolicy(core::ParseJsonText(text).value());
  EXPECT_TRUE(policy.has_value());
  return *policy;
}

class MonitorTest : public ::testing::Test {
 protected:
  // Pays at `time`; the checks' alerts for it.
  std::vector<Alert> Pay(ComplianceMonitor& monitor, std::string_view time, std::int64_t won,
                         std::string_view merchant = "hanok-restaurant@merchants",
                         std::string_view holder = "kim-0001@moef") {
    MonitoredPayment payment{.id = "p" + std::to_string(++paid_),
                             .time = At(time),
                             .program = "bpe-moef",
                             .holder = std::string(holder),
                             .office = std::string(holder.substr(holder.find('@') + 1)),
                             .merchant = std::string(merchant),
                             .won = won};
    return monitor.AddPayment(payment, paid_);
  }

  int paid_ = 0;
};

TEST_F(MonitorTest, ABillSplitUnderTheLimitIsFlaggedWhenThePartsReachIt) {
  ComplianceMonitor monitor(Only("split_payments"));
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:00:00+09:00", 300000).empty());
  const auto alerts = Pay(monitor, "2026-03-03T12:05:00+09:00", 250000);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].check, "split_payments");
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
  EXPECT_EQ(alerts[0].transactions, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(alerts[0].account, "kim-0001@moef");
  EXPECT_EQ(alerts[0].sentence,
            "kim-0001@moef paid hanok-restaurant@merchants 2 times within 120 minutes (300,000 "
            "won and 250,000 won), each under 500,000 won, together 550,000 won: one bill split "
            "to stay under the limit?");
  EXPECT_EQ(alerts[0].id.size(), 16u);
  // Once over, a third part raises nothing new.
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:10:00+09:00", 100000).empty());
}

TEST_F(MonitorTest, NearMissesOfASplitStayQuiet) {
  ComplianceMonitor monitor(Only("split_payments"));
  Pay(monitor, "2026-03-03T12:00:00+09:00", 300000);
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:05:00+09:00", 199999).empty());  // 499,999 in all
  EXPECT_TRUE(Pay(monitor, "2026-03-03T14:00:00+09:00", 300000).empty());  // the window passed
  EXPECT_TRUE(Pay(monitor, "2026-03-03T14:01:00+09:00", 250000, "daily-mart@merchants").empty());
  EXPECT_TRUE(Pay(monitor, "2026-03-03T14:02:00+09:00", 600000).empty());  // over the limit
  EXPECT_TRUE(
      Pay(monitor, "2026-03-03T14:03:00+09:00", 250000, "hanok-restaurant@merchants", "lee-2@me")
          .empty());
}

TEST_F(MonitorTest, AnAmountHuggingALimitIsFlagged) {
  ComplianceMonitor monitor(Only("near_threshold"));
  const auto alerts = Pay(monitor, "2026-03-03T12:00:00+09:00", 985000);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].sentence,
            "kim-0001@moef paid 985,000 won at hanok-restaurant@merchants, just under the limit of "
            "1,000,000 won");
  EXPECT_EQ(Pay(monitor, "2026-03-03T12:01:00+09:00", 485000).size(), 1u);  // 3% under 500,000
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:02:00+09:00", 484999).empty());
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:03:00+09:00", 500000).empty());  // at the limit
}

TEST_F(MonitorTest, TheSameMerchantAgainAndAgainIsFlaggedAtTheCount) {
  ComplianceMonitor monitor(Only("repeated_merchant", R"({"count": 3, "window_days": 7})"));
  EXPECT_TRUE(Pay(monitor, "2026-03-02T12:00:00+09:00", 30000).empty());
  EXPECT_TRUE(Pay(monitor, "2026-03-04T12:00:00+09:00", 30000).empty());
  EXPECT_TRUE(Pay(monitor, "2026-03-05T12:00:00+09:00", 30000, "daily-mart@merchants").empty());
  const auto alerts = Pay(monitor, "2026-03-08T12:00:00+09:00", 30000);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].transactions, (std::vector<std::string>{"p1", "p2", "p4"}));
  // A week after the first, two visits in the window: quiet.
  ComplianceMonitor later(Only("repeated_merchant", R"({"count": 3, "window_days": 7})"));
  Pay(later, "2026-03-02T12:00:00+09:00", 30000);
  Pay(later, "2026-03-05T12:00:00+09:00", 30000);
  EXPECT_TRUE(Pay(later, "2026-03-09T12:00:00+09:00", 30000).empty());
}

TEST_F(MonitorTest, AJustifiedPassIsFlaggedForReview) {
  ComplianceMonitor monitor(Only("justified_passes"));
  MonitoredPayment payment{.id = "night",
                           .time = At("2026-03-03T23:30:00+09:00"),
                           .program = "bpe-moef",
                           .holder = "kim-0001@moef",
                           .office = "moef",
                           .merchant = "hanok-restaurant@merchants",
                           .won = 40000,
                           .justified = true,
                           .justified_rules = {"R2"}};
  const auto alerts = monitor.AddPayment(payment, 7);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kInfo);
  EXPECT_EQ(alerts[0].height, 7u);
  EXPECT_NE(alerts[0].sentence.find("allowed by rule R2 only because it was justified"),
            std::string::npos);
  EXPECT_TRUE(Pay(monitor, "2026-03-03T23:40:00+09:00", 40000).empty());  // not justified
}

TEST_F(MonitorTest, ANightBillRefundedAndBilledAgainInTheDayIsFlaggedHigh) {
  ComplianceMonitor monitor(Only("cancel_and_rebill"));
  Pay(monitor, "2026-03-03T23:40:00+09:00", 200000);  // p1, at night
  monitor.AddRefund("p1", 200000, "r1", At("2026-03-04T09:00:00+09:00"));
  EXPECT_TRUE(Pay(monitor, "2026-03-04T09:10:00+09:00", 150000).empty());  // 75%: not the bill
  const auto alerts = Pay(monitor, "2026-03-04T10:00:00+09:00", 190000);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(alerts[0].transactions, (std::vector<std::string>{"p1", "r1", "p3"}));
  EXPECT_TRUE(Pay(monitor, "2026-03-04T10:30:00+09:00", 200000).empty());  // once only
}

TEST_F(MonitorTest, ADayBillRefundedOrARebillTooLateStaysQuiet) {
  ComplianceMonitor monitor(Only("cancel_and_rebill"));
  Pay(monitor, "2026-03-03T20:00:00+09:00", 200000);  // p1, in the evening
  monitor.AddRefund("p1", 200000, "r1", At("2026-03-03T21:00:00+09:00"));
  EXPECT_TRUE(Pay(monitor, "2026-03-04T10:00:00+09:00", 200000).empty());
  Pay(monitor, "2026-03-04T05:59:00+09:00", 200000);  // p3, at night
  monitor.AddRefund("p3", 200000, "r3", At("2026-03-04T06:30:00+09:00"));
  monitor.Forget(At("2026-03-08T10:00:00+09:00"));
  EXPECT_TRUE(Pay(monitor, "2026-03-08T10:00:00+09:00", 200000).empty());  // after 72 hours
  // Another merchant, and a refund of a payment never seen.
  monitor.AddRefund("unknown", 1000, "r9", At("2026-03-08T11:00:00+09:00"));
  Pay(monitor, "2026-03-08T23:30:00+09:00", 200000);  // p5
  monitor.AddRefund("p5", 200000, "r5", At("2026-03-09T08:00:00+09:00"));
  EXPECT_TRUE(Pay(monitor, "2026-03-09T09:00:00+09:00", 200000, "daily-mart@merchants").empty());
}

TEST_F(MonitorTest, ASmallRefundOfANightBillIsACorrectionNotACancellation) {
  ComplianceMonitor monitor(Only("cancel_and_rebill"));
  Pay(monitor, "2026-03-03T23:40:00+09:00", 200000);  // p1
  monitor.AddRefund("p1", 20000, "r1", At("2026-03-04T09:00:00+09:00"));
  EXPECT_TRUE(Pay(monitor, "2026-03-04T10:00:00+09:00", 200000).empty());
}

TEST_F(MonitorTest, RoundAndRepeatedAmountsAreFlaggedAtTheCount) {
  ComplianceMonitor monitor(Only("round_and_repeated_amounts", R"({"count": 3})"));
  EXPECT_TRUE(Pay(monitor, "2026-03-02T12:00:00+09:00", 47000).empty());
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:00:00+09:00", 47000, "daily-mart@merchants").empty());
  auto alerts = Pay(monitor, "2026-03-04T12:00:00+09:00", 47000, "office-plus@merchants");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].sentence.find("the same amount, 47,000 won, 3 times"), std::string::npos);
  EXPECT_TRUE(Pay(monitor, "2026-03-05T12:00:00+09:00", 200000).empty());
  EXPECT_TRUE(Pay(monitor, "2026-03-06T12:00:00+09:00", 350000).empty());  // not round
  EXPECT_TRUE(Pay(monitor, "2026-03-07T12:00:00+09:00", 300000).empty());
  alerts = Pay(monitor, "2026-03-08T12:00:00+09:00", 100000);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].sentence.find("round amounts"), std::string::npos);
}

TEST_F(MonitorTest, AMerchantKeptByOneOfficeIsFlaggedOnceAMonth) {
  ComplianceMonitor monitor(
      Only("merchant_concentration", R"({"payments_min": 5, "share_percent": 80})"));
  const char* holders[] = {"kim-1@moef", "lee-2@moef", "park-3@moef", "choi-4@me", "jung-5@moef"};
  std::vector<Alert> alerts;
  for (int i = 0; i < 5; ++i) {
    alerts = Pay(monitor, "2026-03-0" + std::to_string(i + 2) + "T12:00:00+09:00", 30000,
                 "sejong-cafe@merchants", holders[i]);
  }
  ASSERT_EQ(alerts.size(), 1u);  // 4 of 5 from moef
  EXPECT_EQ(alerts[0].account, "sejong-cafe@merchants");
  EXPECT_EQ(alerts[0].transactions.size(), 5u);
  EXPECT_TRUE(
      Pay(monitor, "2026-03-09T12:00:00+09:00", 30000, "sejong-cafe@merchants", "kim-1@moef")
          .empty());
  // A new month starts over; 3 of 5 from one office stays quiet.
  const char* mixed[] = {"kim-1@moef", "choi-4@me", "lee-2@moef", "yoon-6@mois", "park-3@moef"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(Pay(monitor, "2026-04-0" + std::to_string(i + 1) + "T12:00:00+09:00", 30000,
                    "sejong-cafe@merchants", mixed[i])
                    .empty());
  }
}

TEST_F(MonitorTest, ABurstOfPaymentsIsFlaggedAtTheCount) {
  ComplianceMonitor monitor(Only("bursts", R"({"count": 3, "window_minutes": 10})"));
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:00:00+09:00", 10000).empty());
  EXPECT_TRUE(Pay(monitor, "2026-03-03T12:04:00+09:00", 10000, "daily-mart@merchants").empty());
  EXPECT_EQ(Pay(monitor, "2026-03-03T12:09:00+09:00", 10000, "office-plus@merchants").size(), 1u);
  ComplianceMonitor slower(Only("bursts", R"({"count": 3, "window_minutes": 10})"));
  Pay(slower, "2026-03-03T12:00:00+09:00", 10000);
  Pay(slower, "2026-03-03T12:05:00+09:00", 10000);
  EXPECT_TRUE(Pay(slower, "2026-03-03T12:10:00+09:00", 10000).empty());  // the first is 10 min old
}

TEST_F(MonitorTest, AlertIdsAreTheSameOnEveryNode) {
  ComplianceMonitor a(Only("near_threshold"));
  ComplianceMonitor b(Only("near_threshold"));
  const auto first = Pay(a, "2026-03-03T12:00:00+09:00", 490000);
  paid_ = 0;
  const auto second = Pay(b, "2026-03-03T12:00:00+09:00", 490000);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].id, second[0].id);
}

TEST(AuditPolicyTest, AProgramChangesTheDefaultsForItselfOnly) {
  const auto policy = ParseAuditPolicy(core::ParseJsonText(R"({
    "defaults": {"bursts": {"count": 8}, "justified_passes": false},
    "programs": {"ev-charger": {"split_payments": {"threshold_won": 20000000},
                                "near_threshold": {"thresholds_won": [40000000]}}}})")
                                           .value());
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->For("bpe-moef").bursts.count, 8);
  EXPECT_FALSE(policy->For("bpe-moef").justified_passes.enabled);
  EXPECT_EQ(policy->For("bpe-moef").split_payments.threshold_won, 500000);
  const MonitorPolicy& ev = policy->For("ev-charger");
  EXPECT_EQ(ev.split_payments.threshold_won, 20000000);
  EXPECT_EQ(ev.near_threshold.thresholds_won, std::vector<std::int64_t>{40000000});
  EXPECT_EQ(ev.bursts.count, 8);
}

TEST(AuditPolicyTest, FaultsNameTheirPath) {
  const auto policy = ParseAuditPolicy(core::ParseJsonText(R"({
    "defaults": {"bursts": {"count": 1}, "splitting": true},
    "programs": {"bpe-moef": {"near_threshold": {"thresholds_won": [0], "margin": 2}},
                 "Bad Id": {}},
    "extra": 1})")
                                           .value());
  ASSERT_FALSE(policy.has_value());
  std::vector<std::string> fields;
  for (const auto& fault : policy.error()) fields.push_back(fault.field);
  std::ranges::sort(fields);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"defaults.bursts.count", "defaults.splitting", "extra",
                                      "programs.Bad Id", "programs.bpe-moef.near_threshold.margin",
                                      "programs.bpe-moef.near_threshold.thresholds_won[0]"}));
}

}  // namespace
}  // namespace nuri::audit
