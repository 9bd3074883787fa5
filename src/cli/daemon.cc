// nurid: loads a node's configuration, opens its store and keys, serves the API and produces
// blocks until SIGTERM or SIGINT, then stops cleanly (the last block is already durable).
//
// Configuration (JSON, docs/operations.md):
//   {"name": "v1", "data_dir": "...", "genesis": "genesis.json",
//    "validator_key": "validator.key", "key_password_file": "password",
//    "api_address": "127.0.0.1", "api_port": 7101, "verifier_threads": 2}
// Relative paths are relative to the configuration file.
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "api/http_server.h"
#include "api/node_api.h"
#include "base/log.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/main.h"
#include "core/json.h"
#include "crypto/key_file.h"
#include "node/node.h"
#include "node/system_clock.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

struct DaemonConfig {
  std::string name;
  std::string data_dir;
  std::string genesis_path;
  std::string validator_key_path;
  std::string password_path;
  std::string api_address = "127.0.0.1";
  std::uint16_t api_port = 0;
  int verifier_threads = 2;
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
        {&config.genesis_path, "genesis", true}, {&config.validator_key_path, "validator_key", true},
        {&config.password_path, "key_password_file", true}}) {
    auto field = string_field(name, relative);
    if (!field) return base::Error(field.error());
    *target = *field;
  }
  if (auto address = string_field("api_address", false)) config.api_address = *address;
  if (const json::value* port = object.if_contains("api_port")) {
    if (!port->is_int64() || port->get_int64() < 0 || port->get_int64() > 65535) {
      return base::Error(base::Status::InvalidArgument(path + ": api_port must be 0-65535"));
    }
    config.api_port = static_cast<std::uint16_t>(port->get_int64());
  }
  if (const json::value* threads = object.if_contains("verifier_threads")) {
    if (!threads->is_int64() || threads->get_int64() < 1 || threads->get_int64() > 64) {
      return base::Error(base::Status::InvalidArgument(path + ": verifier_threads must be 1-64"));
    }
    config.verifier_threads = static_cast<int>(threads->get_int64());
  }
  return config;
}

std::string TrimLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

int Fail(const std::string& message) {
  base::LogError("nurid", message);
  return 1;
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
  auto password = ReadFile(config->password_path);
  auto key_text = ReadFile(config->validator_key_path);
  if (!password || !key_text) return Fail("cannot read the validator key or its password file");
  auto key = crypto::OpenKeyFile(*key_text, TrimLine(*password));
  if (!key) return Fail("validator key: " + key.error().ToString());

  // Signals are taken by a waiting thread rather than a handler, so shutdown runs normal code.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::filesystem::create_directories(config->data_dir);
  auto store = storage::OpenRocksDb(config->data_dir + "/db");
  if (!store) return Fail(store.error().ToString());
  node::SystemClock clock;
  auto node = node::Node::Open(std::shared_ptr<storage::KvStore>(std::move(*store)), *genesis,
                               ledger::ValidatorSigner{config->name, key->secret}, clock,
                               node::NodeOptions{.verifier_threads = config->verifier_threads});
  if (!node) return Fail(node.error().ToString());
  api::NodeApi node_api(**node, clock);
  api::HttpServer server(
      api::HttpServerOptions{.address = config->api_address, .port = config->api_port},
      [&node_api](api::HttpRequest request, api::Responder respond) {
        node_api.Handle(std::move(request), std::move(respond));
      });
  if (auto status = server.Start(); !status.ok()) return Fail(status.ToString());
  (*node)->StartProducing();
  const std::uint64_t height = (*node)->Read([](const ledger::Ledger& l) { return l.head().height; });
  base::LogInfo("nurid", "node " + config->name + " serving http://" + config->api_address + ":" +
                             std::to_string(server.port()) + " at height " +
                             std::to_string(height));
  int received = 0;
  sigwait(&signals, &received);
  base::LogInfo("nurid", "stopping on signal " + std::to_string(received));
  server.Stop();
  (*node)->Stop();
  return 0;
}

}  // namespace nuri::cli
