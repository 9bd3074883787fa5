#include "cli/localnet.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/http_client.h"
#include "base/hex.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/network_files.h"
#include "cli/pilot_programs.h"
#include "core/json.h"
#include "crypto/key_file.h"
#include "node/node.h"
#include "wallet/sealer.h"

extern char** environ;

namespace nuri::cli {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int kStartTimeoutSeconds = 60;
constexpr int kStopTimeoutSeconds = 20;

struct Ministry {
  const char* id;
  const char* name;
  const char* token;        // its programs' deposit token
  const char* budget_code;  // its business-promotion budget item
};
constexpr Ministry kMinistries[] = {
    {"moef", "Ministry of Economy and Finance", "KRW-KB", "203-01"},
    {"me", "Ministry of Environment", "KRW-SHINHAN", "203-03"},
    {"mois", "Ministry of the Interior and Safety", "KRW-BNK", "203-04"}};
struct Bank {
  const char* id;
  const char* name;
  const char* token;
};
constexpr Bank kBanks[] = {{"kb", "KB Kookmin Bank", "KRW-KB"},
                           {"shinhan", "Shinhan Bank", "KRW-SHINHAN"},
                           {"bnk", "BNK Busan Bank", "KRW-BNK"}};
struct Merchant {
  const char* id;
  const char* mcc;
  const char* business_no;
  const char* name;
};
constexpr Merchant kMerchants[] = {
    {"hanok-restaurant", "5812", "101-81-00001", "Hanok Korean Restaurant"},
    {"sejong-cafe", "5814", "101-81-00002", "Sejong Station Cafe"},
    {"daily-mart", "5411", "101-81-00003", "Daily Mart Grocery"},
    {"office-plus", "5943", "101-81-00004", "Office Plus Stationery"},
    {"blue-taxi", "4121", "101-81-00005", "Blue Taxi Cooperative"},
    {"hotel-sejong", "7011", "101-81-00006", "Hotel Sejong"},
    {"moonlight-bar", "5813", "101-81-00007", "Moonlight Bar"},
    {"chargepoint", "1731", "605-81-00003", "ChargePoint Installers"},
    {"sparky-electric", "1731", "605-81-00004", "Sparky Electric"}};
// The institutions whose validators a localnet runs, in turn; observers are the audit board's.
constexpr const char* kValidatorOrgs[] = {"bok", "kb", "shinhan", "bnk", "moef", "me", "mois"};
constexpr const char* kOfficialNames[] = {"kim",  "lee", "park", "choi", "jung",
                                          "kang", "cho", "yoon", "jang", "lim"};

// 32 random bytes in hex, from the system's CSPRNG (a fresh key's seed is exactly that).
std::string RandomPassword() { return base::ToHex(crypto::SecretKey::Generate().seed()); }

std::string NurIdPath() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return (self.parent_path() / "nurid").string();
}

