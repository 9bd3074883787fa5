// Tests of src/policy against docs/programs.md: the exact boundaries of every rule kind, the
// order of the checks, the refusal sentences, validation faults with their paths, the plain
// explanations, and a property test that holds the engine to a second, deliberately naive judge
// written straight from the spec's table.
//
// Times are block times in UTC milliseconds; rules speak of Korea Standard Time (UTC+9), so most
// times here are written in KST with Kst("2026-03-03T23:30:00"). Calendar anchors: 2026-03-06 is
// a Friday, 03-07 a Saturday, 03-08 a Sunday, 03-09 a Monday.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/program.h"
#include "core/example_program.h"
#include "core/time.h"
#include "policy/explain.h"
#include "policy/judge.h"
#include "policy/validate.h"

namespace nuri::policy {
namespace {

using core::AccountId;
using core::Amount;
using core::JsonFault;
using core::ProgramDefinition;
using core::ReasonCode;
using core::Role;
using core::Rule;
using core::RuleKind;
using core::TimeMillis;

// ---------------------------------------------------------------------------------------------
// Building programs, rules and payments.

TimeMillis Kst(std::string_view local) {
  return core::ParseTime(std::string(local) + "+09:00").value();
}

AccountId Account(std::string_view text) { return AccountId::Parse(text).value(); }

Amount Money(std::int64_t won) { return Amount::Won(won); }

Rule MakeRule(std::string id, RuleKind kind) {
  Rule rule;
  rule.id = std::move(id);
  rule.kind = kind;
  return rule;
}

Rule Hours(std::string id, std::string_view from, std::string_view to, bool justifiable) {
  Rule rule = MakeRule(std::move(id), RuleKind::kHours);
  rule.from_minute = core::ParseClock(from).value();
  rule.to_minute = core::ParseClock(to).value();
  rule.justifiable = justifiable;
  return rule;
}

Rule BusinessDays(std::string id, bool justifiable) {
  Rule rule = MakeRule(std::move(id), RuleKind::kBusinessDays);
  rule.justifiable = justifiable;
  return rule;
}

// max_per_payment, max_per_day, max_per_month, attendees_required_from, evidence_required_from.
Rule Limit(std::string id, RuleKind kind, std::int64_t won) {
  Rule rule = MakeRule(std::move(id), kind);
  rule.amount = Money(won);
  return rule;
}

Rule Categories(std::string id, RuleKind kind, std::vector<std::string> codes,
                bool justifiable = false) {
  Rule rule = MakeRule(std::move(id), kind);
  rule.categories = std::move(codes);
  rule.justifiable = justifiable;
  return rule;
}

Rule PerAttendee(std::string id, std::int64_t won, std::vector<std::string> codes) {
  Rule rule = Limit(std::move(id), RuleKind::kMaxPerAttendee, won);
  rule.categories = std::move(codes);
  return rule;
}

Rule Approval(std::string id, std::int64_t won, Role role) {
  Rule rule = Limit(std::move(id), RuleKind::kApprovalFrom, won);
  rule.role = role;
  return rule;
}

Rule Merchants(std::string id, std::vector<std::string_view> accounts) {
  Rule rule = MakeRule(std::move(id), RuleKind::kAllowMerchants);
  for (auto account : accounts) rule.merchants.push_back(Account(account));
  return rule;
}

Rule Tranches(std::string id, std::vector<core::Tranche> tranches) {
  Rule rule = MakeRule(std::move(id), RuleKind::kTranches);
  rule.tranches = std::move(tranches);
  return rule;
}

ProgramDefinition ProgramWith(std::vector<Rule> rules) {
  ProgramDefinition program;
  program.id = "bpe-2026-moef";
  program.name = "Business promotion expenses 2026";
  program.token = core::TokenId::Parse("KRW-BNK").value();
  program.owner = Account("treasury@moef");
  program.managers = {Account("budget@moef")};
  program.valid_from = Kst("2026-01-01T00:00:00");
  program.valid_until = Kst("2026-12-31T23:59:59");
  program.rules = std::move(rules);
  return program;
}

// A payment every rule of this file lets through unless a test changes something: 40,000 won
// at noon on Tuesday 2026-03-03 at a registered restaurant (5812), with money to spare.
PaymentFacts Payment() {
  PaymentFacts facts;
  facts.amount = Money(40000);
  facts.time = Kst("2026-03-03T12:00:00");
  facts.merchant = "hanok@merchants";
  facts.merchant_registered = true;
  facts.merchant_category = "5812";
  facts.payer_org = "moef";
  facts.granted = Money(10000000);
  facts.balance = Money(10000000);
  return facts;
}

Verdict JudgeOne(const Rule& rule, const PaymentFacts& facts) {
  return Judge(ProgramWith({rule}), facts);
}

Verdict JudgeAt(const Rule& rule, std::string_view kst, bool justified = false) {
  PaymentFacts facts = Payment();
  facts.time = Kst(kst);
  facts.justified = justified;
  return JudgeOne(rule, facts);
}

Verdict JudgeAmount(const Rule& rule, std::int64_t won) {
  PaymentFacts facts = Payment();
  facts.amount = Money(won);
  return JudgeOne(rule, facts);
}

// Verdicts print as their reason code, rule and sentence, so a failure says what was decided.
std::string Show(const Verdict& verdict) {
  std::string text(core::ReasonName(verdict.code));
  if (!verdict.rule.empty()) text += " by " + verdict.rule;
  if (!verdict.message.empty()) text += ": " + verdict.message;
  return text;
}

#define EXPECT_PASSES(verdict)        \
  do {                                \
    const Verdict v_ = (verdict);     \
    EXPECT_TRUE(v_.ok()) << Show(v_); \
  } while (false)

#define EXPECT_REFUSED(verdict, expected_code, expected_rule) \
  do {                                                        \
    const Verdict v_ = (verdict);                             \
    EXPECT_EQ(v_.code, expected_code) << Show(v_);            \
    EXPECT_EQ(v_.rule, expected_rule) << Show(v_);            \
  } while (false)

// ---------------------------------------------------------------------------------------------
// hours: from <= local time of day < to.

TEST(HoursRule, FromIsIncludedAndToIsExcluded) {
  const Rule hours = Hours("R2", "06:00", "23:00", false);
  EXPECT_REFUSED(JudgeAt(hours, "2026-03-03T05:59:00"), ReasonCode::kOutsideHours, "R2");
  EXPECT_REFUSED(JudgeAt(hours, "2026-03-03T05:59:59.999"), ReasonCode::kOutsideHours, "R2");
  EXPECT_PASSES(JudgeAt(hours, "2026-03-03T06:00:00"));
  EXPECT_PASSES(JudgeAt(hours, "2026-03-03T22:59:00"));
  EXPECT_PASSES(JudgeAt(hours, "2026-03-03T22:59:59.999"));
  EXPECT_REFUSED(JudgeAt(hours, "2026-03-03T23:00:00"), ReasonCode::kOutsideHours, "R2");
}

TEST(HoursRule, ARuleFromMidnightIncludesMidnight) {
  const Rule night = Hours("R2", "00:00", "06:00", false);
  EXPECT_PASSES(JudgeAt(night, "2026-03-04T00:00:00"));
  EXPECT_PASSES(JudgeAt(night, "2026-03-04T05:59:59"));
  EXPECT_REFUSED(JudgeAt(night, "2026-03-04T06:00:00"), ReasonCode::kOutsideHours, "R2");
  EXPECT_REFUSED(JudgeAt(night, "2026-03-03T23:59:59"), ReasonCode::kOutsideHours, "R2");
}

TEST(HoursRule, ARuleToTwentyFourHundredRunsToTheLastMillisecond) {
  const Rule evening = Hours("R2", "22:00", "24:00", false);
  EXPECT_PASSES(JudgeAt(evening, "2026-03-03T23:59:59.999"));
  EXPECT_REFUSED(JudgeAt(evening, "2026-03-04T00:00:00"), ReasonCode::kOutsideHours, "R2");
}

TEST(HoursRule, UsesKoreaTimeNotUtc) {
  const Rule hours = Hours("R2", "06:00", "23:00", false);
  // 14:30Z is 23:30 in Seoul: within the hours in UTC, outside them in Korea.
  PaymentFacts late = Payment();
  late.time = core::ParseTime("2026-03-03T14:30:00Z").value();
  EXPECT_REFUSED(JudgeOne(hours, late), ReasonCode::kOutsideHours, "R2");
  // 22:00Z on the 2nd is 07:00 on the 3rd in Seoul: outside in UTC, within in Korea.
  PaymentFacts early = Payment();
  early.time = core::ParseTime("2026-03-02T22:00:00Z").value();
  EXPECT_PASSES(JudgeOne(hours, early));
}

TEST(HoursRule, AJustifiableRulePassesAJustifiedPaymentAndSaysSo) {
  const Rule hours = Hours("R2", "06:00", "23:00", true);
  EXPECT_REFUSED(JudgeAt(hours, "2026-03-03T23:30:00"), ReasonCode::kOutsideHours, "R2");
  const Verdict justified = JudgeAt(hours, "2026-03-03T23:30:00", /*justified=*/true);
  EXPECT_PASSES(justified);
  EXPECT_EQ(justified.justified, std::vector<std::string>{"R2"});
  // Within the hours the justification changes nothing, so auditors have nothing to review.
  const Verdict in_hours = JudgeAt(hours, "2026-03-03T12:00:00", /*justified=*/true);
  EXPECT_PASSES(in_hours);
  EXPECT_TRUE(in_hours.justified.empty());
}

TEST(HoursRule, ANonJustifiableRuleIgnoresTheJustification) {
  const Rule hours = Hours("R2", "06:00", "23:00", false);
  const Verdict verdict = JudgeAt(hours, "2026-03-03T23:30:00", /*justified=*/true);
  EXPECT_REFUSED(verdict, ReasonCode::kOutsideHours, "R2");
  EXPECT_TRUE(verdict.justified.empty());
}

// ---------------------------------------------------------------------------------------------
// business_days: Monday to Friday, not a holiday, in Korea.

TEST(BusinessDaysRule, TheWeekEndsAtMidnightInKorea) {
  const Rule days = BusinessDays("R3", false);
  EXPECT_PASSES(JudgeAt(days, "2026-03-06T23:59:59.999"));  // Friday
  // Saturday 00:00 in Seoul is still Friday 15:00 in UTC.
  EXPECT_REFUSED(JudgeAt(days, "2026-03-07T00:00:00"), ReasonCode::kNonBusinessDay, "R3");
  EXPECT_REFUSED(JudgeAt(days, "2026-03-08T12:00:00"), ReasonCode::kNonBusinessDay, "R3");
  EXPECT_REFUSED(JudgeAt(days, "2026-03-08T23:59:59.999"), ReasonCode::kNonBusinessDay, "R3");
  // Monday 00:00 in Seoul is still Sunday 15:00 in UTC.
  EXPECT_PASSES(JudgeAt(days, "2026-03-09T00:00:00"));
}

TEST(BusinessDaysRule, AHolidayIsNotABusinessDay) {
  const Rule days = BusinessDays("R3", false);
  PaymentFacts holiday = Payment();
  holiday.time = Kst("2026-05-05T12:00:00");  // Children's Day, a Tuesday
  holiday.is_holiday = true;
  const Verdict verdict = JudgeOne(days, holiday);
  EXPECT_REFUSED(verdict, ReasonCode::kNonBusinessDay, "R3");
  EXPECT_EQ(verdict.message,
            "Payment of 40,000 won refused: 2026-05-05 is a public holiday (rule R3)");
}

TEST(BusinessDaysRule, AJustifiableRulePassesWeekendsAndHolidaysWhenJustified) {
  const Rule days = BusinessDays("R3", true);
  const Verdict saturday = JudgeAt(days, "2026-03-07T10:00:00", /*justified=*/true);
  EXPECT_PASSES(saturday);
  EXPECT_EQ(saturday.justified, std::vector<std::string>{"R3"});
  PaymentFacts holiday = Payment();
  holiday.is_holiday = true;
  holiday.justified = true;
  const Verdict verdict = JudgeOne(days, holiday);
  EXPECT_PASSES(verdict);
  EXPECT_EQ(verdict.justified, std::vector<std::string>{"R3"});
}

TEST(BusinessDaysRule, ANonJustifiableRuleIgnoresTheJustification) {
  const Rule days = BusinessDays("R3", false);
  EXPECT_REFUSED(JudgeAt(days, "2026-03-07T10:00:00", /*justified=*/true),
                 ReasonCode::kNonBusinessDay, "R3");
}

// ---------------------------------------------------------------------------------------------
// Amount limits. The facts carry the holder's spend *before* this payment.

TEST(MaxPerPaymentRule, TheLimitItselfIsAllowed) {
  const Rule limit = Limit("R4", RuleKind::kMaxPerPayment, 3000000);
  EXPECT_PASSES(JudgeAmount(limit, 3000000));
  EXPECT_REFUSED(JudgeAmount(limit, 3000001), ReasonCode::kPaymentLimitExceeded, "R4");
}

TEST(MaxPerDayRule, SpendSoFarPlusThisPaymentMayReachTheLimit) {
  const Rule limit = Limit("D1", RuleKind::kMaxPerDay, 700000);
  PaymentFacts facts = Payment();
  facts.day_spent = Money(600000);
  facts.amount = Money(100000);
  EXPECT_PASSES(JudgeOne(limit, facts));
  facts.amount = Money(100001);
  EXPECT_REFUSED(JudgeOne(limit, facts), ReasonCode::kDailyLimitExceeded, "D1");
  // The month's spend is not the day's.
  facts.day_spent = Money(0);
  facts.month_spent = Money(5000000);
  EXPECT_PASSES(JudgeOne(limit, facts));
}

TEST(MaxPerMonthRule, SpendSoFarPlusThisPaymentMayReachTheLimit) {
  const Rule limit = Limit("M1", RuleKind::kMaxPerMonth, 5000000);
  PaymentFacts facts = Payment();
  facts.month_spent = Money(4960000);
  facts.amount = Money(40000);
  EXPECT_PASSES(JudgeOne(limit, facts));
  facts.amount = Money(40001);
  EXPECT_REFUSED(JudgeOne(limit, facts), ReasonCode::kMonthlyLimitExceeded, "M1");
  facts.month_spent = Money(0);
  facts.day_spent = Money(5000000);
  EXPECT_PASSES(JudgeOne(limit, facts));
}

TEST(MaxPerDayRule, HugeSpendDoesNotOverflowIntoAPass) {
  const Rule limit = Limit("D1", RuleKind::kMaxPerDay, 700000);
  PaymentFacts facts = Payment();
  facts.day_spent = Money(INT64_MAX);
  facts.amount = Money(INT64_MAX);
  EXPECT_REFUSED(JudgeOne(limit, facts), ReasonCode::kDailyLimitExceeded, "D1");
}

TEST(AttendeesRequiredRule, FromTheAmountOnNeedsAttendeesAndEvidence) {
  const Rule rule = Limit("R5", RuleKind::kAttendeesRequiredFrom, 500000);
  PaymentFacts facts = Payment();
  facts.amount = Money(499999);
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(500000);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kAttendeesRequired, "R5");
  facts.attendees = 1;
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kAttendeesRequired, "R5");  // no evidence
  facts.attendees = 0;
  facts.has_evidence = true;
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kAttendeesRequired, "R5");  // no attendees
  facts.attendees = 1;
  EXPECT_PASSES(JudgeOne(rule, facts));
}

