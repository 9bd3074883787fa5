#include "core/consensus_message.h"

#include "codec/codec.h"

namespace nuri::core {

namespace {

constexpr std::uint8_t kMessageVersion = 1;

void CheckRound(codec::Reader& r, std::uint32_t round) {
  if (r.ok() && round > kRoundMax) r.Fail("round: beyond " + std::to_string(kRoundMax));
}

crypto::Hash GetHash(codec::Reader& r, std::string_view what) {
  return crypto::Hash::FromBytes(r.GetFixed(32, what)).value_or(crypto::Hash());
}

std::string Tagged(std::string_view tag, std::string_view chain_id, std::string_view message) {
  codec::Writer w;
  w.PutFixed(tag);
  w.PutBytes(chain_id);
  w.PutFixed(message);
  return w.Take();
}

}  // namespace

std::string EncodeProposal(const Proposal& proposal) {
  codec::Writer w;
  w.PutU8(kMessageVersion);
  w.PutU64(proposal.height);
  w.PutU32(proposal.round);
  w.PutFixed(proposal.value.view());
  w.PutU32(static_cast<std::uint32_t>(proposal.valid_round));
  w.PutU32(proposal.proposer);
  return w.Take();
}

base::Result<Proposal> DecodeProposal(std::string_view bytes) {
  codec::Reader r(bytes);
  Proposal proposal;
  if (r.GetU8("version") != kMessageVersion && r.ok()) r.Fail("unknown proposal version");
  proposal.height = r.GetU64("height");
  proposal.round = r.GetU32("round");
  CheckRound(r, proposal.round);
  proposal.value = GetHash(r, "value");
  proposal.valid_round = static_cast<std::int32_t>(r.GetU32("valid_round"));
  if (r.ok() && (proposal.valid_round < kNoRound ||
                 proposal.valid_round >= static_cast<std::int64_t>(proposal.round))) {
    r.Fail("valid_round: must be -1 or an earlier round");
  }
  proposal.proposer = r.GetU32("proposer");
  if (base::Status status = r.Finish(); !status.ok()) return base::Error(std::move(status));
  return proposal;
}

std::string EncodeVote(const Vote& vote) {
  codec::Writer w;
  w.PutU8(kMessageVersion);
  w.PutU8(static_cast<std::uint8_t>(vote.type));
  w.PutU64(vote.height);
  w.PutU32(vote.round);
  w.PutBool(vote.value.has_value());
  if (vote.value) w.PutFixed(vote.value->view());
  w.PutU32(vote.voter);
  return w.Take();
}

base::Result<Vote> DecodeVote(std::string_view bytes) {
  codec::Reader r(bytes);
  Vote vote;
  if (r.GetU8("version") != kMessageVersion && r.ok()) r.Fail("unknown vote version");
  const std::uint8_t type = r.GetU8("type");
  if (r.ok() && type != 1 && type != 2) r.Fail("type: unknown vote type");
  vote.type = static_cast<VoteType>(type);
  vote.height = r.GetU64("height");
  vote.round = r.GetU32("round");
  CheckRound(r, vote.round);
  if (r.GetBool("has_value")) vote.value = GetHash(r, "value");
  vote.voter = r.GetU32("voter");
  if (base::Status status = r.Finish(); !status.ok()) return base::Error(std::move(status));
  return vote;
}

std::string ProposalSigningMessage(std::string_view chain_id, const Proposal& proposal) {
  return Tagged("nuri/proposal/v1", chain_id, EncodeProposal(proposal));
}

std::string VoteSigningMessage(std::string_view chain_id, const Vote& vote) {
  return Tagged("nuri/vote/v1", chain_id, EncodeVote(vote));
}

}  // namespace nuri::core
