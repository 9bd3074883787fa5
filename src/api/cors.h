// Cors: lets web pages of the origins a node's operator names (a ministry's wallet site, the
// audit board's console) call the API from a browser; no other origin, and none at all unless
// configured ("cors_origins" in the node's configuration, docs/operations.md).
//
// A browser asks first with a preflight (OPTIONS with Origin and Access-Control-Request-Method):
// from a named origin it is answered 204 with the methods and headers the API takes; from any
// other, 403 CORS_ORIGIN_NOT_ALLOWED. Any other request from a named origin is answered with
// Access-Control-Allow-Origin naming it (and Vary: Origin), and the headers a client reads
// (Retry-After, Idempotent-Replayed) exposed. Sessions travel in the Authorization header, not in
// cookies, so credentials are never allowed: a page of another origin cannot act with a
// session it was not given.
//
// Origins are matched exactly ("https://wallet.moef.go.kr", scheme, host and port), never by
// pattern.
//
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/http_server.h"
#include "base/status.h"

namespace nuri::api {

// "https://wallet.moef.go.kr" or "http://localhost:8080" as browsers send it in Origin (no path,
// no trailing '/', lower-case scheme and host); InvalidArgument for anything else.
base::Status CheckOrigin(std::string_view origin);

class Cors {
 public:
  // `origins`: each passed CheckOrigin. Empty: no request gets a CORS header, and a preflight
  // is handed on like any request.
  Cors(std::vector<std::string> origins, HttpHandler next)
      : origins_(std::move(origins)), next_(std::move(next)) {}

  void Handle(HttpRequest request, Responder respond);

 private:
  bool Allows(std::string_view origin) const;

  const std::vector<std::string> origins_;
  const HttpHandler next_;
};

}  // namespace nuri::api
