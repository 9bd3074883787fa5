#include "api/json_response.h"

#include <algorithm>

namespace nuri::api {

namespace json = boost::json;

HttpResponse JsonResponse(int status, const json::value& body) {
  HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field) {
  json::object body{{"code", code}, {"message", message}};
  if (!field.empty()) body["field"] = field;
  return JsonResponse(status, body);
}

std::optional<HttpResponse> CheckBodyFields(const json::value* body,
                                            std::initializer_list<std::string_view> allowed) {
  if (body == nullptr || !body->is_object()) {
    return ErrorResponse(400, "MALFORMED", "the body is not a JSON object");
  }
  for (const auto& [name, value] : body->get_object()) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return ErrorResponse(400, "MALFORMED", "unknown field", name);
    }
  }
  return std::nullopt;
}

std::optional<std::string> TextField(const json::object& body, std::string_view name) {
  constexpr std::size_t kTextFieldSizeBytesMax = 1024;
  const json::value* value = body.if_contains(name);
  if (value == nullptr) return std::string();
  if (!value->is_string() || value->get_string().size() > kTextFieldSizeBytesMax) {
    return std::nullopt;
  }
  return std::string(value->get_string());
}

}  // namespace nuri::api
