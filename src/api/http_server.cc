// The HTTP server on Boost.Beast. One io_context is run by the server's threads; an acceptor
// makes one Session per connection, and each Session lives on its own strand, so the steps of one
// connection never run at the same time: read a request, call the handler, wait for its answer,
// write it, read the next. Pipelined requests wait in the session's buffer and are answered in
// order. Responders reach a session only through a weak pointer, and reach the io_context only
// through a gate that Stop closes first, so an answer that comes late, or after Stop, is dropped
// instead of touching a connection or an io_context that is gone.
#include "api/http_server.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "base/check.h"
#include "base/log.h"

namespace nuri::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::string_view kLogComponent = "api.http";
// The request line and headers together; a larger head is answered 431.
constexpr std::uint32_t kHeaderSizeBytesMax = 8 * 1024;
// After a response that closes the connection, the server reads and discards what the client
// still sends, for this long or this much at most, before it closes: closing a socket with
// unread bytes makes the kernel send a reset, which can destroy the response before the client
// has read it (the client of a 413 is typically still sending its body).
constexpr auto kLingerDuration = std::chrono::seconds(2);
constexpr std::size_t kLingerSizeBytesMax = 1024 * 1024;
constexpr std::size_t kLingerReadSizeBytes = 4096;
// How long a client has to complete the TLS handshake.
constexpr auto kTlsHandshakeDuration = std::chrono::seconds(10);
// A WebSocket client has nothing to say to an event stream: what it sends is read and dropped,
// and a larger message closes the connection.
constexpr std::size_t kWebSocketMessageSizeBytesMax = 4096;
// After an accept error such as running out of file descriptors, retrying at once would spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = LowerAscii(c);
  return lower;
}

bool EqualsIgnoringCase(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (std::size_t index = 0; index < left.size(); ++index) {
    if (LowerAscii(left[index]) != LowerAscii(right[index])) return false;
  }
  return true;
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes and '+'; a '%' not followed by two hex digits stays as it is.
std::string FormDecode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    const char c = text[index];
    if (c == '+') {
      decoded += ' ';
    } else if (c == '%' && index + 2 < text.size() && HexDigitValue(text[index + 1]) >= 0 &&
               HexDigitValue(text[index + 2]) >= 0) {
      decoded +=
          static_cast<char>(HexDigitValue(text[index + 1]) * 16 + HexDigitValue(text[index + 2]));
      index += 2;
    } else {
      decoded += c;
    }
  }
  return decoded;
}

