#include "audit/monitor_follower.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "audit/period.h"
#include "base/limits.h"
#include "base/log.h"

namespace nuri::audit {

namespace {

constexpr std::string_view kLogComponent = "monitor";
// The blocks whose lag the percentiles are taken over.
constexpr std::size_t kLagSamplesMax = 4'096;
// Commit times kept for blocks the follower has not reached; older ones are dropped.
constexpr std::size_t kCommitTimesMax = 65'536;
constexpr auto kEmptyReadPause = std::chrono::milliseconds(100);

std::int64_t Percentile(std::vector<std::int64_t> samples, int percent) {
  if (samples.empty()) return 0;
  const std::size_t rank = (samples.size() - 1) * static_cast<std::size_t>(percent) / 100;
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(rank),
                   samples.end());
  return samples[rank];
}

}  // namespace

MonitorFollower::MonitorFollower(AuditPolicy policy, AlertStore& store, LedgerReader read,
                                 const base::Clock& clock,
                                 std::function<void(std::uint64_t)> on_followed)
    : monitor_(std::move(policy)),
      store_(store),
      read_(std::move(read)),
      clock_(clock),
      on_followed_(std::move(on_followed)) {}

MonitorFollower::~MonitorFollower() { Stop(); }

base::Status MonitorFollower::Start() {
  const std::uint64_t followed = store_.followed_height();
  std::uint64_t base_height = 0;
  std::uint64_t head = 0;
  std::uint64_t replay_from = 0;
  base::Status status;
  read_([&](const ledger::Ledger& ledger) {
    base_height = ledger.base_height();
    head = ledger.head().height;
    if (followed > head || followed <= base_height) return;
    auto block = ledger.ReadBlock(followed);
    if (!block) {
      status = block.error();
      return;
    }
    auto first = FirstBlockAtOrAfter(ledger, base_height + 1, followed,
                                     monitor_.ReplayFrom(block->header.time));
    if (!first) {
      status = first.error();
      return;
    }
    replay_from = *first;
  });
  if (!status.ok()) return status;
  {
    std::lock_guard lock(signal_->mutex);
    signal_->committed_height = std::max(signal_->committed_height, head);
  }
  if (followed > head) {
    // The node's store was emptied to sync again: its alerts up to `followed` stay as they are,
    // and the monitor resumes after them once the ledger is back there, with its windows
    // filled from that block on only.
    base::LogWarning(kLogComponent, "the alerts are stored up to block " +
                                        std::to_string(followed) +
                                        " and the ledger ends at block " + std::to_string(head) +
                                        ": the monitor resumes once the ledger is past them");
    next_height_ = followed + 1;
  } else if (followed < base_height) {
    base::LogWarning(kLogComponent, "this node holds the blocks after height " +
                                        std::to_string(base_height) + " only: blocks " +
                                        std::to_string(followed + 1) + " to " +
                                        std::to_string(base_height) + " raise no alerts here");
    next_height_ = base_height + 1;
  } else {
    // The blocks up to `followed` only rebuild the windows: their alerts are stored.
    next_height_ = replay_from == 0 ? followed + 1 : replay_from;
    while (next_height_ <= followed) {
      std::uint64_t next = next_height_;
      auto blocks = ReadFrom(next);
      if (!blocks) return blocks.error();
      if (blocks->empty()) break;
      for (const CommittedBlock& committed : *blocks) {
        if (committed.block.header.height > followed) break;
        monitor_.AddBlock(committed.block, committed.receipts);
        next_height_ = committed.block.header.height + 1;
      }
    }
    if (replay_from != 0 && replay_from <= followed) {
      base::LogInfo(kLogComponent, "windows rebuilt from blocks " + std::to_string(replay_from) +
                                       " to " + std::to_string(followed));
    }
  }
  {
    std::lock_guard lock(progress_mutex_);
    progress_.followed_height = std::max(followed, next_height_ - 1);
  }
  thread_ = std::thread([this] { Run(); });
  return base::Status::Ok();
}

std::function<void(std::uint64_t)> MonitorFollower::CommitListener() {
  return [signal = signal_, &clock = clock_](std::uint64_t height) {
    {
      std::lock_guard lock(signal->mutex);
      signal->committed_height = std::max(signal->committed_height, height);
      signal->committed_at.emplace(height, clock.MonotonicMicros());
      if (signal->committed_at.size() > kCommitTimesMax) {
        signal->committed_at.erase(signal->committed_at.begin());
      }
    }
    signal->wake.notify_one();
  };
}

