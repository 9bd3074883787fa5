// State snapshots (docs/consensus.md, "State snapshots"): what a node far behind needs to start
// from a peer's state at a certified height H instead of executing every block before it, and
// the checks that make that state as trustworthy as the blocks it skips.
//
// The evidence that H is certified starts from the genesis validator set alone. For each change
// of the validator set up to H it holds the block that scheduled the change (height h, the set
// applying from h + core::kValidatorSetChangeDelay), certified by the set in force at h, with a
// proof of the scheduled set against that block's state root; so every set is learned only from
// a block certified by sets already trusted, and a forged set can never certify the block that
// would vouch for it. Block H then comes with its certificate and receipts. The state itself
// arrives in chunks of whole buckets of the state commitment (state.h): each bucket's entries
// are checked against the offer's bucket hashes, and those against block H's state root.
//
// Value types and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "codec/codec.h"
#include "core/block.h"
#include "core/receipt.h"
#include "ledger/state.h"

namespace nuri::ledger {

using StateEntry = std::pair<std::string, std::string>;

// The block that scheduled a validator set, and the set's proof against its state root.
struct SetChangeProof {
  core::BlockHeader header;
  core::CommitCertificate certificate;
  std::uint64_t applies_from = 0;  // header.height + core::kValidatorSetChangeDelay
  State::Proof proof;              // of the state entry v/<applies_from>
  bool operator==(const SetChangeProof&) const = default;
};

// What certifies the state of `block`'s height.
struct SnapshotEvidence {
  core::Block block;                        // with its transactions and certificate
  std::vector<core::Receipt> receipts;      // the block's
  // Every change scheduled by the block or before it (applying up to two heights past it), in
  // order: the installed state's schedule must list exactly these.
  std::vector<SetChangeProof> set_changes;
};

// What a node offers: the evidence and the hash of each of the state's kStateBucketCount
// buckets.
struct SnapshotOffer {
  SnapshotEvidence evidence;
  std::vector<crypto::Hash> bucket_hashes;
  std::uint64_t height() const { return evidence.block.header.height; }
};

// Grammars (docs/formats/storage.md, "Snapshots"):
//   set_change := header:bytes certificate:bytes applies_from:u64 bucket:u32 count:u32
//                 (key:bytes value:bytes)* sibling:32 * 16
//   evidence   := version:u8(=1) block:bytes receipts:bytes count:u32 set_change:bytes*
//   offer      := evidence:bytes bucket_hash:32 * 65536
// A state proof alone, as in set_change (docs/formats/storage.md, "Snapshots").
void PutStateProof(codec::Writer& w, const State::Proof& proof);
State::Proof GetStateProof(codec::Reader& r, std::size_t entries_max);
std::string EncodeStateProof(const State::Proof& proof);
base::Result<State::Proof> DecodeStateProof(std::string_view bytes);
std::string EncodeSetChangeProof(const SetChangeProof& proof);
base::Result<SetChangeProof> DecodeSetChangeProof(std::string_view bytes);
std::string EncodeSnapshotEvidence(const SnapshotEvidence& evidence);
base::Result<SnapshotEvidence> DecodeSnapshotEvidence(std::string_view bytes);
std::string EncodeSnapshotOffer(const SnapshotOffer& offer);
base::Result<SnapshotOffer> DecodeSnapshotOffer(std::string_view bytes);

// The base copy of a snapshot's state that a node keeps for `nuri node check`, in pieces of
// about `piece_bytes` (few large values rather than a key per entry: it is read only by checks).
// Grammar: count:u32 (key:bytes value:bytes)*
std::vector<std::string> EncodeStatePieces(const State& state, std::size_t piece_bytes);
base::Result<std::vector<StateEntry>> DecodeStatePiece(std::string_view bytes);

// Ok when `header` is certified by `certificate` on the chain `chain_id` that begins with
// `genesis_set`, every later set learned from `set_changes` (each change scheduled up to the
// header, in order); otherwise the error says what does not hold, and at which block.
base::Status VerifyCertifiedHeader(const core::BlockHeader& header,
                                   const core::CommitCertificate& certificate,
                                   std::span<const SetChangeProof> set_changes,
                                   std::string_view chain_id,
                                   const core::ValidatorSet& genesis_set);
// Ok when the evidence certifies its block on the chain `chain_id` that begins with
// `genesis_set`; otherwise the error says what does not hold.
base::Status VerifySnapshotEvidence(const SnapshotEvidence& evidence, std::string_view chain_id,
                                    const core::ValidatorSet& genesis_set);
// The evidence, and that the bucket hashes make the block's state root.
base::Status VerifySnapshotOffer(const SnapshotOffer& offer, std::string_view chain_id,
                                 const core::ValidatorSet& genesis_set);
// Whether `entries` are exactly the buckets [first_bucket, end_bucket) whose hashes are given:
// bucket by bucket, keys in order within each. If so, where each bucket's entries begin, and
// where the last ends (end_bucket - first_bucket + 1 indexes), so that no key is hashed again.
base::Result<std::vector<std::size_t>> VerifyStateChunk(
    std::uint32_t first_bucket, std::uint32_t end_bucket, std::span<const StateEntry> entries,
    std::span<const crypto::Hash> bucket_hashes);

}  // namespace nuri::ledger
