// nuri bench api: what the gateway costs. Officials pay merchants through the session API of one
// node (JSON over HTTPS: a merchant's payment request, then the official's pay, answered with
// the committed receipt), against the engine's throughput measured in the same run; and the
// events of those payments, delivered live to subscribers over WebSocket (bench/README.md).
//
// The node is a localnet validator (a nurid process) that keeps the wallets. Its per-session
// rate limit is turned off for the run: the benchmark is many officials' traffic from one
// process, and measures capacity, not the limits (which e2e.wallet_sessions tests). Each
// official follows its own account on four WebSocket streams, as from a phone and a few
// browsers; streams come from many loopback addresses (127.0.1.x), since a node takes at most 16
// from one address. Every client runs on this machine and shares its cores with the node.
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "api/http_client.h"
#include "base/files.h"
#include "cli/args.h"
#include "cli/bench_engine.h"
#include "cli/bench_support.h"
#include "cli/commands.h"
#include "core/json.h"
#include "core/time.h"
#include "wallet/totp.h"

namespace nuri::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// A node takes at most this many event streams per account and per client address
// (api/event_api.cc).
constexpr int kStreamsPerAccount = 4;
constexpr int kStreamsPerAddress = 16;
constexpr std::int64_t kPaymentWon = 10'000;
constexpr std::string_view kMerchant = "sejong-cafe@merchants";
constexpr std::string_view kPassword = "a long enough benchmark password";

// The nearest-rank percentile; null when nothing was measured, which no figure should hide.
json::value Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return nullptr;
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

std::int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The localnet's first node, as a benchmark client reaches it.
struct Gateway {
  std::uint16_t https_port = 0;
  std::string ca_pem;  // every CA of the localnet's organizations

  api::HttpClient Client() const {
    return api::HttpClient("127.0.0.1", https_port, api::HttpClientTls{ca_pem});
  }
};

base::Result<Gateway> ReadGateway(const std::string& directory) {
  Gateway gateway;
  auto config_text = ReadFile(directory + "/nodes/v1/config.json");
  if (!config_text) return base::Error(config_text.error());
  auto config = core::ParseJsonText(*config_text);
  if (!config || !config->is_object() || !config->as_object().contains("https_port")) {
    return base::Error(base::Status::InvalidArgument("node v1 serves no HTTPS"));
  }
  gateway.https_port = static_cast<std::uint16_t>(config->at("https_port").to_number<int>());
  for (const auto& entry : std::filesystem::directory_iterator(directory + "/tls")) {
    if (!entry.path().string().ends_with("-ca.pem")) continue;
    auto pem = ReadFile(entry.path().string());
    if (!pem) return base::Error(pem.error());
    gateway.ca_pem += *pem;
  }
  if (gateway.ca_pem.empty()) {
    return base::Error(base::Status::NotFound(directory + "/tls holds no organization's CA"));
  }
  return gateway;
}

// Turns the node's per-session limit off, keeping the rest of its configuration.
base::Status LiftSessionLimit(const std::string& directory) {
  const std::string path = directory + "/nodes/v1/config.json";
  auto text = ReadFile(path);
  if (!text) return text.error();
  auto config = core::ParseJsonText(*text);
  if (!config || !config->is_object()) return base::Status::InvalidArgument(path);
  json::value& limits = config->as_object()["rate_limits"];
  if (!limits.is_object()) limits.emplace_object();
  limits.as_object()["per_session_per_second"] = 0;
  return base::WriteFileAtomically(path, json::serialize(*config), 0600);
}

