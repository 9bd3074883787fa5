// The replica's side of state snapshots (docs/consensus.md, "State snapshots"): keeping and
// serving its own, and starting over from a peer's when it is far behind.
#include <algorithm>
#include <string>
#include <string_view>

#include "base/log.h"
#include "node/replica.h"

namespace nuri::node {

namespace {

constexpr std::string_view kLog = "replica";
// A download that has not advanced for this long pauses, keeping what it verified; the next peer
// ahead that tells its height is asked for an offer. An offer asked for is awaited as long.
constexpr core::TimeMillis kStateSyncStallMillis = 10'000;
// A snapshot request is answered within this long, or the node syncs blocks meanwhile; it asks
// again after the longer pause.
constexpr core::TimeMillis kSnapshotAnswerMillis = 1'000;
constexpr core::TimeMillis kSnapshotRetryMillis = 10'000;
// Offers and chunks served to one peer in a second, at most: a chunk is about 8 MiB, and a peer
// that asks faster than it can take them only wastes the server's time.
constexpr int kSnapshotAnswersPerSecondMax = 16;

}  // namespace

void Replica::KeepSnapshot() {
  ledger_->KeepSnapshot();
  snapshot_offered_.reset();
  snapshot_unavailable_ = false;
}

const std::string* Replica::SnapshotOffered() {
  if (snapshot_unavailable_) return nullptr;
  if (!snapshot_offered_) {
    auto offer = ledger_->SnapshotOffered();
    if (!offer) {
      if (offer.error().code() != base::StatusCode::kNotFound) Halt(offer.error());
      // Until the next snapshot kept: asking again would find the same.
      snapshot_unavailable_ = ledger_->snapshot_height() > 0;
      if (snapshot_unavailable_) {
        base::LogWarning(kLog, "no snapshot to offer: " + offer.error().message());
      }
      return nullptr;
    }
    snapshot_offered_ =
        net::EncodeMessage(net::SnapshotOfferMessage{ledger::EncodeSnapshotOffer(*offer)});
    if (snapshot_offered_->size() > net::kMessageSizeBytesMax) {
      base::LogWarning(kLog, "the snapshot of height " + std::to_string(offer->height()) +
                                 " is too large to offer");
      snapshot_offered_.reset();
      snapshot_unavailable_ = true;
      return nullptr;
    }
  }
  return &*snapshot_offered_;
}

bool Replica::AwaitSnapshot(PeerId from) {
  if (from == kNoPeer) return false;
  if (from == stalled_peer_) {
    stalled_peer_ = kNoPeer;  // passed over once: another peer's status comes first, if any
    return false;
  }
  const core::TimeMillis now = io_.NowMillis();
  if (last_snapshot_request_ == 0 || now - last_snapshot_request_ >= kSnapshotRetryMillis) {
    last_snapshot_request_ = now;
    ExpectOffer(from);
    io_.Send(from, net::EncodeMessage(net::SnapshotRequest{}));
    return true;
  }
  return now - last_snapshot_request_ < kSnapshotAnswerMillis;
}

void Replica::ExpectOffer(PeerId from) {
  offer_expected_from_ = from;
  offer_expected_since_ = io_.NowMillis();
}

bool Replica::TakeSnapshotAnswer(PeerId from) {
  const core::TimeMillis now = io_.NowMillis();
  auto& [second, answers] = snapshot_answers_[from];
  if (now - second >= 1000) {
    second = now;
    answers = 0;
  }
  return ++answers <= kSnapshotAnswersPerSecondMax;
}

void Replica::OnSnapshotRequest(PeerId from) {
  if (from == kNoPeer || !TakeSnapshotAnswer(from)) return;
  if (const std::string* offer = SnapshotOffered()) io_.Send(from, *offer);
}

base::Status Replica::OnSnapshotOffer(PeerId from, const net::SnapshotOfferMessage& message) {
  // Taken only from the peer asked (for a snapshot, or for blocks it may no longer have), or
  // from the one serving the download when it moves on to a newer snapshot: an offer nobody
  // asked for would stop block sync for nothing.
  const bool asked = from == offer_expected_from_ &&
                     io_.NowMillis() - offer_expected_since_ < kStateSyncStallMillis;
  if (from == kNoPeer || (!asked && !(state_sync_.active() && from == state_sync_peer_))) {
    return base::Status::Ok();
  }
  auto offer = ledger::DecodeSnapshotOffer(message.offer);
  if (!offer) return base::Status::InvalidArgument("snapshot offer: " + offer.error().message());
  // Only a jump is worth a download; a newer offer replaces the one in progress.
  const std::uint64_t height = offer->height();
  if (height <= ledger_->head().height + 1 || height <= state_sync_.height()) {
    return base::Status::Ok();
  }
  NURI_RETURN_IF_ERROR(ledger::VerifySnapshotOffer(*offer, chain_id(), ledger_->ValidatorsAt(1)));
  if (!state_sync_.active()) {
    base::LogInfo(kLog, options_.name + " at height " + std::to_string(ledger_->head().height) +
                            " fetches the snapshot of height " + std::to_string(height));
  }
  state_sync_.Start(*std::move(offer));
  offer_expected_from_ = kNoPeer;
  state_sync_peer_ = from;
  state_sync_progress_ = io_.NowMillis();
  RequestStateChunk();
  return base::Status::Ok();
}

void Replica::OnStateChunkRequest(PeerId from, const net::StateChunkRequest& request) {
  if (from == kNoPeer || !TakeSnapshotAnswer(from)) return;
  const std::string* offer = SnapshotOffered();
  if (offer == nullptr) return;
  if (request.height != ledger_->snapshot_height() ||
      request.first_bucket >= ledger::kStateBucketCount) {
    // A snapshot this node no longer keeps: here is the one it does.
    io_.Send(from, *offer);
    return;
  }
  net::StateChunkMessage chunk;
  chunk.height = request.height;
  chunk.first_bucket = request.first_bucket;
  chunk.entries =
      ledger_->ReadSnapshotBuckets(request.first_bucket, net::kSyncBytesMax, chunk.end_bucket);
  io_.Send(from, net::EncodeMessage(chunk));
}

base::Status Replica::OnStateChunk(PeerId from, net::StateChunkMessage message) {
  if (!state_sync_.active() || from != state_sync_peer_ || message.height != state_sync_.height() ||
      message.first_bucket != state_sync_.next_bucket()) {
    return base::Status::Ok();  // late, or of a download paused
  }
  if (base::Status status =
          state_sync_.Add(message.first_bucket, message.end_bucket, std::move(message.entries));
      !status.ok()) {
    PauseStateSync("a chunk differs from its offer");
    return status;
  }
  state_sync_progress_ = io_.NowMillis();
  if (state_sync_.complete()) {
    InstallSnapshot();
  } else {
    RequestStateChunk();
  }
  return base::Status::Ok();
}

void Replica::RequestStateChunk() {
  io_.Send(state_sync_peer_, net::EncodeMessage(net::StateChunkRequest{state_sync_.height(),
                                                                       state_sync_.next_bucket()}));
}

void Replica::InstallSnapshot() {
  auto [offer, entries] = state_sync_.Take();
  const std::uint64_t height = offer.height();
  const std::size_t count = entries.size();
  if (height <= ledger_->head().height) return;  // block sync got here first
  if (base::Status status = ledger_->InstallSnapshot(offer, std::move(entries)); !status.ok()) {
    // A store that failed stops the node; a snapshot that does not hold together is refused.
    if (status.code() != base::StatusCode::kInvalidArgument) return Halt(status);
    stalled_peer_ = state_sync_peer_;
    base::LogWarning(kLog, options_.name + " refuses the snapshot of height " +
                               std::to_string(height) + ": " + status.message());
    return;
  }
  base::LogInfo(kLog, options_.name + " starts from the snapshot of height " +
                          std::to_string(height) + " (" + std::to_string(count) +
                          " state entries)");
  ForgetThrough(height);
  awaiting_decided_block_ = false;
  highest_seen_height_ = std::max(highest_seen_height_, height);
  ResetConsensus();
  if (options_.snapshot_interval > 0) KeepSnapshot();
  // Transactions waiting here may have been committed in the blocks skipped: the next block
  // built leaves them out and they are forgotten then.
}

void Replica::CheckStateSyncProgress() {
  if (state_sync_.active() && io_.NowMillis() - state_sync_progress_ > kStateSyncStallMillis) {
    PauseStateSync("no progress");
  }
}

void Replica::PauseStateSync(std::string_view why) {
  base::LogWarning(kLog, options_.name + " pauses the snapshot of height " +
                             std::to_string(state_sync_.height()) + ": " + std::string(why));
  state_sync_.Pause();
  stalled_peer_ = state_sync_peer_;
  last_snapshot_request_ = 0;
}

}  // namespace nuri::node