TEST(MaxPerAttendeeRule, LimitIsPerPersonAndAtLeastOnePerson) {
  const Rule rule = PerAttendee("R6", 50000, {"5812", "5814"});
  PaymentFacts facts = Payment();
  // No attendees stated counts as one person: the payer.
  facts.amount = Money(50000);
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(50001);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kPerAttendeeLimitExceeded, "R6");
  facts.attendees = 1;
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kPerAttendeeLimitExceeded, "R6");
  facts.attendees = 3;
  facts.amount = Money(150000);
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(150001);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kPerAttendeeLimitExceeded, "R6");
}

TEST(MaxPerAttendeeRule, AppliesOnlyToItsCategoriesWhenItNamesSome) {
  PaymentFacts facts = Payment();
  facts.amount = Money(1000000);
  facts.merchant_category = "5411";  // a grocery, not a restaurant
  EXPECT_PASSES(JudgeOne(PerAttendee("R6", 50000, {"5812", "5814"}), facts));
  EXPECT_REFUSED(JudgeOne(PerAttendee("R6", 50000, {}), facts),
                 ReasonCode::kPerAttendeeLimitExceeded, "R6");
}

TEST(EvidenceRequiredRule, FromTheAmountOnNeedsEvidence) {
  const Rule rule = Limit("E1", RuleKind::kEvidenceRequiredFrom, 200000);
  PaymentFacts facts = Payment();
  facts.amount = Money(199999);
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(200000);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kEvidenceRequired, "E1");
  facts.has_evidence = true;
  EXPECT_PASSES(JudgeOne(rule, facts));
}

