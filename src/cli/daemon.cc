// nurid: loads a node's configuration, opens its store and keys, serves the API and produces
// blocks until SIGTERM or SIGINT, then stops cleanly (the last block is already durable).
//
// Configuration (JSON, docs/operations.md):
//   {"name": "v1", "data_dir": "...", "genesis": "genesis.json",
//    "validator_key": "validator.key", "key_password_file": "password",
//    "api_address": "127.0.0.1", "api_port": 7101, "verifier_threads": 2,
//    "network": "network.json", "p2p_address": "127.0.0.1", "p2p_port": 7201,
//    "tls_certificate": "tls.pem", "tls_key": "tls.key",
//    "snapshot_interval": 1000, "snapshot_gap": 2000, "wallet_key": "wallet.key",
//    "step_up_won": 500000, "rate_limits": {...}, "https_address": "127.0.0.1",
//    "https_port": 7301, "https_certificate": "api_tls.pem", "https_key": "api_tls.key",
//    "operator_addresses": ["127.0.0.1", "::1"], "cors_origins": ["https://wallet.moef.go.kr"],
//    "audit_policy": "audit-policy.json", "evidence_retention_days": 1826}
// With "network", the node runs consensus with the peers that file describes: it votes at the
// heights whose validator set lists its name with its "validator_key", and follows as an
// observer otherwise (or without a key); without "network", it is a single validator making
// its own blocks. With "wallet_key" or "wallet_pkcs11" (cli/wallet_sealer_config.h), the node
// keeps custodial wallets in data_dir/wallets and serves the session endpoints
// (api/wallet_api.h), on loopback only, with the evidence records behind its officials' payments
// (wallet/evidence_store.h), each erased "evidence_retention_days" after it was filed. Relative
// paths are relative to the configuration file. "rate_limits": cli/guard_config.h. With
// "https_certificate", the node also serves the API over HTTPS (the key sealed under the key
// password). Callers from "operator_addresses" read the whole ledger without a session
// (api/read_access.h); the default is loopback, and [] leaves every read to sessions. Web pages of
// the "cors_origins" may call the API from a browser (api/cors.h); by default none may. With
// "audit_policy", the node runs the compliance monitor (audit/monitor_follower.h) under that
// policy, keeps its alerts in data_dir/alerts and serves them (api/alert_api.h).
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "api/cors.h"
#include "api/http_server.h"
#include "api/node_api.h"
#include "audit/alert_store.h"
#include "audit/monitor_follower.h"
#include "base/files.h"
#include "base/hex.h"
#include "base/log.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/guard_config.h"
#include "cli/main.h"
#include "cli/wallet_sealer_config.h"
#include "core/json.h"
#include "crypto/key_file.h"
#include "net/tls_identity.h"
#include "node/node.h"
#include "node/system_clock.h"
#include "wallet/authenticator.h"
#include "wallet/evidence_store.h"
#include "wallet/sealer.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

// Event streams hold their connections: a node serves a thousand subscribers and its clients.
constexpr std::size_t kApiConnectionsMax = 4096;
// A request that reads the ledger waits while a block commits (its synced write holds the
// ledger lock): with more threads than cores, other requests are answered meanwhile.
constexpr int kApiThreads = 8;
// Each connection is a file descriptor, as are RocksDB's files and the peers' sockets.
constexpr rlim_t kOpenFilesWanted = kApiConnectionsMax + 4096;

struct DaemonConfig {
  std::string name;
  std::string data_dir;
  std::string genesis_path;
  std::string validator_key_path;  // empty: an observer
  std::string password_path;
  std::string api_address = "127.0.0.1";
  std::uint16_t api_port = 0;
  int verifier_threads = 2;
  // In a network:
  std::uint64_t snapshot_interval = node::NetworkOptions{}.snapshot_interval;
  std::uint64_t snapshot_gap = node::NetworkOptions{}.snapshot_gap;
  std::string network_path;
  std::string p2p_address = "127.0.0.1";
  std::uint16_t p2p_port = 0;
  std::string tls_certificate_path;
  std::string tls_key_path;
  WalletSealerConfig wallets;  // neither key nor HSM: the node keeps no wallets
  // The HTTPS listener, when https_certificate is set.
  std::string https_address = "127.0.0.1";
  std::uint16_t https_port = 0;
  std::string https_certificate_path;
  std::string https_key_path;  // sealed under the key password
  std::int64_t step_up_won = api::PaymentRequestApiOptions{}.step_up_won;
  std::int64_t evidence_retention_days = wallet::kEvidenceRetentionDaysMin;
  api::ApiGuardOptions guard;
  std::vector<std::string> operator_addresses = api::kOperatorAddressesDefault;
  std::vector<std::string> cors_origins;
  std::string audit_policy_path;  // empty: no compliance monitor
};

