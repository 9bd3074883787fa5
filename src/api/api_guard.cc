#include "api/api_guard.h"

#include <algorithm>

#include "api/json_response.h"

namespace nuri::api {

namespace {

constexpr std::string_view kLoginPath = "/v1/sessions";

HttpResponse RateLimitedResponse(int retry_after_seconds) {
  HttpResponse response = ErrorResponse(
      429, "RATE_LIMITED",
      "too many requests: try again in " + std::to_string(retry_after_seconds) + " s");
  response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return response;
}

// What makes two requests the same request: method, target, content type and body.
crypto::Hash Fingerprint(const HttpRequest& request) {
  crypto::Sha256Builder builder;
  for (const std::string& part :
       {request.method, request.target, request.Header("content-type"), request.body}) {
    builder.Add(std::to_string(part.size()) + ":");
    builder.Add(part);
  }
  return builder.Finish();
}

// Keeps the first answer to a claimed key; frees the key if the request goes unanswered.
class IdempotentAnswer {
 public:
  IdempotentAnswer(std::shared_ptr<IdempotencyStore> store, std::string key, Responder respond)
      : store_(std::move(store)), key_(std::move(key)), respond_(std::move(respond)) {}
  IdempotentAnswer(const IdempotentAnswer&) = delete;
  IdempotentAnswer& operator=(const IdempotentAnswer&) = delete;
  ~IdempotentAnswer() {
    if (!answered_.exchange(true)) store_->Forget(key_);
  }
  void Answer(HttpResponse response) {
    if (!answered_.exchange(true)) store_->Finish(key_, response);
    respond_(std::move(response));
  }

 private:
  const std::shared_ptr<IdempotencyStore> store_;
  const std::string key_;
  const Responder respond_;
  std::atomic<bool> answered_{false};
};

}  // namespace

ApiGuard::ApiGuard(ApiGuardOptions options, const base::Clock& clock, HttpHandler next)
    : options_(std::move(options)),
      clock_(clock),
      next_(std::move(next)),
      per_address_(options_.per_address),
      per_session_(options_.per_session),
      logins_(options_.logins_per_address),
      answers_(std::make_shared<IdempotencyStore>(options_.idempotency)) {}

std::optional<int> ApiGuard::CheckLimits(const HttpRequest& request, std::int64_t now_micros) {
  const auto& exempt = options_.exempt_addresses;
  if (std::find(exempt.begin(), exempt.end(), request.remote_address) == exempt.end()) {
    if (auto wait = per_address_.Take(request.remote_address, now_micros)) return wait;
    if (request.method == "POST" && request.path == kLoginPath) {
      if (auto wait = logins_.Take(request.remote_address, now_micros)) return wait;
    }
  }
  const std::string authorization = request.Header("authorization");
  if (!authorization.empty()) {
    // Keyed by a hash: the table should not hold bearer tokens.
    if (auto wait = per_session_.Take(crypto::Sha256(authorization).view(), now_micros)) {
      return wait;
    }
  }
  return std::nullopt;
}

void ApiGuard::Handle(HttpRequest request, Responder respond) {
  const std::int64_t now_micros = clock_.MonotonicMicros();
  if (const auto wait = CheckLimits(request, now_micros)) {
    metrics_.rate_limited.fetch_add(1, std::memory_order_relaxed);
    return respond(RateLimitedResponse(*wait));
  }
  // A login's answer is a session token: it is not kept, and a retried login logs in anew.
  if (request.method == "POST" && request.path != kLoginPath &&
      !request.Header("idempotency-key").empty()) {
    return HandleIdempotently(std::move(request), std::move(respond), now_micros);
  }
  next_(std::move(request), std::move(respond));
}

void ApiGuard::HandleIdempotently(HttpRequest request, Responder respond, std::int64_t now_micros) {
  const std::string key = request.Header("idempotency-key");
  if (!ValidIdempotencyKey(key)) {
    return respond(ErrorResponse(400, "MALFORMED",
                                 "an Idempotency-Key is 1 to 255 visible ASCII characters",
                                 "Idempotency-Key"));
  }
  const std::string authorization = request.Header("authorization");
  const std::string caller = authorization.empty()
                                 ? "address " + request.remote_address
                                 : "session " + crypto::Sha256(authorization).ToHex();
  const std::string scoped_key = caller + "\n" + key;
  IdempotencyStore::Lookup lookup = answers_->Begin(scoped_key, Fingerprint(request), now_micros);
  switch (lookup.verdict) {
    case IdempotencyStore::Verdict::kReplay:
      metrics_.idempotent_replays.fetch_add(1, std::memory_order_relaxed);
      lookup.response.headers.emplace_back("Idempotent-Replayed", "true");
      return respond(std::move(lookup.response));
    case IdempotencyStore::Verdict::kInProgress:
      return respond(ErrorResponse(409, "IDEMPOTENCY_IN_PROGRESS",
                                   "a request with this Idempotency-Key is still being answered",
                                   "Idempotency-Key"));
    case IdempotencyStore::Verdict::kMismatch:
      return respond(ErrorResponse(422, "IDEMPOTENCY_KEY_REUSED",
                                   "this Idempotency-Key was used for another request",
                                   "Idempotency-Key"));
    case IdempotencyStore::Verdict::kFirst:
      break;
  }
  auto answer = std::make_shared<IdempotentAnswer>(answers_, scoped_key, std::move(respond));
  next_(std::move(request),
        [answer](HttpResponse response) { answer->Answer(std::move(response)); });
}

}  // namespace nuri::api