TEST(ApprovalRule, FromTheAmountOnNeedsACoSignerWithTheRole) {
  const Rule rule = Approval("R7", 1000000, Role::kApprover);
  PaymentFacts facts = Payment();
  facts.amount = Money(999999);
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(1000000);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kApprovalRequired, "R7");
  facts.approver_roles.Add(Role::kManager);  // a co-signer, but not with the role asked for
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kApprovalRequired, "R7");
  facts.approver_roles.Add(Role::kApprover);
  EXPECT_PASSES(JudgeOne(rule, facts));
}

// ---------------------------------------------------------------------------------------------
// Merchants and their categories.

TEST(AllowCategoriesRule, OnlyListedCategoriesPass) {
  const Rule rule = Categories("C1", RuleKind::kAllowCategories, {"5812", "5814"});
  PaymentFacts facts = Payment();
  facts.merchant_category = "5814";
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.merchant_category = "5813";
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kMerchantCategoryDenied, "C1");
  // allow_categories has no justification.
  facts.justified = true;
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kMerchantCategoryDenied, "C1");
}

TEST(DenyCategoriesRule, ListedCategoriesAreRefusedUnlessJustifiable) {
  PaymentFacts bar = Payment();
  bar.merchant_category = "5813";
  const Rule strict = Categories("R1", RuleKind::kDenyCategories, {"5813", "7273"});
  EXPECT_PASSES(JudgeOne(strict, Payment()));
  EXPECT_REFUSED(JudgeOne(strict, bar), ReasonCode::kMerchantCategoryDenied, "R1");
  bar.justified = true;
  EXPECT_REFUSED(JudgeOne(strict, bar), ReasonCode::kMerchantCategoryDenied, "R1");
  const Rule lenient = Categories("R1", RuleKind::kDenyCategories, {"5813", "7273"}, true);
  const Verdict verdict = JudgeOne(lenient, bar);
  EXPECT_PASSES(verdict);
  EXPECT_EQ(verdict.justified, std::vector<std::string>{"R1"});
}

TEST(AllowMerchantsRule, OnlyListedMerchantsPass) {
  const Rule rule = Merchants("S1", {"hanok@merchants", "cafe@merchants"});
  EXPECT_PASSES(JudgeOne(rule, Payment()));
  PaymentFacts elsewhere = Payment();
  elsewhere.merchant = "bakery@merchants";
  EXPECT_REFUSED(JudgeOne(rule, elsewhere), ReasonCode::kMerchantNotAllowed, "S1");
}

// ---------------------------------------------------------------------------------------------
// tranches: paid so far + this payment <= granted x percent unlocked.

TEST(TranchesRule, HalfIsUnlockedUntilTheMilestoneIsAttested) {
  const Rule rule = Tranches("T1", {{50, ""}, {50, "inspection"}});
  PaymentFacts facts = Payment();
  facts.granted = Money(1000000);
  facts.paid = Money(400000);
  facts.amount = Money(100000);  // 500,000 paid after it: exactly half
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(100001);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kTrancheLocked, "T1");
  facts.unlocked_milestones = {"inspection"};
  facts.amount = Money(600000);  // the whole grant
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(600001);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kTrancheLocked, "T1");
}

TEST(TranchesRule, AnOddGrantDoesNotRoundTheUnlockedShareUp) {
  // Half of 1,000,001 is 500,000.5: 500,000 may be paid, 500,001 may not.
  const Rule rule = Tranches("T1", {{50, ""}, {50, "inspection"}});
  PaymentFacts facts = Payment();
  facts.granted = Money(1000001);
  facts.amount = Money(500000);
  EXPECT_PASSES(JudgeOne(rule, facts));
  facts.amount = Money(500001);
  EXPECT_REFUSED(JudgeOne(rule, facts), ReasonCode::kTrancheLocked, "T1");
}

TEST(TranchesRule, AnotherMilestoneUnlocksNothing) {
  const Rule rule = Tranches("T1", {{50, ""}, {50, "inspection"}});
  PaymentFacts facts = Payment();
  facts.granted = Money(1000000);
  facts.amount = Money(500001);
  facts.unlocked_milestones = {"foundation"};
  const Verdict verdict = JudgeOne(rule, facts);
  EXPECT_REFUSED(verdict, ReasonCode::kTrancheLocked, "T1");
  EXPECT_EQ(verdict.message,
            "Payment of 500,001 won refused: 500,000 won of the 1,000,000 won granted is unlocked "
            "(milestone 'inspection' is not attested) and 0 won is already paid (rule T1)");
}

// ---------------------------------------------------------------------------------------------
// The order of the checks: merchant, program period, rules in their order, balance.

TEST(JudgeOrder, AnUnregisteredOrFrozenMerchantComesFirst) {
  const ProgramDefinition program = ProgramWith({Limit("R4", RuleKind::kMaxPerPayment, 1)});
  PaymentFacts facts = Payment();
  facts.time = program.valid_until + 1;  // the program is over too
  facts.balance = Money(0);
  facts.merchant_registered = false;
  EXPECT_REFUSED(Judge(program, facts), ReasonCode::kNotAMerchant, "");
  facts.merchant_registered = true;
  facts.merchant_frozen = true;
  EXPECT_REFUSED(Judge(program, facts), ReasonCode::kNotAMerchant, "");
}

TEST(JudgeOrder, TheProgramPeriodComesBeforeTheRules) {
  const ProgramDefinition program = ProgramWith({Limit("R4", RuleKind::kMaxPerPayment, 1)});
  PaymentFacts facts = Payment();
  facts.amount = Money(1);  // the rule passes, so only the period decides below
  facts.time = program.valid_from - 1;
  EXPECT_REFUSED(Judge(program, facts), ReasonCode::kProgramNotActive, "");
  facts.time = program.valid_from;
  EXPECT_PASSES(Judge(program, facts));
  facts.time = program.valid_until;
  EXPECT_PASSES(Judge(program, facts));
  facts.time = program.valid_until + 1;
  EXPECT_REFUSED(Judge(program, facts), ReasonCode::kProgramNotActive, "");
  facts.amount = Money(2);  // and a failing rule does not overtake it
  EXPECT_REFUSED(Judge(program, facts), ReasonCode::kProgramNotActive, "");
}

TEST(JudgeOrder, AClosedProgramIsNotActive) {
  PaymentFacts facts = Payment();
  facts.program_closed = true;
  EXPECT_REFUSED(Judge(ProgramWith({}), facts), ReasonCode::kProgramNotActive, "");
}

TEST(JudgeOrder, TheFirstFailingRuleInListedOrderIsTheReason) {
  const Rule hours = Hours("R2", "06:00", "23:00", false);
  const Rule limit = Limit("R4", RuleKind::kMaxPerPayment, 3000000);
  PaymentFacts facts = Payment();
  facts.time = Kst("2026-03-03T23:30:00");
  facts.amount = Money(5000000);
  EXPECT_REFUSED(Judge(ProgramWith({hours, limit}), facts), ReasonCode::kOutsideHours, "R2");
  EXPECT_REFUSED(Judge(ProgramWith({limit, hours}), facts), ReasonCode::kPaymentLimitExceeded,
                 "R4");
}

TEST(JudgeOrder, AFailingRuleWinsOverAnInsufficientBalance) {
  const Rule limit = Limit("R4", RuleKind::kMaxPerPayment, 3000000);
  PaymentFacts facts = Payment();
  facts.amount = Money(5000000);
  facts.balance = Money(0);
  EXPECT_REFUSED(Judge(ProgramWith({limit}), facts), ReasonCode::kPaymentLimitExceeded, "R4");
}

