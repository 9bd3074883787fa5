// The API's guard: token buckets, the Idempotency-Key store, and the two together in front of a
// handler, driven by a manual clock.
#include "api/api_guard.h"

#include <gtest/gtest.h>

#include <optional>

#include "api/idempotency.h"
#include "api/rate_limiter.h"
#include "base/clock.h"

namespace nuri::api {
namespace {

constexpr std::int64_t kSecondMicros = 1'000'000;

TEST(RateLimiterTest, AllowsTheBurstThenOneTokenPerInterval) {
  RateLimiter limiter({.per_second = 2, .burst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", 0), std::nullopt) << i;
  EXPECT_EQ(limiter.Take("a", 0), 1);
  // Half a second brings one token at two per second.
  EXPECT_EQ(limiter.Take("a", kSecondMicros / 2 - 1), 1);
  EXPECT_EQ(limiter.Take("a", kSecondMicros / 2), std::nullopt);
  EXPECT_EQ(limiter.Take("a", kSecondMicros / 2), 1);
  // Another key has its own bucket.
  EXPECT_EQ(limiter.Take("b", kSecondMicros / 2), std::nullopt);
}

TEST(RateLimiterTest, RetryAfterCoversTheWholeWait) {
  RateLimiter limiter({.per_second = 0.1, .burst = 1});
  EXPECT_EQ(limiter.Take("a", 0), std::nullopt);
  EXPECT_EQ(limiter.Take("a", 0), 10);
  EXPECT_EQ(limiter.Take("a", 9 * kSecondMicros), 1);
  EXPECT_EQ(limiter.Take("a", 10 * kSecondMicros), std::nullopt);
}

TEST(RateLimiterTest, ATinyRateWaitsADayAtMost) {
  RateLimiter limiter({.per_second = 1e-12, .burst = 1});
  EXPECT_EQ(limiter.Take("a", 0), std::nullopt);
  EXPECT_EQ(limiter.Take("a", 0), 86'400);
}

TEST(RateLimiterTest, ZeroRateIsNoLimit) {
  RateLimiter limiter({.per_second = 0, .burst = 1});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Take("a", 0), std::nullopt);
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiterTest, AFullTableDropsQuietClientsAndSharesOneBucketForTheRest) {
  RateLimiter limiter({.per_second = 1, .burst = 2}, /*keys_max=*/2);
  EXPECT_EQ(limiter.Take("a", 0), std::nullopt);
  EXPECT_EQ(limiter.Take("b", 0), std::nullopt);
  // The table is full and no bucket has filled up again: new keys share the overflow bucket.
  EXPECT_EQ(limiter.Take("c", 0), std::nullopt);
  EXPECT_EQ(limiter.Take("d", 0), std::nullopt);
  EXPECT_EQ(limiter.Take("e", 0), 1);
  // Known clients keep their own buckets meanwhile.
  EXPECT_EQ(limiter.Take("a", 0), std::nullopt);
  EXPECT_EQ(limiter.size(), 2u);
  // Two seconds later both buckets are full again, so a new key gets one of its own.
  EXPECT_EQ(limiter.Take("f", 2 * kSecondMicros), std::nullopt);
  EXPECT_EQ(limiter.size(), 1u);
}

HttpResponse Answer(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

TEST(IdempotencyStoreTest, ReplaysTheFirstAnswerToTheSameRequestOnly) {
  IdempotencyStore store;
  const crypto::Hash request = crypto::Sha256("pay 40000");
  EXPECT_EQ(store.Begin("k", request, 0).verdict, IdempotencyStore::Verdict::kFirst);
  EXPECT_EQ(store.Begin("k", request, 0).verdict, IdempotencyStore::Verdict::kInProgress);
  store.Finish("k", Answer(200, "paid"));
  const auto replay = store.Begin("k", request, 1);
  EXPECT_EQ(replay.verdict, IdempotencyStore::Verdict::kReplay);
  EXPECT_EQ(replay.response.status, 200);
  EXPECT_EQ(replay.response.body, "paid");
  EXPECT_EQ(store.Begin("k", crypto::Sha256("pay 50000"), 1).verdict,
            IdempotencyStore::Verdict::kMismatch);
  // A refusal is an answer like any other: kept.
  EXPECT_EQ(store.Begin("r", request, 1).verdict, IdempotencyStore::Verdict::kFirst);
  store.Finish("r", Answer(422, "refused"));
  EXPECT_EQ(store.Begin("r", request, 2).response.body, "refused");
}

TEST(IdempotencyStoreTest, ForgetsTryLaterAnswersAndUnansweredRequests) {
  IdempotencyStore store;
  const crypto::Hash request = crypto::Sha256("pay");
  for (int status : {429, 500, 503}) {
    ASSERT_EQ(store.Begin("k", request, 0).verdict, IdempotencyStore::Verdict::kFirst) << status;
    store.Finish("k", Answer(status, "later"));
  }
  ASSERT_EQ(store.Begin("k", request, 0).verdict, IdempotencyStore::Verdict::kFirst);
  store.Forget("k");
  EXPECT_EQ(store.Begin("k", request, 0).verdict, IdempotencyStore::Verdict::kFirst);
}

TEST(IdempotencyStoreTest, KeepsAnswersForTheRetentionThenForgetsThem) {
  IdempotencyStore store({.retention_micros = 10 * kSecondMicros});
  const crypto::Hash request = crypto::Sha256("pay");
  ASSERT_EQ(store.Begin("k", request, 0).verdict, IdempotencyStore::Verdict::kFirst);
  store.Finish("k", Answer(200, "paid"));
  EXPECT_EQ(store.Begin("k", request, 10 * kSecondMicros - 1).verdict,
            IdempotencyStore::Verdict::kReplay);
  EXPECT_EQ(store.Begin("k", request, 10 * kSecondMicros).verdict,
            IdempotencyStore::Verdict::kFirst);
}

TEST(IdempotencyStoreTest, DropsTheOldestAnswersBeyondItsBounds) {
  IdempotencyStore store({.entries_max = 3});
  const crypto::Hash request = crypto::Sha256("pay");
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    ASSERT_EQ(store.Begin(key, request, 0).verdict, IdempotencyStore::Verdict::kFirst);
    store.Finish(key, Answer(200, key));
    EXPECT_LE(store.size(), 3u);
  }
  EXPECT_EQ(store.Begin("e", request, 0).verdict, IdempotencyStore::Verdict::kReplay);
  EXPECT_EQ(store.Begin("a", request, 0).verdict, IdempotencyStore::Verdict::kFirst);

  IdempotencyStore small_bodies({.body_size_bytes_max = 10});
  for (const char* key : {"a", "b", "c"}) {
    ASSERT_EQ(small_bodies.Begin(key, request, 0).verdict, IdempotencyStore::Verdict::kFirst);
    small_bodies.Finish(key, Answer(200, "0123456789"));
  }
  EXPECT_LE(small_bodies.size(), 2u);
}

TEST(IdempotencyStoreTest, AcceptsVisibleAsciiKeysOfAtMost255Characters) {
  EXPECT_TRUE(ValidIdempotencyKey("6f1c2a7e-4c1b-4d2a-9a57-2b8f0e3c1d44"));
  EXPECT_TRUE(ValidIdempotencyKey(std::string(255, 'k')));
  EXPECT_FALSE(ValidIdempotencyKey(""));
  EXPECT_FALSE(ValidIdempotencyKey(std::string(256, 'k')));
  EXPECT_FALSE(ValidIdempotencyKey("two words"));
  EXPECT_FALSE(ValidIdempotencyKey("tab\tkey"));
  EXPECT_FALSE(ValidIdempotencyKey("\xed\x95\x9c"));
}

// A guard in front of a handler that counts its calls and answers 201 "call N", or parks the
// request when told to.
class ApiGuardTest : public ::testing::Test {
 protected:
  void MakeGuard(ApiGuardOptions options) {
    guard_ = std::make_unique<ApiGuard>(options, clock_, [this](HttpRequest, Responder respond) {
      ++calls_;
      if (park_) {
        parked_ = std::move(respond);
        return;
      }
      respond(Answer(201, "call " + std::to_string(calls_)));
    });
  }

  HttpResponse Send(HttpRequest request) {
    auto answer = std::make_shared<std::optional<HttpResponse>>();
    guard_->Handle(std::move(request), [answer](HttpResponse response) { *answer = response; });
    EXPECT_TRUE(answer->has_value() || park_);
    return answer->value_or(HttpResponse{.status = 0});
  }

  static HttpRequest Request(std::string method, std::string path, std::string address,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = path;
    request.target = std::move(path);
    request.remote_address = std::move(address);
    request.headers = std::move(headers);
    return request;
  }

  base::ManualClock clock_{1'000'000};
  std::unique_ptr<ApiGuard> guard_;
  int calls_ = 0;
  bool park_ = false;
  Responder parked_;
};

TEST_F(ApiGuardTest, LimitsEachAddressExceptTheExemptOnes) {
  MakeGuard({.per_address = {.per_second = 1, .burst = 2}, .exempt_addresses = {"127.0.0.1"}});
  EXPECT_EQ(Send(Request("GET", "/v1/status", "10.0.0.7")).status, 201);
  EXPECT_EQ(Send(Request("GET", "/v1/status", "10.0.0.7")).status, 201);
  const HttpResponse refused = Send(Request("GET", "/v1/status", "10.0.0.7"));
  EXPECT_EQ(refused.status, 429);
  EXPECT_NE(refused.body.find("\"code\":\"RATE_LIMITED\""), std::string::npos);
  EXPECT_EQ(refused.Header("Retry-After"), "1");
  EXPECT_EQ(calls_, 2);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Send(Request("GET", "/v1/status", "127.0.0.1")).status, 201);
  }
  clock_.AdvanceMillis(1000);
  EXPECT_EQ(Send(Request("GET", "/v1/status", "10.0.0.7")).status, 201);
  EXPECT_EQ(guard_->metrics().rate_limited.load(), 1u);
}

TEST_F(ApiGuardTest, LimitsLoginsPerAddressAndEachSessionFromAnyAddress) {
  MakeGuard({.per_session = {.per_second = 1, .burst = 3},
             .logins_per_address = {.per_second = 1.0 / 60, .burst = 2},
             .exempt_addresses = {"127.0.0.1"}});
  EXPECT_EQ(Send(Request("POST", "/v1/sessions", "10.0.0.7")).status, 201);
  EXPECT_EQ(Send(Request("POST", "/v1/sessions", "10.0.0.7")).status, 201);
  const HttpResponse refused = Send(Request("POST", "/v1/sessions", "10.0.0.7"));
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.Header("Retry-After"), "60");
  // Other requests from that address go on, and other addresses log in.
  EXPECT_EQ(Send(Request("GET", "/v1/status", "10.0.0.7")).status, 201);
  EXPECT_EQ(Send(Request("POST", "/v1/sessions", "10.0.0.8")).status, 201);
  // An exempt address (a proxy whose clients all share it) is left to limit by itself.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Send(Request("POST", "/v1/sessions", "127.0.0.1")).status, 201);
  }