std::string EscapeJson(std::string_view text) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += c;
    } else if (byte < 0x20) {
      escaped += "\\u00";
      escaped += kHexDigits[byte >> 4];
      escaped += kHexDigits[byte & 0xf];
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// RFC 9110 token characters, the only ones a header name may have.
bool IsHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alphanumeric =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alphanumeric && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// A value with CR, LF or NUL could smuggle a header or a second response.
bool IsHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Headers that the server owns: a handler setting them could break the framing of the stream.
bool IsReservedHeader(std::string_view name) {
  for (const std::string_view reserved :
       {"server", "content-length", "connection", "transfer-encoding", "content-type"}) {
    if (EqualsIgnoringCase(name, reserved)) return true;
  }
  return false;
}

std::string EndpointText(const asio::ip::address& address, std::uint16_t port) {
  const std::string host = address.to_string();
  return (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

base::Status CheckOptions(const HttpServerOptions& options) {
  if (options.threads < 1) return base::Status::InvalidArgument("HTTP server threads must be >= 1");
  if (options.idle_timeout_seconds < 1) {
    return base::Status::InvalidArgument("HTTP idle timeout must be >= 1 second");
  }
  if (options.connections_max < 1) {
    return base::Status::InvalidArgument("HTTP connections_max must be >= 1");
  }
  return base::Status::Ok();
}

HttpRequest ToHttpRequest(http::request<http::string_body>&& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  const std::size_t question_mark = request.target.find('?');
  request.path = request.target.substr(0, question_mark);
  if (question_mark != std::string::npos) request.query = request.target.substr(question_mark + 1);
  for (const auto& field : message) {
    request.headers.emplace_back(LowerCase(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

// The wire form of a handler's answer. A status a handler may not send becomes a 500, and
// headers that are invalid or owned by the server are left out, each with a warning.
http::response<http::string_body> ToMessage(HttpResponse response, unsigned version,
                                            bool keep_alive, bool head) {
  if (response.status < 200 || response.status > 599) {
    base::LogWarning(kLogComponent, "a handler answered with status " +
                                        std::to_string(response.status) + "; sending 500");
    response = JsonErrorResponse(500, "INTERNAL", "internal error");
  }
  http::response<http::string_body> message;
  message.version(version);
  message.result(static_cast<unsigned>(response.status));
  message.set(http::field::server, "nuri");
  if (!response.content_type.empty() && IsHeaderValue(response.content_type)) {
    message.set(http::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    if (!IsHeaderName(name) || !IsHeaderValue(value) || IsReservedHeader(name)) {
      base::LogWarning(kLogComponent, "a handler set a header the server leaves out: " +
                                          LowerCase(name.substr(0, 64)));
      continue;
    }
    message.insert(name, value);
  }
  message.keep_alive(keep_alive);
  // 204 and 304 have no body by definition; beast refuses to frame one.
  if (response.status == 204 || response.status == 304) response.body.clear();
  message.body() = std::move(response.body);
  message.prepare_payload();
  // A HEAD answer carries the Content-Length a GET would get, and no body.
  if (head) message.body().clear();
  return message;
}

// One connection, whatever its transport: what the server, its table and the responders need.
// Every member function but Start runs on the connection's strand, or after the server's
// threads have stopped (Close from Stop).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void Start() = 0;
  // The handler's answer to request number `sequence`; stale answers are dropped.
  virtual void OnResponse(std::uint64_t sequence, HttpResponse response) = 0;
  // Sends what a streamed answer has waiting.
  virtual void PumpStream() = 0;
  // Closes the socket at once and leaves the session table. Idempotent.
  virtual void Close() = 0;
  virtual beast::tcp_stream::executor_type executor() = 0;
};

// Lets responders post onto the io_context only while the server runs. Stop closes it before it
// stops the io_context, so no responder can reach an io_context that is being destroyed.
class ResponseGate {
 public:
  // Runs `action` and returns true while the gate is open; returns false once it is closed.
  template <typename Action>
  bool RunIfOpen(Action&& action) {
    std::shared_lock lock(mutex_);
    if (!open_) return false;
    action();
    return true;
  }
  // Waits for actions under way, then refuses new ones.
  void Close() {
    std::unique_lock lock(mutex_);
    open_ = false;
  }

 private:
  std::shared_mutex mutex_;
  bool open_ = true;  // guarded by mutex_
};

// The open connections of one server, so that Stop can close them and connections_max holds.
// The table owns its sessions: a session waiting for its handler has no pending operation that
// would keep it alive. Thread-safe.
class SessionTable {
 public:
  explicit SessionTable(std::size_t sessions_max) : sessions_max_(sessions_max) {}
  // Adds the session unless sessions_max are open already; returns whether it did.
  bool Add(std::shared_ptr<Connection> session) {
    std::lock_guard lock(mutex_);
    if (sessions_.size() >= sessions_max_) return false;
    const Connection* key = session.get();
    sessions_.emplace(key, std::move(session));
    return true;
  }
  void Remove(const Connection* session) {
    std::shared_ptr<Connection> removed;  // destroyed after the lock is released
    std::lock_guard lock(mutex_);
    const auto found = sessions_.find(session);
    if (found == sessions_.end()) return;
    removed = std::move(found->second);
    sessions_.erase(found);
  }
  // Empties the table and returns what it held.
  std::vector<std::shared_ptr<Connection>> TakeAll() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Connection>> sessions;
    sessions.reserve(sessions_.size());
    for (auto& [key, session] : sessions_) sessions.push_back(std::move(session));
    sessions_.clear();
    return sessions;
  }

 private:
  const std::size_t sessions_max_;
  std::mutex mutex_;
  std::unordered_map<const Connection*, std::shared_ptr<Connection>>
      sessions_;  // guarded by mutex_
};

// What the sessions of one server share with it. Outlives every session that runs.
struct ServerContext {
  HttpServerOptions options;
  HttpHandler handler;
  std::optional<asio::ssl::context> tls;  // when the server speaks HTTPS
  std::shared_ptr<ResponseGate> gate = std::make_shared<ResponseGate>();
  SessionTable sessions{options.connections_max};
};

// One connection over `Stream`: beast::tcp_stream for HTTP, beast::ssl_stream of one for HTTPS.
template <typename Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, ServerContext& context);

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() override;
  void OnResponse(std::uint64_t sequence, HttpResponse response) override;
  void PumpStream() override;
  void Close() override;
  beast::tcp_stream::executor_type executor() override { return stream_.get_executor(); }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<Session<Stream>>::weak_from_this;
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  void OnHandshake(beast::error_code error);
  void ReadRequest();
  void OnRead(beast::error_code error, std::size_t size_bytes);
  void CallHandler();
  void SendError(int status, std::string_view code, std::string_view message);
  void Write(http::response<http::string_body> message);
  void OnWrite(bool close, beast::error_code error, std::size_t size_bytes);
  void Linger();
  void ReadAndDiscard();
  void OnDiscarded(beast::error_code error, std::size_t size_bytes);
  // Hands the connection to a WebSocket session that sends `stream`'s lines as messages.
  void BecomeWebSocket(std::shared_ptr<ResponseStream> stream);
  // A streamed response: the head, then chunks as the stream yields them, then the last chunk.
  void StartStream(HttpResponse response);
  void OnStreamHead(beast::error_code error, std::size_t size_bytes);
  void OnStreamWritten(bool last, beast::error_code error, std::size_t size_bytes);

  // Outlives the session while it runs. The destructor must not use it: sessions left in the
  // io_context's queue after Stop are destroyed with the io_context, in the server's destructor.
  ServerContext& context_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // The request being answered, when it asks for a WebSocket.
  std::optional<http::request<http::string_body>> upgrade_request_;
  std::optional<http::response<http::string_body>> response_;  // while it is written
  std::string remote_address_;
  std::uint16_t remote_port_ = 0;
  // The number of the request whose answer the session waits for, if awaiting_response_.
  std::uint64_t sequence_ = 0;
  bool awaiting_response_ = false;
  unsigned request_version_ = 11;
  bool request_keep_alive_ = false;
  bool request_is_head_ = false;
  bool closed_ = false;
  std::size_t linger_size_bytes_ = 0;
  // While a streamed response is sent:
  std::shared_ptr<ResponseStream> stream_body_;
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::string stream_chunk_;     // being written
  bool stream_writing_ = false;  // a write is under way
};

// The one answer a handler owes for one request, shared by every copy of its Responder.
class ResponseSlot {
 public:
  ResponseSlot(std::shared_ptr<ResponseGate> gate, std::weak_ptr<Connection> session,
               std::uint64_t sequence)
      : gate_(std::move(gate)), session_(std::move(session)), sequence_(sequence) {}
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;
  ~ResponseSlot() {
    if (answered_.exchange(true)) return;
    // After Stop, dropping parked requests is the normal way out, not a handler's mistake.
    if (Deliver(JsonErrorResponse(500, "INTERNAL", "internal error"))) {
      base::LogWarning(kLogComponent, "a handler dropped a request without answering; sent 500");
    }
  }

  // Sends the answer unless one was sent already; returns whether it did.
  bool Answer(HttpResponse response) {
    if (answered_.exchange(true)) return false;
    Deliver(std::move(response));
    return true;
  }

 private:
  // Posts the answer to the session; returns false when the server has stopped.
  bool Deliver(HttpResponse response) noexcept {
    try {
      return gate_->RunIfOpen([&] {
        std::shared_ptr<Connection> session = session_.lock();
        if (session == nullptr) return;  // the connection is gone
        asio::post(session->executor(),
                   [session, sequence = sequence_, response = std::move(response)]() mutable {
                     session->OnResponse(sequence, std::move(response));
                   });
      });
    } catch (const std::exception& exception) {
      base::LogWarning(kLogComponent, std::string("cannot deliver an answer: ") + exception.what());
      return false;
    }
  }

  const std::shared_ptr<ResponseGate> gate_;
  const std::weak_ptr<Connection> session_;
  const std::uint64_t sequence_;
  std::atomic<bool> answered_{false};
};

// A stream's wake: it reaches the connection like an answer does, through the gate and by a weak
// pointer, and pumps the stream on the connection's strand.
std::function<void()> PumpOnItsStrand(std::weak_ptr<Connection> weak,
                                      std::shared_ptr<ResponseGate> gate) {
  return [weak = std::move(weak), gate = std::move(gate)] {
    gate->RunIfOpen([&] {
      if (std::shared_ptr<Connection> connection = weak.lock()) {
        asio::post(connection->executor(), [connection] { connection->PumpStream(); });
      }
    });
  };
}

// A connection that was upgraded to a WebSocket: it sends the lines of a ResponseStream as text
// messages, one at a time, and reads (and drops) what the client sends, which is how pings and
// the closing handshake are answered. Every member function but Start runs on its strand.
template <typename Stream>
class WebSocketConnection : public Connection,
                            public std::enable_shared_from_this<WebSocketConnection<Stream>> {
 public:
  WebSocketConnection(Stream stream, ServerContext& context, std::shared_ptr<ResponseStream> body,
                      http::request<http::string_body> upgrade)
      : context_(context),
        socket_(std::move(stream)),
        body_(std::move(body)),
        upgrade_(std::move(upgrade)) {}

  void Start() override {
    // The WebSocket keeps its own deadlines: a handshake deadline, and pings to a quiet peer.
    beast::get_lowest_layer(socket_).expires_never();
    // A quiet client is pinged, so that a healthy one that only listens is not taken for gone.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.keep_alive_pings = true;
    socket_.set_option(timeouts);
    socket_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "nuri"); }));
    socket_.read_message_max(kWebSocketMessageSizeBytesMax);
    socket_.async_accept(upgrade_, beast::bind_front_handler(&WebSocketConnection::OnAccept,
                                                             this->shared_from_this()));
  }
  void OnResponse(std::uint64_t /*sequence*/, HttpResponse response) override {
    if (response.stream) response.stream->Cancel();
  }
  void PumpStream() override {
    if (closed_ || writing_) return;
    auto [data, state] = body_->Take();
    if (state == ResponseStream::State::kCancelled) return Close();
    waiting_ += data;
    const std::size_t end = waiting_.find('\n');
    if (end == std::string::npos) {
      if (state == ResponseStream::State::kEnded) {
        writing_ = true;
        socket_.async_close(
            websocket::close_code::normal,
            [self = this->shared_from_this()](beast::error_code) { self->Close(); });
      }
      return;
    }
    message_ = waiting_.substr(0, end);
    waiting_.erase(0, end + 1);
    writing_ = true;
    socket_.text(true);
    socket_.async_write(
        asio::buffer(message_),
        beast::bind_front_handler(&WebSocketConnection::OnWritten, this->shared_from_this()));
  }
  void Close() override {
    if (closed_) return;
    closed_ = true;
    body_->Cancel();
    beast::get_lowest_layer(socket_).close();
    context_.sessions.Remove(this);
  }
  beast::tcp_stream::executor_type executor() override { return socket_.get_executor(); }

 private:
  void OnAccept(beast::error_code error) {
    if (closed_) return;
    if (error) return Close();
    body_->SetWake(PumpOnItsStrand(this->weak_from_this(), context_.gate));
    Read();
    PumpStream();
  }
  void Read() {
    socket_.async_read(incoming_, beast::bind_front_handler(&WebSocketConnection::OnRead,
                                                            this->shared_from_this()));
  }
  void OnRead(beast::error_code error, std::size_t /*size_bytes*/) {
    if (closed_) return;
    // The client closed, went away, stopped answering pings, or sent too much.
    if (error) return Close();
    incoming_.consume(incoming_.size());
    Read();
  }
  void OnWritten(beast::error_code error, std::size_t /*size_bytes*/) {
    writing_ = false;
    message_.clear();
    if (closed_) return;
    if (error) return Close();
    PumpStream();
  }

  ServerContext& context_;
  websocket::stream<Stream> socket_;
  const std::shared_ptr<ResponseStream> body_;
  http::request<http::string_body> upgrade_;
  beast::flat_buffer incoming_;
  std::string waiting_;  // taken from the body, not yet sent: whole lines and a partial one
  std::string message_;  // being written
  bool writing_ = false;
  bool closed_ = false;
};

