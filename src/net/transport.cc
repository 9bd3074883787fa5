#include "net/transport.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/log.h"
#include "net/wire.h"

namespace nuri::net {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

constexpr std::string_view kLog = "net";
constexpr auto kHandshakeTimeout = std::chrono::seconds(5);
constexpr int kRedialFirstMillis = 100;
constexpr int kRedialMaxMillis = 2000;
// Frames written together, at most.
constexpr std::size_t kWriteBatchFrames = 256;
constexpr std::size_t kWriteBatchBytes = 4u << 20;

std::string Frame(std::string message) {
  const auto size = static_cast<std::uint32_t>(message.size());
  std::string frame;
  frame.reserve(4 + message.size());
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  frame += message;
  return frame;
}

// The peer certificate's CN and key fingerprint, after OpenSSL verified its chain.
base::Result<std::pair<std::string, crypto::Hash>> PeerIdentity(SSL* ssl) {
  X509* certificate = SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) return base::Error(base::Status::InvalidArgument("no certificate"));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, certificate);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  auto name = CommonName(pem);
  if (!name) return base::Error(name.error());
  auto fingerprint = PublicKeyFingerprint(pem);
  if (!fingerprint) return base::Error(fingerprint.error());
  return std::make_pair(*std::move(name), *fingerprint);
}

}  // namespace

class Transport::Impl {
 public:
  Impl(TransportOptions options, MessageHandler on_message, PeerHandler on_peer)
      : options_(std::move(options)),
        on_message_(std::move(on_message)),
        on_peer_(std::move(on_peer)),
        tls_(ssl::context::tls),
        acceptor_(io_),
        work_(asio::make_work_guard(io_)) {
    for (const auto& member : options_.members) members_[member.name] = member.key_fingerprint;
  }

  ~Impl() {
    asio::post(io_, [this] {
      acceptor_.close();
      for (auto& [name, timer] : redial_timers_) timer->cancel();
      auto connections = connections_;
      for (auto& [peer, connection] : connections) Close(connection, "");
      for (auto& connection : pending_) Close(connection, "");
      work_.reset();
    });
    if (thread_.joinable()) thread_.join();
  }

  base::Status Init() {
    SSL_CTX* context = tls_.native_handle();
    if (SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) != 1) {
      return base::Status::Internal("TLS 1.3 is not available");
    }
    boost::system::error_code error;
    tls_.use_certificate_chain(asio::buffer(options_.credentials.certificate_pem), error);
    if (!error) tls_.use_private_key(asio::buffer(options_.credentials.key_pem), ssl::context::pem, error);
    for (const auto& ca : options_.certificate_authorities) {
      if (!error) tls_.add_certificate_authority(asio::buffer(ca), error);
    }
    if (error) return base::Status::InvalidArgument("TLS credentials: " + error.message());
    if (SSL_CTX_check_private_key(context) != 1) {
      return base::Status::InvalidArgument("TLS credentials: the key is not the certificate's");
    }
    tls_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    const auto address = asio::ip::make_address(options_.listen_host, error);
    if (error) return base::Status::InvalidArgument("listen address: " + options_.listen_host);
    const tcp::endpoint endpoint(address, options_.listen_port);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return base::Status::IoError("cannot listen on " + options_.listen_host + ":" +
                                   std::to_string(options_.listen_port) + ": " + error.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (const auto& peer : options_.peers) {
      // Of each pair, the name that sorts first dials.
      if (options_.name < peer.name) Dial(peer);
    }
    thread_ = std::thread([this] { io_.run(); });
    return base::Status::Ok();
  }

  std::uint16_t port() const { return port_; }

  void Send(const std::string& peer, std::string message) {
    asio::post(io_, [this, peer, frame = Frame(std::move(message))]() mutable {
      if (const auto it = connections_.find(peer); it != connections_.end()) {
        Enqueue(it->second, std::move(frame));
      }
    });
  }

  void Broadcast(std::string message) {
    asio::post(io_, [this, frame = Frame(std::move(message))] {
      for (auto& [peer, connection] : connections_) Enqueue(connection, frame);
    });
  }

  void Drop(const std::string& peer, std::string why) {
    asio::post(io_, [this, peer, why = std::move(why)] {
      if (const auto it = connections_.find(peer); it != connections_.end()) {
        Close(it->second, "cut off " + peer + ": " + why);
      }
    });
  }

  std::vector<std::string> connected_peers() const {
    std::lock_guard lock(connected_mutex_);
    return {connected_.begin(), connected_.end()};
  }