TEST(JudgeOrder, TheBalanceIsCheckedLastAndMayBeSpentExactly) {
  const ProgramDefinition program = ProgramWith({Limit("R4", RuleKind::kMaxPerPayment, 3000000)});
  PaymentFacts facts = Payment();
  facts.balance = Money(40000);
  EXPECT_PASSES(Judge(program, facts));
  facts.balance = Money(39999);
  const Verdict verdict = Judge(program, facts);
  EXPECT_REFUSED(verdict, ReasonCode::kInsufficientFunds, "");
  EXPECT_EQ(verdict.message, "Payment of 40,000 won refused: the program balance is 39,999 won");
}

TEST(JudgeOrder, AllJustifiedRulesAreListedInTheirOrder) {
  const ProgramDefinition program =
      ProgramWith({Categories("R1", RuleKind::kDenyCategories, {"5813"}, true),
                   Hours("R2", "06:00", "23:00", true), BusinessDays("R3", true)});
  PaymentFacts facts = Payment();
  facts.time = Kst("2026-03-07T23:30:00");  // a Saturday night
  facts.merchant_category = "5813";
  facts.justified = true;
  const Verdict verdict = Judge(program, facts);
  EXPECT_PASSES(verdict);
  EXPECT_EQ(verdict.justified, (std::vector<std::string>{"R1", "R2", "R3"}));
}

TEST(JudgeOrder, NoRulesMeansAnyRegisteredMerchantMayBePaid) {
  EXPECT_PASSES(Judge(ProgramWith({}), Payment()));
}

// ---------------------------------------------------------------------------------------------
// Refusal sentences.

TEST(RefusalMessage, NamesTheAmountTheReasonAndTheRule) {
  const Verdict verdict = JudgeAt(Hours("R2", "06:00", "23:00", true), "2026-03-03T23:30:00");
  EXPECT_EQ(verdict.message,
            "Payment of 40,000 won refused: 23:30 is outside the permitted hours 06:00-23:00 "
            "(rule R2)");
}

TEST(RefusalMessage, SaysWhichDayIsNotABusinessDay) {
  EXPECT_EQ(JudgeAt(BusinessDays("R3", false), "2026-03-07T00:00:00").message,
            "Payment of 40,000 won refused: Saturday 2026-03-07 is not a business day (rule R3)");
}

TEST(RefusalMessage, StatesTheLimitThatWasExceeded) {
  EXPECT_EQ(JudgeAmount(Limit("R4", RuleKind::kMaxPerPayment, 3000000), 3000001).message,
            "Payment of 3,000,001 won refused: it exceeds the limit of 3,000,000 won per payment "
            "(rule R4)");
  PaymentFacts facts = Payment();
  facts.amount = Money(150001);
  facts.attendees = 3;
  EXPECT_EQ(JudgeOne(PerAttendee("R6", 50000, {"5812"}), facts).message,
            "Payment of 150,001 won refused: 150,001 won for 3 people exceeds 50,000 won per "
            "person (rule R6)");
}

TEST(RefusalMessage, RefusalsBeforeTheRulesNameNoRule) {
  PaymentFacts facts = Payment();
  facts.merchant_registered = false;
  EXPECT_EQ(Judge(ProgramWith({}), facts).message,
            "Payment of 40,000 won refused: hanok@merchants is not a registered merchant");
}

TEST(RefusalMessage, AnAcceptedPaymentHasNone) {
  EXPECT_EQ(Judge(ProgramWith({}), Payment()).message, "");
}

// ---------------------------------------------------------------------------------------------
// Validation of definitions.

// What validation can see of a small ledger: a token, a treasury, a manager, two merchants and
// an official who is no merchant.
class FakeDirectory final : public Directory {
 public:
  FakeDirectory() {
    tokens_.insert("KRW-BNK");
    Add("treasury@moef", Role::kTreasury);
    Add("budget@moef", Role::kManager);
    Add("kim@moef", Role::kHolder);
    Add("hanok@merchants", Role::kMerchant);
    Add("cafe@merchants", Role::kMerchant);
    programs_.insert("existing-program");
  }

  bool HasToken(std::string_view token) const override { return tokens_.contains(token); }
  std::optional<core::RoleSet> AccountRoles(std::string_view account) const override {
    const auto found = accounts_.find(account);
    if (found == accounts_.end()) return std::nullopt;
    return found->second;
  }
  bool HasProgram(std::string_view program) const override { return programs_.contains(program); }

 private:
  void Add(std::string account, Role role) { accounts_[std::move(account)].Add(role); }

  std::set<std::string, std::less<>> tokens_;
  std::map<std::string, core::RoleSet, std::less<>> accounts_;
  std::set<std::string, std::less<>> programs_;
};

// The definition of docs/programs.md.
boost::json::object SpecDefinitionJson() { return core::SpecExampleProgram(); }

ProgramDefinition SpecProgram() { return core::ProgramFromJson(SpecDefinitionJson(), "").value(); }

// "field: message" of each fault, in order.
std::vector<std::string> Texts(const std::vector<JsonFault>& faults) {
  std::vector<std::string> texts;
  for (const auto& fault : faults) texts.push_back(fault.ToString());
  return texts;
}

std::vector<std::string> Fields(const std::vector<JsonFault>& faults) {
  std::vector<std::string> fields;
  for (const auto& fault : faults) fields.push_back(fault.field);
  return fields;
}

TEST(Validate, TheSpecExampleIsSound) {
  const FakeDirectory directory;
  const ProgramDefinition program = SpecProgram();
  EXPECT_EQ(Texts(ValidateDefinition(program)), std::vector<std::string>{});
  EXPECT_EQ(Texts(ValidateReferences(program, directory)), std::vector<std::string>{});
  const CheckedDefinition checked = CheckDefinition(SpecDefinitionJson(), &directory);
  EXPECT_EQ(Texts(checked.faults), std::vector<std::string>{});
  ASSERT_TRUE(checked.program.has_value());
  EXPECT_EQ(*checked.program, program);
}

TEST(Validate, DuplicateRuleIdIsNamedAtTheSecondOccurrence) {
  ProgramDefinition program = SpecProgram();
  program.rules[4].id = "R2";
  const auto faults = ValidateDefinition(program);
  EXPECT_EQ(Texts(faults),
            std::vector<std::string>{"rules[4].id: duplicate rule id 'R2' (also rules[1])"});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].code, ReasonCode::kInvalidArgument);
}

TEST(Validate, HoursMustStartBeforeTheyEnd) {
  ProgramDefinition program = SpecProgram();
  program.rules[1] = Hours("R2", "23:00", "06:00", false);
  EXPECT_EQ(Texts(ValidateDefinition(program)),
            std::vector<std::string>{"rules[1].from: 23:00 is not before to 06:00"});
  program.rules[1] = Hours("R2", "06:00", "06:00", false);  // an empty window
  EXPECT_EQ(Fields(ValidateDefinition(program)), std::vector<std::string>{"rules[1].from"});
  program.rules[1] = Hours("R2", "24:00", "24:00", false);
  EXPECT_EQ(Fields(ValidateDefinition(program)), std::vector<std::string>{"rules[1].from"});
  program.rules[1] = Hours("R2", "00:00", "24:00", false);  // all day is fine
  EXPECT_TRUE(ValidateDefinition(program).empty());
}

TEST(Validate, AmountsMustBePositive) {
  for (std::int64_t won : {0, -1, -3000000}) {
    ProgramDefinition program = SpecProgram();
    program.rules[3].amount = Money(won);
    const auto faults = ValidateDefinition(program);
    EXPECT_EQ(Texts(faults),
              std::vector<std::string>{"rules[3].amount: expected a positive integer"})
        << won;
    ASSERT_EQ(faults.size(), 1u);
    EXPECT_EQ(faults[0].code, ReasonCode::kInvalidAmount);
  }
}

TEST(Validate, EveryAmountRuleChecksItsAmount) {
  std::vector<Rule> rules;
  for (RuleKind kind : {RuleKind::kMaxPerPayment, RuleKind::kMaxPerDay, RuleKind::kMaxPerMonth,
                        RuleKind::kAttendeesRequiredFrom, RuleKind::kMaxPerAttendee,
                        RuleKind::kEvidenceRequiredFrom, RuleKind::kApprovalFrom}) {
    rules.push_back(Limit("A" + std::to_string(rules.size()), kind, 0));
  }
  EXPECT_EQ(Fields(ValidateRules(rules, "rules")),
            (std::vector<std::string>{"rules[0].amount", "rules[1].amount", "rules[2].amount",
                                      "rules[3].amount", "rules[4].amount", "rules[5].amount",
                                      "rules[6].amount"}));
}