template <typename Stream>
void Session<Stream>::BecomeWebSocket(std::shared_ptr<ResponseStream> stream) {
  auto upgraded = std::make_shared<WebSocketConnection<Stream>>(
      std::move(stream_), context_, std::move(stream), *std::move(upgrade_request_));
  // This session is done with the socket: it leaves the table, and the WebSocket takes its
  // place (the table had room for this one).
  closed_ = true;
  context_.sessions.Remove(this);
  if (!context_.sessions.Add(upgraded)) return upgraded->Close();
  upgraded->Start();
}

template <typename Stream>
Session<Stream>::Session(Stream stream, ServerContext& context)
    : context_(context), stream_(std::move(stream)) {
  beast::error_code error;
  const tcp::endpoint remote = Tcp().socket().remote_endpoint(error);
  if (!error) {
    remote_address_ = remote.address().to_string();
    remote_port_ = remote.port();
  }
  // Responses are written in one gather write; waiting for more to send only adds latency.
  Tcp().socket().set_option(tcp::no_delay(true), error);
}

template <typename Stream>
void Session<Stream>::Start() {
  if constexpr (kTls) {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      // Short: a connection slot is held from the accept, before any request is counted.
      self->Tcp().expires_after(kTlsHandshakeDuration);
      self->stream_.async_handshake(asio::ssl::stream_base::server,
                                    beast::bind_front_handler(&Session::OnHandshake, self));
    });
  } else {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::ReadRequest, shared_from_this()));
  }
}

