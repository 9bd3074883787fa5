#include "core/program.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/limits.h"
#include "core/text.h"

namespace nuri::core {

namespace {

// Byte grammar (docs/formats/program.md):
//   program    := id:bytes name:bytes kind:u8 token:bytes owner:bytes count:u32 manager:bytes*
//                 valid_from:i64 valid_until:i64 budget_code:bytes rules
//   rules      := count:u32 rule*
//   rule       := id:bytes kind:u8 parameters
//   parameters :=   allow_categories              categories
//                 | deny_categories               categories justifiable:bool
//                 | allow_merchants               count:u32 account:bytes*
//                 | hours                         from:u16 to:u16 justifiable:bool
//                 | business_days                 justifiable:bool
//                 | max_per_payment, max_per_day, max_per_month,
//                   attendees_required_from,
//                   evidence_required_from        amount:i64
//                 | max_per_attendee              amount:i64 categories
//                 | approval_from                 amount:i64 role:u8
//                 | tranches                      count:u32 (percent:u8 milestone:bytes)*
//   categories := count:u32 code:4 bytes*

constexpr std::array<std::pair<RuleKind, std::string_view>, 13> kRuleKindNames = {{
    {RuleKind::kAllowCategories, "allow_categories"},
    {RuleKind::kDenyCategories, "deny_categories"},
    {RuleKind::kAllowMerchants, "allow_merchants"},
    {RuleKind::kHours, "hours"},
    {RuleKind::kBusinessDays, "business_days"},
    {RuleKind::kMaxPerPayment, "max_per_payment"},
    {RuleKind::kMaxPerDay, "max_per_day"},
    {RuleKind::kMaxPerMonth, "max_per_month"},
    {RuleKind::kAttendeesRequiredFrom, "attendees_required_from"},
    {RuleKind::kMaxPerAttendee, "max_per_attendee"},
    {RuleKind::kEvidenceRequiredFrom, "evidence_required_from"},
    {RuleKind::kApprovalFrom, "approval_from"},
    {RuleKind::kTranches, "tranches"},
}};

bool IsIdCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

void PutCategories(codec::Writer& w, const std::vector<std::string>& categories) {
  w.PutU32(static_cast<std::uint32_t>(categories.size()));
  for (const auto& code : categories) w.PutFixed(code);
}

std::vector<std::string> GetCategories(codec::Reader& r) {
  const std::uint32_t count = r.GetCount(base::kCategoriesPerRuleMax, 4, "categories");
  std::vector<std::string> categories;
  categories.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    std::string code = r.GetFixed(4, "category");
    if (r.ok() && !IsMerchantCategoryCode(code)) r.Fail("category: expected four digits");
    categories.push_back(std::move(code));
  }
  return categories;
}

AccountId GetAccount(codec::Reader& r, std::string_view what) {
  const std::string text = r.GetBytes(base::kAccountIdLengthMax, what);
  if (!r.ok()) return {};
  auto id = AccountId::Parse(text);
  if (!id) {
    r.Fail(std::string(what) + ": " + id.error().message());
    return {};
  }
  return *id;
}

std::vector<AccountId> GetAccounts(codec::Reader& r, std::size_t count_max, std::string_view what) {
  const std::uint32_t count = r.GetCount(count_max, 4 + 3, what);
  std::vector<AccountId> accounts;
  accounts.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) accounts.push_back(GetAccount(r, what));
  return accounts;
}

std::string GetText(codec::Reader& r, std::size_t size_max, std::string_view what) {
  std::string text = r.GetBytes(size_max, what);
  if (r.ok() && !IsDisplayText(text, size_max)) r.Fail(std::string(what) + ": not valid text");
  return text;
}

