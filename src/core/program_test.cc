// Tests of program definitions in core: the canonical encoding of every rule kind, what its
// decoder refuses, clock times "HH:MM", and the JSON reader's faults with their paths. Whether a
// definition makes sense is src/policy's (policy_test.cc).
#include "core/program.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/json.h"
#include "core/example_program.h"

namespace nuri::core {
namespace {

AccountId Account(std::string_view text) { return AccountId::Parse(text).value(); }

Rule MakeRule(std::string id, RuleKind kind) {
  Rule rule;
  rule.id = std::move(id);
  rule.kind = kind;
  return rule;
}

// One rule of every kind, each with parameters away from their defaults, so that a field the
// encoder forgot would not round-trip by luck.
std::vector<Rule> OneRuleOfEveryKind() {
  std::vector<Rule> rules;
  Rule allow = MakeRule("A1", RuleKind::kAllowCategories);
  allow.categories = {"5812", "5814"};
  rules.push_back(allow);
  Rule deny = MakeRule("D1", RuleKind::kDenyCategories);
  deny.categories = {"5813", "7273", "7995"};
  deny.justifiable = true;
  rules.push_back(deny);
  Rule merchants = MakeRule("M1", RuleKind::kAllowMerchants);
  merchants.merchants = {Account("hanok@merchants"), Account("cafe.one@merchants")};
  rules.push_back(merchants);
  Rule hours = MakeRule("R2", RuleKind::kHours);
  hours.from_minute = 6 * 60;
  hours.to_minute = kMinutesPerDay;  // "24:00", the end of the day
  hours.justifiable = true;
  rules.push_back(hours);
  Rule days = MakeRule("R3", RuleKind::kBusinessDays);
  days.justifiable = true;
  rules.push_back(days);
  const std::vector<std::pair<RuleKind, std::int64_t>> amounts = {
      {RuleKind::kMaxPerPayment, 3000000},       {RuleKind::kMaxPerDay, 700000},
      {RuleKind::kMaxPerMonth, 5000000},         {RuleKind::kAttendeesRequiredFrom, 500000},
      {RuleKind::kEvidenceRequiredFrom, 200000},
  };
  for (const auto& [kind, won] : amounts) {
    Rule rule = MakeRule("N" + std::to_string(rules.size()), kind);
    rule.amount = Amount::Won(won);
    rules.push_back(rule);
  }
  Rule per_attendee = MakeRule("R6", RuleKind::kMaxPerAttendee);
  per_attendee.amount = Amount::Won(50000);
  per_attendee.categories = {"5812"};
  rules.push_back(per_attendee);
  Rule approval = MakeRule("R7", RuleKind::kApprovalFrom);
  approval.amount = Amount::Won(1000000);
  approval.role = Role::kManager;  // not the default kApprover
  rules.push_back(approval);
  Rule tranches = MakeRule("T1", RuleKind::kTranches);
  tranches.tranches = {{50, ""}, {30, "foundation done"}, {20, "roof done"}};
  rules.push_back(tranches);
  return rules;
}

ProgramDefinition SampleProgram() {
  ProgramDefinition program;
  program.id = "bpe-2026-moef";
  program.name = "Business promotion expenses 2026";
  program.kind = ProgramKind::kSubsidy;
  program.token = TokenId::Parse("KRW-BNK").value();
  program.owner = Account("treasury@moef");
  program.managers = {Account("budget@moef"), Account("audit.desk@moef")};
  program.valid_from = ParseTime("2026-01-01T00:00:00+09:00").value();
  program.valid_until = ParseTime("2026-12-31T23:59:59+09:00").value();
  program.budget_code = "203-01";
  program.rules = OneRuleOfEveryKind();
  return program;
}

// The encoding of `program` without its rule list, so a test can append rule bytes of its own:
// rules are the last field of the grammar, and an empty list is a u32 count of zero.
std::string EncodeHeader(ProgramDefinition program) {
  program.rules.clear();
  std::string bytes = EncodeProgram(program);
  bytes.resize(bytes.size() - 4);
  return bytes;
}

// A program whose rule list is one rule, given as the bytes after its id.
std::string ProgramWithRuleBytes(std::uint8_t kind, const std::string& parameters) {
  codec::Writer w;
  w.PutU32(1);
  w.PutBytes("R1");
  w.PutU8(kind);
  return EncodeHeader(SampleProgram()) + w.Take() + parameters;
}

TEST(ProgramEncoding, EveryRuleKindRoundTrips) {
  const ProgramDefinition program = SampleProgram();
  ASSERT_EQ(program.rules.size(), 13u) << "one rule per kind of docs/programs.md";
  auto decoded = DecodeProgram(EncodeProgram(program));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, program);
  // And rule by rule, so that a failure names the kind that lost a field.
  for (const Rule& rule : program.rules) {
    ProgramDefinition single = program;
    single.rules = {rule};
    auto one = DecodeProgram(EncodeProgram(single));
    ASSERT_TRUE(one.has_value()) << RuleKindName(rule.kind) << ": " << one.error().ToString();
    EXPECT_EQ(one->rules, single.rules) << RuleKindName(rule.kind);
  }
}

TEST(ProgramEncoding, EmptyOptionalPartsRoundTrip) {
  ProgramDefinition program = SampleProgram();
  program.kind = ProgramKind::kExpense;
  program.managers.clear();
  program.budget_code.clear();
  program.rules.clear();
  auto decoded = DecodeProgram(EncodeProgram(program));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, program);
}

