// keys, genesis, tx, query and node check.
#include "cli/commands.h"

#include <filesystem>
#include <iostream>
#include <random>
#include <set>

#include "api/http_client.h"
#include "cli/args.h"
#include "cli/localnet.h"
#include "cli/network_files.h"
#include "cli/submit.h"
#include "core/json.h"
#include "crypto/key_file.h"
#include "ledger/chain_check.h"
#include "ledger/ledger.h"
#include "storage/kv_store.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

std::string PasswordFrom(const std::string& path, bool& ok) {
  auto text = ReadFile(path);
  ok = text.has_value();
  std::string password = text.value_or("");
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

int PrintJson(const json::value& value) {
  std::cout << json::serialize(value) << "\n";
  return 0;
}

}  // namespace

int KeysCommand(const Words& words) {
  auto args = Args::Parse(words, {"test"}, {"label", "out", "password-file", "dir"});
  if (!args || args->positional().empty()) {
    return Complain("usage: nuri keys generate|show|list ...", 2);
  }
  const std::string& verb = args->positional()[0];
  if (verb == "generate") {
    const auto label = args->Option("label");
    const auto out = args->Option("out");
    const auto password_file = args->Option("password-file");
    if (!label || !out || !password_file) {
      return Complain("usage: nuri keys generate --label ACCOUNT --out FILE --password-file F", 2);
    }
    if (std::filesystem::exists(*out)) return Complain(*out + " exists; not overwriting a key");
    bool read = false;
    const std::string password = PasswordFrom(*password_file, read);
    if (!read || password.size() < 8) {
      return Complain("the password file must hold a password of at least 8 characters", 2);
    }
    crypto::KeyFileContents contents{*label, crypto::SecretKey::Generate(), false};
    auto sealed = crypto::SealKeyFile(contents, password, crypto::KeyStrength::kModerate);
    if (!sealed) return Complain(sealed.error().ToString());
    if (auto status = WriteFileAtomically(*out, *sealed, 0600); !status.ok()) {
      return Complain(status.ToString());
    }
    return PrintJson(json::object{
        {"label", *label}, {"public_key", contents.secret.public_key().ToText()}, {"file", *out}});
  }
  if (verb == "show" || verb == "list") {
    std::vector<std::string> files;
    if (verb == "show") {
      files.assign(args->positional().begin() + 1, args->positional().end());
    } else {
      const std::string dir = args->OptionOr("dir", ".");
      std::error_code error;
      for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        if (entry.path().extension() == ".key") files.push_back(entry.path().string());
      }
      if (error) return Complain("cannot list " + dir + ": " + error.message());
      std::sort(files.begin(), files.end());
    }
    if (files.empty() && verb == "show") return Complain("usage: nuri keys show FILE", 2);
    for (const auto& file : files) {
      auto text = ReadFile(file);
      if (!text) return Complain(text.error().ToString());
      auto key = crypto::PeekKeyFilePublicKey(*text);
      if (!key) return Complain(file + ": " + key.error().message());
      auto value = core::ParseJsonText(*text);
      const json::value* label = value ? value->get_object().if_contains("label") : nullptr;
      const json::value* test = value ? value->get_object().if_contains("test_key") : nullptr;
      PrintJson(json::object{{"file", file},
                             {"label", label ? *label : json::value("")},
                             {"public_key", key->ToText()},
                             {"test_key", test ? *test : json::value(false)}});
    }
    return 0;
  }
  return Complain("unknown keys command '" + verb + "'", 2);
}