// A session of `account`'s wallet, enrolled with `enrolment` (the JSON `nuri wallet enroll`
// prints).
base::Result<std::string> Login(const Gateway& gateway, const std::string& enrolment) {
  const auto start = enrolment.rfind('{');
  auto printed = core::ParseJsonText(start == std::string::npos ? "" : enrolment.substr(start));
  if (!printed || !printed->is_object()) {
    return base::Error(base::Status::InvalidArgument("nuri wallet enroll printed no JSON"));
  }
  const json::value* account_field = printed->as_object().if_contains("account");
  const json::value* secret_field = printed->as_object().if_contains("totp_secret");
  if (account_field == nullptr || !account_field->is_string() || secret_field == nullptr ||
      !secret_field->is_string()) {
    return base::Error(base::Status::InvalidArgument("nuri wallet enroll printed no secret"));
  }
  const std::string account(account_field->get_string());
  const auto secret = wallet::FromBase32(secret_field->get_string());
  if (!secret) return base::Error(base::Status::InvalidArgument("a TOTP secret is not base32"));
  const json::object login{{"account", account},
                           {"password", kPassword},
                           {"totp", wallet::TotpCode(*secret, WallMillis() / 1000)}};
  api::HttpClient client = gateway.Client();
  auto answer = client.Request("POST", "/v1/sessions", json::serialize(login));
  if (!answer) return base::Error(answer.error());
  auto body = core::ParseJsonText(answer->body);
  const json::value* token =
      body && body->is_object() ? body->as_object().if_contains("token") : nullptr;
  if (answer->status != 201 || token == nullptr || !token->is_string()) {
    return base::Error(base::Status::Unavailable("login " + account + ": " + answer->body));
  }
  return std::string(token->get_string());
}

// The delays of the events that reached the subscribers, from their block's time.
struct EventTally {
  std::vector<double> delays_ms;
  std::uint64_t connected = 0;
  std::uint64_t failed = 0;
  std::string first_failure;
};