TEST(ProgramEncoding, RuleListRoundTripsOnItsOwn) {
  // amend_program carries a bare rule list.
  const std::vector<Rule> rules = OneRuleOfEveryKind();
  codec::Writer w;
  EncodeRules(w, rules);
  const std::string bytes = w.Take();
  codec::Reader r(bytes);
  EXPECT_EQ(DecodeRules(r), rules);
  EXPECT_TRUE(r.Finish().ok()) << r.Finish().ToString();
}

TEST(ProgramEncoding, DecoderRefusesTrailingAndMissingBytes) {
  const std::string bytes = EncodeProgram(SampleProgram());
  auto trailing = DecodeProgram(bytes + "x");
  ASSERT_FALSE(trailing.has_value());
  EXPECT_NE(trailing.error().message().find("trailing"), std::string::npos)
      << trailing.error().ToString();
  EXPECT_FALSE(DecodeProgram(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(DecodeProgram("").has_value());
}

TEST(ProgramEncoding, HandMadeRuleBytesDecode) {
  // The test's own rule bytes are right, so that the refusals below are refusals of one field.
  codec::Writer w;
  w.PutBool(true);
  auto decoded = DecodeProgram(ProgramWithRuleBytes(5, w.Take()));  // business_days
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ASSERT_EQ(decoded->rules.size(), 1u);
  EXPECT_EQ(decoded->rules[0].kind, RuleKind::kBusinessDays);
  EXPECT_TRUE(decoded->rules[0].justifiable);
}

TEST(ProgramEncoding, DecoderRefusesUnknownRuleKind) {
  codec::Writer w;
  w.PutBool(false);
  for (std::uint8_t kind : {0, 14, 255}) {
    auto decoded = DecodeProgram(ProgramWithRuleBytes(kind, w.bytes()));
    ASSERT_FALSE(decoded.has_value()) << int{kind};
    EXPECT_NE(decoded.error().message().find("unknown rule kind"), std::string::npos)
        << decoded.error().ToString();
  }
}

TEST(ProgramEncoding, DecoderRefusesCategoriesThatAreNotFourDigits) {
  codec::Writer w;
  w.PutU32(1);
  w.PutFixed("58A2");
  auto decoded = DecodeProgram(ProgramWithRuleBytes(1, w.Take()));  // allow_categories
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("category"), std::string::npos)
      << decoded.error().ToString();
}

TEST(ProgramEncoding, DecoderRefusesClockMinutesOffTheDay) {
  // from lies in [0, 1440), to in [1, 1440]: 24:00 ends a day but never starts one.
  auto hours = [](int from, int to) {
    codec::Writer w;
    w.PutU16(static_cast<std::uint16_t>(from));
    w.PutU16(static_cast<std::uint16_t>(to));
    w.PutBool(false);
    return DecodeProgram(ProgramWithRuleBytes(4, w.Take()));
  };
  EXPECT_TRUE(hours(0, kMinutesPerDay).has_value());
  EXPECT_FALSE(hours(kMinutesPerDay, kMinutesPerDay).has_value());
  EXPECT_FALSE(hours(0, kMinutesPerDay + 1).has_value());
}

TEST(ProgramEncoding, DecoderRefusesUnknownRole) {
  codec::Writer w;
  w.PutI64(1000000);
  w.PutU8(kRoleCount);
  EXPECT_FALSE(DecodeProgram(ProgramWithRuleBytes(12, w.Take())).has_value());  // approval_from
}

TEST(ProgramEncoding, DecoderRefusesACountLargerThanTheBytesLeft) {
  // A count is checked before anything is reserved for it.
  codec::Writer w;
  w.PutU32(0xFFFFFFFF);
  EXPECT_FALSE(DecodeProgram(ProgramWithRuleBytes(3, w.Take())).has_value());  // allow_merchants
}

TEST(Clock, ParsesHoursAndMinutesUpToTheEndOfTheDay) {
  EXPECT_EQ(ParseClock("00:00"), 0);
  EXPECT_EQ(ParseClock("06:00"), 360);
  EXPECT_EQ(ParseClock("23:59"), 1439);
  EXPECT_EQ(ParseClock("24:00"), kMinutesPerDay);
  for (std::string_view bad :
       {"24:01", "25:00", "7:00", "07:60", "0700", "07:00 ", "07-00", "+7:00", "", "ab:cd"}) {
    EXPECT_FALSE(ParseClock(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(Clock, FormatsWithLeadingZerosAndRoundTrips) {
  EXPECT_EQ(FormatClock(0), "00:00");
  EXPECT_EQ(FormatClock(7 * 60 + 5), "07:05");
  EXPECT_EQ(FormatClock(kMinutesPerDay), "24:00");
  for (int minute = 0; minute <= kMinutesPerDay; ++minute) {
    EXPECT_EQ(ParseClock(FormatClock(minute)), minute);
  }
}

// The definition of docs/programs.md.
boost::json::object SpecDefinition() { return core::SpecExampleProgram(); }

// "field: message" of every fault, in order.
std::vector<std::string> FaultTexts(const std::vector<JsonFault>& faults) {
  std::vector<std::string> texts;
  for (const auto& fault : faults) texts.push_back(fault.ToString());
  return texts;
}

std::vector<std::string> FaultFields(const std::vector<JsonFault>& faults) {
  std::vector<std::string> fields;
  for (const auto& fault : faults) fields.push_back(fault.field);
  return fields;
}

TEST(ProgramJson, ReadsTheSpecExample) {
  auto program = ProgramFromJson(SpecDefinition(), "");
  ASSERT_TRUE(program.has_value()) << testing::PrintToString(FaultTexts(program.error()));
  EXPECT_EQ(program->id, "bpe-2026-moef");
  EXPECT_EQ(program->kind, ProgramKind::kExpense);
  EXPECT_EQ(program->budget_code, "203-01");
  ASSERT_EQ(program->rules.size(), 7u);
  EXPECT_EQ(program->rules[1].kind, RuleKind::kHours);
  EXPECT_EQ(program->rules[1].from_minute, 360);
  EXPECT_EQ(program->rules[1].to_minute, 1380);
  EXPECT_TRUE(program->rules[1].justifiable);
  EXPECT_FALSE(program->rules[0].justifiable) << "justifiable defaults to false";
  EXPECT_EQ(program->rules[6].role, Role::kApprover);
  EXPECT_EQ(program->valid_until, ParseTime("2026-12-31T14:59:59Z").value());
}

TEST(ProgramJson, EveryRuleKindRoundTripsThroughJson) {
  const ProgramDefinition program = SampleProgram();
  auto read = ProgramFromJson(ProgramToJson(program), "");
  ASSERT_TRUE(read.has_value()) << testing::PrintToString(FaultTexts(read.error()));
  EXPECT_EQ(*read, program);
}

TEST(ProgramJson, CollectsEveryFaultWithItsPath) {
  boost::json::object definition = SpecDefinition();
  definition["kind"] = "grant";
  auto& rules = definition["rules"].as_array();
  rules[1].as_object()["from"] = "25:00";
  rules[3].as_object()["amount"] = "three million";
  rules[6].as_object()["role"] = "boss";
  auto program = ProgramFromJson(definition, "");
  ASSERT_FALSE(program.has_value());
  EXPECT_EQ(FaultTexts(program.error()),
            (std::vector<std::string>{
                "kind: expected expense or subsidy, not 'grant'",
                "rules[1].from: expected a time of day HH:MM (00:00 to 24:00), not '25:00'",
                "rules[3].amount: expected an integer amount of won",
                "rules[6].role: unknown role 'boss'",
            }));
}

TEST(ProgramJson, PathsStartAtTheGivenPath) {
  // A define_program body inside a scenario step reports "steps[2].tx.rules[3].amount".
  boost::json::object definition = SpecDefinition();
  definition["type"] = "define_program";
  definition["rules"].as_array()[3].as_object()["amount"] = 1.5;
  auto program = ProgramFromJson(definition, "steps[2].tx", /*allow_type=*/true);
  ASSERT_FALSE(program.has_value());
  EXPECT_EQ(FaultFields(program.error()), std::vector<std::string>{"steps[2].tx.rules[3].amount"});
  EXPECT_EQ(program.error()[0].code, ReasonCode::kInvalidAmount);
}

TEST(ProgramJson, UnknownRuleNameIsNamedAtItsRuleField) {
  boost::json::object definition = SpecDefinition();
  definition["rules"].as_array()[4] =
      boost::json::parse(R"({"id": "R5", "rule": "max_per_week", "amount": 10})");
  auto program = ProgramFromJson(definition, "");
  ASSERT_FALSE(program.has_value());
  EXPECT_EQ(FaultTexts(program.error()),
            std::vector<std::string>{"rules[4].rule: unknown rule 'max_per_week'"});
}

// An empty optional category list would read as "applies nowhere" yet encode as "applies
// everywhere", so it is refused rather than silently turned around.
TEST(ProgramJson, AnEmptyOptionalCategoryListIsRefused) {
  boost::json::object definition = SpecDefinition();
  definition["rules"].as_array()[5] = boost::json::parse(
      R"({"id": "R6", "rule": "max_per_attendee", "amount": 50000, "mcc": []})");
  auto program = ProgramFromJson(definition, "");
  ASSERT_FALSE(program.has_value());
  ASSERT_EQ(program.error().size(), 1u);
  EXPECT_EQ(program.error()[0].field, "rules[5].mcc");
}

// Found by fuzz_program: "from": "24:00" read from JSON could not be encoded, since the binary
// form holds a start within the day. The JSON reader refuses it as the decoder does.
TEST(ProgramJson, AnHoursWindowCannotStartAtTheEndOfTheDay) {
  boost::json::object definition = SpecDefinition();
  definition["rules"].as_array()[1] =
      boost::json::parse(R"({"id": "R2", "rule": "hours", "from": "24:00", "to": "23:00"})");
  auto program = ProgramFromJson(definition, "");
  ASSERT_FALSE(program.has_value());
  ASSERT_EQ(program.error().size(), 1u);
  EXPECT_EQ(program.error()[0].ToString(), "rules[1].from: 24:00 is the end of the day, not a start");
}

TEST(ProgramJson, UnknownFieldsAreRefusedAtEveryLevel) {
  // A misspelt parameter must not be silently ignored: "amout" would leave a limit of 0.
  boost::json::object definition = SpecDefinition();
  definition["colour"] = "blue";
  definition["type"] = "define_program";  // allowed only in a transaction body
  definition["rules"].as_array()[3].as_object()["amout"] = 5;
  definition["rules"].as_array().push_back(boost::json::parse(
      R"({"id": "T1", "rule": "tranches", "tranches": [{"percent": 100, "when": "now"}]})"));
  auto program = ProgramFromJson(definition, "");
  ASSERT_FALSE(program.has_value());
  auto fields = FaultFields(program.error());
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"colour", "rules[3].amout",
                                              "rules[7].tranches[0].when", "type"}));
}

TEST(ProgramJson, TypeIsAllowedInATransactionBody) {
  boost::json::object definition = SpecDefinition();
  definition["type"] = "define_program";
  EXPECT_TRUE(ProgramFromJson(definition, "", /*allow_type=*/true).has_value());
}

TEST(ProgramJson, RequiredFieldsAreNamed) {
  boost::json::object definition = SpecDefinition();
  definition.erase("rules");
  definition.erase("owner");
  auto program = ProgramFromJson(definition, "");
  ASSERT_FALSE(program.has_value());
  EXPECT_EQ(FaultFields(program.error()), (std::vector<std::string>{"owner", "rules"}));
}

TEST(ProgramJson, RulesFromJsonReadsAnAmendment) {
  auto rules = RulesFromJson(boost::json::parse(R"([
      {"id": "R1", "rule": "max_per_day", "amount": "700000"},
      {"id": "R2", "rule": "hours", "from": "00:00", "to": "24:00"}
    ])"),
                             "rules");
  ASSERT_TRUE(rules.has_value()) << testing::PrintToString(FaultTexts(rules.error()));
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].amount, Amount::Won(700000));
  EXPECT_EQ((*rules)[1].to_minute, kMinutesPerDay);
  auto bad =
      RulesFromJson(boost::json::parse(R"([{"id": "R 1", "rule": "business_days"}])"), "rules");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(FaultFields(bad.error()), std::vector<std::string>{"rules[0].id"});
}

}  // namespace
}  // namespace nuri::core
