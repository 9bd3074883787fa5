// Program: purpose-bound money's definition as data (docs/programs.md).
//
// A definition names the program's token, its owner (a treasury account), its managers, the
// period in which it may be spent and the rules every payment is judged by. This file holds the
// types, the canonical binary encoding they have inside define_program and amend_program bodies,
// and the limits of their shape. Whether a definition makes sense (rule ids unique, "from"
// before "to", tranches summing to 100 %) and whether the accounts it names exist is judged by
// src/policy; how a payment is judged too. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "codec/codec.h"
#include "core/amount.h"
#include "core/ids.h"
#include "core/roles.h"
#include "core/time.h"

namespace nuri::core {

inline constexpr int kMinutesPerDay = 24 * 60;

// Lower-case letters, digits, '-', '_' and '.', starting with a letter or digit.
bool IsProgramId(std::string_view text);
// Letters, digits, '-', '_' and '.', 1..16 characters: "R2", "E1", "hours-late".
bool IsRuleId(std::string_view text);

enum class ProgramKind : std::uint8_t { kExpense = 1, kSubsidy = 2 };
std::string_view ProgramKindName(ProgramKind kind);
std::optional<ProgramKind> ProgramKindFromName(std::string_view name);

// Persisted: never reuse a value.
enum class RuleKind : std::uint8_t {
  kAllowCategories = 1,
  kDenyCategories = 2,
  kAllowMerchants = 3,
  kHours = 4,
  kBusinessDays = 5,
  kMaxPerPayment = 6,
  kMaxPerDay = 7,
  kMaxPerMonth = 8,
  kAttendeesRequiredFrom = 9,
  kMaxPerAttendee = 10,
  kEvidenceRequiredFrom = 11,
  kApprovalFrom = 12,
  kTranches = 13,
};
// "allow_categories", ...: the `rule` of the JSON form.
std::string_view RuleKindName(RuleKind kind);
std::optional<RuleKind> RuleKindFromName(std::string_view name);
std::optional<RuleKind> RuleKindFromValue(std::uint8_t value);

struct Tranche {
  std::uint32_t percent = 0;
  std::string milestone;  // empty: unlocked from the start
  bool operator==(const Tranche&) const = default;
};

// One rule. Which fields a rule uses depends on its kind (docs/programs.md, "Rule kinds"); the
// others stay at their defaults and are neither encoded nor shown.
struct Rule {
  std::string id;
  RuleKind kind = RuleKind::kMaxPerPayment;
  std::vector<std::string> categories;  // allow/deny_categories; max_per_attendee (may be empty)
  std::vector<AccountId> merchants;     // allow_merchants
  int from_minute = 0;                  // hours: local minute of the day, included
  int to_minute = 0;                    // hours: excluded
  bool justifiable = false;             // deny_categories, hours, business_days
  Amount amount;                        // max_per_*, *_required_from, approval_from
  Role role = Role::kApprover;          // approval_from
  std::vector<Tranche> tranches;        // tranches
  bool operator==(const Rule&) const = default;
};

struct ProgramDefinition {
  std::string id;
  std::string name;
  ProgramKind kind = ProgramKind::kExpense;
  TokenId token;
  AccountId owner;
  std::vector<AccountId> managers;
  TimeMillis valid_from = 0;
  TimeMillis valid_until = 0;
  std::string budget_code;  // empty when the program names none
  std::vector<Rule> rules;
  bool operator==(const ProgramDefinition&) const = default;
};

// Canonical encodings (docs/formats/program.md). Decoders check shape only: lengths, known
// kinds and roles, four-digit categories, times on the ledger; they record faults in the reader.
void EncodeRules(codec::Writer& w, const std::vector<Rule>& rules);
std::vector<Rule> DecodeRules(codec::Reader& r);
void EncodeProgram(codec::Writer& w, const ProgramDefinition& program);
ProgramDefinition DecodeProgram(codec::Reader& r);
std::string EncodeProgram(const ProgramDefinition& program);
base::Result<ProgramDefinition> DecodeProgram(std::string_view bytes);

// "HH:MM" <-> minute of the day; "24:00" is the end of the day (only meaningful as a `to`).
std::optional<int> ParseClock(std::string_view text);
std::string FormatClock(int minute_of_day);

}  // namespace nuri::core
