#include "api/payment_request_api.h"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>

#include "api/json_response.h"
#include "api/read_access.h"
#include "api/views.h"
#include "core/json.h"
#include "core/time.h"
#include "core/transaction.h"
#include "ledger/ledger.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/v1/payment-requests";
constexpr std::int64_t kDefaultLifetimeSeconds = 15 * 60;
// A wallet's payment may wait this long for a block.
constexpr std::int64_t kPaymentValidForMillis = 10 * 60'000;

json::object RequestView(const wallet::PaymentRequest& request) {
  json::object view{{"id", request.id},
                    {"merchant", request.merchant.str()},
                    {"amount", request.amount.won()},
                    {"memo", request.memo},
                    {"created", core::FormatKoreaTime(request.created)},
                    {"expires", core::FormatKoreaTime(request.expires)},
                    {"status", wallet::PaymentRequestStatusName(request.status)},
                    {"uri", wallet::PaymentRequestUri(request)}};
  if (request.payer) view["payer"] = request.payer->str();
  if (request.payment) view["payment"] = request.payment->ToHex();
  return view;
}

}  // namespace

PaymentRequestApi::PaymentRequestApi(node::Node& node, WalletApi& sessions,
                                     wallet::Authenticator& authenticator, const base::Clock& clock,
                                     PaymentRequestApiOptions options,
                                     const wallet::EvidenceStore* evidence)
    : node_(node),
      sessions_(sessions),
      authenticator_(authenticator),
      clock_(clock),
      options_(options),
      evidence_(evidence) {}

bool PaymentRequestApi::Handle(const HttpRequest& request, Responder& respond) {
  const auto under = request.PathUnder(kPrefix);
  if (!under) return false;
  // The route first, then the session: a path this API does not serve is not found, whoever
  // asks.
  const std::string_view rest = *under == "/" ? std::string_view() : *under;
  const std::string_view id = rest.empty() ? rest : rest.substr(1, rest.find('/', 1) - 1);
  const std::string_view tail = rest.empty() ? rest : rest.substr(1 + id.size());
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  const bool create = rest.empty() && post;
  const bool show = !id.empty() && tail.empty() && get;
  const bool pay = !id.empty() && tail == "/pay" && post;
  if (!create && !show && !pay) return false;
  const auto session = sessions_.SessionOrRefuse(request, respond);
  if (!session) return true;
  if (create) {
    respond(Create(request, *session));
  } else if (show) {
    respond(Show(id, *session));
  } else {
    Pay(request, id, *session, std::move(respond));
  }
  return true;
}

HttpResponse PaymentRequestApi::Create(const HttpRequest& request,
                                       const wallet::SessionInfo& session) {
  const bool merchant = node_.Read([&](const ledger::Ledger& ledger) {
    const auto record = ledger::ReadAccount(ledger.state(), session.account.str());
    return record && record->roles.Has(core::Role::kMerchant) && !record->frozen;
  });
  if (!merchant) {
    return ErrorResponse(403, "NOT_AUTHORIZED",
                         session.account.str() + " is not a merchant that may be paid");
  }
  auto body = core::ParseJsonText(request.body);
  if (auto fault =
          CheckBodyFields(body ? &*body : nullptr, {"amount", "memo", "expires_in_seconds"})) {
    return *fault;
  }
  const json::object& fields = body->get_object();
  const json::value* amount = fields.if_contains("amount");
  if (amount == nullptr || !amount->is_int64() || amount->get_int64() <= 0) {
    return ErrorResponse(400, "MALFORMED", "a positive number of won is needed", "amount");
  }
  const auto memo = TextField(fields, "memo");
  if (!memo || memo->size() > wallet::kPaymentMemoSizeBytesMax) {
    return ErrorResponse(400, "MALFORMED", "a memo is a string of at most 140 bytes", "memo");
  }
  std::int64_t lifetime_seconds = kDefaultLifetimeSeconds;
  if (const json::value* expires = fields.if_contains("expires_in_seconds")) {
    if (!expires->is_int64()) {
      return ErrorResponse(400, "MALFORMED", "a number of seconds is needed",
                           "expires_in_seconds");
    }
    lifetime_seconds = expires->get_int64();
  }
  if (lifetime_seconds < wallet::kPaymentRequestLifetimeMillisMin / 1000 ||
      lifetime_seconds > wallet::kPaymentRequestLifetimeMillisMax / 1000) {
    return ErrorResponse(400, "MALFORMED", "a request lasts from 60 to 86400 seconds",
                         "expires_in_seconds");
  }
  auto created = book_.Create(session.account, core::Amount::Won(amount->get_int64()), *memo,
                              lifetime_seconds * 1000, clock_.NowMillis());
  if (!created) {
    return ErrorResponse(created.error().code() == base::StatusCode::kResourceExhausted ? 503 : 400,
                         created.error().code() == base::StatusCode::kResourceExhausted
                             ? "BUSY"
                             : "MALFORMED",
                         created.error().message());
  }
  json::object view = RequestView(*created);
  view["qr_svg"] = wallet::QrCodeSvg(wallet::PaymentRequestUri(*created));
  return JsonResponse(201, view);
}

