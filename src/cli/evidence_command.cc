// `nuri evidence export` and `nuri verify`: the evidence of a committed transaction or of a
// balance, fetched from a node and checked offline by anyone who holds the chain's genesis
// (docs/audit.md, "Evidence").
#include <iostream>

#include "api/http_client.h"
#include "audit/evidence_json.h"
#include "base/hex.h"
#include "cli/commands.h"
#include "core/json.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view kExportUsage =
    "usage: nuri evidence export (--network DIR [--node NAME] | --url URL) "
    "(--tx ID | --account ID --token TOKEN)";
constexpr std::string_view kVerifyUsage = "usage: nuri verify FILE --genesis FILE [--json]";

// What a verified file proves, in a sentence an auditor can quote.
std::string Summary(const audit::ProvenTransaction& proven, std::size_t set_changes) {
  std::string signers;
  for (const auto& signature : proven.certificate.signatures) {
    signers += (signers.empty() ? "" : ", ") + signature.validator;
  }
  std::string outcome = std::string(core::ReceiptStatusName(proven.receipt.status));
  if (proven.receipt.status == core::ReceiptStatus::kRejected) {
    outcome += " (" + std::string(core::ReasonName(proven.receipt.code)) + ": " +
               proven.receipt.message + ")";
  }
  return "verified: transaction " + proven.transaction.id.ToHex() + " of " +
         proven.transaction.tx.signer.str() + ", committed " + outcome + " at height " +
         std::to_string(proven.header.height) + " (" + core::FormatKoreaTime(proven.header.time) +
         "), position " + std::to_string(proven.index) + " of its block " +
         core::HeaderHash(proven.header).ToHex() + ", certified by " + signers +
         "; validator sets followed from the genesis through " + std::to_string(set_changes) +
         " proven change" + (set_changes == 1 ? "" : "s");
}

template <typename Refuse>
int VerifyBalanceFile(const json::value& file, const ledger::Genesis& genesis, bool as_json,
                      const Refuse& refuse) {
  auto proven = audit::VerifyBalanceEvidenceJson(file, genesis.chain_id, genesis.validators);
  if (!proven) return refuse(proven.error().message());
  if (as_json) {
    std::cout << json::serialize(
                     json::object{{"ok", true},
                                  {"account", proven->account},
                                  {"token", proven->token},
                                  {"balance_won", proven->won},
                                  {"height", proven->header.height},
                                  {"block_hash", core::HeaderHash(proven->header).ToHex()}})
              << "\n";
  } else {
    std::cout << "verified: " << proven->account << " held "
              << core::Amount::Won(proven->won).ToGrouped() << " won of " << proven->token
              << " at height " << proven->header.height << " ("
              << core::FormatKoreaTime(proven->header.time) << "), block "
              << core::HeaderHash(proven->header).ToHex() << "\n";
  }
  return 0;
}

}  // namespace

int EvidenceCommand(const Words& words) {
  auto args = Args::Parse(words, {}, {"network", "node", "url", "tx", "account", "token"});
  if (!args || args->positional() != Words{"export"}) {
    return Complain(std::string(kExportUsage), 2);
  }
  std::string target;
  if (auto id = args->Option("tx"); id && !args->Option("account")) {
    if (!crypto::Hash::FromHex(*id)) return Complain("--tx: a transaction id is 64 hex digits", 2);
    target = "/v1/evidence/transactions/" + *id;
  } else if (auto account = args->Option("account"); account && args->Option("token")) {
    // Checked ids need no escaping in a path: letters, digits, '.', '_', '-' and one '@'.
    if (!core::AccountId::Parse(*account)) return Complain("--account: expected name@org", 2);
    if (!core::TokenId::Parse(*args->Option("token"))) return Complain("--token: not a token", 2);
    target = "/v1/evidence/balances/" + *account + "/" + *args->Option("token");
  } else {
    return Complain(std::string(kExportUsage), 2);
  }
  const auto url = NodeUrl(*args);
  if (!url) return Complain(url.error().message(), 2);
  auto client = api::HttpClient::FromUrl(*url);
  if (!client) return Complain(client.error().ToString());
  auto response = client->Request("GET", target);
  if (!response) return Complain(response.error().ToString());
  auto body = core::ParseJsonText(response->body);
  if (response->status != 200) {
    const json::object* error = body ? body->if_object() : nullptr;
    const json::value* message = error ? error->if_contains("message") : nullptr;
    return Complain(message != nullptr && message->is_string()
                        ? std::string(message->get_string())
                        : *url + " answered " + std::to_string(response->status));
  }
  if (!body || !body->is_object()) return Complain(*url + " answered with no JSON");
  std::cout << core::SerializeIndented(*body);
  return 0;
}

int VerifyCommand(const Words& words) {
  auto args = Args::Parse(words, {"json"}, {"genesis"});
  if (!args || args->positional().size() != 1 || !args->Option("genesis")) {
    return Complain(std::string(kVerifyUsage), 2);
  }
  const std::string& path = args->positional().front();
  auto genesis = LoadGenesisFile(*args->Option("genesis"));
  if (!genesis) return Complain(genesis.error().ToString(), 2);
  auto text = ReadFile(path);
  if (!text) return Complain(text.error().ToString(), 2);
  const auto refuse = [&](const std::string& why) {
    if (args->Flag("json")) {
      std::cout << json::serialize(json::object{{"ok", false}, {"error", why}}) << "\n";
    }
    return Complain(path + " does not verify: " + why);
  };
  auto file = core::ParseJsonText(*text);
  if (!file) return refuse(file.error().message());
  const json::value* format =
      file->is_object() ? file->get_object().if_contains("format") : nullptr;
  if (format != nullptr && format->is_string() &&
      format->get_string() == audit::kBalanceEvidenceFormat) {
    return VerifyBalanceFile(*file, *genesis, args->Flag("json"), refuse);
  }
  auto proven = audit::VerifyEvidenceJson(*file, genesis->chain_id, genesis->validators);
  if (!proven) return refuse(proven.error().message());
  const std::size_t set_changes = file->get_object().at("validator_set_changes").get_array().size();
  if (args->Flag("json")) {
    std::cout << json::serialize(
                     json::object{{"ok", true},
                                  {"transaction_id", proven->transaction.id.ToHex()},
                                  {"height", proven->header.height},
                                  {"block_hash", core::HeaderHash(proven->header).ToHex()},
                                  {"index", proven->index},
                                  {"status", core::ReceiptStatusName(proven->receipt.status)},
                                  {"validator_set_changes", set_changes}})
              << "\n";
  } else {
    std::cout << Summary(*proven, set_changes) << "\n";
  }
  return 0;
}

}  // namespace nuri::cli
