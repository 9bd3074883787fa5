// libFuzzer target for the consensus message handler: the input is a sequence of messages as
// a Byzantine peer could send them (each a kind byte, a length byte and that many bytes of an
// encoded proposal or vote, or a timeout), decoded by core's strict decoders and fed to a
// validator's Tendermint state machine. Beyond "never crashes" and bounded memory, it holds the
// machine to what its driver relies on: a decision's certificate has more than two thirds of
// distinct precommits for the decided value at the decided height, and one height is decided
// once. A broken promise aborts, so that libFuzzer keeps the input.
//
// Single-threaded: libFuzzer calls it from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include "consensus/tendermint.h"
#include "core/consensus_message.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_consensus: %s\n", what);
  std::abort();
}

void Check(const std::vector<nuri::consensus::Action>& actions,
           const nuri::consensus::Tendermint& machine, std::set<std::uint64_t>& decided) {
  for (const auto& action : actions) {
    const auto* decision = std::get_if<nuri::consensus::Decide>(&action);
    if (decision == nullptr) continue;
    if (!decided.insert(decision->height).second) Fail("a height decided twice");
    std::set<nuri::core::ValidatorIndex> voters;
    for (const auto& vote : decision->commit) {
      if (vote.type != nuri::core::VoteType::kPrecommit || vote.value != decision->value ||
          vote.height != decision->height || vote.round != decision->round) {
        Fail("a certificate holds a vote for something else");
      }
      voters.insert(vote.voter);
    }
    if (voters.size() < machine.quorum()) Fail("a decision without a quorum of precommits");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  nuri::consensus::Tendermint machine({.validators = 4, .self = 0});
  std::set<std::uint64_t> decided;
  Check(machine.StartHeight(1), machine, decided);
  while (input.size() >= 2) {
    const std::uint8_t kind = static_cast<std::uint8_t>(input[0]);
    const std::size_t length = static_cast<std::uint8_t>(input[1]);
    input.remove_prefix(2);
    if (length > input.size()) break;
    const std::string_view bytes = input.substr(0, length);
    input.remove_prefix(length);
    std::vector<nuri::consensus::Action> actions;
    switch (kind % 4) {
      case 0:
        if (auto vote = nuri::core::DecodeVote(bytes)) actions = machine.OnVote(*vote);
        break;
      case 1:
        if (auto proposal = nuri::core::DecodeProposal(bytes)) {
          actions =
              machine.OnProposal(*proposal, static_cast<nuri::consensus::Verdict>((kind >> 6) % 3));
        }
        break;
      case 2: {
        const auto timeout = static_cast<nuri::consensus::TimeoutKind>(1 + (kind >> 2) % 3);
        actions = machine.OnTimeout(timeout, machine.height(), machine.round());
        break;
      }
      case 3:
        actions = machine.OnValue(machine.height(), machine.round(), nuri::crypto::Sha256(bytes));
        break;
    }
    Check(actions, machine, decided);
    // The driver starts the next height once one is decided.
    if (decided.contains(machine.height())) {
      Check(machine.StartHeight(machine.height() + 1), machine, decided);
    }
  }
  return 0;
}
