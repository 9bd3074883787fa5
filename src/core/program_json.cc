// The JSON form of program definitions (docs/programs.md). Reads the shape of a definition:
// fields, their types, known rule kinds and roles, times and clock times. Every fault found is
// collected with its path, so that a budget office sees all of them at once; whether the
// definition makes sense is src/policy's to judge.
#include <algorithm>

#include "core/json.h"
#include "core/json_fields.h"
#include "core/program.h"

namespace nuri::core {

namespace json = boost::json;
using json_fields::Fault;
using json_fields::Fields;

namespace {

// Collects faults; `Take` records a result's fault and says whether it was ok.
class Faults {
 public:
  template <typename T>
  bool Take(const JsonResult<T>& result) {
    if (!result) list_.push_back(result.error());
    return result.has_value();
  }
  void Add(std::string field, std::string message) {
    list_.push_back(JsonFault{std::move(field), std::move(message)});
  }
  bool empty() const { return list_.empty(); }
  std::vector<JsonFault>& list() { return list_; }

 private:
  std::vector<JsonFault> list_;
};

std::string Item(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

void RejectUnknownFields(const json::object& object, std::string_view path,
                         std::initializer_list<std::string_view> known, Faults& faults) {
  for (const auto& field : object) {
    if (std::find(known.begin(), known.end(), field.key()) == known.end()) {
      faults.Add(json_fields::Join(path, field.key()), "unknown field");
    }
  }
}

const json::array* ListField(const Fields& f, std::string_view name, bool required,
                             Faults& faults) {
  const json::value* value = f.Find(name);
  if (value == nullptr) {
    if (required) faults.Add(f.Path(name), "required");
    return nullptr;
  }
  if (!value->is_array()) {
    faults.Add(f.Path(name), "expected a list");
    return nullptr;
  }
  return &value->get_array();
}

std::vector<std::string> CategoriesFromJson(const Fields& f, bool required, Faults& faults) {
  std::vector<std::string> categories;
  const json::array* list = ListField(f, "mcc", required, faults);
  if (list == nullptr) return categories;
  if (list->size() > base::kCategoriesPerRuleMax) {
    faults.Add(f.Path("mcc"), "at most " + std::to_string(base::kCategoriesPerRuleMax) + " codes");
    return categories;
  }
  // An optional list given empty would read as "applies nowhere" but mean "applies everywhere":
  // leave the field out for the latter.
  if (!required && list->empty()) {
    faults.Add(f.Path("mcc"),
               "expected at least one category (leave mcc out to apply the rule "
               "at every merchant)");
    return categories;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json::value& code = (*list)[i];
    if (!code.is_string() || !IsMerchantCategoryCode(code.get_string())) {
      faults.Add(Item(f.Path("mcc"), i), "expected an ISO 18245 code of four digits");
      continue;
    }
    categories.emplace_back(code.get_string());
  }
  return categories;
}

std::vector<AccountId> AccountsFromJson(const Fields& f, std::string_view name,
                                        std::size_t count_max, Faults& faults) {
  std::vector<AccountId> accounts;
  const json::array* list = ListField(f, name, true, faults);
  if (list == nullptr) return accounts;
  if (list->size() > count_max) {
    faults.Add(f.Path(name), "at most " + std::to_string(count_max) + " accounts");
    return accounts;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json::value& item = (*list)[i];
    auto id = item.is_string() ? AccountId::Parse(item.get_string())
                               : base::Result<AccountId>(base::Error(base::Status::InvalidArgument(
                                     "expected an account id name@org")));
    if (!id) {
      faults.Add(Item(f.Path(name), i), id.error().message());
      continue;
    }
    accounts.push_back(*id);
  }
  return accounts;
}

void ClockFromJson(const Fields& f, std::string_view name, int& minute, Faults& faults) {
  auto text = f.String(name, 8);
  if (!faults.Take(text)) return;
  const auto parsed = ParseClock(*text);
  if (!parsed) {
    faults.Add(f.Path(name), "expected a time of day HH:MM (00:00 to 24:00), not '" + *text + "'");
    return;
  }
  minute = *parsed;
}

void AmountParameter(const Fields& f, Rule& rule, Faults& faults) {
  auto amount = f.AmountField("amount");
  if (faults.Take(amount)) rule.amount = *amount;
}

void TranchesFromJson(const Fields& f, Rule& rule, Faults& faults) {
  const json::array* list = ListField(f, "tranches", true, faults);
  if (list == nullptr) return;
  if (list->size() > base::kTranchesPerRuleMax) {
    faults.Add(f.Path("tranches"),
               "at most " + std::to_string(base::kTranchesPerRuleMax) + " tranches");
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = Item(f.Path("tranches"), i);
    if (!(*list)[i].is_object()) {
      faults.Add(path, "expected an object");
      continue;
    }
    Fields item((*list)[i].get_object(), path);
    RejectUnknownFields((*list)[i].get_object(), path, {"percent", "milestone"}, faults);
    Tranche tranche;
    auto percent = item.Unsigned("percent", 100, 0);
    if (item.Find("percent") == nullptr)
      faults.Add(item.Path("percent"), "required");
    else if (faults.Take(percent))
      tranche.percent = static_cast<std::uint32_t>(*percent);
    auto milestone = item.String("milestone", base::kMilestoneLengthMax, false);
    if (faults.Take(milestone)) tranche.milestone = *milestone;
    rule.tranches.push_back(std::move(tranche));
  }
}

void ParametersFromJson(const json::object& object, const std::string& base_path, const Fields& f,
                        Rule& rule, Faults& faults) {
  auto justifiable = [&] {
    auto value = f.Bool("justifiable", false);
    if (faults.Take(value)) rule.justifiable = *value;
  };
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
      RejectUnknownFields(object, base_path, {"id", "rule", "mcc"}, faults);
      rule.categories = CategoriesFromJson(f, true, faults);
      return;
    case RuleKind::kDenyCategories:
      RejectUnknownFields(object, base_path, {"id", "rule", "mcc", "justifiable"}, faults);
      rule.categories = CategoriesFromJson(f, true, faults);
      justifiable();
      return;
    case RuleKind::kAllowMerchants:
      RejectUnknownFields(object, base_path, {"id", "rule", "merchants"}, faults);
      rule.merchants = AccountsFromJson(f, "merchants", base::kMerchantsPerRuleMax, faults);
      return;
    case RuleKind::kHours:
      RejectUnknownFields(object, base_path, {"id", "rule", "from", "to", "justifiable"}, faults);
      ClockFromJson(f, "from", rule.from_minute, faults);
      // As the binary form: a window starts within the day; only its end may be 24:00.
      if (rule.from_minute >= kMinutesPerDay) {
        faults.Add(f.Path("from"), "24:00 is the end of the day, not a start");
      }
      ClockFromJson(f, "to", rule.to_minute, faults);
      justifiable();
      return;
    case RuleKind::kBusinessDays:
      RejectUnknownFields(object, base_path, {"id", "rule", "justifiable"}, faults);
      justifiable();
      return;
    case RuleKind::kMaxPerPayment:
    case RuleKind::kMaxPerDay:
    case RuleKind::kMaxPerMonth:
    case RuleKind::kAttendeesRequiredFrom:
    case RuleKind::kEvidenceRequiredFrom:
      RejectUnknownFields(object, base_path, {"id", "rule", "amount"}, faults);
      AmountParameter(f, rule, faults);
      return;
    case RuleKind::kMaxPerAttendee:
      RejectUnknownFields(object, base_path, {"id", "rule", "amount", "mcc"}, faults);
      AmountParameter(f, rule, faults);
      rule.categories = CategoriesFromJson(f, false, faults);
      return;
    case RuleKind::kApprovalFrom: {
      RejectUnknownFields(object, base_path, {"id", "rule", "amount", "role"}, faults);
      AmountParameter(f, rule, faults);
      auto role = f.String("role", 32);
      if (!faults.Take(role)) return;
      const auto parsed = RoleFromName(*role);
      if (!parsed)
        faults.Add(f.Path("role"), "unknown role '" + *role + "'");
      else
        rule.role = *parsed;
      return;
    }
    case RuleKind::kTranches:
      RejectUnknownFields(object, base_path, {"id", "rule", "tranches"}, faults);
      TranchesFromJson(f, rule, faults);
      return;
  }
}

std::optional<Rule> RuleFromJson(const json::value& value, const std::string& path,
                                 Faults& faults) {
  if (!value.is_object()) {
    faults.Add(path, "expected an object");
    return std::nullopt;
  }
  const std::size_t faults_before = faults.list().size();
  Fields f(value.get_object(), path);
  Rule rule;
  auto id = f.String("id", base::kRuleIdLengthMax + 1);
  if (faults.Take(id)) {
    if (IsRuleId(*id))
      rule.id = *id;
    else
      faults.Add(f.Path("id"), "expected a rule id of 1-16 letters, digits, '-', '_', '.'");
  }
  auto kind_name = f.String("rule", 32);
  if (!faults.Take(kind_name)) return std::nullopt;
  const auto kind = RuleKindFromName(*kind_name);
  if (!kind) {
    faults.Add(f.Path("rule"), "unknown rule '" + *kind_name + "'");
    return std::nullopt;
  }
  rule.kind = *kind;
  ParametersFromJson(value.get_object(), path, f, rule, faults);
  if (faults.list().size() != faults_before) return std::nullopt;
  return rule;
}

void TimeField(const Fields& f, std::string_view name, TimeMillis& time, Faults& faults) {
  auto text = f.String(name, 64);
  if (!faults.Take(text)) return;
  auto parsed = ParseTime(*text);
  if (!parsed)
    faults.Add(f.Path(name), parsed.error().message());
  else
    time = *parsed;
}

template <typename Id>
void IdentifierField(const Fields& f, std::string_view name, Id& id, Faults& faults) {
  auto parsed = f.Identifier<Id>(name);
  if (faults.Take(parsed)) id = *parsed;
}

}  // namespace

std::expected<std::vector<Rule>, std::vector<JsonFault>> RulesFromJson(const json::value& value,
                                                                       std::string_view path) {
  Faults faults;
  std::vector<Rule> rules;
  if (!value.is_array()) {
    faults.Add(std::string(path), "expected a list of rules");
    return std::unexpected(std::move(faults.list()));
  }
  const auto& array = value.get_array();
  if (array.size() > base::kRulesPerProgramMax) {
    faults.Add(std::string(path),
               "at most " + std::to_string(base::kRulesPerProgramMax) + " rules");
    return std::unexpected(std::move(faults.list()));
  }
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (auto rule = RuleFromJson(array[i], Item(path, i), faults)) rules.push_back(*rule);
  }
  if (!faults.empty()) return std::unexpected(std::move(faults.list()));
  return rules;
}

