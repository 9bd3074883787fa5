// Tendermint's rules one by one, then networks of instances in one thread: messages delivered
// in random order, duplicated and dropped, validators crashed, and a Byzantine proposer that
// sends different proposals and votes to different validators. After every run no two
// validators decided different values at any height (agreement), and when more than two thirds
// are honest and connected every height is decided (termination).
#include "consensus/tendermint.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

namespace nuri::consensus {
namespace {

crypto::Hash Value(std::string_view text) { return crypto::Sha256(text); }

template <typename T>
std::vector<T> Only(const std::vector<Action>& actions) {
  std::vector<T> found;
  for (const auto& action : actions) {
    if (const T* item = std::get_if<T>(&action)) found.push_back(*item);
  }
  return found;
}

Vote VoteOf(VoteType type, std::uint64_t height, std::uint32_t round,
            std::optional<crypto::Hash> value, ValidatorIndex voter) {
  return Vote{type, height, round, value, voter};
}

TEST(Tendermint, QuorumsAreMoreThanTwoThirdsAndMoreThanOneThird) {
  EXPECT_EQ(Tendermint({.validators = 1}).quorum(), 1u);
  EXPECT_EQ(Tendermint({.validators = 4}).quorum(), 3u);
  EXPECT_EQ(Tendermint({.validators = 4}).one_third_plus(), 2u);
  EXPECT_EQ(Tendermint({.validators = 7}).quorum(), 5u);
  EXPECT_EQ(Tendermint({.validators = 7}).one_third_plus(), 3u);
  EXPECT_EQ(Tendermint({.validators = 6}).quorum(), 5u);  // 4 of 6 is exactly two thirds
}

TEST(Tendermint, TheProposerAsksForAValueAndOthersWaitWithATimeout) {
  Tendermint proposer({.validators = 4, .self = 1});  // height 1, round 0: (1 + 0) % 4
  const auto actions = proposer.StartHeight(1);
  ASSERT_EQ(Only<RequestValue>(actions).size(), 1u);
  Tendermint other({.validators = 4, .self = 2});
  const auto waits = Only<ScheduleTimeout>(other.StartHeight(1));
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0].kind, TimeoutKind::kPropose);
  // Line 22: a valid proposal from the round's proposer gets a prevote for its value.
  const auto prevotes =
      Only<BroadcastVote>(other.OnProposal({1, 0, Value("b1"), kNoRound, 1}, Verdict::kValid));
  ASSERT_EQ(prevotes.size(), 1u);
  EXPECT_EQ(prevotes[0].vote.value, Value("b1"));
}

TEST(Tendermint, AnInvalidProposalOrOneFromAnotherValidatorGetsNoPrevoteForIt) {
  Tendermint node({.validators = 4, .self = 2});
  node.StartHeight(1);
  EXPECT_TRUE(
      node.OnProposal({1, 0, Value("b1"), kNoRound, 3}, Verdict::kValid).empty());  // not proposer
  const auto prevotes =
      Only<BroadcastVote>(node.OnProposal({1, 0, Value("b1"), kNoRound, 1}, Verdict::kInvalid));
  ASSERT_EQ(prevotes.size(), 1u);
  EXPECT_EQ(prevotes[0].vote.value, std::nullopt);
}

TEST(Tendermint, ADuplicateVoteIsIgnoredAndADifferentOneReportedAsEquivocation) {
  Tendermint node({.validators = 4, .self = 2});
  node.StartHeight(1);
  node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("a"), 3));
  EXPECT_TRUE(node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("a"), 3)).empty());
  const auto reports =
      Only<ReportEquivocation>(node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("b"), 3)));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].first.value, Value("a"));
  EXPECT_EQ(reports[0].second.value, Value("b"));
  // A third value is reported too, but no more votes of that validator are kept.
  EXPECT_EQ(
      Only<ReportEquivocation>(node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("c"), 3))).size(),
      1u);
}

