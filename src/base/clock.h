// Clock: the only way time enters Nuri. Real clocks are made in src/node; tests and the
// simulator pass a ManualClock, so that whole runs are reproducible. Execution never reads a
// clock at all: it reads the block time from the block header.
//
// Implementations must be safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace nuri::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time as milliseconds since the Unix epoch (UTC).
  virtual std::int64_t NowMillis() const = 0;
  // Monotonic time for measuring intervals, in microseconds from an arbitrary origin.
  virtual std::int64_t MonotonicMicros() const = 0;
};

// A clock that moves only when told to: for tests, the scenario runner and the simulator.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now_millis = 0) : now_millis_(now_millis) {}
  std::int64_t NowMillis() const override { return now_millis_.load(); }
  std::int64_t MonotonicMicros() const override { return now_millis_.load() * 1000; }
  void SetMillis(std::int64_t now_millis) { now_millis_.store(now_millis); }
  void AdvanceMillis(std::int64_t delta_millis) { now_millis_.fetch_add(delta_millis); }

 private:
  std::atomic<std::int64_t> now_millis_;
};

}  // namespace nuri::base