// One WebSocket stream of /v1/ws?account=..., read until the run ends. Runs on its io_context's
// one thread, as does everything that touches the tally.
class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(asio::io_context& io_context, asio::ssl::context& tls, EventTally& tally)
      : stream_(io_context, tls), tally_(tally) {}

  void Start(const tcp::endpoint& server, const asio::ip::address& source, std::string target,
             std::string token) {
    target_ = std::move(target);
    token_ = std::move(token);
    auto& socket = beast::get_lowest_layer(stream_).socket();
    beast::error_code error;
    socket.open(tcp::v4(), error);
    if (!error) socket.bind(tcp::endpoint(source, 0), error);
    if (error) return Fail("bind " + source.to_string(), error);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
    beast::get_lowest_layer(stream_).async_connect(
        server, [self = shared_from_this()](beast::error_code connect_error) {
          if (connect_error) return self->Fail("connect", connect_error);
          self->Handshake();
        });
  }

  void Close() {
    closing_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

 private:
  void Handshake() {
    stream_.next_layer().set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    stream_.next_layer().async_handshake(asio::ssl::stream_base::client,
                                         [self = shared_from_this()](beast::error_code error) {
                                           if (error) return self->Fail("TLS", error);
                                           self->Upgrade();
                                         });
  }

  void Upgrade() {
    beast::get_lowest_layer(stream_).expires_never();
    stream_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    stream_.set_option(
        websocket::stream_base::decorator([token = token_](websocket::request_type& request) {
          request.set(beast::http::field::authorization, "Bearer " + token);
        }));
    stream_.async_handshake("127.0.0.1", target_,
                            [self = shared_from_this()](beast::error_code error) {
                              if (error) return self->Fail("WebSocket", error);
                              self->tally_.connected += 1;
                              self->Read();
                            });
  }

  void Read() {
    stream_.async_read(buffer_, [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (error) {
        if (!self->closing_) self->Fail("a stream ended", error);
        return;
      }
      self->Take(beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.clear();
      self->Read();
    });
  }

  void Take(const std::string& message) {
    const std::int64_t now = WallMillis();
    auto event = core::ParseJsonText(message);
    if (!event || !event->is_object() || event->as_object().if_contains("event") == nullptr ||
        event->at("event") != "transaction") {
      return;
    }
    const json::value* data = event->as_object().if_contains("data");
    const json::value* time =
        data != nullptr && data->is_object() ? data->as_object().if_contains("time") : nullptr;
    if (time == nullptr || !time->is_string()) return;
    if (const auto block_time = core::ParseTime(time->get_string())) {
      tally_.delays_ms.push_back(static_cast<double>(now - *block_time));
    }
  }

  void Fail(const std::string& step, beast::error_code error) {
    tally_.failed += 1;
    if (tally_.first_failure.empty()) tally_.first_failure = step + ": " + error.message();
  }

  websocket::stream<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  EventTally& tally_;
  std::string target_;
  std::string token_;
  bool closing_ = false;  // the run is over: a read that fails now is the close
};

// Runs `task` on the io_context's thread and returns what it returns.
template <typename Task>
auto OnThreadOf(asio::io_context& io_context, Task task) {
  auto result = std::make_shared<std::promise<decltype(task())>>();
  asio::post(io_context, [&task, result] { result->set_value(task()); });
  return result->get_future().get();
}

struct Payer {
  std::string account;
  std::string program;
  std::string token;  // its session
};

// What the paying clients measured.
struct PaymentTally {
  std::mutex mutex;
  std::vector<double> latencies_ms;  // from the request to the committed receipt
  std::uint64_t failed = 0;
  std::string first_failure;
};

// One client thread: asks for a payment as the merchant, pays it as the next of its officials,
// and again, until `stop`.
void PayUntil(const Gateway& gateway, const std::string& merchant_token,
              const std::vector<const Payer*>& payers, SteadyClock::time_point stop,
              PaymentTally& tally) {
  api::HttpClient merchant = gateway.Client();
  api::HttpClient official = gateway.Client();
  (void)merchant.SetHeader("Authorization", "Bearer " + merchant_token);
  std::vector<double> latencies;
  std::uint64_t failed = 0;
  std::string first_failure;
  auto fail = [&](const std::string& what) {
    failed += 1;
    if (first_failure.empty()) first_failure = what;
  };
  const std::string ask = json::serialize(json::object{{"amount", kPaymentWon}});
  for (std::size_t next = 0; SteadyClock::now() < stop; ++next) {
    const Payer& payer = *payers[next % payers.size()];
    const auto started = SteadyClock::now();
    auto request = merchant.Request("POST", "/v1/payment-requests", ask);
    if (!request || request->status != 201) {
      fail(request ? request->body : request.error().ToString());
      continue;
    }
    const auto created = core::ParseJsonText(request->body);
    const json::value* id_field =
        created && created->is_object() ? created->as_object().if_contains("id") : nullptr;
    if (id_field == nullptr || !id_field->is_string()) {
      fail("a payment request without an id: " + request->body);
      continue;
    }
    const std::string id(id_field->get_string());
    (void)official.SetHeader("Authorization", "Bearer " + payer.token);
    const json::object pay{{"program", payer.program},
                           {"attendees", 1},
                           {"purpose", "working lunch"},
                           {"justification", "benchmark of the payment path"}};
    auto paid = official.Request("POST", "/v1/payment-requests/" + id + "/pay",
                                 json::serialize(pay), "application/json", 60000);
    if (!paid || paid->status != 200) {
      fail(paid ? paid->body : paid.error().ToString());
      continue;
    }
    latencies.push_back(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count());
  }
  std::lock_guard lock(tally.mutex);
  tally.latencies_ms.insert(tally.latencies_ms.end(), latencies.begin(), latencies.end());
  tally.failed += failed;
  if (tally.first_failure.empty()) tally.first_failure = first_failure;
}

// Enrols wallets for `accounts` on two threads (a password hash takes a tenth of a second and
// 64 MiB on purpose), and logs each in; the tokens come back in the same order.
base::Result<std::vector<std::string>> EnrolAndLogIn(const std::string& directory,
                                                     const Gateway& gateway,
                                                     const std::vector<std::string>& accounts) {
  const std::string password_file = directory + "/bench-password";
  if (auto status = base::WriteFileAtomically(password_file, std::string(kPassword) + "\n", 0600);
      !status.ok()) {
    return base::Error(status);
  }
  std::vector<std::string> tokens(accounts.size());
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::optional<base::Status> failure;
  auto work = [&] {
    for (std::size_t i; (i = next++) < accounts.size();) {
      auto printed = RunNuri({"wallet", "enroll", "--network", directory, "--account", accounts[i],
                              "--password-file", password_file, "--json"});
      auto token = printed ? Login(gateway, *printed)
                           : base::Result<std::string>(base::Error(printed.error()));
      if (!token) {
        std::lock_guard lock(failure_mutex);
        failure = token.error();
        return;
      }
      tokens[i] = *std::move(token);
    }
  };
  std::thread helper(work);
  work();
  helper.join();
  if (failure) return base::Error(*failure);
  return tokens;
}

// The engine's figures for the same machine, now: plain transfers and program payments.
base::Result<json::object> MeasureEngine() {
  EngineBenchOptions options;
  options.transactions = 50'000;
  options.large_accounts = 0;
  return RunEngineBench(options);
}

}  // namespace

