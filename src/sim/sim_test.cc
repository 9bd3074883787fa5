// The simulator's seeds, in make test: 1,000 runs of 4 validators and an observer with the
// faults each seed draws (up to one Byzantine validator; in about half, a change of the
// validator set), and runs of 7 validators with two Byzantine ones. Each run checks agreement,
// convergence, certificates, re-execution and that every client transaction was committed once
// the network healed (simulation.h).
#include "sim/simulation.h"

#include <gtest/gtest.h>

#include "base/log.h"

namespace nuri::sim {
namespace {

constexpr std::uint64_t kSeedsPerShard = 100;

// The defaults, which `nuri sim --seed S` uses too, so that it replays a failed seed exactly.
SimulationOptions Quick(std::uint64_t seed) {
  SimulationOptions options;
  options.seed = seed;
  return options;
}

class SimSeeds : public ::testing::TestWithParam<std::uint64_t> {
 protected:
  void SetUp() override { base::SetLogLevel(base::LogLevel::kError); }
};

TEST_P(SimSeeds, FourValidatorsAndAnObserverAgreeAndFinish) {
  const std::uint64_t first = GetParam() * kSeedsPerShard + 1;
  for (std::uint64_t seed = first; seed < first + kSeedsPerShard; ++seed) {
    const auto report = RunSimulation(Quick(seed));
    ASSERT_TRUE(report.has_value()) << report.error().message()
                                    << "\nreplay: nuri sim --seed " << seed;
    EXPECT_GT(report->transactions, 0u);
    EXPECT_GT(report->height, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, SimSeeds, ::testing::Range<std::uint64_t>(0, 10));

TEST(Sim, SevenValidatorsWithTwoByzantine) {
  base::SetLogLevel(base::LogLevel::kError);
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    SimulationOptions options = Quick(seed);
    options.validators = 7;
    options.observers = 0;
    options.byzantine = 2;
    const auto report = RunSimulation(options);
    ASSERT_TRUE(report.has_value()) << report.error().message()
                                    << "\nreplay: nuri sim --validators 7 --observers 0 "
                                       "--byzantine 2 --seed "
                                    << seed;
    EXPECT_EQ(report->byzantine, 2u);
  }
}

// Two Byzantine validators of seven while an observer joins and an honest validator leaves: the
// set goes from 7 (f = 2) through 8 (f = 2) to 7 again.
TEST(Sim, TheValidatorSetChangesUnderFaults) {
  base::SetLogLevel(base::LogLevel::kError);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SimulationOptions options = Quick(seed);
    options.validators = 7;
    options.observers = 1;
    options.byzantine = 2;
    options.reconfigure = 1;
    const auto report = RunSimulation(options);
    ASSERT_TRUE(report.has_value()) << report.error().message()
                                    << "\nreplay: nuri sim --validators 7 --observers 1 "
                                       "--byzantine 2 --reconfigure 1 --seed "
                                    << seed;
    EXPECT_NE(report->faults.find("validator set changed"), std::string::npos);
  }
}

// An observer started near the end of the run, with an empty store, finds the chain past the
// snapshot gap: it starts from a peer's snapshot, checked from the genesis set, then follows by
// block sync and ends with everyone else's head.
TEST(Sim, AnObserverStartedLateStartsFromASnapshot) {
  base::SetLogLevel(base::LogLevel::kError);
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SimulationOptions options = Quick(seed);
    options.reconfigure = 0;
    options.late_start_millis = options.fault_millis + options.heal_millis - 6000;
    const auto report = RunSimulation(options);
    ASSERT_TRUE(report.has_value())
        << report.error().message() << "\nreplay: nuri sim --reconfigure 0 --late-start "
        << options.late_start_millis << " --seed " << seed;
    EXPECT_GE(report->from_snapshot, 1u) << "seed " << seed << " at height " << report->height;
  }
}

TEST(Sim, ASeedReplaysExactly) {
  base::SetLogLevel(base::LogLevel::kError);
  const auto first = RunSimulation(Quick(42));
  const auto second = RunSimulation(Quick(42));
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->height, second->height);
  EXPECT_EQ(first->messages, second->messages);
  EXPECT_EQ(first->transactions, second->transactions);
  EXPECT_EQ(first->crashes, second->crashes);
  EXPECT_EQ(first->faults, second->faults);
}

TEST(Sim, ASingleValidatorDecidesAlone) {
  base::SetLogLevel(base::LogLevel::kError);
  SimulationOptions options = Quick(3);
  options.validators = 1;
  const auto report = RunSimulation(options);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_GT(report->height, 0u);
}

TEST(Sim, MoreByzantineThanTheProtocolToleratesIsRefused) {
  SimulationOptions options = Quick(1);
  options.byzantine = 2;
  EXPECT_FALSE(RunSimulation(options).has_value());
}

}  // namespace
}  // namespace nuri::sim
