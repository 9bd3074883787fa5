// `nuri indexer`: follows a node's committed blocks, and the alerts of its compliance monitor,
// into SQL tables for auditors (docs/audit-sql.md). It runs beside the auditors' node and asks
// it as its operator; with --once it catches up to the head it found and exits.
//
// What it survives: a node that restarts or is unreachable for a while, and a database that
// goes away, are waited for (with --once they end the run with status 1); a block that does not
// follow the index, a database of another chain, and bad answers end it at once, since going on
// would write something other than the chain.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "api/http_client.h"
#include "audit/alert_store.h"
#include "audit/sql_database.h"
#include "audit/sql_indexer.h"
#include "base/limits.h"
#include "base/log.h"
#include "cli/commands.h"
#include "core/committed_block.h"
#include "core/json.h"

namespace nuri::cli {

namespace {

namespace json = boost::json;

constexpr std::string_view kUsage =
    "usage: nuri indexer (--network DIR [--node NAME] | --url URL --genesis FILE) "
    "--db sqlite:PATH|postgresql://... [--once]";

// How long to wait for a block that is not committed yet, and at most between retries.
constexpr auto kIdlePoll = std::chrono::milliseconds(250);
constexpr auto kRetryMax = std::chrono::seconds(5);
constexpr auto kProgressEvery = std::chrono::seconds(10);

std::atomic<bool> stop_requested{false};
extern "C" void RequestStop(int) { stop_requested = true; }

// Whether waiting can cure a failure: a node or database that is down or busy. Anything else
// (a block that does not follow, another chain, answers that make no sense) ends the run.
bool Transient(const base::Status& status) {
  return status.code() == base::StatusCode::kUnavailable ||
         status.code() == base::StatusCode::kIoError;
}

// A JSON member that is a height, or nullopt.
std::optional<std::uint64_t> HeightIn(const json::object* object, std::string_view name) {
  const json::value* field = object != nullptr ? object->if_contains(name) : nullptr;
  if (field == nullptr || !field->is_number()) return std::nullopt;
  std::error_code error;
  const auto height = field->to_number<std::uint64_t>(error);
  if (error) return std::nullopt;
  return height;
}

class Follower {
 public:
  Follower(api::HttpClient client, std::string url, std::string database_url,
           ledger::Genesis genesis)
      : client_(std::move(client)),
        url_(std::move(url)),
        database_url_(std::move(database_url)),
        genesis_(std::move(genesis)) {}

  // Runs until stopped or, with `once`, until the head found at the start is indexed.
  int Run(bool once);

 private:
  base::Status Connect();
  base::Status FindMonitor();
  base::Result<std::uint64_t> NodeHeight();
  // Fetches and writes the blocks from the index's next height; how many it wrote.
  base::Result<std::size_t> Step();
  base::Result<std::vector<audit::Alert>> AlertsOf(std::uint64_t height);
  base::Result<json::value> GetJson(const std::string& target, int* status);
  void Sleep(std::chrono::milliseconds duration);

  api::HttpClient client_;
  std::string url_;
  std::string database_url_;
  ledger::Genesis genesis_;
  std::unique_ptr<audit::SqlDatabase> database_;
  std::unique_ptr<audit::SqlIndexer> indexer_;
  bool monitor_ = false;
  std::uint64_t blocks_ = 0;
  std::uint64_t transactions_ = 0;
  std::uint64_t alerts_ = 0;
};

void Follower::Sleep(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop_requested && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(duration, kIdlePoll));
  }
}

base::Result<json::value> Follower::GetJson(const std::string& target, int* status) {
  auto response = client_.Request("GET", target);
  if (!response) return base::Error(response.error());
  *status = response->status;
  if (response->status >= 500 || response->status == 429) {
    return base::Error(
        base::Status::Unavailable(url_ + target + " answered " + std::to_string(response->status)));
  }
  auto value = core::ParseJsonText(response->body);
  if (!value) {
    return base::Error(base::Status::Corruption(
        url_ + target + " answered " + std::to_string(response->status) + " with no JSON"));
  }
  return value;
}

base::Status Follower::Connect() {
  indexer_.reset();
  database_.reset();
  auto database = audit::OpenSqlDatabase(database_url_);
  if (!database) return database.error();
  auto indexer = audit::SqlIndexer::Open(**database, genesis_);
  if (!indexer) return indexer.error();
  database_ = *std::move(database);
  indexer_ = *std::move(indexer);
  return base::Status::Ok();
}

