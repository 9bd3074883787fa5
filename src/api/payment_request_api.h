// PaymentRequestApi: a merchant asks for a payment; an official pays it from their wallet.
//
//   POST /v1/payment-requests           merchant session: {"amount","memo","expires_in_seconds"}
//                                       -> 201 {"id","merchant","amount","memo","expires",
//                                       "status","uri","qr_svg"}
//   GET  /v1/payment-requests/{id}      any session: the request as it stands (status open,
//                                       paying, paid or expired; "payer" and "payment" once
//                                       paying, to those who may see the payer's account and
//                                       to the merchant)
//   POST /v1/payment-requests/{id}/pay  official session: {"program","attendees","purpose",
//                                       "evidence" or "evidence_record" (the id of the payer's
//                                       own record in the node's evidence store, whose hash
//                                       goes on the ledger),"justification","totp"}: the wallet
//                                       signs a pay transaction and submits it; the answer waits
//                                       until it is final: 200 with the receipt when it committed
//                                       ok, 422 with the receipt and the reason's sentence when the
//                                       program's rules refused it
//
// A payment above the node's step-up amount needs a fresh TOTP code ("totp"): without one 401
// STEP_UP_REQUIRED. A payment that the program's approval_from rule wants co-signed is signed
// by the payer's wallet and kept, unsubmitted, until an approver co-signs it (approval_api.h):
// 202 {"status":"awaiting_approval","approval",...}; the request is held meanwhile. See
// docs/api.md, "Payment requests" and "Approvals".
//
// Thread-safe. It must outlive the node's threads: a payment's answer is given from them
// (Node::WhenFinal), so the node is stopped first.
#pragma once

#include <optional>
#include <variant>

#include "api/http_server.h"
#include "api/wallet_api.h"
#include "base/clock.h"
#include "node/node.h"
#include "wallet/approval_book.h"
#include "wallet/authenticator.h"
#include "wallet/evidence_store.h"
#include "wallet/payment_request.h"

namespace nuri::api {

struct PaymentRequestApiOptions {
  // Payments of more than this many won need a fresh TOTP code.
  std::int64_t step_up_won = 500'000;
  // How long a pay request waits for its transaction to be final before answering 202.
  int wait_millis = 30'000;
  // How long a payment waits for an approver's co-signature.
  std::int64_t approval_window_millis = 3'600'000;
};

class PaymentRequestApi {
 public:
  // `evidence`: the node's evidence store, whose records a payment may name by id; null when
  // it keeps none.
  PaymentRequestApi(node::Node& node, WalletApi& sessions, wallet::Authenticator& authenticator,
                    const base::Clock& clock, PaymentRequestApiOptions options = {},
                    const wallet::EvidenceStore* evidence = nullptr);
  PaymentRequestApi(const PaymentRequestApi&) = delete;
  PaymentRequestApi& operator=(const PaymentRequestApi&) = delete;

  // Answers the request when it is for a payment-request endpoint; false, leaving `respond`
  // untouched, when it is not.
  bool Handle(const HttpRequest& request, Responder& respond);

  // For approvals (approval_api.h):
  wallet::ApprovalBook& approvals() { return approvals_; }
  // Submits a wallet's signed payment of request `request_id`, which holds it, and answers once
  // it is final: 200 with the receipt, 422 refused, 202 when nothing is certain in time, or the
  // admission's refusal. The request is paid, or open again, accordingly.
  void SubmitPayment(const core::Transaction& payment, std::string request_id, Responder respond);
  // Frees the request of an approval that will not be given (declined, withdrawn or expired).
  void ReleaseRequest(const wallet::PendingApproval& approval);
  // Drops the approvals past their time and frees their requests.
  void DropExpiredApprovals();

 private:
  // Answers once the admitted payment is final, as SubmitPayment says.
  void AnswerWhenFinal(const crypto::Hash& payment_id, std::string request_id, Responder respond);
  HttpResponse Create(const HttpRequest& request, const wallet::SessionInfo& session);
  HttpResponse Show(std::string_view id, const wallet::SessionInfo& session);
  // The hash of the payer's evidence record that the body names, or the refusal.
  std::variant<std::string, HttpResponse> EvidenceOfRecord(const boost::json::object& pay_json,
                                                           const core::AccountId& payer) const;
  void Pay(const HttpRequest& request, std::string_view id, const wallet::SessionInfo& session,
           Responder respond);
  // Why `payer` may not pay `request` now, if it may not.
  static std::optional<HttpResponse> CheckPayer(const wallet::PaymentRequest& request,
                                                const core::AccountId& payer, core::TimeMillis now);
  // Settles a held request whose payment is final, or can no longer commit.
  void Settle(const wallet::PaymentRequest& request);
  // The roles a co-signer must hold for the program's rules to take a payment of `amount`
  // (every approval_from rule it reaches); empty when none.
  core::RoleSet ApprovalNeeded(std::string_view program, core::Amount amount) const;
  // Keeps a signed payment that needs a co-signature until an approver gives it, at most until
  // `expires`.
  HttpResponse AwaitApproval(std::string_view request_id, core::Transaction payment,
                             core::RoleSet roles, core::TimeMillis now, core::TimeMillis expires);

  node::Node& node_;
  WalletApi& sessions_;
  wallet::Authenticator& authenticator_;
  const base::Clock& clock_;
  PaymentRequestApiOptions options_;
  const wallet::EvidenceStore* evidence_;
  wallet::PaymentRequestBook book_;
  wallet::ApprovalBook approvals_;
};

}  // namespace nuri::api
