// `nuri wallet enroll`: what an organization's admin does to give an official a custodial wallet
// on a node of a localnet.
//
// The wallet gets a new signing key, a TOTP secret and the password's hash (wallet/credential.h),
// saved in the node's wallet directory; then the organization's admin (admin@ORG, or the
// localnet's governor where the organization has none) sets the new key as the account's only
// key with set_keys, so that from then on only the wallet signs for the account. If set_keys
// does not commit, the wallet the node had before is put back; while its outcome is unknown,
// the command waits for it, up to the transaction's validity.
//
// `nuri wallet hsm-key`: makes the AES-256 key a node seals its wallets with when its
// configuration says "wallet_pkcs11" (wallet_sealer_config.h), on the HSM's token.
#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>

#include "api/http_client.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/localnet.h"
#include "cli/submit.h"
#include "cli/wallet_sealer_config.h"
#include "core/json.h"
#include "wallet/credential.h"
#include "wallet/sealer.h"
#include "wallet/totp.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view kUsage =
    "usage: nuri wallet enroll --network DIR --account ID --password-file F [--node NAME] "
    "[--json]\n"
    "       nuri wallet hsm-key --module /path/to/pkcs11.so --token LABEL --key LABEL "
    "--pin-file F";
constexpr std::string_view kLocalnetGovernor = "governor@bok";

// What enrolment needs of a localnet node, from its configuration.
struct NodeWallets {
  std::unique_ptr<wallet::Sealer> sealer;  // as the node seals (wallet_sealer_config.h)
  std::string directory;                   // data_dir/wallets
};

base::Result<NodeWallets> NodeWalletsOf(const LocalnetNode& node) {
  const std::string config_path = node.directory + "/config.json";
  auto config_text = ReadFile(config_path);
  if (!config_text) return base::Error(config_text.error());
  auto config = core::ParseJsonText(*config_text);
  if (!config || !config->is_object() || !config->as_object().contains("key_password_file") ||
      !config->at("key_password_file").is_string() || !config->as_object().contains("data_dir") ||
      !config->at("data_dir").is_string()) {
    return base::Error(base::Status::InvalidArgument(config_path + ": not a node's configuration"));
  }
  const std::filesystem::path directory(node.directory);
  auto sealing = WalletSealerConfigFrom(config->as_object(), directory, config_path);
  if (!sealing) return base::Error(sealing.error());
  if (!sealing->keeps_wallets()) {
    return base::Error(base::Status::InvalidArgument(
        "node " + node.name +
        " keeps no wallets: its configuration has neither wallet_key nor wallet_pkcs11"));
  }
  auto password = base::ReadPasswordFile(
      (directory / std::string(config->at("key_password_file").as_string())).string());
  if (!password) {
    return base::Error(
        base::Status::NotFound("cannot read node " + node.name + "'s password file"));
  }
  auto sealer = OpenWalletSealer(*sealing, *password);
  if (!sealer) return base::Error(sealer.error());
  return NodeWallets{*std::move(sealer),
                     (directory / std::string(config->at("data_dir").as_string()) / "wallets")
                         .lexically_normal()
                         .string()};
}

// The account that administers `account`'s organization.
base::Result<core::AccountId> AdministratorOf(api::HttpClient& client,
                                              const core::AccountId& account) {
  const std::string admin = "admin@" + std::string(account.org());
  auto found = client.Request("GET", "/v1/accounts/" + admin);
  if (!found) return base::Error(found.error());
  return core::AccountId::Parse(found->status == 200 ? admin : std::string(kLocalnetGovernor));
}