namespace {

// The nodes file of `nuri genesis --nodes`: {"nodes": [{"name","org","role","api","p2p"}]}.
base::Result<std::vector<NodePlan>> ReadNodePlans(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return base::Error(text.error());
  auto value = core::ParseJsonText(*text);
  if (!value)
    return base::Error(base::Status::InvalidArgument(path + ": " + value.error().message()));
  const json::object* root = value->if_object();
  const json::value* list = root ? root->if_contains("nodes") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return base::Error(base::Status::InvalidArgument(path + ": expected {\"nodes\": [...]}"));
  }
  std::vector<NodePlan> plans;
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    const std::string at = path + ": nodes[" + std::to_string(i) + "]";
    const json::object* item = list->get_array()[i].if_object();
    if (item == nullptr)
      return base::Error(base::Status::InvalidArgument(at + ": expected an object"));
    NodePlan plan;
    for (const auto& [key, field] : *item) {
      std::string* target = key == "name"   ? &plan.name
                            : key == "org"  ? &plan.org
                            : key == "role" ? &plan.role
                            : key == "api"  ? &plan.api
                            : key == "p2p"  ? &plan.p2p
                                            : nullptr;
      if (target == nullptr) {
        return base::Error(
            base::Status::InvalidArgument(at + "." + std::string(key) + ": unknown field"));
      }
      if (!field.is_string()) {
        return base::Error(
            base::Status::InvalidArgument(at + "." + std::string(key) + ": expected a string"));
      }
      *target = std::string(field.get_string());
    }
    plans.push_back(std::move(plan));
  }
  if (auto status = CheckNodePlans(plans); !status.ok()) {
    return base::Error(base::Status::InvalidArgument(path + ": " + status.message()));
  }
  return plans;
}

// With --nodes: every node's organization is one the description registers, and the
// validators are the ones made here.
base::Status CheckDescriptionForNodes(const json::value& description,
                                      const std::vector<NodePlan>& plans) {
  const json::object& object = description.as_object();
  if (object.contains("validators")) {
    return base::Status::InvalidArgument(
        "validators: leave them out with --nodes; the nodes file's validators become them");
  }
  std::set<std::string> orgs;
  if (const json::value* list = object.if_contains("orgs"); list && list->is_array()) {
    for (const auto& org : list->get_array()) {
      if (const json::value* id = org.is_object() ? org.get_object().if_contains("id") : nullptr;
          id && id->is_string()) {
        orgs.insert(std::string(id->get_string()));
      }
    }
  }
  for (const NodePlan& plan : plans) {
    if (!orgs.contains(plan.org)) {
      return base::Status::InvalidArgument("node " + plan.name + ": organization " + plan.org +
                                           " is not in the description's orgs");
    }
  }
  return base::Status::Ok();
}

}  // namespace

int GenesisCommand(const Words& words) {
  auto args = Args::Parse(words, {"test-keys"}, {"in", "out", "nodes", "dir", "password-file"});
  const char* usage =
      "usage: nuri genesis --in DESCRIPTION.json [--test-keys] (--out genesis.json | "
      "--nodes NODES.json --dir DIR --password-file F)";
  const bool with_nodes = args && args->Option("nodes") && args->Option("dir") &&
                          args->Option("password-file") && !args->Option("out");
  if (!args || !args->Option("in") || (!args->Option("out") && !with_nodes)) {
    return Complain(usage, 2);
  }
  const std::string in = *args->Option("in");
  auto text = ReadFile(in);
  if (!text) return Complain(text.error().ToString());
  auto value = core::ParseJsonText(*text);
  if (!value || !value->is_object()) {
    return Complain(
        in + ": " + (value ? std::string("expected an object") : value.error().message()), 2);
  }
  const ledger::GenesisOptions options{.derive_missing_keys = args->Flag("test-keys")};
  std::string out = args->OptionOr("out", "");
  std::vector<NodeMade> made;
  if (with_nodes) {
    auto plans = ReadNodePlans(*args->Option("nodes"));
    if (!plans) return Complain(plans.error().message(), 2);
    if (auto status = CheckDescriptionForNodes(*value, *plans); !status.ok()) {
      return Complain(in + ": " + status.message(), 2);
    }
    // Everything but the validators must hold before any key is made.
    auto checked = ledger::ParseGenesis(*value, "", options);
    if (!checked) return Complain(in + ": " + checked.error().ToString(), 2);
    ledger::State trial;
    if (auto header = ledger::BuildGenesisState(*checked, trial); !header) {
      return Complain(in + ": " + header.error().message(), 2);
    }
    bool read = false;
    const std::string password = PasswordFrom(*args->Option("password-file"), read);
    if (!read || password.size() < 8) {
      return Complain("the password file must hold a password of at least 8 characters", 2);
    }
    const std::string directory = *args->Option("dir");
    auto written = WriteNetworkFiles(directory, *plans, password);
    if (!written) return Complain(written.error().ToString());
    made = std::move(*written);
    json::array validators;
    for (const NodeMade& node : made) {
      if (node.plan.role != "validator") continue;
      validators.push_back(
          json::object{{"name", node.plan.name}, {"key", node.consensus_key.ToText()}});
    }
    value->as_object()["validators"] = std::move(validators);
    out = directory + "/genesis.json";
  }
  auto genesis = ledger::ParseGenesis(*value, "", options);
  if (!genesis) return Complain(in + ": " + genesis.error().ToString(), 2);
  if (genesis->validators.validators.empty()) {
    return Complain(in + ": validators: at least one is needed", 2);
  }
  ledger::State state;
  auto header = ledger::BuildGenesisState(*genesis, state);
  if (!header) return Complain(header.error().message(), 2);
  if (auto status = WriteFileAtomically(out, genesis->text + "\n"); !status.ok()) {
    return Complain(status.ToString());
  }
  json::object summary{{"chain_id", genesis->chain_id},
                       {"genesis_hash", core::HeaderHash(*header).ToHex()},
                       {"state_root", header->state_root.ToHex()}};
  if (with_nodes) {
    json::array nodes;
    for (const NodeMade& node : made) {
      nodes.push_back(json::object{{"name", node.plan.name},
                                   {"role", node.plan.role},
                                   {"org", node.plan.org},
                                   {"consensus_key", node.consensus_key.ToText()},
                                   {"tls_key_fingerprint", node.tls_key_fingerprint}});
    }
    summary["genesis"] = out;
    summary["nodes"] = std::move(nodes);
  }
  return PrintJson(summary);
}

