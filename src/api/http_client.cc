// The blocking HTTP client. Each step (resolve, connect, write, read) is an asynchronous Beast
// operation run to completion on the client's own io_context in the calling thread: only
// asynchronous operations honour tcp_stream's deadline, and one deadline covers the request.
// Boost exceptions are caught in Request and become a Status.
#include "api/http_client.h"

#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "base/check.h"

namespace nuri::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Deadline = std::chrono::steady_clock::time_point;

// Responses larger than these are refused. The API's largest answers are lists of blocks.
constexpr std::uint64_t kResponseBodySizeBytesMax = 64 * 1024 * 1024;
constexpr std::uint32_t kResponseHeaderSizeBytesMax = 64 * 1024;

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool alphanumeric =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alphanumeric && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// An origin-form target: a path and maybe a query, without spaces or control characters.
bool IsTarget(std::string_view target) {
  if (!target.starts_with('/')) return false;
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return false;
  }
  return true;
}

bool IsHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Requests that may be sent twice with the effect of once (RFC 9110, 9.2.2).
bool IsIdempotent(std::string_view method) {
  for (const std::string_view idempotent : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}) {
    if (method == idempotent) return true;
  }
  return false;
}

// An idle kept-alive connection has nothing to read. If it is readable, the server closed or
// reset it, or sent bytes nobody asked for: either way it cannot carry the next request.
bool LooksClosed(tcp::socket& socket) {
  if (!socket.is_open()) return true;
  pollfd descriptor{};
  descriptor.fd = socket.native_handle();
  descriptor.events = POLLIN;
  return ::poll(&descriptor, 1, 0) != 0;
}

// The errors after which a reused connection turned out to be closed by the server before it
// read the request.
bool IsStaleConnection(beast::error_code error) {
  return error == http::error::end_of_stream || error == asio::error::eof ||
         error == asio::error::connection_reset || error == asio::error::broken_pipe;
}

// The Status of a failed request; `where` names it ("HTTP GET /v1/x to 127.0.0.1:8080").
base::Status ToStatus(beast::error_code error, const std::string& where, int timeout_milliseconds) {
  const std::string prefix = where + ": ";
  if (error == beast::error::timeout) {
    return base::Status::Unavailable(prefix + "no answer within " +
                                     std::to_string(timeout_milliseconds) + " ms");
  }
  if (error == http::error::body_limit) {
    return base::Status::ResourceExhausted(prefix + "the response body is larger than " +
                                           std::to_string(kResponseBodySizeBytesMax) + " bytes");
  }
  if (error == http::error::end_of_stream || error == http::error::partial_message ||
      error == asio::error::eof) {
    return base::Status::Unavailable(prefix + "the server closed the connection");
  }
  if (error.category() == http::make_error_code(http::error::bad_version).category()) {
    return base::Status::Corruption(prefix + "malformed response: " + error.message());
  }
  // Connection refused or reset, host unreachable, name not found, ...
  return base::Status::Unavailable(prefix + error.message());
}

void RunToCompletion(asio::io_context& io_context) {
  io_context.restart();
  io_context.run();
}

}  // namespace

struct HttpClient::Connection {
  asio::io_context io_context;
  // Over HTTPS the TLS stream owns the TCP stream; over HTTP there is only the TCP stream.
  std::optional<asio::ssl::context> tls_context;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream;
  std::optional<beast::tcp_stream> plain_stream;
  beast::flat_buffer buffer;
  bool open = false;

  explicit Connection(const std::optional<HttpClientTls>& tls) {
    if (!tls) {
      plain_stream.emplace(io_context);
      return;
    }
    asio::ssl::context& context = tls_context.emplace(asio::ssl::context::tls_client);
    context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
    context.add_certificate_authority(asio::buffer(tls->ca_pem));
    context.set_verify_mode(asio::ssl::verify_peer);
    tls_stream.emplace(io_context, context);
  }

  beast::tcp_stream& tcp() { return tls_stream ? tls_stream->next_layer() : *plain_stream; }

  // Runs `operation` on the stream the requests travel on: the TLS one, or the TCP one.
  template <typename Operation>
  void OnStream(Operation&& operation) {
    if (tls_stream) {
      operation(*tls_stream);
    } else {
      operation(*plain_stream);
    }
  }

