#include "node/state_sync.h"

#include <iterator>

#include "base/check.h"

namespace nuri::node {

void StateSync::Start(ledger::SnapshotOffer offer) {
  if (offer_) {
    // Buckets whose hash the new snapshot shares are still right.
    for (std::uint32_t bucket = 0; bucket < ledger::kStateBucketCount; ++bucket) {
      if (have_[bucket] && offer_->bucket_hashes[bucket] != offer.bucket_hashes[bucket]) {
        have_[bucket] = false;
        entries_ -= buckets_[bucket].size();
        buckets_[bucket].clear();
      }
    }
  } else {
    buckets_.assign(ledger::kStateBucketCount, {});
    have_.assign(ledger::kStateBucketCount, false);
    entries_ = 0;
  }
  offer_ = std::move(offer);
  active_ = true;
  next_ = 0;
  AdvanceNext();
}

void StateSync::AdvanceNext() {
  while (next_ < ledger::kStateBucketCount && have_[next_]) ++next_;
}

base::Status StateSync::Add(std::uint32_t first_bucket, std::uint32_t end_bucket,
                            std::vector<ledger::StateEntry> entries) {
  NURI_CHECK(active());
  auto starts = ledger::VerifyStateChunk(first_bucket, end_bucket, entries, offer_->bucket_hashes);
  if (!starts) return starts.error();
  for (std::uint32_t bucket = first_bucket; bucket < end_bucket; ++bucket) {
    if (have_[bucket]) continue;
    const std::size_t begin = (*starts)[bucket - first_bucket];
    const std::size_t end = (*starts)[bucket - first_bucket + 1];
    buckets_[bucket].assign(std::make_move_iterator(entries.begin() + begin),
                            std::make_move_iterator(entries.begin() + end));
    entries_ += end - begin;
    have_[bucket] = true;
  }
  AdvanceNext();
  return base::Status::Ok();
}

std::pair<ledger::SnapshotOffer, std::vector<ledger::StateEntry>> StateSync::Take() {
  NURI_CHECK(complete());
  std::vector<ledger::StateEntry> state;
  state.reserve(entries_);
  for (auto& bucket : buckets_) {
    for (auto& entry : bucket) state.push_back(std::move(entry));
  }
  ledger::SnapshotOffer offer = *std::move(offer_);
  *this = StateSync();
  return {std::move(offer), std::move(state)};
}

}  // namespace nuri::node