void PaymentRequestApi::Settle(const wallet::PaymentRequest& request) {
  const crypto::Hash& payment = *request.payment;
  const node::TxStatus status = node_.GetTransaction(payment);
  if (status.state == node::TxState::kCommitted) {
    book_.FinishPaying(request.id, payment, status.receipt.status == core::ReceiptStatus::kOk);
    return;
  }
  if (status.state == node::TxState::kRefused) {
    book_.FinishPaying(request.id, payment, false);
    return;
  }
  // Block times never go back, and no block takes a transaction past its valid_until: once the
  // head is past it and the ledger does not hold the payment, it will never commit.
  const core::TimeMillis head =
      node_.Read([](const ledger::Ledger& ledger) { return ledger.head().time; });
  if (head > request.payment_valid_until &&
      node_.GetTransaction(payment).state != node::TxState::kCommitted) {
    book_.FinishPaying(request.id, payment, false);
  }
}

HttpResponse PaymentRequestApi::Show(std::string_view id, const wallet::SessionInfo& session) {
  DropExpiredApprovals();
  auto request = book_.Find(id, clock_.NowMillis());
  if (!request) return ErrorResponse(404, "NOT_FOUND", "no payment request " + std::string(id));
  // A payment whose answer came too late is settled here, from what the ledger says of it.
  if (request->status == wallet::PaymentRequest::Status::kPaying && request->payment) {
    Settle(*request);
    request = book_.Find(id, clock_.NowMillis());
  }
  json::object view = RequestView(*request);
  // The request's id is on a QR code at the till for anyone to scan; who paid it is for the
  // merchant, the payer, and those who may see the payer's account.
  if (request->payer && session.account != request->merchant) {
    const bool may_see_payer = node_.Read([&](const ledger::Ledger& ledger) {
      return ReaderOf(ledger.state(), session.account).MaySeeAccount(request->payer->str());
    });
    if (!may_see_payer) {
      view.erase("payer");
      view.erase("payment");
    }
  }
  return JsonResponse(200, view);
}

std::optional<HttpResponse> PaymentRequestApi::CheckPayer(const wallet::PaymentRequest& request,
                                                          const core::AccountId& payer,
                                                          core::TimeMillis now) {
  if (payer == request.merchant) {
    return ErrorResponse(403, "NOT_AUTHORIZED", "a merchant does not pay its own request");
  }
  if (request.status == wallet::PaymentRequest::Status::kExpired) {
    return ErrorResponse(410, "EXPIRED", "the payment request expired");
  }
  if (request.status != wallet::PaymentRequest::Status::kOpen || request.expires <= now) {
    return ErrorResponse(
        409, "NOT_OPEN",
        "the payment request is " + std::string(wallet::PaymentRequestStatusName(request.status)));
  }
  return std::nullopt;
}

std::variant<std::string, HttpResponse> PaymentRequestApi::EvidenceOfRecord(
    const json::object& pay_json, const core::AccountId& payer) const {
  const json::value& id = pay_json.at("evidence_record");
  if (pay_json.contains("evidence")) {
    return ErrorResponse(400, "MALFORMED", "evidence or evidence_record, not both",
                         "evidence_record");
  }
  if (evidence_ == nullptr) {
    return ErrorResponse(400, "MALFORMED", "this node keeps no evidence records",
                         "evidence_record");
  }
  if (!id.is_string()) return ErrorResponse(400, "MALFORMED", "an id is needed", "evidence_record");
  auto record = evidence_->Find(id.get_string());
  if (!record) {
    return ErrorResponse(400, "MALFORMED", record.error().message(), "evidence_record");
  }
  // A payment names its payer's own evidence: another's names are not the payer's to cite.
  if (record->holder != payer) {
    return ErrorResponse(403, "FORBIDDEN",
                         "evidence record " + record->id + " is " + record->holder.str() + "'s");
  }
  if (record->erased_millis != 0 || record->erase_after_millis <= clock_.NowMillis()) {
    return ErrorResponse(400, "MALFORMED",
                         "evidence record " + record->id + " reached the end of its retention",
                         "evidence_record");
  }
  return record->hash.ToHex();
}