// Whether the node runs the compliance monitor: then each block's alerts go in with it.
base::Status Follower::FindMonitor() {
  int status = 0;
  auto answer = GetJson("/v1/alerts?height=1", &status);
  if (!answer) return answer.error();
  if (status == 404) {
    monitor_ = false;
    base::LogWarning("indexer", url_ + " runs no compliance monitor: the alerts table stays empty");
    return base::Status::Ok();
  }
  if (status != 200) {
    return base::Status::PermissionDenied(url_ + " answered " + std::to_string(status) +
                                          " to alerts: the indexer reads as the node's "
                                          "operator, from one of its operator addresses");
  }
  monitor_ = true;
  return base::Status::Ok();
}

base::Result<std::uint64_t> Follower::NodeHeight() {
  int status = 0;
  auto answer = GetJson("/v1/status", &status);
  if (!answer) return base::Error(answer.error());
  const auto height = HeightIn(answer->if_object(), "height");
  if (status != 200 || !height) {
    return base::Error(base::Status::Corruption(url_ + "/v1/status has no height"));
  }
  return *height;
}

base::Result<std::vector<audit::Alert>> Follower::AlertsOf(std::uint64_t height) {
  const auto waiting_since = std::chrono::steady_clock::now();
  auto next_warning = waiting_since + std::chrono::seconds(30);
  for (;;) {
    int status = 0;
    auto answer = GetJson("/v1/alerts?height=" + std::to_string(height), &status);
    if (!answer) return base::Error(answer.error());
    if (status == 404) {  // the node came back without its monitor
      return base::Error(
          base::Status::Unavailable(url_ + " no longer runs its compliance monitor; block " +
                                    std::to_string(height) + " waits for its alerts"));
    }
    const json::object* fields = answer->if_object();
    const json::value* monitor = fields != nullptr ? fields->if_contains("monitor") : nullptr;
    const json::object* progress = monitor != nullptr ? monitor->if_object() : nullptr;
    const auto followed = HeightIn(progress, "followed_height");
    const json::value* failed = progress != nullptr ? progress->if_contains("failed") : nullptr;
    const json::value* alerts = fields != nullptr ? fields->if_contains("alerts") : nullptr;
    if (status != 200 || !followed || failed == nullptr || !failed->is_bool() ||
        alerts == nullptr || !alerts->is_array()) {
      return base::Error(base::Status::Corruption(url_ + " answered " + std::to_string(status) +
                                                  " to the alerts of block " +
                                                  std::to_string(height)));
    }
    if (*followed >= height) {
      std::vector<audit::Alert> parsed;
      for (const json::value& view : alerts->get_array()) {
        auto alert = audit::AlertFromJson(view);
        if (!alert) return base::Error(alert.error());
        parsed.push_back(*std::move(alert));
      }
      return parsed;
    }
    if (failed->get_bool()) {
      return base::Error(base::Status::FailedPrecondition(
          "the compliance monitor of " + url_ + " failed at block " +
          std::to_string(*followed + 1) + " (see the node's log): block " + std::to_string(height) +
          " cannot have its alerts"));
    }
    // The monitor has not finished this block: its alerts go in with it, so wait.
    if (std::chrono::steady_clock::now() >= next_warning) {
      next_warning += std::chrono::seconds(30);
      base::LogWarning("indexer", "block " + std::to_string(height) +
                                      " waits for the compliance monitor, which is at block " +
                                      std::to_string(*followed));
    }
    Sleep(kIdlePoll);
    if (stop_requested) return base::Error(base::Status::Unavailable("stopping"));
  }
}

base::Result<std::size_t> Follower::Step() {
  const std::uint64_t next = indexer_->height() + 1;
  const std::string target = "/v1/blocks/" + std::to_string(next) +
                             "/committed?count=" + std::to_string(base::kBlocksPerLockMax);
  auto response = client_.Request("GET", target);
  if (!response) return base::Error(response.error());
  if (response->status == 404) return 0;  // not committed yet
  if (response->status != 200) {
    const std::string answer = url_ + target + " answered " + std::to_string(response->status);
    if (response->status >= 500 || response->status == 429) {
      return base::Error(base::Status::Unavailable(answer));
    }
    // 410: the node started from a snapshot past the index; 403: not its operator.
    return base::Error(base::Status::FailedPrecondition(answer + ": " + response->body));
  }
  auto blocks = core::DecodeCommittedBlocks(response->body);
  if (!blocks) {
    return base::Error(base::Status::Corruption(
        url_ + " served blocks that do not decode: " + blocks.error().message()));
  }
  std::size_t written = 0;
  for (const core::CommittedBlock& committed : *blocks) {
    std::vector<audit::Alert> alerts;
    if (monitor_) {
      auto found = AlertsOf(committed.block.header.height);
      if (!found) return base::Error(found.error());
      alerts = *std::move(found);
    }
    auto added = indexer_->AddBlock(committed.block, committed.receipts, alerts);
    if (!added.ok()) {
      // A database that failed is opened again, and the index read where it is.
      if (Transient(added)) indexer_.reset();
      return base::Error(added);
    }
    ++written;
    ++blocks_;
    transactions_ += committed.block.transactions.size();
    alerts_ += alerts.size();
    if (stop_requested) break;
  }
  return written;
}

