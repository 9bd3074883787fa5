// The messages validators sign to agree on blocks (docs/consensus.md): proposals and votes,
// with their canonical encoding and what a signature covers. src/consensus decides with them;
// the network carries them; a commit certificate is a set of precommits. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/hash.h"

namespace nuri::core {

// Index of a validator in the validator set in force.
using ValidatorIndex = std::uint32_t;
inline constexpr std::int32_t kNoRound = -1;
// Rounds beyond this are refused as malformed: timeouts grow with the round, so a real network
// never comes near it, and the bound keeps round arithmetic simple.
inline constexpr std::uint32_t kRoundMax = 1'000'000;

// Persisted: never reuse a value.
enum class VoteType : std::uint8_t { kPrevote = 1, kPrecommit = 2 };

struct Proposal {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  crypto::Hash value;  // the proposed block's hash
  std::int32_t valid_round = kNoRound;  // the round whose prevotes justify re-proposing value
  ValidatorIndex proposer = 0;
  bool operator==(const Proposal&) const = default;
};

struct Vote {
  VoteType type = VoteType::kPrevote;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  std::optional<crypto::Hash> value;  // nullopt: nil
  ValidatorIndex voter = 0;
  bool operator==(const Vote&) const = default;
};

// Grammars (docs/formats/consensus.md):
//   proposal := version:u8(=1) height:u64 round:u32 value:32 valid_round:i32 proposer:u32
//   vote     := version:u8(=1) type:u8 height:u64 round:u32 has_value:bool [value:32] voter:u32
std::string EncodeProposal(const Proposal& proposal);
base::Result<Proposal> DecodeProposal(std::string_view bytes);
std::string EncodeVote(const Vote& vote);
base::Result<Vote> DecodeVote(std::string_view bytes);

// What a validator signs: a domain tag, the chain, then the message, so that a signature is
// good for one chain and one kind of message only.
std::string ProposalSigningMessage(std::string_view chain_id, const Proposal& proposal);
std::string VoteSigningMessage(std::string_view chain_id, const Vote& vote);

}  // namespace nuri::core
