// Tests of HttpServer and HttpClient over real sockets on 127.0.0.1, each server on a port the
// kernel picks. Raw sockets stand in for clients that misbehave.
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http_client.h"
#include "net/tls_identity.h"

namespace nuri::api {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Small enough that a test never hangs long on a connection the server should have closed.
constexpr int kTestIdleTimeoutSeconds = 5;

HttpServerOptions TestOptions() {
  HttpServerOptions options;
  options.idle_timeout_seconds = kTestIdleTimeoutSeconds;
  return options;
}

std::unique_ptr<HttpServer> StartServer(HttpHandler handler,
                                        HttpServerOptions options = TestOptions()) {
  auto server = std::make_unique<HttpServer>(std::move(options), std::move(handler));
  const base::Status status = server->Start();
  EXPECT_TRUE(status.ok()) << status.ToString();
  return server;
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

// Echoes the method, path and body, so tests can see what the server parsed.
void EchoHandler(HttpRequest request, Responder respond) {
  respond(TextResponse(200, request.method + " " + request.path + " " + request.body));
}

// A connected raw socket to the server, for bytes no well-behaved client would send.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : socket_(io_context_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void Send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // Everything the server sends until it closes the connection.
  std::string ReceiveUntilClosed() {
    std::string received;
    boost::system::error_code error;
    asio::read(socket_, asio::dynamic_buffer(received), error);
    return received;
  }
  // What the server sends until `marker` has arrived (or the connection closed).
  std::string ReceiveUntil(std::string_view marker) {
    std::string received;
    boost::system::error_code error;
    while (received.find(marker) == std::string::npos && !error) {
      char buffer[4096];
      const std::size_t size = socket_.read_some(asio::buffer(buffer), error);
      received.append(buffer, size);
    }
    return received;
  }
  void Close() { socket_.close(); }

 private:
  asio::io_context io_context_;
  tcp::socket socket_;
};

TEST(HttpRequest, QueryParameterDecodesPercentAndPlus) {
  HttpRequest request;
  request.query = "name=a%20b%2Bc&x=1+2&empty=&flag&bad=%zz%4&n%61me2=v";
  EXPECT_EQ(request.QueryParameter("name"), "a b+c");
  EXPECT_EQ(request.QueryParameter("x"), "1 2");
  EXPECT_EQ(request.QueryParameter("empty"), "");
  EXPECT_EQ(request.QueryParameter("flag"), "");
  EXPECT_EQ(request.QueryParameter("bad"), "%zz%4");
  EXPECT_EQ(request.QueryParameter("name2"), "v");
  EXPECT_EQ(request.QueryParameter("absent"), "");
}

TEST(HttpServer, GetRoundTripDecodesQueryParameters) {
  HttpRequest seen;
  std::mutex seen_mutex;
  auto server = StartServer([&](HttpRequest request, Responder respond) {
    HttpResponse response;
    response.body = R"({"name":")" + request.QueryParameter("name") + R"("})";
    response.headers.emplace_back("X-Request-Path", request.path);
    {
      std::lock_guard lock(seen_mutex);
      seen = std::move(request);
    }
    respond(std::move(response));
  });
  HttpClient client("127.0.0.1", server->port());
  const auto response = client.Request("GET", "/v1/hello?name=Kim%20Min%2Bjun&x=1");
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"name":"Kim Min+jun"})");
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->Header("server"), "nuri");
  EXPECT_EQ(response->Header("X-Request-Path"), "/v1/hello");
  EXPECT_EQ(response->Header("content-length"), std::to_string(response->body.size()));
  std::lock_guard lock(seen_mutex);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/v1/hello?name=Kim%20Min%2Bjun&x=1");
  EXPECT_EQ(seen.path, "/v1/hello");
  EXPECT_EQ(seen.query, "name=Kim%20Min%2Bjun&x=1");
  EXPECT_EQ(seen.Header("host"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(seen.Header("user-agent"), "nuri");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST(HttpServer, HandlerMayRespondLaterFromAnotherThread) {
  std::mutex mutex;
  std::condition_variable parked_changed;
  std::vector<Responder> parked;
  auto server = StartServer([&](HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    parked.push_back(std::move(respond));
    parked_changed.notify_all();
  });
  auto pending = std::async(std::launch::async, [port = server->port()] {
    HttpClient client("127.0.0.1", port);
    return client.Request("POST", "/v1/transactions", R"({"type":"transfer"})");
  });
  Responder respond;
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(
        parked_changed.wait_for(lock, std::chrono::seconds(5), [&] { return !parked.empty(); }));
    respond = std::move(parked.front());
  }
  std::thread committer([respond = std::move(respond)] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    respond(TextResponse(202, "committed"));
  });
  const auto response = pending.get();
  committer.join();
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, "committed");
}

