#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "base/check.h"

namespace nuri::api {

namespace {

constexpr double kMicrosPerSecond = 1e6;
// A full table is swept at most this often, so that a flood of new keys costs one sweep a
// second rather than one per request.
constexpr std::int64_t kSweepIntervalMicros = 1'000'000;

}  // namespace

RateLimiter::RateLimiter(RateLimit limit, std::size_t keys_max)
    : limit_(limit), keys_max_(keys_max) {
  NURI_CHECK(limit.per_second >= 0);
  NURI_CHECK(limit.burst >= 1);
  NURI_CHECK(keys_max >= 1);
  overflow_.tokens = limit.burst;
}

double RateLimiter::TokensAt(const Bucket& bucket, std::int64_t now_micros) const {
  const std::int64_t elapsed_micros = std::max<std::int64_t>(0, now_micros - bucket.updated_micros);
  return std::min(
      limit_.burst,
      bucket.tokens + limit_.per_second * static_cast<double>(elapsed_micros) / kMicrosPerSecond);
}

void RateLimiter::Refill(Bucket& bucket, std::int64_t now_micros) const {
  bucket.tokens = TokensAt(bucket, now_micros);
  bucket.updated_micros = std::max(bucket.updated_micros, now_micros);
}

void RateLimiter::DropFullBuckets(std::int64_t now_micros) {
  if (last_sweep_micros_ && now_micros - *last_sweep_micros_ < kSweepIntervalMicros) return;
  last_sweep_micros_ = now_micros;
  std::erase_if(buckets_, [&](const auto& entry) {
    return TokensAt(entry.second, now_micros) >= limit_.burst;
  });
}

std::optional<int> RateLimiter::Take(std::string_view key, std::int64_t now_micros) {
  if (limit_.per_second == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto found = buckets_.find(std::string(key));
  if (found == buckets_.end() && buckets_.size() >= keys_max_) DropFullBuckets(now_micros);
  Bucket* bucket = nullptr;
  if (found != buckets_.end()) {
    bucket = &found->second;
  } else if (buckets_.size() < keys_max_) {
    bucket = &buckets_.emplace(std::string(key), Bucket{limit_.burst, now_micros}).first->second;
  } else {
    bucket = &overflow_;
  }
  Refill(*bucket, now_micros);
  if (bucket->tokens >= 1) {
    bucket->tokens -= 1;
    return std::nullopt;
  }
  // Clamped before the conversion: a tiny configured rate would overflow an int.
  constexpr double kWaitSecondsMax = 86'400;
  const double wait_seconds = std::min(kWaitSecondsMax, (1 - bucket->tokens) / limit_.per_second);
  return std::max(1, static_cast<int>(std::ceil(wait_seconds)));
}

std::size_t RateLimiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace nuri::api