namespace {

// The signer and its key: from a key file, or, in a localnet, an account's demo key.
struct TxSigner {
  core::AccountId account;
  crypto::SecretKey key;
  std::string url;
};

base::Result<TxSigner> TxSignerFrom(const Args& args) {
  if (args.Option("network") && args.Option("as")) {
    const std::string directory = *args.Option("network");
    auto account = core::AccountId::Parse(*args.Option("as"));
    if (!account)
      return base::Error(base::Status::InvalidArgument("--as: " + account.error().message()));
    auto key = LocalnetAccountKey(directory, account->str());
    if (!key) return base::Error(key.error());
    auto nodes = ReadLocalnet(directory);
    if (!nodes) return base::Error(nodes.error());
    if (nodes->empty()) return base::Error(base::Status::NotFound(directory + " has no nodes"));
    return TxSigner{*account, *key, args.OptionOr("url", nodes->front().api)};
  }
  auto key_text = ReadFile(*args.Option("key"));
  bool read = false;
  const std::string password = PasswordFrom(*args.Option("password-file"), read);
  if (!key_text || !read) {
    return base::Error(
        base::Status::InvalidArgument("cannot read the key file or the password file"));
  }
  auto key = crypto::OpenKeyFile(*key_text, password);
  if (!key) return base::Error(key.error());
  auto signer = core::AccountId::Parse(key->label);
  if (!signer) {
    return base::Error(
        base::Status::InvalidArgument("the key file's label is not an account: " + key->label));
  }
  return TxSigner{*signer, key->secret, *args.Option("url")};
}

}  // namespace

