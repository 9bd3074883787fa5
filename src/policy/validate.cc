#include "policy/validate.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "base/limits.h"

namespace nuri::policy {

using core::JsonFault;
using core::ReasonCode;
using core::Rule;
using core::RuleKind;

namespace {

std::string At(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string Field(std::string_view path, std::string_view name) {
  return std::string(path) + "." + std::string(name);
}

JsonFault Invalid(std::string field, std::string message) {
  return JsonFault{std::move(field), std::move(message), ReasonCode::kInvalidArgument};
}

bool HasAmount(RuleKind kind) {
  switch (kind) {
    case RuleKind::kMaxPerPayment:
    case RuleKind::kMaxPerDay:
    case RuleKind::kMaxPerMonth:
    case RuleKind::kAttendeesRequiredFrom:
    case RuleKind::kMaxPerAttendee:
    case RuleKind::kEvidenceRequiredFrom:
    case RuleKind::kApprovalFrom:
      return true;
    default:
      return false;
  }
}

template <typename T>
std::optional<std::size_t> FirstDuplicate(const std::vector<T>& items) {
  std::set<T> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!seen.insert(items[i]).second) return i;
  }
  return std::nullopt;
}

void ValidateTranches(const Rule& rule, const std::string& path, std::vector<JsonFault>& faults) {
  if (rule.tranches.empty()) {
    faults.push_back(Invalid(Field(path, "tranches"), "expected at least one tranche"));
    return;
  }
  std::uint32_t total = 0;
  std::set<std::string> milestones;
  for (std::size_t i = 0; i < rule.tranches.size(); ++i) {
    const auto& tranche = rule.tranches[i];
    const std::string at = At(Field(path, "tranches"), i);
    if (tranche.percent < 1 || tranche.percent > 100) {
      faults.push_back(Invalid(at + ".percent", "expected a percentage from 1 to 100"));
    }
    total += tranche.percent;
    if (!tranche.milestone.empty() && !milestones.insert(tranche.milestone).second) {
      faults.push_back(Invalid(at + ".milestone",
                               "milestone '" + tranche.milestone + "' appears in two tranches"));
    }
  }
  if (total != 100) {
    faults.push_back(Invalid(Field(path, "tranches"),
                             "the tranches add up to " + std::to_string(total) + " %, not 100 %"));
  }
}

void ValidateRule(const Rule& rule, const std::string& path, std::vector<JsonFault>& faults) {
  if (HasAmount(rule.kind) && !rule.amount.positive()) {
    faults.push_back(JsonFault{Field(path, "amount"), "expected a positive integer",
                               ReasonCode::kInvalidAmount});
  }
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
    case RuleKind::kDenyCategories:
      if (rule.categories.empty()) {
        faults.push_back(Invalid(Field(path, "mcc"), "expected at least one category"));
      }
      [[fallthrough]];
    case RuleKind::kMaxPerAttendee:
      if (auto duplicate = FirstDuplicate(rule.categories)) {
        faults.push_back(Invalid(At(Field(path, "mcc"), *duplicate),
                                 "category " + rule.categories[*duplicate] + " is listed twice"));
      }
      break;
    case RuleKind::kAllowMerchants:
      if (rule.merchants.empty()) {
        faults.push_back(Invalid(Field(path, "merchants"), "expected at least one merchant"));
      }
      if (auto duplicate = FirstDuplicate(rule.merchants)) {
        faults.push_back(Invalid(At(Field(path, "merchants"), *duplicate),
                                 rule.merchants[*duplicate].str() + " is listed twice"));
      }
      break;
    case RuleKind::kHours:
      if (rule.from_minute >= core::kMinutesPerDay) {
        faults.push_back(Invalid(Field(path, "from"), "24:00 is the end of the day, not a start"));
      } else if (rule.from_minute >= rule.to_minute) {
        faults.push_back(Invalid(Field(path, "from"), core::FormatClock(rule.from_minute) +
                                                          " is not before to " +
                                                          core::FormatClock(rule.to_minute)));
      }
      break;
    case RuleKind::kTranches:
      ValidateTranches(rule, path, faults);
      break;
    default:
      break;
  }
}

// A payment must be able to pass: categories allowed by every allow_categories rule and denied
// by no deny_categories rule that can't be justified.
void ValidateCategoriesSatisfiable(const std::vector<Rule>& rules, std::string_view path,
                                   std::vector<JsonFault>& faults) {
  std::optional<std::set<std::string>> allowed;
  std::size_t last_allow = 0;
  std::set<std::string> denied;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    // An empty list is a fault of its own (ValidateRule), not a contradiction.
    if (rule.kind == RuleKind::kAllowCategories && !rule.categories.empty()) {
      std::set<std::string> these(rule.categories.begin(), rule.categories.end());
      if (allowed) {
        std::set<std::string> both;
        std::set_intersection(allowed->begin(), allowed->end(), these.begin(), these.end(),
                              std::inserter(both, both.begin()));
        these = std::move(both);
      }
      allowed = std::move(these);
      last_allow = i;
    } else if (rule.kind == RuleKind::kDenyCategories && !rule.justifiable) {
      denied.insert(rule.categories.begin(), rule.categories.end());
    }
  }
  if (!allowed) return;
  const bool any = std::any_of(allowed->begin(), allowed->end(),
                               [&](const std::string& code) { return !denied.contains(code); });
  if (!any) {
    faults.push_back(Invalid(Field(At(path, last_allow), "mcc"),
                             "no category is both allowed and not denied: no payment could pass"));
  }
}

