// StateSync: a node's download of a peer's state snapshot (docs/consensus.md, "State
// snapshots"): the verified offer it took, the buckets received so far, each checked against the
// offer as it arrives, and the next bucket to ask for. A download paused (its peer went silent
// or sent a bad chunk) keeps what it verified, and a newer offer keeps the buckets whose hashes
// did not change: what came from one peer is never fetched again from another.
// Bookkeeping only: the replica sends the requests and installs the result.
//
// Not thread-safe: owned by the replica.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/status.h"
#include "ledger/snapshot.h"

namespace nuri::node {

class StateSync {
 public:
  bool active() const { return active_; }
  // The height of the snapshot in progress; 0 when none.
  std::uint64_t height() const { return active_ ? offer_->height() : 0; }
  // Takes a verified offer (ledger::VerifySnapshotOffer) in place of the one in progress or
  // paused.
  void Start(ledger::SnapshotOffer offer);
  // Stops asking, keeping what was verified for the next offer.
  void Pause() { active_ = false; }
  // The first bucket still missing; ledger::kStateBucketCount once all have come.
  std::uint32_t next_bucket() const { return next_; }
  bool complete() const { return active() && next_ == ledger::kStateBucketCount; }
  // Buckets [first_bucket, end_bucket) of the snapshot in progress: an error when they differ
  // from the offer (the sender is faulty).
  base::Status Add(std::uint32_t first_bucket, std::uint32_t end_bucket,
                   std::vector<ledger::StateEntry> entries);
  // The offer and the whole state, once complete; the download is over.
  std::pair<ledger::SnapshotOffer, std::vector<ledger::StateEntry>> Take();
  // The number of state entries received so far.
  std::size_t entries() const { return entries_; }

 private:
  void AdvanceNext();

  bool active_ = false;
  std::optional<ledger::SnapshotOffer> offer_;  // of the download in progress or paused
  std::vector<std::vector<ledger::StateEntry>> buckets_;
  std::vector<bool> have_;
  std::uint32_t next_ = 0;
  std::size_t entries_ = 0;
};

}  // namespace nuri::node
