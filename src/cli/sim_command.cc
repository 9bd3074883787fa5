// nuri sim: runs the deterministic simulation of a whole network (src/sim) for one seed, or
// seeds one after another until stopped (`--forever`, what `make sim-long` runs).
#include <iostream>

#include "base/log.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "sim/simulation.h"

namespace nuri::cli {

namespace {

boost::json::object ReportJson(const sim::SimulationReport& report) {
  return boost::json::object{{"seed", report.seed},
                             {"height", report.height},
                             {"transactions", report.transactions},
                             {"messages", report.messages},
                             {"crashes", report.crashes},
                             {"partitions", report.partitions},
                             {"byzantine", report.byzantine},
                             {"from_snapshot", report.from_snapshot},
                             {"faults", report.faults}};
}

}  // namespace

int SimCommand(const Words& words) {
  auto args =
      Args::Parse(words, {"json", "forever", "verbose"},
                  {"seed", "validators", "observers", "byzantine", "reconfigure", "late-start"});
  const char* usage =
      "usage: nuri sim --seed S [--validators N] [--observers M] [--byzantine B] "
      "[--reconfigure 0|1] [--late-start MS] [--json] [--forever] [--verbose]";
  if (!args || !args->positional().empty()) return Complain(usage, 2);
  sim::SimulationOptions options;
  const auto seed = args->IntegerOr("seed", 1);
  const auto validators = args->IntegerOr("validators", options.validators);
  const auto observers = args->IntegerOr("observers", options.observers);
  const auto byzantine = args->IntegerOr("byzantine", options.byzantine);
  const auto reconfigure = args->IntegerOr("reconfigure", options.reconfigure);
  const auto late_start = args->IntegerOr("late-start", options.late_start_millis);
  if (!seed || !validators || !observers || !byzantine || !reconfigure || !late_start ||
      *seed < 0 || *validators < 1 || *validators > 64 || *observers < 0 || *observers > 16 ||
      *byzantine < -1 || *reconfigure < -1 || *reconfigure > 1) {
    return Complain(usage, 2);
  }
  options.seed = static_cast<std::uint64_t>(*seed);
  options.validators = static_cast<std::uint32_t>(*validators);
  options.observers = static_cast<std::uint32_t>(*observers);
  options.byzantine = static_cast<int>(*byzantine);
  options.reconfigure = static_cast<int>(*reconfigure);
  options.late_start_millis = *late_start;
  // The replicas' warnings (equivocations seen, refused messages) are what the faults cause.
  if (!args->Flag("verbose")) base::SetLogLevel(base::LogLevel::kError);
  for (;; ++options.seed) {
    auto report = sim::RunSimulation(options);
    if (!report) return Complain("sim: " + report.error().message(), 1);
    if (args->Flag("json")) {
      std::cout << boost::json::serialize(ReportJson(*report)) << std::endl;
    } else {
      std::cout << "seed " << report->seed << ": ok, " << report->height << " blocks, "
                << report->transactions << " transactions, " << report->crashes << " crashes, "
                << report->partitions << " partitions, " << report->byzantine << " byzantine, "
                << report->from_snapshot << " started from a snapshot (" << report->faults << ")"
                << std::endl;
    }
    if (!args->Flag("forever")) return 0;
  }
}

}  // namespace nuri::cli