int Follower::Run(bool once) {
  std::optional<std::uint64_t> target;
  auto retry = std::chrono::milliseconds(250);
  auto last_report = std::chrono::steady_clock::now();
  const auto started = last_report;
  bool monitor_known = false;
  // nullopt: waited, go on; otherwise the exit status.
  const auto give_up_or_wait = [&](const base::Status& failure) -> std::optional<int> {
    if (stop_requested) return std::nullopt;  // the loop ends; the failure was the stop
    if (!Transient(failure) || once) {
      base::LogError("indexer", failure.ToString());
      return 1;
    }
    base::LogWarning("indexer", failure.ToString() + "; trying again in " +
                                    std::to_string(retry.count()) + " ms");
    Sleep(retry);
    retry = std::min<std::chrono::milliseconds>(retry * 2, kRetryMax);
    return std::nullopt;
  };
  while (!stop_requested) {
    if (!indexer_) {
      if (auto connected = Connect(); !connected.ok()) {
        if (auto exit = give_up_or_wait(connected)) return *exit;
        continue;
      }
      base::LogInfo("indexer", "indexing " + genesis_.chain_id + " from " + url_ + " into " +
                                   database_->name() + ", from block " +
                                   std::to_string(indexer_->height() + 1));
    }
    if (!monitor_known) {
      if (auto found = FindMonitor(); !found.ok()) {
        if (auto exit = give_up_or_wait(found)) return *exit;
        continue;
      }
      monitor_known = true;
    }
    if (once && !target) {
      auto height = NodeHeight();
      if (!height) {
        if (auto exit = give_up_or_wait(height.error())) return *exit;
        continue;
      }
      target = *height;
    }
    if (target && indexer_->height() >= *target) break;
    auto written = Step();
    if (!written) {
      if (auto exit = give_up_or_wait(written.error())) return *exit;
      continue;
    }
    retry = std::chrono::milliseconds(250);
    if (*written == 0) Sleep(kIdlePoll);
    if (std::chrono::steady_clock::now() - last_report >= kProgressEvery) {
      last_report = std::chrono::steady_clock::now();
      base::LogInfo("indexer", "at block " + std::to_string(indexer_->height()) + ": " +
                                   std::to_string(blocks_) + " blocks, " +
                                   std::to_string(transactions_) + " transactions and " +
                                   std::to_string(alerts_) + " alerts written");
    }
  }
  const std::uint64_t height = indexer_ ? indexer_->height() : 0;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << json::serialize(json::object{{"height", height},
                                            {"blocks", blocks_},
                                            {"transactions", transactions_},
                                            {"alerts", alerts_},
                                            {"monitor", monitor_},
                                            {"seconds", seconds}})
            << std::endl;
  if (once && (!target || height < *target)) {
    base::LogError("indexer", "stopped at block " + std::to_string(height) +
                                  " before the head it was to reach");
    return 1;
  }
  return 0;
}

}  // namespace

int IndexerCommand(const Words& words) {
  auto args = Args::Parse(words, {"once"}, {"network", "node", "url", "genesis", "db"});
  if (!args || !args->positional().empty() || !args->Option("db")) {
    return Complain(std::string(kUsage), 2);
  }
  std::string genesis_path;
  if (auto path = args->Option("genesis")) {
    genesis_path = *path;
  } else if (auto network = args->Option("network")) {
    genesis_path = *network + "/genesis.json";
  } else {
    return Complain(std::string(kUsage), 2);
  }
  auto genesis = LoadGenesisFile(genesis_path);
  if (!genesis) return Complain(genesis_path + ": " + genesis.error().ToString(), 2);
  const auto url = NodeUrl(*args);
  if (!url) return Complain(url.error().message(), 2);
  auto client = api::HttpClient::FromUrl(*url);
  if (!client) return Complain(client.error().ToString(), 2);
  // Stops between blocks; a block being written is written whole or not at all either way.
  struct sigaction action {};
  action.sa_handler = RequestStop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  Follower follower(*std::move(client), *url, *args->Option("db"), *std::move(genesis));
  return follower.Run(args->Flag("once"));
}

}  // namespace nuri::cli
