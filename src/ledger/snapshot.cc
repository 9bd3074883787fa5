#include "ledger/snapshot.h"

#include <iterator>
#include <map>

#include "base/limits.h"
#include "codec/codec.h"
#include "core/transaction.h"
#include "ledger/records.h"
#include "ledger/signatures.h"

namespace nuri::ledger {

namespace {

constexpr std::uint8_t kEvidenceVersion = 1;
// A proof's path from its bucket to the root: one sibling per level of the tree.
constexpr std::size_t kProofSiblings = kStateBucketBits;
constexpr std::size_t kSetChangesMax = 65536;
constexpr std::size_t kReceiptsSizeBytesMax = 16 * 1024 * 1024;

crypto::Hash GetHash(codec::Reader& r, std::string_view what) {
  return crypto::Hash::FromBytes(r.GetFixed(crypto::kHashSizeBytes, what)).value_or(crypto::Hash{});
}

// State entries in the grammars below: key:bytes value:bytes, each.
void PutEntry(codec::Writer& w, std::string_view key, std::string_view value) {
  w.PutBytes(key);
  w.PutBytes(value);
}

// count:u32 then that many entries.
std::vector<StateEntry> GetEntries(codec::Reader& r, std::size_t count_max) {
  std::vector<StateEntry> entries;
  const std::uint32_t count = r.GetCount(count_max, 8, "entries");
  entries.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    std::string key = r.GetBytes(base::kStateKeySizeBytesMax, "key");
    std::string value = r.GetBytes(base::kStateValueSizeBytesMax, "value");
    entries.emplace_back(std::move(key), std::move(value));
  }
  return entries;
}

base::Status Refuse(std::string why) {
  return base::Status::InvalidArgument("snapshot evidence: " + std::move(why));
}

// A fault of a certified header, which serves snapshots and transaction evidence alike: each
// caller says what the header was for (Refuse, for snapshots).
base::Status Fault(std::string why) { return base::Status::InvalidArgument(std::move(why)); }

// The set in force at `height` by the schedule learned so far.
const core::ValidatorSet& InForce(const std::map<std::uint64_t, core::ValidatorSet>& schedule,
                                  std::uint64_t height) {
  return std::prev(schedule.upper_bound(height))->second;
}

base::Status CheckCertified(const core::BlockHeader& header,
                            const core::CommitCertificate& certificate,
                            const core::ValidatorSet& set, std::string_view chain_id) {
  const std::string at = "block " + std::to_string(header.height) + ": ";
  if (header.chain_id != chain_id) return Fault(at + "another chain");
  if (header.validator_set_hash != set.Hash()) return Fault(at + "another validator set");
  if (auto status = core::VerifyCertificate(certificate, header, set); !status.ok()) {
    return Fault(at + status.message());
  }
  return base::Status::Ok();
}

// The set that `change` proves scheduled, once its block is certified by `set`.
base::Result<core::ValidatorSet> ProvenSet(const SetChangeProof& change,
                                           const core::ValidatorSet& set,
                                           std::string_view chain_id) {
  if (auto status = CheckCertified(change.header, change.certificate, set, chain_id);
      !status.ok()) {
    return base::Error(status);
  }
  const std::string at = "the set from height " + std::to_string(change.applies_from) + ": ";
  auto value = State::ValueFromProof(change.proof, ValidatorSetKey(change.applies_from),
                                     change.header.state_root);
  if (!value) return base::Error(Fault(at + value.error().message()));
  if (!*value) return base::Error(Fault(at + "the proof does not hold the entry"));
  auto scheduled = core::DecodeValidatorSet(**value);
  if (!scheduled || scheduled->validators.empty()) {
    return base::Error(Fault(at + "not a validator set"));
  }
  return scheduled;
}

}  // namespace

void PutStateProof(codec::Writer& w, const State::Proof& proof) {
  w.PutU32(proof.bucket);
  w.PutU32(static_cast<std::uint32_t>(proof.bucket_entries.size()));
  for (const auto& [key, value] : proof.bucket_entries) PutEntry(w, key, value);
  for (const auto& sibling : proof.siblings) w.PutFixed(sibling.view());
}

State::Proof GetStateProof(codec::Reader& r, std::size_t entries_max) {
  State::Proof proof;
  proof.bucket = r.GetU32("bucket");
  if (r.ok() && proof.bucket >= kStateBucketCount) r.Fail("bucket out of range");
  proof.bucket_entries = GetEntries(r, entries_max);
  for (std::size_t i = 0; i < kProofSiblings && r.ok(); ++i) {
    proof.siblings.push_back(GetHash(r, "sibling"));
  }
  return proof;
}