template <typename Stream>
void Session<Stream>::OnHandshake(beast::error_code error) {
  if (closed_) return;
  // A client that does not speak TLS, or not a version and cipher this server accepts.
  if (error) return Close();
  ReadRequest();
}

template <typename Stream>
void Session<Stream>::ReadRequest() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(kHeaderSizeBytesMax);
  parser_->body_limit(static_cast<std::uint64_t>(context_.options.body_size_bytes_max));
  Tcp().expires_after(std::chrono::seconds(context_.options.idle_timeout_seconds));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::OnRead, shared_from_this()));
}

template <typename Stream>
void Session<Stream>::OnRead(beast::error_code error, std::size_t /*size_bytes*/) {
  if (closed_) return;
  if (error == http::error::body_limit) {
    return SendError(413, "TOO_LARGE",
                     "the request body is larger than " +
                         std::to_string(context_.options.body_size_bytes_max) + " bytes");
  }
  if (error == http::error::header_limit) {
    return SendError(
        431, "TOO_LARGE",
        "the request head is larger than " + std::to_string(kHeaderSizeBytesMax) + " bytes");
  }
  // end_of_stream and partial_message mean the client left; other errors of the HTTP category
  // mean the bytes were not a request.
  const bool client_left =
      error == http::error::end_of_stream || error == http::error::partial_message;
  const bool http_error =
      error && error.category() == http::make_error_code(http::error::bad_method).category();
  if (http_error && !client_left) {
    return SendError(400, "MALFORMED", "the request is not valid HTTP/1.1: " + error.message());
  }
  // The client closed or reset the connection, it timed out, or the server is stopping.
  if (error) return Close();
  CallHandler();
}