void PaymentRequestApi::Pay(const HttpRequest& request, std::string_view id,
                            const wallet::SessionInfo& session, Responder respond) {
  auto body = core::ParseJsonText(request.body);
  if (auto fault =
          CheckBodyFields(body ? &*body : nullptr, {"program", "attendees", "purpose", "evidence",
                                                    "evidence_record", "justification", "totp"})) {
    return respond(*fault);
  }
  const auto totp = TextField(body->get_object(), "totp");
  if (!totp) return respond(ErrorResponse(400, "MALFORMED", "a string is needed", "totp"));
  DropExpiredApprovals();
  const core::TimeMillis now = clock_.NowMillis();
  const auto shown = book_.Find(id, now);
  if (!shown) return respond(ErrorResponse(404, "NOT_FOUND", "no payment request " + std::string(id)));
  if (auto refusal = CheckPayer(*shown, session.account, now)) return respond(*refusal);

  // The pay body is read by the same rules as any transaction's, with the request's merchant
  // and amount, before a step-up code is spent on it.
  json::object pay_json = body->get_object();
  pay_json.erase("totp");
  if (pay_json.contains("evidence_record")) {
    auto evidence = EvidenceOfRecord(pay_json, session.account);
    if (auto* refusal = std::get_if<HttpResponse>(&evidence)) return respond(*std::move(refusal));
    pay_json.erase("evidence_record");
    pay_json["evidence"] = std::get<std::string>(evidence);
  }
  pay_json["type"] = "pay";
  pay_json["to"] = shown->merchant.str();
  pay_json["amount"] = shown->amount.won();
  auto pay = core::BodyFromJson(pay_json, "");
  if (!pay) {
    return respond(ErrorResponse(400, core::ReasonName(pay.error().code), pay.error().message,
                                 pay.error().field));
  }
  if (shown->amount.won() > options_.step_up_won) {
    if (totp->empty()) {
      return respond(ErrorResponse(401, "STEP_UP_REQUIRED",
                                   "a payment of more than " +
                                       core::Amount::Won(options_.step_up_won).ToGrouped() +
                                       " won needs a fresh code from the authenticator",
                                   "totp"));
    }
    if (auto stepped = authenticator_.StepUp(session.account, *totp); !stepped) {
      return respond(RefusalResponse(stepped.error()));
    }
  }
  auto key = authenticator_.SigningKey(session.account);
  if (!key) return respond(ErrorResponse(500, "INTERNAL", "the wallet's key could not be opened"));
  const auto& pay_body = std::get<core::Pay>(*pay);
  const core::RoleSet approver_roles = ApprovalNeeded(pay_body.program, shown->amount);
  const bool needs_approval = approver_roles.bits() != 0;
  // An approval lasts no longer than the merchant's request: a till slip the merchant gave up
  // on is not paid later.
  const core::TimeMillis approval_expires =
      std::min(now + options_.approval_window_millis, shown->expires);
  core::Transaction tx;
  tx.signer = session.account;
  randombytes_buf(&tx.nonce, sizeof tx.nonce);
  node_.Read([&](const ledger::Ledger& ledger) {
    tx.chain_id = ledger.chain_id();
    // A payment that waits for an approver must still be valid once approved.
    tx.valid_until = std::max(now, ledger.head().time) + kPaymentValidForMillis +
                     (needs_approval ? approval_expires - now : 0);
  });
  tx.body = *std::move(pay);
  core::AddSignature(tx, tx.signer, *key);
  const crypto::Hash payment = core::TransactionId(tx);
  auto held = book_.BeginPaying(id, session.account, payment, tx.valid_until, now);
  if (!held) {
    if (auto now_shown = book_.Find(id, now)) {
      if (auto refusal = CheckPayer(*now_shown, session.account, now)) return respond(*refusal);
    }
    return respond(ErrorResponse(404, "NOT_FOUND", held.error().message()));
  }
  if (needs_approval) {
    return respond(AwaitApproval(id, std::move(tx), approver_roles, now, approval_expires));
  }
  SubmitPayment(tx, std::string(id), std::move(respond));
}

