#include "cli/guard_config.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string_view>

namespace nuri::cli {

namespace json = boost::json;

namespace {

// Generous enough for anything a client does by hand; a ministry's system that submits at
// volume runs from an exempt address.
constexpr double kRateMax = 1e6;

}  // namespace

base::Result<std::vector<std::string>> IpAddressesFromConfig(const json::value& value,
                                                             std::string_view name,
                                                             const std::string& path) {
  auto fail = [&](std::string_view message) {
    return base::Error(base::Status::InvalidArgument(path + ": " + std::string(name) + ": " +
                                                     std::string(message)));
  };
  if (!value.is_array()) return fail("expected an array of IP addresses");
  std::vector<std::string> addresses;
  for (const json::value& item : value.get_array()) {
    boost::system::error_code parse_error;
    if (!item.is_string()) return fail("expected IP addresses");
    const std::string text(item.get_string());
    const auto address = boost::asio::ip::make_address(text, parse_error);
    if (parse_error || text.find('\0') != std::string::npos) {
      return fail("not an IP address: " + text);
    }
    // No client comes from 0.0.0.0 or ::: listing one is a mistake for "everyone".
    if (address.is_unspecified()) return fail("no client has the address " + text);
    // The connection's address as the server reports it, so that the two compare equal.
    addresses.push_back(address.to_string());
  }
  return addresses;
}

base::Result<api::ApiGuardOptions> GuardOptionsFromConfig(const json::value* value,
                                                          const std::string& path) {
  api::ApiGuardOptions options;
  if (value == nullptr) return options;
  auto fail = [&](std::string_view message) {
    return base::Error(
        base::Status::InvalidArgument(path + ": rate_limits." + std::string(message)));
  };
  if (!value->is_object()) return fail(": not an object");
  const json::object& object = value->get_object();
  static constexpr std::string_view kFields[] = {"per_address_per_second", "per_address_burst",
                                                 "per_session_per_second", "per_session_burst",
                                                 "logins_per_minute",      "exempt_addresses"};
  for (const auto& [name, field] : object) {
    if (std::ranges::find(kFields, std::string_view(name)) == std::end(kFields)) {
      return fail(std::string(name) + ": unknown field");
    }
  }
  // Reads a number from `minimum` to kRateMax into target; the first fault is kept in `fault`.
  std::optional<std::string> fault;
  auto number = [&](std::string_view name, int minimum, double& target) {
    const json::value* field = object.if_contains(name);
    if (field == nullptr || fault) return;
    const auto read =
        field->is_number() ? std::optional<double>(field->to_number<double>()) : std::nullopt;
    if (!read || *read < minimum || *read > kRateMax) {
      fault =
          std::string(name) + ": expected a number from " + std::to_string(minimum) + " to 1000000";
      return;
    }
    target = *read;
  };
  number("per_address_per_second", 0, options.per_address.per_second);
  number("per_address_burst", 1, options.per_address.burst);
  number("per_session_per_second", 0, options.per_session.per_second);
  number("per_session_burst", 1, options.per_session.burst);
  double logins_per_minute = options.logins_per_address.per_second * 60;
  number("logins_per_minute", 0, logins_per_minute);
  options.logins_per_address.per_second = logins_per_minute / 60;
  if (fault) return fail(*fault);
  if (const json::value* exempt = object.if_contains("exempt_addresses")) {
    auto addresses = IpAddressesFromConfig(*exempt, "rate_limits.exempt_addresses", path);
    if (!addresses) return base::Error(addresses.error());
    options.exempt_addresses = *std::move(addresses);
  }
  return options;
}

}  // namespace nuri::cli
