#include "core/consensus_message.h"

#include <gtest/gtest.h>

namespace nuri::core {
namespace {

Vote SomeVote() { return Vote{VoteType::kPrecommit, 12, 3, crypto::Sha256("block"), 2}; }
Proposal SomeProposal() { return Proposal{12, 3, crypto::Sha256("block"), 1, 3}; }

TEST(ConsensusMessage, VotesAndProposalsRoundTrip) {
  EXPECT_EQ(DecodeVote(EncodeVote(SomeVote())).value(), SomeVote());
  Vote nil = SomeVote();
  nil.value.reset();
  nil.type = VoteType::kPrevote;
  EXPECT_EQ(DecodeVote(EncodeVote(nil)).value(), nil);
  EXPECT_EQ(DecodeProposal(EncodeProposal(SomeProposal())).value(), SomeProposal());
  Proposal fresh = SomeProposal();
  fresh.valid_round = kNoRound;
  EXPECT_EQ(DecodeProposal(EncodeProposal(fresh)).value(), fresh);
}

TEST(ConsensusMessage, DecodersRefuseWhatIsNotCanonical) {
  const std::string vote = EncodeVote(SomeVote());
  EXPECT_FALSE(DecodeVote(vote + "x").has_value());                // trailing byte
  EXPECT_FALSE(DecodeVote(vote.substr(0, vote.size() - 1)).has_value());  // missing byte
  std::string other_version = vote;
  other_version[0] = 2;
  EXPECT_FALSE(DecodeVote(other_version).has_value());
  std::string bad_type = vote;
  bad_type[1] = 3;
  EXPECT_FALSE(DecodeVote(bad_type).has_value());
  std::string bad_bool = vote;
  bad_bool[1 + 1 + 8 + 4] = 2;  // has_value
  EXPECT_FALSE(DecodeVote(bad_bool).has_value());
  Vote far = SomeVote();
  far.round = kRoundMax + 1;
  EXPECT_FALSE(DecodeVote(EncodeVote(far)).has_value());
}

TEST(ConsensusMessage, AProposalsValidRoundIsEarlierThanItsRound) {
  Proposal same = SomeProposal();
  same.valid_round = static_cast<std::int32_t>(same.round);
  EXPECT_FALSE(DecodeProposal(EncodeProposal(same)).has_value());
  Proposal below = SomeProposal();
  below.valid_round = -2;
  EXPECT_FALSE(DecodeProposal(EncodeProposal(below)).has_value());
}

TEST(ConsensusMessage, ASignatureCoversOneChainAndOneKindOfMessage) {
  EXPECT_NE(VoteSigningMessage("nuri-a", SomeVote()), VoteSigningMessage("nuri-b", SomeVote()));
  Vote prevote = SomeVote();
  prevote.type = VoteType::kPrevote;
  EXPECT_NE(VoteSigningMessage("nuri-a", SomeVote()), VoteSigningMessage("nuri-a", prevote));
  EXPECT_TRUE(VoteSigningMessage("nuri-a", SomeVote()).starts_with("nuri/vote/v1"));
  EXPECT_TRUE(ProposalSigningMessage("nuri-a", SomeProposal()).starts_with("nuri/proposal/v1"));
}

}  // namespace
}  // namespace nuri::core
