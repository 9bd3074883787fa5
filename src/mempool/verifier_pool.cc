#include "mempool/verifier_pool.h"

#include <sys/resource.h>

#include <atomic>
#include <latch>

#include "base/check.h"

namespace nuri::mempool {

namespace {

// Nice 10 weighs about a tenth of nice 0 with Linux's scheduler: the critical threads get nine
// tenths of a core they share with the pool, and the pool every cycle they leave idle.
constexpr int kWorkerNice = 10;

}  // namespace

VerifierPool::VerifierPool(int threads) {
  NURI_CHECK(threads >= 1);
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
  // On Linux a thread has its own nice value; who == 0 names the calling thread. Failing leaves
  // the thread at normal priority, which costs speed only.
  setpriority(PRIO_PROCESS, 0, kWorkerNice);
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
                                    const std::function<bool(std::size_t)>& check, Caller caller) {
  std::vector<char> results(count, 0);
  if (count == 0) return {};
  // Items are claimed one at a time from a shared counter, so fast and slow threads balance.
  std::atomic<std::size_t> next{0};
  auto drain = [&] {
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      results[i] = check(i) ? 1 : 0;
    }
  };
  const bool caller_helps = caller == Caller::kHelps;
  const std::size_t helpers = std::min(workers_.size(), count - (caller_helps ? 1 : 0));
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
  if (caller_helps) drain();
  done.wait();
  return std::vector<bool>(results.begin(), results.end());
}

}  // namespace nuri::mempool
