#include "ledger/program_bodies.h"

#include <algorithm>
#include <set>

#include "base/check.h"
#include "policy/explain.h"
#include "policy/judge.h"
#include "policy/validate.h"

namespace nuri::ledger {

using core::AccountId;
using core::Amount;
using core::ReasonCode;
using core::Receipt;
using core::ReceiptStatus;
using core::Role;
using policy::Won;

namespace {

constexpr auto& Reject = core::RejectedReceipt;

Receipt Ok() { return Receipt{}; }

// Names the program on a receipt, so that auditors and exports see what it concerned.
Receipt& About(Receipt& receipt, const core::ProgramDefinition& definition, std::uint32_t version) {
  receipt.program = definition.id;
  receipt.program_version = version;
  receipt.budget_code = definition.budget_code;
  return receipt;
}

Receipt InvalidAmount(Amount amount) {
  return Reject(ReasonCode::kInvalidAmount,
                "the amount must be a positive number of won, not " + amount.ToGrouped());
}

Receipt Overflow(Amount amount) {
  return Reject(ReasonCode::kInvalidAmount,
                "an amount of " + Won(amount) + " would overflow the ledger's counters");
}

Receipt FromFault(const core::JsonFault& fault) {
  return Reject(fault.code == ReasonCode::kMalformed ? ReasonCode::kInvalidArgument : fault.code,
                "program definition: " + fault.ToString());
}

}  // namespace

const AccountId& ProgramBodies::Signer() const { return actor_.tx->tx.signer; }

bool ProgramBodies::HasRole(Role role) const {
  return actor_.signer_record != nullptr && actor_.signer_record->roles.Has(role);
}

Receipt ProgramBodies::NotAuthorized(const std::string& why) const {
  return Reject(ReasonCode::kNotAuthorized, Signer().str() + " is not authorized: " + why);
}

std::optional<ProgramBodies::Loaded> ProgramBodies::Load(const std::string& program,
                                                         Receipt& refusal) const {
  auto record = view_.Program(program);
  if (!record) {
    refusal = Reject(ReasonCode::kUnknownProgram, "program " + program + " does not exist");
    return std::nullopt;
  }
  auto definition = view_.Definition(program, record->version);
  NURI_CHECK(definition != nullptr);
  return Loaded{*record, std::move(definition)};
}

bool ProgramBodies::IsManager(const core::ProgramDefinition& definition) const {
  return HasRole(Role::kManager) &&
         std::find(definition.managers.begin(), definition.managers.end(), Signer()) !=
             definition.managers.end();
}

bool ProgramBodies::Active(const Loaded& loaded) const {
  return !loaded.record.closed && time_ >= loaded.definition->valid_from &&
         time_ <= loaded.definition->valid_until;
}

// Roles of the co-signers that may approve: other accounts of the payer's organization, not
// frozen, that signed with their current keys (the signatures were verified at admission).
core::RoleSet ProgramBodies::ApproverRoles() const {
  std::uint32_t bits = 0;
  const core::Transaction& tx = actor_.tx->tx;
  std::set<std::string> cosigners;
  for (const auto& signature : tx.signatures) {
    if (signature.account != tx.signer && signature.account.org() == tx.signer.org()) {
      cosigners.insert(signature.account.str());
    }
  }
  for (const auto& cosigner : cosigners) {
    const auto record = view_.Account(cosigner);
    if (!record || record->frozen) continue;
    std::set<crypto::PublicKey> signed_keys;
    for (const auto& signature : tx.signatures) {
      if (signature.account.str() == cosigner && std::find(record->keys.begin(), record->keys.end(),
                                                           signature.key) != record->keys.end()) {
        signed_keys.insert(signature.key);
      }
    }
    if (signed_keys.size() >= record->quorum) bits |= record->roles.bits();
  }
  return core::RoleSet::FromBits(bits).value();
}

Receipt ProgramBodies::operator()(const core::SetHolidays& b) {
  if (!IsGenesis() && !HasRole(Role::kTreasury) && !HasRole(Role::kGovernor)) {
    return NotAuthorized("only a treasury or a governor sets the holiday calendar");
  }
  view_.PutHolidays(b.year, b.dates);
  return Ok();
}

Receipt ProgramBodies::operator()(const core::DefineProgram& b) {
  const core::ProgramDefinition& program = b.program;
  if (!IsGenesis()) {
    if (!HasRole(Role::kTreasury)) return NotAuthorized("only a treasury defines programs");
    if (Signer().org() != program.owner.org()) {
      return NotAuthorized("a treasury defines programs owned by its own organization, not " +
                           std::string(program.owner.org()));
    }
  }
  auto faults = policy::ValidateDefinition(program);
  if (faults.empty()) faults = policy::ValidateReferences(program, StateDirectory(view_.state()));
  if (!faults.empty()) return FromFault(faults.front());
  view_.PutDefinition(1, program);
  view_.PutProgram(program.id, ProgramRecord{});
  Receipt receipt = Ok();
  return About(receipt, program, 1);
}

Receipt ProgramBodies::operator()(const core::AmendProgram& b) {
  Receipt refusal;
  auto loaded = Load(b.program, refusal);
  if (!loaded) return refusal;
  const core::ProgramDefinition& current = *loaded->definition;
  if (!HasRole(Role::kTreasury) || Signer().org() != current.owner.org()) {
    return About(refusal = NotAuthorized("only a treasury of " + std::string(current.owner.org()) +
                                         " amends " + current.id),
                 current, loaded->record.version);
  }
  if (loaded->record.closed) {
    refusal = Reject(ReasonCode::kProgramNotActive, "program " + current.id + " is closed");
    return About(refusal, current, loaded->record.version);
  }
  auto faults = policy::ValidateRules(b.rules, "rules");
  if (faults.empty())
    faults = policy::ValidateRuleReferences(b.rules, "rules", StateDirectory(view_.state()));
  if (!faults.empty()) {
    refusal = FromFault(faults.front());
    return About(refusal, current, loaded->record.version);
  }
  core::ProgramDefinition amended = current;
  amended.rules = b.rules;
  ProgramRecord record = loaded->record;
  ++record.version;
  view_.PutDefinition(record.version, amended);
  view_.PutProgram(b.program, record);
  Receipt receipt = Ok();
  return About(receipt, amended, record.version);
}

template <typename Apply>
Receipt ProgramBodies::OnProgram(const std::string& program, Apply apply) {
  Receipt refusal;
  auto loaded = Load(program, refusal);
  if (!loaded) return refusal;
  Receipt receipt = apply(*loaded->definition, loaded->record);
  return About(receipt, *loaded->definition, loaded->record.version);
}

Receipt ProgramBodies::Credit(const AccountId& account, const core::TokenId& token, Amount amount) {
  const auto balance = view_.Balance(account.str(), token.str()).Plus(amount);
  if (!balance) return Overflow(amount);
  view_.PutBalance(account.str(), token.str(), *balance);
  return Ok();
}

Receipt ProgramBodies::operator()(const core::FundProgram& b) {
  if (IsGenesis()) return Reject(ReasonCode::kNotAuthorized, "a genesis funds no program");
  return OnProgram(
      b.program, [&](const core::ProgramDefinition& program, ProgramRecord record) -> Receipt {
        if (Signer() != program.owner) {
          return NotAuthorized("only " + program.owner.str() + ", its owner, funds " + program.id);
        }
        if (record.closed || time_ > program.valid_until) {
          return Reject(ReasonCode::kProgramNotActive, "program " + program.id + " has ended");
        }
        if (!b.amount.positive()) return InvalidAmount(b.amount);
        const Amount balance = view_.Balance(Signer().str(), program.token.str());
        if (balance < b.amount) {
          return Reject(ReasonCode::kInsufficientFunds, Signer().str() + " holds " + Won(balance) +
                                                            " in " + program.token.str() + "; " +
                                                            Won(b.amount) + " is needed");
        }
        const auto funded = record.funded.Plus(b.amount);
        const auto unallocated = record.unallocated.Plus(b.amount);
        if (!funded || !unallocated) return Overflow(b.amount);
        record.funded = *funded;
        record.unallocated = *unallocated;
        view_.PutBalance(Signer().str(), program.token.str(), *balance.Minus(b.amount));
        view_.PutProgram(program.id, record);
        return Ok();
      });
}

Receipt ProgramBodies::operator()(const core::Grant& b) {
  if (IsGenesis()) return Reject(ReasonCode::kNotAuthorized, "a genesis grants nothing");
  return OnProgram(
      b.program, [&](const core::ProgramDefinition& program, ProgramRecord record) -> Receipt {
        if (!IsManager(program))
          return NotAuthorized("only a manager of " + program.id + " grants");
        if (record.closed || time_ > program.valid_until) {
          return Reject(ReasonCode::kProgramNotActive, "program " + program.id + " has ended");
        }
        const auto recipient = view_.Account(b.to.str());
        if (!recipient) {
          return Reject(ReasonCode::kUnknownAccount, "account " + b.to.str() + " does not exist");
        }
        if (recipient->frozen) {
          return Reject(ReasonCode::kAccountFrozen,
                        "account " + b.to.str() + " is frozen pending review");
        }
        if (!recipient->roles.Has(Role::kHolder)) {
          return Reject(ReasonCode::kInvalidArgument,
                        b.to.str() + " is not a holder and could not spend a grant");
        }
        if (!b.amount.positive()) return InvalidAmount(b.amount);
        if (record.unallocated < b.amount) {
          return Reject(ReasonCode::kInsufficientFunds,
                        "program " + program.id + " has " + Won(record.unallocated) +
                            " unallocated; " + Won(b.amount) + " is needed");
        }
        HolderRecord holder = view_.Holder(program.id, b.to.str());
        const auto balance = holder.balance.Plus(b.amount);
        const auto granted = holder.granted.Plus(b.amount);
        const auto total = record.granted.Plus(b.amount);
        if (!balance || !granted || !total) return Overflow(b.amount);
        holder.balance = *balance;
        holder.granted = *granted;
        record.granted = *total;
        record.unallocated = *record.unallocated.Minus(b.amount);
        view_.PutHolder(program.id, b.to.str(), holder);
        view_.PutProgram(program.id, record);
        return Ok();
      });
}

Receipt ProgramBodies::operator()(const core::Reclaim& b) {
  if (IsGenesis()) return Reject(ReasonCode::kNotAuthorized, "a genesis reclaims nothing");
  return OnProgram(
      b.program, [&](const core::ProgramDefinition& program, ProgramRecord record) -> Receipt {
        if (!IsManager(program))
          return NotAuthorized("only a manager of " + program.id + " reclaims");
        if (record.closed) {
          return Reject(ReasonCode::kProgramNotActive, "program " + program.id + " is closed");
        }
        if (!view_.Account(b.from.str())) {
          return Reject(ReasonCode::kUnknownAccount, "account " + b.from.str() + " does not exist");
        }
        HolderRecord holder = view_.Holder(program.id, b.from.str());
        const Amount amount = b.amount.value_or(holder.balance);
        if (b.amount && !amount.positive()) return InvalidAmount(amount);
        if (holder.balance < amount) {
          return Reject(ReasonCode::kInsufficientFunds,
                        b.from.str() + " holds " + Won(holder.balance) + " in program " +
                            program.id + "; " + Won(amount) + " can't be reclaimed");
        }
        const auto reclaimed = record.reclaimed.Plus(amount);
        const auto unallocated = record.unallocated.Plus(amount);
        if (!reclaimed || !unallocated) return Overflow(amount);
        holder.balance = *holder.balance.Minus(amount);
        holder.granted = *holder.granted.Minus(amount);
        record.reclaimed = *reclaimed;
        record.unallocated = *unallocated;
        if (amount.positive()) view_.PutHolder(program.id, b.from.str(), holder);
        view_.PutProgram(program.id, record);
        return Ok();
      });
}

Receipt ProgramBodies::operator()(const core::CloseProgram& b) {
  if (IsGenesis()) return Reject(ReasonCode::kNotAuthorized, "a genesis closes no program");
  return OnProgram(
      b.program, [&](const core::ProgramDefinition& program, ProgramRecord record) -> Receipt {
        if (Signer() != program.owner) {
          return NotAuthorized("only " + program.owner.str() + ", its owner, closes " + program.id);
        }
        if (record.closed) {
          return Reject(ReasonCode::kProgramNotActive,
                        "program " + program.id + " is already closed");
        }
        if (time_ <= program.valid_until) {
          return Reject(ReasonCode::kProgramStillActive,
                        "program " + program.id + " runs until " +
                            core::FormatKoreaTime(program.valid_until));
        }
        // Everything the program holds goes back: the unallocated budget and every holder's
        // balance.
        Amount returned = record.unallocated;
        auto holders = view_.Holders(program.id);
        for (auto& [holder, holder_record] : holders) {
          const auto sum = returned.Plus(holder_record.balance);
          if (!sum) return Overflow(holder_record.balance);
          returned = *sum;
        }
        const auto total_returned = record.returned.Plus(returned);
        if (!total_returned) return Overflow(returned);
        if (Receipt credit = Credit(program.owner, program.token, returned);
            credit.status != ReceiptStatus::kOk) {
          return credit;
        }
        for (auto& [holder, holder_record] : holders) {
          if (!holder_record.balance.positive()) continue;
          holder_record.balance = Amount();
          view_.PutHolder(program.id, holder, holder_record);
        }
        record.returned = *total_returned;
        record.unallocated = Amount();
        record.closed = true;
        view_.PutProgram(program.id, record);
        return Ok();
      });
}

Receipt ProgramBodies::operator()(const core::Attest& b) {
  if (IsGenesis()) return Reject(ReasonCode::kNotAuthorized, "a genesis attests nothing");
  return OnProgram(
      b.program,
      [&](const core::ProgramDefinition& program, const ProgramRecord& record) -> Receipt {
        if (!HasRole(Role::kInspector) || Signer().org() != program.owner.org()) {
          return NotAuthorized("only an inspector of " + std::string(program.owner.org()) +
                               " attests milestones of " + program.id);
        }
        if (record.closed) {
          return Reject(ReasonCode::kProgramNotActive, "program " + program.id + " is closed");
        }
        if (!view_.Account(b.holder.str())) {
          return Reject(ReasonCode::kUnknownAccount,
                        "account " + b.holder.str() + " does not exist");
        }
        const bool known =
            std::any_of(program.rules.begin(), program.rules.end(), [&](const core::Rule& rule) {
              return std::any_of(
                  rule.tranches.begin(), rule.tranches.end(),
                  [&](const core::Tranche& t) { return t.milestone == b.milestone; });
            });
        if (!known) {
          return Reject(ReasonCode::kInvalidArgument,
                        "program " + program.id + " has no milestone '" + b.milestone + "'");
        }
        if (view_.HasMilestone(program.id, b.holder.str(), b.milestone)) {
          return Reject(ReasonCode::kAlreadyExists, "milestone '" + b.milestone + "' of " +
                                                        b.holder.str() + " is already attested");
        }
        view_.PutMilestone(program.id, b.holder.str(), b.milestone,
                           MilestoneRecord{b.evidence, time_});
        return Ok();
      });
}

}  // namespace nuri::ledger
