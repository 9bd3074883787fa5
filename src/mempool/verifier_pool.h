// VerifierPool: verifies transaction signatures on several threads, so that admission uses
// every core (signature verification is the ceiling of the whole system).
//
// Its threads run at a lower scheduling priority than the rest of the process. Block production
// and consensus are one thread each, on which every block waits; checking signatures is work
// for many threads that can wait. When the cores are busy, a burst of submissions then slows
// admission, where clients wait for their answer, rather than the blocks that every transaction
// waits for.
//
// Thread-safe: any thread may call Run; each call blocks until its batch is done.
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

  // Whether the calling thread checks items too, at its own priority. A thread that would only
  // wait for the batch helps; a thread that serves clients leaves the checking to the pool.
  enum class Caller { kWaits, kHelps };

  // Runs check(i) for i in [0, count) across the pool (and the caller, if it helps); returns the
  // results in order.
  std::vector<bool> Run(std::size_t count, const std::function<bool(std::size_t)>& check,
                        Caller caller);

 private:
  void WorkerLoop();

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::vector<std::thread> workers_;
};

}  // namespace nuri::mempool