int Enroll(const Args& args) {
  const auto directory = args.Option("network");
  const auto account_text = args.Option("account");
  const auto password_file = args.Option("password-file");
  if (!directory || !account_text || !password_file) return Complain(std::string(kUsage), 2);
  auto account = core::AccountId::Parse(*account_text);
  if (!account) return Complain("--account: " + account.error().message(), 2);
  auto password = base::ReadPasswordFile(*password_file);
  if (!password) return Complain("cannot read the password file " + *password_file, 2);
  auto nodes = ReadLocalnet(*directory);
  if (!nodes) return Complain(nodes.error().ToString());
  const std::string node_name = args.OptionOr("node", nodes->empty() ? "" : nodes->front().name);
  const auto node = std::find_if(nodes->begin(), nodes->end(),
                                 [&](const LocalnetNode& n) { return n.name == node_name; });
  if (node == nodes->end()) return Complain("the localnet has no node " + node_name, 2);
  auto node_wallets = NodeWalletsOf(*node);
  if (!node_wallets) return Complain(node_wallets.error().ToString());
  auto client = api::HttpClient::FromUrl(node->api);
  if (!client) return Complain(client.error().ToString());
  auto known = client->Request("GET", "/v1/accounts/" + account->str());
  if (!known) return Complain(known.error().ToString());
  if (known->status != 200) return Complain("the ledger has no account " + account->str(), 2);
  auto admin = AdministratorOf(*client, *account);
  if (!admin) return Complain(admin.error().ToString());
  auto admin_key = LocalnetAccountKey(*directory, admin->str());
  if (!admin_key) return Complain(admin_key.error().ToString());

  auto enrolment = wallet::Enrol(*account, *password, *node_wallets->sealer,
                                 static_cast<core::TimeMillis>(std::time(nullptr)) * 1000);
  if (!enrolment) {
    return Complain(enrolment.error().ToString(),
                    enrolment.error().code() == base::StatusCode::kInvalidArgument ? 2 : 1);
  }
  const wallet::WalletDirectory wallets(node_wallets->directory);
  auto previous = wallets.Load(*account);
  if (base::Status saved = wallets.Save(enrolment->credential); !saved.ok()) {
    return Complain(saved.ToString());
  }
  auto submitted = SignAndSubmit(*client, *admin, *admin_key,
                                 core::SetKeys{*account, {enrolment->credential.public_key}, 1},
                                 SubmitOptions{});
  const Outcome outcome =
      submitted ? AwaitOutcome(*client, *submitted) : Outcome::kNotCommitted;
  if (outcome == Outcome::kUnknown) {
    // set_keys may yet have committed: the new wallet stays, or the account could be left with
    // a key nobody holds.
    return Complain("the node did not say whether set_keys for " + account->str() +
                    " committed; the new wallet is kept: compare the account's keys with " +
                    enrolment->credential.public_key.ToText() + ", and enrol again if they differ");
  }
  if (outcome == Outcome::kNotCommitted) {
    // The ledger kept the account's keys: so does the node keep the wallet it had.
    const base::Status restored = previous ? wallets.Save(*previous) : wallets.Remove(*account);
    std::string reason = !submitted                ? submitted.error().ToString()
                         : submitted->response     ? submitted->response->body
                                                   : submitted->response.error().ToString();
    if (!restored.ok()) reason += "; and " + restored.ToString();
    return Complain("set_keys for " + account->str() + " by " + admin->str() +
                    " did not commit: " + reason);
  }
  const json::object out{
      {"account", account->str()},
      {"totp_secret", wallet::Base32(enrolment->totp_secret)},
      {"otpauth_uri", wallet::OtpauthUri(account->str(), enrolment->totp_secret)}};
  if (args.Flag("json")) {
    std::cout << json::serialize(out) << "\n";
  } else {
    std::cout << "wallet of " << account->str() << " on node " << node->name << "\n"
              << "TOTP secret (for the official's authenticator app): "
              << out.at("totp_secret").as_string() << "\n"
              << out.at("otpauth_uri").as_string() << "\n";
  }
  return 0;
}

// What an operator runs once, before a node seals its wallets in an HSM: the sealing key,
// made on the token and never leaving it.
int MakeHsmKey(const Args& args) {
  const auto module = args.Option("module");
  const auto token = args.Option("token");
  const auto key = args.Option("key");
  const auto pin_file = args.Option("pin-file");
  if (!module || !token || !key || !pin_file) return Complain(std::string(kUsage), 2);
  auto pin = ReadPinFile(*pin_file);
  if (!pin) return Complain(pin.error().ToString(), 2);
  const base::Status made = wallet::Pkcs11Sealer::CreateKey({*module, *token, *key}, *pin);
  sodium_memzero(pin->data(), pin->size());
  if (!made.ok()) return Complain(made.ToString());
  std::cout << "made the wallet sealing key " << *key << " on token " << *token << "\n";
  return 0;
}

}  // namespace

int WalletCommand(const Words& words) {
  const Words rest(words.begin() + std::min<std::size_t>(1, words.size()), words.end());
  if (!words.empty() && words[0] == "enroll") {
    auto args = Args::Parse(rest, {"json"}, {"network", "account", "password-file", "node"});
    if (!args) return Complain(std::string(kUsage), 2);
    return Enroll(*args);
  }
  if (!words.empty() && words[0] == "hsm-key") {
    auto args = Args::Parse(rest, {}, {"module", "token", "key", "pin-file"});
    if (!args) return Complain(std::string(kUsage), 2);
    return MakeHsmKey(*args);
  }
  return Complain(std::string(kUsage), 2);
}

}  // namespace nuri::cli