base::Result<DaemonConfig> LoadConfig(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return base::Error(text.error());
  auto value = core::ParseJsonText(*text);
  if (!value || !value->is_object()) {
    return base::Error(base::Status::InvalidArgument(path + ": not a JSON object"));
  }
  const json::object& object = value->get_object();
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  auto string_field = [&](std::string_view name, bool relative_path) -> base::Result<std::string> {
    const json::value* field = object.if_contains(name);
    if (field == nullptr || !field->is_string()) {
      return base::Error(
          base::Status::InvalidArgument(path + ": " + std::string(name) + " is required"));
    }
    std::string text(field->get_string());
    if (relative_path && std::filesystem::path(text).is_relative()) text = (base / text).string();
    return text;
  };
  DaemonConfig config;
  for (auto [target, name, relative] :
       {std::tuple{&config.name, "name", false}, {&config.data_dir, "data_dir", true},
        {&config.genesis_path, "genesis", true}, {&config.password_path, "key_password_file", true}}) {
    auto field = string_field(name, relative);
    if (!field) return base::Error(field.error());
    *target = *field;
  }
  if (auto network = string_field("network", true)) {
    config.network_path = *network;
    for (auto [target, name] : {std::pair{&config.tls_certificate_path, "tls_certificate"},
                                {&config.tls_key_path, "tls_key"}}) {
      auto field = string_field(name, true);
      if (!field) return base::Error(field.error());
      *target = *field;
    }
    if (auto address = string_field("p2p_address", false)) config.p2p_address = *address;
  }
  if (auto key = string_field("validator_key", true)) {
    config.validator_key_path = *key;
  } else if (config.network_path.empty()) {
    return base::Error(key.error());  // alone, a node is a validator
  }
  if (auto address = string_field("api_address", false)) config.api_address = *address;
  if (object.contains("audit_policy")) {
    auto policy = string_field("audit_policy", true);
    if (!policy) return base::Error(policy.error());
    config.audit_policy_path = *policy;
  }
  if (const json::value* step_up = object.if_contains("step_up_won")) {
    if (!step_up->is_int64() || step_up->get_int64() < 0) {
      return base::Error(
          base::Status::InvalidArgument(path + ": step_up_won must be a number of won, 0 or more"));
    }
    config.step_up_won = step_up->get_int64();
  }
  if (const json::value* retention = object.if_contains("evidence_retention_days")) {
    if (!retention->is_int64() || retention->get_int64() < wallet::kEvidenceRetentionDaysMin ||
        retention->get_int64() > 100 * 366) {
      return base::Error(base::Status::InvalidArgument(
          path + ": evidence_retention_days must be a number of days from " +
          std::to_string(wallet::kEvidenceRetentionDaysMin) + " (five years, as audits need)"));
    }
    config.evidence_retention_days = retention->get_int64();
  }
  auto guard = GuardOptionsFromConfig(object.if_contains("rate_limits"), path);
  if (!guard) return base::Error(guard.error());
  config.guard = *std::move(guard);
  if (const json::value* operators = object.if_contains("operator_addresses")) {
    auto addresses = IpAddressesFromConfig(*operators, "operator_addresses", path);
    if (!addresses) return base::Error(addresses.error());
    config.operator_addresses = *std::move(addresses);
  }
  if (const json::value* origins = object.if_contains("cors_origins")) {
    if (!origins->is_array()) {
      return base::Error(base::Status::InvalidArgument(path + ": cors_origins: expected an array"));
    }
    for (const json::value& origin : origins->get_array()) {
      const std::string text = origin.is_string() ? std::string(origin.get_string()) : "";
      if (auto checked = api::CheckOrigin(text); !checked.ok()) {
        return base::Error(
            base::Status::InvalidArgument(path + ": cors_origins: " + checked.message()));
      }
      config.cors_origins.push_back(text);
    }
  }
  auto wallets = WalletSealerConfigFrom(object, base, path);
  if (!wallets) return base::Error(wallets.error());
  config.wallets = *std::move(wallets);
  if (object.contains("https_certificate")) {
    for (auto [target, name] : {std::pair{&config.https_certificate_path, "https_certificate"},
                                {&config.https_key_path, "https_key"}}) {
      auto field = string_field(name, true);
      if (!field) return base::Error(field.error());
      *target = *field;
    }
    if (auto address = string_field("https_address", false)) config.https_address = *address;
  }
  for (auto [target, name] : {std::pair{&config.api_port, "api_port"},
                              {&config.p2p_port, "p2p_port"},
                              {&config.https_port, "https_port"}}) {
    if (const json::value* port = object.if_contains(name)) {
      if (!port->is_int64() || port->get_int64() < 0 || port->get_int64() > 65535) {
        return base::Error(base::Status::InvalidArgument(path + ": " + std::string(name) +
                                                         " must be 0-65535"));
      }
      *target = static_cast<std::uint16_t>(port->get_int64());
    }
  }
  if (const json::value* threads = object.if_contains("verifier_threads")) {
    if (!threads->is_int64() || threads->get_int64() < 1 || threads->get_int64() > 64) {
      return base::Error(base::Status::InvalidArgument(path + ": verifier_threads must be 1-64"));
    }
    config.verifier_threads = static_cast<int>(threads->get_int64());
  }
  for (auto [target, name] : {std::pair{&config.snapshot_interval, "snapshot_interval"},
                              {&config.snapshot_gap, "snapshot_gap"}}) {
    if (const json::value* blocks = object.if_contains(name)) {
      if (!blocks->is_int64() || blocks->get_int64() < 0) {
        return base::Error(base::Status::InvalidArgument(path + ": " + std::string(name) +
                                                         " must be a number of blocks, 0 or more"));
      }
      *target = static_cast<std::uint64_t>(blocks->get_int64());
    }
  }
  return config;
}

