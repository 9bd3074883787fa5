#include "api/approval_api.h"

#include <boost/json.hpp>

#include "api/json_response.h"
#include "api/views.h"
#include "core/json.h"
#include "core/time.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/v1/approvals";

json::object ApprovalView(const wallet::PendingApproval& approval) {
  return json::object{{"id", approval.id},
                      {"request", approval.request},
                      {"payment", approval.payment_id.ToHex()},
                      {"payer", approval.payment.signer.str()},
                      {"approver_roles", RolesView(approval.approver_roles)},
                      {"created", core::FormatKoreaTime(approval.created)},
                      {"expires", core::FormatKoreaTime(approval.expires)},
                      {"body", core::BodyToJson(approval.payment.body)}};
}

HttpResponse NotFound(std::string_view id) {
  return ErrorResponse(404, "NOT_FOUND", "no payment waits for approval " + std::string(id));
}

}  // namespace

bool ApprovalApi::Handle(const HttpRequest& request, Responder& respond) {
  const auto under = request.PathUnder(kPrefix);
  if (!under) return false;
  // The route first, then the session: a path this API does not serve is not found, whoever
  // asks.
  const std::string_view rest = *under == "/" ? std::string_view() : *under;
  const std::string_view id = rest.empty() ? rest : rest.substr(1, rest.find('/', 1) - 1);
  const std::string_view action = rest.empty() ? rest : rest.substr(1 + id.size());
  const bool list = rest.empty() && (request.method == "GET" || request.method == "HEAD");
  const bool post = request.method == "POST" && !id.empty();
  const bool approve = post && action == "/approve";
  const bool decline = post && action == "/decline";
  if (!list && !approve && !decline) return false;
  const auto session = sessions_.SessionOrRefuse(request, respond);
  if (!session) return true;
  payments_.DropExpiredApprovals();
  if (list) {
    respond(List(session->account));
  } else if (approve) {
    Approve(request, id, session->account, std::move(respond));
  } else {
    respond(Decline(id, session->account));
  }
  return true;
}

std::optional<HttpResponse> ApprovalApi::CheckApprover(const wallet::PendingApproval& approval,
                                                       const core::AccountId& approver) const {
  // Another organization's payments are not even shown to exist.
  if (approval.payment.signer.org() != approver.org()) {
    return NotFound(approval.id);
  }
  if (approval.payment.signer == approver) {
    return ErrorResponse(403, "NOT_AUTHORIZED", "a payer does not approve its own payment");
  }
  const bool has_roles = node_.Read([&](const ledger::Ledger& ledger) {
    const auto record = ledger::ReadAccount(ledger.state(), approver.str());
    return record && !record->frozen &&
           (record->roles.bits() & approval.approver_roles.bits()) ==
               approval.approver_roles.bits();
  });
  if (!has_roles) {
    std::string roles;
    for (const std::string& name : approval.approver_roles.Names()) {
      roles += (roles.empty() ? "" : ", ") + name;
    }
    return ErrorResponse(403, "NOT_AUTHORIZED",
                         approver.str() + " does not hold the roles this payment needs: " + roles);
  }
  return std::nullopt;
}

HttpResponse ApprovalApi::List(const core::AccountId& approver) {
  const bool approver_role = node_.Read([&](const ledger::Ledger& ledger) {
    const auto record = ledger::ReadAccount(ledger.state(), approver.str());
    return record && record->roles.Has(core::Role::kApprover);
  });
  json::array waiting;
  for (const wallet::PendingApproval& approval :
       payments_.approvals().Waiting(approver.org(), clock_.NowMillis())) {
    if (!CheckApprover(approval, approver)) waiting.push_back(ApprovalView(approval));
  }
  if (waiting.empty() && !approver_role) {
    return ErrorResponse(403, "NOT_AUTHORIZED", approver.str() + " approves no payments");
  }
  return JsonResponse(200, json::object{{"approvals", std::move(waiting)}});
}

void ApprovalApi::Approve(const HttpRequest& request, std::string_view id,
                          const core::AccountId& approver, Responder respond) {
  auto body = core::ParseJsonText(request.body);
  if (auto fault = CheckBodyFields(body ? &*body : nullptr, {"totp"})) return respond(*fault);
  const auto totp = TextField(body->get_object(), "totp");
  if (!totp) return respond(ErrorResponse(400, "MALFORMED", "a string is needed", "totp"));
  wallet::ApprovalBook& approvals = payments_.approvals();
  const auto shown = approvals.Find(id, clock_.NowMillis());
  if (!shown) return respond(NotFound(id));
  if (auto refusal = CheckApprover(*shown, approver)) return respond(*refusal);
  if (totp->empty()) {
    return respond(ErrorResponse(401, "STEP_UP_REQUIRED",
                                 "an approval needs a fresh code from the authenticator", "totp"));
  }
  auto claimed = approvals.BeginApproving(id, clock_.NowMillis());
  if (!claimed) {
    if (claimed.error().code() == base::StatusCode::kNotFound) return respond(NotFound(id));
    return respond(ErrorResponse(409, "NOT_WAITING", claimed.error().message()));
  }
  if (auto stepped = authenticator_.StepUp(approver, *totp); !stepped) {
    approvals.StopApproving(id);
    return respond(RefusalResponse(stepped.error()));
  }
  auto key = authenticator_.SigningKey(approver);
  if (!key) {
    approvals.StopApproving(id);
    return respond(ErrorResponse(500, "INTERNAL", "the wallet's key could not be opened"));
  }
  core::Transaction payment = claimed->payment;
  core::AddSignature(payment, approver, *key);
  approvals.Remove(id);
  payments_.SubmitPayment(payment, claimed->request, std::move(respond));
}

HttpResponse ApprovalApi::Decline(std::string_view id, const core::AccountId& approver) {
  wallet::ApprovalBook& approvals = payments_.approvals();
  const auto shown = approvals.Find(id, clock_.NowMillis());
  if (!shown) return NotFound(id);
  // The payer may withdraw its own payment; anyone else declines it as an approver.
  if (shown->payment.signer != approver) {
    if (auto refusal = CheckApprover(*shown, approver)) return *refusal;
  }
  auto claimed = approvals.BeginApproving(id, clock_.NowMillis());
  if (!claimed) {
    if (claimed.error().code() == base::StatusCode::kNotFound) return NotFound(id);
    return ErrorResponse(409, "NOT_WAITING", claimed.error().message());
  }
  approvals.Remove(id);
  payments_.ReleaseRequest(*claimed);
  const bool withdrawn = claimed->payment.signer == approver;
  return JsonResponse(200, json::object{{"id", claimed->id},
                                        {"status", withdrawn ? "withdrawn" : "declined"},
                                        {"request", claimed->request}});
}

}  // namespace nuri::api
