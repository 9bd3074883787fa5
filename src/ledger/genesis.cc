#include "ledger/genesis.h"

#include <algorithm>
#include <map>
#include <set>

#include "crypto/key_file.h"
#include "policy/validate.h"

namespace nuri::ledger {

namespace json = boost::json;

namespace {

std::unexpected<core::JsonFault> Fault(std::string field, std::string message) {
  return std::unexpected(core::JsonFault{std::move(field), std::move(message)});
}

std::string At(std::string_view path, std::string_view name) {
  return path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
}

// Reads list `name` of objects, turning each into a body of `type` (the object's own fields are
// the body's fields).
core::JsonResult<std::vector<core::Body>> ReadList(const json::object& genesis,
                                                   std::string_view path, std::string_view name,
                                                   std::string_view type) {
  std::vector<core::Body> bodies;
  const json::value* list = genesis.if_contains(name);
  if (list == nullptr) return bodies;
  if (!list->is_array()) return Fault(At(path, name), "expected a list");
  const auto& array = list->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string item_path = At(path, name) + "[" + std::to_string(i) + "]";
    if (!array[i].is_object()) return Fault(item_path, "expected an object");
    json::object item = array[i].get_object();
    if (item.contains("type")) return Fault(item_path + ".type", "not allowed here");
    item["type"] = type;
    auto body = core::BodyFromJson(item, item_path);
    if (!body) return std::unexpected(body.error());
    bodies.push_back(std::move(*body));
  }
  return bodies;
}

core::JsonResult<core::ValidatorSet> ReadValidators(const json::object& genesis,
                                                    std::string_view path) {
  core::ValidatorSet set;
  const json::value* list = genesis.if_contains("validators");
  if (list == nullptr) return set;
  if (!list->is_array()) return Fault(At(path, "validators"), "expected a list");
  const auto& array = list->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string item_path = At(path, "validators") + "[" + std::to_string(i) + "]";
    const json::object* item = array[i].if_object();
    if (item == nullptr) return Fault(item_path, "expected an object");
    const json::value* name = item->if_contains("name");
    const json::value* key = item->if_contains("key");
    if (name == nullptr || !name->is_string() || !core::IsValidatorName(name->get_string())) {
      return Fault(item_path + ".name",
                   "expected a node name: lowercase letters, digits, '-', '_' and '.'");
    }
    if (key == nullptr || !key->is_string()) return Fault(item_path + ".key", "required");
    auto parsed = crypto::PublicKey::FromText(key->get_string());
    if (!parsed) return Fault(item_path + ".key", parsed.error().message());
    if (set.Find(name->get_string()) != nullptr) return Fault(item_path + ".name", "duplicate");
    set.validators.push_back({std::string(name->get_string()), *parsed});
  }
  return set;
}

// Gives each account listed without keys its derived test key, in the description itself, so
// that the stored description names every key.
void DeriveMissingKeys(json::object& genesis) {
  json::value* accounts = genesis.if_contains("accounts");
  if (accounts == nullptr || !accounts->is_array()) return;
  for (json::value& account : accounts->get_array()) {
    json::object* item = account.if_object();
    if (item == nullptr || item->contains("keys")) continue;
    const json::value* id = item->if_contains("id");
    if (id != nullptr && id->is_string()) {
      (*item)["keys"] = json::array{crypto::DeriveTestKey(id->get_string()).public_key().ToText()};
    }
  }
}

// The holiday calendar: a list of local dates, applied as one set_holidays per year.
core::JsonResult<std::vector<core::Body>> ReadHolidays(const json::object& genesis,
                                                       std::string_view path) {
  std::vector<core::Body> bodies;
  const json::value* list = genesis.if_contains("holidays");
  if (list == nullptr) return bodies;
  if (!list->is_array()) return Fault(At(path, "holidays"), "expected a list of dates");
  std::map<int, std::set<core::LocalDate>> by_year;
  const auto& array = list->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string item_path = At(path, "holidays") + "[" + std::to_string(i) + "]";
    if (!array[i].is_string()) return Fault(item_path, "expected a date YYYY-MM-DD");
    auto date = core::ParseDate(array[i].get_string());
    if (!date) return Fault(item_path, date.error().message());
    by_year[date->year].insert(*date);
  }
  for (const auto& [year, dates] : by_year) {
    bodies.push_back(core::SetHolidays{year, {dates.begin(), dates.end()}});
  }
  return bodies;
}

}  // namespace

core::JsonResult<Genesis> ParseGenesis(const json::value& value, std::string_view path,
                                       const GenesisOptions& options) {
  if (!value.is_object()) return Fault(std::string(path), "expected an object");
  json::object normalized = value.get_object();
  if (options.derive_missing_keys) DeriveMissingKeys(normalized);
  const json::object* object = &normalized;
  static constexpr std::string_view kKnown[] = {"chain_id", "start",      "orgs",     "accounts",
                                                "tokens",   "validators", "holidays", "programs"};
  for (const auto& field : *object) {
    if (std::find(std::begin(kKnown), std::end(kKnown), field.key()) == std::end(kKnown)) {
      return Fault(At(path, field.key()), "unknown field");
    }
  }
  Genesis genesis;
  genesis.chain_id = options.default_chain_id;
  if (const json::value* chain = object->if_contains("chain_id")) {
    if (!chain->is_string() || chain->get_string().empty() || chain->get_string().size() > 32) {
      return Fault(At(path, "chain_id"), "expected a chain name of 1-32 characters");
    }
    genesis.chain_id = std::string(chain->get_string());
  }
  const json::value* start = object->if_contains("start");
  if (start == nullptr || !start->is_string()) return Fault(At(path, "start"), "required");
  auto start_time = core::ParseTime(start->get_string());
  if (!start_time) return Fault(At(path, "start"), start_time.error().message());
  genesis.start_time = *start_time;

  auto validators = ReadValidators(*object, path);
  if (!validators) return std::unexpected(validators.error());
  genesis.validators = std::move(*validators);

  const std::pair<std::string_view, std::string_view> kLists[] = {
      {"orgs", "register_org"}, {"accounts", "register_account"}, {"tokens", "define_token"}};
  for (const auto& [name, type] : kLists) {
    auto bodies = ReadList(*object, path, name, type);
    if (!bodies) return std::unexpected(bodies.error());
    for (auto& body : *bodies) genesis.bodies.push_back(std::move(body));
  }
  auto holidays = ReadHolidays(*object, path);
  if (!holidays) return std::unexpected(holidays.error());
  for (auto& body : *holidays) genesis.bodies.push_back(std::move(body));
  auto programs = ReadList(*object, path, "programs", "define_program");
  if (!programs) return std::unexpected(programs.error());
  for (std::size_t i = 0; i < programs->size(); ++i) {
    const auto& program = std::get<core::DefineProgram>((*programs)[i]).program;
    const auto faults = policy::ValidateDefinition(program);
    if (!faults.empty()) {
      const core::JsonFault& fault = faults.front();
      return Fault(At(path, "programs") + "[" + std::to_string(i) + "]." + fault.field,
                   fault.message);
    }
    genesis.bodies.push_back(std::move((*programs)[i]));
  }
  normalized["chain_id"] = genesis.chain_id;
  genesis.text = json::serialize(normalized);
  return genesis;
}

}  // namespace nuri::ledger