std::expected<ProgramDefinition, std::vector<JsonFault>> ProgramFromJson(const json::value& value,
                                                                         std::string_view path,
                                                                         bool allow_type) {
  Faults faults;
  if (!value.is_object()) {
    faults.Add(std::string(path), "expected a program definition object");
    return std::unexpected(std::move(faults.list()));
  }
  const json::object& object = value.get_object();
  if (allow_type) {
    RejectUnknownFields(object, path,
                        {"type", "id", "name", "kind", "token", "owner", "managers", "valid_from",
                         "valid_until", "budget_code", "rules"},
                        faults);
  } else {
    RejectUnknownFields(object, path,
                        {"id", "name", "kind", "token", "owner", "managers", "valid_from",
                         "valid_until", "budget_code", "rules"},
                        faults);
  }
  Fields f(object, path);
  ProgramDefinition program;
  auto id = f.ProgramId("id");
  if (faults.Take(id)) program.id = *id;
  auto name = f.String("name", base::kDisplayNameLengthMax);
  if (faults.Take(name)) program.name = *name;
  auto kind = f.String("kind", 16);
  if (faults.Take(kind)) {
    const auto parsed = ProgramKindFromName(*kind);
    if (parsed)
      program.kind = *parsed;
    else
      faults.Add(f.Path("kind"), "expected expense or subsidy, not '" + *kind + "'");
  }
  IdentifierField(f, "token", program.token, faults);
  IdentifierField(f, "owner", program.owner, faults);
  if (f.Find("managers") != nullptr) {
    program.managers = AccountsFromJson(f, "managers", base::kManagersPerProgramMax, faults);
  }
  TimeField(f, "valid_from", program.valid_from, faults);
  TimeField(f, "valid_until", program.valid_until, faults);
  auto budget_code = f.String("budget_code", base::kBudgetCodeLengthMax, false);
  if (faults.Take(budget_code)) program.budget_code = *budget_code;
  if (const json::value* rules = f.Find("rules")) {
    auto parsed = RulesFromJson(*rules, f.Path("rules"));
    if (parsed)
      program.rules = std::move(*parsed);
    else
      for (auto& fault : parsed.error()) faults.list().push_back(std::move(fault));
  } else {
    faults.Add(f.Path("rules"), "required (an empty list when the program has no rules)");
  }
  if (!faults.empty()) return std::unexpected(std::move(faults.list()));
  return program;
}