TEST(HttpServer, KeepAliveCarriesSeveralRequestsOnOneConnection) {
  auto server = StartServer([](HttpRequest request, Responder respond) {
    respond(TextResponse(200, std::to_string(request.remote_port) + " " + request.body));
  });
  HttpClient client("127.0.0.1", server->port());
  std::string first_port;
  for (int index = 0; index < 5; ++index) {
    const std::string body = "request " + std::to_string(index);
    const auto response = client.Request("POST", "/v1/echo", body, "text/plain");
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    const std::string port = response->body.substr(0, response->body.find(' '));
    if (index == 0) first_port = port;
    EXPECT_EQ(port, first_port) << "request " << index << " came on a new connection";
    EXPECT_EQ(response->body, port + " " + body);
    EXPECT_EQ(response->Header("connection"), "");  // HTTP/1.1 keeps the connection by default
  }
}

TEST(HttpServer, OversizedBodyGets413AndTheConnectionCloses) {
  HttpServerOptions options = TestOptions();
  options.body_size_bytes_max = 1024;
  std::atomic<int> handled{0};
  auto server = StartServer(
      [&](HttpRequest request, Responder respond) {
        ++handled;
        EchoHandler(std::move(request), std::move(respond));
      },
      options);
  HttpClient client("127.0.0.1", server->port());
  const auto too_large = client.Request("POST", "/v1/transactions", std::string(64 * 1024, 'x'));
  ASSERT_TRUE(too_large.has_value()) << too_large.error().ToString();
  EXPECT_EQ(too_large->status, 413);
  EXPECT_NE(too_large->body.find(R"("code":"TOO_LARGE")"), std::string::npos) << too_large->body;
  EXPECT_EQ(too_large->Header("connection"), "close");
  EXPECT_EQ(handled.load(), 0);
  // A body at the limit passes, on a new connection.
  const auto at_limit = client.Request("POST", "/v1/transactions", std::string(1024, 'y'));
  ASSERT_TRUE(at_limit.has_value()) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(handled.load(), 1);
}

TEST(HttpServer, OversizedHeadGets431) {
  auto server = StartServer(EchoHandler);
  RawConnection connection(server->port());
  connection.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
  const std::string received = connection.ReceiveUntilClosed();
  EXPECT_TRUE(received.starts_with("HTTP/1.1 431")) << received;
  EXPECT_NE(received.find(R"("code":"TOO_LARGE")"), std::string::npos) << received;
}