TEST(Validate, TranchesMustAddUpToOneHundredPercent) {
  ProgramDefinition program = ProgramWith({Tranches("T1", {{50, ""}, {40, "inspection"}})});
  EXPECT_EQ(Texts(ValidateDefinition(program)),
            std::vector<std::string>{"rules[0].tranches: the tranches add up to 90 %, not 100 %"});
  program.rules[0] = Tranches("T1", {{60, ""}, {50, "inspection"}});
  EXPECT_EQ(Fields(ValidateDefinition(program)), std::vector<std::string>{"rules[0].tranches"});
  program.rules[0] = Tranches("T1", {{50, ""}, {50, "inspection"}});
  EXPECT_TRUE(ValidateDefinition(program).empty());
}

TEST(Validate, AMilestoneUnlocksOneTrancheAndAProgramHasOneTranchesRule) {
  std::vector<Rule> rules = {Tranches("T1", {{40, ""}, {30, "roof"}, {30, "roof"}})};
  EXPECT_EQ(Texts(ValidateRules(rules, "rules")),
            std::vector<std::string>{
                "rules[0].tranches[2].milestone: milestone 'roof' appears in two tranches"});
  rules = {Tranches("T1", {{100, ""}}), Tranches("T2", {{100, ""}})};
  EXPECT_EQ(Texts(ValidateRules(rules, "rules")),
            std::vector<std::string>{"rules[1]: a program has at most one tranches rule"});
}

TEST(Validate, ListsMayNotBeEmptyOrRepeatThemselves) {
  const std::vector<Rule> rules = {
      Categories("C1", RuleKind::kAllowCategories, {}),
      Categories("C2", RuleKind::kDenyCategories, {"5813", "7995", "5813"}),
      Merchants("S1", {}),
      Merchants("S2", {"hanok@merchants", "hanok@merchants"}),
  };
  const std::vector<std::string> texts = Texts(ValidateRules(rules, "rules"));
  // An empty allow list is also reported as letting no payment pass; that second fault at
  // rules[0].mcc is not pinned here.
  for (const std::string expected : {
           "rules[0].mcc: expected at least one category",
           "rules[1].mcc[2]: category 5813 is listed twice",
           "rules[2].merchants: expected at least one merchant",
           "rules[3].merchants[1]: hanok@merchants is listed twice",
       }) {
    EXPECT_NE(std::find(texts.begin(), texts.end(), expected), texts.end())
        << expected << " not in " << testing::PrintToString(texts);
  }
}

TEST(Validate, AnAmendmentIsNamedFromItsOwnPath) {
  // amend_program carries a bare rule list, inside a transaction body.
  const std::vector<Rule> rules = {Limit("R1", RuleKind::kMaxPerDay, 0)};
  EXPECT_EQ(Fields(ValidateRules(rules, "tx.rules")),
            std::vector<std::string>{"tx.rules[0].amount"});
}

TEST(Validate, ValidUntilMustBeAfterValidFrom) {
  ProgramDefinition program = SpecProgram();
  program.valid_until = program.valid_from;
  EXPECT_EQ(Texts(ValidateDefinition(program)),
            std::vector<std::string>{"valid_until: must be after valid_from"});
  program.valid_until = program.valid_from - 1;
  EXPECT_EQ(Fields(ValidateDefinition(program)), std::vector<std::string>{"valid_until"});
}

TEST(Validate, AllowedCategoriesEntirelyDeniedMakeEveryPaymentImpossible) {
  ProgramDefinition program = SpecProgram();  // R1 denies 5813, 7273, ... and is not justifiable
  program.rules.push_back(Categories("R8", RuleKind::kAllowCategories, {"5813", "7273"}));
  EXPECT_EQ(Texts(ValidateDefinition(program)),
            std::vector<std::string>{
                "rules[7].mcc: no category is both allowed and not denied: no payment could pass"});
  // A justified payment can still pass a justifiable deny rule.
  program.rules[0].justifiable = true;
  EXPECT_TRUE(ValidateDefinition(program).empty());
  // One category left over is enough.
  program.rules[0].justifiable = false;
  program.rules[7].categories.push_back("5812");
  EXPECT_TRUE(ValidateDefinition(program).empty());
}

TEST(Validate, UnknownMerchantIsNamedByItsPlaceInTheList) {
  const FakeDirectory directory;
  ProgramDefinition program = SpecProgram();
  program.rules.push_back(Merchants("R8", {"hanok@merchants", "ghost@merchants"}));
  const auto faults = ValidateReferences(program, directory);
  EXPECT_EQ(Texts(faults), std::vector<std::string>{
                               "rules[7].merchants[1]: account ghost@merchants does not exist"});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].code, ReasonCode::kUnknownAccount);
}

TEST(Validate, AMerchantMustHoldTheMerchantRole) {
  const FakeDirectory directory;
  const std::vector<Rule> rules = {BusinessDays("R1", false),
                                   Merchants("R2", {"kim@moef", "cafe@merchants"})};
  const auto faults = ValidateRuleReferences(rules, "rules", directory);
  EXPECT_EQ(Texts(faults),
            std::vector<std::string>{"rules[1].merchants[0]: kim@moef is not a registered "
                                     "merchant (it lacks the merchant role)"});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].code, ReasonCode::kInvalidArgument);
}

TEST(Validate, UnknownTokenIsRefused) {
  const FakeDirectory directory;
  ProgramDefinition program = SpecProgram();
  program.token = core::TokenId::Parse("KRW-XYZ").value();
  const auto faults = ValidateReferences(program, directory);
  EXPECT_EQ(Texts(faults), std::vector<std::string>{"token: token KRW-XYZ is not defined"});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].code, ReasonCode::kUnknownToken);
}

TEST(Validate, TheOwnerMustBeATreasury) {
  const FakeDirectory directory;
  ProgramDefinition program = SpecProgram();
  program.owner = Account("budget@moef");
  const auto faults = ValidateReferences(program, directory);
  EXPECT_EQ(Texts(faults), std::vector<std::string>{"owner: budget@moef is not a treasury "
                                                    "account (it lacks the treasury role)"});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].code, ReasonCode::kInvalidArgument);
  program.owner = Account("nobody@moef");
  EXPECT_EQ(ValidateReferences(program, directory).at(0).code, ReasonCode::kUnknownAccount);
}

TEST(Validate, ManagersMustBeManagers) {
  const FakeDirectory directory;
  ProgramDefinition program = SpecProgram();
  program.managers = {Account("budget@moef"), Account("kim@moef")};
  EXPECT_EQ(Fields(ValidateReferences(program, directory)),
            std::vector<std::string>{"managers[1]"});
}

TEST(Validate, AnExistingProgramIdIsTaken) {
  const FakeDirectory directory;
  ProgramDefinition program = SpecProgram();
  program.id = "existing-program";
  const auto faults = ValidateReferences(program, directory);
  ASSERT_EQ(Fields(faults), std::vector<std::string>{"id"});
  EXPECT_EQ(faults[0].code, ReasonCode::kAlreadyExists);
}

TEST(CheckDefinition, UnknownRuleKindIsNamedAtItsRuleField) {
  boost::json::object definition = SpecDefinitionJson();
  definition["rules"].as_array()[2].as_object()["rule"] = "weekdays";
  const CheckedDefinition checked = CheckDefinition(definition, nullptr);
  EXPECT_FALSE(checked.program.has_value());
  EXPECT_EQ(Texts(checked.faults),
            std::vector<std::string>{"rules[2].rule: unknown rule 'weekdays'"});
}

TEST(CheckDefinition, BadTimeOfDayIsNamedAtItsField) {
  boost::json::object definition = SpecDefinitionJson();
  definition["rules"].as_array()[1].as_object()["to"] = "25:00";
  const CheckedDefinition checked = CheckDefinition(definition, nullptr);
  EXPECT_FALSE(checked.program.has_value());
  EXPECT_EQ(Texts(checked.faults),
            std::vector<std::string>{
                "rules[1].to: expected a time of day HH:MM (00:00 to 24:00), not '25:00'"});
}

