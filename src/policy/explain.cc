#include "policy/explain.h"

#include "core/text.h"

namespace nuri::policy {

using core::Rule;
using core::RuleKind;

namespace {

std::string Unless(const Rule& rule) {
  return rule.justifiable ? ", unless the payment is justified in writing" : "";
}

std::string Body(const Rule& rule) {
  switch (rule.kind) {
    case RuleKind::kAllowCategories:
      return "Payments are permitted only at merchants of category " +
             core::JoinAsList(rule.categories);
    case RuleKind::kDenyCategories:
      return "Payments at merchants of category " + core::JoinAsList(rule.categories) +
             " are refused" + Unless(rule);
    case RuleKind::kAllowMerchants: {
      std::vector<std::string> names;
      for (const auto& merchant : rule.merchants) names.push_back(merchant.str());
      return "Payments are permitted only to " + core::JoinAsList(names);
    }
    case RuleKind::kHours:
      return "Payments are permitted only from " + core::FormatClock(rule.from_minute) + " to " +
             core::FormatClock(rule.to_minute) + " Korea time" + Unless(rule);
    case RuleKind::kBusinessDays:
      return "Payments are permitted only Monday to Friday, except public holidays" + Unless(rule);
    case RuleKind::kMaxPerPayment:
      return "A single payment may not exceed " + Won(rule.amount);
    case RuleKind::kMaxPerDay:
      return "A holder may spend at most " + Won(rule.amount) +
             " per day (Korea time), net of refunds";
    case RuleKind::kMaxPerMonth:
      return "A holder may spend at most " + Won(rule.amount) +
             " per calendar month, net of refunds";
    case RuleKind::kAttendeesRequiredFrom:
      return "A payment of " + Won(rule.amount) +
             " or more must state its number of attendees and attach evidence";
    case RuleKind::kMaxPerAttendee:
      return "A payment may not exceed " + Won(rule.amount) + " per attendee" +
             (rule.categories.empty()
                  ? std::string()
                  : " at merchants of category " + core::JoinAsList(rule.categories));
    case RuleKind::kEvidenceRequiredFrom:
      return "A payment of " + Won(rule.amount) + " or more must attach evidence";
    case RuleKind::kApprovalFrom:
      return "A payment of " + Won(rule.amount) +
             " or more needs the co-signature of another account of the payer's organization "
             "with the " +
             std::string(core::RoleName(rule.role)) + " role";
    case RuleKind::kTranches: {
      std::vector<std::string> parts;
      for (const auto& tranche : rule.tranches) {
        parts.push_back(std::to_string(tranche.percent) + " % " +
                        (tranche.milestone.empty()
                             ? "from the start"
                             : "once an inspector attests '" + tranche.milestone + "'"));
      }
      return "A holder may spend its grant in tranches: " + core::JoinAsList(parts);
    }
  }
  return "Unknown rule";
}

}  // namespace

std::string Won(core::Amount amount) { return amount.ToGrouped() + " won"; }

std::string DescribeRule(const Rule& rule) { return Body(rule) + " (rule " + rule.id + ")."; }

std::vector<std::string> ExplainProgram(const core::ProgramDefinition& program) {
  std::vector<std::string> lines;
  lines.push_back(program.name + " (" + program.id + ")");
  std::string terms =
      std::string(program.kind == core::ProgramKind::kExpense ? "An expense program"
                                                              : "A subsidy program") +
      " in " + program.token.str() + ", owned by " + program.owner.str();
  if (!program.managers.empty()) {
    std::vector<std::string> managers;
    for (const auto& manager : program.managers) managers.push_back(manager.str());
    terms += " and managed by " + core::JoinAsList(managers);
  }
  terms += "; payments are accepted from " + core::FormatKoreaTime(program.valid_from) + " to " +
           core::FormatKoreaTime(program.valid_until);
  if (!program.budget_code.empty()) terms += " and booked to budget item " + program.budget_code;
  lines.push_back(terms + ".");
  if (program.rules.empty()) lines.push_back("No rules: any registered merchant may be paid.");
  for (const auto& rule : program.rules) lines.push_back(DescribeRule(rule));
  lines.push_back(
      "Rules are checked in this order after the merchant and the program's period; the first "
      "that fails is the reason, and the holder's program balance is checked last.");
  return lines;
}

}  // namespace nuri::policy
