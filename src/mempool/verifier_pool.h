// VerifierPool: verifies transaction signatures on several threads, so that admission uses
// every core (signature verification is the ceiling of the whole system).
//
// Thread-safe: any thread may call Verify; each call blocks until its batch is done.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace nuri::mempool {

class VerifierPool {
 public:
  explicit VerifierPool(int threads);
  ~VerifierPool();
  VerifierPool(const VerifierPool&) = delete;
  VerifierPool& operator=(const VerifierPool&) = delete;

  // Runs check(i) for i in [0, count) across the pool and the calling thread; returns the
  // results in order.
  std::vector<bool> Run(std::size_t count, const std::function<bool(std::size_t)>& check);

 private:
  void WorkerLoop();

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::vector<std::thread> workers_;
};

}  // namespace nuri::mempool