 private:
  struct Connection {
    Connection(asio::io_context& io, ssl::context& tls) : stream(io, tls), deadline(io) {}
    ssl::stream<tcp::socket> stream;
    asio::steady_timer deadline;
    std::string remote;    // address, for logs
    std::string dialed;    // the member dialed; empty for an accepted connection
    std::string peer;      // the verified member
    bool open = true;
    std::deque<std::string> queue;
    std::size_t queued_bytes = 0;
    std::vector<std::string> in_flight;
    std::array<unsigned char, 4> header{};
    std::string body;
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  void Accept() {
    auto connection = std::make_shared<Connection>(io_, tls_);
    acceptor_.async_accept(connection->stream.lowest_layer(),
                           [this, connection](const boost::system::error_code& error) {
                             if (error == asio::error::operation_aborted) return;
                             if (!error) {
                               boost::system::error_code ignored;
                               const auto endpoint =
                                   connection->stream.lowest_layer().remote_endpoint(ignored);
                               connection->remote =
                                   endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
                               Handshake(connection, ssl::stream_base::server);
                             }
                             Accept();
                           });
  }

  void Dial(const PeerAddress& peer) {
    auto connection = std::make_shared<Connection>(io_, tls_);
    connection->dialed = peer.name;
    connection->remote = peer.host + ":" + std::to_string(peer.port);
    boost::system::error_code error;
    const auto address = asio::ip::make_address(peer.host, error);
    if (error) {
      base::LogError(kLog, "cannot dial " + peer.name + " at " + peer.host + ": not an address");
      return;
    }
    pending_.insert(connection);
    connection->stream.lowest_layer().async_connect(
        tcp::endpoint(address, peer.port),
        [this, connection, peer](const boost::system::error_code& connect_error) {
          if (!connection->open) return;
          if (connect_error) {
            pending_.erase(connection);
            connection->open = false;
            return Redial(peer);
          }
          Handshake(connection, ssl::stream_base::client);
        });
  }

  void Redial(const PeerAddress& peer) {
    int& delay = redial_millis_[peer.name];
    delay = delay == 0 ? kRedialFirstMillis : std::min(2 * delay, kRedialMaxMillis);
    auto& timer = redial_timers_[peer.name];
    if (!timer) timer = std::make_unique<asio::steady_timer>(io_);
    timer->expires_after(std::chrono::milliseconds(delay));
    timer->async_wait([this, peer](const boost::system::error_code& error) {
      if (!error && !connections_.contains(peer.name)) Dial(peer);
    });
  }

  void Handshake(const ConnectionPtr& connection, ssl::stream_base::handshake_type role) {
    pending_.insert(connection);
    connection->deadline.expires_after(kHandshakeTimeout);
    connection->deadline.async_wait([this, connection](const boost::system::error_code& error) {
      if (!error && connection->peer.empty()) {
        Close(connection, "no TLS handshake within 5 s from " + connection->remote);
      }
    });
    connection->stream.async_handshake(role, [this, connection](const boost::system::error_code& error) {
      if (!connection->open) return;
      if (error) return Close(connection, "TLS handshake with " + connection->remote + " failed: " + error.message());
      Admit(connection);
    });
  }

  // The handshake verified the chain; the member, its key and the dialed name are checked here.
  void Admit(const ConnectionPtr& connection) {
    auto identity = PeerIdentity(connection->stream.native_handle());
    if (!identity) return Close(connection, "refused " + connection->remote + ": " + identity.error().message());
    const auto& [name, fingerprint] = *identity;
    const auto member = members_.find(name);
    if (member == members_.end() || name == options_.name) {
      return Close(connection, "refused " + connection->remote + ": the certificate of '" + name +
                                   "' is not of a member of this network");
    }
    if (member->second != fingerprint) {
      return Close(connection, "refused " + connection->remote + ": the certificate of '" + name +
                                   "' carries another key than the network lists");
    }
    if (!connection->dialed.empty() && connection->dialed != name) {
      return Close(connection, "refused " + connection->remote + ": dialed " +
                                   connection->dialed + ", answered by '" + name + "'");
    }
    pending_.erase(connection);
    connection->deadline.cancel();
    connection->peer = name;
    if (const auto old = connections_.find(name); old != connections_.end()) {
      Close(old->second, "");  // the member reconnected: the newer connection wins
    }
    connections_[name] = connection;
    redial_millis_[name] = 0;
    {
      std::lock_guard lock(connected_mutex_);
      connected_.insert(name);
    }
    on_peer_(name, true);
    ReadHeader(connection);
  }

  void ReadHeader(const ConnectionPtr& connection) {
    asio::async_read(connection->stream, asio::buffer(connection->header),
                     [this, connection](const boost::system::error_code& error, std::size_t) {
                       if (!connection->open) return;
                       if (error) return Close(connection, Closed(connection, error));
                       std::uint32_t size = 0;
                       for (unsigned char byte : connection->header) size = (size << 8) | byte;
                       if (size == 0 || size > kMessageSizeBytesMax) {
                         return Close(connection, "cut off " + connection->peer + ": a frame of " +
                                                      std::to_string(size) + " bytes");
                       }
                       connection->body.resize(size);
                       ReadBody(connection);
                     });
  }