std::string EncodeStateProof(const State::Proof& proof) {
  codec::Writer w;
  PutStateProof(w, proof);
  return w.Take();
}

base::Result<State::Proof> DecodeStateProof(std::string_view bytes) {
  codec::Reader r(bytes);
  State::Proof proof = GetStateProof(r, bytes.size());
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return proof;
}

std::string EncodeSetChangeProof(const SetChangeProof& change) {
  codec::Writer w;
  w.PutBytes(core::EncodeHeader(change.header));
  w.PutBytes(core::EncodeCertificate(change.certificate));
  w.PutU64(change.applies_from);
  PutStateProof(w, change.proof);
  return w.Take();
}

base::Result<SetChangeProof> DecodeSetChangeProof(std::string_view bytes) {
  codec::Reader r(bytes);
  SetChangeProof change;
  const std::string header = r.GetBytes(core::kHeaderSizeBytesMax, "header");
  const std::string certificate = r.GetBytes(bytes.size(), "certificate");
  change.applies_from = r.GetU64("applies_from");
  change.proof = GetStateProof(r, bytes.size());
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  auto decoded_header = core::DecodeHeader(header);
  if (!decoded_header) return base::Error(decoded_header.error());
  change.header = *std::move(decoded_header);
  auto decoded_certificate = core::DecodeCertificate(certificate);
  if (!decoded_certificate) return base::Error(decoded_certificate.error());
  change.certificate = *std::move(decoded_certificate);
  return change;
}

std::string EncodeSnapshotEvidence(const SnapshotEvidence& evidence) {
  codec::Writer w;
  w.PutU8(kEvidenceVersion);
  w.PutBytes(core::EncodeBlock(evidence.block));
  w.PutBytes(core::EncodeReceipts(evidence.receipts));
  w.PutU32(static_cast<std::uint32_t>(evidence.set_changes.size()));
  for (const auto& change : evidence.set_changes) w.PutBytes(EncodeSetChangeProof(change));
  return w.Take();
}

base::Result<SnapshotEvidence> DecodeSnapshotEvidence(std::string_view bytes) {
  codec::Reader r(bytes);
  if (r.GetU8("version") != kEvidenceVersion && r.ok()) r.Fail("unknown evidence version");
  const std::string block = r.GetBytes(base::kBlockSizeBytesMax, "block");
  const std::string receipts = r.GetBytes(kReceiptsSizeBytesMax, "receipts");
  const std::uint32_t count = r.GetCount(kSetChangesMax, 4, "set changes");
  std::vector<std::string> changes;
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    changes.push_back(r.GetBytes(bytes.size(), "set change"));
  }
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  SnapshotEvidence evidence;
  auto decoded_block = core::DecodeBlock(block);
  if (!decoded_block) return base::Error(decoded_block.error());
  evidence.block = *std::move(decoded_block);
  auto decoded_receipts = core::DecodeReceipts(receipts);
  if (!decoded_receipts) return base::Error(decoded_receipts.error());
  evidence.receipts = *std::move(decoded_receipts);
  for (const auto& change : changes) {
    auto decoded = DecodeSetChangeProof(change);
    if (!decoded) return base::Error(decoded.error());
    evidence.set_changes.push_back(*std::move(decoded));
  }
  return evidence;
}

std::string EncodeSnapshotOffer(const SnapshotOffer& offer) {
  codec::Writer w;
  w.PutBytes(EncodeSnapshotEvidence(offer.evidence));
  for (const auto& hash : offer.bucket_hashes) w.PutFixed(hash.view());
  return w.Take();
}

base::Result<SnapshotOffer> DecodeSnapshotOffer(std::string_view bytes) {
  codec::Reader r(bytes);
  const std::string evidence = r.GetBytes(bytes.size(), "evidence");
  SnapshotOffer offer;
  offer.bucket_hashes.reserve(kStateBucketCount);
  for (std::size_t i = 0; i < kStateBucketCount && r.ok(); ++i) {
    offer.bucket_hashes.push_back(GetHash(r, "bucket hash"));
  }
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  auto decoded = DecodeSnapshotEvidence(evidence);
  if (!decoded) return base::Error(decoded.error());
  offer.evidence = *std::move(decoded);
  return offer;
}

std::vector<std::string> EncodeStatePieces(const State& state, std::size_t piece_bytes) {
  std::vector<std::string> pieces;
  codec::Writer entries;
  std::uint32_t count = 0;
  const auto flush = [&] {
    codec::Writer w;
    w.PutU32(count);
    w.PutFixed(entries.bytes());
    pieces.push_back(w.Take());
    entries = codec::Writer();
    count = 0;
  };
  state.Scan("", [&](const std::string& key, const std::string& value) {
    PutEntry(entries, key, value);
    ++count;
    if (entries.bytes().size() >= piece_bytes) flush();
    return true;
  });
  if (count > 0) flush();
  return pieces;
}