TEST(HttpServer, GarbageGets400AndTheServerKeepsServing) {
  auto server = StartServer(EchoHandler);
  RawConnection connection(server->port());
  connection.Send("THIS IS NOT HTTP AT ALL\r\n\r\n");
  const std::string received = connection.ReceiveUntilClosed();
  EXPECT_TRUE(received.starts_with("HTTP/1.1 400")) << received;
  EXPECT_NE(received.find(R"({"code":"MALFORMED","message":)"), std::string::npos) << received;
  EXPECT_NE(received.find("Server: nuri"), std::string::npos) << received;

  HttpClient client("127.0.0.1", server->port());
  const auto response = client.Request("GET", "/v1/status");
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "GET /v1/status ");
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  std::vector<std::thread> committers;
  std::mutex committers_mutex;
  auto server = StartServer([&](HttpRequest request, Responder respond) {
    if (request.path != "/slow") return EchoHandler(std::move(request), std::move(respond));
    std::lock_guard lock(committers_mutex);
    committers.emplace_back([respond = std::move(respond)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      respond(TextResponse(200, "slow"));
    });
  });
  RawConnection connection(server->port());
  connection.Send(
      "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string received = connection.ReceiveUntilClosed();
  const std::size_t slow = received.find("\r\n\r\nslow");
  const std::size_t fast = received.find("\r\n\r\nGET /fast");
  ASSERT_NE(slow, std::string::npos) << received;
  ASSERT_NE(fast, std::string::npos) << received;
  EXPECT_LT(slow, fast);
  std::lock_guard lock(committers_mutex);
  for (std::thread& committer : committers) committer.join();
}

TEST(HttpServer, HandlerThatThrowsGets500) {
  auto server = StartServer([](HttpRequest, Responder) { throw std::runtime_error("boom"); });
  HttpClient client("127.0.0.1", server->port());
  const auto response = client.Request("GET", "/v1/status");
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, R"({"code":"INTERNAL","message":"internal error"})");
  // The connection stays usable.
  const auto again = client.Request("GET", "/v1/status");
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->status, 500);
}

TEST(HttpServer, DroppedResponderGets500AndSecondAnswerIsIgnored) {
  auto server = StartServer([](HttpRequest request, Responder respond) {
    if (request.path == "/drop") return;
    respond(TextResponse(200, "first"));
    respond(TextResponse(200, "second"));
  });
  HttpClient client("127.0.0.1", server->port());
  const auto dropped = client.Request("GET", "/drop");
  ASSERT_TRUE(dropped.has_value()) << dropped.error().ToString();
  EXPECT_EQ(dropped->status, 500);
  const auto twice = client.Request("GET", "/twice");
  ASSERT_TRUE(twice.has_value()) << twice.error().ToString();
  EXPECT_EQ(twice->body, "first");
}

TEST(HttpServer, HeadGetsContentLengthWithoutABody) {
  auto server = StartServer(
      [](HttpRequest, Responder respond) { respond(TextResponse(200, "twelve bytes")); });
  HttpClient client("127.0.0.1", server->port());
  const auto head = client.Request("HEAD", "/v1/status");
  ASSERT_TRUE(head.has_value()) << head.error().ToString();
  EXPECT_EQ(head->Header("content-length"), "12");
  EXPECT_EQ(head->body, "");
  const auto get = client.Request("GET", "/v1/status");
  ASSERT_TRUE(get.has_value()) << get.error().ToString();
  EXPECT_EQ(get->body, "twelve bytes");
}

TEST(HttpServer, StopIsIdempotentAndClientsThenGetUnavailable) {
  auto server = StartServer(EchoHandler);
  const std::uint16_t port = server->port();
  HttpClient client("127.0.0.1", port);
  const auto before = client.Request("GET", "/v1/status");
  ASSERT_TRUE(before.has_value()) << before.error().ToString();
  server->Stop();
  server->Stop();
  // The kept-alive connection was closed; the client notices, and nobody listens any more.
  const auto after = client.Request("GET", "/v1/status");
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code(), base::StatusCode::kUnavailable);
  EXPECT_NE(after.error().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << after.error().message();
  HttpClient fresh("127.0.0.1", port);
  const auto refused = fresh.Request("POST", "/v1/transactions", "{}");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::StatusCode::kUnavailable);
  EXPECT_FALSE(server->Start().ok());
}

