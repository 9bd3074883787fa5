// nuri load: signed traffic against a localnet, for demos, crash tests and capacity checks.
//
// Funds the localnet's officials from the BNK issuer and its programs from their treasuries
// (mint, fund_program, grant to each holder), then lets worker threads send transfers from
// officials to merchants and to each other, and payments from their business-promotion programs
// (a share of them refused by the rules, as in life: a bar, a lunch above the per-head cap, a
// payment at night without a justification), in batches over keep-alive connections, and
// wait for each receipt. A batch whose node did not answer (it died or restarts) is submitted
// again with the same signed bytes until it is answered, so nothing is lost or doubled: a copy
// that was already admitted is refused as DUPLICATE and then looked up by id. At the end it prints
// submitted, committed, rejected, refused, lost (no final answer), tps and latency percentiles.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "api/http_client.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/localnet.h"
#include "codec/codec.h"
#include "core/json.h"

namespace nuri::cli {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// Client threads, each with a batch in flight at a time, and the batch size: together they
// bound how many transactions wait for receipts at once (--workers, --batch).
constexpr std::size_t kBatchSizeDefault = 50;
constexpr int kWorkersDefault = 4;
constexpr int kReceiptWaitMillis = 15000;
constexpr int kGraceSeconds = 30;
constexpr std::int64_t kFundingWon = 100'000'000;
constexpr std::int64_t kGrantWon = 100'000'000;
// Mints the officials' working balances.
constexpr std::string_view kFundingIssuer = "issuer@bnk";

struct Pending {
  core::SignedTransaction tx;
  Clock::time_point submitted;
  bool payment = false;
};

struct Tally {
  std::mutex mutex;
  std::uint64_t submitted = 0;
  std::uint64_t committed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t refused = 0;
  std::uint64_t lost = 0;
  std::uint64_t payments = 0;
  std::uint64_t payments_refused_by_rules = 0;
  std::vector<double> latencies_ms;
  std::ofstream record;
};

struct LoadProgram {
  std::string id;
  std::string token;
  std::string issuer;  // of the token: mints the budget to the owner
  std::string owner;
  std::string manager;
  std::vector<std::string> holders;
};

struct Network {
  std::string directory;
  std::string chain_id;
  std::vector<std::string> apis;
  std::vector<std::string> officials;
  std::vector<std::string> merchants;
  std::vector<LoadProgram> programs;
  std::map<std::string, std::string> expense_program_of;  // holder -> program it pays from
  // Of every account that signs here, derived once before any worker starts: deriving one is
  // an Ed25519 key expansion, as costly as the signature itself.
  std::map<std::string, crypto::SecretKey> keys;
};

std::string_view OrgOf(std::string_view account) { return account.substr(account.find('@') + 1); }

// The programs of the genesis with their holders: an expense program's are the holders of its
// owner's organization, a subsidy's the holders of the recipients.
void ReadPrograms(const json::value& genesis, Network& network) {
  std::map<std::string, std::string> issuers;
  for (const auto& token : genesis.at("tokens").as_array()) {
    issuers[std::string(token.at("id").as_string())] = std::string(token.at("issuer").as_string());
  }
  const json::value* programs = genesis.as_object().if_contains("programs");
  if (programs == nullptr) return;
  for (const auto& definition : programs->as_array()) {
    LoadProgram program;
    program.id = std::string(definition.at("id").as_string());
    program.token = std::string(definition.at("token").as_string());
    program.issuer = issuers[program.token];
    program.owner = std::string(definition.at("owner").as_string());
    program.manager = std::string(definition.at("managers").as_array().at(0).as_string());
    const bool expense = definition.at("kind") == "expense";
    for (const auto& holder : network.officials) {
      const std::string_view org = OrgOf(holder);
      if (expense ? org == OrgOf(program.owner) : org == "recipients") {
        program.holders.push_back(holder);
        if (expense) network.expense_program_of[holder] = program.id;
      }
    }
    network.programs.push_back(std::move(program));
  }
}

base::Result<Network> ReadNetwork(const std::string& directory) {
  Network network;
  network.directory = directory;
  auto nodes = ReadLocalnet(directory);
  if (!nodes) return base::Error(nodes.error());
  for (const auto& node : *nodes) network.apis.push_back(node.api);
  auto text = ReadFile(directory + "/genesis.json");
  if (!text) return base::Error(text.error());
  auto genesis = core::ParseJsonText(*text);
  if (!genesis) return base::Error(genesis.error());
  try {
    network.chain_id = std::string(genesis->at("chain_id").as_string());
    for (const auto& account : genesis->at("accounts").as_array()) {
      const std::string id(account.at("id").as_string());
      for (const auto& role : account.at("roles").as_array()) {
        if (role == "holder") network.officials.push_back(id);
        if (role == "merchant") network.merchants.push_back(id);
      }
    }
    ReadPrograms(*genesis, network);
  } catch (const std::exception& error) {
    return base::Error(base::Status::InvalidArgument(directory + "/genesis.json: " + error.what()));
  }
  if (network.officials.empty() || network.merchants.empty()) {
    return base::Error(base::Status::InvalidArgument("the localnet has no officials or merchants"));
  }
  std::vector<std::string> signers = network.officials;
  signers.emplace_back(kFundingIssuer);
  for (const auto& program : network.programs) {
    signers.insert(signers.end(), {program.issuer, program.owner, program.manager});
  }
  for (const auto& signer : signers) {
    if (network.keys.contains(signer)) continue;
    auto key = LocalnetAccountKey(directory, signer);
    if (!key) return base::Error(key.error());
    network.keys.emplace(signer, *std::move(key));
  }
  return network;
}

core::SignedTransaction Sign(const Network& network, const std::string& signer, core::Body body,
                             std::mt19937_64& random) {
  core::Transaction tx;
  tx.chain_id = network.chain_id;
  tx.signer = core::AccountId::Parse(signer).value();
  tx.nonce = random();
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  tx.valid_until = std::chrono::duration_cast<std::chrono::milliseconds>(now).count() +
                   10 * core::kMillisPerMinute;
  tx.body = std::move(body);
  core::AddSignature(tx, tx.signer, network.keys.at(signer));
  return core::Seal(std::move(tx));
}

// One worker's connection to the network: moves to the next node when one does not answer.
class Connection {
 public:
  explicit Connection(const Network& network, int first)
      : network_(network), index_(static_cast<std::size_t>(first) % network.apis.size()) {}

