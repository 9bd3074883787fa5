#include "core/block.h"

#include <algorithm>
#include <set>

#include "base/limits.h"
#include "codec/codec.h"
#include "crypto/merkle.h"

namespace nuri::core {

namespace {

crypto::Hash ReadHash(codec::Reader& r, std::string_view what) {
  return crypto::Hash::FromBytes(r.GetFixed(crypto::kHashSizeBytes, what)).value_or(crypto::Hash{});
}
}  // namespace

bool IsValidatorName(std::string_view name) {
  if (name.empty() || name.size() > kValidatorNameLengthMax) return false;
  const auto letter_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!letter_or_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return letter_or_digit(c) || c == '-' || c == '_' || c == '.';
  });
}

crypto::Hash ValidatorSet::Hash() const { return crypto::Sha256(EncodeValidatorSet(*this)); }

const Validator* ValidatorSet::Find(std::string_view name) const {
  for (const auto& validator : validators) {
    if (validator.name == name) return &validator;
  }
  return nullptr;
}

std::optional<ValidatorIndex> ValidatorSet::IndexOf(std::string_view name) const {
  for (std::size_t i = 0; i < validators.size(); ++i) {
    if (validators[i].name == name) return static_cast<ValidatorIndex>(i);
  }
  return std::nullopt;
}

std::string EncodeHeader(const BlockHeader& h) {
  codec::Writer w;
  w.PutU8(kBlockVersion);
  w.PutBytes(h.chain_id);
  w.PutU64(h.height);
  w.PutFixed(h.prev_hash.view());
  w.PutI64(h.time);
  w.PutBytes(h.proposer);
  w.PutFixed(h.tx_root.view());
  w.PutFixed(h.receipts_root.view());
  w.PutFixed(h.state_root.view());
  w.PutFixed(h.validator_set_hash.view());
  w.PutU32(h.tx_count);
  return w.Take();
}

base::Result<BlockHeader> DecodeHeader(std::string_view bytes) {
  codec::Reader r(bytes);
  BlockHeader h;
  if (r.GetU8("block version") != kBlockVersion && r.ok()) r.Fail("unknown block version");
  h.chain_id = r.GetBytes(base::kChainIdLengthMax, "chain_id");
  h.height = r.GetU64("height");
  h.prev_hash = ReadHash(r, "prev_hash");
  h.time = r.GetI64("time");
  if (r.ok() && !IsLedgerTime(h.time)) r.Fail("time: out of range");
  h.proposer = r.GetBytes(kValidatorNameLengthMax, "proposer");
  h.tx_root = ReadHash(r, "tx_root");
  h.receipts_root = ReadHash(r, "receipts_root");
  h.state_root = ReadHash(r, "state_root");
  h.validator_set_hash = ReadHash(r, "validator_set_hash");
  h.tx_count = r.GetU32("tx_count");
  if (r.ok() && h.tx_count > base::kBlockTransactionsMax) r.Fail("tx_count exceeds the limit");
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return h;
}

crypto::Hash HeaderHash(const BlockHeader& header) { return crypto::Sha256(EncodeHeader(header)); }

Vote CommitVote(const BlockHeader& header, const crypto::Hash& block_hash, std::uint32_t round,
                ValidatorIndex voter) {
  return Vote{.type = VoteType::kPrecommit,
              .height = header.height,
              .round = round,
              .value = block_hash,
              .voter = voter};
}

base::Status VerifyCertificate(const CommitCertificate& certificate, const BlockHeader& header,
                               const ValidatorSet& validators) {
  const crypto::Hash hash = HeaderHash(header);
  std::set<std::string> signers;
  for (const auto& signature : certificate.signatures) {
    const std::optional<ValidatorIndex> index = validators.IndexOf(signature.validator);
    if (!index) {
      return base::Status::Corruption("certificate: '" + signature.validator +
                                      "' is not a validator");
    }
    if (!signers.insert(signature.validator).second) {
      return base::Status::Corruption("certificate: '" + signature.validator + "' signed twice");
    }
    const Vote precommit = CommitVote(header, hash, certificate.round, *index);
    if (!crypto::Verify(validators.validators[*index].key,
                        VoteSigningMessage(header.chain_id, precommit), signature.signature)) {
      return base::Status::Corruption("certificate: bad signature of '" + signature.validator +
                                      "'");
    }
  }
  if (signers.size() < validators.QuorumSize()) {
    return base::Status::Corruption("certificate: " + std::to_string(signers.size()) + " of " +
                                    std::to_string(validators.validators.size()) +
                                    " validators signed; more than two thirds are needed");
  }
  return base::Status::Ok();
}