// The audit policy the compliance monitor runs under (docs/audit.md); every fault with its path.
base::Result<audit::AuditPolicy> LoadAuditPolicy(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return base::Error(text.error());
  auto value = core::ParseJsonText(*text);
  if (!value)
    return base::Error(base::Status::InvalidArgument(path + ": " + value.error().message()));
  auto policy = audit::ParseAuditPolicy(*value);
  if (!policy) {
    std::string faults;
    for (const core::JsonFault& fault : policy.error()) faults += "\n  " + fault.ToString();
    return base::Error(base::Status::InvalidArgument(path + ":" + faults));
  }
  return *std::move(policy);
}

// The network a node belongs to (network.json, docs/operations.md): its members with their TLS
// key fingerprints and addresses, and the organizations' CAs.
base::Result<net::TransportOptions> LoadNetwork(const DaemonConfig& config,
                                                const std::string& password) {
  auto text = ReadFile(config.network_path);
  if (!text) return base::Error(text.error());
  auto value = core::ParseJsonText(*text);
  if (!value || !value->is_object()) {
    return base::Error(base::Status::InvalidArgument(config.network_path + ": not a JSON object"));
  }
  const std::filesystem::path base = std::filesystem::path(config.network_path).parent_path();
  net::TransportOptions options;
  options.name = config.name;
  options.listen_host = config.p2p_address;
  options.listen_port = config.p2p_port;
  try {
    for (const auto& item : value->at("nodes").as_array()) {
      const std::string name(item.at("name").as_string());
      const std::string p2p(item.at("p2p").as_string());
      const auto fingerprint =
          base::FromHex(std::string_view(item.at("tls_key_fingerprint").as_string()));
      const auto colon = p2p.rfind(':');
      if (!fingerprint || fingerprint->size() != 32 || colon == std::string::npos) {
        return base::Error(base::Status::InvalidArgument(config.network_path + ": node " + name +
                                                         " has a bad p2p address or fingerprint"));
      }
      options.members.push_back({name, *crypto::Hash::FromBytes(*fingerprint)});
      if (name != config.name) {
        options.peers.push_back({name, p2p.substr(0, colon),
                                 static_cast<std::uint16_t>(std::stoi(p2p.substr(colon + 1)))});
      }
    }
    for (const auto& file : value->at("certificate_authorities").as_array()) {
      auto pem = ReadFile((base / std::string(file.as_string())).string());
      if (!pem) return base::Error(pem.error());
      options.certificate_authorities.push_back(*pem);
    }
  } catch (const std::exception& error) {
    return base::Error(base::Status::InvalidArgument(config.network_path + ": " + error.what()));
  }
  auto certificate = ReadFile(config.tls_certificate_path);
  auto sealed_key = ReadFile(config.tls_key_path);
  if (!certificate || !sealed_key) return base::Error(base::Status::NotFound("the TLS certificate or key is missing"));
  auto key = net::OpenKey(*sealed_key, password);
  if (!key) return base::Error(base::Status::InvalidArgument("TLS key: " + key.error().message()));
  options.credentials = {*certificate, *key};
  return options;
}

