// The "rate_limits" object of a node's configuration (docs/operations.md), read into the
// options of the API's guard (api/api_guard.h):
//   {"per_address_per_second": 100, "per_address_burst": 200,
//    "per_session_per_second": 20, "per_session_burst": 40, "logins_per_minute": 10,
//    "exempt_addresses": ["127.0.0.1"]}
// Every field is optional; an absent object keeps the defaults. A rate of 0 turns that limit off.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_guard.h"
#include "base/status.h"

namespace nuri::cli {

// A JSON array of IP addresses, as the API server reports a client's; `name`, the field, and
// `path`, the file, are for messages.
base::Result<std::vector<std::string>> IpAddressesFromConfig(const boost::json::value& value,
                                                             std::string_view name,
                                                             const std::string& path);

// `value`: the "rate_limits" member (null when absent); `path`: the file, for messages.
base::Result<api::ApiGuardOptions> GuardOptionsFromConfig(const boost::json::value* value,
                                                          const std::string& path);

}  // namespace nuri::cli