int BenchApiCommand(const Args& args) {
  const auto seconds = args.IntegerOr("seconds", 20);
  const auto workers = args.IntegerOr("workers", 64);
  const auto subscribers = args.IntegerOr("subscribers", 1000);
  if (!seconds || !workers || !subscribers || *seconds < 2 || *workers < 1 || *workers > 256 ||
      *subscribers < kStreamsPerAccount || *subscribers > 2000 ||
      *subscribers % kStreamsPerAccount != 0) {
    return Complain(
        "usage: nuri bench api [--seconds S] [--workers 1-256] [--subscribers 4-2000, a multiple "
        "of 4] [--json]",
        2);
  }
  // Every subscriber and every client holds a connection.
  if (!base::RaiseOpenFilesLimit(static_cast<std::uint64_t>(*subscribers + 2 * *workers + 1024))) {
    return Complain("bench api: cannot raise the open files limit for the connections it needs");
  }
  auto engine = MeasureEngine();
  if (!engine) return Complain("bench api: the engine: " + engine.error().ToString());

  const int officials = static_cast<int>(*subscribers / kStreamsPerAccount);
  std::error_code error;
  std::string directory =
      std::filesystem::temp_directory_path(error).string() + "/nuri-bench-api-XXXXXX";
  if (::mkdtemp(directory.data()) == nullptr) return Complain("cannot make a scratch directory");
  std::mt19937 random(std::random_device{}());
  const std::string base_port = std::to_string(20000 + random() % 12000);
  // However this ends, the localnet's processes and files go with it.
  struct LocalnetScratch {
    std::string directory;
    ~LocalnetScratch() {
      (void)RunNuri({"localnet", "down", "--dir", directory});
      std::error_code ignored;
      std::filesystem::remove_all(directory, ignored);
    }
  } scratch{directory};
  auto fail = [](const std::string& why) { return Complain("bench api: " + why); };
  // A localnet's officials are spread over its three ministries; each has a business-promotion
  // program to pay from.
  auto up = RunNuri({"localnet", "up", "--dir", directory, "--validators", "1", "--observers", "0",
                     "--accounts", std::to_string(officials), "--base-port", base_port});
  if (!up) return fail(up.error().ToString());
  if (auto down = RunNuri({"localnet", "down", "--dir", directory}); !down) {
    return fail(down.error().ToString());
  }
  if (auto lifted = LiftSessionLimit(directory); !lifted.ok()) return fail(lifted.ToString());
  if (auto again = RunNuri({"localnet", "up", "--dir", directory}); !again) {
    return fail(again.error().ToString());
  }
  auto gateway = ReadGateway(directory);
  if (!gateway) return fail(gateway.error().ToString());
  auto funded = FundLocalnet(directory);
  if (!funded) return fail(funded.error().ToString());
  std::vector<Payer> payers;
  for (const auto& [account, program] : *funded) {
    if (account.ends_with("@recipients")) continue;  // subsidy recipients pay no lunches
    payers.push_back({account, program, ""});
  }
  if (payers.size() < static_cast<std::size_t>(officials)) {
    return fail("the localnet has " + std::to_string(payers.size()) + " officials, not " +
                std::to_string(officials));
  }
  payers.resize(officials);
  std::vector<std::string> accounts{std::string(kMerchant)};
  for (const Payer& payer : payers) accounts.push_back(payer.account);
  auto tokens = EnrolAndLogIn(directory, *gateway, accounts);
  if (!tokens) return fail(tokens.error().ToString());
  for (std::size_t i = 0; i < payers.size(); ++i) payers[i].token = (*tokens)[i + 1];

  // The subscribers connect first, and are all following before the first payment.
  asio::io_context events_io;
  asio::ssl::context events_tls(asio::ssl::context::tls_client);
  events_tls.add_certificate_authority(asio::buffer(gateway->ca_pem));
  events_tls.set_verify_mode(asio::ssl::verify_peer);
  EventTally events;
  std::vector<std::shared_ptr<Subscriber>> streams;
  const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), gateway->https_port);
  for (int i = 0; i < *subscribers; ++i) {
    const Payer& payer = payers[i / kStreamsPerAccount];
    const asio::ip::address_v4 source(asio::ip::address_v4::bytes_type{
        127, 0, 1, static_cast<unsigned char>(1 + i / kStreamsPerAddress)});
    auto stream = std::make_shared<Subscriber>(events_io, events_tls, events);
    stream->Start(server, source, "/v1/ws?account=" + payer.account, payer.token);
    streams.push_back(std::move(stream));
  }
  auto work = asio::make_work_guard(events_io);
  std::thread events_thread([&] { events_io.run(); });
  const auto all = static_cast<std::uint64_t>(*subscribers);
  for (int waited = 0; waited < 600; ++waited) {
    if (OnThreadOf(events_io, [&] { return events.connected + events.failed; }) >= all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto [connected, subscribe_failure] = OnThreadOf(events_io, [&] {
    return std::pair{events.connected, events.first_failure};
  });
  if (connected < all) {
    events_io.stop();
    events_thread.join();
    return fail(std::to_string(connected) + " of " + std::to_string(all) +
                " subscribers connected: " + subscribe_failure);
  }

  PaymentTally payments;
  const auto started = SteadyClock::now();
  const auto stop = started + std::chrono::seconds(*seconds);
  std::vector<std::thread> clients;
  for (int w = 0; w < *workers; ++w) {
    std::vector<const Payer*> mine;
    for (std::size_t i = w; i < payers.size(); i += *workers) mine.push_back(&payers[i]);
    if (mine.empty()) mine.push_back(&payers[w % payers.size()]);
    clients.emplace_back(PayUntil, std::cref(*gateway), std::cref((*tokens)[0]), mine, stop,
                         std::ref(payments));
  }
  for (auto& client : clients) client.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - started).count();
  // The last blocks' events are on their way.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto [delays, streams_failed] = OnThreadOf(events_io, [&] {
    for (auto& stream : streams) stream->Close();
    return std::pair{events.delays_ms, events.failed};
  });
  work.reset();
  events_thread.join();

  const double paid = static_cast<double>(payments.latencies_ms.size());
  const double payments_per_s = paid / elapsed;
  const double engine_tps = engine->at("tps").to_number<double>();
  const double engine_pay_tps = engine->at("pay_tps").to_number<double>();
  const json::object result{{"payments_per_s", payments_per_s},
                            {"payments", payments.latencies_ms.size()},
                            {"failed", payments.failed},
                            {"first_failure", payments.first_failure},
                            {"pay_p50_ms", Percentile(payments.latencies_ms, 0.5)},
                            {"pay_p99_ms", Percentile(payments.latencies_ms, 0.99)},
                            {"engine_tps", engine_tps},
                            {"engine_pay_tps", engine_pay_tps},
                            {"ratio", payments_per_s / engine_tps},
                            {"pay_ratio", payments_per_s / engine_pay_tps},
                            {"subscribers", *subscribers},
                            {"subscribers_failed", streams_failed},
                            {"events_delivered", delays.size()},
                            {"events_expected", payments.latencies_ms.size() * kStreamsPerAccount},
                            {"event_p50_ms", Percentile(delays, 0.5)},
                            {"event_p99_ms", Percentile(delays, 0.99)},
                            {"officials", officials},
                            {"workers", *workers},
                            {"seconds", *seconds}};
  std::cout << json::serialize(result) << "\n";
  return payments.failed == 0 && streams_failed == 0 ? 0 : 1;
}

}  // namespace nuri::cli