json::object RuleToJson(const Rule& rule) {
  json::object o;
  o["id"] = rule.id;
  o["rule"] = RuleKindName(rule.kind);
  auto categories = [&] {
    json::array list;
    for (const auto& code : rule.categories) list.emplace_back(code);
    return list;
  };
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
      o["mcc"] = categories();
      break;
    case RuleKind::kDenyCategories:
      o["mcc"] = categories();
      if (rule.justifiable) o["justifiable"] = true;
      break;
    case RuleKind::kAllowMerchants: {
      json::array list;
      for (const auto& merchant : rule.merchants) list.emplace_back(merchant.str());
      o["merchants"] = std::move(list);
      break;
    }
    case RuleKind::kHours:
      o["from"] = FormatClock(rule.from_minute);
      o["to"] = FormatClock(rule.to_minute);
      if (rule.justifiable) o["justifiable"] = true;
      break;
    case RuleKind::kBusinessDays:
      if (rule.justifiable) o["justifiable"] = true;
      break;
    case RuleKind::kMaxPerPayment:
    case RuleKind::kMaxPerDay:
    case RuleKind::kMaxPerMonth:
    case RuleKind::kAttendeesRequiredFrom:
    case RuleKind::kEvidenceRequiredFrom:
      o["amount"] = rule.amount.won();
      break;
    case RuleKind::kMaxPerAttendee:
      o["amount"] = rule.amount.won();
      if (!rule.categories.empty()) o["mcc"] = categories();
      break;
    case RuleKind::kApprovalFrom:
      o["amount"] = rule.amount.won();
      o["role"] = RoleName(rule.role);
      break;
    case RuleKind::kTranches: {
      json::array list;
      for (const auto& tranche : rule.tranches) {
        json::object item{{"percent", tranche.percent}};
        if (!tranche.milestone.empty()) item["milestone"] = tranche.milestone;
        list.push_back(std::move(item));
      }
      o["tranches"] = std::move(list);
      break;
    }
  }
  return o;
}

json::array RulesToJson(const std::vector<Rule>& rules) {
  json::array list;
  for (const auto& rule : rules) list.push_back(RuleToJson(rule));
  return list;
}

json::object ProgramToJson(const ProgramDefinition& program) {
  json::object o;
  o["id"] = program.id;
  o["name"] = program.name;
  o["kind"] = ProgramKindName(program.kind);
  o["token"] = program.token.str();
  o["owner"] = program.owner.str();
  json::array managers;
  for (const auto& manager : program.managers) managers.emplace_back(manager.str());
  o["managers"] = std::move(managers);
  o["valid_from"] = FormatKoreaTime(program.valid_from);
  o["valid_until"] = FormatKoreaTime(program.valid_until);
  if (!program.budget_code.empty()) o["budget_code"] = program.budget_code;
  o["rules"] = RulesToJson(program.rules);
  return o;
}

}  // namespace nuri::core
