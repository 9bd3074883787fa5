// The API's JSON answers: a body, or the uniform error {"code","message","field"} (field only
// when one input field is at fault).
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_server.h"

namespace nuri::api {

HttpResponse JsonResponse(int status, const boost::json::value& body);
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field = {});

// A request body that is a JSON object with only the `allowed` fields: nullopt; otherwise the
// 400 MALFORMED that says what is wrong.
std::optional<HttpResponse> CheckBodyFields(const boost::json::value* body,
                                            std::initializer_list<std::string_view> allowed);
// A string field of at most 1 KiB: its text, "" when absent, nullopt when not such a string.
std::optional<std::string> TextField(const boost::json::object& body, std::string_view name);

}  // namespace nuri::api