// Both votes of an equivocating validator count, so a validator that first heard the "wrong"
// one still decides with the others; two quorums for different values would need more than f
// validators to vote twice.
TEST(Tendermint, AnEquivocatorsVoteForTheDecidedValueCountsEvenIfHeardSecond) {
  Tendermint node({.validators = 4, .self = 0});
  node.StartHeight(1);
  node.OnProposal({1, 0, Value("a"), kNoRound, 1}, Verdict::kValid);
  node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("twin"), 3));
  node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), 1));
  node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), 2));
  const auto decided = Only<Decide>(node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), 3)));
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].value, Value("a"));
  EXPECT_EQ(decided[0].commit.size(), 3u);
}

// Lines 36-43 and 22-27: once locked on a value, a validator prevotes nil for another value
// proposed without proof of a later round (valid_round -1).
TEST(Tendermint, ALockedValidatorRefusesAnotherValueWithoutNewerProof) {
  Tendermint node({.validators = 4, .self = 0});
  node.StartHeight(1);  // proposer of round 0 is 1
  const auto own =
      Only<BroadcastVote>(node.OnProposal({1, 0, Value("a"), kNoRound, 1}, Verdict::kValid));
  ASSERT_EQ(own.size(), 1u);
  node.OnVote(own[0].vote);
  node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("a"), 1));
  const auto precommits =
      Only<BroadcastVote>(node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("a"), 2)));
  ASSERT_EQ(precommits.size(), 1u);
  EXPECT_EQ(precommits[0].vote.type, VoteType::kPrecommit);
  EXPECT_EQ(precommits[0].vote.value, Value("a"));
  // Round 0 fails to decide; in round 1 (proposer 2) another value comes without proof.
  node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, std::nullopt, 1));
  node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, std::nullopt, 2));
  node.OnTimeout(TimeoutKind::kPrecommit, 1, 0);
  ASSERT_EQ(node.round(), 1u);
  const auto prevotes =
      Only<BroadcastVote>(node.OnProposal({1, 1, Value("b"), kNoRound, 2}, Verdict::kValid));
  ASSERT_EQ(prevotes.size(), 1u);
  EXPECT_EQ(prevotes[0].vote.value, std::nullopt);
}

// The parent block executes after the proposal arrived: the driver says "valid" again and the
// validator can now decide the value the others precommitted.
TEST(Tendermint, ALaterValidVerdictReplacesAnEarlierRefusal) {
  Tendermint node({.validators = 4, .self = 0});
  node.StartHeight(1);
  node.OnProposal({1, 0, Value("a"), kNoRound, 1}, Verdict::kInvalid);
  for (ValidatorIndex voter : {1u, 2u, 3u}) {
    EXPECT_TRUE(
        Only<Decide>(node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), voter))).empty());
  }
  const auto decided =
      Only<Decide>(node.OnProposal({1, 0, Value("a"), kNoRound, 1}, Verdict::kValid));
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].value, Value("a"));
  // A later "invalid" changes nothing.
  EXPECT_TRUE(node.OnProposal({1, 0, Value("a"), kNoRound, 1}, Verdict::kInvalid).empty());
}

TEST(Tendermint, OneValidatorCannotFillTheStoreOfEarlyMessages) {
  Tendermint node({.validators = 4, .self = 0});
  node.StartHeight(1);
  // Validator 3 floods height 2 with more votes than the whole store holds; the others' early
  // votes are still kept and count.
  for (int i = 0; i < 5000; ++i) {
    node.OnVote(VoteOf(VoteType::kPrecommit, 2, static_cast<std::uint32_t>(i % 100),
                       Value("x" + std::to_string(i)), 3));
  }
  node.OnVote(VoteOf(VoteType::kPrecommit, 2, 0, Value("b"), 1));
  node.OnVote(VoteOf(VoteType::kPrecommit, 2, 0, Value("b"), 2));
  node.OnProposal({1, 0, Value("a"), kNoRound, 1}, Verdict::kValid);
  for (ValidatorIndex voter : {1u, 2u, 3u}) {
    node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), voter));
  }
  node.StartHeight(2);  // height 1 decided; proposer of height 2 round 0 is 2
  node.OnProposal({2, 0, Value("b"), kNoRound, 2}, Verdict::kValid);
  const auto decided = Only<Decide>(node.OnVote(VoteOf(VoteType::kPrecommit, 2, 0, Value("b"), 3)));
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].value, Value("b"));
}

