// RateLimiter: a token bucket for each key (a client address, a session), so that one client
// cannot take a node's API from the others nor guess passwords at speed. A bucket holds at most
// `burst` tokens and gains `per_second` of them each second; a request takes one.
//
// Memory is bounded: at most keys_max buckets. When the table is full, buckets that have filled
// up again (their clients went quiet) are dropped; if none has, new keys share one overflow
// bucket, so that a flood of new addresses slows itself and leaves known clients alone.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nuri::api {

struct RateLimit {
  // Tokens gained per second; 0 turns the limit off.
  double per_second = 0;
  double burst = 1;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit, std::size_t keys_max = 100'000);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes a token from key's bucket at monotonic time now_micros: nullopt when there was one,
  // else the whole seconds (at least 1) after which there will be one (the Retry-After).
  std::optional<int> Take(std::string_view key, std::int64_t now_micros);

  std::size_t size() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_micros = 0;
  };
  double TokensAt(const Bucket& bucket, std::int64_t now_micros) const;
  // The bucket brought up to now_micros.
  void Refill(Bucket& bucket, std::int64_t now_micros) const;
  void DropFullBuckets(std::int64_t now_micros);

  const RateLimit limit_;
  const std::size_t keys_max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
  Bucket overflow_;                                  // guarded by mutex_
  std::optional<std::int64_t> last_sweep_micros_;    // guarded by mutex_
};

}  // namespace nuri::api
