#include "api/alert_api.h"

#include <sodium.h>

#include <charconv>

#include "api/json_response.h"
#include "api/views.h"
#include "api/wallet_api.h"
#include "base/log.h"
#include "core/json.h"
#include "ledger/ledger.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

constexpr std::size_t kNoteBytesMax = 1'024;  // as any text field of a body (TextField)
// How long a freeze is valid for, and how long the answer waits for it to be final.
constexpr core::TimeMillis kFreezeValidForMillis = 10 * 60'000;
constexpr std::int64_t kFreezeWaitMicros = 30'000'000;
// After a 202, how long the alert still waits to record the freeze: past its validity, when it
// can no longer commit.
constexpr std::int64_t kFreezeLateWaitMicros = (kFreezeValidForMillis + 60'000) * 1000;

// A positive integer query parameter; `fallback` when absent, nullopt when malformed.
std::optional<std::uint64_t> NumberParameter(const HttpRequest& request, std::string_view name,
                                             std::uint64_t fallback) {
  const std::string text = request.QueryParameter(name);
  if (text.empty()) return fallback;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

HttpResponse StoreError(const base::Status& status) {
  if (status.code() == base::StatusCode::kNotFound) {
    return ErrorResponse(404, "NOT_FOUND", status.message());
  }
  if (status.code() == base::StatusCode::kFailedPrecondition) {
    return ErrorResponse(409, "NOT_ALLOWED_NOW", status.message());
  }
  return ErrorResponse(500, "INTERNAL", "the alert store cannot be read or written now");
}

// The request's body when it is a JSON object.
std::optional<json::value> ObjectBody(const HttpRequest& request) {
  auto parsed = core::ParseJsonText(request.body);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return *std::move(parsed);
}

// The note of an action, or the 400 that says what is wrong with the body.
std::variant<std::string, HttpResponse> ReadNote(const std::optional<json::value>& body,
                                                 std::initializer_list<std::string_view> fields) {
  if (auto fault = CheckBodyFields(body ? &*body : nullptr, fields)) return *std::move(fault);
  const auto note = TextField(body->get_object(), "note");
  if (!note || note->empty() || note->size() > kNoteBytesMax) {
    return ErrorResponse(
        400, "MALFORMED",
        "an auditor says why, in a note of 1 to " + std::to_string(kNoteBytesMax) + " bytes",
        "note");
  }
  return *note;
}

}  // namespace

bool AlertApi::Serves(std::string_view method, const std::vector<std::string_view>& segments) {
  const bool get = method == "GET" || method == "HEAD";
  if (segments.size() == 2 || segments.size() == 3) return get;
  return segments.size() == 4 && method == "POST" &&
         (segments[3] == "resolve" || segments[3] == "escalate" || segments[3] == "freeze");
}

void AlertApi::Handle(const HttpRequest& request, const std::vector<std::string_view>& segments,
                      const Reader& reader, Responder respond) {
  if (!reader.MaySeeEverything()) return respond(NotYoursResponse(reader, "alerts"));
  if (segments.size() == 2) return respond(List(request));
  const std::string_view id = segments[2];
  if (segments.size() == 3) {
    auto stored = store_.Find(id);
    if (!stored) return respond(StoreError(stored.error()));
    return respond(JsonResponse(200, audit::StoredAlertToJson(*stored)));
  }
  // An operator reads as nobody in particular: what is done to an alert is done by a person.
  if (reader.account().empty() || authenticator_ == nullptr) {
    return respond(
        ErrorResponse(403, "FORBIDDEN", "an auditor acts on alerts signed in with its wallet"));
  }
  if (segments[3] == "freeze") return Freeze(request, id, reader.account(), std::move(respond));
  respond(Act(request, id, segments[3], reader.account()));
}

HttpResponse AlertApi::List(const HttpRequest& request) {
  if (!request.QueryParameter("height").empty()) return ListBlock(request);
  audit::AlertQuery query{.check = request.QueryParameter("check"),
                          .program = request.QueryParameter("program"),
                          .account = request.QueryParameter("account")};
  if (const std::string status = request.QueryParameter("status"); !status.empty()) {
    query.status = audit::AlertStatusNamed(status);
    if (!query.status) {
      return ErrorResponse(400, "MALFORMED", "status is open, escalated or resolved", "status");
    }
  }
  if (const std::string severity = request.QueryParameter("severity"); !severity.empty()) {
    query.severity = audit::SeverityNamed(severity);
    if (!query.severity) {
      return ErrorResponse(400, "MALFORMED", "severity is info, warning or high", "severity");
    }
  }
  const auto before = NumberParameter(request, "before", 0);
  if (!before) return ErrorResponse(400, "MALFORMED", "before: a positive integer", "before");
  const auto limit = NumberParameter(request, "limit", 100);
  if (!limit || *limit > 500) {
    return ErrorResponse(400, "MALFORMED", "limit: an integer from 1 to 500", "limit");
  }
  query.before = *before;
  query.limit = static_cast<std::size_t>(*limit);
  auto page = store_.List(query);
  if (!page) return StoreError(page.error());
  json::array alerts;
  for (const audit::StoredAlert& stored : page->alerts) {
    alerts.push_back(audit::StoredAlertToJson(stored));
  }
  const audit::MonitorProgress progress = follower_.progress();
  const std::uint64_t head =
      node_.Read([](const ledger::Ledger& ledger) { return ledger.head().height; });
  json::value next = nullptr;
  if (page->next_before != 0) next = page->next_before;
  return JsonResponse(
      200,
      json::object{{"alerts", std::move(alerts)},
                   {"next_before", std::move(next)},
                   {"monitor", json::object{{"followed_height", progress.followed_height},
                                            {"head_height", head},
                                            {"behind_blocks", head > progress.followed_height
                                                                  ? head - progress.followed_height
                                                                  : 0},
                                            {"failed", progress.failed}}}});
}

HttpResponse AlertApi::ListBlock(const HttpRequest& request) {
  for (const char* other :
       {"check", "program", "account", "status", "severity", "before", "limit"}) {
    if (!request.QueryParameter(other).empty()) {
      return ErrorResponse(
          400, "MALFORMED",
          "height lists a block's alerts, all of them: no " + std::string(other) + " with it",
          other);
    }
  }
  const auto height = NumberParameter(request, "height", 0);
  if (!height) return ErrorResponse(400, "MALFORMED", "height: a positive integer", "height");
  // Read before the alerts: a block counted as followed has all its alerts stored, so a reader
  // that sees followed_height >= height has the whole list.
  const std::uint64_t followed = store_.followed_height();
  const bool failed = follower_.progress().failed;
  auto stored = store_.AtHeight(*height);
  if (!stored) return StoreError(stored.error());
  json::array alerts;
  for (const audit::StoredAlert& alert : *stored) alerts.push_back(audit::StoredAlertToJson(alert));
  return JsonResponse(
      200,
      json::object{{"height", *height},
                   {"alerts", std::move(alerts)},
                   {"monitor", json::object{{"followed_height", followed}, {"failed", failed}}}});
}

HttpResponse AlertApi::Act(const HttpRequest& request, std::string_view id, std::string_view action,
                           const std::string& auditor) {
  auto note = ReadNote(ObjectBody(request), {"note"});
  if (auto* refusal = std::get_if<HttpResponse>(&note)) return *std::move(refusal);
  auto acted = store_.Act(
      id, audit::AlertAction{.kind = *audit::AlertActionNamed(action),  // routed: one of them
                             .by = auditor,
                             .at = clock_.NowMillis(),
                             .note = std::get<std::string>(std::move(note))});
  if (!acted) return StoreError(acted.error());
  return JsonResponse(200, audit::StoredAlertToJson(*acted));
}

void AlertApi::Freeze(const HttpRequest& request, std::string_view id, const std::string& auditor,
                      Responder respond) {
  const std::optional<json::value> body = ObjectBody(request);
  auto note = ReadNote(body, {"note", "totp"});
  if (auto* refusal = std::get_if<HttpResponse>(&note)) return respond(*std::move(refusal));
  const auto totp = TextField(body->get_object(), "totp");
  if (!totp) return respond(ErrorResponse(400, "MALFORMED", "a string is needed", "totp"));
  if (totp->empty()) {
    return respond(ErrorResponse(401, "STEP_UP_REQUIRED",
                                 "a freeze needs a fresh code from the authenticator", "totp"));
  }
  auto stored = store_.Find(id);
  if (!stored) return respond(StoreError(stored.error()));
  if (stored->status == audit::AlertStatus::kResolved) {
    return respond(ErrorResponse(409, "NOT_ALLOWED_NOW",
                                 "alert " + std::string(id) + " is resolved: nothing follows it"));
  }
  const auto account = core::AccountId::Parse(stored->alert.account);
  const auto signer = core::AccountId::Parse(auditor);
  if (!account || !signer) {
    return respond(ErrorResponse(500, "INTERNAL", "the alert names no account"));
  }
  if (auto stepped = authenticator_->StepUp(*signer, *totp); !stepped) {
    return respond(RefusalResponse(stepped.error()));
  }
  auto key = authenticator_->SigningKey(*signer);
  if (!key) return respond(ErrorResponse(500, "INTERNAL", "the wallet's key could not be opened"));
  core::Transaction tx;
  tx.signer = *signer;
  randombytes_buf(&tx.nonce, sizeof tx.nonce);
  node_.Read([&](const ledger::Ledger& ledger) {
    tx.chain_id = ledger.chain_id();
    tx.valid_until = std::max(clock_.NowMillis(), ledger.head().time) + kFreezeValidForMillis;
  });
  tx.body = core::Freeze{*account};
  core::AddSignature(tx, tx.signer, *key);
  const crypto::Hash freeze_id = core::TransactionId(tx);
  node_.SubmitBatchAsync({core::Encode(tx)}, [this, id = std::string(id), auditor,
                                              note = std::get<std::string>(std::move(note)),
                                              freeze_id, respond = std::move(respond)](
                                                 std::vector<node::Admission> admissions) mutable {
    const node::Admission& admission = admissions.front();
    if (admission.code != core::ReasonCode::kOk) {
      return respond(JsonResponse(HttpStatusForRefusal(admission.code), AdmissionView(admission)));
    }
    node_.WhenFinal(
        freeze_id, clock_.MonotonicMicros() + kFreezeWaitMicros,
        [this, id = std::move(id), auditor = std::move(auditor), note = std::move(note),
         respond = std::move(respond)](const node::TxStatus& status) mutable {
          json::object view{{"transaction", TxStatusView(status)}};
          const bool committed = status.state == node::TxState::kCommitted;
          if (!committed && status.state != node::TxState::kRefused) {
            // Not final in time: the answer says so, and the alert records the freeze if it
            // takes effect before it expires.
            respond(JsonResponse(202, view));
            node_.WhenFinal(status.id, clock_.MonotonicMicros() + kFreezeLateWaitMicros,
                            [this, id, auditor, note](const node::TxStatus& late) {
                              if (late.state != node::TxState::kCommitted ||
                                  late.receipt.status != core::ReceiptStatus::kOk) {
                                return;
                              }
                              if (auto acted = RecordFreeze(id, auditor, note, late.id); acted) {
                                base::LogInfo("api.alerts",
                                              "alert " + id + ": the freeze " + late.id.ToHex() +
                                                  " took effect after its answer and is recorded");
                              }
                            });
            return;
          }
          if (!committed || status.receipt.status != core::ReceiptStatus::kOk) {
            // Refused: the alert records only a freeze that took effect.
            return respond(JsonResponse(422, view));
          }
          auto acted = RecordFreeze(id, auditor, note, status.id);
          if (!acted && acted.error().code() != base::StatusCode::kFailedPrecondition) {
            return respond(ErrorResponse(500, "INTERNAL",
                                         "the account is frozen by transaction " +
                                             status.id.ToHex() +
                                             ", but the alert could not be updated"));
          }
          // An alert resolved meanwhile keeps its record; the account is frozen either way.
          if (acted) view["alert"] = audit::StoredAlertToJson(*acted);
          respond(JsonResponse(200, view));
        });
  });
}

base::Result<audit::StoredAlert> AlertApi::RecordFreeze(const std::string& id,
                                                        const std::string& auditor,
                                                        const std::string& note,
                                                        const crypto::Hash& freeze) {
  auto acted = store_.Act(id, audit::AlertAction{.kind = audit::AlertActionKind::kFreeze,
                                                 .by = auditor,
                                                 .at = clock_.NowMillis(),
                                                 .note = note,
                                                 .transaction = freeze.ToHex()});
  if (!acted && acted.error().code() != base::StatusCode::kFailedPrecondition) {
    base::LogError("api.alerts", "alert " + id + ": the freeze " + freeze.ToHex() +
                                     " is not recorded: " + acted.error().ToString());
  }
  return acted;
}

}  // namespace nuri::api