  base::Result<api::HttpResponse> Request(std::string_view method, const std::string& target,
                                          std::string_view body, std::string_view type) {
    if (!client_) {
      auto client = api::HttpClient::FromUrl(network_.apis[index_]);
      if (!client) return base::Error(client.error());
      client_ = std::make_unique<api::HttpClient>(std::move(*client));
    }
    auto response = client_->Request(method, target, body, type, kReceiptWaitMillis + 5000);
    if (!response) {
      client_.reset();
      index_ = (index_ + 1) % network_.apis.size();
    }
    return response;
  }

 private:
  const Network& network_;
  std::size_t index_;
  std::unique_ptr<api::HttpClient> client_;
};

enum class Outcome { kOk, kRejected, kRefused, kNoAnswer };

// Submits a batch (again, if need be) until the node answers; false when the deadline passed.
bool SubmitBatch(Connection& connection, const std::vector<Pending>& batch,
                 std::vector<std::string>& codes, Clock::time_point deadline) {
  codec::Writer body;
  for (const auto& pending : batch) body.PutBytes(pending.tx.bytes);
  while (Clock::now() < deadline) {
    auto response = connection.Request("POST", "/v1/transactions/batch", body.bytes(),
                                       "application/octet-stream");
    if (response && response->status == 200) {
      auto value = core::ParseJsonText(response->body);
      if (!value) return false;
      codes.clear();
      for (const auto& item : value->at("results").as_array()) {
        codes.emplace_back(item.at("code").as_string());
      }
      return codes.size() == batch.size();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// Waits for admitted (or duplicate) transactions to be final, asking about all of them in one
// request at a time: one request per transaction would cost the nodes more than the
// transactions' own admission.
std::vector<std::pair<Outcome, std::string>> AwaitFinal(Connection& connection,
                                                        const std::vector<crypto::Hash>& ids,
                                                        Clock::time_point deadline) {
  std::vector<std::pair<Outcome, std::string>> outcomes(ids.size(), {Outcome::kNoAnswer, ""});
  std::vector<std::size_t> waiting(ids.size());
  for (std::size_t i = 0; i < waiting.size(); ++i) waiting[i] = i;
  const std::string target =
      "/v1/transactions/statuses?wait_ms=" + std::to_string(kReceiptWaitMillis);
  while (!waiting.empty() && Clock::now() < deadline) {
    json::array list;
    for (const std::size_t i : waiting) list.emplace_back(ids[i].ToHex());
    auto response =
        connection.Request("POST", target, json::serialize(json::object{{"ids", std::move(list)}}),
                           "application/json");
    const auto value = response && response->status == 200
                           ? core::ParseJsonText(response->body)
                           : base::Result<json::value>(base::Error(base::Status::Unavailable("")));
    const json::value* results =
        value && value->is_object() ? value->as_object().if_contains("results") : nullptr;
    if (results == nullptr || !results->is_array() ||
        results->as_array().size() != waiting.size()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    std::vector<std::size_t> pending;
    for (std::size_t k = 0; k < waiting.size(); ++k) {
      const json::object& result = results->as_array()[k].as_object();
      const std::string_view status = result.at("status").as_string();
      auto code = [&] { return std::string(result.at("code").as_string()); };
      auto& outcome = outcomes[waiting[k]];
      if (status == "ok") {
        outcome = {Outcome::kOk, ""};
      } else if (status == "rejected") {
        outcome = {Outcome::kRejected, code()};
      } else if (status == "refused") {
        outcome = {Outcome::kRefused, code()};
      } else if (status == "unknown") {
        outcome = {Outcome::kNoAnswer, "unknown"};
      } else {
        pending.push_back(waiting[k]);
      }
    }
    waiting = std::move(pending);
  }
  return outcomes;
}

void Count(Tally& tally, const Pending& pending, const std::pair<Outcome, std::string>& outcome) {
  const double latency =
      std::chrono::duration<double, std::milli>(Clock::now() - pending.submitted).count();
  std::lock_guard lock(tally.mutex);
  switch (outcome.first) {
    case Outcome::kOk:
    case Outcome::kRejected:
      ++tally.committed;
      tally.rejected += outcome.first == Outcome::kRejected;
      tally.payments += pending.payment;
      if (pending.payment && outcome.first == Outcome::kRejected) {
        // Only a program rule's codes (MERCHANT_CATEGORY_DENIED, OUTSIDE_HOURS, ...): not a
        // holder's empty balance or an ended program.
        const auto code = core::ReasonFromName(outcome.second);
        tally.payments_refused_by_rules += code && static_cast<std::uint16_t>(*code) >= 200;
      }
      tally.latencies_ms.push_back(latency);
      if (tally.record.is_open()) {
        tally.record << pending.tx.id.ToHex() << " "
                     << (outcome.first == Outcome::kOk ? "ok" : "rejected") << "\n";
      }
      break;
    case Outcome::kRefused:
      ++tally.refused;
      break;
    case Outcome::kNoAnswer:
      ++tally.lost;
      break;
  }
}

// Submits a batch and waits for each transaction to be final. A transaction the node no longer
// knows (admitted, then lost from the mempool of a node that crashed) is submitted again with the
// same bytes, until the deadline.
void Settle(Connection& connection, std::vector<Pending>& batch, Tally& tally,
            Clock::time_point deadline) {
  std::vector<Pending> unresolved = std::move(batch);
  batch.clear();
  while (!unresolved.empty()) {
    std::vector<std::string> codes;
    if (!SubmitBatch(connection, unresolved, codes, deadline)) break;
    std::vector<crypto::Hash> admitted;
    for (std::size_t i = 0; i < unresolved.size(); ++i) {
      if (codes[i] == "OK" || codes[i] == "DUPLICATE") admitted.push_back(unresolved[i].tx.id);
    }
    const auto finals = AwaitFinal(connection, admitted, deadline);
    std::vector<Pending> again;
    for (std::size_t i = 0, next_final = 0; i < unresolved.size(); ++i) {
      std::pair<Outcome, std::string> outcome{Outcome::kRefused, codes[i]};
      if (codes[i] == "OK" || codes[i] == "DUPLICATE") outcome = finals[next_final++];
      if (outcome.first == Outcome::kNoAnswer && outcome.second == "unknown" &&
          Clock::now() < deadline) {
        again.push_back(std::move(unresolved[i]));
      } else {
        Count(tally, unresolved[i], outcome);
      }
    }
    unresolved = std::move(again);
  }
  for (const auto& pending : unresolved) Count(tally, pending, {Outcome::kNoAnswer, ""});
}

// Checks that every transaction a load run recorded as committed is still committed, with the
// same status: what `load --record` saw must survive crashes.
int Verify(const Network& network, const std::string& file) {
  std::ifstream record(file);
  if (!record) return Complain("cannot read " + file);
  Connection connection(network, 0);
  std::uint64_t checked = 0;
  std::uint64_t missing = 0;
  std::string id;
  std::string status;
  while (record >> id >> status) {
    ++checked;
    auto response = connection.Request("GET", "/v1/transactions/" + id, {}, "application/json");
    auto value = response ? core::ParseJsonText(response->body) : base::Result<json::value>();
    if (!response || response->status != 200 || !value || value->at("status") != status.c_str()) {
      ++missing;
      std::cerr << "load: committed transaction " << id << " is not " << status << " any more\n";
    }
  }
  std::cout << json::serialize(json::object{{"checked", checked}, {"missing", missing}}) << "\n";
  return missing == 0 && checked > 0 ? 0 : 1;
}

// Settles `bodies` (signer, body) in batches; Unavailable unless every one committed ok.
base::Status SettleAll(const Network& network,
                       const std::vector<std::pair<std::string, core::Body>>& bodies,
                       std::string_view what) {
  std::mt19937_64 random(std::random_device{}());
  Connection connection(network, 0);
  std::vector<Pending> batch;
  Tally tally;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  for (const auto& [signer, body] : bodies) {
    batch.push_back({Sign(network, signer, body, random), Clock::now()});
    if (batch.size() == kBatchSizeDefault) Settle(connection, batch, tally, deadline);
  }
  if (!batch.empty()) Settle(connection, batch, tally, deadline);
  if (tally.committed != bodies.size() || tally.rejected != 0) {
    return base::Status::Unavailable(
        std::string(what) + " failed: " + std::to_string(tally.committed - tally.rejected) +
        " of " + std::to_string(bodies.size()) + " committed ok");
  }
  return base::Status::Ok();
}

core::AccountId Account(const std::string& id) { return core::AccountId::Parse(id).value(); }
core::TokenId Token(const std::string& id) { return core::TokenId::Parse(id).value(); }

// Mints working balances to every official, and gives every program's holders a grant (not
// counted in the figures).
base::Status Fund(const Network& network) {
  std::vector<std::pair<std::string, core::Body>> mints;
  for (const auto& official : network.officials) {
    mints.emplace_back(kFundingIssuer, core::Mint{Token("KRW-BNK"), Account(official),
                                                  core::Amount::Won(kFundingWon)});
  }
  for (const auto& program : network.programs) {
    const auto budget =
        core::Amount::Won(kGrantWon * static_cast<std::int64_t>(program.holders.size()));
    if (budget.positive()) {
      mints.emplace_back(program.issuer,
                         core::Mint{Token(program.token), Account(program.owner), budget});
    }
  }
  if (auto status = SettleAll(network, mints, "funding the officials"); !status.ok()) return status;
  std::vector<std::pair<std::string, core::Body>> funding;
  std::vector<std::pair<std::string, core::Body>> grants;
  for (const auto& program : network.programs) {
    if (program.holders.empty()) continue;
    funding.emplace_back(
        program.owner,
        core::FundProgram{program.id, core::Amount::Won(kGrantWon * static_cast<std::int64_t>(
                                                                        program.holders.size()))});
    for (const auto& holder : program.holders) {
      grants.emplace_back(program.manager,
                          core::Grant{program.id, Account(holder), core::Amount::Won(kGrantWon)});
    }
  }
  if (auto status = SettleAll(network, funding, "funding the programs"); !status.ok())
    return status;
  return SettleAll(network, grants, "granting the programs' budgets");
}

core::Body RandomTransfer(const Network& network, const std::string& from,
                          std::mt19937_64& random) {
  const bool to_merchant = random() % 4 != 0;
  const auto& pool = to_merchant ? network.merchants : network.officials;
  std::string to = pool[random() % pool.size()];
  if (to == from) to = network.merchants.front();
  // Whole-won amounts typical of meals and supplies, 1,000 to 80,000 won.
  const std::int64_t won = 1000 * static_cast<std::int64_t>(1 + random() % 80);
  return core::Transfer{core::TokenId::Parse("KRW-BNK").value(), core::AccountId::Parse(to).value(),
                        core::Amount::Won(won), "", ""};
}

// A business-promotion payment as officials make them: a meal, a coffee, stationery, a taxi, now
// and then a bar; 1-4 attendees; a quarter of them with a written justification.
core::Body RandomPayment(const Network& network, const std::string& program,
                         std::mt19937_64& random) {
  core::Pay pay;
  pay.program = program;
  pay.to = Account(network.merchants[random() % network.merchants.size()]);
  pay.amount = core::Amount::Won(10'000 * static_cast<std::int64_t>(1 + random() % 20));
  pay.attendees = static_cast<std::uint32_t>(1 + random() % 4);
  pay.purpose = "working meeting";
  if (random() % 4 == 0) pay.justification = "meeting with a delegation outside office hours";
  return pay;
}

double Percentile(std::vector<double>& values, double fraction) {
  if (values.empty()) return 0;
  const std::size_t index =
      std::min(values.size() - 1, static_cast<std::size_t>(fraction * values.size()));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

}  // namespace

base::Result<std::vector<std::pair<std::string, std::string>>> FundLocalnet(
    const std::string& directory) {
  auto network = ReadNetwork(directory);
  if (!network) return base::Error(network.error());
  if (auto status = Fund(*network); !status.ok()) return base::Error(status);
  return std::vector<std::pair<std::string, std::string>>(network->expense_program_of.begin(),
                                                          network->expense_program_of.end());
}

int LoadCommand(const Words& words) {
  auto args = Args::Parse(words, {"json", "progress", "no-funding"},
                          {"network", "seconds", "rate", "record", "verify", "workers", "batch"});
  const auto seconds = args ? args->IntegerOr("seconds", 10) : base::Result<long long>(0);
  const auto rate = args ? args->IntegerOr("rate", 0) : base::Result<long long>(0);
  const auto worker_count = args ? args->IntegerOr("workers", kWorkersDefault) : base::Result<long long>(0);
  const auto batch_size = args ? args->IntegerOr("batch", kBatchSizeDefault) : base::Result<long long>(0);
  if (!args || !args->Option("network") || !seconds || !rate || !worker_count || !batch_size ||
      *seconds < 1 || *rate < 0 || *worker_count < 1 || *worker_count > 256 || *batch_size < 1 ||
      *batch_size > 1000) {
    return Complain(
        "usage: nuri load --network DIR --seconds S [--rate TX_PER_S] [--workers 1-256] "
        "[--batch 1-1000] [--json] [--progress] [--record FILE] | --network DIR --verify FILE",
        2);
  }
  const int workers_count = static_cast<int>(*worker_count);
  const std::size_t batch_limit = static_cast<std::size_t>(*batch_size);
  auto network = ReadNetwork(*args->Option("network"));
  if (!network) return Complain(network.error().ToString());
  if (auto file = args->Option("verify")) return Verify(*network, *file);
  if (!args->Flag("no-funding")) {
    if (auto status = Fund(*network); !status.ok()) return Complain(status.ToString());
  }
  Tally tally;
  if (auto record = args->Option("record")) tally.record.open(*record, std::ios::app);
  const auto start = Clock::now();
  const auto stop_sending = start + std::chrono::seconds(*seconds);
  const auto deadline = stop_sending + std::chrono::seconds(kGraceSeconds);
  std::atomic<bool> done{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < workers_count; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937_64 random(std::random_device{}() + w);
      Connection connection(*network, w);
      std::vector<Pending> batch;
      std::uint64_t sent = 0;
      while (Clock::now() < stop_sending) {
        const std::string& from = network->officials[random() % network->officials.size()];
        const auto program = network->expense_program_of.find(from);
        const bool payment = program != network->expense_program_of.end() && random() % 2 == 0;
        core::Body body = payment ? RandomPayment(*network, program->second, random)
                                  : RandomTransfer(*network, from, random);
        batch.push_back({Sign(*network, from, std::move(body), random), Clock::now(), payment});
        ++sent;
        {
          std::lock_guard lock(tally.mutex);
          ++tally.submitted;
        }
        if (*rate > 0) {
          // Each worker carries its share of the rate: pace by when the next one is due.
          const auto due =
              start + std::chrono::microseconds(sent * 1'000'000 * workers_count / *rate);
          // Ahead of schedule: settle what waits rather than sleep on it.
          if (due > Clock::now()) Settle(connection, batch, tally, deadline);
          std::this_thread::sleep_until(due);
        }
        if (batch.size() >= batch_limit) Settle(connection, batch, tally, deadline);
      }
      if (!batch.empty()) Settle(connection, batch, tally, deadline);
    });
  }
  std::thread progress;
  if (args->Flag("progress")) {
    progress = std::thread([&] {
      while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        std::lock_guard lock(tally.mutex);
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        std::cerr << "load: " << static_cast<int>(elapsed) << " s, " << tally.committed
                  << " committed (" << tally.rejected << " rejected), " << tally.refused
                  << " refused, " << static_cast<int>(tally.committed / std::max(elapsed, 1e-3))
                  << " tx/s\n";
      }
    });
  }
  for (auto& worker : workers) worker.join();
  done = true;
  if (progress.joinable()) progress.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  json::object summary{{"submitted", tally.submitted},
                       {"committed", tally.committed},
                       {"rejected", tally.rejected},
                       {"refused", tally.refused},
                       {"lost", tally.lost},
                       {"payments", tally.payments},
                       {"payments_refused_by_rules", tally.payments_refused_by_rules},
                       {"seconds", elapsed},
                       {"tps", tally.committed / elapsed},
                       {"p50_ms", Percentile(tally.latencies_ms, 0.50)},
                       {"p99_ms", Percentile(tally.latencies_ms, 0.99)}};
  if (args->Flag("json")) {
    std::cout << json::serialize(summary) << "\n";
  } else {
    std::cout << "submitted " << tally.submitted << ", committed " << tally.committed << " ("
              << tally.rejected << " rejected), refused " << tally.refused << ", lost "
              << tally.lost << "; " << tally.payments << " program payments, "
              << tally.payments_refused_by_rules << " refused by the rules; "
              << static_cast<int>(tally.committed / elapsed) << " tx/s, p50 "
              << summary["p50_ms"].as_double() << " ms, p99 " << summary["p99_ms"].as_double()
              << " ms\n";
  }
  return tally.lost == 0 ? 0 : 1;
}

}  // namespace nuri::cli