core::RoleSet PaymentRequestApi::ApprovalNeeded(std::string_view program,
                                                core::Amount amount) const {
  return node_.Read([&](const ledger::Ledger& ledger) {
    core::RoleSet roles;
    const auto record = ledger::ReadProgram(ledger.state(), program);
    if (!record) return roles;  // the ledger will refuse the payment itself
    const auto definition = ledger::ReadDefinition(ledger.state(), program, record->version);
    if (definition == nullptr) return roles;
    for (const core::Rule& rule : definition->rules) {
      if (rule.kind == core::RuleKind::kApprovalFrom && amount >= rule.amount) roles.Add(rule.role);
    }
    return roles;
  });
}

HttpResponse PaymentRequestApi::AwaitApproval(std::string_view request_id,
                                              core::Transaction payment, core::RoleSet roles,
                                              core::TimeMillis now, core::TimeMillis expires) {
  const crypto::Hash payment_id = core::TransactionId(payment);
  auto added = approvals_.Add(std::string(request_id), std::move(payment), roles, now, expires);
  if (!added) {
    book_.FinishPaying(request_id, payment_id, false);
    HttpResponse busy = ErrorResponse(503, "BUSY", added.error().message());
    busy.headers.emplace_back("Retry-After", "60");
    return busy;
  }
  return JsonResponse(202, json::object{{"id", payment_id.ToHex()},
                                        {"status", "awaiting_approval"},
                                        {"request", std::string(request_id)},
                                        {"approval", added->id},
                                        {"approver_roles", RolesView(roles)},
                                        {"expires", core::FormatKoreaTime(added->expires)}});
}

void PaymentRequestApi::SubmitPayment(const core::Transaction& payment, std::string request_id,
                                      Responder respond) {
  const crypto::Hash payment_id = core::TransactionId(payment);
  node_.SubmitBatchAsync(
      {core::Encode(payment)},
      [this, request_id = std::move(request_id), payment_id,
       respond = std::move(respond)](std::vector<node::Admission> admissions) mutable {
        const node::Admission& admission = admissions.front();
        if (admission.code != core::ReasonCode::kOk) {
          book_.FinishPaying(request_id, payment_id, false);
          return respond(
              JsonResponse(HttpStatusForRefusal(admission.code), AdmissionView(admission)));
        }
        AnswerWhenFinal(payment_id, std::move(request_id), std::move(respond));
      });
}

void PaymentRequestApi::AnswerWhenFinal(const crypto::Hash& payment_id, std::string request_id,
                                        Responder respond) {
  const std::int64_t deadline =
      clock_.MonotonicMicros() + std::int64_t{options_.wait_millis} * 1000;
  node_.WhenFinal(payment_id, deadline,
                  [this, request_id = std::move(request_id), payment_id,
                   respond = std::move(respond)](const node::TxStatus& status) {
                    json::object view = TxStatusView(status);
                    view["request"] = request_id;
                    const bool ok = status.state == node::TxState::kCommitted &&
                                    status.receipt.status == core::ReceiptStatus::kOk;
                    const bool not_paid = (status.state == node::TxState::kCommitted && !ok) ||
                                          status.state == node::TxState::kRefused;
                    if (!ok && !not_paid) {
                      // Pending, or not found at the moment it was looked for: nothing certain.
                      // The request stays held; GET settles it from the ledger.
                      return respond(JsonResponse(202, view));
                    }
                    book_.FinishPaying(request_id, payment_id, ok);
                    respond(JsonResponse(ok ? 200 : 422, view));
                  });
}

void PaymentRequestApi::ReleaseRequest(const wallet::PendingApproval& approval) {
  book_.FinishPaying(approval.request, approval.payment_id, false);
}

void PaymentRequestApi::DropExpiredApprovals() {
  for (const wallet::PendingApproval& expired : approvals_.TakeExpired(clock_.NowMillis())) {
    ReleaseRequest(expired);
  }
}

}  // namespace nuri::api
