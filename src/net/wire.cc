#include "net/wire.h"

#include "codec/codec.h"
#include "crypto/keys.h"

namespace nuri::net {

namespace {

// Kinds on the wire. Persisted in stored consensus messages: never reuse a value.
enum class Kind : std::uint8_t {
  kProposal = 1,
  kVote = 2,
  kTransactions = 3,
  kStatus = 4,
  kBlocksRequest = 5,
  kBlocks = 6,
  kSnapshotRequest = 7,
  kSnapshotOffer = 8,
  kStateChunkRequest = 9,
  kStateChunk = 10,
};
// A chunk's entries: at least one bucket, which may be larger than kSyncBytesMax, and a
// bucket holds few entries (the state's keys spread over 65,536 buckets by their hash).
constexpr std::size_t kStateChunkBytesMax = 2 * kSyncBytesMax;

constexpr std::size_t kProposalSizeBytes = 1 + 8 + 4 + 32 + 4 + 4;
constexpr std::size_t kVoteSizeBytesMax = 1 + 1 + 8 + 4 + 1 + 32 + 4;

struct Encoder {
  codec::Writer& w;
  void operator()(const ProposalMessage& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kProposal));
    w.PutBytes(core::EncodeProposal(m.proposal));
    w.PutFixed(m.signature);
    w.PutBytes(core::EncodeBlock(m.block));
  }
  void operator()(const VoteMessage& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kVote));
    w.PutBytes(core::EncodeVote(m.vote));
    w.PutFixed(m.signature);
  }
  void operator()(const TransactionsMessage& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kTransactions));
    w.PutU32(static_cast<std::uint32_t>(m.transactions.size()));
    for (const auto& tx : m.transactions) w.PutBytes(tx);
  }
  void operator()(const StatusMessage& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kStatus));
    w.PutU64(m.height);
  }
  void operator()(const BlocksRequest& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kBlocksRequest));
    w.PutU64(m.from_height);
    w.PutU32(m.count);
  }
  void operator()(const BlocksMessage& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kBlocks));
    w.PutU32(static_cast<std::uint32_t>(m.blocks.size()));
    for (const auto& block : m.blocks) w.PutBytes(core::EncodeBlock(block));
  }
  void operator()(const SnapshotRequest&) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kSnapshotRequest));
  }
  void operator()(const SnapshotOfferMessage& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kSnapshotOffer));
    w.PutBytes(m.offer);
  }
  void operator()(const StateChunkRequest& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kStateChunkRequest));
    w.PutU64(m.height);
    w.PutU32(m.first_bucket);
  }
  void operator()(const StateChunkMessage& m) {
    w.PutU8(static_cast<std::uint8_t>(Kind::kStateChunk));
    w.PutU64(m.height);
    w.PutU32(m.first_bucket);
    w.PutU32(m.end_bucket);
    w.PutU32(static_cast<std::uint32_t>(m.entries.size()));
    for (const auto& [key, value] : m.entries) {
      w.PutBytes(key);
      w.PutBytes(value);
    }
  }
};

base::Result<core::Block> ReadBlock(codec::Reader& r) {
  const std::string bytes = r.GetBytes(base::kBlockSizeBytesMax, "block");
  if (!r.ok()) return base::Error(r.Finish());
  return core::DecodeBlock(bytes);
}

}  // namespace

std::string EncodeMessage(const Message& message) {
  codec::Writer w;
  w.PutU8(kWireVersion);
  std::visit(Encoder{w}, message);
  return w.Take();
}

