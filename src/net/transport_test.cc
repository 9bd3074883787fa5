// Real TLS connections on loopback between transports, and peers that should be turned away.
#include "net/transport.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/log.h"
#include "net/wire.h"

namespace nuri::net {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// What a transport received, waited for with a bound so that a broken transport fails the test
// instead of hanging it.
class Inbox {
 public:
  void Add(const std::string& peer, std::string message) {
    std::lock_guard lock(mutex_);
    messages_.emplace_back(peer, std::move(message));
    changed_.notify_all();
  }
  void Peer(const std::string& peer, bool up) {
    std::lock_guard lock(mutex_);
    if (up) {
      peers_.insert(peer);
    } else {
      peers_.erase(peer);
    }
    changed_.notify_all();
  }
  bool WaitForMessages(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 20s, [&] { return messages_.size() >= count; });
  }
  bool WaitForPeers(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 20s, [&] { return peers_.size() >= count; });
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::set<std::string> peers_;
};

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base::SetLogLevel(base::LogLevel::kError);
    for (const std::string org : {"bok", "bnk"}) cas_[org] = MakeCertificateAuthority(org).value();
    for (const auto& [name, org] : std::vector<std::pair<std::string, std::string>>{
             {"a", "bok"}, {"b", "bnk"}, {"c", "bnk"}}) {
      credentials_[name] = IssueNodeCertificate(cas_[org], name, org).value();
      members_.push_back({name, PublicKeyFingerprint(credentials_[name].certificate_pem).value()});
    }
  }

  TransportOptions Options(const std::string& name, const TlsCredentials& credentials) {
    TransportOptions options;
    options.name = name;
    options.credentials = credentials;
    for (const auto& [org, ca] : cas_) options.certificate_authorities.push_back(ca.certificate_pem);
    options.members = members_;
    return options;
  }

  std::unique_ptr<Transport> Start(const std::string& name, Inbox& inbox,
                                   std::vector<PeerAddress> peers = {}) {
    TransportOptions options = Options(name, credentials_.at(name));
    options.peers = std::move(peers);
    auto transport = Transport::Start(
        std::move(options), [&inbox](const std::string& peer, std::string m) { inbox.Add(peer, std::move(m)); },
        [&inbox](const std::string& peer, bool up) { inbox.Peer(peer, up); });
    EXPECT_TRUE(transport.has_value()) << transport.error().ToString();
    return *std::move(transport);
  }

  std::map<std::string, TlsCredentials> cas_;
  std::map<std::string, TlsCredentials> credentials_;
  std::vector<Member> members_;
};

// A TLS client outside any transport, to send what a transport never would.
class RawClient {
 public:
  RawClient(const TlsCredentials& credentials, const std::vector<std::string>& cas,
            std::uint16_t port)
      : tls_(asio::ssl::context::tls) {
    // The context is complete before the stream is made from it: a stream copies what its
    // context holds when it is made.
    tls_.use_certificate_chain(asio::buffer(credentials.certificate_pem));
    tls_.use_private_key(asio::buffer(credentials.key_pem), asio::ssl::context::pem);
    for (const auto& ca : cas) tls_.add_certificate_authority(asio::buffer(ca));
    tls_.set_verify_mode(asio::ssl::verify_peer);
    stream_.emplace(io_, tls_);
    stream_->lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    stream_->handshake(asio::ssl::stream_base::client);
  }
  void Write(const std::string& bytes) { asio::write(*stream_, asio::buffer(bytes)); }
  // True when the other end closes the connection (false when it keeps it open and silent).
  // Waits at most 10 s, so that a transport that wrongly keeps the connection fails the test
  // rather than hangs it.
  bool ClosedByPeer() {
    char byte;
    bool closed = false;
    stream_->async_read_some(asio::buffer(&byte, 1),
                             [&](const boost::system::error_code& error, std::size_t) {
                               closed = static_cast<bool>(error);
                             });
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    return closed;
  }

 private:
  asio::io_context io_;
  asio::ssl::context tls_;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket>> stream_;
};

TEST_F(TransportTest, MembersConnectAndExchangeMessagesInOrder) {
  Inbox a_inbox, b_inbox, c_inbox;
  // Of each pair, the name that sorts first dials: a dials b and c, b dials c.
  auto c = Start("c", c_inbox);
  auto b = Start("b", b_inbox, {{"c", "127.0.0.1", c->port()}});
  auto a = Start("a", a_inbox, {{"b", "127.0.0.1", b->port()}, {"c", "127.0.0.1", c->port()}});
  ASSERT_TRUE(a_inbox.WaitForPeers(2));
  ASSERT_TRUE(b_inbox.WaitForPeers(2));
  ASSERT_TRUE(c_inbox.WaitForPeers(2));
  for (int i = 0; i < 100; ++i) a->Broadcast("from a " + std::to_string(i));
  c->Send("a", std::string(1 << 20, 'x'));  // a large message arrives whole
  ASSERT_TRUE(b_inbox.WaitForMessages(100));
  ASSERT_TRUE(c_inbox.WaitForMessages(100));
  ASSERT_TRUE(a_inbox.WaitForMessages(1));
  const auto received = b_inbox.messages();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(received[i].first, "a");
    EXPECT_EQ(received[i].second, "from a " + std::to_string(i));
  }
  EXPECT_EQ(a_inbox.messages().front(), std::make_pair(std::string("c"), std::string(1 << 20, 'x')));
}