void MonitorFollower::Stop() {
  {
    std::lock_guard lock(signal_->mutex);
    signal_->stopping = true;
  }
  signal_->wake.notify_one();
  if (thread_.joinable()) thread_.join();
}

MonitorProgress MonitorFollower::progress() const {
  std::lock_guard lock(progress_mutex_);
  MonitorProgress progress = progress_;
  const std::vector<std::int64_t> samples(lag_millis_.begin(), lag_millis_.end());
  progress.lag_p50_millis = Percentile(samples, 50);
  progress.lag_p99_millis = Percentile(samples, 99);
  return progress;
}

void MonitorFollower::Run() {
  for (;;) {
    {
      std::unique_lock lock(signal_->mutex);
      signal_->wake.wait(
          lock, [&] { return signal_->stopping || signal_->committed_height >= next_height_; });
      if (signal_->stopping) return;
    }
    std::uint64_t next = next_height_;
    auto blocks = ReadFrom(next);
    base::Status status = blocks ? base::Status::Ok() : blocks.error();
    if (blocks && blocks->empty()) {
      // Nothing past a snapshot the node installed yet: look again shortly.
      next_height_ = next;
      std::unique_lock lock(signal_->mutex);
      signal_->wake.wait_for(lock, kEmptyReadPause, [&] { return signal_->stopping; });
      continue;
    }
    if (next != next_height_ && blocks) {
      base::LogWarning(kLogComponent, "the node installed a snapshot: blocks " +
                                          std::to_string(next_height_) + " to " +
                                          std::to_string(blocks->front().block.header.height - 1) +
                                          " raise no alerts here");
    }
    for (std::size_t i = 0; status.ok() && i < blocks->size(); ++i) {
      const CommittedBlock& committed = (*blocks)[i];
      const std::uint64_t height = committed.block.header.height;
      const std::vector<Alert> alerts = monitor_.AddBlock(committed.block, committed.receipts);
      status = store_.AddBlock(height, alerts);
      if (!status.ok()) break;
      next_height_ = height + 1;
      RecordLag(height);
      {
        std::lock_guard lock(progress_mutex_);
        progress_.followed_height = height;
        progress_.alerts_raised += alerts.size();
      }
      if (on_followed_) on_followed_(height);
    }
    if (!status.ok()) {
      base::LogError(kLogComponent, "the monitor stops at block " + std::to_string(next_height_) +
                                        ": " + status.ToString());
      std::lock_guard lock(progress_mutex_);
      progress_.failed = true;
      return;
    }
  }
}

base::Result<std::vector<MonitorFollower::CommittedBlock>> MonitorFollower::ReadFrom(
    std::uint64_t& next) {
  std::vector<CommittedBlock> blocks;
  base::Status status;
  read_([&](const ledger::Ledger& ledger) {
    next = std::max(next, ledger.base_height() + 1);
    const std::uint64_t end = std::min(ledger.head().height, next + base::kBlocksPerLockMax - 1);
    for (std::uint64_t height = next; height <= end; ++height) {
      auto block = ledger.ReadBlock(height);
      if (!block) {
        status = block.error();
        return;
      }
      auto receipts = ledger.ReadReceipts(height);
      if (!receipts) {
        status = receipts.error();
        return;
      }
      blocks.push_back(CommittedBlock{*std::move(block), *std::move(receipts)});
    }
  });
  if (!status.ok()) return base::Error(status);
  return blocks;
}

void MonitorFollower::RecordLag(std::uint64_t height) {
  std::int64_t committed_at = -1;
  {
    std::lock_guard lock(signal_->mutex);
    const auto found = signal_->committed_at.find(height);
    if (found != signal_->committed_at.end()) committed_at = found->second;
    signal_->committed_at.erase(signal_->committed_at.begin(),
                                signal_->committed_at.upper_bound(height));
  }
  // Blocks committed before the follower started have no commit time: they are catch-up.
  if (committed_at < 0) return;
  std::lock_guard lock(progress_mutex_);
  lag_millis_.push_back((clock_.MonotonicMicros() - committed_at) / 1000);
  if (lag_millis_.size() > kLagSamplesMax) lag_millis_.pop_front();
}

}  // namespace nuri::audit