TEST(Tendermint, TimeoutsMoveAValidatorThroughARoundWithoutAProposal) {
  Tendermint node({.validators = 4, .self = 2});
  node.StartHeight(1);
  const auto nil_prevote = Only<BroadcastVote>(node.OnTimeout(TimeoutKind::kPropose, 1, 0));
  ASSERT_EQ(nil_prevote.size(), 1u);
  EXPECT_EQ(nil_prevote[0].vote.value, std::nullopt);
  EXPECT_TRUE(node.OnTimeout(TimeoutKind::kPropose, 1, 0).empty());  // stale: already prevoted
  node.OnVote(nil_prevote[0].vote);
  node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, std::nullopt, 0));
  const auto nil_precommit =
      Only<BroadcastVote>(node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, std::nullopt, 1)));
  ASSERT_EQ(nil_precommit.size(), 1u);  // line 44: more than 2/3 prevoted nil
  EXPECT_EQ(nil_precommit[0].vote.type, VoteType::kPrecommit);
  node.OnTimeout(TimeoutKind::kPrecommit, 1, 0);
  EXPECT_EQ(node.round(), 1u);
}

// A restarted validator's driver declines to sign a vote that conflicts with what it signed
// before the crash: that vote is never counted, so nothing is decided on it.
TEST(Tendermint, OnlyOwnVotesDeliveredBackCount) {
  Tendermint lone({.validators = 1, .self = 0});
  ASSERT_EQ(Only<RequestValue>(lone.StartHeight(1)).size(), 1u);
  const auto prevote = Only<BroadcastVote>(lone.OnValue(1, 0, Value("a")));
  ASSERT_EQ(prevote.size(), 1u);
  EXPECT_EQ(lone.step(), Step::kPrevote);  // cast, but not counted: no precommit yet
  const auto precommit = Only<BroadcastVote>(lone.OnVote(prevote[0].vote));
  ASSERT_EQ(precommit.size(), 1u);
  EXPECT_EQ(precommit[0].vote.type, VoteType::kPrecommit);
  EXPECT_TRUE(Only<Decide>(lone.OnTimeout(TimeoutKind::kPrevote, 1, 0)).empty());
  const auto decided = Only<Decide>(lone.OnVote(precommit[0].vote));
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].commit.size(), 1u);
}

// A block whose time is far from this validator's clock gets a nil prevote from it, but a
// quorum's prevotes still lock it on the value and their precommits still decide it.
TEST(Tendermint, AnUntimelyValueGetsNoPrevoteButCountsTowardLockAndDecision) {
  Tendermint node({.validators = 4, .self = 0});
  node.StartHeight(1);
  const auto prevote =
      Only<BroadcastVote>(node.OnProposal({1, 0, Value("a"), kNoRound, 1}, Verdict::kUntimely));
  ASSERT_EQ(prevote.size(), 1u);
  EXPECT_EQ(prevote[0].vote.value, std::nullopt);
  node.OnVote(prevote[0].vote);
  node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("a"), 1));
  node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("a"), 2));
  const auto precommit =
      Only<BroadcastVote>(node.OnVote(VoteOf(VoteType::kPrevote, 1, 0, Value("a"), 3)));
  ASSERT_EQ(precommit.size(), 1u);
  EXPECT_EQ(precommit[0].vote.value, Value("a"));  // line 36: locked on it
  node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), 1));
  node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), 2));
  const auto decided = Only<Decide>(node.OnVote(VoteOf(VoteType::kPrecommit, 1, 0, Value("a"), 3)));
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].value, Value("a"));
}

TEST(Tendermint, ValidatorsAheadPullALateValidatorIntoTheirRound) {
  Tendermint node({.validators = 4, .self = 2});
  node.StartHeight(1);
  node.OnVote(VoteOf(VoteType::kPrevote, 1, 5, std::nullopt, 0));
  EXPECT_EQ(node.round(), 0u);  // one validator is not more than a third
  node.OnVote(VoteOf(VoteType::kPrevote, 1, 5, std::nullopt, 1));
  EXPECT_EQ(node.round(), 5u);
}