TEST_F(TransportTest, ACertificateOfANonMemberOrWithAnotherKeyIsRefused) {
  Inbox a_inbox, b_inbox;
  auto a = Start("a", a_inbox);
  // Issued by a CA of the network, but not a member.
  const TlsCredentials mallory = IssueNodeCertificate(cas_["bnk"], "mallory", "bnk").value();
  // A member's name with a key the network does not list for it.
  const TlsCredentials impostor = IssueNodeCertificate(cas_["bnk"], "b", "bnk").value();
  std::vector<std::string> cas;
  for (const auto& [org, ca] : cas_) cas.push_back(ca.certificate_pem);
  for (const TlsCredentials& outsider : {mallory, impostor}) {
    RawClient client(outsider, cas, a->port());
    EXPECT_TRUE(client.ClosedByPeer());
  }
  // Signed by a CA outside the network: the handshake itself fails.
  const TlsCredentials stranger_ca = MakeCertificateAuthority("elsewhere").value();
  const TlsCredentials stranger = IssueNodeCertificate(stranger_ca, "b", "elsewhere").value();
  EXPECT_ANY_THROW({
    RawClient client(stranger, cas, a->port());
    client.Write("x");
    if (client.ClosedByPeer()) throw std::runtime_error("closed");
  });
  EXPECT_TRUE(a->connected_peers().empty());
  // The real member still gets through.
  auto b = Start("b", b_inbox);
  auto a2 = Start("a", a_inbox, {{"b", "127.0.0.1", b->port()}});
  ASSERT_TRUE(b_inbox.WaitForPeers(1));
}

TEST_F(TransportTest, GarbageAndOversizedFramesCutOnlyTheirSender) {
  Inbox a_inbox, b_inbox;
  auto a = Start("a", a_inbox);
  std::vector<std::string> cas;
  for (const auto& [org, ca] : cas_) cas.push_back(ca.certificate_pem);
  {
    // Not TLS at all.
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), a->port()});
    asio::write(socket, asio::buffer(std::string(4096, '\x17')));
    char byte;
    boost::system::error_code error;
    socket.read_some(asio::buffer(&byte, 1), error);
    EXPECT_TRUE(error);
  }
  {
    // A member announcing a frame beyond the limit.
    RawClient client(credentials_["c"], cas, a->port());
    client.Write(std::string("\xff\xff\xff\xff", 4));
    EXPECT_TRUE(client.ClosedByPeer());
  }
  {
    // An empty frame.
    RawClient client(credentials_["c"], cas, a->port());
    client.Write(std::string(4, '\0'));
    EXPECT_TRUE(client.ClosedByPeer());
  }
  auto b = Start("b", b_inbox);
  auto a2 = Start("a", a_inbox, {{"b", "127.0.0.1", b->port()}});
  // A message sent before the sender itself has admitted the peer goes nowhere: both ends wait.
  ASSERT_TRUE(b_inbox.WaitForPeers(1));
  ASSERT_TRUE(a_inbox.WaitForPeers(1));
  a2->Send("b", "still here");
  ASSERT_TRUE(b_inbox.WaitForMessages(1));
  EXPECT_EQ(b_inbox.messages().front().second, "still here");
}

TEST_F(TransportTest, ADroppedMemberIsRedialed) {
  Inbox a_inbox, b_inbox;
  auto b = Start("b", b_inbox);
  auto a = Start("a", a_inbox, {{"b", "127.0.0.1", b->port()}});
  ASSERT_TRUE(b_inbox.WaitForPeers(1));
  b->Drop("a", "test");
  // a dials again; b hears from it once more.
  for (int i = 0; i < 200 && b_inbox.messages().empty(); ++i) {
    a->Send("b", "again");
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(b_inbox.WaitForMessages(1));
}

TEST(TlsIdentity, SealedKeysOpenOnlyWithTheirPassphrase) {
  const TlsCredentials ca = MakeCertificateAuthority("bok").value();
  const auto sealed = SealKey(ca.key_pem, "correct horse").value();
  EXPECT_EQ(sealed.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_NE(sealed.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(OpenKey(sealed, "correct horse").value(), ca.key_pem);
  EXPECT_FALSE(OpenKey(sealed, "wrong").has_value());
  const TlsCredentials node = IssueNodeCertificate(ca, "bok-1", "bok").value();
  EXPECT_EQ(CommonName(node.certificate_pem).value(), "bok-1");
  EXPECT_NE(PublicKeyFingerprint(node.certificate_pem).value(),
            PublicKeyFingerprint(ca.certificate_pem).value());
}

}  // namespace
}  // namespace nuri::net