void PutRule(codec::Writer& w, const Rule& rule) {
  w.PutBytes(rule.id);
  w.PutU8(static_cast<std::uint8_t>(rule.kind));
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
      PutCategories(w, rule.categories);
      return;
    case RuleKind::kDenyCategories:
      PutCategories(w, rule.categories);
      w.PutBool(rule.justifiable);
      return;
    case RuleKind::kAllowMerchants:
      w.PutU32(static_cast<std::uint32_t>(rule.merchants.size()));
      for (const auto& merchant : rule.merchants) w.PutBytes(merchant.str());
      return;
    case RuleKind::kHours:
      w.PutU16(static_cast<std::uint16_t>(rule.from_minute));
      w.PutU16(static_cast<std::uint16_t>(rule.to_minute));
      w.PutBool(rule.justifiable);
      return;
    case RuleKind::kBusinessDays:
      w.PutBool(rule.justifiable);
      return;
    case RuleKind::kMaxPerPayment:
    case RuleKind::kMaxPerDay:
    case RuleKind::kMaxPerMonth:
    case RuleKind::kAttendeesRequiredFrom:
    case RuleKind::kEvidenceRequiredFrom:
      w.PutI64(rule.amount.won());
      return;
    case RuleKind::kMaxPerAttendee:
      w.PutI64(rule.amount.won());
      PutCategories(w, rule.categories);
      return;
    case RuleKind::kApprovalFrom:
      w.PutI64(rule.amount.won());
      w.PutU8(static_cast<std::uint8_t>(rule.role));
      return;
    case RuleKind::kTranches:
      w.PutU32(static_cast<std::uint32_t>(rule.tranches.size()));
      for (const auto& tranche : rule.tranches) {
        w.PutU8(static_cast<std::uint8_t>(tranche.percent));
        w.PutBytes(tranche.milestone);
      }
      return;
  }
}

// The clock minutes of an hours rule: from in [0, 1440), to in [0, 1440] (whether from comes
// before to is src/policy's to judge).
int GetMinute(codec::Reader& r, std::string_view what, int minute_max) {
  const int minute = r.GetU16(what);
  if (r.ok() && minute > minute_max) r.Fail(std::string(what) + ": not a time of day");
  return minute;
}

Rule GetRule(codec::Reader& r) {
  Rule rule;
  rule.id = r.GetBytes(base::kRuleIdLengthMax, "rule id");
  if (r.ok() && !IsRuleId(rule.id)) r.Fail("rule id: not valid");
  const std::uint8_t kind_value = r.GetU8("rule kind");
  const auto kind = RuleKindFromValue(kind_value);
  if (r.ok() && !kind) r.Fail("unknown rule kind " + std::to_string(kind_value));
  if (!r.ok()) return rule;
  rule.kind = *kind;
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
      rule.categories = GetCategories(r);
      break;
    case RuleKind::kDenyCategories:
      rule.categories = GetCategories(r);
      rule.justifiable = r.GetBool("justifiable");
      break;
    case RuleKind::kAllowMerchants:
      rule.merchants = GetAccounts(r, base::kMerchantsPerRuleMax, "merchant");
      break;
    case RuleKind::kHours:
      rule.from_minute = GetMinute(r, "from", kMinutesPerDay - 1);
      rule.to_minute = GetMinute(r, "to", kMinutesPerDay);
      rule.justifiable = r.GetBool("justifiable");
      break;
    case RuleKind::kBusinessDays:
      rule.justifiable = r.GetBool("justifiable");
      break;
    case RuleKind::kMaxPerPayment:
    case RuleKind::kMaxPerDay:
    case RuleKind::kMaxPerMonth:
    case RuleKind::kAttendeesRequiredFrom:
    case RuleKind::kEvidenceRequiredFrom:
      rule.amount = Amount::Won(r.GetI64("amount"));
      break;
    case RuleKind::kMaxPerAttendee:
      rule.amount = Amount::Won(r.GetI64("amount"));
      rule.categories = GetCategories(r);
      break;
    case RuleKind::kApprovalFrom: {
      rule.amount = Amount::Won(r.GetI64("amount"));
      const std::uint8_t role = r.GetU8("role");
      if (r.ok() && role >= kRoleCount) r.Fail("role: unknown role " + std::to_string(role));
      rule.role = static_cast<Role>(role);
      break;
    }
    case RuleKind::kTranches: {
      const std::uint32_t count = r.GetCount(base::kTranchesPerRuleMax, 1 + 4, "tranches");
      for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        Tranche tranche;
        tranche.percent = r.GetU8("percent");
        if (r.ok() && tranche.percent > 100) r.Fail("percent: more than 100");
        tranche.milestone = GetText(r, base::kMilestoneLengthMax, "milestone");
        rule.tranches.push_back(std::move(tranche));
      }
      break;
    }
  }
  return rule;
}

}  // namespace

bool IsProgramId(std::string_view text) {
  return !text.empty() && text.size() <= base::kProgramIdLengthMax && text[0] != '-' &&
         text[0] != '_' && text[0] != '.' && std::all_of(text.begin(), text.end(), IsIdCharacter);
}

bool IsRuleId(std::string_view text) {
  return !text.empty() && text.size() <= base::kRuleIdLengthMax &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return IsIdCharacter(c) || (c >= 'A' && c <= 'Z'); });
}

