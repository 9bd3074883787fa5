#include "api/wallet_api.h"

#include <algorithm>
#include <exception>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "api/json_response.h"
#include "core/json.h"
#include "core/time.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kSessionsPath = "/v1/sessions";
constexpr std::string_view kCurrentSessionPath = "/v1/sessions/current";
// Logins queued or being checked, at most: each check holds 64 MiB for a tenth of a second.
constexpr int kLoginsWaitingMax = 32;

}  // namespace

HttpResponse RefusalResponse(const wallet::Refusal& refusal) {
  switch (refusal.kind) {
    case wallet::Refusal::Kind::kWrongCredentials:
      return ErrorResponse(401, "WRONG_CREDENTIALS", refusal.message);
    case wallet::Refusal::Kind::kLocked: {
      HttpResponse response = ErrorResponse(423, "WALLET_LOCKED", refusal.message);
      response.headers.emplace_back(
          "Retry-After", std::to_string((refusal.retry_after_millis + 999) / 1000));
      return response;
    }
    case wallet::Refusal::Kind::kFailed:
      break;
  }
  return ErrorResponse(500, "INTERNAL", "the wallet could not be read");
}

HttpResponse NoSessionResponse() {
  return ErrorResponse(401, "UNAUTHENTICATED", "no session: log in with POST /v1/sessions");
}

WalletApi::WalletApi(wallet::Authenticator& authenticator) : authenticator_(authenticator) {}

// Logins still queued are dropped (their clients get the server's 500); the one being checked
// finishes.
WalletApi::~WalletApi() {
  logins_.stop();
  logins_.join();
}

bool WalletApi::Handle(const HttpRequest& request, Responder& respond) {
  if (request.path == kSessionsPath && request.method == "POST") {
    Login(request, std::move(respond));
    return true;
  }
  if (request.path != kCurrentSessionPath) return false;
  if (request.method == "GET") {
    const auto session = SessionOf(request);
    if (!session) {
      respond(NoSessionResponse());
    } else {
      respond(JsonResponse(200, json::object{{"account", session->account.str()},
                                             {"expires", core::FormatKoreaTime(
                                                             session->expires_millis)}}));
    }
    return true;
  }
  if (request.method == "DELETE") {
    const std::string token = BearerToken(request);
    if (token.empty() || !authenticator_.Logout(token)) {
      respond(NoSessionResponse());
    } else {
      HttpResponse response;
      response.status = 204;
      response.content_type = "";
      respond(std::move(response));
    }
    return true;
  }
  return false;
}

std::string WalletApi::BearerToken(const HttpRequest& request) {
  const std::string header = request.Header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || !header.starts_with(kScheme)) return "";
  return header.substr(kScheme.size());
}

std::optional<wallet::SessionInfo> WalletApi::PeekSession(std::string_view token) {
  if (token.empty()) return std::nullopt;
  return authenticator_.PeekSession(token);
}

std::optional<wallet::SessionInfo> WalletApi::SessionOrRefuse(const HttpRequest& request,
                                                              Responder& respond) {
  auto session = SessionOf(request);
  if (!session) respond(NoSessionResponse());
  return session;
}

std::optional<wallet::SessionInfo> WalletApi::SessionOf(const HttpRequest& request) {
  const std::string token = BearerToken(request);
  if (token.empty()) return std::nullopt;
  return authenticator_.Session(token);
}

void WalletApi::Login(const HttpRequest& request, Responder respond) {
  // Only JSON: a form a web page posts across origins is refused before it costs anything.
  if (!request.Header("content-type").starts_with("application/json")) {
    return respond(ErrorResponse(415, "UNSUPPORTED_MEDIA_TYPE",
                                 "a login is a JSON object (Content-Type: application/json)"));
  }
  auto body = core::ParseJsonText(request.body);
  if (auto fault = CheckBodyFields(body ? &*body : nullptr, {"account", "password", "totp"})) {
    return respond(*fault);
  }
  std::string fields[3];
  constexpr std::string_view kNames[3] = {"account", "password", "totp"};
  for (int i = 0; i < 3; ++i) {
    auto text = TextField(body->get_object(), kNames[i]);
    if (!text || text->empty()) {
      return respond(ErrorResponse(400, "MALFORMED", "a non-empty string is needed", kNames[i]));
    }
    fields[i] = *std::move(text);
  }
  if (++logins_waiting_ > kLoginsWaitingMax) {
    --logins_waiting_;
    HttpResponse busy = ErrorResponse(503, "BUSY", "too many logins at once: try again");
    busy.headers.emplace_back("Retry-After", "1");
    return respond(std::move(busy));
  }
  boost::asio::post(logins_, [this, account = std::move(fields[0]),
                              password = std::move(fields[1]), totp = std::move(fields[2]),
                              respond = std::move(respond)]() mutable {
    struct Done {
      std::atomic<int>& waiting;
      ~Done() { --waiting; }
    } done{logins_waiting_};
    try {
      const auto token = authenticator_.Login(account, password, totp);
      if (!token) return respond(RefusalResponse(token.error()));
      const auto session = authenticator_.Session(*token);
      if (!session) return respond(ErrorResponse(500, "INTERNAL", "the session ended at once"));
      respond(JsonResponse(
          201, json::object{{"token", *token},
                            {"account", session->account.str()},
                            {"expires", core::FormatKoreaTime(session->expires_millis)}}));
    } catch (const std::exception&) {
      // Out of memory for Argon2id, most likely: this login fails, the node goes on.
      respond(ErrorResponse(500, "INTERNAL", "the login could not be checked"));
    }
  });
}

}  // namespace nuri::api
