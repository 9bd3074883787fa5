// Browser requests from the named origins only (cors.h), over real HTTP on loopback.
#include "api/cors.h"

#include <gtest/gtest.h>

#include "api/http_client.h"

namespace nuri::api {
namespace {

constexpr std::string_view kWallet = "https://wallet.moef.go.kr";

class CorsTest : public ::testing::Test {
 protected:
  void SetUp() override { Serve({std::string(kWallet), "http://localhost:8080"}); }
  void TearDown() override { server_->Stop(); }

  void Serve(std::vector<std::string> origins) {
    if (server_) server_->Stop();
    cors_ = std::make_unique<Cors>(std::move(origins), [](HttpRequest request, Responder respond) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = request.method + " " + request.path;
      respond(std::move(response));
    });
    server_ = std::make_unique<HttpServer>(HttpServerOptions{},
                                           [this](HttpRequest request, Responder respond) {
                                             cors_->Handle(std::move(request), std::move(respond));
                                           });
    ASSERT_TRUE(server_->Start().ok());
  }

  // A request as a browser on `origin` sends it ("" for none).
  HttpResponse Send(std::string_view method, std::string_view origin, bool preflight = false) {
    HttpClient client("127.0.0.1", server_->port());
    if (!origin.empty()) {
      EXPECT_TRUE(client.SetHeader("Origin", std::string(origin)).ok());
    }
    if (preflight) {
      EXPECT_TRUE(client.SetHeader("Access-Control-Request-Method", "POST").ok());
      EXPECT_TRUE(client.SetHeader("Access-Control-Request-Headers", "authorization").ok());
    }
    auto response = client.Request(method, "/v1/payment-requests");
    EXPECT_TRUE(response.has_value());
    return response.value_or(HttpResponse{});
  }

  std::unique_ptr<Cors> cors_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(CorsTest, ANamedOriginIsToldItMayReadTheAnswer) {
  const HttpResponse answer = Send("POST", kWallet);
  EXPECT_EQ(answer.body, "POST /v1/payment-requests");
  EXPECT_EQ(answer.Header("access-control-allow-origin"), kWallet);
  EXPECT_EQ(answer.Header("vary"), "Origin");
  EXPECT_NE(answer.Header("access-control-expose-headers").find("Retry-After"), std::string::npos);
  EXPECT_EQ(answer.Header("access-control-allow-credentials"), "");

  const HttpResponse preflight = Send("OPTIONS", kWallet, true);
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.Header("access-control-allow-origin"), kWallet);
  EXPECT_NE(preflight.Header("access-control-allow-methods").find("POST"), std::string::npos);
  EXPECT_NE(preflight.Header("access-control-allow-headers").find("Authorization"),
            std::string::npos);
  EXPECT_NE(preflight.Header("access-control-allow-headers").find("Idempotency-Key"),
            std::string::npos);
}

TEST_F(CorsTest, AnyOtherOriginGetsNoCorsHeadersAndItsPreflightIsRefused) {
  for (std::string_view stranger :
       {"https://evil.example", "https://wallet.moef.go.kr.evil.example",
        "http://wallet.moef.go.kr", "null"}) {
    const HttpResponse answer = Send("POST", stranger);
    EXPECT_EQ(answer.body, "POST /v1/payment-requests") << "served, but not for a browser to read";
    EXPECT_EQ(answer.Header("access-control-allow-origin"), "") << stranger;
    const HttpResponse preflight = Send("OPTIONS", stranger, true);
    EXPECT_EQ(preflight.status, 403) << stranger;
    EXPECT_NE(preflight.body.find("CORS_ORIGIN_NOT_ALLOWED"), std::string::npos);
    EXPECT_EQ(preflight.Header("access-control-allow-origin"), "");
  }
  // Without Origin (not a browser's cross-origin request), nothing changes.
  EXPECT_EQ(Send("POST", "").Header("access-control-allow-origin"), "");
}

TEST_F(CorsTest, WithoutNamedOriginsNothingIsAllowedAndPreflightsGoOnAsRequests) {
  Serve({});
  EXPECT_EQ(Send("POST", kWallet).Header("access-control-allow-origin"), "");
  const HttpResponse preflight = Send("OPTIONS", kWallet, true);
  EXPECT_EQ(preflight.body, "OPTIONS /v1/payment-requests");
  EXPECT_EQ(preflight.Header("access-control-allow-origin"), "");
}

TEST(CheckOrigin, TakesWhatBrowsersSendOnly) {
  for (const char* origin : {"https://wallet.moef.go.kr", "http://localhost:8080",
                             "https://[::1]:8443", "http://127.0.0.1:7101"}) {
    EXPECT_TRUE(CheckOrigin(origin).ok()) << origin;
  }
  for (const char* origin :
       {"", "*", "null", "wallet.moef.go.kr", "https://", "ftp://x", "https://wallet.moef.go.kr/",
        "https://Wallet.moef.go.kr", "https://a b", "https://x/path"}) {
    EXPECT_FALSE(CheckOrigin(origin).ok()) << origin;
  }
}

}  // namespace
}  // namespace nuri::api
