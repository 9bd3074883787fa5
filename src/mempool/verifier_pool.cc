#include "mempool/verifier_pool.h"

#include <atomic>
#include <latch>

namespace nuri::mempool {

VerifierPool::VerifierPool(int threads) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

VerifierPool::~VerifierPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void VerifierPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

std::vector<bool> VerifierPool::Run(std::size_t count,
                                    const std::function<bool(std::size_t)>& check) {
  std::vector<char> results(count, 0);
  if (count == 0) return {};
  // Items are claimed one at a time from a shared counter, so fast and slow threads balance.
  std::atomic<std::size_t> next{0};
  auto drain = [&] {
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      results[i] = check(i) ? 1 : 0;
    }
  };
  const std::size_t helpers = count > 1 ? std::min(workers_.size(), count - 1) : 0;
  std::latch done(static_cast<std::ptrdiff_t>(helpers));
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < helpers; ++i) {
      tasks_.push_back([&] {
        drain();
        done.count_down();
      });
    }
  }
  work_ready_.notify_all();
  drain();
  done.wait();
  return std::vector<bool>(results.begin(), results.end());
}

}  // namespace nuri::mempool
