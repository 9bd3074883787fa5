// Payments from program balances and their refunds: the part of ProgramBodies on every
// payment's path, kept apart from the rarer lifecycle bodies.
#include "base/check.h"
#include "ledger/program_bodies.h"
#include "policy/explain.h"
#include "policy/judge.h"

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

bool HasRuleKind(const core::ProgramDefinition& definition, core::RuleKind kind) {
  for (const auto& rule : definition.rules) {
    if (rule.kind == kind) return true;
  }
  return false;
}

// The holder's spend in the period `number`, or zero when the record counts an earlier one.
Amount SpentIn(std::int64_t counted, Amount spent, std::int64_t number) {
  return counted == number ? spent : Amount();
}

}  // namespace

Receipt ProgramBodies::operator()(const core::Pay& b) {
  if (IsGenesis()) return Reject(ReasonCode::kNotAuthorized, "a genesis pays no one");
  // The signer first (docs/programs.md, "How a payment is judged"), then what it names.
  if (!HasRole(Role::kHolder)) {
    return Reject(ReasonCode::kNotAuthorized,
                  Signer().str() + " is not authorized: only a holder pays from a program");
  }
  // An account that is both holder and merchant could otherwise turn program money into plain
  // tokens of its own.
  if (b.to == Signer()) {
    return Reject(ReasonCode::kTransferNotAllowed,
                  "a holder can't pay itself: program money only pays other merchants");
  }
  Receipt receipt;
  auto loaded = Load(b.program, receipt);
  if (!loaded) return receipt;
  const core::ProgramDefinition& program = *loaded->definition;
  receipt.program = program.id;
  receipt.program_version = loaded->record.version;
  receipt.budget_code = program.budget_code;
  auto reject = [&](ReasonCode code, std::string message, std::string rule = "") {
    receipt.status = ReceiptStatus::kRejected;
    receipt.code = code;
    receipt.message = std::move(message);
    receipt.rule = std::move(rule);
    return receipt;
  };
  if (!b.amount.positive()) {
    return reject(ReasonCode::kInvalidAmount,
                  "the amount must be a positive number of won, not " + b.amount.ToGrouped());
  }
  const auto merchant = view_.Account(b.to.str());
  HolderRecord holder = view_.Holder(program.id, Signer().str());
  const core::KoreaTime local = core::ToKoreaTime(time_);
  const std::int64_t day = DayNumber(local.date);
  const std::int64_t month = MonthNumber(local.date);

  policy::PaymentFacts facts;
  facts.amount = b.amount;
  facts.attendees = b.attendees;
  facts.has_evidence = b.evidence.has_value();
  facts.justified = !b.justification.empty();
  facts.time = time_;
  facts.merchant = b.to.str();
  facts.merchant_registered =
      merchant && merchant->merchant.has_value() && merchant->roles.Has(Role::kMerchant);
  facts.merchant_frozen = merchant && merchant->frozen;
  if (facts.merchant_registered) facts.merchant_category = merchant->merchant->mcc;
  facts.program_closed = loaded->record.closed;
  facts.payer_org = Signer().org();
  facts.day_spent = SpentIn(holder.day, holder.day_spent, day);
  facts.month_spent = SpentIn(holder.month, holder.month_spent, month);
  facts.paid = holder.paid;
  facts.granted = holder.granted;
  facts.balance = holder.balance;
  // Facts that cost a lookup are gathered only for the rules that read them.
  if (HasRuleKind(program, core::RuleKind::kBusinessDays)) {
    facts.is_holiday = view_.IsHoliday(local.date);
  }
  if (HasRuleKind(program, core::RuleKind::kApprovalFrom)) facts.approver_roles = ApproverRoles();
  if (HasRuleKind(program, core::RuleKind::kTranches)) {
    facts.unlocked_milestones = view_.Milestones(program.id, Signer().str());
  }

  policy::Verdict verdict = policy::Judge(program, facts);
  if (!verdict.ok()) return reject(verdict.code, std::move(verdict.message), verdict.rule);

  const auto received = view_.Balance(b.to.str(), program.token.str()).Plus(b.amount);
  const auto paid = holder.paid.Plus(b.amount);
  const auto day_spent = facts.day_spent.Plus(b.amount);
  const auto month_spent = facts.month_spent.Plus(b.amount);
  ProgramRecord record = loaded->record;
  const auto spent = record.spent.Plus(b.amount);
  if (!received || !paid || !day_spent || !month_spent || !spent) {
    return reject(ReasonCode::kInvalidAmount,
                  "an amount of " + Won(b.amount) + " would overflow the ledger's counters");
  }
  holder.balance = *holder.balance.Minus(b.amount);
  holder.paid = *paid;
  holder.day = day;
  holder.day_spent = *day_spent;
  holder.month = month;
  holder.month_spent = *month_spent;
  record.spent = *spent;
  view_.PutHolder(program.id, Signer().str(), holder);
  view_.PutBalance(b.to.str(), program.token.str(), *received);
  view_.PutProgram(program.id, record);
  view_.PutPayment(actor_.tx->id,
                   PaymentRecord{program.id, Signer(), b.to, b.amount, Amount(), day, month});
  receipt.justified = std::move(verdict.justified);
  return receipt;
}

