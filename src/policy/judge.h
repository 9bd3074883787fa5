// Judging a payment against a program (docs/programs.md, "How a payment is judged").
//
// The checks run in the specified order and the first failure is the verdict: the merchant is a
// registered, unfrozen merchant; the program is active at block time; each rule in the order the
// definition lists them; then the holder's program balance. Time is block time, seen in Korea
// (UTC+9). Whether the signer may pay at all (holder role, not frozen, signatures) is the
// executor's to check before; the facts below are what it gathered from the state.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/amount.h"
#include "core/program.h"
#include "core/reason.h"
#include "core/roles.h"
#include "core/time.h"

namespace nuri::policy {

struct PaymentFacts {
  core::Amount amount;
  std::uint32_t attendees = 0;
  bool has_evidence = false;
  bool justified = false;  // the payment carries a non-empty justification
  core::TimeMillis time = 0;
  bool is_holiday = false;  // the local date is in the holiday calendar
  std::string_view merchant;
  bool merchant_registered = false;  // an account with a merchant record and the merchant role
  bool merchant_frozen = false;
  std::string_view merchant_category;  // ISO 18245
  bool program_closed = false;
  // Roles held by accounts of the payer's organization, other than the payer, whose valid
  // co-signatures the payment carries.
  core::RoleSet approver_roles;
  std::string_view payer_org;
  // The holder's net spend in this program (payments minus their refunds) on the payment's local
  // date and in its month, before this payment.
  core::Amount day_spent;
  core::Amount month_spent;
  core::Amount paid;     // the holder's net paid total in this program, before this payment
  core::Amount granted;  // the holder's granted total net of reclaims
  std::vector<std::string> unlocked_milestones;  // attested for this holder
  core::Amount balance;                          // the holder's program balance
};

struct Verdict {
  core::ReasonCode code = core::ReasonCode::kOk;
  std::string rule;                    // the refusing rule's id, when a rule refused
  std::string message;                 // "Payment of 40,000 won refused: ..." when refused
  std::vector<std::string> justified;  // ids of rules passed only by the justification
  bool ok() const { return code == core::ReasonCode::kOk; }
};

Verdict Judge(const core::ProgramDefinition& program, const PaymentFacts& facts);

}  // namespace nuri::policy
