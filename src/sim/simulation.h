// Simulation: a whole network of real replicas (consensus, mempool, executor, ledger on a
// simulated disk) in one thread, over a simulated network, reproducibly from a seed
// (docs/simulation.md).
//
// Time is simulated: events (message deliveries, timers, faults, clients) run in time order, and
// two runs of one seed do exactly the same thing. The seed decides the faults: message delay,
// loss, duplication and reordering; partitions that heal; crashes that lose unsynced writes,
// and restarts; clock skew; and up to f Byzantine validators that equivocate (different
// proposals and votes to different peers), propose invalid blocks and vote for blocks that do
// not exist. Clients submit transfers to random nodes and resubmit elsewhere what has no answer,
// as `nuri load` does; in about half the seeds a governor also changes the validator set, adding
// an observer and removing a validator. Nodes keep a state snapshot every few blocks, so a node
// that was down long enough starts over from a peer's snapshot, and so does an observer started
// late.
//
// After the faults, the network heals and every node is restarted; the run then checks:
// - agreement: no two nodes committed different blocks at any height, ever;
// - convergence: every honest node ends at the same head (same hash, hence the same state root)
//   and the same validator set;
// - every commit certificate verifies, and each honest node's chain re-executes (CheckChain);
// - liveness after healing: every transaction a client submitted is committed.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace nuri::sim {

struct SimulationOptions {
  std::uint64_t seed = 1;
  std::uint32_t validators = 4;
  std::uint32_t observers = 1;
  // Byzantine validators (at most f = (validators - 1) / 3); -1: the seed decides (0..f).
  int byzantine = -1;
  // Whether a governor adds the first observer to the validators and removes the last validator
  // while the faults go on (1), or not (0); -1: the seed decides.
  int reconfigure = -1;
  // How long faults go on, then how long the healed network has to finish, in simulated ms.
  std::int64_t fault_millis = 10000;
  std::int64_t heal_millis = 20000;
  // When the last observer starts, with an empty store (0: with the others). One that starts
  // later than the chain can grow a snapshot gap starts from a peer's state snapshot.
  std::int64_t late_start_millis = 0;
};

struct SimulationReport {
  std::uint64_t seed = 0;
  std::uint64_t height = 0;           // the honest nodes' common head at the end
  std::uint64_t transactions = 0;     // submitted by clients, all committed
  std::uint64_t messages = 0;         // delivered
  std::uint64_t crashes = 0;
  std::uint64_t partitions = 0;
  std::uint32_t byzantine = 0;
  std::uint32_t from_snapshot = 0;    // honest nodes that started over from a state snapshot
  std::string faults;                 // the seed's fault settings, in words
};

// The report, or the first property that broke, with the seed to replay it.
base::Result<SimulationReport> RunSimulation(const SimulationOptions& options);

}  // namespace nuri::sim
