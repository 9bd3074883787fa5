// Tendermint consensus as a pure state machine (docs/consensus.md).
//
// One instance decides one value per height among validators of equal weight, indexed
// 0..n-1. It follows Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon,
// Milosevic, 2018): rounds of propose, prevote and precommit; a validator locks on a value once
// more than two thirds prevoted it, and only prevotes another after a later round's proof;
// more than two thirds of precommits decide. Comments in the .cc name the algorithm's lines.
//
// Inputs are messages whose signatures the driver has already verified, and timeouts the driver
// scheduled when asked to; outputs are actions the driver carries out. A value is named by its
// hash; whether a proposed value is valid (a block that executes on the current state) is the
// driver's to say when it passes the proposal in. Everything is deterministic.
//
// The instance counts only the votes delivered to it, its own included: the driver delivers
// each vote of its own back once it has signed it. A vote the driver declines to sign (a
// restarted validator never signs anything that conflicts with what it signed before the crash)
// is therefore never counted, and no decision rests on a signature that does not exist.
//
// Not thread-safe: one driver thread owns an instance.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "core/consensus_message.h"
#include "crypto/hash.h"

namespace nuri::consensus {

using core::kNoRound;
using core::Proposal;
using core::ValidatorIndex;
using core::Vote;
using core::VoteType;

enum class Step : std::uint8_t { kPropose = 1, kPrevote = 2, kPrecommit = 3 };
enum class TimeoutKind : std::uint8_t { kPropose = 1, kPrevote = 2, kPrecommit = 3 };

// Actions for the driver.
struct BroadcastProposal {
  Proposal proposal;
};
struct BroadcastVote {
  Vote vote;
};
struct ScheduleTimeout {
  TimeoutKind kind;
  std::uint64_t height;
  std::uint32_t round;
  std::int64_t delay_millis;
};
// This validator proposes at (height, round) and has no valid value from an earlier round:
// the driver answers with OnValue once it has built a block.
struct RequestValue {
  std::uint64_t height;
  std::uint32_t round;
};
// The height is decided: `commit` holds more than two thirds of precommits for the value, the
// certificate any node can check against the validator set.
struct Decide {
  std::uint64_t height;
  std::uint32_t round;
  crypto::Hash value;
  std::vector<Vote> commit;
};
// A validator signed two different votes of one type, height and round: evidence for auditors.
struct ReportEquivocation {
  Vote first;
  Vote second;
};
using Action = std::variant<BroadcastProposal, BroadcastVote, ScheduleTimeout, RequestValue, Decide,
                            ReportEquivocation>;

// The driver's verdict on a proposed value: Tendermint's valid(v), with timeliness apart. A
// valid value whose block time is too far from this validator's clock gets no prevote from it
// (lines 22 and 28), but counts toward locks and decisions like any valid value (lines 36 and
// 49): otherwise a validator whose clock drifted, or that restarted later than the proposal's
// time, could not lock on or decide what a quorum did. Ordered: a later, better verdict replaces
// an earlier one.
enum class Verdict : std::uint8_t { kInvalid = 0, kUntimely = 1, kValid = 2 };

struct TendermintConfig {
  std::uint32_t validators = 1;        // n
  std::optional<ValidatorIndex> self;  // nullopt: an observer that follows without voting
  // Institutions' validators sit on well-connected networks: a crashed proposer costs about a
  // second, and rounds grow until they outlast whatever delays there are.
  std::int64_t timeout_propose_millis = 1000;
  std::int64_t timeout_vote_millis = 500;   // prevote and precommit
  std::int64_t timeout_delta_millis = 250;  // added per round, so that rounds grow until sync
};

class Tendermint {
 public:
  explicit Tendermint(TendermintConfig config);
  Tendermint(const Tendermint&) = delete;
  Tendermint& operator=(const Tendermint&) = delete;

