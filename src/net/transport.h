// Transport: the connections between a network's nodes (docs/network.md), over TLS 1.3 with
// mutual authentication, on Boost.Asio.
//
// Every node listens; of each pair of nodes, the one whose name sorts first dials the other and
// redials with backoff when the connection drops, so that a pair has one connection. Both ends
// present certificates: a peer is accepted only when its certificate chains to one of the
// network's CAs, names a member (subject CN), carries that member's key (tls_identity.h), and,
// when dialed, names the member that was dialed. Anything else is cut off and logged.
//
// Messages are frames: a u32 big-endian length, then that many bytes, at most
// kMessageSizeBytesMax; a peer that sends a larger or empty frame, or anything that is not TLS,
// is cut off and logged, and the other connections go on. Frames queued for a peer are written
// together; a peer that falls more than send_queue_bytes_max behind is cut off rather than let
// the queue grow.
//
// Thread-safe: Send, Broadcast and Drop may be called from any thread. The callbacks run on the
// transport's own thread, one at a time; they must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/tls_identity.h"

namespace nuri::net {

struct PeerAddress {
  std::string name;
  std::string host;
  std::uint16_t port = 0;
};

struct TransportOptions {
  std::string name;  // this node's, as in its certificate
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: any free port (see Transport::port)
  TlsCredentials credentials;     // this node's certificate and its key (not sealed)
  std::vector<std::string> certificate_authorities;  // PEM, one per organization
  std::vector<Member> members;                        // every node of the network
  std::vector<PeerAddress> peers;                     // where the other members listen
  std::size_t send_queue_bytes_max = 256u << 20;
};

class Transport {
 public:
  using MessageHandler = std::function<void(const std::string& peer, std::string message)>;
  // A peer connected (true) or its connection closed (false).
  using PeerHandler = std::function<void(const std::string& peer, bool connected)>;

  static base::Result<std::unique_ptr<Transport>> Start(TransportOptions options,
                                                        MessageHandler on_message,
                                                        PeerHandler on_peer);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  std::uint16_t port() const;
  void Send(const std::string& peer, std::string message);
  void Broadcast(std::string message);
  // Cuts a peer off (it sent what no correct node sends); a dialer redials it later.
  void Drop(const std::string& peer, std::string why);
  std::vector<std::string> connected_peers() const;

 private:
  class Impl;
  explicit Transport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nuri::net