template <typename Stream>
void Session<Stream>::CallHandler() {
  http::request<http::string_body> message = parser_->release();
  parser_.reset();
  if (websocket::is_upgrade(message)) {
    upgrade_request_ = message;
  } else {
    upgrade_request_.reset();
  }
  request_version_ = message.version();
  request_keep_alive_ = message.keep_alive();
  request_is_head_ = message.method() == http::verb::head;
  HttpRequest request = ToHttpRequest(std::move(message));
  request.remote_address = remote_address_;
  request.remote_port = remote_port_;
  ++sequence_;
  awaiting_response_ = true;
  const auto slot = std::make_shared<ResponseSlot>(context_.gate, weak_from_this(), sequence_);
  Responder respond = [slot](HttpResponse response) {
    if (!slot->Answer(std::move(response))) {
      base::LogWarning(kLogComponent, "a handler answered a request twice; dropped the second");
    }
  };
  try {
    context_.handler(std::move(request), std::move(respond));
  } catch (const std::exception& exception) {
    base::LogWarning(kLogComponent, std::string("a handler threw: ") + exception.what());
    slot->Answer(JsonErrorResponse(500, "INTERNAL", "internal error"));
  } catch (...) {
    base::LogWarning(kLogComponent, "a handler threw something that is not an exception");
    slot->Answer(JsonErrorResponse(500, "INTERNAL", "internal error"));
  }
}

template <typename Stream>
void Session<Stream>::OnResponse(std::uint64_t sequence, HttpResponse response) {
  if (closed_ || !awaiting_response_ || sequence != sequence_) {
    if (response.stream) response.stream->Cancel();
    return;
  }
  awaiting_response_ = false;
  if (response.stream && response.websocket) {
    if (upgrade_request_) return BecomeWebSocket(std::move(response.stream));
    response.stream->Cancel();
    response = JsonErrorResponse(426, "UPGRADE_REQUIRED", "this endpoint speaks WebSocket only");
  }
  if (response.stream) {
    if (!request_is_head_ && request_version_ == 11) return StartStream(std::move(response));
    response.stream->Cancel();
    if (request_version_ != 11) {
      response = JsonErrorResponse(400, "MALFORMED", "a streamed answer needs HTTP/1.1");
    }
  }
  try {
    Write(ToMessage(std::move(response), request_version_, request_keep_alive_, request_is_head_));
  } catch (const std::exception& exception) {
    base::LogWarning(kLogComponent, std::string("cannot send a response: ") + exception.what());
    Close();
  }
}

template <typename Stream>
void Session<Stream>::SendError(int status, std::string_view code, std::string_view message) {
  parser_.reset();
  Write(ToMessage(JsonErrorResponse(status, code, message), 11, /*keep_alive=*/false,
                  /*head=*/false));
}