int Fail(const std::string& message) {
  base::LogError("nurid", message);
  return 1;
}

// The HTTPS listener's certificate chain and its key, opened with the key password.
base::Result<api::HttpsIdentity> LoadHttpsIdentity(const DaemonConfig& config,
                                                   const std::string& password) {
  auto chain = ReadFile(config.https_certificate_path);
  auto sealed_key = ReadFile(config.https_key_path);
  if (!chain || !sealed_key) {
    return base::Error(base::Status::NotFound("the HTTPS certificate or key is missing"));
  }
  auto key = net::OpenKey(*sealed_key, password);
  if (!key)
    return base::Error(base::Status::InvalidArgument("HTTPS key: " + key.error().message()));
  return api::HttpsIdentity{*std::move(chain), *std::move(key)};
}

}  // namespace

base::Result<ledger::Genesis> LoadGenesisFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return base::Error(text.error());
  auto value = core::ParseJsonText(*text);
  if (!value) return base::Error(base::Status::InvalidArgument(path + ": " + value.error().message()));
  auto genesis = ledger::ParseGenesis(*value, "", ledger::GenesisOptions{});
  if (!genesis) return base::Error(base::Status::InvalidArgument(path + ": " + genesis.error().ToString()));
  return std::move(*genesis);
}

int RunNurid(int argc, char** argv) {
  crypto::Initialize();
  auto args = Args::Parse(std::vector<std::string>(argv + 1, argv + argc), {}, {"config"});
  if (!args || !args->Option("config")) {
    std::cerr << "usage: nurid --config FILE\n";
    return 2;
  }
  auto config = LoadConfig(*args->Option("config"));
  if (!config) return Fail(config.error().ToString());
  auto genesis = LoadGenesisFile(config->genesis_path);
  if (!genesis) return Fail(genesis.error().ToString());
  auto password = base::ReadPasswordFile(config->password_path);
  if (!password) return Fail("cannot read the key password file");
  std::optional<crypto::SecretKey> validator_key;
  if (!config->validator_key_path.empty()) {
    auto key_text = ReadFile(config->validator_key_path);
    if (!key_text) return Fail("cannot read the validator key");
    auto key = crypto::OpenKeyFile(*key_text, *password);
    if (!key) return Fail("validator key: " + key.error().ToString());
    validator_key = key->secret;
  }

  // Signals are taken by a waiting thread rather than a handler, so shutdown runs normal code.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (!base::RaiseOpenFilesLimit(kOpenFilesWanted)) {
    base::LogWarning("nurid",
                     "cannot raise the open files limit; event subscribers may be refused");
  }

  std::unique_ptr<wallet::Sealer> wallet_sealer;
  if (config->wallets.keeps_wallets()) {
    // Passwords, codes and session tokens must not cross a network in the clear: beyond this
    // machine, wallets are reached over HTTPS (https_certificate).
    if (config->api_address != "127.0.0.1" && config->api_address != "::1") {
      return Fail(
          "a node that keeps wallets serves plain HTTP on loopback only (127.0.0.1 or ::1), "
          "not " +
          config->api_address + "; serve others over HTTPS");
    }
    auto sealer = OpenWalletSealer(config->wallets, *password);
    if (!sealer) return Fail("wallet sealing: " + sealer.error().ToString());
    wallet_sealer = *std::move(sealer);
  }

  std::filesystem::create_directories(config->data_dir);
  auto opened_store = storage::OpenRocksDb(config->data_dir + "/db");
  if (!opened_store) return Fail(opened_store.error().ToString());
  const std::shared_ptr<storage::KvStore> store = *std::move(opened_store);
  node::SystemClock clock;
  const node::NodeOptions options{.verifier_threads = config->verifier_threads};
  base::Result<std::unique_ptr<node::Node>> node;
  if (config->network_path.empty()) {
    node = node::Node::Open(store, *genesis, ledger::ValidatorSigner{config->name, *validator_key},
                            clock, options);
  } else {
    auto transport = LoadNetwork(*config, *password);
    if (!transport) return Fail(transport.error().ToString());
    node = node::Node::OpenInNetwork(
        store, *genesis, config->name, validator_key, clock, options,
        node::NetworkOptions{
            *std::move(transport), {}, config->snapshot_interval, config->snapshot_gap});
  }
  if (!node) return Fail(node.error().ToString());
  // The wallets' login records have a store of their own: they are the node's, not the
  // ledger's, and a failing write of theirs must not stop the ledger's.
  std::unique_ptr<storage::KvStore> wallet_store;
  // The personal data behind payments, off the ledger; payment requests cite its records.
  std::unique_ptr<wallet::EvidenceStore> evidence_store;
  std::optional<api::EvidenceRecordApi> evidence_api;
  std::optional<wallet::Authenticator> authenticator;
  std::optional<api::WalletApi> wallet_api;
  std::optional<api::PaymentRequestApi> payment_api;
  std::optional<api::ApprovalApi> approval_api;
  // Declared first, destroyed last: the hub's thread calls into the event API until the hub
  // is destroyed.
  std::optional<api::EventApi> event_api;
  std::optional<api::EventHub> event_hub;
  if (wallet_sealer) {
    const std::string wallets = config->data_dir + "/wallets";
    std::filesystem::create_directories(wallets);
    std::filesystem::permissions(wallets, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    auto opened = storage::OpenRocksDb(wallets + "/logins");
    if (!opened) return Fail("wallet logins: " + opened.error().ToString());
    wallet_store = *std::move(opened);
    authenticator.emplace(wallet::WalletDirectory(wallets), *wallet_sealer, *wallet_store, clock);
    wallet_api.emplace(*authenticator);
    auto evidence = wallet::EvidenceStore::Open(
        wallets + "/evidence", *wallet_sealer, clock,
        wallet::EvidenceStoreOptions{.retention_days = config->evidence_retention_days});
    if (!evidence) return Fail("evidence records: " + evidence.error().ToString());
    evidence_store = *std::move(evidence);
    evidence_api.emplace(**node, *wallet_api, *evidence_store);
    payment_api.emplace(**node, *wallet_api, *authenticator, clock,
                        api::PaymentRequestApiOptions{.step_up_won = config->step_up_won},
                        evidence_store.get());
    approval_api.emplace(**node, *wallet_api, *authenticator, *payment_api, clock);
    event_hub.emplace(**node);
    event_api.emplace(**node, *wallet_api, *event_hub);
  }
  // The compliance monitor: its alerts have a store of their own, as the wallets' logins do.
  std::shared_ptr<storage::KvStore> alert_kv;
  std::unique_ptr<audit::AlertStore> alert_store;
  std::optional<audit::MonitorFollower> monitor;
  std::optional<api::AlertApi> alert_api;
  // The hub reads the alert store until it stops: whatever way this returns, it stops before
  // the store is gone.
  struct StopHubFirst {
    api::EventHub* hub = nullptr;
    ~StopHubFirst() {
      if (hub != nullptr) hub->Stop();
    }
  } stop_hub_first;
  if (!config->audit_policy_path.empty()) {
    auto policy = LoadAuditPolicy(config->audit_policy_path);
    if (!policy) return Fail("audit policy: " + policy.error().ToString());
    auto opened = storage::OpenRocksDb(config->data_dir + "/alerts");
    if (!opened) return Fail("alerts: " + opened.error().ToString());
    alert_kv = *std::move(opened);
    auto store = audit::AlertStore::Open(alert_kv);
    if (!store) return Fail("alerts: " + store.error().ToString());
    alert_store = *std::move(store);
    node::Node& reading = **node;
    // Auditors' event streams carry the alerts as the monitor stores them.
    std::function<void(std::uint64_t)> on_followed;
    if (event_hub) {
      event_hub->FollowAlerts(*alert_store);
      stop_hub_first.hub = &*event_hub;
      on_followed = event_hub->AlertsListener();
    }
    monitor.emplace(
        *std::move(policy), *alert_store,
        [&reading](const std::function<void(const ledger::Ledger&)>& read) {
          reading.Read([&](const ledger::Ledger& ledger) { read(ledger); });
        },
        clock, std::move(on_followed));
    (*node)->OnCommitted(monitor->CommitListener());
    if (auto status = monitor->Start(); !status.ok()) {
      return Fail("compliance monitor: " + status.ToString());
    }
    alert_api.emplace(**node, *alert_store, *monitor, authenticator ? &*authenticator : nullptr,
                      clock);
  }
  std::optional<api::NodeApi> node_api;
  api::ApiGuard guard(config->guard, clock,
                      [&node_api](api::HttpRequest request, api::Responder respond) {
                        node_api->Handle(std::move(request), std::move(respond));
                      });
  node_api.emplace(**node, clock,
                   api::NodeApiParts{.wallets = wallet_api ? &*wallet_api : nullptr,
                                     .payments = payment_api ? &*payment_api : nullptr,
                                     .approvals = approval_api ? &*approval_api : nullptr,
                                     .events = event_api ? &*event_api : nullptr,
                                     .evidence_records = evidence_api ? &*evidence_api : nullptr,
                                     .alerts = alert_api ? &*alert_api : nullptr,
                                     .guard = &guard.metrics()},
                   config->operator_addresses);
  // Whatever way this returns, the node stops before the APIs its callbacks reach are gone.
  struct StopFirst {
    node::Node& node;
    ~StopFirst() { node.Stop(); }
  } stop_node_first{**node};
  api::Cors cors(config->cors_origins, [&guard](api::HttpRequest request, api::Responder respond) {
    guard.Handle(std::move(request), std::move(respond));
  });
  api::HttpServer server(api::HttpServerOptions{.address = config->api_address,
                                                .port = config->api_port,
                                                .threads = kApiThreads,
                                                .connections_max = kApiConnectionsMax},
                         [&cors](api::HttpRequest request, api::Responder respond) {
                           cors.Handle(std::move(request), std::move(respond));
                         });
  if (auto status = server.Start(); !status.ok()) return Fail(status.ToString());
  // The same API over HTTPS, for clients beyond this machine.
  std::optional<api::HttpServer> https_server;
  if (!config->https_certificate_path.empty()) {
    auto identity = LoadHttpsIdentity(*config, *password);
    if (!identity) return Fail(identity.error().ToString());
    https_server.emplace(api::HttpServerOptions{.address = config->https_address,
                                                .port = config->https_port,
                                                .threads = kApiThreads,
                                                .connections_max = kApiConnectionsMax,
                                                .https = *std::move(identity)},
                         [&cors](api::HttpRequest request, api::Responder respond) {
                           cors.Handle(std::move(request), std::move(respond));
                         });
    if (auto status = https_server->Start(); !status.ok()) return Fail(status.ToString());
  }
  if (auto status = (*node)->StartProducing(); !status.ok()) return Fail(status.ToString());
  const std::uint64_t height = (*node)->Read([](const ledger::Ledger& l) { return l.head().height; });
  base::LogInfo("nurid", "node " + config->name + " serving http://" + config->api_address + ":" +
                             std::to_string(server.port()) + " at height " +
                             std::to_string(height));
  int received = 0;
  sigwait(&signals, &received);
  base::LogInfo("nurid", "stopping on signal " + std::to_string(received));
  server.Stop();
  if (https_server) https_server->Stop();
  (*node)->Stop();
  return 0;
}

}  // namespace nuri::cli