TEST(HttpServer, AnswerAfterStopIsDropped) {
  std::mutex mutex;
  std::condition_variable parked_changed;
  Responder parked;
  auto server = StartServer([&](HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    parked = std::move(respond);
    parked_changed.notify_all();
  });
  auto pending = std::async(std::launch::async, [port = server->port()] {
    HttpClient client("127.0.0.1", port);
    return client.Request("GET", "/v1/wait");
  });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(
        parked_changed.wait_for(lock, std::chrono::seconds(5), [&] { return parked != nullptr; }));
  }
  server->Stop();
  const auto response = pending.get();
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), base::StatusCode::kUnavailable);
  std::lock_guard lock(mutex);
  parked(TextResponse(200, "too late"));  // the server stopped: dropped
  server.reset();
  parked = nullptr;  // the server is gone: destroying the last copy is harmless too
}

TEST(HttpServer, StartFailsWhenThePortIsTaken) {
  auto first = StartServer(EchoHandler);
  HttpServerOptions options = TestOptions();
  options.port = first->port();
  HttpServer second(options, EchoHandler);
  const base::Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), base::StatusCode::kIoError);
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(first->port())), std::string::npos)
      << status.message();
  second.Stop();  // harmless on a server that never ran
}

TEST(HttpServer, StartRejectsBadOptions) {
  HttpServerOptions options = TestOptions();
  options.address = "not an address";
  EXPECT_EQ(HttpServer(options, EchoHandler).Start().code(), base::StatusCode::kInvalidArgument);
  options = TestOptions();
  options.threads = 0;
  EXPECT_EQ(HttpServer(options, EchoHandler).Start().code(), base::StatusCode::kInvalidArgument);
}