TEST(CheckDefinition, ReportsSenseAndReferenceFaultsTogether) {
  const FakeDirectory directory;
  boost::json::object definition = SpecDefinitionJson();
  definition["token"] = "KRW-XYZ";
  definition["rules"].as_array()[3].as_object()["amount"] = -5;
  definition["rules"].as_array().push_back(
      boost::json::parse(R"({"id": "R8", "rule": "allow_merchants", "merchants": ["ghost@x"]})"));
  const CheckedDefinition checked = CheckDefinition(definition, &directory);
  ASSERT_TRUE(checked.program.has_value());  // readable, but not sound
  EXPECT_EQ(Fields(checked.faults),
            (std::vector<std::string>{"rules[3].amount", "token", "rules[7].merchants[0]"}));
}

TEST(CheckDefinition, WithoutADirectoryOnlyTheDefinitionItselfIsJudged) {
  boost::json::object definition = SpecDefinitionJson();
  definition["token"] = "KRW-XYZ";
  const CheckedDefinition checked = CheckDefinition(definition, nullptr);
  EXPECT_TRUE(checked.faults.empty()) << testing::PrintToString(Texts(checked.faults));
}

// ---------------------------------------------------------------------------------------------
// Explanations.

TEST(Explain, DescribesARuleInASentenceNamingIt) {
  EXPECT_EQ(DescribeRule(Hours("R2", "06:00", "23:00", true)),
            "Payments are permitted only from 06:00 to 23:00 Korea time, unless the payment is "
            "justified in writing (rule R2).");
  EXPECT_EQ(DescribeRule(Limit("R4", RuleKind::kMaxPerPayment, 3000000)),
            "A single payment may not exceed 3,000,000 won (rule R4).");
  EXPECT_EQ(DescribeRule(PerAttendee("R6", 50000, {"5812", "5814"})),
            "A payment may not exceed 50,000 won per attendee at merchants of category 5812 and "
            "5814 (rule R6).");
  EXPECT_EQ(DescribeRule(Tranches("T1", {{50, ""}, {50, "inspection"}})),
            "A holder may spend its grant in tranches: 50 % from the start and 50 % once an "
            "inspector attests 'inspection' (rule T1).");
}

TEST(Explain, WonIsGroupedByThousands) {
  EXPECT_EQ(Won(Amount::Won(1250000)), "1,250,000 won");
  EXPECT_EQ(Won(Amount::Won(0)), "0 won");
}

TEST(Explain, AProgramHasOneLinePerRuleInOrder) {
  ProgramDefinition program = SpecProgram();
  program.rules.push_back(Merchants("R8", {"hanok@merchants"}));
  program.rules.push_back(Limit("R9", RuleKind::kMaxPerDay, 700000));
  program.rules.push_back(Limit("R10", RuleKind::kMaxPerMonth, 5000000));
  program.rules.push_back(Limit("R11", RuleKind::kEvidenceRequiredFrom, 200000));
  program.rules.push_back(Categories("R12", RuleKind::kAllowCategories, {"5812"}));
  program.rules.push_back(Tranches("R13", {{100, ""}}));
  const std::vector<std::string> lines = ExplainProgram(program);
  std::size_t next_line = 0;
  for (const Rule& rule : program.rules) {
    const std::string tag = "(rule " + rule.id + ").";
    const auto line = std::find_if(lines.begin() + next_line, lines.end(),
                                   [&](const auto& text) { return text.ends_with(tag); });
    ASSERT_NE(line, lines.end()) << rule.id << " is missing or out of order";
    EXPECT_EQ(*line, DescribeRule(rule));
    next_line = static_cast<std::size_t>(line - lines.begin()) + 1;
  }
  EXPECT_EQ(lines.front(),
            "Business promotion expenses 2026, Ministry of Economy and Finance (bpe-2026-moef)");
  EXPECT_NE(lines[1].find("203-01"), std::string::npos) << lines[1];
}

TEST(Explain, AProgramWithoutRulesSaysSo) {
  const std::vector<std::string> lines = ExplainProgram(ProgramWith({}));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "No rules: any registered merchant may be paid."),
            lines.end());
}

// ---------------------------------------------------------------------------------------------
// The engine against a reference judge written from the spec's table alone.
//
// The reference is deliberately plain: its own clock arithmetic (days since the epoch, which
// began on a Thursday), the table's "passes when" column as one expression per rule kind, and
// the table's "refuses with" column as data. Whenever the two disagree one of them misreads the
// spec.

namespace reference {

constexpr std::int64_t kMillisPerMinute = 60 * 1000;
constexpr std::int64_t kMillisPerDay = 24 * 60 * kMillisPerMinute;
constexpr std::int64_t kKoreaOffset = 9 * 60 * kMillisPerMinute;

struct SeoulClock {
  int minute_of_day = 0;
  int weekday = 0;  // 0 = Sunday
};

// Block times of the generator are after the epoch, so plain division floors.
SeoulClock InSeoul(TimeMillis utc) {
  const std::int64_t local = utc + kKoreaOffset;
  const std::int64_t day = local / kMillisPerDay;
  SeoulClock clock;
  clock.minute_of_day = static_cast<int>((local - day * kMillisPerDay) / kMillisPerMinute);
  clock.weekday = static_cast<int>((day + 4) % 7);  // day 0, 1970-01-01, was a Thursday
  return clock;
}

// The "refuses with" column.
ReasonCode RefusalOf(RuleKind kind) {
  static const std::map<RuleKind, ReasonCode> table = {
      {RuleKind::kAllowCategories, ReasonCode::kMerchantCategoryDenied},
      {RuleKind::kDenyCategories, ReasonCode::kMerchantCategoryDenied},
      {RuleKind::kAllowMerchants, ReasonCode::kMerchantNotAllowed},
      {RuleKind::kHours, ReasonCode::kOutsideHours},
      {RuleKind::kBusinessDays, ReasonCode::kNonBusinessDay},
      {RuleKind::kMaxPerPayment, ReasonCode::kPaymentLimitExceeded},
      {RuleKind::kMaxPerDay, ReasonCode::kDailyLimitExceeded},
      {RuleKind::kMaxPerMonth, ReasonCode::kMonthlyLimitExceeded},
      {RuleKind::kAttendeesRequiredFrom, ReasonCode::kAttendeesRequired},
      {RuleKind::kMaxPerAttendee, ReasonCode::kPerAttendeeLimitExceeded},
      {RuleKind::kEvidenceRequiredFrom, ReasonCode::kEvidenceRequired},
      {RuleKind::kApprovalFrom, ReasonCode::kApprovalRequired},
      {RuleKind::kTranches, ReasonCode::kTrancheLocked},
  };
  return table.at(kind);
}

// The kinds whose parameters include `justifiable`.
bool TakesJustification(RuleKind kind) {
  return kind == RuleKind::kDenyCategories || kind == RuleKind::kHours ||
         kind == RuleKind::kBusinessDays;
}

bool Among(const std::vector<std::string>& list, std::string_view item) {
  for (const auto& entry : list) {
    if (entry == item) return true;
  }
  return false;
}

// The "passes when" column, before justification. Generated amounts stay below a billion won,
// so plain int64 arithmetic cannot overflow here (the engine's care at the extremes has its own
// test: MaxPerDayRule.HugeSpendDoesNotOverflowIntoAPass).
bool Passes(const Rule& rule, const PaymentFacts& f) {
  const std::int64_t payment = f.amount.won();
  const std::int64_t limit = rule.amount.won();
  const SeoulClock clock = InSeoul(f.time);
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
      return Among(rule.categories, f.merchant_category);
    case RuleKind::kDenyCategories:
      return !Among(rule.categories, f.merchant_category);
    case RuleKind::kAllowMerchants: {
      std::vector<std::string> names;
      for (const auto& merchant : rule.merchants) names.push_back(merchant.str());
      return Among(names, f.merchant);
    }
    case RuleKind::kHours:
      return rule.from_minute <= clock.minute_of_day && clock.minute_of_day < rule.to_minute;
    case RuleKind::kBusinessDays:
      return clock.weekday != 0 && clock.weekday != 6 && !f.is_holiday;
    case RuleKind::kMaxPerPayment:
      return payment <= limit;
    case RuleKind::kMaxPerDay:
      return f.day_spent.won() + payment <= limit;
    case RuleKind::kMaxPerMonth:
      return f.month_spent.won() + payment <= limit;
    case RuleKind::kAttendeesRequiredFrom:
      return payment < limit || (f.attendees >= 1 && f.has_evidence);
    case RuleKind::kMaxPerAttendee:
      if (!rule.categories.empty() && !Among(rule.categories, f.merchant_category)) return true;
      return payment <= limit * std::max<std::int64_t>(f.attendees, 1);
    case RuleKind::kEvidenceRequiredFrom:
      return payment < limit || f.has_evidence;
    case RuleKind::kApprovalFrom:
      return payment < limit || f.approver_roles.Has(rule.role);
    case RuleKind::kTranches: {
      std::int64_t percent_unlocked = 0;
      for (const auto& tranche : rule.tranches) {
        if (tranche.milestone.empty() || Among(f.unlocked_milestones, tranche.milestone)) {
          percent_unlocked += tranche.percent;
        }
      }
      // paid + payment <= granted x percent / 100, without dividing.
      return (f.paid.won() + payment) * 100 <= f.granted.won() * percent_unlocked;
    }
  }
  return false;
}