  // Starts `height` at round 0; the height before it must be decided (or it is the first).
  std::vector<Action> StartHeight(std::uint64_t height);
  // The value this validator proposes, answering RequestValue.
  std::vector<Action> OnValue(std::uint64_t height, std::uint32_t round, const crypto::Hash& value);
  // A proposal, with the driver's verdict on its value. A proposal of a height not yet started
  // is kept with the verdict given then, which the driver can't know before executing the
  // parent block: it delivers the proposal again once the height starts, and a better verdict
  // replaces a worse one.
  std::vector<Action> OnProposal(const Proposal& proposal, Verdict verdict);
  // Anyone's vote, this validator's own included (see above).
  std::vector<Action> OnVote(const Vote& vote);
  std::vector<Action> OnTimeout(TimeoutKind kind, std::uint64_t height, std::uint32_t round);

  // How long the timeout of `kind` waits in `round`: growing with the round.
  std::int64_t Timeout(TimeoutKind kind, std::uint32_t round) const;
  // Who proposes at (height, round): round-robin, so that a crashed proposer costs one round.
  ValidatorIndex Proposer(std::uint64_t height, std::uint32_t round) const;
  std::uint64_t height() const { return height_; }
  std::uint32_t round() const { return round_; }
  Step step() const { return step_; }
  // More than two thirds of n, and more than one third.
  std::uint32_t quorum() const { return 2 * config_.validators / 3 + 1; }
  std::uint32_t one_third_plus() const { return (config_.validators - 1) / 3 + 1; }

 private:
  struct ProposalSeen {
    Proposal proposal;
    Verdict verdict = Verdict::kInvalid;
    bool valid() const { return verdict != Verdict::kInvalid; }
  };
  struct RoundState {
    // Proposals of distinct values from the round's proposer, first seen first: an honest one
    // sends one; a faulty one may send several, and any may be the one the others decide.
    std::vector<ProposalSeen> proposals;
    // Each validator's votes: one from an honest validator, two from an equivocating one (both
    // are kept and counted: two quorums for different values would still need more than f
    // validators to vote twice, so agreement holds, and a validator that saw only one of a
    // faulty voter's votes can still count the one the others decided with).
    std::map<ValidatorIndex, std::vector<Vote>> prevotes;
    std::map<ValidatorIndex, std::vector<Vote>> precommits;
    // Rules that fire once per round.
    bool prevote_timeout_set = false;
    bool precommit_timeout_set = false;
    bool locked_or_valid_updated = false;
  };

  RoundState& At(std::uint32_t round) { return rounds_[round]; }
  void StartRound(std::uint32_t round, std::vector<Action>& out);
  void Propose(const crypto::Hash& value, std::int32_t valid_round, std::vector<Action>& out);
  void CastVote(VoteType type, std::optional<crypto::Hash> value, std::vector<Action>& out);
  // Applies every rule whose condition now holds, until none does.
  void Evaluate(std::vector<Action>& out);
  bool EvaluateOnce(std::vector<Action>& out);
  using VoteSet = std::map<ValidatorIndex, std::vector<Vote>>;
  static std::uint32_t Count(const VoteSet& votes, const std::optional<crypto::Hash>& value);
  bool IsValidator() const { return config_.self.has_value(); }

  static const ProposalSeen* FindValue(const RoundState& state, const crypto::Hash& value);

  TendermintConfig config_;
  std::uint64_t height_ = 0;
  std::uint32_t round_ = 0;
  Step step_ = Step::kPropose;
  bool started_ = false;
  bool decided_ = false;
  std::optional<crypto::Hash> locked_value_;
  std::int32_t locked_round_ = kNoRound;
  std::optional<crypto::Hash> valid_value_;
  std::int32_t valid_round_ = kNoRound;
  std::map<std::uint32_t, RoundState> rounds_;  // of the current height
  // Votes of later heights, kept until their height starts (bounded by the driver's window).
  std::vector<Vote> future_votes_;
  std::vector<std::pair<Proposal, Verdict>> future_proposals_;
};

}  // namespace nuri::consensus
