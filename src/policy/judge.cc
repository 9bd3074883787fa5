#include "policy/judge.h"

#include <algorithm>

#include "policy/explain.h"

namespace nuri::policy {

using core::Amount;
using core::ReasonCode;
using core::Rule;
using core::RuleKind;

namespace {

constexpr std::string_view kWeekdayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// a + b > limit, without overflow.
bool Exceeds(Amount a, Amount b, Amount limit) {
  return static_cast<__int128>(a.won()) + b.won() > limit.won();
}

struct Refusal {
  ReasonCode code;
  std::string reason;  // completes "Payment of X won refused: "
};

class RuleJudge {
 public:
  RuleJudge(const PaymentFacts& facts) : facts_(facts), local_(core::ToKoreaTime(facts.time)) {}

  // nullopt when the rule passes; `justified` is set when it passed only by the justification.
  std::optional<Refusal> Check(const Rule& rule, bool& justified) const {
    std::optional<Refusal> refusal = Strict(rule);
    if (refusal && Justifiable(rule) && facts_.justified) {
      justified = true;
      return std::nullopt;
    }
    return refusal;
  }

 private:
  static bool Justifiable(const Rule& rule) {
    return rule.justifiable &&
           (rule.kind == RuleKind::kDenyCategories || rule.kind == RuleKind::kHours ||
            rule.kind == RuleKind::kBusinessDays);
  }

  std::optional<Refusal> Strict(const Rule& rule) const {
    const Amount amount = facts_.amount;
    const std::string category(facts_.merchant_category);
    switch (rule.kind) {
      case RuleKind::kAllowCategories:
        if (Contains(rule.categories, category)) return std::nullopt;
        return Refusal{ReasonCode::kMerchantCategoryDenied,
                       "merchant category " + category + " is not among the permitted categories"};
      case RuleKind::kDenyCategories:
        if (!Contains(rule.categories, category)) return std::nullopt;
        return Refusal{ReasonCode::kMerchantCategoryDenied,
                       "merchant category " + category + " is not permitted"};
      case RuleKind::kAllowMerchants:
        if (std::any_of(rule.merchants.begin(), rule.merchants.end(),
                        [&](const core::AccountId& m) { return m.str() == facts_.merchant; })) {
          return std::nullopt;
        }
        return Refusal{
            ReasonCode::kMerchantNotAllowed,
            std::string(facts_.merchant) + " is not an eligible merchant of this program"};
      case RuleKind::kHours:
        if (local_.minute_of_day >= rule.from_minute && local_.minute_of_day < rule.to_minute) {
          return std::nullopt;
        }
        return Refusal{ReasonCode::kOutsideHours, core::FormatClock(local_.minute_of_day) +
                                                      " is outside the permitted hours " +
                                                      core::FormatClock(rule.from_minute) + "-" +
                                                      core::FormatClock(rule.to_minute)};
      case RuleKind::kBusinessDays:
        if (local_.weekday == 0 || local_.weekday == 6) {
          return Refusal{ReasonCode::kNonBusinessDay, std::string(kWeekdayNames[local_.weekday]) +
                                                          " " + core::FormatDate(local_.date) +
                                                          " is not a business day"};
        }
        if (facts_.is_holiday) {
          return Refusal{ReasonCode::kNonBusinessDay,
                         core::FormatDate(local_.date) + " is a public holiday"};
        }
        return std::nullopt;
      case RuleKind::kMaxPerPayment:
        if (amount <= rule.amount) return std::nullopt;
        return Refusal{ReasonCode::kPaymentLimitExceeded,
                       "it exceeds the limit of " + Won(rule.amount) + " per payment"};
      case RuleKind::kMaxPerDay:
        if (!Exceeds(facts_.day_spent, amount, rule.amount)) return std::nullopt;
        return Refusal{ReasonCode::kDailyLimitExceeded,
                       "with " + Won(facts_.day_spent) + " already spent on " +
                           core::FormatDate(local_.date) + " it exceeds the daily limit of " +
                           Won(rule.amount)};
      case RuleKind::kMaxPerMonth:
        if (!Exceeds(facts_.month_spent, amount, rule.amount)) return std::nullopt;
        return Refusal{ReasonCode::kMonthlyLimitExceeded,
                       "with " + Won(facts_.month_spent) +
                           " already spent this month it exceeds "
                           "the monthly limit of " +
                           Won(rule.amount)};
      case RuleKind::kAttendeesRequiredFrom:
        if (amount < rule.amount || (facts_.attendees >= 1 && facts_.has_evidence)) {
          return std::nullopt;
        }
        return Refusal{ReasonCode::kAttendeesRequired,
                       "a payment of " + Won(rule.amount) +
                           " or more must name its attendees and attach evidence"};
      case RuleKind::kMaxPerAttendee: {
        if (!rule.categories.empty() && !Contains(rule.categories, category)) return std::nullopt;
        const std::int64_t heads = std::max<std::uint32_t>(facts_.attendees, 1);
        if (static_cast<__int128>(amount.won()) <=
            static_cast<__int128>(rule.amount.won()) * heads) {
          return std::nullopt;
        }
        return Refusal{ReasonCode::kPerAttendeeLimitExceeded,
                       Won(amount) + " for " + std::to_string(heads) +
                           (heads == 1 ? " person" : " people") + " exceeds " + Won(rule.amount) +
                           " per person"};
      }
      case RuleKind::kEvidenceRequiredFrom:
        if (amount < rule.amount || facts_.has_evidence) return std::nullopt;
        return Refusal{ReasonCode::kEvidenceRequired,
                       "a payment of " + Won(rule.amount) + " or more must attach evidence"};
      case RuleKind::kApprovalFrom:
        if (amount < rule.amount || facts_.approver_roles.Has(rule.role)) return std::nullopt;
        return Refusal{ReasonCode::kApprovalRequired,
                       "a payment of " + Won(rule.amount) +
                           " or more needs the co-signature of another account of " +
                           std::string(facts_.payer_org) + " with the " +
                           std::string(core::RoleName(rule.role)) + " role"};
      case RuleKind::kTranches:
        return CheckTranches(rule);
    }
    return std::nullopt;
  }

