// PaymentRequestApi: a merchant asks for a payment; an official pays it from their wallet.
//
//   POST /v1/payment-requests           merchant session: {"amount","memo","expires_in_seconds"}
//                                       -> 201 {"id","merchant","amount","memo","expires",
//                                       "status","uri","qr_svg"}
//   GET  /v1/payment-requests/{id}      any session: the request as it stands (status open,
//                                       paying, paid or expired; "payment" once paying)
//   POST /v1/payment-requests/{id}/pay  official session: {"program","attendees","purpose",
//                                       "evidence","justification","totp"}: the wallet signs
//                                       a pay transaction and submits it; the answer waits until
//                                       it is final: 200 with the receipt when it committed ok,
//                                       422 with the receipt and the reason's sentence when the
//                                       program's rules refused it
//
// A payment above the node's step-up amount needs a fresh TOTP code ("totp"): without one 401
// STEP_UP_REQUIRED. See docs/api.md, "Payment requests".
//
// Thread-safe. It must outlive the node's threads: a payment's answer is given from them
// (Node::WhenFinal), so the node is stopped first.
#pragma once

#include <optional>

#include "api/http_server.h"
#include "api/wallet_api.h"
#include "base/clock.h"
#include "node/node.h"
#include "wallet/authenticator.h"
#include "wallet/payment_request.h"

namespace nuri::api {

struct PaymentRequestApiOptions {
  // Payments of more than this many won need a fresh TOTP code.
  std::int64_t step_up_won = 500'000;
  // How long a pay request waits for its transaction to be final before answering 202.
  int wait_millis = 30'000;
};

class PaymentRequestApi {
 public:
  PaymentRequestApi(node::Node& node, WalletApi& sessions, wallet::Authenticator& authenticator,
                    const base::Clock& clock, PaymentRequestApiOptions options = {});
  PaymentRequestApi(const PaymentRequestApi&) = delete;
  PaymentRequestApi& operator=(const PaymentRequestApi&) = delete;

  // Answers the request when it is for a payment-request endpoint; false, leaving `respond`
  // untouched, when it is not.
  bool Handle(const HttpRequest& request, Responder& respond);

 private:
  HttpResponse Create(const HttpRequest& request, const wallet::SessionInfo& session);
  HttpResponse Show(std::string_view id);
  void Pay(const HttpRequest& request, std::string_view id, const wallet::SessionInfo& session,
           Responder respond);
  // Why `payer` may not pay `request` now, if it may not.
  static std::optional<HttpResponse> CheckPayer(const wallet::PaymentRequest& request,
                                                const core::AccountId& payer, core::TimeMillis now);
  // Settles a held request whose payment is final, or can no longer commit.
  void Settle(const wallet::PaymentRequest& request);

  node::Node& node_;
  WalletApi& sessions_;
  wallet::Authenticator& authenticator_;
  const base::Clock& clock_;
  PaymentRequestApiOptions options_;
  wallet::PaymentRequestBook book_;
};

}  // namespace nuri::api
