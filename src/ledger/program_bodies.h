// Executing the bodies of programs (docs/programs.md): the holiday calendar, defining and
// amending programs, funding, granting, reclaiming, closing, paying (judged by src/policy),
// refunding and attesting milestones. Called by the Executor for these bodies, after the
// signer's signatures and frozen flag were checked. Deterministic like the executor: it reads
// only the state and the block time.
//
// Not thread-safe: one instance per transaction, on the thread that executes the block.
#pragma once

#include <type_traits>

#include "core/receipt.h"
#include "core/transaction.h"
#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::ledger {

template <typename Body>
inline constexpr bool kIsProgramBody =
    std::is_same_v<Body, core::SetHolidays> || std::is_same_v<Body, core::DefineProgram> ||
    std::is_same_v<Body, core::AmendProgram> || std::is_same_v<Body, core::FundProgram> ||
    std::is_same_v<Body, core::Grant> || std::is_same_v<Body, core::Reclaim> ||
    std::is_same_v<Body, core::CloseProgram> || std::is_same_v<Body, core::Pay> ||
    std::is_same_v<Body, core::Refund> || std::is_same_v<Body, core::Attest>;

// Who acts: the signed transaction and its signer's record, or nothing at genesis, where
// nothing is authorized and only the calendar and programs are set up.
struct Actor {
  const core::SignedTransaction* tx = nullptr;
  const AccountRecord* signer_record = nullptr;
};

class ProgramBodies {
 public:
  ProgramBodies(StateView& view, core::TimeMillis time, Actor actor)
      : view_(view), time_(time), actor_(actor) {}
  ProgramBodies(const ProgramBodies&) = delete;
  ProgramBodies& operator=(const ProgramBodies&) = delete;

  core::Receipt operator()(const core::SetHolidays& b);
  core::Receipt operator()(const core::DefineProgram& b);
  core::Receipt operator()(const core::AmendProgram& b);
  core::Receipt operator()(const core::FundProgram& b);
  core::Receipt operator()(const core::Grant& b);
  core::Receipt operator()(const core::Reclaim& b);
  core::Receipt operator()(const core::CloseProgram& b);
  core::Receipt operator()(const core::Pay& b);
  core::Receipt operator()(const core::Refund& b);
  core::Receipt operator()(const core::Attest& b);

 private:
  struct Loaded {
    ProgramRecord record;
    std::shared_ptr<const core::ProgramDefinition> definition;
  };
  bool IsGenesis() const { return actor_.tx == nullptr; }
  const core::AccountId& Signer() const;
  bool HasRole(core::Role role) const;
  // The program and its rules in force, or the UNKNOWN_PROGRAM receipt.
  std::optional<Loaded> Load(const std::string& program, core::Receipt& refusal) const;
  // Loads the program and applies `apply(definition, record)`; the receipt names the program.
  template <typename Apply>
  core::Receipt OnProgram(const std::string& program, Apply apply);
  core::Receipt NotAuthorized(const std::string& why) const;
  bool IsManager(const core::ProgramDefinition& definition) const;
  bool Active(const Loaded& loaded) const;
  core::RoleSet ApproverRoles() const;
  core::Receipt Credit(const core::AccountId& account, const core::TokenId& token,
                       core::Amount amount);

  StateView& view_;
  core::TimeMillis time_;
  Actor actor_;
};

}  // namespace nuri::ledger
