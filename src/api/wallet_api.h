// WalletApi: the endpoints of a node that keeps its officials' custodial wallets.
//
//   POST   /v1/sessions          {"account","password","totp"}: 201 {"token","account",
//                                "expires"}; the token goes in `Authorization: Bearer TOKEN`
//   GET    /v1/sessions/current  200 {"account","expires"}
//   DELETE /v1/sessions/current  204
//
// Refusals: 400 MALFORMED (with the field), 401 WRONG_CREDENTIALS (account, password or code:
// never which), 401 UNAUTHENTICATED (no session, or it ended), 415 UNSUPPORTED_MEDIA_TYPE (a
// login that is not application/json), 423 WALLET_LOCKED with Retry-After (seconds), 503 BUSY
// with Retry-After, 500 INTERNAL.
//
// A password check takes a tenth of a second and 64 MiB by design (Argon2id), so logins run on
// two threads of their own: they never hold the server's threads, at most two run at once, and
// at most 32 wait; beyond that a login is answered 503 at once.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "api/http_server.h"
#include "wallet/authenticator.h"

namespace nuri::api {

// The answer to a refused login or step-up code.
HttpResponse RefusalResponse(const wallet::Refusal& refusal);
// The answer to a request that needs a session and carries none that is alive.
HttpResponse NoSessionResponse();

class WalletApi {
 public:
  explicit WalletApi(wallet::Authenticator& authenticator);
  // Waits for the logins under way.
  ~WalletApi();
  WalletApi(const WalletApi&) = delete;
  WalletApi& operator=(const WalletApi&) = delete;

  // Answers the request when it is for a wallet endpoint; false, leaving `respond` untouched,
  // when it is not.
  bool Handle(const HttpRequest& request, Responder& respond);

  // The session a request carries in its Authorization header, kept alive by the call.
  std::optional<wallet::SessionInfo> SessionOf(const HttpRequest& request);
  // The same, or nullopt after answering the request 401 UNAUTHENTICATED.
  std::optional<wallet::SessionInfo> SessionOrRefuse(const HttpRequest& request,
                                                     Responder& respond);
  // The session of a bearer token, not kept alive by the call (Authenticator::PeekSession).
  std::optional<wallet::SessionInfo> PeekSession(std::string_view token);
  // The bearer token of a request's Authorization header, "" when none.
  static std::string BearerToken(const HttpRequest& request);

 private:
  void Login(const HttpRequest& request, Responder respond);

  wallet::Authenticator& authenticator_;
  std::atomic<int> logins_waiting_{0};
  boost::asio::thread_pool logins_{2};
};

}  // namespace nuri::api
