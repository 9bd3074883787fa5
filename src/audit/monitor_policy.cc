#include "audit/monitor_policy.h"

#include <initializer_list>

#include "core/program.h"

namespace nuri::audit {

namespace json = boost::json;

namespace {

// An integer parameter of a check, with the range it may take.
struct Parameter {
  std::string_view name;
  std::int64_t* value;
  std::int64_t min;
  std::int64_t max;
};

constexpr std::int64_t kWonMax = 1'000'000'000'000;
constexpr std::int64_t kMinutesMax = 60 * 24 * 31;
constexpr std::int64_t kThresholdsMax = 8;

class PolicyReader {
 public:
  std::vector<core::JsonFault>& faults() { return faults_; }

  void Fault(std::string field, std::string message) {
    faults_.push_back(core::JsonFault{std::move(field), std::move(message)});
  }

  // Reads check `name` of `checks` (at `path`) into `enabled` and `parameters`; `extra` reads
  // a parameter that is not an integer, and says whether it knew the name.
  template <typename Extra>
  void Check(const json::object& checks, const std::string& path, std::string_view name,
             bool& enabled, std::initializer_list<Parameter> parameters, Extra extra) {
    const json::value* check = checks.if_contains(name);
    if (check == nullptr) return;
    const std::string at = path + "." + std::string(name);
    if (check->is_bool()) {
      enabled = check->get_bool();
      return;
    }
    if (!check->is_object()) return Fault(at, "expected false, true or an object of parameters");
    enabled = true;
    for (const auto& [key, value] : check->get_object()) {
      const std::string field = at + "." + std::string(key);
      const Parameter* parameter = nullptr;
      for (const Parameter& candidate : parameters) {
        if (candidate.name == key) parameter = &candidate;
      }
      if (parameter == nullptr) {
        if (!extra(std::string_view(key), value, field)) Fault(field, "unknown parameter");
        continue;
      }
      if (!value.is_int64() || value.get_int64() < parameter->min ||
          value.get_int64() > parameter->max) {
        Fault(field, "expected an integer from " + std::to_string(parameter->min) + " to " +
                         std::to_string(parameter->max));
        continue;
      }
      *parameter->value = value.get_int64();
    }
  }

  void Check(const json::object& checks, const std::string& path, std::string_view name,
             bool& enabled, std::initializer_list<Parameter> parameters) {
    Check(checks, path, name, enabled, parameters,
          [](std::string_view, const json::value&, const std::string&) { return false; });
  }

