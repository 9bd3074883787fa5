// nuri bench engine|cluster|snapshot|api: prints the benchmark's JSON line (bench_engine.h,
// bench_cluster.cc, bench_snapshot.cc, bench_api.cc).
#include <iostream>

#include "cli/args.h"
#include "cli/bench_engine.h"
#include "cli/commands.h"

namespace nuri::cli {

int BenchCommand(const Words& words) {
  auto args =
      Args::Parse(words, {"json", "no-payments"},
                  {"threads", "transactions", "accounts", "block-transactions", "large-accounts",
                   "dir", "validators", "observers", "seconds", "workers", "batch", "subscribers"});
  if (args && args->positional().size() == 1 && args->positional()[0] == "cluster") {
    return BenchClusterCommand(*args);
  }
  if (args && args->positional().size() == 1 && args->positional()[0] == "snapshot") {
    return BenchSnapshotCommand(*args);
  }
  if (args && args->positional().size() == 1 && args->positional()[0] == "api") {
    return BenchApiCommand(*args);
  }
  if (!args || args->positional().size() != 1 || args->positional()[0] != "engine") {
    return Complain(
        "usage: nuri bench engine [--json] [--threads N] [--transactions N] [--accounts N] "
        "[--block-transactions N] [--large-accounts N (0 skips)] [--no-payments] [--dir DIR]\n"
        "       nuri bench cluster [--validators N] [--observers M] [--seconds S] [--workers W] "
        "[--batch B] [--json]\n"
        "       nuri bench snapshot [--accounts N] [--dir DIR] [--json]\n"
        "       nuri bench api [--seconds S] [--workers W] [--subscribers N] [--json]",
        2);
  }
  EngineBenchOptions options;
  const auto threads = args->IntegerOr("threads", options.threads);
  const auto transactions = args->IntegerOr("transactions", options.transactions);
  const auto accounts = args->IntegerOr("accounts", options.accounts);
  const auto block = args->IntegerOr("block-transactions", options.block_transactions);
  const auto large = args->IntegerOr("large-accounts", options.large_accounts);
  if (!threads || !transactions || !accounts || !block || !large || *threads < 0 ||
      *transactions < 1 || *accounts < 2 || *block < 1 || *large < 0) {
    return Complain("bench options take positive integers", 2);
  }
  options.threads = static_cast<int>(*threads);
  options.transactions = static_cast<std::size_t>(*transactions);
  options.accounts = static_cast<std::size_t>(*accounts);
  options.block_transactions = static_cast<std::size_t>(*block);
  options.large_accounts = static_cast<std::size_t>(*large);
  options.directory = args->OptionOr("dir", "");
  options.payments = !args->Flag("no-payments");
  auto result = RunEngineBench(options);
  if (!result) return Complain("bench engine: " + result.error().ToString());
  std::cout << boost::json::serialize(*result) << "\n";
  return 0;
}

}  // namespace nuri::cli