template <typename Stream>
void Session<Stream>::Write(http::response<http::string_body> message) {
  const bool close = message.need_eof();
  response_.emplace(std::move(message));
  Tcp().expires_after(std::chrono::seconds(context_.options.idle_timeout_seconds));
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&Session::OnWrite, shared_from_this(), close));
}

template <typename Stream>
void Session<Stream>::OnWrite(bool close, beast::error_code error, std::size_t /*size_bytes*/) {
  response_.reset();
  if (closed_) return;
  if (error) return Close();
  if (close) return Linger();
  ReadRequest();
}

template <typename Stream>
void Session<Stream>::Linger() {
  beast::error_code ignored;
  Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  linger_size_bytes_ = 0;
  // One deadline for the whole lingering: the stream keeps it across reads.
  Tcp().expires_after(kLingerDuration);
  ReadAndDiscard();
}

template <typename Stream>
void Session<Stream>::ReadAndDiscard() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kLingerReadSizeBytes),
                          beast::bind_front_handler(&Session::OnDiscarded, shared_from_this()));
}

template <typename Stream>
void Session<Stream>::OnDiscarded(beast::error_code error, std::size_t size_bytes) {
  if (closed_) return;
  linger_size_bytes_ += size_bytes;
  if (error || linger_size_bytes_ >= kLingerSizeBytesMax) return Close();
  ReadAndDiscard();
}

template <typename Stream>
void Session<Stream>::StartStream(HttpResponse response) {
  stream_body_ = std::move(response.stream);
  // No chunk may be written before the head is: a wake that arrives meanwhile finds this set.
  stream_writing_ = true;
  response.body.clear();
  http::response<http::string_body> message =
      ToMessage(std::move(response), request_version_, request_keep_alive_, /*head=*/false);
  stream_head_.emplace(message.base());
  stream_head_->erase(http::field::content_length);
  stream_head_->chunked(true);
  stream_serializer_.emplace(*stream_head_);
  Tcp().expires_after(std::chrono::seconds(context_.options.idle_timeout_seconds));
  http::async_write_header(stream_, *stream_serializer_,
                           beast::bind_front_handler(&Session::OnStreamHead, shared_from_this()));
}

template <typename Stream>
void Session<Stream>::OnStreamHead(beast::error_code error, std::size_t /*size_bytes*/) {
  if (closed_) return;
  if (error) return Close();
  stream_writing_ = false;
  stream_body_->SetWake(PumpOnItsStrand(weak_from_this(), context_.gate));
  PumpStream();
}

template <typename Stream>
void Session<Stream>::PumpStream() {
  if (closed_ || stream_body_ == nullptr || stream_writing_) return;
  auto [data, state] = stream_body_->Take();
  if (state == ResponseStream::State::kCancelled) return Close();
  if (data.empty() && state == ResponseStream::State::kOpen) {
    // Nothing to send: no deadline while the stream is quiet (its writer sends heartbeats).
    Tcp().expires_never();
    return;
  }
  stream_writing_ = true;
  Tcp().expires_after(std::chrono::seconds(context_.options.idle_timeout_seconds));
  // An ended stream's last data goes first; the next pump finds nothing left and ends the body.
  const bool last = data.empty();
  auto done = beast::bind_front_handler(&Session::OnStreamWritten, shared_from_this(), last);
  if (last) return asio::async_write(stream_, http::make_chunk_last(), std::move(done));
  stream_chunk_ = std::move(data);
  asio::async_write(stream_, http::make_chunk(asio::buffer(stream_chunk_)), std::move(done));
}

template <typename Stream>
void Session<Stream>::OnStreamWritten(bool last, beast::error_code error,
                                      std::size_t /*size_bytes*/) {
  stream_writing_ = false;
  stream_chunk_.clear();
  if (closed_) return;
  if (error) return Close();
  if (!last) return PumpStream();
  stream_body_.reset();
  stream_serializer_.reset();
  stream_head_.reset();
  if (!request_keep_alive_) return Linger();
  ReadRequest();
}

template <typename Stream>
void Session<Stream>::Close() {
  if (closed_) return;
  closed_ = true;
  awaiting_response_ = false;
  if (stream_body_ != nullptr) stream_body_->Cancel();
  Tcp().close();
  // May drop the table's reference; every caller holds another one.
  context_.sessions.Remove(this);
}

}  // namespace

std::string HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