// A network of instances in one thread, reproducible from a seed.
class Network {
 public:
  struct Options {
    std::uint32_t validators = 4;
    std::uint32_t observers = 0;
    std::set<ValidatorIndex> crashed;    // never send or receive
    std::set<ValidatorIndex> byzantine;  // equivocate: different proposals and votes per receiver
    std::uint64_t heights = 5;
    double drop_probability = 0.0;
    double duplicate_probability = 0.1;
    std::int64_t time_limit_millis = 600'000;
  };

  Network(Options options, std::uint64_t seed) : options_(std::move(options)), random_(seed) {
    const std::uint32_t total = options_.validators + options_.observers;
    for (std::uint32_t i = 0; i < total; ++i) {
      std::optional<ValidatorIndex> self;
      if (i < options_.validators) self = i;
      nodes_.push_back(
          std::make_unique<Tendermint>(TendermintConfig{.validators = options_.validators,
                                                        .self = self,
                                                        .timeout_propose_millis = 300,
                                                        .timeout_vote_millis = 100,
                                                        .timeout_delta_millis = 50}));
    }
  }

  void Run() {
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      if (!Crashed(i)) Handle(i, nodes_[i]->StartHeight(1));
    }
    while (now_ < options_.time_limit_millis && !AllDecided()) {
      if (!messages_.empty()) {
        // Any pending message may come next: delivery order is random.
        const std::size_t pick = random_() % messages_.size();
        Message message = std::move(messages_[pick]);
        messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(pick));
        Deliver(message);
        now_ += 1;
        continue;
      }
      if (timers_.empty()) break;
      const auto timer = *timers_.begin();
      timers_.erase(timers_.begin());
      now_ = std::max(now_, std::get<0>(timer));
      const std::uint32_t node = std::get<1>(timer);
      Handle(node,
             nodes_[node]->OnTimeout(std::get<2>(timer), std::get<3>(timer), std::get<4>(timer)));
    }
  }

  // Decisions per height per node.
  const std::map<std::uint64_t, std::map<std::uint32_t, crypto::Hash>>& decisions() const {
    return decisions_;
  }
  bool Honest(std::uint32_t node) const {
    return !Crashed(node) && !options_.byzantine.contains(node);
  }
  std::size_t nodes() const { return nodes_.size(); }
  std::string Describe() const {
    std::string text = "t=" + std::to_string(now_) +
                       " pending=" + std::to_string(messages_.size()) +
                       " timers=" + std::to_string(timers_.size());
    for (const auto& node : nodes_) {
      text += " [h" + std::to_string(node->height()) + " r" + std::to_string(node->round()) + " s" +
              std::to_string(static_cast<int>(node->step())) + "]";
    }
    return text;
  }
  std::int64_t now() const { return now_; }

 private:
  struct Message {
    std::uint32_t to;
    std::variant<Proposal, Vote> payload;
  };
  using Timer = std::tuple<std::int64_t, std::uint32_t, TimeoutKind, std::uint64_t, std::uint32_t>;

  bool Crashed(std::uint32_t node) const { return options_.crashed.contains(node); }

  bool AllDecided() const {
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      if (!Honest(i)) continue;
      const auto at = decisions_.find(options_.heights);
      if (at == decisions_.end() || !at->second.contains(i)) return false;
    }
    return true;
  }

  void Send(std::uint32_t from, std::uint32_t to, std::variant<Proposal, Vote> payload) {
    if (to == from || Crashed(to) || Crashed(from)) return;
    const double roll = std::uniform_real_distribution<double>(0, 1)(random_);
    if (roll < options_.drop_probability) return;
    messages_.push_back({to, payload});
    if (roll > 1 - options_.duplicate_probability) messages_.push_back({to, payload});
  }

  // A Byzantine validator tells each receiver something different: its own value, or a twin.
  std::variant<Proposal, Vote> Twist(std::variant<Proposal, Vote> payload, std::uint32_t to) {
    if (to % 2 == 0) return payload;
    if (auto* proposal = std::get_if<Proposal>(&payload)) {
      proposal->value = Value("twin of " + proposal->value.ToHex());
    } else if (auto* vote = std::get_if<Vote>(&payload); vote->value) {
      vote->value = Value("twin of " + vote->value->ToHex());
    }
    return payload;
  }

  void Broadcast(std::uint32_t from, const std::variant<Proposal, Vote>& payload) {
    FirstSeen(from, payload);
    for (std::uint32_t to = 0; to < nodes_.size(); ++to) {
      Send(from, to, options_.byzantine.contains(from) ? Twist(payload, to) : payload);
    }
  }

  void Handle(std::uint32_t node, const std::vector<Action>& actions) {
    for (const auto& action : actions) {
      if (const auto* proposal = std::get_if<BroadcastProposal>(&action)) {
        Broadcast(node, proposal->proposal);
      } else if (const auto* vote = std::get_if<BroadcastVote>(&action)) {
        Broadcast(node, vote->vote);
        // The driver delivers its own vote back once signed (an honest one always signs).
        Handle(node, nodes_[node]->OnVote(vote->vote));
      } else if (const auto* timeout = std::get_if<ScheduleTimeout>(&action)) {
        timers_.insert(
            {now_ + timeout->delay_millis, node, timeout->kind, timeout->height, timeout->round});
      } else if (const auto* request = std::get_if<RequestValue>(&action)) {
        const std::string block = "block " + std::to_string(request->height) + "/" +
                                  std::to_string(request->round) + " by " + std::to_string(node);
        Handle(node, nodes_[node]->OnValue(request->height, request->round, Value(block)));
      } else if (std::holds_alternative<ReportEquivocation>(action)) {
        ++equivocations_reported_;
      } else if (const auto* decide = std::get_if<Decide>(&action)) {
        Record(node, *decide);
        if (decide->height < options_.heights)
          Handle(node, nodes_[node]->StartHeight(decide->height + 1));
      }
    }
  }

  void Record(std::uint32_t node, const Decide& decide) {
    ASSERT_FALSE(decisions_[decide.height].contains(node)) << "decided twice";
    decisions_[decide.height][node] = decide.value;
    // The certificate: more than two thirds of distinct validators precommitted the value.
    std::set<ValidatorIndex> voters;
    for (const auto& vote : decide.commit) {
      EXPECT_EQ(vote.type, VoteType::kPrecommit);
      EXPECT_EQ(vote.value, decide.value);
      EXPECT_EQ(vote.height, decide.height);
      voters.insert(vote.voter);
    }
    EXPECT_GE(voters.size(), nodes_[node]->quorum());
  }

  // Gossip: an honest node passes on every message it sees for the first time, as the network
  // layer does, so that what one validator heard reaches all (the algorithm assumes it).
  bool FirstSeen(std::uint32_t node, const std::variant<Proposal, Vote>& payload) {
    std::string key;
    if (const auto* proposal = std::get_if<Proposal>(&payload)) {
      key = "p" + std::to_string(proposal->height) + "/" + std::to_string(proposal->round) + "/" +
            proposal->value.ToHex();
    } else {
      const Vote& vote = std::get<Vote>(payload);
      key = "v" + std::to_string(static_cast<int>(vote.type)) + "/" + std::to_string(vote.height) +
            "/" + std::to_string(vote.round) + "/" + std::to_string(vote.voter) + "/" +
            (vote.value ? vote.value->ToHex() : "nil");
    }
    return seen_[node].insert(key).second;
  }

  void Deliver(const Message& message) {
    if (!FirstSeen(message.to, message.payload)) return;
    if (Honest(message.to)) {
      for (std::uint32_t to = 0; to < nodes_.size(); ++to) Send(message.to, to, message.payload);
    }
    Tendermint& node = *nodes_[message.to];
    if (const auto* proposal = std::get_if<Proposal>(&message.payload)) {
      // Honest proposers only propose blocks that are valid; a twin is valid too, which is the
      // hardest case for agreement.
      Handle(message.to, node.OnProposal(*proposal, Verdict::kValid));
    } else {
      Handle(message.to, node.OnVote(std::get<Vote>(message.payload)));
    }
  }

  Options options_;
  std::mt19937_64 random_;
  std::vector<std::unique_ptr<Tendermint>> nodes_;
  std::vector<Message> messages_;
  std::set<Timer> timers_;
  std::int64_t now_ = 0;
  std::map<std::uint64_t, std::map<std::uint32_t, crypto::Hash>> decisions_;
  std::map<std::uint32_t, std::set<std::string>> seen_;
  std::uint64_t equivocations_reported_ = 0;

 public:
  std::uint64_t equivocations_reported() const { return equivocations_reported_; }
};

