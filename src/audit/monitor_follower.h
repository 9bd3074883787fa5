// MonitorFollower: the compliance monitor (monitor.h) following a node's committed blocks on a
// thread of its own and storing its alerts (alert_store.h).
//
// The monitor's windows live in memory. At start the follower feeds it again the blocks its
// windows reach back to from the last block whose alerts are stored, keeping none of the alerts
// they raise (those are stored), then follows the chain from the next block: a bounded number
// of blocks under each read of the ledger, the checks run after the lock is released, so that
// the monitor never holds up a commit. A node that started from a state snapshot holds no
// blocks before it: the monitor starts at the snapshot, and says so in the log.
//
// If the alert store fails, following stops (logged, and progress().failed): an alert lost
// quietly would be worse than a monitor seen to be down.
//
// Thread-safe. Stop it (or destroy it) before the ledger it reads is gone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "audit/alert_store.h"
#include "audit/monitor.h"
#include "base/clock.h"
#include "ledger/ledger.h"

namespace nuri::audit {

// Runs `read` with the node's ledger under its shared lock.
using LedgerReader = std::function<void(const std::function<void(const ledger::Ledger&)>& read)>;

struct MonitorProgress {
  std::uint64_t followed_height = 0;  // the last block whose alerts are stored
  std::uint64_t alerts_raised = 0;    // since the follower started
  bool failed = false;
  // From a block's commit to its alerts being stored, over the latest blocks, in milliseconds.
  std::int64_t lag_p50_millis = 0;
  std::int64_t lag_p99_millis = 0;
};

class MonitorFollower {
 public:
  // `on_followed` hears the height of each block once its alerts are stored, on the follower's
  // thread: keep it short.
  MonitorFollower(AuditPolicy policy, AlertStore& store, LedgerReader read,
                  const base::Clock& clock,
                  std::function<void(std::uint64_t height)> on_followed = {});
  // Stops.
  ~MonitorFollower();
  MonitorFollower(const MonitorFollower&) = delete;
  MonitorFollower& operator=(const MonitorFollower&) = delete;

  // Feeds the monitor again what its windows need, then starts following; when the store is
  // ahead of the ledger (its store emptied to sync again), from the block after the store's.
  // An error when a block cannot be read.
  base::Status Start();
  // For Node::OnCommitted: wakes the follower. It may be called after the follower is gone.
  std::function<void(std::uint64_t height)> CommitListener();
  // Idempotent.
  void Stop();

  MonitorProgress progress() const;

 private:
  // What the node's commit listener shares with the follower: it may outlive the follower.
  struct Signal {
    std::mutex mutex;
    std::condition_variable wake;
    std::uint64_t committed_height = 0;  // guarded by mutex
    // When each recent height was committed (monotonic micros), for the lag.
    std::map<std::uint64_t, std::int64_t> committed_at;  // guarded by mutex
    bool stopping = false;                               // guarded by mutex
  };
  struct CommittedBlock {
    core::Block block;
    std::vector<core::Receipt> receipts;
  };

  void Run();
  // The committed blocks from `next` on, a bounded number; empty at the head. `next` moves past
  // a snapshot the ledger installed meanwhile.
  base::Result<std::vector<CommittedBlock>> ReadFrom(std::uint64_t& next);
  void RecordLag(std::uint64_t height);

  ComplianceMonitor monitor_;  // the follower thread's, once started
  AlertStore& store_;
  const LedgerReader read_;
  const base::Clock& clock_;
  const std::function<void(std::uint64_t)> on_followed_;
  const std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
  std::uint64_t next_height_ = 1;  // the follower thread's, once started
  std::thread thread_;

  mutable std::mutex progress_mutex_;
  MonitorProgress progress_;             // guarded by progress_mutex_
  std::deque<std::int64_t> lag_millis_;  // guarded by progress_mutex_: the latest blocks'
};

}  // namespace nuri::audit
