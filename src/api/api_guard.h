// ApiGuard: what every API request passes before an endpoint sees it.
//
//   - a rate limit per client address (all requests), and a stricter one on logins
//     (POST /v1/sessions) so that passwords cannot be tried at speed, unless the address is
//     exempt: the finance systems and tools a node's operator runs beside it, or a proxy that
//     limits its clients itself (behind it every client has its address);
//   - a rate limit per session (requests with an Authorization header), for every address;
//   - Idempotency-Key on POSTs but logins (idempotency.h): a retried request gets the first
//     answer. A login's answer, a session token, is never kept.
//
// Refusals: 429 RATE_LIMITED with Retry-After (seconds); 400 MALFORMED (field
// "Idempotency-Key") for a key that is not 1-255 visible ASCII characters; 409
// IDEMPOTENCY_IN_PROGRESS while the first copy is being answered; 422 IDEMPOTENCY_KEY_REUSED
// when the key was used for another request. A replayed answer carries
// `Idempotent-Replayed: true`.
//
// The client address is the connection's: behind a proxy, every client shares the proxy's.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/idempotency.h"
#include "api/rate_limiter.h"
#include "base/clock.h"

namespace nuri::api {

struct ApiGuardOptions {
  RateLimit per_address{.per_second = 100, .burst = 200};
  RateLimit per_session{.per_second = 20, .burst = 40};
  RateLimit logins_per_address{.per_second = 10.0 / 60, .burst = 10};
  std::vector<std::string> exempt_addresses;  // from per_address and logins_per_address
  IdempotencyOptions idempotency;
};

struct ApiGuardMetrics {
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> idempotent_replays{0};
};

class ApiGuard {
 public:
  ApiGuard(ApiGuardOptions options, const base::Clock& clock, HttpHandler next);
  ApiGuard(const ApiGuard&) = delete;
  ApiGuard& operator=(const ApiGuard&) = delete;

  void Handle(HttpRequest request, Responder respond);

  const ApiGuardMetrics& metrics() const { return metrics_; }

 private:
  // The Retry-After seconds when a limit refuses the request.
  std::optional<int> CheckLimits(const HttpRequest& request, std::int64_t now_micros);
  void HandleIdempotently(HttpRequest request, Responder respond, std::int64_t now_micros);

  const ApiGuardOptions options_;
  const base::Clock& clock_;
  const HttpHandler next_;
  RateLimiter per_address_;
  RateLimiter per_session_;
  RateLimiter logins_;
  std::shared_ptr<IdempotencyStore> answers_;
  ApiGuardMetrics metrics_;
};

}  // namespace nuri::api
