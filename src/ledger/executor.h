// Executor: applies transactions to the State at a block's time and explains each outcome.
//
// Deterministic: it reads only the State and the block context (never a clock, randomness or
// disk), iterates only ordered containers, and uses checked integer arithmetic. A transaction
// that is well-formed but breaks a rule is recorded as rejected with its reason and moves
// nothing; its nonce is used all the same. Checks run in the order of docs/ledger.md and the
// first failure is the reason.
//
// Not thread-safe: one executor per State, driven by the thread that builds or replays blocks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/receipt.h"
#include "core/transaction.h"
#include "ledger/records.h"
#include "ledger/state.h"
#include "ledger/state_view.h"

namespace nuri::ledger {

struct BlockContext {
  std::string chain_id;
  std::uint64_t height = 0;
  core::TimeMillis time = 0;
};

// Why a transaction may not enter a block at `context` (an admission code), or kOk. Signatures
// are not verified here: that is done once, at admission.
core::ReasonCode CheckIncludable(const State& state, const core::Transaction& tx,
                                 const BlockContext& context);

class Executor {
 public:
  explicit Executor(State& state);
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Starts a block: forgets nonces whose transactions have expired by its time.
  void BeginBlock(const BlockContext& context);
  // Applies one transaction, or returns the admission code that keeps it out of the current
  // block (CheckIncludable), changing nothing then.
  std::expected<core::Receipt, core::ReasonCode> Execute(const core::SignedTransaction& tx);
  // Applies a genesis body: no signer, no authorization, no nonce. A failure is a fault in the
  // genesis description, returned as the rejected receipt's message.
  core::Receipt ApplyGenesis(const core::Body& body);

  // Speculation over whole blocks (State::BeginUndo): a block executed after BeginUndo is taken
  // back by Rollback, state and executor alike.
  void BeginUndo();
  void Rollback();
  // Applies the state changes a block made when it was executed and taken back, once it is
  // decided: the state and the executor end exactly where executing it would have left them.
  void ApplyBlock(const BlockContext& context, const std::vector<StateChange>& changes);

 private:
  // The keys of the remembered nonces by their transactions' valid_until, for pruning in time
  // order. Keyed by time alone, with each time's keys in the order they came, so that adding a
  // nonce compares integers rather than keys that share long prefixes.
  using NonceExpiry = std::map<core::TimeMillis, std::vector<std::string>>;
  void AddNonceExpiry(core::TimeMillis valid_until, std::string key);
  void RemoveNonceExpiry(core::TimeMillis valid_until, std::string_view key);
  // Forgets, from the index only, every nonce whose transaction expired before `time`; returns
  // their keys.
  std::vector<std::string> TakeExpiredNonces(core::TimeMillis time);

  State& state_;
  BlockContext context_;
  NonceExpiry nonce_expiry_;
  DefinitionCache definitions_;
  // While speculating: the context before, and what nonce_expiry_ gained (valid_until, key; in
  // order) and lost since.
  BlockContext context_before_undo_;
  std::vector<std::pair<core::TimeMillis, std::string>> expiry_added_;
  NonceExpiry expiry_removed_;
};

}  // namespace nuri::ledger