  const std::vector<std::pair<std::string, std::string>> session = {
      {"authorization", "Bearer one"}};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Send(Request("GET", "/v1/sessions/current", "127.0.0.1", session)).status, 201);
  }
  EXPECT_EQ(Send(Request("GET", "/v1/sessions/current", "127.0.0.1", session)).status, 429);
  EXPECT_EQ(
      Send(Request("GET", "/v1/sessions/current", "127.0.0.1", {{"authorization", "Bearer two"}}))
          .status,
      201);
}

TEST_F(ApiGuardTest, AnswersARetriedPostFromItsIdempotencyKey) {
  MakeGuard({});
  auto pay = [&](std::string body, std::string key, std::string token) {
    HttpRequest request = Request("POST", "/v1/payment-requests/p1/pay", "10.0.0.7",
                                  {{"idempotency-key", key}, {"authorization", token}});
    request.body = std::move(body);
    return Send(std::move(request));
  };
  const HttpResponse first = pay("{}", "key-1", "Bearer one");
  EXPECT_EQ(first.body, "call 1");
  const HttpResponse again = pay("{}", "key-1", "Bearer one");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, "call 1");
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(first.Header("Idempotent-Replayed"), "");
  EXPECT_EQ(calls_, 1);
  // The key is the caller's: another session's same key is another request.
  EXPECT_EQ(pay("{}", "key-1", "Bearer two").body, "call 2");
  const HttpResponse reused = pay(R"({"amount":1})", "key-1", "Bearer one");
  EXPECT_EQ(reused.status, 422);
  EXPECT_NE(reused.body.find("IDEMPOTENCY_KEY_REUSED"), std::string::npos);
  const HttpResponse bad = pay("{}", "two words", "Bearer one");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"field\":\"Idempotency-Key\""), std::string::npos);
  // Without a key, every POST runs.
  HttpRequest plain = Request("POST", "/v1/transactions", "10.0.0.7");
  EXPECT_EQ(Send(plain).body, "call 3");
  EXPECT_EQ(Send(plain).body, "call 4");
  EXPECT_EQ(guard_->metrics().idempotent_replays.load(), 1u);
}

