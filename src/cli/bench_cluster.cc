// nuri bench cluster: a real network of validators on this machine (a localnet, each validator
// a nurid process over mutual TLS) driven by `nuri load` as clients would drive it, against the
// machine's raw Ed25519 verification rate measured in the same run (bench/README.md).
//
// Each validator verifies every transaction once, so n validators sharing these cores can
// commit at most about sig_verify_tps / n: that is the ceiling `ratio` is measured against.
// The network runs twice: as fast as the clients can push it, then at half the rate it
// reached, for the latency a network not at its limit gives. The audit board's observer runs
// the compliance monitor, as on a real network: after each run the bench reads how far its
// monitor was behind the validators when the load stopped, and how long it took to catch up;
// the audit board's indexer follows that observer into SQLite, and is measured the same way.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "api/http_client.h"
#include "audit/sql_database.h"
#include "cli/args.h"
#include "cli/bench_engine.h"
#include "cli/bench_support.h"
#include "cli/commands.h"
#include "cli/localnet.h"
#include "core/json.h"

namespace nuri::cli {

namespace {

namespace json = boost::json;

base::Result<json::object> LastJsonLine(const std::string& output) {
  const auto start = output.rfind('{');
  auto value = start == std::string::npos ? base::Result<json::value>(base::Error(
                                                base::Status::InvalidArgument("no JSON")))
                                          : core::ParseJsonText(output.substr(start));
  if (!value || !value->is_object()) {
    return base::Error(base::Status::InvalidArgument("load printed no JSON summary"));
  }
  return value->get_object();
}

// How long an observer's monitor may take to reach the validators' head once a load stops.
constexpr auto kCatchUpMax = std::chrono::minutes(5);

base::Result<json::object> GetJson(const std::string& base_url, std::string_view target) {
  auto client = api::HttpClient::FromUrl(base_url);
  if (!client) return base::Error(client.error());
  auto response = client->Request("GET", target);
  if (!response) return base::Error(response.error());
  auto value = core::ParseJsonText(response->body);
  if (response->status != 200 || !value || !value->is_object()) {
    return base::Error(base::Status::Unavailable(base_url + std::string(target) + " answered " +
                                                 std::to_string(response->status)));
  }
  return value->get_object();
}

// A gauge of the node's /metrics; NotFound when it has none.
base::Result<double> Gauge(const std::string& base_url, std::string_view name) {
  auto client = api::HttpClient::FromUrl(base_url);
  if (!client) return base::Error(client.error());
  auto response = client->Request("GET", "/metrics");
  if (!response) return base::Error(response.error());
  std::istringstream lines(response->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ' ') {
      return std::strtod(line.c_str() + name.size() + 1, nullptr);
    }
  }
  return base::Error(base::Status::NotFound(base_url + "/metrics has no " + std::string(name)));
}

// The validators' head, as the first of them has it.
base::Result<std::uint64_t> Head(const std::string& validator) {
  auto status = GetJson(validator, "/v1/status");
  if (!status) return base::Error(status.error());
  const json::value* height = status->if_contains("height");
  std::error_code error;
  const auto head = height != nullptr ? height->to_number<std::uint64_t>(error) : 0;
  if (height == nullptr || error) {
    return base::Error(base::Status::Corruption(validator + "/v1/status has no height"));
  }
  return head;
}

// The last block the indexer wrote; 0 before its tables exist.
std::uint64_t IndexedHeight(audit::SqlDatabase& index) {
  auto rows = index.Query("SELECT height FROM nuri_index", {});
  return rows && !rows->empty() ? std::strtoull(rows->front()[0].value_or("0").c_str(), nullptr, 10)
                                : 0;
}

// How far behind the validators' head a follower was when a load had just stopped.
struct CatchUp {
  std::uint64_t behind_blocks = 0;  // the validators' head less the last block it had done
  double catch_up_seconds = 0;      // until it had done the validators' head
};

// Waits for `done()`, the last block `who` has done, to reach the validators' head.
template <typename Done>
base::Result<CatchUp> WaitForHead(const std::string& validator, const std::string& who,
                                  const Done& done) {
  CatchUp catch_up;
  const auto started = std::chrono::steady_clock::now();
  auto head = Head(validator);
  if (!head) return base::Error(head.error());
  for (bool first = true;; first = false) {
    const base::Result<std::uint64_t> reached = done();
    if (!reached) return base::Error(reached.error());
    if (first) catch_up.behind_blocks = *head > *reached ? *head - *reached : 0;
    if (*reached >= *head) break;
    if (std::chrono::steady_clock::now() - started > kCatchUpMax) {
      return base::Error(base::Status::Unavailable(who + " is still " +
                                                   std::to_string(*head - *reached) +
                                                   " blocks behind after 5 minutes"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  catch_up.catch_up_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return catch_up;
}

// The compliance monitor of an observer when a load has just stopped.
struct MonitorLag : CatchUp {
  double lag_p99_ms = 0;  // from its node's commit of a block to the block's alerts
};

base::Result<MonitorLag> MeasureMonitorLag(const std::string& validator,
                                           const std::string& observer) {
  auto caught_up =
      WaitForHead(validator, "the observer's monitor", [&]() -> base::Result<std::uint64_t> {
        auto alerts = GetJson(observer, "/v1/alerts?limit=1");
        if (!alerts) return base::Error(alerts.error());
        const json::object& monitor = alerts->at("monitor").as_object();
        if (monitor.at("failed").as_bool()) {
          return base::Error(base::Status::Internal("the observer's compliance monitor failed"));
        }
        return monitor.at("followed_height").to_number<std::uint64_t>();
      });
  if (!caught_up) return base::Error(caught_up.error());
  auto p99 = Gauge(observer, "nuri_monitor_lag_p99_milliseconds");
  if (!p99) return base::Error(p99.error());
  MonitorLag lag;
  static_cast<CatchUp&>(lag) = *caught_up;
  lag.lag_p99_ms = *p99;
  return lag;
}

// The SQL indexer that follows an observer, when a load has just stopped.
base::Result<CatchUp> MeasureIndexerLag(const std::string& validator,
                                        const std::string& index_path) {
  auto index = audit::OpenSqlDatabase("sqlite:" + index_path);
  if (!index) return base::Error(index.error());
  return WaitForHead(validator, "the indexer",
                     [&]() -> base::Result<std::uint64_t> { return IndexedHeight(**index); });
}

// While a load runs: for each block the first validator commits, how long after the bench first
// saw it there the indexer had written it, both looked at every 20 ms.
class IndexerLagSampler {
 public:
  IndexerLagSampler(std::string validator, std::string index_path)
      : thread_([this, validator = std::move(validator), index_path = std::move(index_path)] {
          Run(validator, index_path);
        }) {}
  ~IndexerLagSampler() { Finish(); }
  IndexerLagSampler(const IndexerLagSampler&) = delete;
  IndexerLagSampler& operator=(const IndexerLagSampler&) = delete;

  // Once the load stopped: waits until the indexer wrote every block seen (at most kCatchUpMax),
  // and returns the 99th percentile of the lags in milliseconds; nullopt when no block came.
  std::optional<double> FinishAndP99() {
    Finish();
    if (lags_ms_.empty()) return std::nullopt;
    std::sort(lags_ms_.begin(), lags_ms_.end());
    const std::size_t rank = (lags_ms_.size() * 99 + 99) / 100;  // nearest rank
    return lags_ms_[rank - 1];
  }

 private:
  void Finish() {
    draining_ = true;
    if (thread_.joinable()) thread_.join();
  }

  void Run(const std::string& validator, const std::string& index_path) {
    auto index = audit::OpenSqlDatabase("sqlite:" + index_path);
    if (!index) return;
    std::map<std::uint64_t, std::chrono::steady_clock::time_point> seen;  // not yet written
    std::optional<std::uint64_t> last_seen;
    const auto give_up = std::chrono::steady_clock::now() + kCatchUpMax;
    while (std::chrono::steady_clock::now() < give_up) {
      const auto now = std::chrono::steady_clock::now();
      if (!draining_) {
        if (auto head = Head(validator)) {
          // The blocks before the first look are the load's past, not its lag.
          for (std::uint64_t h = last_seen.value_or(*head) + 1; h <= *head; ++h) seen[h] = now;
          last_seen = std::max(last_seen.value_or(*head), *head);
        }
      }
      const std::uint64_t written = IndexedHeight(**index);
      while (!seen.empty() && seen.begin()->first <= written) {
        lags_ms_.push_back(
            std::chrono::duration<double, std::milli>(now - seen.begin()->second).count());
        seen.erase(seen.begin());
      }
      if (draining_ && seen.empty()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::atomic<bool> draining_{false};
  std::vector<double> lags_ms_;  // written by the thread, read once it is joined
  std::thread thread_;
};

}  // namespace

int BenchClusterCommand(const Args& args) {
  const auto validators = args.IntegerOr("validators", 4);
  const auto seconds = args.IntegerOr("seconds", 20);
  const auto workers = args.IntegerOr("workers", 32);
  const auto batch = args.IntegerOr("batch", 200);
  const auto observers = args.IntegerOr("observers", 1);
  if (!validators || !seconds || !workers || !batch || !observers || *validators < 1 ||
      *validators > 16 || *seconds < 2 || *workers < 1 || *batch < 1 || *observers < 0 ||
      *observers > 4) {
    return Complain(
        "usage: nuri bench cluster [--validators N] [--observers M] [--seconds S] "
        "[--workers W] [--batch B] [--json]",
        2);
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto verify = MeasureVerifyRate(static_cast<int>(cores));
  if (!verify) return Complain("bench cluster: " + verify.error().ToString());

  std::error_code error;
  std::string directory = std::filesystem::temp_directory_path(error).string() + "/nuri-cluster-XXXXXX";
  if (::mkdtemp(directory.data()) == nullptr) return Complain("cannot make a scratch directory");
  std::mt19937 random(std::random_device{}());
  // Below the kernel's ephemeral ports (32768 up), which outgoing connections may hold.
  const std::string base_port = std::to_string(20000 + random() % 12000);
  auto down = [&] {
    (void)RunNuri({"localnet", "down", "--dir", directory});
    std::filesystem::remove_all(directory, error);
  };
  auto up = RunNuri({"localnet", "up", "--dir", directory, "--validators",
                     std::to_string(*validators), "--observers", std::to_string(*observers),
                     "--accounts", "2000", "--base-port", base_port});
  auto nodes = up ? ReadLocalnet(directory)
                  : base::Result<std::vector<LocalnetNode>>(base::Error(up.error()));
  if (!nodes) {
    down();
    return Complain("bench cluster: " + nodes.error().ToString());
  }
  // After a load: the first observer's monitor against the first validator's head.
  auto first_api = [&](std::string_view role) {
    for (const auto& node : *nodes) {
      if (node.role == role) return node.api;
    }
    return std::string();
  };
  auto monitor_lag = [&]() -> base::Result<std::optional<MonitorLag>> {
    if (*observers == 0) return std::nullopt;
    auto lag = MeasureMonitorLag(first_api("validator"), first_api("observer"));
    if (!lag) return base::Error(lag.error());
    return std::optional<MonitorLag>(*lag);
  };
  // The indexer starts with the network, before any load, as it would run beside the observer.
  const std::string index_path = directory + "/audit.sqlite";
  std::unique_ptr<BackgroundNuri> indexer;
  if (*observers > 0) {
    std::string observer_name;
    for (const auto& node : *nodes) {
      if (node.role == "observer" && observer_name.empty()) observer_name = node.name;
    }
    auto started = BackgroundNuri::Start({"indexer", "--network", directory, "--node",
                                          observer_name, "--db", "sqlite:" + index_path},
                                         directory + "/indexer.log");
    if (!started) {
      down();
      return Complain("bench cluster: " + started.error().ToString());
    }
    indexer = *std::move(started);
  }
  auto indexer_lag = [&]() -> base::Result<std::optional<CatchUp>> {
    if (!indexer) return std::nullopt;
    auto lag = MeasureIndexerLag(first_api("validator"), index_path);
    if (!lag) return base::Error(lag.error());
    return std::optional<CatchUp>(*lag);
  };
  auto stop = [&] {
    indexer.reset();
    down();
  };
  const std::vector<std::string> load = {"load", "--network", directory, "--seconds",
                                         std::to_string(*seconds), "--workers",
                                         std::to_string(*workers), "--batch",
                                         std::to_string(*batch), "--json"};
  std::optional<IndexerLagSampler> full_sampler;
  if (indexer) full_sampler.emplace(first_api("validator"), index_path);
  auto full = RunNuri(load);
  const std::optional<double> full_index_p99 =
      full_sampler ? full_sampler->FinishAndP99() : std::nullopt;
  auto full_summary = full ? LastJsonLine(*full) : base::Result<json::object>(base::Error(full.error()));
  if (!full_summary) {
    stop();
    return Complain("bench cluster: " + full_summary.error().ToString());
  }
  const auto full_lag = monitor_lag();
  const auto full_index_lag = full_lag ? indexer_lag() : base::Result<std::optional<CatchUp>>();
  if (!full_lag || !full_index_lag) {
    stop();
    return Complain("bench cluster: " +
                    (full_lag ? full_index_lag.error() : full_lag.error()).ToString());
  }
  const double tps = full_summary->at("tps").to_number<double>();
  std::vector<std::string> half_load = load;
  half_load.insert(half_load.end(), {"--rate", std::to_string(std::max<long long>(1, static_cast<long long>(tps / 2))),
                                     "--no-funding"});
  std::optional<IndexerLagSampler> half_sampler;
  if (indexer) half_sampler.emplace(first_api("validator"), index_path);
  auto half = RunNuri(half_load);
  const std::optional<double> half_index_p99 =
      half_sampler ? half_sampler->FinishAndP99() : std::nullopt;
  auto half_summary = half ? LastJsonLine(*half) : base::Result<json::object>(base::Error(half.error()));
  const auto half_lag =
      half_summary ? monitor_lag() : base::Result<std::optional<MonitorLag>>(std::nullopt);
  const auto half_index_lag =
      half_summary && half_lag ? indexer_lag() : base::Result<std::optional<CatchUp>>(std::nullopt);
  stop();
  if (!half_summary) return Complain("bench cluster: " + half_summary.error().ToString());
  if (!half_lag) return Complain("bench cluster: " + half_lag.error().ToString());
  if (!half_index_lag) return Complain("bench cluster: " + half_index_lag.error().ToString());
  // Null where no observer ran.
  auto optional_field = [](const std::optional<double>& value) -> json::value {
    if (!value) return nullptr;
    return *value;
  };
  auto lag_field = [](const auto& lag, auto field) -> json::value {
    if (!lag) return nullptr;
    return json::value_from((*lag).*field);
  };

  const double ceiling = *verify / static_cast<double>(*validators);
  const json::object result{
      {"validators", *validators},
      {"tps", tps},
      {"p50_ms", full_summary->at("p50_ms")},
      {"p99_ms", full_summary->at("p99_ms")},
      {"lost", full_summary->at("lost").to_number<std::int64_t>() +
                   half_summary->at("lost").to_number<std::int64_t>()},
      {"sig_verify_tps", *verify},
      {"ceiling_tps", ceiling},
      {"ratio", tps / ceiling},
      {"half_load_tps", half_summary->at("tps")},
      {"half_load_p50_ms", half_summary->at("p50_ms")},
      {"half_load_p99_ms", half_summary->at("p99_ms")},
      {"observers", *observers},
      {"monitor_behind_blocks", lag_field(*full_lag, &MonitorLag::behind_blocks)},
      {"monitor_catch_up_s", lag_field(*full_lag, &MonitorLag::catch_up_seconds)},
      {"monitor_lag_p99_ms", lag_field(*full_lag, &MonitorLag::lag_p99_ms)},
      {"half_load_monitor_behind_blocks", lag_field(*half_lag, &MonitorLag::behind_blocks)},
      {"half_load_monitor_catch_up_s", lag_field(*half_lag, &MonitorLag::catch_up_seconds)},
      {"half_load_monitor_lag_p99_ms", lag_field(*half_lag, &MonitorLag::lag_p99_ms)},
      {"indexer_behind_blocks", lag_field(*full_index_lag, &CatchUp::behind_blocks)},
      {"indexer_catch_up_s", lag_field(*full_index_lag, &CatchUp::catch_up_seconds)},
      {"indexer_lag_p99_ms", optional_field(full_index_p99)},
      {"half_load_indexer_behind_blocks", lag_field(*half_index_lag, &CatchUp::behind_blocks)},
      {"half_load_indexer_catch_up_s", lag_field(*half_index_lag, &CatchUp::catch_up_seconds)},
      {"half_load_indexer_lag_p99_ms", optional_field(half_index_p99)},
      {"seconds", *seconds},
      {"workers", *workers},
      {"batch", *batch}};
  std::cout << json::serialize(result) << "\n";
  return 0;
}

}  // namespace nuri::cli