  void ReadBody(const ConnectionPtr& connection) {
    asio::async_read(connection->stream, asio::buffer(connection->body),
                     [this, connection](const boost::system::error_code& error, std::size_t) {
                       if (!connection->open) return;
                       if (error) return Close(connection, Closed(connection, error));
                       on_message_(connection->peer, std::move(connection->body));
                       connection->body = {};
                       ReadHeader(connection);
                     });
  }

  static std::string Closed(const ConnectionPtr& connection, const boost::system::error_code& error) {
    if (error == asio::error::eof || error == ssl::error::stream_truncated) {
      return "";  // the peer closed: no fault to log
    }
    return "connection to " + connection->peer + " lost: " + error.message();
  }

  void Enqueue(const ConnectionPtr& connection, std::string frame) {
    if (!connection->open) return;
    if (connection->queued_bytes + frame.size() > options_.send_queue_bytes_max) {
      return Close(connection, "cut off " + connection->peer + ": it fell too far behind");
    }
    connection->queued_bytes += frame.size();
    connection->queue.push_back(std::move(frame));
    if (connection->in_flight.empty()) WriteMore(connection);
  }

  void WriteMore(const ConnectionPtr& connection) {
    std::size_t bytes = 0;
    while (!connection->queue.empty() && connection->in_flight.size() < kWriteBatchFrames &&
           bytes < kWriteBatchBytes) {
      bytes += connection->queue.front().size();
      connection->in_flight.push_back(std::move(connection->queue.front()));
      connection->queue.pop_front();
    }
    if (connection->in_flight.empty()) return;
    std::vector<asio::const_buffer> buffers;
    for (const auto& frame : connection->in_flight) buffers.push_back(asio::buffer(frame));
    asio::async_write(connection->stream, buffers,
                      [this, connection, bytes](const boost::system::error_code& error, std::size_t) {
                        if (!connection->open) return;
                        if (error) return Close(connection, Closed(connection, error));
                        connection->queued_bytes -= bytes;
                        connection->in_flight.clear();
                        WriteMore(connection);
                      });
  }

  void Close(const ConnectionPtr& connection, const std::string& why) {
    if (!connection->open) return;
    connection->open = false;
    if (!why.empty()) base::LogWarning(kLog, why);
    connection->deadline.cancel();
    boost::system::error_code ignored;
    connection->stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    connection->stream.lowest_layer().close(ignored);
    pending_.erase(connection);
    if (!connection->peer.empty()) {
      const auto it = connections_.find(connection->peer);
      if (it != connections_.end() && it->second == connection) {
        connections_.erase(it);
        {
          std::lock_guard lock(connected_mutex_);
          connected_.erase(connection->peer);
        }
        on_peer_(connection->peer, false);
      }
    }
    if (!connection->dialed.empty() && !acceptor_closed()) {
      for (const auto& peer : options_.peers) {
        if (peer.name == connection->dialed) Redial(peer);
      }
    }
  }

  bool acceptor_closed() const { return !acceptor_.is_open(); }

  TransportOptions options_;
  MessageHandler on_message_;
  PeerHandler on_peer_;
  asio::io_context io_;
  ssl::context tls_;
  tcp::acceptor acceptor_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::map<std::string, crypto::Hash> members_;
  // On the transport's thread only:
  std::map<std::string, ConnectionPtr> connections_;  // verified, by member
  std::set<ConnectionPtr> pending_;                   // connecting or handshaking
  std::map<std::string, int> redial_millis_;
  std::map<std::string, std::unique_ptr<asio::steady_timer>> redial_timers_;
  mutable std::mutex connected_mutex_;
  std::set<std::string> connected_;  // guarded by connected_mutex_
};

Transport::Transport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transport::~Transport() = default;

base::Result<std::unique_ptr<Transport>> Transport::Start(TransportOptions options,
                                                          MessageHandler on_message,
                                                          PeerHandler on_peer) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(on_message), std::move(on_peer));
  if (base::Status status = impl->Init(); !status.ok()) return base::Error(status);
  return std::unique_ptr<Transport>(new Transport(std::move(impl)));
}

std::uint16_t Transport::port() const { return impl_->port(); }
void Transport::Send(const std::string& peer, std::string message) {
  impl_->Send(peer, std::move(message));
}
void Transport::Broadcast(std::string message) { impl_->Broadcast(std::move(message)); }
void Transport::Drop(const std::string& peer, std::string why) {
  impl_->Drop(peer, std::move(why));
}
std::vector<std::string> Transport::connected_peers() const { return impl_->connected_peers(); }

}  // namespace nuri::net