Receipt ProgramBodies::operator()(const core::Refund& b) {
  if (IsGenesis()) return Reject(ReasonCode::kNotAuthorized, "a genesis refunds nothing");
  auto payment = view_.Payment(b.payment);
  if (!payment) {
    return Reject(ReasonCode::kInvalidArgument,
                  "no accepted payment " + b.payment.ToHex() + " to refund");
  }
  Receipt receipt;
  auto loaded = Load(payment->program, receipt);
  NURI_CHECK(loaded.has_value());
  const core::ProgramDefinition& program = *loaded->definition;
  receipt.program = program.id;
  receipt.program_version = loaded->record.version;
  receipt.budget_code = program.budget_code;
  auto reject = [&](ReasonCode code, std::string message) {
    receipt.status = ReceiptStatus::kRejected;
    receipt.code = code;
    receipt.message = std::move(message);
    return receipt;
  };
  if (Signer() != payment->merchant) {
    return reject(ReasonCode::kNotAuthorized, Signer().str() + " is not authorized: only " +
                                                  payment->merchant.str() +
                                                  ", the merchant paid, refunds this payment");
  }
  if (!b.amount.positive()) {
    return reject(ReasonCode::kInvalidAmount,
                  "the amount must be a positive number of won, not " + b.amount.ToGrouped());
  }
  if (loaded->record.closed) {
    return reject(ReasonCode::kProgramNotActive,
                  "program " + program.id + " is closed; a refund can't return into it");
  }
  const Amount refundable = *payment->amount.Minus(payment->refunded);
  if (refundable < b.amount) {
    return reject(ReasonCode::kRefundExceedsPayment,
                  "only " + Won(refundable) + " of the payment of " + Won(payment->amount) +
                      " is left to refund");
  }
  const auto payer = view_.Account(payment->payer.str());
  NURI_CHECK(payer.has_value());
  if (payer->frozen) {
    return reject(ReasonCode::kAccountFrozen,
                  "account " + payment->payer.str() + " is frozen pending review");
  }
  const Amount balance = view_.Balance(Signer().str(), program.token.str());
  if (balance < b.amount) {
    return reject(ReasonCode::kInsufficientFunds, Signer().str() + " holds " + Won(balance) +
                                                      " in " + program.token.str() + "; " +
                                                      Won(b.amount) + " is needed");
  }
  HolderRecord holder = view_.Holder(program.id, payment->payer.str());
  ProgramRecord record = loaded->record;
  const auto holder_balance = holder.balance.Plus(b.amount);
  const auto refunded = record.refunded.Plus(b.amount);
  if (!holder_balance || !refunded) {
    return reject(ReasonCode::kInvalidAmount,
                  "an amount of " + Won(b.amount) + " would overflow the ledger's counters");
  }
  holder.balance = *holder_balance;
  holder.paid = *holder.paid.Minus(b.amount);
  // A refund counts in the period of its payment; once that period is over it no longer
  // matters to any rule.
  if (holder.day == payment->day) holder.day_spent = *holder.day_spent.Minus(b.amount);
  if (holder.month == payment->month) holder.month_spent = *holder.month_spent.Minus(b.amount);
  record.refunded = *refunded;
  payment->refunded = *payment->refunded.Plus(b.amount);
  view_.PutBalance(Signer().str(), program.token.str(), *balance.Minus(b.amount));
  view_.PutHolder(program.id, payment->payer.str(), holder);
  view_.PutProgram(program.id, record);
  view_.PutPayment(b.payment, *payment);
  return receipt;
}

}  // namespace nuri::ledger
