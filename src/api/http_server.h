// An HTTP/1.1 server for the API: keep-alive, pipelining answered in order, limits on header and
// body sizes, an idle timeout and a cap on open connections. Routing is not its business: every
// request goes to one HttpHandler, which answers through a Responder, at once or later.
//
// Threading: the server runs `threads` threads of its own. The handler is called on one of them,
// one request at a time per connection, and may be called concurrently for different
// connections. A Responder may be called from any thread, also after the server stopped or the
// client went away (the answer is then dropped). Start, Stop and port may be called from any
// thread except a server thread (Stop from a handler would wait for itself).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/limits.h"
#include "base/status.h"

namespace nuri::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received, e.g. "/v1/blocks/3?x=1"
  std::string path;    // target without the query, not decoded
  std::string query;   // after '?', without it ("" when none)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;
  std::string remote_address;  // "127.0.0.1"
  std::uint16_t remote_port = 0;

  // Whether this is a request to upgrade the connection to a WebSocket.
  bool IsWebSocketUpgrade() const;
  // The value of the first header with this name, "" when absent. `lower_name` must be
  // lower-case.
  std::string Header(std::string_view lower_name) const;
  // The rest of the path when it is `prefix` or goes on below it ("/v1/approvals/7/approve"
  // under "/v1/approvals" is "/7/approve"; "/v1/approvals" itself is ""); nullopt otherwise.
  std::optional<std::string_view> PathUnder(std::string_view prefix) const;
  // The value of the first `name=value` pair of the query with this name, percent-decoded, with
  // '+' read as a space (the form encoding browsers use); "" when absent.
  std::string QueryParameter(std::string_view name) const;
};

// The body of a response that is sent while it is being made (Server-Sent Events). A handler
// answers with a response that carries a stream, keeps the stream, and writes to it from any
// thread; the server sends each piece as an HTTP/1.1 chunk as soon as the connection takes it.
// Thread-safe.
class ResponseStream {
 public:
  // More than this many bytes waiting to be sent means the client reads too slowly: the stream
  // is then closed (an event stream's client reconnects and resumes from where it was).
  explicit ResponseStream(std::size_t waiting_bytes_max = 1 << 20)
      : waiting_bytes_max_(waiting_bytes_max) {}
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;

  // Queues data to be sent. False once the stream is closed: the client went away or read too
  // slowly, the server stopped, or End was called. Once false, always false.
  bool Write(std::string_view data);
  // Ends the body once what is queued has been sent.
  void End();
  bool closed() const;
  // Bytes written and not yet taken by the server.
  std::size_t waiting_bytes() const;

  // The server's side. Wake is called (on any thread) whenever there is something to Take.
  void SetWake(std::function<void()> wake);
  enum class State { kOpen, kEnded, kCancelled };
  // Takes what is queued, and says whether more may come.
  std::pair<std::string, State> Take();
  // The connection is gone: writes fail from now on.
  void Cancel();

 private:
  const std::size_t waiting_bytes_max_;
  mutable std::mutex mutex_;
  std::string waiting_;         // guarded by mutex_
  State state_ = State::kOpen;  // guarded by mutex_
  std::function<void()> wake_;  // guarded by mutex_
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";  // "" sends no Content-Type
  std::string body;
  // Extra headers for a server response. The server sets Server, Content-Type, Content-Length,
  // Connection and Transfer-Encoding itself and leaves those names out here, as it leaves out
  // headers with bytes that cannot appear in a header (each with a warning in the log).
  // A response read by HttpClient lists every header it received, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this stream (sent chunked; `body` is ignored), and the connection
  // serves no further request until the stream ends. HTTP/1.0 clients get a 400 instead.
  std::shared_ptr<ResponseStream> stream;
  // With `stream`, for a WebSocket upgrade request (HttpRequest::IsWebSocketUpgrade): the server
  // accepts the upgrade instead of answering in HTTP, and sends each line written to the stream
  // ('\n'-terminated) as one text message. Messages from the client are read and dropped; its
  // pings are answered, and the server pings a quiet peer and drops one that does not answer.
  bool websocket = false;

  // The value of the first header with this name compared without case, "" when absent.
  std::string Header(std::string_view name) const;
};

// The answer of the API to a failure: `status` with the body {"code":"...","message":"..."}.
HttpResponse JsonErrorResponse(int status, std::string_view code, std::string_view message);

// Answers the request it was made for. It must be called once; later calls are ignored with a
// warning in the log. If every copy is destroyed without a call, the client gets a 500, so that a
// forgotten request does not hang its connection. Safe to call from any thread, at any time.
using Responder = std::function<void(HttpResponse)>;
// Called on a server thread for each request. It must call `respond` exactly once, now or later
// from any thread (so a handler can park a request until, e.g., a transaction commits). It must
// not block for long: it holds a server thread. If it throws before responding, the client gets
// a 500 {"code":"INTERNAL","message":"internal error"}.
using HttpHandler = std::function<void(HttpRequest request, Responder respond)>;

// What an HTTPS server presents: its certificate chain (its own first) and its private key, in
// PEM, the key not encrypted (the caller opens it).
struct HttpsIdentity {
  std::string certificate_chain_pem;
  std::string key_pem;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal, e.g. "0.0.0.0" or "::"
  std::uint16_t port = 0;             // 0: pick a free port
  int threads = 2;
  std::size_t body_size_bytes_max = base::kHttpBodySizeBytesMax;
  // How long a connection may take to deliver a whole request, or to take a response, and how
  // long a kept-alive connection may stay silent.
  int idle_timeout_seconds = 60;
  // Connections beyond this many are accepted and closed at once.
  std::size_t connections_max = 1024;
  // With it, the server speaks HTTPS only (TLS 1.2 or 1.3); a client that does not complete the
  // handshake within idle_timeout_seconds is dropped.
  std::optional<HttpsIdentity> https;
};

// Answers of the server itself, before any handler sees the request:
//   400 MALFORMED  the bytes are not an HTTP/1.x request
//   413 TOO_LARGE  the body is larger than body_size_bytes_max
//   431 TOO_LARGE  the request line and headers are larger than 8 KiB
// and the connection is then closed.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  // Stops the server.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

  // Binds, listens and starts the threads. Fails with InvalidArgument for bad options, with
  // IoError naming the address when it cannot listen (the port is taken, for one), and with
  // InvalidArgument when called a second time. Requests may arrive before it returns.
  base::Status Start();
  // The port the server listens on, once Start succeeded; 0 before.
  std::uint16_t port() const;
  // Closes the listener and every connection, drops requests still waiting for their handler's
  // answer, and joins the threads. Returns at once when not running.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nuri::api
