#include "cli/submit.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>
#include <thread>

#include "core/json.h"
#include "core/time.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {
constexpr int kWaitMillis = 30'000;
}  // namespace

base::Result<Submitted> SignAndSubmit(api::HttpClient& client, const core::AccountId& signer,
                                      const crypto::SecretKey& key, core::Body body,
                                      const SubmitOptions& options) {
  auto status = client.Request("GET", "/v1/status");
  if (!status) return base::Error(status.error());
  auto status_json = core::ParseJsonText(status->body);
  const json::object* fields =
      status->status == 200 && status_json ? status_json->if_object() : nullptr;
  if (fields == nullptr || !fields->contains("chain_id") || !fields->at("chain_id").is_string() ||
      !fields->contains("time") || !fields->at("time").is_string()) {
    return base::Error(base::Status::Unavailable("the node does not answer /v1/status"));
  }
  auto head = core::ParseTime(fields->at("time").get_string());
  if (!head) return base::Error(base::Status::Corruption("the node's head time is malformed"));
  core::Transaction tx;
  tx.chain_id = std::string(fields->at("chain_id").get_string());
  tx.signer = signer;
  // A random nonce: any unused number is valid, and random ones never collide in practice.
  tx.nonce = options.nonce ? *options.nonce
                           : std::random_device{}() * 4294967296ull + std::random_device{}();
  tx.valid_until = std::max(*head, static_cast<core::TimeMillis>(std::time(nullptr)) * 1000) +
                   options.valid_for_seconds * 1000;
  tx.body = std::move(body);
  core::AddSignature(tx, tx.signer, key);
  const std::string target =
      options.wait ? "/v1/transactions?wait_ms=" + std::to_string(kWaitMillis) : "/v1/transactions";
  // The client waits longer than the node, so that the node's answer comes first.
  auto response = client.Request("POST", target, core::Encode(tx), "application/octet-stream",
                                 kWaitMillis + 10'000);
  return Submitted{core::TransactionId(tx), tx.valid_until, std::move(response)};
}

Outcome OutcomeOf(const base::Result<api::HttpResponse>& response) {
  if (!response) return Outcome::kUnknown;
  if (response->status >= 400 && response->status < 500) return Outcome::kNotCommitted;
  auto body = core::ParseJsonText(response->body);
  const json::object* fields = body ? body->if_object() : nullptr;
  const json::value* status = fields ? fields->if_contains("status") : nullptr;
  if (response->status != 200 || status == nullptr) return Outcome::kUnknown;
  if (*status == "ok") return Outcome::kCommittedOk;
  if (*status == "rejected" || *status == "refused") return Outcome::kNotCommitted;
  return Outcome::kUnknown;
}

Outcome AwaitOutcome(api::HttpClient& client, const Submitted& submitted) {
  Outcome outcome = OutcomeOf(submitted.response);
  const std::string target = "/v1/transactions/" + submitted.id.ToHex();
  const auto local_deadline = std::chrono::system_clock::now() +
                              std::chrono::milliseconds(submitted.valid_until -
                                                        std::time(nullptr) * 1000 + 60'000);
  while (outcome == Outcome::kUnknown && std::chrono::system_clock::now() < local_deadline) {
    // 404 (not known here) or pending say nothing final: the transaction may be in a peer's pool.
    auto status = client.Request("GET", target + "?wait_ms=10000", {}, "application/json",
                                 20'000);
    if (status && status->status == 200 && OutcomeOf(status) != Outcome::kUnknown) {
      return OutcomeOf(status);
    }
    auto node = client.Request("GET", "/v1/status");
    auto node_json = node && node->status == 200 ? core::ParseJsonText(node->body)
                                                 : base::Result<json::value>(base::Error(
                                                       base::Status::Unavailable("no answer")));
    const json::object* fields = node_json ? node_json->if_object() : nullptr;
    if (fields != nullptr && fields->contains("time") && fields->at("time").is_string()) {
      const auto head = core::ParseTime(fields->at("time").get_string());
      if (head && *head > submitted.valid_until) {
        // Past its time, it can no longer enter a block: one last look decides.
        auto last = client.Request("GET", target);
        return last && last->status == 200 && OutcomeOf(last) == Outcome::kCommittedOk
                   ? Outcome::kCommittedOk
                   : Outcome::kNotCommitted;
      }
    }
    if (!status) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return outcome;
}

}  // namespace nuri::cli