json::object DefaultGenesis(const std::string& directory, int officials) {
  json::array orgs{
      json::object{{"id", "bok"}, {"kind", "central_bank"}, {"name", "Bank of Korea"}},
      json::object{{"id", "bai"}, {"kind", "auditor"}, {"name", "Board of Audit and Inspection"}},
      json::object{{"id", "merchants"}, {"kind", "merchants"}, {"name", "Registered merchants"}}};
  json::array accounts{json::object{{"id", "governor@bok"}, {"roles", json::array{"governor"}}},
                       json::object{{"id", "auditor@bai"}, {"roles", json::array{"auditor"}}}};
  json::array tokens;
  for (const auto& bank : kBanks) {
    orgs.push_back(json::object{{"id", bank.id}, {"kind", "bank"}, {"name", bank.name}});
    accounts.push_back(
        json::object{{"id", std::string("issuer@") + bank.id}, {"roles", json::array{"issuer"}}});
    tokens.push_back(json::object{{"id", bank.token},
                                  {"issuer", std::string("issuer@") + bank.id},
                                  {"name", std::string(bank.name) + " deposit token"}});
  }
  for (const auto& ministry : kMinistries) {
    orgs.push_back(
        json::object{{"id", ministry.id}, {"kind", "ministry"}, {"name", ministry.name}});
    for (const char* role : {"admin", "treasury"}) {
      accounts.push_back(json::object{{"id", std::string(role) + "@" + ministry.id},
                                      {"roles", json::array{role}}});
    }
  }
  for (int i = 0; i < officials; ++i) {
    const Ministry& ministry = kMinistries[i % std::size(kMinistries)];
    char name[64];
    std::snprintf(name, sizeof name, "%s-%04d@%s", kOfficialNames[i % std::size(kOfficialNames)],
                  i + 1, ministry.id);
    accounts.push_back(json::object{{"id", name}, {"roles", json::array{"holder"}}});
  }
  for (const auto& merchant : kMerchants) {
    accounts.push_back(json::object{{"id", std::string(merchant.id) + "@merchants"},
                                    {"roles", json::array{"merchant"}},
                                    {"merchant", json::object{{"mcc", merchant.mcc},
                                                              {"business_no", merchant.business_no},
                                                              {"name", merchant.name}}}});
  }
  std::vector<PilotMinistry> ministries;
  for (const auto& ministry : kMinistries) {
    ministries.push_back({ministry.id, ministry.token, ministry.budget_code});
  }
  for (auto& org : PilotProgramOrgs()) orgs.push_back(std::move(org));
  for (auto& account : PilotProgramAccounts(ministries)) accounts.push_back(std::move(account));
  // Every account's demo key, derived from the localnet's sealed seed.
  for (auto& account : accounts) {
    const std::string id(account.at("id").as_string());
    account.as_object()["keys"] =
        json::array{LocalnetAccountKey(directory, id).value().public_key().ToText()};
  }
  const auto now = std::chrono::system_clock::now();
  const core::TimeMillis start =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return json::object{{"chain_id", "nuri-localnet"},
                      {"start", core::FormatKoreaTime(start - start % 1000)},
                      {"orgs", std::move(orgs)},
                      {"accounts", std::move(accounts)},
                      {"tokens", std::move(tokens)},
                      {"holidays", PilotHolidays()},
                      {"programs", PilotPrograms(ministries, start)}};
}

base::Status WriteJson(const std::string& path, const json::value& value, unsigned mode = 0644) {
  return WriteFileAtomically(path, json::serialize(value) + "\n", mode);
}

std::string PidFile(const LocalnetNode& node) { return node.directory + "/pid"; }

int ReadPid(const LocalnetNode& node) {
  auto text = ReadFile(PidFile(node));
  if (!text) return 0;
  try {
    return std::stoi(*text);
  } catch (const std::exception&) {
    return 0;
  }
}

bool Alive(int pid) {
  if (pid <= 0) return false;
  // Reap it if it is our own exited child; then ask the kernel whether it still exists.
  ::waitpid(pid, nullptr, WNOHANG);
  return ::kill(pid, 0) == 0;
}

std::optional<json::object> Status(const LocalnetNode& node) {
  auto client = api::HttpClient::FromUrl(node.api);
  if (!client) return std::nullopt;
  auto response = client->Request("GET", "/v1/status", {}, "application/json", 2000);
  if (!response || response->status != 200) return std::nullopt;
  auto value = core::ParseJsonText(response->body);
  if (!value || !value->is_object()) return std::nullopt;
  return value->get_object();
}

