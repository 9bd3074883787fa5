#include "consensus/tendermint.h"

#include <algorithm>

#include "base/check.h"

namespace nuri::consensus {

namespace {
// Messages of heights not yet started are kept, up to this many and this far ahead, so that a
// validator a few heights behind still has them when it gets there (block sync covers more).
constexpr std::size_t kFutureMessagesMax = 4096;
constexpr std::uint64_t kFutureHeightsMax = 16;
// No validator may fill that store alone.
constexpr std::size_t kFutureMessagesPerValidatorMax = 64;
// Distinct proposals kept per round: one from an honest proposer, a few from a faulty one.
constexpr std::size_t kProposalsPerRoundMax = 4;
// Votes kept per validator, type and round: one, and a second that proves equivocation.
constexpr std::size_t kVotesPerValidatorMax = 2;
// Messages of rounds further ahead than this are ignored, so that a faulty validator can't make
// a node keep state for ever more rounds; honest validators are never that far apart.
constexpr std::uint32_t kRoundsAheadMax = 100;
}  // namespace

Tendermint::Tendermint(TendermintConfig config) : config_(config) {
  NURI_CHECK(config_.validators >= 1);
  NURI_CHECK(!config_.self || *config_.self < config_.validators);
}

ValidatorIndex Tendermint::Proposer(std::uint64_t height, std::uint32_t round) const {
  return static_cast<ValidatorIndex>((height + round) % config_.validators);
}

std::int64_t Tendermint::Timeout(TimeoutKind kind, std::uint32_t round) const {
  const std::int64_t base =
      kind == TimeoutKind::kPropose ? config_.timeout_propose_millis : config_.timeout_vote_millis;
  return base + config_.timeout_delta_millis * static_cast<std::int64_t>(round);
}

std::vector<Action> Tendermint::StartHeight(std::uint64_t height) {
  NURI_CHECK(!started_ || height == height_ + 1);
  std::vector<Action> out;
  started_ = true;
  height_ = height;
  decided_ = false;
  locked_value_.reset();
  locked_round_ = kNoRound;
  valid_value_.reset();
  valid_round_ = kNoRound;
  rounds_.clear();
  StartRound(0, out);
  // Messages of this height that arrived early; those of later heights wait on.
  auto proposals = std::move(future_proposals_);
  auto votes = std::move(future_votes_);
  future_proposals_.clear();
  future_votes_.clear();
  for (const auto& [proposal, verdict] : proposals) {
    auto more = OnProposal(proposal, verdict);
    out.insert(out.end(), more.begin(), more.end());
  }
  for (const auto& vote : votes) {
    auto more = OnVote(vote);
    out.insert(out.end(), more.begin(), more.end());
  }
  Evaluate(out);
  return out;
}

// Lines 11-21: StartRound.
void Tendermint::StartRound(std::uint32_t round, std::vector<Action>& out) {
  round_ = round;
  step_ = Step::kPropose;
  if (IsValidator() && Proposer(height_, round) == *config_.self) {
    if (valid_value_) {
      Propose(*valid_value_, valid_round_, out);
    } else {
      out.push_back(RequestValue{height_, round});
    }
  } else {
    out.push_back(ScheduleTimeout{TimeoutKind::kPropose, height_, round,
                                  Timeout(TimeoutKind::kPropose, round)});
  }
}

void Tendermint::Propose(const crypto::Hash& value, std::int32_t valid_round,
                         std::vector<Action>& out) {
  const Proposal proposal{height_, round_, value, valid_round, *config_.self};
  out.push_back(BroadcastProposal{proposal});
  RoundState& state = At(round_);
  if (FindValue(state, value) == nullptr) {
    // Its own value, or one that more than 2/3 prevoted: valid.
    state.proposals.insert(state.proposals.begin(), ProposalSeen{proposal, Verdict::kValid});
  }
}

const Tendermint::ProposalSeen* Tendermint::FindValue(const RoundState& state,
                                                      const crypto::Hash& value) {
  for (const auto& seen : state.proposals) {
    if (seen.proposal.value == value) return &seen;
  }
  return nullptr;
}

void Tendermint::CastVote(VoteType type, std::optional<crypto::Hash> value,
                          std::vector<Action>& out) {
  if (!IsValidator()) return;
  // Counted once the driver delivers it back signed.
  out.push_back(BroadcastVote{Vote{type, height_, round_, value, *config_.self}});
}

std::vector<Action> Tendermint::OnValue(std::uint64_t height, std::uint32_t round,
                                        const crypto::Hash& value) {
  std::vector<Action> out;
  if (!started_ || decided_ || height != height_ || round != round_ || step_ != Step::kPropose ||
      !IsValidator() || Proposer(height, round) != *config_.self || !At(round).proposals.empty()) {
    return out;
  }
  Propose(value, kNoRound, out);
  Evaluate(out);
  return out;
}

std::vector<Action> Tendermint::OnProposal(const Proposal& proposal, Verdict verdict) {
  std::vector<Action> out;
  if (proposal.proposer != Proposer(proposal.height, proposal.round)) return out;
  if (proposal.valid_round < kNoRound ||
      proposal.valid_round >= static_cast<std::int64_t>(proposal.round)) {
    return out;
  }
  if (!started_ || proposal.height > height_) {
    const auto same = [&](const auto& kept) { return kept.first == proposal; };
    const auto from_proposer = [&](const auto& kept) {
      return kept.first.proposer == proposal.proposer;
    };
    if (proposal.height <= height_ + kFutureHeightsMax && proposal.round <= kRoundsAheadMax &&
        future_proposals_.size() < kFutureMessagesMax &&
        std::none_of(future_proposals_.begin(), future_proposals_.end(), same) &&
        static_cast<std::size_t>(std::count_if(future_proposals_.begin(), future_proposals_.end(),
                                               from_proposer)) < kFutureMessagesPerValidatorMax) {
      future_proposals_.emplace_back(proposal, verdict);
    }
    return out;
  }
  if (proposal.height < height_ || decided_) return out;
  if (proposal.round > round_ + kRoundsAheadMax) return out;
  RoundState& state = At(proposal.round);
  const auto seen =
      std::find_if(state.proposals.begin(), state.proposals.end(),
                   [&](const ProposalSeen& kept) { return kept.proposal.value == proposal.value; });
  if (seen != state.proposals.end()) {
    // A value found invalid before its parent block was executed may be found valid now.
    if (verdict <= seen->verdict) return out;
    seen->verdict = verdict;
  } else {
    // Past the cap, a proposal is taken only for a value that more than f validators voted
    // for in the round, as with votes.
    if (state.proposals.size() >= kProposalsPerRoundMax &&
        Count(state.prevotes, proposal.value) < one_third_plus() &&
        Count(state.precommits, proposal.value) < one_third_plus()) {
      return out;
    }
    state.proposals.push_back(ProposalSeen{proposal, verdict});
  }
  Evaluate(out);
  return out;
}

std::vector<Action> Tendermint::OnVote(const Vote& vote) {
  std::vector<Action> out;
  if (vote.voter >= config_.validators) return out;
  if (!started_ || vote.height > height_) {
    const auto from_voter = [&](const Vote& kept) { return kept.voter == vote.voter; };
    if (vote.height <= height_ + kFutureHeightsMax && vote.round <= kRoundsAheadMax &&
        future_votes_.size() < kFutureMessagesMax &&
        std::find(future_votes_.begin(), future_votes_.end(), vote) == future_votes_.end() &&
        static_cast<std::size_t>(std::count_if(future_votes_.begin(), future_votes_.end(),
                                               from_voter)) < kFutureMessagesPerValidatorMax) {
      future_votes_.push_back(vote);
    }
    return out;
  }
  if (vote.height < height_ || decided_) return out;
  if (vote.round > round_ + kRoundsAheadMax) return out;
  RoundState& state = At(vote.round);
  auto& votes = vote.type == VoteType::kPrevote ? state.prevotes : state.precommits;
  std::vector<Vote>& cast = votes[vote.voter];
  if (std::find(cast.begin(), cast.end(), vote) != cast.end()) return out;
  if (!cast.empty()) {
    out.push_back(ReportEquivocation{cast.front(), vote});
    // Past the cap, a faulty voter's further votes are taken only for a value that more than f
    // others voted for: the one a quorum may form on, which every honest validator must be able
    // to count. Honest votes bound how many such values there are.
    if (cast.size() >= kVotesPerValidatorMax &&
        !(vote.value && Count(votes, vote.value) >= one_third_plus())) {
      return out;
    }
  }
  cast.push_back(vote);
  Evaluate(out);
  return out;
}

std::vector<Action> Tendermint::OnTimeout(TimeoutKind kind, std::uint64_t height,
                                          std::uint32_t round) {
  std::vector<Action> out;
  if (!started_ || decided_ || height != height_ || round != round_) return out;
  switch (kind) {
    case TimeoutKind::kPropose:  // lines 57-60
      if (step_ != Step::kPropose) return out;
      CastVote(VoteType::kPrevote, std::nullopt, out);
      step_ = Step::kPrevote;
      break;
    case TimeoutKind::kPrevote:  // lines 61-64
      if (step_ != Step::kPrevote) return out;
      CastVote(VoteType::kPrecommit, std::nullopt, out);
      step_ = Step::kPrecommit;
      break;
    case TimeoutKind::kPrecommit:  // lines 65-67
      StartRound(round_ + 1, out);
      break;
  }
  Evaluate(out);
  return out;
}

std::uint32_t Tendermint::Count(const VoteSet& votes, const std::optional<crypto::Hash>& value) {
  return static_cast<std::uint32_t>(
      std::count_if(votes.begin(), votes.end(), [&](const auto& entry) {
        return std::any_of(entry.second.begin(), entry.second.end(),
                           [&](const Vote& vote) { return vote.value == value; });
      }));
}

void Tendermint::Evaluate(std::vector<Action>& out) {
  while (!decided_ && EvaluateOnce(out)) {
  }
}

bool Tendermint::EvaluateOnce(std::vector<Action>& out) {
  RoundState& current = At(round_);
  // Lines 22-33 act on the first proposal of the round seen: the one this validator prevotes on.
  if (step_ == Step::kPropose && !current.proposals.empty()) {
    const ProposalSeen& first = current.proposals.front();
    const crypto::Hash& v = first.proposal.value;
    const std::int32_t vr = first.proposal.valid_round;
    if (vr == kNoRound) {  // lines 22-27
      const bool acceptable =
          first.verdict == Verdict::kValid && (locked_round_ == kNoRound || locked_value_ == v);
      CastVote(VoteType::kPrevote, acceptable ? std::optional(v) : std::nullopt, out);
      step_ = Step::kPrevote;
      return true;
    }
    if (Count(At(static_cast<std::uint32_t>(vr)).prevotes, v) >= quorum()) {  // lines 28-33
      const bool acceptable =
          first.verdict == Verdict::kValid && (locked_round_ <= vr || locked_value_ == v);
      CastVote(VoteType::kPrevote, acceptable ? std::optional(v) : std::nullopt, out);
      step_ = Step::kPrevote;
      return true;
    }
  }
  if (step_ == Step::kPrevote && !current.prevote_timeout_set &&
      current.prevotes.size() >= quorum()) {  // lines 34-35
    current.prevote_timeout_set = true;
    out.push_back(ScheduleTimeout{TimeoutKind::kPrevote, height_, round_,
                                  Timeout(TimeoutKind::kPrevote, round_)});
    return true;
  }
  if (step_ != Step::kPropose && !current.locked_or_valid_updated) {  // lines 36-43
    for (const ProposalSeen& seen : current.proposals) {
      const crypto::Hash& v = seen.proposal.value;
      if (!seen.valid() || Count(current.prevotes, v) < quorum()) continue;
      current.locked_or_valid_updated = true;
      if (step_ == Step::kPrevote) {
        locked_value_ = v;
        locked_round_ = static_cast<std::int32_t>(round_);
        CastVote(VoteType::kPrecommit, v, out);
        step_ = Step::kPrecommit;
      }
      valid_value_ = v;
      valid_round_ = static_cast<std::int32_t>(round_);
      return true;
    }
  }
  if (step_ == Step::kPrevote && Count(current.prevotes, std::nullopt) >= quorum()) {  // 44-46
    CastVote(VoteType::kPrecommit, std::nullopt, out);
    step_ = Step::kPrecommit;
    return true;
  }
  if (!current.precommit_timeout_set && current.precommits.size() >= quorum()) {  // lines 47-48
    current.precommit_timeout_set = true;
    out.push_back(ScheduleTimeout{TimeoutKind::kPrecommit, height_, round_,
                                  Timeout(TimeoutKind::kPrecommit, round_)});
    return true;
  }
  for (auto& [round, state] : rounds_) {  // lines 49-54, in any round
    for (const ProposalSeen& seen : state.proposals) {
      const crypto::Hash& v = seen.proposal.value;
      if (!seen.valid() || Count(state.precommits, v) < quorum()) continue;
      Decide decision{height_, round, v, {}};
      for (const auto& [voter, votes] : state.precommits) {
        for (const Vote& vote : votes) {
          if (vote.value == v) decision.commit.push_back(vote);
        }
      }
      decided_ = true;
      out.push_back(std::move(decision));
      return true;
    }
  }
  for (auto& [round, state] : rounds_) {  // lines 55-56: more than a third are ahead
    if (round <= round_) continue;
    std::set<ValidatorIndex> senders;
    for (const ProposalSeen& seen : state.proposals) senders.insert(seen.proposal.proposer);
    for (const auto& [voter, votes] : state.prevotes) senders.insert(voter);
    for (const auto& [voter, votes] : state.precommits) senders.insert(voter);
    if (senders.size() >= one_third_plus()) {
      StartRound(round, out);
      return true;
    }
  }
  return false;
}

}  // namespace nuri::consensus