base::Result<std::vector<StateEntry>> DecodeStatePiece(std::string_view bytes) {
  codec::Reader r(bytes);
  std::vector<StateEntry> entries = GetEntries(r, bytes.size());
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return entries;
}

base::Status VerifyCertifiedHeader(const core::BlockHeader& header,
                                   const core::CommitCertificate& certificate,
                                   std::span<const SetChangeProof> set_changes,
                                   std::string_view chain_id,
                                   const core::ValidatorSet& genesis_set) {
  const std::uint64_t height = header.height;
  std::map<std::uint64_t, core::ValidatorSet> schedule{{1, genesis_set}};
  for (const SetChangeProof& change : set_changes) {
    const std::uint64_t scheduled_at = change.header.height;
    if (scheduled_at == 0 || change.applies_from != scheduled_at + core::kValidatorSetChangeDelay ||
        change.applies_from <= schedule.rbegin()->first || scheduled_at > height) {
      return Fault("set changes out of order or past the block");
    }
    auto set = ProvenSet(change, InForce(schedule, scheduled_at), chain_id);
    if (!set) return set.error();
    schedule.emplace(change.applies_from, *std::move(set));
  }
  return CheckCertified(header, certificate, InForce(schedule, height), chain_id);
}

base::Status VerifySnapshotEvidence(const SnapshotEvidence& evidence, std::string_view chain_id,
                                    const core::ValidatorSet& genesis_set) {
  const core::Block& block = evidence.block;
  if (block.header.height == 0) return Refuse("the genesis needs no snapshot");
  if (base::Status status = VerifyCertifiedHeader(block.header, block.certificate,
                                                  evidence.set_changes, chain_id, genesis_set);
      !status.ok()) {
    return Refuse(status.message());
  }
  std::vector<crypto::Hash> ids;
  for (const auto& bytes : block.transactions) {
    auto tx = core::DecodeTransaction(bytes);
    if (!tx) return Refuse("a transaction of the block: " + tx.error().message());
    // A transaction's id leaves out its signatures: the tx root does not vouch for them.
    if (!SignaturesVerify(*tx)) return Refuse("a transaction of the block has a forged signature");
    ids.push_back(tx->id);
  }
  if (core::TransactionsRoot(ids) != block.header.tx_root) return Refuse("tx root differs");
  if (core::ReceiptsRoot(evidence.receipts) != block.header.receipts_root) {
    return Refuse("receipts root differs");
  }
  return base::Status::Ok();
}

base::Status VerifySnapshotOffer(const SnapshotOffer& offer, std::string_view chain_id,
                                 const core::ValidatorSet& genesis_set) {
  NURI_RETURN_IF_ERROR(VerifySnapshotEvidence(offer.evidence, chain_id, genesis_set));
  if (offer.bucket_hashes.size() != kStateBucketCount ||
      State::RootOfBuckets(offer.bucket_hashes) != offer.evidence.block.header.state_root) {
    return Refuse("the bucket hashes do not make the block's state root");
  }
  return base::Status::Ok();
}

base::Result<std::vector<std::size_t>> VerifyStateChunk(
    std::uint32_t first_bucket, std::uint32_t end_bucket, std::span<const StateEntry> entries,
    std::span<const crypto::Hash> bucket_hashes) {
  const auto refuse = [](std::string why) {
    return base::Error(base::Status::InvalidArgument("state chunk: " + std::move(why)));
  };
  if (first_bucket >= end_bucket || end_bucket > kStateBucketCount ||
      bucket_hashes.size() != kStateBucketCount) {
    return refuse("bucket range out of bounds");
  }
  std::vector<std::size_t> starts{0};
  std::size_t next = 0;
  for (std::uint32_t bucket = first_bucket; bucket < end_bucket; ++bucket) {
    const std::size_t begin = next;
    while (next < entries.size() && State::BucketOf(entries[next].first) == bucket) {
      if (next > begin && entries[next - 1].first >= entries[next].first) {
        return refuse("keys out of order");
      }
      ++next;
    }
    if (State::HashBucket(entries.subspan(begin, next - begin)) != bucket_hashes[bucket]) {
      return refuse("bucket " + std::to_string(bucket) + " differs from the offer");
    }
    starts.push_back(next);
  }
  if (next != entries.size()) return refuse("entries outside its buckets");
  return starts;
}

}  // namespace nuri::ledger
