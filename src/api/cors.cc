#include "api/cors.h"

#include <algorithm>

#include "api/json_response.h"

namespace nuri::api {

namespace {

constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, DELETE";
constexpr std::string_view kAllowedHeaders =
    "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
constexpr std::string_view kExposedHeaders = "Retry-After, Idempotent-Replayed";
// How long a browser may keep a preflight's answer, in seconds.
constexpr std::string_view kPreflightMaxAge = "600";

bool IsHostCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '[' ||
         c == ']' || c == ':';
}

}  // namespace

base::Status CheckOrigin(std::string_view origin) {
  const auto invalid = [&] {
    return base::Status::InvalidArgument("not an origin (scheme://host[:port]): " +
                                         std::string(origin));
  };
  std::string_view rest = origin;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return invalid();
  }
  if (rest.empty() || !std::ranges::all_of(rest, IsHostCharacter)) return invalid();
  return base::Status::Ok();
}

bool Cors::Allows(std::string_view origin) const {
  return !origin.empty() && std::ranges::find(origins_, origin) != origins_.end();
}

void Cors::Handle(HttpRequest request, Responder respond) {
  const std::string origin = request.Header("origin");
  if (origins_.empty() || origin.empty()) return next_(std::move(request), std::move(respond));
  const bool preflight =
      request.method == "OPTIONS" && !request.Header("access-control-request-method").empty();
  if (preflight) {
    if (!Allows(origin)) {
      return respond(ErrorResponse(403, "CORS_ORIGIN_NOT_ALLOWED",
                                   "this node takes browser requests from its named origins only"));
    }
    HttpResponse answer;
    answer.status = 204;
    answer.content_type = "";
    answer.headers = {{"Access-Control-Allow-Origin", origin},
                      {"Access-Control-Allow-Methods", std::string(kAllowedMethods)},
                      {"Access-Control-Allow-Headers", std::string(kAllowedHeaders)},
                      {"Access-Control-Max-Age", std::string(kPreflightMaxAge)},
                      {"Vary", "Origin"}};
    return respond(std::move(answer));
  }
  if (!Allows(origin)) return next_(std::move(request), std::move(respond));
  next_(std::move(request), [origin, respond = std::move(respond)](HttpResponse response) {
    response.headers.emplace_back("Access-Control-Allow-Origin", origin);
    response.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposedHeaders));
    response.headers.emplace_back("Vary", "Origin");
    respond(std::move(response));
  });
}

}  // namespace nuri::api