Verdict Judge(const ProgramDefinition& program, const PaymentFacts& f) {
  Verdict verdict;
  if (!f.merchant_registered || f.merchant_frozen) {
    verdict.code = ReasonCode::kNotAMerchant;
    return verdict;
  }
  if (f.program_closed || f.time < program.valid_from || f.time > program.valid_until) {
    verdict.code = ReasonCode::kProgramNotActive;
    return verdict;
  }
  for (const Rule& rule : program.rules) {
    if (Passes(rule, f)) continue;
    if (TakesJustification(rule.kind) && rule.justifiable && f.justified) {
      verdict.justified.push_back(rule.id);
      continue;
    }
    verdict.code = RefusalOf(rule.kind);
    verdict.rule = rule.id;
    verdict.justified.clear();
    return verdict;
  }
  if (f.balance.won() < f.amount.won()) verdict.code = ReasonCode::kInsufficientFunds;
  return verdict;
}

}  // namespace reference

// Generators. Limits and spend come in steps of 10,000 won; payments and times of day are
// drawn half of the time at, or one won or one minute beside, a point where a rule of the
// program changes its answer (EdgeAmounts, EdgeMinutes), so that exact boundaries are common.

// rapidcheck's inRange scales its range by the test's size, which starts at 0: the first tests
// would see only the smallest rule kinds, days and amounts. Every case here draws from the
// whole range instead; shrinking still moves towards `min`.
template <typename T>
rc::Gen<T> UnsizedRange(T min, T max) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(min, max));
}

const std::vector<std::string> kCategoryPool = {"5812", "5813", "5814", "7011", "5933"};
const std::vector<std::string_view> kMerchantPool = {"hanok@merchants", "cafe@merchants",
                                                     "bakery@merchants"};
const std::vector<std::string> kMilestonePool = {"foundation", "roof"};
const std::vector<int> kClockPool = {0, 360, 540, 1080, 1380, 1440};

std::int64_t Steps(int low, int high) { return 10000 * *UnsizedRange(low, high + 1); }

// Each item of the pool with the given chance: allow lists are long and deny lists short, so
// that a program of several rules lets enough payments through to reach its later rules.
template <typename T>
std::vector<T> SubsetOf(const std::vector<T>& pool, int percent) {
  std::vector<T> subset;
  for (const auto& item : pool) {
    if (*UnsizedRange(0, 100) < percent) subset.push_back(item);
  }
  return subset;
}

Rule RandomRule(std::string id) {
  const auto kind = core::RuleKindFromValue(static_cast<std::uint8_t>(*UnsizedRange(1, 14)));
  Rule rule = MakeRule(std::move(id), kind.value());
  // Set on every kind: those without the parameter must ignore it.
  rule.justifiable = *rc::gen::element(false, true);
  rule.amount = Money(Steps(1, 20));
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
      rule.categories = SubsetOf(kCategoryPool, 75);
      break;
    case RuleKind::kDenyCategories:
      rule.categories = SubsetOf(kCategoryPool, 25);
      break;
    case RuleKind::kMaxPerAttendee:
      // Often no list at all: then the limit applies at every merchant.
      if (*rc::gen::element(false, true)) rule.categories = SubsetOf(kCategoryPool, 50);
      break;
    case RuleKind::kAllowMerchants:
      for (auto merchant : SubsetOf(kMerchantPool, 75)) rule.merchants.push_back(Account(merchant));
      break;
    case RuleKind::kHours: {
      const auto clock = rc::gen::oneOf(rc::gen::elementOf(kClockPool), UnsizedRange(0, 1441));
      int from = *clock;
      int to = *clock;
      if (from > to) std::swap(from, to);
      // An empty window is refused by validation; widen it by a minute.
      if (from == to && to == core::kMinutesPerDay) --from;
      if (from == to) ++to;
      rule.from_minute = from;
      rule.to_minute = to;
      break;
    }
    case RuleKind::kApprovalFrom:
      rule.role = *rc::gen::element(Role::kApprover, Role::kManager, Role::kInspector);
      break;
    case RuleKind::kTranches: {
      const int count = *UnsizedRange(1, 4);
      for (int i = 0; i < count; ++i) {
        core::Tranche tranche;
        tranche.percent =
            *rc::gen::oneOf(rc::gen::element(0u, 10u, 25u, 50u, 100u), UnsizedRange(0u, 101u));
        tranche.milestone = *rc::gen::element(std::string(), kMilestonePool[0], kMilestonePool[1]);
        rule.tranches.push_back(std::move(tranche));
      }
      break;
    }
    default:
      break;
  }
  return rule;
}

ProgramDefinition RandomProgram() {
  std::vector<Rule> rules;
  const int count = *UnsizedRange(0, 6);
  for (int i = 0; i < count; ++i) rules.push_back(RandomRule("R" + std::to_string(i + 1)));
  return ProgramWith(std::move(rules));
}

// The clock minutes where the program's hours rules change their answer, and midnight, where
// business days do; with the minute either side.
std::vector<int> EdgeMinutes(const ProgramDefinition& program) {
  std::vector<int> edges = {0, core::kMinutesPerDay - 1};
  for (const Rule& rule : program.rules) {
    if (rule.kind != RuleKind::kHours) continue;
    for (int limit : {rule.from_minute, rule.to_minute}) {
      for (int minute : {limit - 1, limit}) {
        if (minute >= 0 && minute < core::kMinutesPerDay) edges.push_back(minute);
      }
    }
  }
  return edges;
}

// Two weeks from Sunday 2026-03-01 (two weekends), at any millisecond, or at the first or last
// millisecond of a minute where a rule of the program changes its answer.
TimeMillis RandomTime(const ProgramDefinition& program) {
  const TimeMillis day = Kst("2026-03-01T00:00:00") + *UnsizedRange(0, 14) * core::kMillisPerDay;
  const int minute = *rc::gen::oneOf(rc::gen::elementOf(EdgeMinutes(program)),
                                     UnsizedRange(0, core::kMinutesPerDay));
  const TimeMillis within_minute =
      *rc::gen::oneOf(rc::gen::element<TimeMillis>(0, 59999), UnsizedRange<TimeMillis>(0, 60000));
  return day + minute * core::kMillisPerMinute + within_minute;
}

// The payment amounts at which a rule of the program changes its answer, given what was spent
// and paid before. Only a hint for the generator: being off here makes the test weaker, never
// wrong, because both judges see the same facts.
std::vector<std::int64_t> EdgeAmounts(const ProgramDefinition& program, const PaymentFacts& f) {
  std::vector<std::int64_t> edges;
  for (const Rule& rule : program.rules) {
    const std::int64_t limit = rule.amount.won();
    switch (rule.kind) {
      case RuleKind::kMaxPerPayment:
      case RuleKind::kAttendeesRequiredFrom:
      case RuleKind::kEvidenceRequiredFrom:
      case RuleKind::kApprovalFrom:
        edges.push_back(limit);
        break;
      case RuleKind::kMaxPerDay:
        edges.push_back(limit - f.day_spent.won());
        break;
      case RuleKind::kMaxPerMonth:
        edges.push_back(limit - f.month_spent.won());
        break;
      case RuleKind::kMaxPerAttendee:
        edges.push_back(limit * std::max<std::int64_t>(f.attendees, 1));
        break;
      case RuleKind::kTranches: {
        std::int64_t percent = 0;
        for (const auto& tranche : rule.tranches) {
          percent += tranche.percent;
          edges.push_back(f.granted.won() * percent / 100 - f.paid.won());
        }
        break;
      }
      default:
        break;
    }
  }
  return edges;
}