  void Close() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
    buffer.clear();
    open = false;
    // A TLS stream carries the state of its session: the next connection starts a fresh one.
    if (tls_stream) tls_stream.emplace(io_context, *tls_context);
  }

  // Resolves `host` unless it is an IP literal.
  beast::error_code Resolve(const std::string& host, std::uint16_t port, Deadline deadline,
                            std::vector<tcp::endpoint>& endpoints) {
    beast::error_code error;
    const asio::ip::address address = asio::ip::make_address(host, error);
    if (!error) {
      endpoints.emplace_back(address, port);
      return {};
    }
    tcp::resolver resolver(io_context);
    bool done = false;
    resolver.async_resolve(host, std::to_string(port),
                           [&](beast::error_code resolve_error, tcp::resolver::results_type found) {
                             done = true;
                             error = resolve_error;
                             for (const auto& entry : found) endpoints.push_back(entry.endpoint());
                           });
    io_context.restart();
    io_context.run_until(deadline);
    if (done) return error;
    // The resolver's lookup cannot be interrupted: this waits for it to give up by itself.
    resolver.cancel();
    RunToCompletion(io_context);
    return beast::error::timeout;
  }

  beast::error_code Connect(const std::string& host, std::uint16_t port, Deadline deadline) {
    Close();
    std::vector<tcp::endpoint> endpoints;
    beast::error_code error = Resolve(host, port, deadline, endpoints);
    if (error) return error;
    tcp().expires_at(deadline);
    tcp().async_connect(endpoints, [&](beast::error_code connect_error, const tcp::endpoint&) {
      error = connect_error;
    });
    RunToCompletion(io_context);
    if (error) return error;
    beast::error_code ignored;
    tcp().socket().set_option(tcp::no_delay(true), ignored);
    if (tls_stream) {
      error = Handshake(host);
      if (error) return error;
    }
    open = true;
    return {};
  }

  // Checks the server's name (DNS name or IP address) against its certificate, and tells a
  // server that hosts several names which one is meant (SNI, for names only).
  beast::error_code Handshake(const std::string& host) {
    beast::error_code error;
    tls_stream->set_verify_callback(asio::ssl::host_name_verification(host));
    asio::ip::make_address(host, error);
    if (error && !SSL_set_tlsext_host_name(tls_stream->native_handle(), host.c_str())) {
      return asio::error::invalid_argument;
    }
    error = {};
    tls_stream->async_handshake(
        asio::ssl::stream_base::client,
        [&](beast::error_code handshake_error) { error = handshake_error; });
    RunToCompletion(io_context);
    return error;
  }

  beast::error_code Exchange(const http::request<http::string_body>& request, Deadline deadline,
                             HttpResponse& response) {
    beast::error_code error;
    tcp().expires_at(deadline);
    OnStream([&](auto& stream) {
      http::async_write(stream, request,
                        [&](beast::error_code write_error, std::size_t) { error = write_error; });
    });
    RunToCompletion(io_context);
    if (error) return error;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kResponseHeaderSizeBytesMax);
    parser.body_limit(kResponseBodySizeBytesMax);
    // The answer to HEAD announces a body it does not carry.
    parser.skip(request.method() == http::verb::head);
    OnStream([&](auto& stream) {
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read_error, std::size_t) { error = read_error; });
    });
    RunToCompletion(io_context);
    if (error) return error;
    http::response<http::string_body> message = parser.release();
    response.status = static_cast<int>(message.result_int());
    response.content_type = std::string(message[http::field::content_type]);
    response.headers.clear();
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      response.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    response.body = std::move(message.body());
    if (!message.keep_alive()) Close();
    return {};
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port, std::optional<HttpClientTls> tls)
    : host_(std::move(host)), port_(port), connection_(std::make_unique<Connection>(tls)) {}

base::Status HttpClient::SetHeader(std::string name, std::string value) {
  if (!IsToken(name) || !IsHeaderValue(value)) {
    return base::Status::InvalidArgument("bad HTTP header '" + name + "'");
  }
  for (auto& [existing, existing_value] : headers_) {
    if (beast::iequals(existing, name)) {
      existing_value = std::move(value);
      return base::Status::Ok();
    }
  }
  headers_.emplace_back(std::move(name), std::move(value));
  return base::Status::Ok();
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&& other) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&& other) noexcept = default;