namespace {

void PutCertificate(codec::Writer& w, const CommitCertificate& certificate) {
  w.PutU32(certificate.round);
  w.PutU32(static_cast<std::uint32_t>(certificate.signatures.size()));
  for (const auto& signature : certificate.signatures) {
    w.PutBytes(signature.validator);
    w.PutFixed(signature.signature);
  }
}

CommitCertificate GetCertificate(codec::Reader& r) {
  CommitCertificate certificate;
  certificate.round = r.GetU32("round");
  if (r.ok() && certificate.round > kRoundMax) r.Fail("round exceeds the limit");
  const std::uint32_t signatures = r.GetCount(kValidatorsMax, 4 + 64, "certificate");
  for (std::uint32_t i = 0; i < signatures && r.ok(); ++i) {
    CommitSignature signature;
    signature.validator = r.GetBytes(kValidatorNameLengthMax, "validator");
    signature.signature = r.GetFixed(crypto::kEd25519SignatureSizeBytes, "signature");
    certificate.signatures.push_back(std::move(signature));
  }
  return certificate;
}

}  // namespace

std::string EncodeCertificate(const CommitCertificate& certificate) {
  codec::Writer w;
  PutCertificate(w, certificate);
  return w.Take();
}

base::Result<CommitCertificate> DecodeCertificate(std::string_view bytes) {
  codec::Reader r(bytes);
  CommitCertificate certificate = GetCertificate(r);
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return certificate;
}

std::string EncodeBlock(const Block& block) {
  codec::Writer w;
  w.PutBytes(EncodeHeader(block.header));
  w.PutU32(static_cast<std::uint32_t>(block.transactions.size()));
  for (const auto& tx : block.transactions) w.PutBytes(tx);
  PutCertificate(w, block.certificate);
  return w.Take();
}

base::Result<Block> DecodeBlock(std::string_view bytes) {
  if (bytes.size() > base::kBlockSizeBytesMax) {
    return base::Error(base::Status::InvalidArgument("block exceeds the size limit"));
  }
  codec::Reader r(bytes);
  Block block;
  const std::string header_bytes = r.GetBytes(kHeaderSizeBytesMax, "header");
  if (r.ok()) {
    auto header = DecodeHeader(header_bytes);
    if (!header) return base::Error(header.error());
    block.header = *header;
  }
  const std::uint32_t count = r.GetCount(base::kBlockTransactionsMax, 4, "transactions");
  block.transactions.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    block.transactions.push_back(r.GetBytes(base::kTransactionSizeBytesMax, "transaction"));
  }
  if (r.ok() && count != block.header.tx_count) r.Fail("transaction count differs from header");
  block.certificate = GetCertificate(r);
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return block;
}

std::string EncodeValidatorSet(const ValidatorSet& set) {
  codec::Writer w;
  w.PutU32(static_cast<std::uint32_t>(set.validators.size()));
  for (const auto& validator : set.validators) {
    w.PutBytes(validator.name);
    validator.key.Encode(w);
  }
  return w.Take();
}

base::Result<ValidatorSet> DecodeValidatorSet(std::string_view bytes) {
  codec::Reader r(bytes);
  ValidatorSet set;
  const std::uint32_t count = r.GetCount(kValidatorsMax, 4 + 33, "validators");
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    Validator validator;
    validator.name = r.GetBytes(kValidatorNameLengthMax, "validator name");
    validator.key = crypto::PublicKey::Decode(r);
    set.validators.push_back(std::move(validator));
  }
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return set;
}

crypto::Hash TransactionsRoot(const std::vector<crypto::Hash>& tx_ids) {
  std::vector<crypto::Hash> leaves;
  leaves.reserve(tx_ids.size());
  for (const auto& id : tx_ids) leaves.push_back(crypto::MerkleLeafHash(id.view()));
  return crypto::MerkleRoot(std::move(leaves));
}

}  // namespace nuri::core