TEST_F(ApiGuardTest, NeverKeepsALoginsAnswer) {
  MakeGuard({});
  HttpRequest login = Request("POST", "/v1/sessions", "10.0.0.7", {{"idempotency-key", "login-1"}});
  EXPECT_EQ(Send(login).body, "call 1");
  EXPECT_EQ(Send(login).body, "call 2");
  EXPECT_EQ(guard_->metrics().idempotent_replays.load(), 0u);
}

TEST_F(ApiGuardTest, ACopyThatArrivesWhileTheFirstIsAnsweredIsToldToWait) {
  MakeGuard({});
  park_ = true;
  HttpRequest request =
      Request("POST", "/v1/transactions", "10.0.0.7", {{"idempotency-key", "key-1"}});
  Send(request);
  park_ = false;
  const HttpResponse copy = Send(request);
  EXPECT_EQ(copy.status, 409);
  EXPECT_NE(copy.body.find("IDEMPOTENCY_IN_PROGRESS"), std::string::npos);
  // The first answer is given; from then on it is replayed.
  parked_(Answer(202, "pending"));
  EXPECT_EQ(Send(request).body, "pending");
  EXPECT_EQ(calls_, 1);
}

TEST_F(ApiGuardTest, AnUnansweredRequestFreesItsKey) {
  MakeGuard({});
  park_ = true;
  HttpRequest request =
      Request("POST", "/v1/transactions", "10.0.0.7", {{"idempotency-key", "key-1"}});
  Send(request);
  parked_ = nullptr;  // the server stopped and dropped the request
  park_ = false;
  EXPECT_EQ(Send(request).body, "call 2");
}

}  // namespace
}  // namespace nuri::api