int TxCommand(const Words& words) {
  auto args =
      Args::Parse(words, {"no-wait"},
                  {"url", "key", "password-file", "network", "as", "body", "nonce", "valid-for"});
  const bool with_key_file =
      args && args->Option("url") && args->Option("key") && args->Option("password-file");
  const bool in_localnet = args && args->Option("network") && args->Option("as");
  if (!args || !args->Option("body") || with_key_file == in_localnet) {
    return Complain(
        "usage: nuri tx (--url URL --key FILE --password-file F | --network DIR --as ACCOUNT "
        "[--url URL]) --body JSON [--nonce N] [--valid-for SECONDS] [--no-wait]",
        2);
  }
  auto signer_and_key = TxSignerFrom(*args);
  if (!signer_and_key) return Complain(signer_and_key.error().ToString());
  const core::AccountId* signer = &signer_and_key->account;
  auto body_json = core::ParseJsonText(*args->Option("body"));
  if (!body_json) return Complain("--body: " + body_json.error().message(), 2);
  auto body = core::BodyFromJson(*body_json, "body");
  if (!body) return Complain(body.error().ToString(), 2);

  const auto valid_for = args->IntegerOr("valid-for", 600);
  const auto nonce = args->IntegerOr("nonce", -1);
  if (!valid_for || !nonce || *valid_for <= 0 || *valid_for > 86400 || *nonce < -1) {
    return Complain("--valid-for is 1 to 86400 seconds; --nonce a non-negative integer", 2);
  }
  auto client = api::HttpClient::FromUrl(signer_and_key->url);
  if (!client) return Complain(client.error().ToString());
  SubmitOptions options{.valid_for_seconds = *valid_for, .wait = !args->Flag("no-wait")};
  if (*nonce >= 0) options.nonce = static_cast<std::uint64_t>(*nonce);
  auto submitted = SignAndSubmit(*client, *signer, signer_and_key->key, *std::move(body), options);
  if (!submitted) return Complain(submitted.error().ToString());
  if (!submitted->response) return Complain(submitted->response.error().ToString());
  const api::HttpResponse* response = &*submitted->response;
  std::cout << response->body << "\n";
  // A receipt that says rejected is an answer, but not the one the caller asked for.
  return response->status < 300 &&
                 response->body.find("\"status\":\"rejected\"") == std::string::npos
             ? 0
             : 1;
}

base::Result<std::string> NodeUrl(const Args& args) {
  if (auto url = args.Option("url")) return *url;
  auto network = args.Option("network");
  if (!network) {
    return base::Error(base::Status::InvalidArgument("name a node: --url URL or --network DIR"));
  }
  auto nodes = ReadLocalnet(*network);
  if (!nodes) return base::Error(nodes.error());
  const auto name = args.Option("node");
  for (const auto& node : *nodes) {
    if (!name || node.name == *name) return node.api;
  }
  return base::Error(base::Status::NotFound(*network + " has " +
                                            (name ? "no node " + *name : std::string("no nodes"))));
}

int QueryCommand(const Words& words) {
  auto args = Args::Parse(words, {}, {"url"});
  if (!args || !args->Option("url") || args->positional().empty()) {
    return Complain(
        "usage: nuri query --url URL status|account ID|token ID|program ID|block H|tx ID", 2);
  }
  const auto& what = args->positional();
  std::string target;
  if (what[0] == "status") {
    target = "/v1/status";
  } else if (what.size() == 2 && (what[0] == "account" || what[0] == "token" ||
                                  what[0] == "program" || what[0] == "block" || what[0] == "tx")) {
    const std::string resource = what[0] == "tx" ? "transactions" : what[0] + "s";
    target = "/v1/" + resource + "/" + what[1];
  } else {
    return Complain("unknown query", 2);
  }
  auto client = api::HttpClient::FromUrl(*args->Option("url"));
  if (!client) return Complain(client.error().ToString());
  auto response = client->Request("GET", target);
  if (!response) return Complain(response.error().ToString());
  std::cout << response->body << "\n";
  return response->status == 200 ? 0 : 1;
}

int NodeCommand(const Words& words) {
  auto args = Args::Parse(words, {}, {"data"});
  if (!args || args->positional().size() != 1 || args->positional()[0] != "check" ||
      !args->Option("data")) {
    return Complain("usage: nuri node check --data DIR", 2);
  }
  std::string directory = *args->Option("data");
  if (std::filesystem::exists(directory + "/db")) directory += "/db";
  if (!std::filesystem::exists(directory + "/CURRENT")) {
    return Complain(directory + " holds no node database", 2);
  }
  auto store = storage::OpenRocksDbReadOnly(directory);
  if (!store) return Complain(store.error().ToString());
  auto summary = ledger::CheckChain(**store);
  if (!summary) return Complain("chain check failed: " + summary.error().message());
  return PrintJson(json::object{{"ok", true},
                                {"height", summary->height},
                                {"base_height", summary->base_height},
                                {"transactions", summary->transactions},
                                {"state_entries", summary->state_entries}});
}

}  // namespace nuri::cli
