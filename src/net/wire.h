// The messages nodes exchange (docs/formats/wire.md): consensus proposals with their blocks,
// votes, gossiped transactions, and block sync. Each has one canonical encoding; the decoder
// refuses anything else, and every length is bounded before it is read, since these bytes come
// from peers. Value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "core/block.h"
#include "core/consensus_message.h"

namespace nuri::net {

inline constexpr std::uint8_t kWireVersion = 1;
// A sync answer carries at most this many blocks, and stops adding blocks past kSyncBytesMax
// (it always carries at least one).
inline constexpr std::uint32_t kSyncBlocksMax = 16;
inline constexpr std::size_t kSyncBytesMax = 8 * 1024 * 1024;
inline constexpr std::uint32_t kGossipTransactionsMax = 4096;
// The largest message: a sync answer whose one block is as large as a block may be.
inline constexpr std::size_t kMessageSizeBytesMax = base::kBlockSizeBytesMax + kSyncBytesMax;

// A proposal with the block it names: the block without its certificate, which comes later.
struct ProposalMessage {
  core::Proposal proposal;
  std::string signature;  // by the proposer, over ProposalSigningMessage
  core::Block block;
};
struct VoteMessage {
  core::Vote vote;
  std::string signature;  // by the voter, over VoteSigningMessage
};
// Transactions a node admitted, for its peers to admit too (verbatim signed bytes).
struct TransactionsMessage {
  std::vector<std::string> transactions;
};
// The sender's last committed height: a peer that is behind asks for blocks.
struct StatusMessage {
  std::uint64_t height = 0;
};
struct BlocksRequest {
  std::uint64_t from_height = 0;
  std::uint32_t count = 0;
};
// Committed blocks with their certificates, consecutive from the first.
struct BlocksMessage {
  std::vector<core::Block> blocks;
};

// State sync (docs/consensus.md, "State snapshots"): a node far behind asks a peer for its
// snapshot, then for the snapshot's state in chunks of whole buckets.
struct SnapshotRequest {};
// The offer as ledger/snapshot.h encodes it; the receiver's ledger decodes and checks it.
struct SnapshotOfferMessage {
  std::string offer;
};
struct StateChunkRequest {
  std::uint64_t height = 0;  // of the snapshot
  std::uint32_t first_bucket = 0;
};
// The entries of buckets [first_bucket, end_bucket) of the snapshot of `height`, bucket by
// bucket, in key order within each; about kSyncBytesMax at most, and at least one bucket.
struct StateChunkMessage {
  std::uint64_t height = 0;
  std::uint32_t first_bucket = 0;
  std::uint32_t end_bucket = 0;
  std::vector<std::pair<std::string, std::string>> entries;
};

using Message = std::variant<ProposalMessage, VoteMessage, TransactionsMessage, StatusMessage,
                             BlocksRequest, BlocksMessage, SnapshotRequest, SnapshotOfferMessage,
                             StateChunkRequest, StateChunkMessage>;

std::string EncodeMessage(const Message& message);
base::Result<Message> DecodeMessage(std::string_view bytes);
std::string_view MessageName(const Message& message);

}  // namespace nuri::net
