#include "net/wire.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crypto/keys.h"

namespace nuri::net {
namespace {

core::Block SampleBlock(std::uint64_t height) {
  core::Block block;
  block.header.chain_id = "nuri-test";
  block.header.height = height;
  block.header.time = 1000 + static_cast<core::TimeMillis>(height);
  block.header.proposer = "v1";
  return block;
}

std::vector<Message> Samples() {
  core::Block certified = SampleBlock(7);
  certified.certificate.round = 2;
  certified.certificate.signatures.push_back({"v1", std::string(64, 's')});
  core::Block next = SampleBlock(8);
  return {
      ProposalMessage{core::Proposal{5, 1, crypto::Sha256("block"), 0, 2}, std::string(64, 'p'),
                      SampleBlock(5)},
      VoteMessage{core::Vote{core::VoteType::kPrecommit, 5, 1, crypto::Sha256("block"), 3},
                  std::string(64, 'v')},
      VoteMessage{core::Vote{core::VoteType::kPrevote, 5, 0, std::nullopt, 0},
                  std::string(64, 'n')},
      TransactionsMessage{{"tx-one", "tx-two"}},
      StatusMessage{42},
      BlocksRequest{7, 16},
      BlocksMessage{{certified, next}},
      SnapshotRequest{},
      SnapshotOfferMessage{"an offer, as the ledger encodes it"},
      StateChunkRequest{64, 1024},
      StateChunkMessage{64, 1024, 1100, {{"a/kim@moef", "account"}, {"b/kim@moef/KRW", "5"}}},
  };
}

TEST(Wire, EveryMessageRoundTrips) {
  for (const Message& message : Samples()) {
    const std::string bytes = EncodeMessage(message);
    const auto decoded = DecodeMessage(bytes);
    ASSERT_TRUE(decoded.has_value()) << MessageName(message) << ": " << decoded.error().ToString();
    EXPECT_EQ(EncodeMessage(*decoded), bytes) << MessageName(message);
    EXPECT_EQ(decoded->index(), message.index());
  }
}

TEST(Wire, MalformedMessagesAreRefusedWithAReason) {
  const std::string vote = EncodeMessage(Samples()[1]);
  auto refused = [](std::string bytes) {
    const auto decoded = DecodeMessage(bytes);
    return decoded ? std::string("accepted") : decoded.error().message();
  };
  EXPECT_NE(refused(vote + "x"), "accepted");                     // trailing byte
  EXPECT_NE(refused(vote.substr(0, vote.size() - 1)), "accepted");  // truncated
  std::string other_version = vote;
  other_version[0] = 2;
  EXPECT_NE(refused(other_version), "accepted");
  std::string unknown_kind = vote;
  unknown_kind[1] = 99;
  EXPECT_NE(refused(unknown_kind), "accepted");
  EXPECT_NE(refused(""), "accepted");
  EXPECT_NE(refused(EncodeMessage(BlocksRequest{1, 0})), "accepted");
  EXPECT_NE(refused(EncodeMessage(BlocksRequest{1, kSyncBlocksMax + 1})), "accepted");
  EXPECT_NE(refused(EncodeMessage(BlocksMessage{{SampleBlock(3), SampleBlock(5)}})), "accepted");
  EXPECT_NE(refused(EncodeMessage(StateChunkMessage{64, 10, 10, {}})), "accepted");
  EXPECT_NE(refused(EncodeMessage(StateChunkMessage{64, 10, 11, {{std::string(2000, 'k'), ""}}})),
            "accepted");  // a key longer than any state key
  core::Block certified = SampleBlock(5);
  certified.certificate.signatures.push_back({"v1", std::string(64, 's')});
  EXPECT_NE(refused(EncodeMessage(ProposalMessage{core::Proposal{}, std::string(64, 'p'),
                                                  certified})),
            "accepted");
}

// Whatever a peer sends, decoding answers (no crash), and what it accepts is canonical.
RC_GTEST_PROP(WireProperty, MutatedMessagesDecodeOnlyCanonically, ()) {
  const auto samples = Samples();
  std::string bytes = EncodeMessage(*rc::gen::elementOf(samples));
  const int edits = *rc::gen::inRange(1, 4);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = *rc::gen::inRange<std::size_t>(0, bytes.size());
    switch (*rc::gen::inRange(0, 3)) {
      case 0: bytes[at] = static_cast<char>(*rc::gen::arbitrary<std::uint8_t>()); break;
      case 1: bytes.erase(at, 1); break;
      default: bytes.insert(at, 1, static_cast<char>(*rc::gen::arbitrary<std::uint8_t>()));
    }
  }
  const auto decoded = DecodeMessage(bytes);
  if (decoded) RC_ASSERT(EncodeMessage(*decoded) == bytes);
}

}  // namespace
}  // namespace nuri::net
