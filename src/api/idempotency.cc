#include "api/idempotency.h"

#include <algorithm>

namespace nuri::api {

namespace {

constexpr std::size_t kKeySizeBytesMax = 255;

bool MeansTryLater(int status) { return status == 429 || status >= 500; }

}  // namespace

bool ValidIdempotencyKey(std::string_view key) {
  return !key.empty() && key.size() <= kKeySizeBytesMax &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

void IdempotencyStore::EraseLocked(std::unordered_map<std::string, Entry>::iterator entry) {
  body_size_bytes_ -= entry->second.response.body.size();
  entries_.erase(entry);
}

// Drops entries past their retention, then the oldest answered ones while over a bound. An entry
// whose request is still being answered stays: there are at most as many as requests in flight.
void IdempotencyStore::DropOld(std::int64_t now_micros) {
  while (!creation_order_.empty()) {
    const auto& [created_micros, key] = creation_order_.front();
    const auto entry = entries_.find(key);
    const bool stale = entry == entries_.end() || entry->second.created_micros != created_micros;
    if (!stale) {
      const bool expired = now_micros - created_micros >= options_.retention_micros;
      // The order also holds keys forgotten since (stale): they count too, or a stream of
      // "try later" answers would grow it for a whole retention period.
      const bool over_bounds = entries_.size() >= options_.entries_max ||
                               creation_order_.size() > 2 * options_.entries_max ||
                               body_size_bytes_ > options_.body_size_bytes_max;
      if (!expired && !(over_bounds && entry->second.answered)) break;
      EraseLocked(entry);
    }
    creation_order_.pop_front();
  }
}

IdempotencyStore::Lookup IdempotencyStore::Begin(const std::string& key,
                                                 const crypto::Hash& fingerprint,
                                                 std::int64_t now_micros) {
  std::lock_guard lock(mutex_);
  DropOld(now_micros);
  const auto found = entries_.find(key);
  if (found != entries_.end()) {
    const Entry& entry = found->second;
    if (entry.fingerprint != fingerprint) return {Verdict::kMismatch, {}};
    if (!entry.answered) return {Verdict::kInProgress, {}};
    return {Verdict::kReplay, entry.response};
  }
  entries_.emplace(key, Entry{fingerprint, now_micros, false, {}});
  creation_order_.emplace_back(now_micros, key);
  return {Verdict::kFirst, {}};
}

void IdempotencyStore::Finish(const std::string& key, const HttpResponse& response) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(key);
  if (found == entries_.end() || found->second.answered) return;
  if (MeansTryLater(response.status)) return EraseLocked(found);
  found->second.answered = true;
  found->second.response = response;
  body_size_bytes_ += response.body.size();
}

void IdempotencyStore::Forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(key);
  if (found != entries_.end() && !found->second.answered) EraseLocked(found);
}

std::size_t IdempotencyStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace nuri::api