bool HttpRequest::IsWebSocketUpgrade() const {
  auto has_token = [](std::string value, std::string_view token) {
    for (char& c : value) c = LowerAscii(c);
    return value.find(token) != std::string::npos;
  };
  return method == "GET" && has_token(Header("upgrade"), "websocket") &&
         has_token(Header("connection"), "upgrade");
}

std::optional<std::string_view> HttpRequest::PathUnder(std::string_view prefix) const {
  if (!path.starts_with(prefix)) return std::nullopt;
  const std::string_view rest = std::string_view(path).substr(prefix.size());
  if (!rest.empty() && rest.front() != '/') return std::nullopt;
  return rest;
}

std::string HttpRequest::QueryParameter(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const std::size_t ampersand = rest.find('&');
    const std::string_view pair = rest.substr(0, ampersand);
    rest = ampersand == std::string_view::npos ? std::string_view() : rest.substr(ampersand + 1);
    const std::size_t equals = pair.find('=');
    if (FormDecode(pair.substr(0, equals)) != name) continue;
    return equals == std::string_view::npos ? "" : FormDecode(pair.substr(equals + 1));
  }
  return "";
}

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (EqualsIgnoringCase(header_name, name)) return value;
  }
  return "";
}

bool ResponseStream::Write(std::string_view data) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return false;
    if (waiting_.size() + data.size() > waiting_bytes_max_) {
      state_ = State::kCancelled;
      wake = wake_;
    } else {
      // The server takes everything waiting at each wake: one wake per batch is enough.
      if (waiting_.empty()) wake = wake_;
      waiting_.append(data);
    }
  }
  if (wake) wake();
  return !closed();
}

void ResponseStream::End() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return;
    state_ = State::kEnded;
    wake = wake_;
  }
  if (wake) wake();
}

bool ResponseStream::closed() const {
  std::lock_guard lock(mutex_);
  return state_ != State::kOpen;
}

std::size_t ResponseStream::waiting_bytes() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

void ResponseStream::SetWake(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

std::pair<std::string, ResponseStream::State> ResponseStream::Take() {
  std::lock_guard lock(mutex_);
  return {std::exchange(waiting_, {}), state_};
}

void ResponseStream::Cancel() {
  std::lock_guard lock(mutex_);
  state_ = State::kCancelled;
  waiting_.clear();
  wake_ = nullptr;
}

HttpResponse JsonErrorResponse(int status, std::string_view code, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body =
      R"({"code":")" + EscapeJson(code) + R"(","message":")" + EscapeJson(message) + R"("})";
  return response;
}

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpHandler handler)
      : context_{std::move(options), std::move(handler)} {}
  ~Impl() { Stop(); }

  base::Status Start();
  std::uint16_t port() const { return port_.load(); }
  void Stop();

 private:
  base::Status MakeTlsContext(const HttpsIdentity& identity);
  base::Status Listen();
  void Accept();
  void OnAccept(beast::error_code error, tcp::socket socket);
  void RunThread();
  void StopLocked();

  // Declared first so that it is destroyed last: the io_context's destructor destroys the
  // sessions still queued in it, which refer to the context.
  ServerContext context_;
  asio::io_context io_context_;
  tcp::acceptor acceptor_{io_context_};
  asio::steady_timer accept_retry_timer_{io_context_};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard_;
  std::atomic<std::uint16_t> port_{0};

  enum class State { kNew, kRunning, kStopped };
  std::mutex lifecycle_mutex_;        // serializes Start and Stop
  State state_ = State::kNew;         // guarded by lifecycle_mutex_
  std::vector<std::thread> threads_;  // guarded by lifecycle_mutex_
  std::string listen_text_;           // "127.0.0.1:8080"; guarded by lifecycle_mutex_
};

base::Status HttpServer::Impl::Start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (state_ != State::kNew) {
    return base::Status::InvalidArgument("an HTTP server starts once; make a new one");
  }
  NURI_RETURN_IF_ERROR(CheckOptions(context_.options));
  if (context_.options.https) NURI_RETURN_IF_ERROR(MakeTlsContext(*context_.options.https));
  NURI_RETURN_IF_ERROR(Listen());
  state_ = State::kRunning;
  work_guard_.emplace(io_context_.get_executor());
  Accept();
  try {
    for (int index = 0; index < context_.options.threads; ++index) {
      threads_.emplace_back([this] { RunThread(); });
    }
  } catch (const std::system_error& exception) {
    StopLocked();
    return base::Status::ResourceExhausted(std::string("cannot start HTTP server threads: ") +
                                           exception.what());
  }
  base::LogInfo(kLogComponent, "listening on " + listen_text_);
  return base::Status::Ok();
}