base::Result<Message> DecodeMessage(std::string_view bytes) {
  if (bytes.size() > kMessageSizeBytesMax) {
    return base::Error(base::Status::InvalidArgument("message exceeds the size limit"));
  }
  codec::Reader r(bytes);
  if (r.GetU8("version") != kWireVersion && r.ok()) r.Fail("unknown message version");
  const std::uint8_t kind = r.GetU8("kind");
  if (!r.ok()) return base::Error(r.Finish());
  Message message;
  switch (static_cast<Kind>(kind)) {
    case Kind::kProposal: {
      ProposalMessage m;
      auto proposal = core::DecodeProposal(r.GetBytes(kProposalSizeBytes, "proposal"));
      if (!proposal) return base::Error(proposal.error());
      m.proposal = *proposal;
      m.signature = r.GetFixed(crypto::kEd25519SignatureSizeBytes, "signature");
      auto block = ReadBlock(r);
      if (!block) return base::Error(block.error());
      m.block = *std::move(block);
      if (!m.block.certificate.signatures.empty() || m.block.certificate.round != 0) {
        r.Fail("a proposed block carries no certificate");
      }
      message = std::move(m);
      break;
    }
    case Kind::kVote: {
      VoteMessage m;
      auto vote = core::DecodeVote(r.GetBytes(kVoteSizeBytesMax, "vote"));
      if (!vote) return base::Error(vote.error());
      m.vote = *vote;
      m.signature = r.GetFixed(crypto::kEd25519SignatureSizeBytes, "signature");
      message = std::move(m);
      break;
    }
    case Kind::kTransactions: {
      TransactionsMessage m;
      const std::uint32_t count = r.GetCount(kGossipTransactionsMax, 4, "transactions");
      for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        m.transactions.push_back(r.GetBytes(base::kTransactionSizeBytesMax, "transaction"));
      }
      message = std::move(m);
      break;
    }
    case Kind::kStatus:
      message = StatusMessage{r.GetU64("height")};
      break;
    case Kind::kBlocksRequest: {
      BlocksRequest m;
      m.from_height = r.GetU64("from_height");
      m.count = r.GetU32("count");
      if (r.ok() && (m.count == 0 || m.count > kSyncBlocksMax)) r.Fail("count out of range");
      message = m;
      break;
    }
    case Kind::kBlocks: {
      BlocksMessage m;
      const std::uint32_t count = r.GetCount(kSyncBlocksMax, 4, "blocks");
      if (r.ok() && count == 0) r.Fail("no blocks");
      for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        auto block = ReadBlock(r);
        if (!block) return base::Error(block.error());
        if (i > 0 && block->header.height != m.blocks.back().header.height + 1) {
          r.Fail("blocks are not consecutive");
        }
        m.blocks.push_back(*std::move(block));
      }
      message = std::move(m);
      break;
    }
    case Kind::kSnapshotRequest:
      message = SnapshotRequest{};
      break;
    case Kind::kSnapshotOffer:
      message = SnapshotOfferMessage{r.GetBytes(kMessageSizeBytesMax, "offer")};
      break;
    case Kind::kStateChunkRequest: {
      StateChunkRequest m;
      m.height = r.GetU64("height");
      m.first_bucket = r.GetU32("first_bucket");
      message = m;
      break;
    }
    case Kind::kStateChunk: {
      StateChunkMessage m;
      m.height = r.GetU64("height");
      m.first_bucket = r.GetU32("first_bucket");
      m.end_bucket = r.GetU32("end_bucket");
      if (r.ok() && m.first_bucket >= m.end_bucket) r.Fail("empty bucket range");
      const std::uint32_t count = r.GetCount(kStateChunkBytesMax / 8, 8, "entries");
      std::size_t bytes = 0;
      for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        std::string key = r.GetBytes(base::kStateKeySizeBytesMax, "key");
        std::string value = r.GetBytes(base::kStateValueSizeBytesMax, "value");
        bytes += key.size() + value.size();
        m.entries.emplace_back(std::move(key), std::move(value));
      }
      if (r.ok() && bytes > kStateChunkBytesMax) r.Fail("chunk exceeds the size limit");
      message = std::move(m);
      break;
    }
    default:
      r.Fail("unknown message kind");
  }
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return message;
}

std::string_view MessageName(const Message& message) {
  static constexpr std::string_view kNames[] = {
      "proposal",         "vote",           "transactions",
      "status",           "blocks request", "blocks",
      "snapshot request", "snapshot offer", "state chunk request",
      "state chunk"};
  return kNames[message.index()];
}

}  // namespace nuri::net