// No two nodes decided different values at a height; returns how many heights all honest nodes
// decided.
std::uint64_t CheckAgreement(const Network& network, std::uint64_t seed) {
  std::uint64_t complete = 0;
  for (const auto& [height, by_node] : network.decisions()) {
    std::set<crypto::Hash> values;
    for (const auto& [node, value] : by_node) {
      if (network.Honest(node)) values.insert(value);
    }
    EXPECT_LE(values.size(), 1u) << "fork at height " << height << ", seed " << seed;
    std::size_t honest_decided = 0;
    for (std::uint32_t i = 0; i < network.nodes(); ++i) {
      honest_decided += network.Honest(i) && by_node.contains(i);
    }
    std::size_t honest = 0;
    for (std::uint32_t i = 0; i < network.nodes(); ++i) honest += network.Honest(i);
    if (honest_decided == honest) ++complete;
  }
  return complete;
}

// Each network test runs this many seeds; a failure names the seed that replays it.
constexpr std::uint64_t kSeeds = 1000;

TEST(TendermintNetwork, FourHonestValidatorsAndAnObserverDecideEveryHeightAlike) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Network network({.validators = 4, .observers = 1, .heights = 5}, seed);
    network.Run();
    EXPECT_EQ(CheckAgreement(network, seed), 5u) << "seed " << seed;
  }
}

