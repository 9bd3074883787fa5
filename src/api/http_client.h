// A blocking HTTP/1.1 client with one keep-alive connection, for the CLI, tools and tests.
//
// It connects on the first request and keeps the connection for the next ones. When the server
// has closed it in between (its idle timeout, a restart), the client notices before sending and
// connects again; when a reused connection fails before any answer arrives, an idempotent request
// (GET, HEAD, PUT, DELETE, OPTIONS) is sent once more on a new connection, a POST never, so a
// transaction is never submitted twice by the client.
//
// Over HTTPS (HttpClientTls) it verifies the server's certificate chain against the given
// certificate authorities and the certificate's name against the host, and speaks TLS 1.2 or 1.3.
//
// Threading: not thread-safe; use one client per thread. Movable, not copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_server.h"
#include "base/status.h"

namespace nuri::api {

// What an HTTPS client trusts.
struct HttpClientTls {
  std::string ca_pem;  // the certificate authorities, PEM, one or more
};

class HttpClient {
 public:
  // `host` is a name or an IP literal (IPv6 without brackets); with `tls`, HTTPS.
  HttpClient(std::string host, std::uint16_t port, std::optional<HttpClientTls> tls = {});
  ~HttpClient();

  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // A client for "http://host:port", "http://host" (port 80) or "http://[::1]:8080", with or
  // without a final '/'. Any other path, https and user info are InvalidArgument.
  static base::Result<HttpClient> FromUrl(std::string_view base_url);

  // Sends one request and reads its response. `target` is the path and query ("/v1/blocks/3").
  // The timeout covers connecting, sending and receiving (a host name lookup that hangs may
  // outlast it; IP literals need none). Errors: InvalidArgument for a bad
  // method or target; Unavailable, naming host:port, when the server cannot be reached, resets
  // or closes the connection, or does not answer in time; Corruption for a malformed response;
  // ResourceExhausted for a response body larger than 64 MiB. An HTTP error status is not an
  // error here: it is returned in the HttpResponse.
  base::Result<HttpResponse> Request(std::string_view method, std::string_view target,
                                     std::string_view body = {},
                                     std::string_view content_type = "application/json",
                                     int timeout_milliseconds = 30000);

  // A header sent with every request from now on ("Authorization", "Bearer ..."); the same
  // name again replaces it. InvalidArgument for a name or value HTTP does not allow.
  base::Status SetHeader(std::string name, std::string value);

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  struct Connection;

  base::Result<HttpResponse> Send(std::string_view method, std::string_view target,
                                  std::string_view body, std::string_view content_type,
                                  int timeout_milliseconds);
  // "127.0.0.1:8080", "[::1]:8080": the Host header and the name in error messages.
  std::string Authority() const;
  // "HTTP GET /v1/blocks/3 to 127.0.0.1:8080"
  std::string Describe(std::string_view method, std::string_view target) const;

  std::string host_;
  std::uint16_t port_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace nuri::api