std::string_view ProgramKindName(ProgramKind kind) {
  return kind == ProgramKind::kExpense ? "expense" : "subsidy";
}

std::optional<ProgramKind> ProgramKindFromName(std::string_view name) {
  if (name == "expense") return ProgramKind::kExpense;
  if (name == "subsidy") return ProgramKind::kSubsidy;
  return std::nullopt;
}

std::string_view RuleKindName(RuleKind kind) {
  for (const auto& [value, name] : kRuleKindNames) {
    if (value == kind) return name;
  }
  return "unknown";
}

std::optional<RuleKind> RuleKindFromName(std::string_view name) {
  for (const auto& [value, known] : kRuleKindNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::optional<RuleKind> RuleKindFromValue(std::uint8_t value) {
  for (const auto& [kind, name] : kRuleKindNames) {
    if (static_cast<std::uint8_t>(kind) == value) return kind;
  }
  return std::nullopt;
}

void EncodeRules(codec::Writer& w, const std::vector<Rule>& rules) {
  w.PutU32(static_cast<std::uint32_t>(rules.size()));
  for (const auto& rule : rules) PutRule(w, rule);
}

std::vector<Rule> DecodeRules(codec::Reader& r) {
  const std::uint32_t count = r.GetCount(base::kRulesPerProgramMax, 4 + 1 + 1, "rules");
  std::vector<Rule> rules;
  rules.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) rules.push_back(GetRule(r));
  return rules;
}

void EncodeProgram(codec::Writer& w, const ProgramDefinition& program) {
  w.PutBytes(program.id);
  w.PutBytes(program.name);
  w.PutU8(static_cast<std::uint8_t>(program.kind));
  w.PutBytes(program.token.str());
  w.PutBytes(program.owner.str());
  w.PutU32(static_cast<std::uint32_t>(program.managers.size()));
  for (const auto& manager : program.managers) w.PutBytes(manager.str());
  w.PutI64(program.valid_from);
  w.PutI64(program.valid_until);
  w.PutBytes(program.budget_code);
  EncodeRules(w, program.rules);
}

ProgramDefinition DecodeProgram(codec::Reader& r) {
  ProgramDefinition program;
  program.id = r.GetBytes(base::kProgramIdLengthMax, "program id");
  if (r.ok() && !IsProgramId(program.id)) r.Fail("program id: not valid");
  program.name = GetText(r, base::kDisplayNameLengthMax, "program name");
  const std::uint8_t kind = r.GetU8("program kind");
  if (r.ok() && kind != 1 && kind != 2) r.Fail("program kind: unknown");
  program.kind = static_cast<ProgramKind>(kind);
  const std::string token = r.GetBytes(base::kTokenIdLengthMax, "token");
  if (r.ok()) {
    auto parsed = TokenId::Parse(token);
    if (parsed)
      program.token = *parsed;
    else
      r.Fail("token: " + parsed.error().message());
  }
  program.owner = GetAccount(r, "owner");
  program.managers = GetAccounts(r, base::kManagersPerProgramMax, "manager");
  program.valid_from = r.GetI64("valid_from");
  program.valid_until = r.GetI64("valid_until");
  if (r.ok() && (!IsLedgerTime(program.valid_from) || !IsLedgerTime(program.valid_until))) {
    r.Fail("validity: time out of range");
  }
  program.budget_code = GetText(r, base::kBudgetCodeLengthMax, "budget_code");
  program.rules = DecodeRules(r);
  return program;
}

std::string EncodeProgram(const ProgramDefinition& program) {
  codec::Writer w;
  EncodeProgram(w, program);
  return w.Take();
}

base::Result<ProgramDefinition> DecodeProgram(std::string_view bytes) {
  codec::Reader r(bytes);
  ProgramDefinition program = DecodeProgram(r);
  if (base::Status status = r.Finish(); !status.ok()) return base::Error(std::move(status));
  return program;
}

std::optional<int> ParseClock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
  return hours * 60 + minutes;
}

std::string FormatClock(int minute_of_day) {
  std::string text(5, ':');
  const int hours = minute_of_day / 60;
  const int minutes = minute_of_day % 60;
  text[0] = static_cast<char>('0' + hours / 10);
  text[1] = static_cast<char>('0' + hours % 10);
  text[3] = static_cast<char>('0' + minutes / 10);
  text[4] = static_cast<char>('0' + minutes % 10);
  return text;
}

}  // namespace nuri::core