std::optional<JsonFault> CheckAccount(const Directory& directory, const core::AccountId& account,
                                      core::Role role, std::string field, std::string_view what) {
  const auto roles = directory.AccountRoles(account.str());
  if (!roles) {
    return JsonFault{std::move(field), "account " + account.str() + " does not exist",
                     ReasonCode::kUnknownAccount};
  }
  if (!roles->Has(role)) {
    return Invalid(std::move(field), account.str() + " is not " + std::string(what) +
                                         " (it lacks the " + std::string(core::RoleName(role)) +
                                         " role)");
  }
  return std::nullopt;
}

// When a definition's shape is broken somewhere, the rules that can be read are still checked
// one by one, so that an author sees every fault in one pass.
void AddFaultsOfReadableRules(const boost::json::value& value, std::vector<JsonFault>& faults) {
  const boost::json::object* object = value.if_object();
  const boost::json::value* rules = object ? object->if_contains("rules") : nullptr;
  if (rules == nullptr || !rules->is_array()) return;
  const std::size_t count = std::min(rules->get_array().size(), base::kRulesPerProgramMax);
  for (std::size_t i = 0; i < count; ++i) {
    auto rule = core::RulesFromJson(boost::json::array{rules->get_array()[i]}, "rules");
    if (rule) ValidateRule(rule->front(), At("rules", i), faults);
  }
}

}  // namespace

std::vector<JsonFault> ValidateRules(const std::vector<Rule>& rules, std::string_view path) {
  std::vector<JsonFault> faults;
  std::map<std::string, std::size_t> ids;
  std::size_t tranche_rules = 0;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const std::string at = At(path, i);
    const auto [existing, inserted] = ids.emplace(rules[i].id, i);
    if (!inserted) {
      faults.push_back(Invalid(at + ".id", "duplicate rule id '" + rules[i].id + "' (also " +
                                               At(path, existing->second) + ")"));
    }
    if (rules[i].kind == RuleKind::kTranches && ++tranche_rules == 2) {
      faults.push_back(Invalid(at, "a program has at most one tranches rule"));
    }
    ValidateRule(rules[i], at, faults);
  }
  ValidateCategoriesSatisfiable(rules, path, faults);
  return faults;
}

std::vector<JsonFault> ValidateDefinition(const core::ProgramDefinition& program) {
  std::vector<JsonFault> faults;
  if (!core::IsProgramId(program.id)) faults.push_back(Invalid("id", "not a program id"));
  if (program.name.empty()) faults.push_back(Invalid("name", "required"));
  if (program.valid_from >= program.valid_until) {
    faults.push_back(Invalid("valid_until", "must be after valid_from"));
  }
  if (auto duplicate = FirstDuplicate(program.managers)) {
    faults.push_back(Invalid(At("managers", *duplicate),
                             program.managers[*duplicate].str() + " is listed twice"));
  }
  auto rule_faults = ValidateRules(program.rules, "rules");
  faults.insert(faults.end(), rule_faults.begin(), rule_faults.end());
  return faults;
}

std::vector<JsonFault> ValidateRuleReferences(const std::vector<Rule>& rules, std::string_view path,
                                              const Directory& directory) {
  std::vector<JsonFault> faults;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (std::size_t j = 0; j < rules[i].merchants.size(); ++j) {
      const std::string at = At(Field(At(path, i), "merchants"), j);
      if (auto fault = CheckAccount(directory, rules[i].merchants[j], core::Role::kMerchant, at,
                                    "a registered merchant")) {
        faults.push_back(std::move(*fault));
      }
    }
  }
  return faults;
}

std::vector<JsonFault> ValidateReferences(const core::ProgramDefinition& program,
                                          const Directory& directory) {
  std::vector<JsonFault> faults;
  if (directory.HasProgram(program.id)) {
    faults.push_back(
        JsonFault{"id", "program " + program.id + " already exists", ReasonCode::kAlreadyExists});
  }
  if (!directory.HasToken(program.token.str())) {
    faults.push_back(JsonFault{"token", "token " + program.token.str() + " is not defined",
                               ReasonCode::kUnknownToken});
  }
  if (auto fault = CheckAccount(directory, program.owner, core::Role::kTreasury, "owner",
                                "a treasury account")) {
    faults.push_back(std::move(*fault));
  }
  for (std::size_t i = 0; i < program.managers.size(); ++i) {
    if (auto fault = CheckAccount(directory, program.managers[i], core::Role::kManager,
                                  At("managers", i), "a manager")) {
      faults.push_back(std::move(*fault));
    }
  }
  auto rule_faults = ValidateRuleReferences(program.rules, "rules", directory);
  faults.insert(faults.end(), rule_faults.begin(), rule_faults.end());
  return faults;
}

CheckedDefinition CheckDefinition(const boost::json::value& value, const Directory* directory) {
  CheckedDefinition checked;
  auto parsed = core::ProgramFromJson(value, "");
  if (!parsed) {
    checked.faults = std::move(parsed.error());
    AddFaultsOfReadableRules(value, checked.faults);
    return checked;
  }
  checked.faults = ValidateDefinition(*parsed);
  if (directory != nullptr) {
    auto references = ValidateReferences(*parsed, *directory);
    checked.faults.insert(checked.faults.end(), references.begin(), references.end());
  }
  checked.program = std::move(*parsed);
  return checked;
}

}  // namespace nuri::policy