TEST(HttpServer, ConnectionsBeyondTheMaximumAreClosed) {
  HttpServerOptions options = TestOptions();
  options.connections_max = 1;
  auto server = StartServer(EchoHandler, options);
  auto holder = std::make_unique<RawConnection>(server->port());
  // Once the holder is accepted, a second connection is accepted and closed at once.
  HttpClient client("127.0.0.1", server->port());
  bool refused = false;
  for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
    const auto response = client.Request("GET", "/v1/status", {}, {}, 1000);
    refused = !response.has_value() && response.error().code() == base::StatusCode::kUnavailable;
  }
  EXPECT_TRUE(refused);
  holder.reset();
  // The server notices that the holder left, and takes new connections again.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    served = client.Request("GET", "/v1/status").has_value();
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST(HttpServer, IdleConnectionIsClosed) {
  HttpServerOptions options = TestOptions();
  options.idle_timeout_seconds = 1;
  auto server = StartServer(EchoHandler, options);
  RawConnection connection(server->port());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(connection.ReceiveUntilClosed(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

TEST(HttpClient, ReconnectsWhenTheServerClosedTheIdleConnection) {
  HttpServerOptions options = TestOptions();
  options.idle_timeout_seconds = 1;
  auto server = StartServer(
      [](HttpRequest request, Responder respond) {
        respond(TextResponse(200, std::to_string(request.remote_port)));
      },
      options);
  HttpClient client("127.0.0.1", server->port());
  const auto first = client.Request("POST", "/v1/transactions", "{}");
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto second = client.Request("POST", "/v1/transactions", "{}");
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_NE(second->body, first->body);  // a new connection, from a new local port
}

// An HTTPS server whose certificate the organization's CA `ca` issued for 127.0.0.1 and
// localhost, answering with the Authorization header it received.
std::unique_ptr<HttpServer> StartHttpsServer(const net::TlsCredentials& ca) {
  const auto leaf = net::IssueApiCertificate(ca, "v1", "moef", {"127.0.0.1", "localhost"});
  EXPECT_TRUE(leaf.has_value());
  HttpServerOptions options = TestOptions();
  options.https = HttpsIdentity{leaf->certificate_pem, leaf->key_pem};
  return StartServer(
      [](HttpRequest request, Responder respond) {
        respond(TextResponse(200, request.Header("authorization")));
      },
      std::move(options));
}

TEST(HttpClient, SpeaksHttpsToAServerItsCaVouchesFor) {
  const auto ca = net::MakeCertificateAuthority("moef");
  ASSERT_TRUE(ca.has_value());
  auto server = StartHttpsServer(*ca);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    HttpClient client(host, server->port(), HttpClientTls{ca->certificate_pem});
    ASSERT_TRUE(client.SetHeader("Authorization", "Bearer one").ok());
    ASSERT_TRUE(client.SetHeader("authorization", "Bearer two").ok());  // replaces it
    for (int i = 0; i < 3; ++i) {  // on one kept-alive connection
      const auto response = client.Request("GET", "/v1/sessions/current");
      ASSERT_TRUE(response.has_value()) << host << ": " << response.error().ToString();
      EXPECT_EQ(response->body, "Bearer two");
    }
  }
  HttpClient client("127.0.0.1", server->port(), HttpClientTls{ca->certificate_pem});
  EXPECT_EQ(client.SetHeader("Bad Name", "x").code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(client.SetHeader("X-Ok", "a\r\nInjected: 1").code(),
            base::StatusCode::kInvalidArgument);
}

TEST(HttpClient, RefusesAServerItsCasDoNotVouchFor) {
  const auto ca = net::MakeCertificateAuthority("moef");
  const auto other_ca = net::MakeCertificateAuthority("moef");
  ASSERT_TRUE(ca.has_value() && other_ca.has_value());
  auto server = StartHttpsServer(*ca);
  HttpClient stranger("127.0.0.1", server->port(), HttpClientTls{other_ca->certificate_pem});
  const auto refused = stranger.Request("GET", "/");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::StatusCode::kUnavailable);
  // The certificate names 127.0.0.1 and localhost, not this address.
  HttpClient misnamed("127.0.0.2", server->port(), HttpClientTls{ca->certificate_pem});
  EXPECT_FALSE(misnamed.Request("GET", "/").has_value());
  // Plain HTTP to an HTTPS port gets no answer it could take for one.
  HttpClient plain("127.0.0.1", server->port());
  const auto response = plain.Request("GET", "/", {}, {}, 2000);
  EXPECT_TRUE(!response.has_value() || response->status == 400);
}

TEST(HttpClient, TimesOutWithUnavailable) {
  std::mutex mutex;
  std::vector<Responder> parked;
  auto server = StartServer([&](HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    parked.push_back(std::move(respond));
  });
  HttpClient client("127.0.0.1", server->port());
  const auto response = client.Request("GET", "/v1/wait", {}, {}, 200);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), base::StatusCode::kUnavailable);
  EXPECT_NE(response.error().message().find("200 ms"), std::string::npos)
      << response.error().message();
}

TEST(HttpClient, RejectsBadRequests) {
  HttpClient client("127.0.0.1", 1);
  EXPECT_EQ(client.Request("GE T", "/").error().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Request("GET", "no-slash").error().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Request("GET", "/a b").error().code(), base::StatusCode::kInvalidArgument);
}

TEST(HttpClient, FromUrlParsesHostAndPort) {
  const auto plain = HttpClient::FromUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(plain.has_value()) << plain.error().ToString();
  EXPECT_EQ(plain->host(), "127.0.0.1");
  EXPECT_EQ(plain->port(), 8080);
  const auto slash = HttpClient::FromUrl("http://localhost/");
  ASSERT_TRUE(slash.has_value()) << slash.error().ToString();
  EXPECT_EQ(slash->host(), "localhost");
  EXPECT_EQ(slash->port(), 80);
  const auto ipv6 = HttpClient::FromUrl("http://[::1]:9000");
  ASSERT_TRUE(ipv6.has_value()) << ipv6.error().ToString();
  EXPECT_EQ(ipv6->host(), "::1");
  EXPECT_EQ(ipv6->port(), 9000);
  for (const std::string_view bad :
       {"https://127.0.0.1:8080", "127.0.0.1:8080", "http://", "http://host:", "http://host:0",
        "http://host:65536", "http://host:80x", "http://host:80/v1", "http://user@host",
        "http://::1:80", "http://[::1"}) {
    const auto client = HttpClient::FromUrl(bad);
    ASSERT_FALSE(client.has_value()) << bad;
    EXPECT_EQ(client.error().code(), base::StatusCode::kInvalidArgument) << bad;
  }
}

