// nuri bench cluster: a real network of validators on this machine (a localnet, each validator
// a nurid process over mutual TLS) driven by `nuri load` as clients would drive it, against the
// machine's raw Ed25519 verification rate measured in the same run (bench/README.md).
//
// Each validator verifies every transaction once, so n validators sharing these cores can
// commit at most about sig_verify_tps / n: that is the ceiling `ratio` is measured against.
// The network runs twice: as fast as the clients can push it, then at half the rate it
// reached, for the latency a network not at its limit gives.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "cli/args.h"
#include "cli/bench_engine.h"
#include "cli/bench_support.h"
#include "cli/commands.h"
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

}  // namespace

int BenchClusterCommand(const Args& args) {
  const auto validators = args.IntegerOr("validators", 4);
  const auto seconds = args.IntegerOr("seconds", 20);
  const auto workers = args.IntegerOr("workers", 32);
  const auto batch = args.IntegerOr("batch", 200);
  if (!validators || !seconds || !workers || !batch || *validators < 1 || *validators > 16 ||
      *seconds < 2 || *workers < 1 || *batch < 1) {
    return Complain("usage: nuri bench cluster [--validators N] [--seconds S] [--workers W] "
                    "[--batch B] [--json]",
                    2);
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto verify = MeasureVerifyRate(static_cast<int>(cores));
  if (!verify) return Complain("bench cluster: " + verify.error().ToString());

  std::error_code error;
  std::string directory = std::filesystem::temp_directory_path(error).string() + "/nuri-cluster-XXXXXX";
  if (::mkdtemp(directory.data()) == nullptr) return Complain("cannot make a scratch directory");
  std::mt19937 random(std::random_device{}());
  const std::string base_port = std::to_string(30000 + random() % 20000);
  auto down = [&] {
    (void)RunNuri({"localnet", "down", "--dir", directory});
    std::filesystem::remove_all(directory, error);
  };
  auto up = RunNuri({"localnet", "up", "--dir", directory, "--validators",
                     std::to_string(*validators), "--observers", "0", "--accounts", "2000",
                     "--base-port", base_port});
  if (!up) {
    down();
    return Complain("bench cluster: " + up.error().ToString());
  }
  const std::vector<std::string> load = {"load", "--network", directory, "--seconds",
                                         std::to_string(*seconds), "--workers",
                                         std::to_string(*workers), "--batch",
                                         std::to_string(*batch), "--json"};
  auto full = RunNuri(load);
  auto full_summary = full ? LastJsonLine(*full) : base::Result<json::object>(base::Error(full.error()));
  if (!full_summary) {
    down();
    return Complain("bench cluster: " + full_summary.error().ToString());
  }
  const double tps = full_summary->at("tps").to_number<double>();
  std::vector<std::string> half_load = load;
  half_load.insert(half_load.end(), {"--rate", std::to_string(std::max<long long>(1, static_cast<long long>(tps / 2))),
                                     "--no-funding"});
  auto half = RunNuri(half_load);
  auto half_summary = half ? LastJsonLine(*half) : base::Result<json::object>(base::Error(half.error()));
  down();
  if (!half_summary) return Complain("bench cluster: " + half_summary.error().ToString());

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
      {"seconds", *seconds},
      {"workers", *workers},
      {"batch", *batch}};
  std::cout << json::serialize(result) << "\n";
  return 0;
}

}  // namespace nuri::cli
