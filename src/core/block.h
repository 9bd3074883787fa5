// Blocks: the header that chains them, the validator set that signs them, and the commit
// certificate that makes one final.
//
// The header commits to the block's transactions (Merkle root of their ids), its receipts
// (Merkle root of encoded receipts), the state after it (state root) and the validator set that
// certifies it. A block hash is the SHA-256 of the encoded header. A certificate holds the
// precommits of more than two thirds of the validators for the block's hash in one consensus
// round (docs/consensus.md): each signature covers the precommit vote, so that the certificate is
// the very evidence the validators decided with. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/consensus_message.h"
#include "core/time.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace nuri::core {

inline constexpr std::uint8_t kBlockVersion = 1;
inline constexpr std::size_t kHeaderSizeBytesMax = 1024;
inline constexpr std::size_t kValidatorNameLengthMax = 64;
inline constexpr std::size_t kValidatorsMax = 256;
// A change to the validator set made in block h applies from block h + 2: the set of a height is
// fixed before the height before it begins, so that a node verifies the messages of the next
// height, which arrive while it is still deciding this one, against the right set.
inline constexpr std::uint64_t kValidatorSetChangeDelay = 2;

// A node name: 1 to 64 lowercase letters, digits, '-', '_' and '.', starting with a letter or
// digit ("bok-1", "v3").
bool IsValidatorName(std::string_view name);

struct Validator {
  std::string name;  // node name, e.g. "bok-1"
  crypto::PublicKey key;
  bool operator==(const Validator&) const = default;
};

struct ValidatorSet {
  std::vector<Validator> validators;
  crypto::Hash Hash() const;
  // Signatures needed for a certificate: more than two thirds.
  std::size_t QuorumSize() const { return validators.size() * 2 / 3 + 1; }
  const Validator* Find(std::string_view name) const;
  // The validator's index in consensus messages, or nullopt when `name` is not in the set.
  std::optional<ValidatorIndex> IndexOf(std::string_view name) const;
  bool operator==(const ValidatorSet&) const = default;
};

struct BlockHeader {
  std::string chain_id;
  std::uint64_t height = 0;
  crypto::Hash prev_hash;
  TimeMillis time = 0;
  std::string proposer;
  crypto::Hash tx_root;
  crypto::Hash receipts_root;
  crypto::Hash state_root;
  crypto::Hash validator_set_hash;
  std::uint32_t tx_count = 0;
  bool operator==(const BlockHeader&) const = default;
};

// Grammar: version:u8(=1) chain_id:bytes height:u64 prev_hash:32 time:i64 proposer:bytes
//          tx_root:32 receipts_root:32 state_root:32 validator_set_hash:32 tx_count:u32
std::string EncodeHeader(const BlockHeader& header);
base::Result<BlockHeader> DecodeHeader(std::string_view bytes);
crypto::Hash HeaderHash(const BlockHeader& header);

struct CommitSignature {
  std::string validator;
  std::string signature;
  bool operator==(const CommitSignature&) const = default;
};

// Precommits of one round for one block; each signature is over VoteSigningMessage of the
// precommit {height, round, block hash, the validator's index}.
struct CommitCertificate {
  std::uint32_t round = 0;
  std::vector<CommitSignature> signatures;
  bool operator==(const CommitCertificate&) const = default;
};

// The precommit a validator signs to commit `header` (whose hash is `block_hash`) in `round`.
Vote CommitVote(const BlockHeader& header, const crypto::Hash& block_hash, std::uint32_t round,
                ValidatorIndex voter);
// Ok when more than two thirds of `validators`, each once, precommitted `header`'s hash in the
// certificate's round.
base::Status VerifyCertificate(const CommitCertificate& certificate, const BlockHeader& header,
                               const ValidatorSet& validators);

// Grammar: round:u32 count:u32 (validator:bytes signature:64)*
std::string EncodeCertificate(const CommitCertificate& certificate);
base::Result<CommitCertificate> DecodeCertificate(std::string_view bytes);

struct Block {
  BlockHeader header;
  std::vector<std::string> transactions;  // verbatim signed bytes
  CommitCertificate certificate;
};

// Grammar: header:bytes count:u32 transaction:bytes* round:u32 certificate_count:u32
//          (validator:bytes signature:64)*
std::string EncodeBlock(const Block& block);
base::Result<Block> DecodeBlock(std::string_view bytes);

// Grammar: count:u32 (name:bytes key)*
std::string EncodeValidatorSet(const ValidatorSet& set);
base::Result<ValidatorSet> DecodeValidatorSet(std::string_view bytes);

// Merkle root over the transaction ids of a block.
crypto::Hash TransactionsRoot(const std::vector<crypto::Hash>& tx_ids);

}  // namespace nuri::core