  // Changes `policy` by the checks of `value`, an object at `path`.
  void Read(const json::value& value, const std::string& path, MonitorPolicy& policy) {
    if (!value.is_object()) return Fault(path, "expected an object of checks");
    const json::object& checks = value.get_object();
    static constexpr std::string_view kChecks[] = {
        "split_payments",         "near_threshold",
        "repeated_merchant",      "justified_passes",
        "cancel_and_rebill",      "round_and_repeated_amounts",
        "merchant_concentration", "bursts"};
    for (const auto& [key, member] : checks) {
      if (std::ranges::find(kChecks, std::string_view(key)) == std::end(kChecks)) {
        Fault(path + "." + std::string(key), "unknown check");
      }
    }
    auto& split = policy.split_payments;
    Check(checks, path, "split_payments", split.enabled,
          {{"window_minutes", &split.window_minutes, 1, kMinutesMax},
           {"threshold_won", &split.threshold_won, 1, kWonMax}});
    auto& near = policy.near_threshold;
    Check(checks, path, "near_threshold", near.enabled,
          {{"margin_percent", &near.margin_percent, 1, 50}},
          [&](std::string_view key, const json::value& list, const std::string& field) {
            if (key != "thresholds_won") return false;
            ReadThresholds(list, field, near.thresholds_won);
            return true;
          });
    auto& repeated = policy.repeated_merchant;
    Check(checks, path, "repeated_merchant", repeated.enabled,
          {{"window_days", &repeated.window_days, 1, 31}, {"count", &repeated.count, 2, 1000}});
    Check(checks, path, "justified_passes", policy.justified_passes.enabled, {});
    auto& rebill = policy.cancel_and_rebill;
    Check(checks, path, "cancel_and_rebill", rebill.enabled,
          {{"window_hours", &rebill.window_hours, 1, 24 * 31},
           {"night_from_minute", &rebill.night_from_minute, 0, 1439},
           {"night_to_minute", &rebill.night_to_minute, 0, 1439},
           {"similar_percent", &rebill.similar_percent, 1, 100}});
    auto& amounts = policy.round_and_repeated_amounts;
    Check(checks, path, "round_and_repeated_amounts", amounts.enabled,
          {{"window_days", &amounts.window_days, 1, 31},
           {"count", &amounts.count, 2, 1000},
           {"round_unit_won", &amounts.round_unit_won, 1, kWonMax}});
    auto& concentration = policy.merchant_concentration;
    Check(checks, path, "merchant_concentration", concentration.enabled,
          {{"payments_min", &concentration.payments_min, 1, 1000000},
           {"share_percent", &concentration.share_percent, 1, 100}});
    auto& bursts = policy.bursts;
    Check(checks, path, "bursts", bursts.enabled,
          {{"window_minutes", &bursts.window_minutes, 1, kMinutesMax},
           {"count", &bursts.count, 2, 1000}});
  }

 private:
  void ReadThresholds(const json::value& list, const std::string& field,
                      std::vector<std::int64_t>& thresholds) {
    if (!list.is_array() || list.get_array().empty() ||
        list.get_array().size() > static_cast<std::size_t>(kThresholdsMax)) {
      return Fault(field,
                   "expected a list of 1 to " + std::to_string(kThresholdsMax) + " amounts of won");
    }
    std::vector<std::int64_t> read;
    for (std::size_t i = 0; i < list.get_array().size(); ++i) {
      const json::value& amount = list.get_array()[i];
      if (!amount.is_int64() || amount.get_int64() < 1 || amount.get_int64() > kWonMax) {
        return Fault(field + "[" + std::to_string(i) + "]", "expected a positive amount of won");
      }
      read.push_back(amount.get_int64());
    }
    thresholds = std::move(read);
  }

  std::vector<core::JsonFault> faults_;
};

}  // namespace

const MonitorPolicy& AuditPolicy::For(const std::string& program) const {
  const auto found = programs.find(program);
  return found == programs.end() ? defaults : found->second;
}

std::expected<AuditPolicy, std::vector<core::JsonFault>> ParseAuditPolicy(
    const json::value& value) {
  PolicyReader reader;
  AuditPolicy policy;
  if (!value.is_object()) {
    reader.Fault("", "expected an object with defaults and programs");
    return std::unexpected(std::move(reader.faults()));
  }
  for (const auto& [key, member] : value.get_object()) {
    if (key != "defaults" && key != "programs") reader.Fault(std::string(key), "unknown field");
  }
  if (const json::value* defaults = value.get_object().if_contains("defaults")) {
    reader.Read(*defaults, "defaults", policy.defaults);
  }
  if (const json::value* programs = value.get_object().if_contains("programs")) {
    if (!programs->is_object()) {
      reader.Fault("programs", "expected an object of programs");
    } else {
      for (const auto& [program, checks] : programs->get_object()) {
        const std::string path = "programs." + std::string(program);
        if (!core::IsProgramId(program)) {
          reader.Fault(path, "not a program id");
          continue;
        }
        MonitorPolicy changed = policy.defaults;
        reader.Read(checks, path, changed);
        policy.programs.emplace(std::string(program), std::move(changed));
      }
    }
  }
  if (!reader.faults().empty()) return std::unexpected(std::move(reader.faults()));
  return policy;
}

}  // namespace nuri::audit
