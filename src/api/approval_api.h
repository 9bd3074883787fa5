// ApprovalApi: wallet payments waiting for an approver's co-signature (a program's
// approval_from rule; payment_request_api.h keeps them).
//
//   GET  /v1/approvals                 approver session: the payments of its organization
//                                      waiting for a co-signature it may give, oldest first
//   POST /v1/approvals/{id}/approve    {"totp"}: a fresh code from the approver's
//                                      authenticator; the approver's wallet co-signs, the
//                                      payment is submitted, and the answer waits until it is
//                                      final, as for paying a request
//   POST /v1/approvals/{id}/decline    an approver declines, or the payer withdraws: the payment
//                                      is dropped (it was never submitted) and its payment
//                                      request is open again
//
// An approver is another account of the payer's organization with every role the program's
// approval_from rules name for the amount. An approval lasts until the payment request expires,
// at most an hour.
// Refusals: 401 UNAUTHENTICATED, STEP_UP_REQUIRED, WRONG_CREDENTIALS; 423 WALLET_LOCKED;
// 403 NOT_AUTHORIZED (not an approver of this payment, or the payer itself); 404 NOT_FOUND
// (unknown, expired, or another organization's); 409 NOT_WAITING (another approver is at it).
//
// Thread-safe.
#pragma once

#include "api/http_server.h"
#include "api/payment_request_api.h"
#include "api/wallet_api.h"
#include "base/clock.h"
#include "node/node.h"
#include "wallet/authenticator.h"

namespace nuri::api {

class ApprovalApi {
 public:
  ApprovalApi(node::Node& node, WalletApi& sessions, wallet::Authenticator& authenticator,
              PaymentRequestApi& payments, const base::Clock& clock)
      : node_(node),
        sessions_(sessions),
        authenticator_(authenticator),
        payments_(payments),
        clock_(clock) {}
  ApprovalApi(const ApprovalApi&) = delete;
  ApprovalApi& operator=(const ApprovalApi&) = delete;

  // Answers the request when it is for an approval endpoint; false, leaving `respond`
  // untouched, when it is not.
  bool Handle(const HttpRequest& request, Responder& respond);

 private:
  HttpResponse List(const core::AccountId& approver);
  void Approve(const HttpRequest& request, std::string_view id, const core::AccountId& approver,
               Responder respond);
  HttpResponse Decline(std::string_view id, const core::AccountId& approver);
  // Why `approver` may not give `approval`, if it may not.
  std::optional<HttpResponse> CheckApprover(const wallet::PendingApproval& approval,
                                            const core::AccountId& approver) const;

  node::Node& node_;
  WalletApi& sessions_;
  wallet::Authenticator& authenticator_;
  PaymentRequestApi& payments_;
  const base::Clock& clock_;
};

}  // namespace nuri::api