base::Status HttpServer::Impl::MakeTlsContext(const HttpsIdentity& identity) {
  beast::error_code error;
  asio::ssl::context& tls = context_.tls.emplace(asio::ssl::context::tls_server);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                  error);
  // Forward secrecy and authenticated encryption only (TLS 1.3's suites are all such), the
  // server's order, and no renegotiation.
  SSL_CTX* native = tls.native_handle();
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!error && SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
    error = asio::error::invalid_argument;
  }
  if (!error) {
    tls.use_certificate_chain(asio::buffer(identity.certificate_chain_pem), error);
  }
  if (!error) {
    tls.use_private_key(asio::buffer(identity.key_pem), asio::ssl::context::pem, error);
  }
  // The key now lives in the TLS context alone.
  OPENSSL_cleanse(context_.options.https->key_pem.data(), context_.options.https->key_pem.size());
  context_.options.https->key_pem.clear();
  if (error) {
    context_.tls.reset();
    return base::Status::InvalidArgument("the HTTPS certificate or key is not usable: " +
                                         error.message());
  }
  return base::Status::Ok();
}

base::Status HttpServer::Impl::Listen() {
  const HttpServerOptions& options = context_.options;
  beast::error_code error;
  const asio::ip::address address = asio::ip::make_address(options.address, error);
  if (error) {
    return base::Status::InvalidArgument("HTTP address '" + options.address +
                                         "' is not an IP address");
  }
  const tcp::endpoint endpoint(address, options.port);
  const auto failed = [&] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return base::Status::IoError("cannot listen for HTTP on " +
                                 EndpointText(address, options.port) + ": " + error.message());
  };
  acceptor_.open(endpoint.protocol(), error);
  if (error) return failed();
  // Lets a restarted node bind while connections of the old one linger in TIME_WAIT; it does
  // not let two servers listen on one port.
  acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (error) return failed();
  acceptor_.bind(endpoint, error);
  if (error) return failed();
  acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) return failed();
  const tcp::endpoint local = acceptor_.local_endpoint(error);
  if (error) return failed();
  port_.store(local.port());
  listen_text_ = EndpointText(address, local.port());
  return base::Status::Ok();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(io_context_),
                         beast::bind_front_handler(&Impl::OnAccept, this));
}

void HttpServer::Impl::OnAccept(beast::error_code error, tcp::socket socket) {
  if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (error) {
    base::LogWarning(kLogComponent, "cannot accept a connection: " + error.message());
    accept_retry_timer_.expires_after(kAcceptRetryDelay);
    accept_retry_timer_.async_wait([this](beast::error_code wait_error) {
      if (!wait_error) Accept();
    });
    return;
  }
  std::shared_ptr<Connection> session;
  if (context_.tls) {
    session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        beast::ssl_stream<beast::tcp_stream>(std::move(socket), *context_.tls), context_);
  } else {
    session = std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                           context_);
  }
  if (context_.sessions.Add(session)) {
    session->Start();
  } else {
    base::Log(base::LogLevel::kDebug, kLogComponent, "too many connections; closed a new one");
    session->Close();
  }
  Accept();
}

void HttpServer::Impl::RunThread() {
  // A completion handler that throws unwinds out of run(); the io_context may be run again.
  for (;;) {
    try {
      io_context_.run();
      return;
    } catch (const std::exception& exception) {
      base::LogError(kLogComponent, std::string("a server thread caught: ") + exception.what());
    } catch (...) {
      base::LogError(kLogComponent, "a server thread caught something that is not an exception");
    }
  }
}

void HttpServer::Impl::Stop() {
  // Stop on a server thread would join that thread: a bug of the caller.
  NURI_CHECK(!io_context_.get_executor().running_in_this_thread());
  std::lock_guard lock(lifecycle_mutex_);
  StopLocked();
}

void HttpServer::Impl::StopLocked() {
  if (state_ != State::kRunning) return;
  state_ = State::kStopped;
  context_.gate->Close();
  work_guard_.reset();
  io_context_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  // No thread runs the io_context any more: the acceptor and the sessions are ours alone.
  beast::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  for (const std::shared_ptr<Connection>& session : context_.sessions.TakeAll()) session->Close();
  base::LogInfo(kLogComponent, "stopped");
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

base::Status HttpServer::Start() {
  try {
    return impl_->Start();
  } catch (const std::exception& exception) {
    return base::Status::Internal(std::string("cannot start the HTTP server: ") + exception.what());
  }
}

std::uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace nuri::api