TEST(TendermintNetwork, OneCrashedValidatorOfFourDoesNotStopProgress) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Network network(
        {.validators = 4, .crashed = {static_cast<ValidatorIndex>(seed % 4)}, .heights = 6}, seed);
    network.Run();
    EXPECT_EQ(CheckAgreement(network, seed), 6u) << "seed " << seed;
  }
}

TEST(TendermintNetwork, LostMessagesAreOutlastedByLaterRounds) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    // Every vote is a fresh chance, and rounds repeat until one gets through.
    Network network({.validators = 4, .heights = 3, .drop_probability = 0.05}, seed);
    network.Run();
    EXPECT_EQ(CheckAgreement(network, seed), 3u) << "seed " << seed;
  }
}

TEST(TendermintNetwork, TwoCrashedOfFourStopProgressWithoutAFork) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Network network({.validators = 4, .crashed = {1, 2}, .heights = 2, .time_limit_millis = 60'000},
                    seed);
    network.Run();
    EXPECT_EQ(CheckAgreement(network, seed), 0u) << "seed " << seed;
    EXPECT_TRUE(network.decisions().empty()) << "decided without a quorum, seed " << seed;
  }
}

TEST(TendermintNetwork, AnEquivocatingValidatorCannotSplitTheHonestOnes) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Network network(
        {.validators = 4, .byzantine = {static_cast<ValidatorIndex>(seed % 4)}, .heights = 4},
        seed);
    network.Run();
    EXPECT_EQ(CheckAgreement(network, seed), 4u) << "seed " << seed << " " << network.Describe();
    EXPECT_GT(network.equivocations_reported(), 0u) << "the equivocator was not noticed";
  }
}

TEST(TendermintNetwork, SevenValidatorsTolerateTwoEquivocators) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Network network({.validators = 7,
                     .byzantine = {static_cast<ValidatorIndex>(seed % 7),
                                   static_cast<ValidatorIndex>((seed + 3) % 7)},
                     .heights = 3},
                    seed);
    network.Run();
    EXPECT_EQ(CheckAgreement(network, seed), 3u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace nuri::consensus