// A payment under the program; `program`'s period is moved so that it sometimes starts or ends
// right at the payment.
PaymentFacts RandomPayment(ProgramDefinition& program) {
  PaymentFacts f;
  f.attendees = *UnsizedRange(0u, 6u);
  f.has_evidence = *rc::gen::element(false, true);
  f.justified = *rc::gen::element(false, true);
  f.time = RandomTime(program);
  f.is_holiday = *UnsizedRange(0, 6) == 0;
  f.merchant = *rc::gen::oneOf(rc::gen::elementOf(kMerchantPool),
                               rc::gen::just(std::string_view("stranger@merchants")));
  f.merchant_registered = *UnsizedRange(0, 20) != 0;
  f.merchant_frozen = *UnsizedRange(0, 20) == 0;
  f.merchant_category =
      *rc::gen::element<std::string_view>("5812", "5813", "5814", "7011", "5933", "5411");
  f.program_closed = *UnsizedRange(0, 30) == 0;
  for (Role role : {Role::kApprover, Role::kManager, Role::kInspector}) {
    if (*rc::gen::element(false, true)) f.approver_roles.Add(role);
  }
  f.payer_org = "moef";
  f.day_spent = Money(Steps(0, 20));
  f.month_spent = Money(f.day_spent.won() + Steps(0, 20));
  f.granted = Money(Steps(0, 40) + *rc::gen::element(0, 1));
  f.paid = Money(Steps(0, 40));
  f.unlocked_milestones = SubsetOf(kMilestonePool, 50);
  const std::vector<std::int64_t> edges = EdgeAmounts(program, f);
  const std::int64_t amount =
      edges.empty() || *rc::gen::element(false, true) ? Steps(1, 20) : *rc::gen::elementOf(edges);
  f.amount = Money(std::max<std::int64_t>(1, amount + *rc::gen::element(-1, 0, 1)));
  f.balance = Money(f.amount.won() + *rc::gen::element<std::int64_t>(-1, 0, 1, 10000000));
  const auto margin = rc::gen::weightedElement<TimeMillis>(
      {{1, -1}, {1, 0}, {1, 1}, {12, 30 * core::kMillisPerDay}});
  program.valid_from = f.time - *margin;
  program.valid_until = f.time + *margin;
  return f;
}

std::string Describe(const ProgramDefinition& program, const PaymentFacts& f) {
  std::string text = "program:\n";
  text += "  valid " + core::FormatKoreaTime(program.valid_from) + " .. " +
          core::FormatKoreaTime(program.valid_until) + "\n";
  for (const Rule& rule : program.rules) {
    text += "  " + boost::json::serialize(core::RuleToJson(rule)) +
            (rule.justifiable ? " [justifiable set]" : "") + "\n";
  }
  text += "payment: " + Won(f.amount) + " at " + core::FormatKoreaTime(f.time) + " to " +
          std::string(f.merchant) + " (" + std::string(f.merchant_category) + ")" +
          (f.merchant_registered ? "" : " unregistered") + (f.merchant_frozen ? " frozen" : "") +
          (f.program_closed ? ", program closed" : "") + ", attendees " +
          std::to_string(f.attendees) + (f.has_evidence ? ", evidence" : "") +
          (f.justified ? ", justified" : "") + (f.is_holiday ? ", holiday" : "") +
          ", co-signer roles [";
  for (const auto& name : f.approver_roles.Names()) text += name + " ";
  text += "], day spent " + Won(f.day_spent) + ", month spent " + Won(f.month_spent) + ", paid " +
          Won(f.paid) + " of " + Won(f.granted) + ", milestones [";
  for (const auto& milestone : f.unlocked_milestones) text += milestone + " ";
  text += "], balance " + Won(f.balance) + "\n";
  return text;
}

RC_GTEST_PROP(JudgeAgainstReference, AgreeOnCodeRuleAndJustifications, ()) {
  ProgramDefinition program = RandomProgram();
  const int payments = *UnsizedRange(1, 100);
  for (int i = 0; i < payments; ++i) {
    const PaymentFacts facts = RandomPayment(program);
    const Verdict engine = Judge(program, facts);
    const Verdict expected = reference::Judge(program, facts);
    if (engine.code != expected.code || engine.rule != expected.rule ||
        (engine.ok() && engine.justified != expected.justified)) {
      RC_FAIL(Describe(program, facts) + "engine:    " + Show(engine) + ", justified " +
              testing::PrintToString(engine.justified) +
              "\nreference: " + std::string(core::ReasonName(expected.code)) + " " + expected.rule +
              ", justified " + testing::PrintToString(expected.justified));
    }
    // Every refusal reads "Payment of <amount> refused: ...", naming the rule when one refused.
    if (engine.ok()) {
      RC_ASSERT(engine.message.empty());
    } else {
      RC_ASSERT(engine.message.starts_with("Payment of " + Won(facts.amount) + " refused: "));
      RC_ASSERT(engine.rule.empty() || engine.message.ends_with(" (rule " + engine.rule + ")"));
    }
  }
}

// The generators must lead the reference to every outcome, or agreeing with it proves little.
// A fixed seed keeps this test from depending on luck.
TEST(JudgeAgainstReference, TheGeneratorsReachEveryOutcome) {
  const auto sample = rc::gen::exec([] {
    ProgramDefinition program = RandomProgram();
    std::vector<std::pair<ProgramDefinition, PaymentFacts>> cases;
    for (int i = 0; i < 50; ++i) {
      PaymentFacts facts = RandomPayment(program);
      cases.emplace_back(program, facts);
    }
    return cases;
  });
  rc::Random random(20260303);
  std::map<ReasonCode, int> outcomes;
  std::set<std::string> justified_kinds;
  for (int i = 0; i < 400; ++i) {
    for (const auto& [program, facts] : sample(random.split()).value()) {
      const Verdict verdict = reference::Judge(program, facts);
      ++outcomes[verdict.code];
      for (const auto& id : verdict.justified) {
        for (const Rule& rule : program.rules) {
          if (rule.id == id) justified_kinds.insert(std::string(core::RuleKindName(rule.kind)));
        }
      }
    }
  }
  for (ReasonCode code :
       {ReasonCode::kOk, ReasonCode::kNotAMerchant, ReasonCode::kProgramNotActive,
        ReasonCode::kMerchantCategoryDenied, ReasonCode::kMerchantNotAllowed,
        ReasonCode::kOutsideHours, ReasonCode::kNonBusinessDay, ReasonCode::kPaymentLimitExceeded,
        ReasonCode::kDailyLimitExceeded, ReasonCode::kMonthlyLimitExceeded,
        ReasonCode::kAttendeesRequired, ReasonCode::kPerAttendeeLimitExceeded,
        ReasonCode::kEvidenceRequired, ReasonCode::kApprovalRequired, ReasonCode::kTrancheLocked,
        ReasonCode::kInsufficientFunds}) {
    // At least 0.5 % of the 20,000 cases each.
    EXPECT_GE(outcomes[code], 100) << core::ReasonName(code);
  }
  EXPECT_EQ(justified_kinds, (std::set<std::string>{"deny_categories", "hours", "business_days"}));
}

// The reference's own clock, checked against fixed dates, so that it is not merely agreeing
// with core's calendar.
TEST(JudgeAgainstReference, TheReferenceClockKnowsKoreanWeekdays) {
  const auto friday_night = reference::InSeoul(Kst("2026-03-06T23:59:59"));
  EXPECT_EQ(friday_night.weekday, 5);
  EXPECT_EQ(friday_night.minute_of_day, 1439);
  const auto saturday = reference::InSeoul(Kst("2026-03-07T00:00:00"));
  EXPECT_EQ(saturday.weekday, 6);
  EXPECT_EQ(saturday.minute_of_day, 0);
  EXPECT_EQ(reference::InSeoul(Kst("2026-03-09T06:30:00")).weekday, 1);
  EXPECT_EQ(reference::InSeoul(Kst("2026-03-09T06:30:00")).minute_of_day, 390);
  EXPECT_EQ(reference::InSeoul(0).weekday, 4);  // 09:00 Thursday 1970-01-01 in Seoul
}

}  // namespace
}  // namespace nuri::policy
