#include "api/json_response.h"

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

}  // namespace nuri::api