base::Status StartNode(const LocalnetNode& node) {
  if (Alive(ReadPid(node))) return base::Status::Ok();
  const std::string nurid = NurIdPath();
  const std::string config = node.directory + "/config.json";
  const std::string log = node.directory + "/node.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own session, so that the node outlives this command and its terminal.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  std::vector<std::string> words = {nurid, "--config", config};
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, nurid.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0)
    return base::Status::IoError("cannot start " + nurid + ": " + std::strerror(error));
  NURI_RETURN_IF_ERROR(WriteFileAtomically(PidFile(node), std::to_string(pid) + "\n"));
  for (int i = 0; i < kStartTimeoutSeconds * 10; ++i) {
    // Serving and still alive a moment later: not some other process answering on the port.
    if (Status(node)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (Alive(pid)) return base::Status::Ok();
    }
    if (!Alive(pid)) {
      return base::Status::Unavailable("node " + node.name + " exited at start; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return base::Status::Unavailable("node " + node.name + " did not serve within " +
                                   std::to_string(kStartTimeoutSeconds) + " s; see " + log);
}

base::Status StopNode(const LocalnetNode& node, bool kill) {
  const int pid = ReadPid(node);
  if (!Alive(pid)) return base::Status::Ok();
  ::kill(pid, kill ? SIGKILL : SIGTERM);
  for (int i = 0; i < kStopTimeoutSeconds * 20; ++i) {
    if (!Alive(pid)) {
      std::error_code error;
      fs::remove(PidFile(node), error);
      return base::Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return base::Status::Unavailable("node " + node.name + " (pid " + std::to_string(pid) +
                                   ") did not stop");
}

int Up(const Args& args, const std::string& directory) {
  const auto validators = args.IntegerOr("validators", 4);
  const auto observers = args.IntegerOr("observers", 1);
  const auto base_port = args.IntegerOr("base-port", 7100);
  const auto officials = args.IntegerOr("accounts", 200);
  const auto snapshot_interval =
      args.IntegerOr("snapshot-interval", node::NetworkOptions{}.snapshot_interval);
  if (!validators || !observers || !base_port || !officials || !snapshot_interval ||
      *officials < 1 || *officials > 100000 || *base_port < 1024 || *base_port > 65000 ||
      *snapshot_interval < 1) {
    return Complain(
        "--validators, --observers, --base-port, --accounts and --snapshot-interval take "
        "integers",
        2);
  }
  if (*validators < 1 || *validators > 32 || *observers < 0 || *observers > 8) {
    return Complain("--validators takes 1 to 32 and --observers 0 to 8", 2);
  }
  if (fs::exists(directory + "/network.json")) {
    // An existing network is started again as it was.
    auto nodes = ReadLocalnet(directory);
    if (!nodes) return Complain(nodes.error().ToString());
    for (const auto& node : *nodes) {
      if (auto status = StartNode(node); !status.ok()) return Complain(status.ToString());
    }
    std::cout << "localnet in " << directory << " is up\n";
    return 0;
  }
  fs::create_directories(directory + "/nodes");
  const std::string password = RandomPassword();
  if (auto status = WriteFileAtomically(directory + "/password", password + "\n", 0600);
      !status.ok()) {
    return Complain(status.ToString());
  }
  // The accounts' demo keys come from one sealed seed rather than hundreds of key files.
  auto seed_file =
      crypto::SealKeyFile({"localnet-accounts", crypto::SecretKey::Generate(), true}, password);
  if (!seed_file) return Complain(seed_file.error().ToString());
  if (auto status = WriteFileAtomically(directory + "/accounts.key", *seed_file, 0600);
      !status.ok()) {
    return Complain(status.ToString());
  }
  json::object genesis = DefaultGenesis(directory, static_cast<int>(*officials));
  const int count = static_cast<int>(*validators + *observers);
  std::vector<NodePlan> plans;
  for (int i = 0; i < count; ++i) {
    const bool validator = i < *validators;
    plans.push_back(NodePlan{
        .name = validator ? "v" + std::to_string(i + 1) : "o" + std::to_string(i - *validators + 1),
        .org = validator ? kValidatorOrgs[i % std::size(kValidatorOrgs)] : "bai",
        .role = validator ? "validator" : "observer",
        .api = "http://127.0.0.1:" + std::to_string(*base_port + i + 1),
        .p2p = "127.0.0.1:" + std::to_string(*base_port + 100 + i + 1),
        .https_api = "https://127.0.0.1:" + std::to_string(*base_port + 200 + i + 1)});
  }
  auto made = WriteNetworkFiles(directory, plans, password);
  if (!made) return Complain(made.error().ToString());
  json::array validator_set;
  for (int i = 0; i < count; ++i) {
    const NodeMade& node = (*made)[static_cast<std::size_t>(i)];
    const std::string node_directory = directory + "/nodes/" + node.plan.name;
    // Every node may keep officials' wallets (`nuri wallet enroll`), sealed under its own key.
    auto wallet_key = wallet::FileKeySealer::NewKeyFile(node.plan.name, password);
    if (!wallet_key) return Complain(wallet_key.error().ToString());
    if (auto status = WriteFileAtomically(node_directory + "/wallet.key", *wallet_key, 0600);
        !status.ok()) {
      return Complain(status.ToString());
    }
    json::object config{{"name", node.plan.name},
                        {"data_dir", "."},
                        {"genesis", "../../genesis.json"},
                        {"network", "../../network.json"},
                        {"key_password_file", "../../password"},
                        {"validator_key", "validator.key"},
                        {"api_address", "127.0.0.1"},
                        {"api_port", *base_port + i + 1},
                        {"p2p_address", "127.0.0.1"},
                        {"p2p_port", *base_port + 100 + i + 1},
                        {"tls_certificate", "tls.pem"},
                        {"tls_key", "tls.key"},
                        {"verifier_threads", 2},
                        // A node keeps a snapshot every interval, and one two intervals behind
                        // fetches one.
                        {"snapshot_interval", *snapshot_interval},
                        {"snapshot_gap", 2 * *snapshot_interval},
                        {"wallet_key", "wallet.key"},
                        // Wallets and payment requests reach the node over HTTPS from outside.
                        {"https_address", "127.0.0.1"},
                        {"https_port", *base_port + 200 + i + 1},
                        {"https_certificate", "api_tls.pem"},
                        {"https_key", "api_tls.key"},
                        // The network's own tools (load, the CLI) run on this machine at
                        // volume; other loopback addresses (127.0.0.2, ...) are limited.
                        {"rate_limits", {{"exempt_addresses", {"127.0.0.1"}}}}};
    // The audit board's observers run the compliance monitor, as its own node would.
    if (node.plan.role != "validator") config["audit_policy"] = "../../audit-policy.json";
    if (auto status = WriteJson(node_directory + "/config.json", config); !status.ok()) {
      return Complain(status.ToString());
    }
    if (node.plan.role == "validator") {
      validator_set.push_back(
          json::object{{"name", node.plan.name}, {"key", node.consensus_key.ToText()}});
    }
  }
  genesis["validators"] = std::move(validator_set);
  if (auto status = WriteJson(directory + "/genesis.json", genesis); !status.ok()) {
    return Complain(status.ToString());
  }
  // Every check at its defaults (docs/audit.md); the board tunes them per program here.
  if (auto status =
          WriteJson(directory + "/audit-policy.json",
                    json::object{{"defaults", json::object{}}, {"programs", json::object{}}});
      !status.ok()) {
    return Complain(status.ToString());
  }
  auto nodes = ReadLocalnet(directory);
  if (!nodes) return Complain(nodes.error().ToString());
  for (const auto& node : *nodes) {
    if (auto status = StartNode(node); !status.ok()) return Complain(status.ToString());
    std::cout << node.name << " (" << node.role << ") serving " << node.api << "\n";
  }
  return 0;
}

int ShowStatus(const std::vector<LocalnetNode>& nodes, bool as_json) {
  json::array items;
  for (const auto& node : nodes) {
    const int pid = ReadPid(node);
    const bool running = Alive(pid);
    const auto status = running ? Status(node) : std::nullopt;
    json::object item{{"name", node.name},
                      {"role", node.role},
                      {"pid", running ? pid : 0},
                      {"api", node.api},
                      {"running", running}};
    item["height"] = status ? status->at("height") : json::value(nullptr);
    item["state_root"] = status ? status->at("state_root") : json::value(nullptr);
    if (!as_json) {
      std::cout << node.name << " " << node.role << " " << (running ? "running" : "stopped")
                << " pid=" << (running ? pid : 0) << " api=" << node.api
                << " height=" << json::serialize(item["height"]) << "\n";
    }
    items.push_back(std::move(item));
  }
  if (as_json) std::cout << json::serialize(json::object{{"nodes", std::move(items)}}) << "\n";
  return 0;
}

}  // namespace

base::Result<std::vector<LocalnetNode>> ReadLocalnet(const std::string& directory) {
  auto text = ReadFile(directory + "/network.json");
  if (!text) return base::Error(base::Status::NotFound("no localnet in " + directory));
  auto value = core::ParseJsonText(*text);
  if (!value) return base::Error(value.error());
  std::vector<LocalnetNode> nodes;
  try {
    for (const auto& item : value->at("nodes").as_array()) {
      const std::string name(item.at("name").as_string());
      nodes.push_back({name, std::string(item.at("role").as_string()),
                       std::string(item.at("api").as_string()), directory + "/nodes/" + name});
    }
  } catch (const std::exception& error) {
    return base::Error(base::Status::Corruption(directory + "/network.json: " + error.what()));
  }
  return nodes;
}

base::Result<crypto::SecretKey> LocalnetAccountKey(const std::string& directory,
                                                   const std::string& account) {
  // Opening the sealed seed runs Argon2id: once per directory, whichever thread asks first.
  static std::mutex mutex;
  static std::string cached_directory;
  static std::string cached_seed;
  std::lock_guard lock(mutex);
  if (cached_directory != directory) {
    auto password = ReadFile(directory + "/password");
    auto sealed = ReadFile(directory + "/accounts.key");
    if (!password || !sealed) {
      return base::Error(base::Status::NotFound(directory + " holds no localnet keys"));
    }
    while (!password->empty() && password->back() == '\n') password->pop_back();
    auto opened = crypto::OpenKeyFile(*sealed, *password);
    if (!opened) return base::Error(opened.error());
    cached_seed = base::ToHex(opened->secret.seed());
    cached_directory = directory;
  }
  return crypto::DeriveTestKey(cached_seed + "/" + account);
}

int LocalnetCommand(const Words& words) {
  auto args =
      Args::Parse(words, {"json", "kill"},
                  {"dir", "validators", "observers", "base-port", "accounts", "snapshot-interval"});
  if (!args || args->positional().empty() || !args->Option("dir")) {
    return Complain("usage: nuri localnet up|status|stop-node NAME|start-node NAME|down --dir DIR",
                    2);
  }
  const std::string directory = *args->Option("dir");
  const std::string& verb = args->positional()[0];
  if (verb == "up") return Up(*args, directory);
  auto nodes = ReadLocalnet(directory);
  if (!nodes) return Complain(nodes.error().ToString());
  if (verb == "status") return ShowStatus(*nodes, args->Flag("json"));
  if (verb == "down") {
    for (const auto& node : *nodes) {
      if (auto status = StopNode(node, false); !status.ok()) return Complain(status.ToString());
    }
    return 0;
  }
  if ((verb == "stop-node" || verb == "start-node") && args->positional().size() == 2) {
    for (const auto& node : *nodes) {
      if (node.name != args->positional()[1]) continue;
      const base::Status status =
          verb == "stop-node" ? StopNode(node, args->Flag("kill")) : StartNode(node);
      return status.ok() ? 0 : Complain(status.ToString());
    }
    return Complain("no node named " + args->positional()[1], 2);
  }
  return Complain("unknown localnet command '" + verb + "'", 2);
}

}  // namespace nuri::cli