// A handler that answers with a stream and hands it to the test.
struct StreamingHandler {
  std::mutex mutex;
  std::condition_variable answered;
  std::shared_ptr<ResponseStream> stream;  // guarded by mutex

  void operator()(HttpRequest request, Responder respond) {
    if (request.path != "/events") return EchoHandler(std::move(request), std::move(respond));
    auto created = std::make_shared<ResponseStream>();
    created->Write("first\n");
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = created;
    respond(std::move(response));
    std::lock_guard lock(mutex);
    stream = created;
    answered.notify_all();
  }
  std::shared_ptr<ResponseStream> Await() {
    std::unique_lock lock(mutex);
    answered.wait(lock, [&] { return stream != nullptr; });
    return stream;
  }
};

TEST(HttpServer, StreamedBodyIsSentInChunksAsItIsWrittenThenTheNextRequestIsServed) {
  StreamingHandler handler;
  auto server = StartServer(std::ref(handler));
  RawConnection connection(server->port());
  connection.Send(
      "GET /events HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::shared_ptr<ResponseStream> stream = handler.Await();
  const std::string head = connection.ReceiveUntil("first\n\r\n");
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\n\r\n6\r\nfirst\n\r\n"), std::string::npos) << head;
  // Written later, from another thread, it arrives on its own.
  std::thread writer([stream] { EXPECT_TRUE(stream->Write("second\n")); });
  writer.join();
  EXPECT_NE(connection.ReceiveUntil("second\n\r\n").find("7\r\nsecond\n\r\n"), std::string::npos);
  stream->End();
  EXPECT_FALSE(stream->Write("too late"));
  const std::string rest = connection.ReceiveUntilClosed();
  EXPECT_EQ(rest.find("0\r\n\r\n"), 0u) << rest;
  EXPECT_NE(rest.find("GET /after"), std::string::npos) << rest;
}

TEST(HttpServer, AStreamWhoseClientLeftRefusesWrites) {
  StreamingHandler handler;
  auto server = StartServer(std::ref(handler));
  RawConnection connection(server->port());
  connection.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::shared_ptr<ResponseStream> stream = handler.Await();
  connection.ReceiveUntil("first\n\r\n");
  connection.Close();
  // The server learns that the client left when a write fails; a writer's heartbeats find it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stream->Write(": heartbeat\n\n") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(stream->closed());
}

TEST(HttpServer, AStreamOutpacingItsReaderIsClosed) {
  ResponseStream stream(/*waiting_bytes_max=*/10);
  EXPECT_TRUE(stream.Write("0123456789"));
  EXPECT_EQ(stream.waiting_bytes(), 10u);
  EXPECT_FALSE(stream.Write("x"));
  EXPECT_TRUE(stream.closed());
  EXPECT_EQ(stream.Take().second, ResponseStream::State::kCancelled);
}

TEST(HttpServer, StopClosesStreamsAndHttp10GetsNoStream) {
  StreamingHandler handler;
  auto server = StartServer(std::ref(handler));
  RawConnection old_client(server->port());
  old_client.Send("GET /events HTTP/1.0\r\nHost: x\r\n\r\n");
  const std::string refused = old_client.ReceiveUntilClosed();
  EXPECT_NE(refused.find("400"), std::string::npos) << refused;
  EXPECT_TRUE(handler.Await()->closed());
  {
    std::lock_guard lock(handler.mutex);
    handler.stream = nullptr;
  }
  RawConnection connection(server->port());
  connection.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::shared_ptr<ResponseStream> stream = handler.Await();
  connection.ReceiveUntil("first\n\r\n");
  server->Stop();
  EXPECT_TRUE(stream->closed());
}

}  // namespace
}  // namespace nuri::api