base::Result<HttpClient> HttpClient::FromUrl(std::string_view base_url) {
  const auto invalid = [&](std::string_view why) {
    return base::Error(
        base::Status::InvalidArgument("URL '" + std::string(base_url) + "': " + std::string(why)));
  };
  constexpr std::string_view kScheme = "http://";
  if (base_url.starts_with("https://")) return invalid("https is not supported; use http://");
  if (!base_url.starts_with(kScheme)) return invalid("expected http://host:port");
  std::string_view rest = base_url.substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    return invalid("expected no path, query or user info");
  }
  std::string_view host = rest;
  std::optional<std::string_view> port_text;
  if (rest.starts_with('[')) {
    const std::size_t closing = rest.find(']');
    if (closing == std::string_view::npos) return invalid("unclosed '[' in the host");
    host = rest.substr(1, closing - 1);
    const std::string_view after = rest.substr(closing + 1);
    if (!after.empty() && !after.starts_with(':')) return invalid("expected ':' after ']'");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const std::size_t colon = rest.find(':');
    if (colon != rest.rfind(':')) return invalid("an IPv6 address needs brackets: http://[::1]:80");
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port_text = rest.substr(colon + 1);
    }
  }
  if (host.empty()) return invalid("no host");
  std::uint16_t port = 80;
  if (port_text.has_value()) {
    unsigned value = 0;
    const char* end = port_text->data() + port_text->size();
    const auto [parsed_end, error] = std::from_chars(port_text->data(), end, value);
    if (port_text->empty() || error != std::errc() || parsed_end != end || value == 0 ||
        value > 65535) {
      return invalid("the port must be a number from 1 to 65535");
    }
    port = static_cast<std::uint16_t>(value);
  }
  return HttpClient(std::string(host), port);
}

base::Result<HttpResponse> HttpClient::Request(std::string_view method, std::string_view target,
                                               std::string_view body, std::string_view content_type,
                                               int timeout_milliseconds) {
  NURI_CHECK(connection_ != nullptr);  // not a moved-from client
  if (!IsToken(method)) {
    return base::Error(
        base::Status::InvalidArgument("bad HTTP method '" + std::string(method) + "'"));
  }
  if (!IsTarget(target)) {
    return base::Error(base::Status::InvalidArgument("bad HTTP target '" + std::string(target) +
                                                     "': expected a path starting with '/'"));
  }
  if (!IsHeaderValue(content_type)) {
    return base::Error(base::Status::InvalidArgument("bad HTTP content type"));
  }
  if (timeout_milliseconds < 1) {
    return base::Error(base::Status::InvalidArgument("the HTTP timeout must be >= 1 ms"));
  }
  try {
    return Send(method, target, body, content_type, timeout_milliseconds);
  } catch (const std::exception& exception) {
    connection_->Close();
    return base::Error(base::Status::Internal(Describe(method, target) + ": " + exception.what()));
  }
}

base::Result<HttpResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                            std::string_view body, std::string_view content_type,
                                            int timeout_milliseconds) {
  const Deadline deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_milliseconds);
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, Authority());
  request.set(http::field::user_agent, "nuri");
  for (const auto& [name, value] : headers_) request.set(name, value);
  if (!body.empty() && !content_type.empty()) request.set(http::field::content_type, content_type);
  request.body() = std::string(body);
  request.keep_alive(true);
  request.prepare_payload();

  Connection& connection = *connection_;
  bool reused = connection.open && !LooksClosed(connection.tcp().socket());
  if (!reused) connection.Close();
  for (;;) {
    beast::error_code error;
    if (!connection.open) error = connection.Connect(host_, port_, deadline);
    HttpResponse response;
    if (!error) error = connection.Exchange(request, deadline, response);
    if (!error) return response;
    connection.Close();
    // The server may close an idle connection just as the request leaves: then it never read it,
    // and sending it again is safe for a request that may be repeated anyway.
    if (!(reused && IsStaleConnection(error) && IsIdempotent(method))) {
      return base::Error(ToStatus(error, Describe(method, target), timeout_milliseconds));
    }
    reused = false;
  }
}

std::string HttpClient::Authority() const {
  const bool ipv6 = host_.find(':') != std::string::npos;
  return (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

std::string HttpClient::Describe(std::string_view method, std::string_view target) const {
  return "HTTP " + std::string(method) + " " + std::string(target) + " to " + Authority();
}

}  // namespace nuri::api