  std::optional<Refusal> CheckTranches(const Rule& rule) const {
    std::uint32_t unlocked_percent = 0;
    std::string locked;
    for (const auto& tranche : rule.tranches) {
      if (tranche.milestone.empty() || Contains(facts_.unlocked_milestones, tranche.milestone)) {
        unlocked_percent += tranche.percent;
      } else if (locked.empty()) {
        locked = tranche.milestone;
      }
    }
    const __int128 paid_after = static_cast<__int128>(facts_.paid.won()) + facts_.amount.won();
    const __int128 unlocked = static_cast<__int128>(facts_.granted.won()) * unlocked_percent;
    if (paid_after * 100 <= unlocked) return std::nullopt;
    const Amount unlocked_won = Amount::Won(static_cast<std::int64_t>(unlocked / 100));
    return Refusal{ReasonCode::kTrancheLocked,
                   Won(unlocked_won) + " of the " + Won(facts_.granted) + " granted is unlocked" +
                       (locked.empty() ? "" : " (milestone '" + locked + "' is not attested)") +
                       " and " + Won(facts_.paid) + " is already paid"};
  }

  const PaymentFacts& facts_;
  core::KoreaTime local_;
};

Verdict Refuse(const PaymentFacts& facts, ReasonCode code, std::string reason,
               std::string rule = "") {
  Verdict verdict;
  verdict.code = code;
  verdict.message = "Payment of " + Won(facts.amount) + " refused: " + reason;
  if (!rule.empty()) verdict.message += " (rule " + rule + ")";
  verdict.rule = std::move(rule);
  return verdict;
}

}  // namespace

Verdict Judge(const core::ProgramDefinition& program, const PaymentFacts& facts) {
  if (!facts.merchant_registered) {
    return Refuse(facts, ReasonCode::kNotAMerchant,
                  std::string(facts.merchant) + " is not a registered merchant");
  }
  if (facts.merchant_frozen) {
    return Refuse(facts, ReasonCode::kNotAMerchant,
                  "merchant " + std::string(facts.merchant) + " is frozen pending review");
  }
  if (facts.program_closed) {
    return Refuse(facts, ReasonCode::kProgramNotActive, "program " + program.id + " is closed");
  }
  if (facts.time < program.valid_from || facts.time > program.valid_until) {
    return Refuse(facts, ReasonCode::kProgramNotActive,
                  "program " + program.id + " runs from " +
                      core::FormatKoreaTime(program.valid_from) + " to " +
                      core::FormatKoreaTime(program.valid_until));
  }
  Verdict verdict;
  const RuleJudge judge(facts);
  for (const Rule& rule : program.rules) {
    bool justified = false;
    if (auto refusal = judge.Check(rule, justified)) {
      return Refuse(facts, refusal->code, std::move(refusal->reason), rule.id);
    }
    if (justified) verdict.justified.push_back(rule.id);
  }
  if (facts.balance < facts.amount) {
    return Refuse(facts, ReasonCode::kInsufficientFunds,
                  "the program balance is " + Won(facts.balance));
  }
  return verdict;
}

}  // namespace nuri::policy
