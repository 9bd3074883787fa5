#include "audit/monitor.h"

#include <algorithm>

#include "audit/period.h"
#include "core/text.h"
#include "core/time.h"
#include "crypto/hash.h"
#include "ledger/program_records.h"

namespace nuri::audit {

namespace {

constexpr core::TimeMillis kMinute = core::kMillisPerMinute;
constexpr core::TimeMillis kHour = core::kMillisPerHour;
constexpr core::TimeMillis kDay = core::kMillisPerDay;
// The payments of a merchant's month an alert names, at most.
constexpr std::size_t kNamedPaymentsMax = 10;

std::string Won(std::int64_t won) { return core::Amount::Won(won).ToGrouped() + " won"; }

bool AtNight(core::TimeMillis time, const MonitorPolicy::CancelAndRebill& policy) {
  const int minute = core::ToKoreaTime(time).minute_of_day;
  if (policy.night_from_minute <= policy.night_to_minute) {
    return minute >= policy.night_from_minute && minute < policy.night_to_minute;
  }
  return minute >= policy.night_from_minute || minute < policy.night_to_minute;
}

std::int64_t MonthOf(core::TimeMillis time) {
  return ledger::MonthNumber(core::ToKoreaTime(time).date);
}

// Whether `part` is at least `percent` percent of `whole`, without overflow.
bool AtLeastPercentOf(std::int64_t part, std::int64_t percent, std::int64_t whole) {
  return static_cast<__int128>(part) * 100 >= static_cast<__int128>(whole) * percent;
}

// How long the checks of `policy` look back.
core::TimeMillis LookBack(const MonitorPolicy& policy) {
  return std::max({policy.split_payments.window_minutes * kMinute,
                   policy.repeated_merchant.window_days * kDay,
                   policy.round_and_repeated_amounts.window_days * kDay,
                   policy.bursts.window_minutes * kMinute});
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kHigh:
      return "high";
  }
  return "unknown";
}

ComplianceMonitor::ComplianceMonitor(AuditPolicy policy) : policy_(std::move(policy)) {
  look_back_millis_ = LookBack(policy_.defaults);
  rebill_window_millis_ = policy_.defaults.cancel_and_rebill.window_hours * kHour;
  for (const auto& [program, changed] : policy_.programs) {
    look_back_millis_ = std::max(look_back_millis_, LookBack(changed));
    rebill_window_millis_ =
        std::max(rebill_window_millis_, changed.cancel_and_rebill.window_hours * kHour);
  }
}

void ComplianceMonitor::Forget(core::TimeMillis now) {
  for (auto it = by_holder_.begin(); it != by_holder_.end();) {
    auto& history = it->second;
    while (!history.empty() && history.front().time <= now - look_back_millis_) {
      history.pop_front();
    }
    it = history.empty() ? by_holder_.erase(it) : std::next(it);
  }
  const auto expired = [&](core::TimeMillis time) { return time <= now - rebill_window_millis_; };
  while (!night_payments_.empty() && expired(night_payments_.front().time)) {
    night_payments_.pop_front();
  }
  while (!refunded_at_night_.empty() && expired(refunded_at_night_.front().time)) {
    refunded_at_night_.pop_front();
  }
  const std::int64_t month = MonthOf(now);
  std::erase_if(by_merchant_, [&](const auto& merchant) { return merchant.second.month < month; });
}

core::TimeMillis ComplianceMonitor::ReplayFrom(core::TimeMillis now) const {
  const core::KoreaTime local = core::ToKoreaTime(now);
  const core::TimeMillis month_start =
      StartOfKoreaDay(core::LocalDate{local.date.year, local.date.month, 1});
  // Forget keeps what is less than a window old: a payment exactly a window old is gone. A
  // refund kept for a rebill window cancelled a night payment up to a window before it.
  return std::max<core::TimeMillis>(
      0, std::min({now - look_back_millis_ + 1, now - 2 * rebill_window_millis_ + 1, month_start}));
}

// What the checks of one payment share: the payment, its policy, the holder's earlier
// payments still in some window, and the alerts raised so far.
struct ComplianceMonitor::Checking {
  const MonitoredPayment& payment;
  const MonitorPolicy& policy;
  const std::deque<MonitoredPayment>& history;
  std::uint64_t height;
  std::vector<Alert> alerts;

  // The holder's earlier payments less than `window` before this one that `match`, oldest
  // first.
  template <typename Match>
  std::vector<const MonitoredPayment*> Earlier(core::TimeMillis window, Match match) const {
    std::vector<const MonitoredPayment*> found;
    for (const auto& past : history) {
      if (past.time > payment.time - window && match(past)) found.push_back(&past);
    }
    return found;
  }
  std::vector<std::string> IdsWithThis(const std::vector<const MonitoredPayment*>& past) const {
    std::vector<std::string> ids;
    for (const auto* one : past) ids.push_back(one->id);
    ids.push_back(payment.id);
    return ids;
  }
  void Raise(Severity severity, std::string check, std::vector<std::string> transactions,
             std::string sentence) {
    std::string identity = check;
    for (const auto& id : transactions) identity += "/" + id;
    alerts.push_back(Alert{.id = crypto::Sha256(identity).ToHex().substr(0, 16),
                           .severity = severity,
                           .check = std::move(check),
                           .program = payment.program,
                           .account = payment.holder,
                           .transactions = std::move(transactions),
                           .sentence = std::move(sentence),
                           .height = height,
                           .time = payment.time});
  }
};

void ComplianceMonitor::CheckSplit(Checking& c) {
  const auto& split = c.policy.split_payments;
  const MonitoredPayment& payment = c.payment;
  if (!split.enabled || payment.won >= split.threshold_won) return;
  const auto parts = c.Earlier(split.window_minutes * kMinute, [&](const MonitoredPayment& past) {
    return past.merchant == payment.merchant && past.won < split.threshold_won;
  });
  std::int64_t before = 0;
  std::vector<std::string> amounts;
  for (const auto* part : parts) {
    before += part->won;  // each under the threshold, at most 1,000 of them: no overflow
    amounts.push_back(Won(part->won));
  }
  amounts.push_back(Won(payment.won));
  if (parts.empty() || before >= split.threshold_won ||
      before + payment.won < split.threshold_won) {
    return;
  }
  c.Raise(Severity::kWarning, "split_payments", c.IdsWithThis(parts),
          payment.holder + " paid " + payment.merchant + " " + std::to_string(parts.size() + 1) +
              " times within " + std::to_string(split.window_minutes) + " minutes (" +
              core::JoinAsList(amounts) + "), each under " + Won(split.threshold_won) +
              ", together " + Won(before + payment.won) +
              ": one bill split to stay under the limit?");
}

void ComplianceMonitor::CheckNearThreshold(Checking& c) {
  const auto& near = c.policy.near_threshold;
  if (!near.enabled) return;
  for (const std::int64_t threshold : near.thresholds_won) {
    if (c.payment.won < threshold &&
        AtLeastPercentOf(c.payment.won, 100 - near.margin_percent, threshold)) {
      c.Raise(Severity::kInfo, "near_threshold", {c.payment.id},
              c.payment.holder + " paid " + Won(c.payment.won) + " at " + c.payment.merchant +
                  ", just under the limit of " + Won(threshold));
      return;
    }
  }
}

void ComplianceMonitor::CheckRepeatedMerchant(Checking& c) {
  const auto& repeated = c.policy.repeated_merchant;
  if (!repeated.enabled) return;
  const auto visits = c.Earlier(repeated.window_days * kDay, [&](const MonitoredPayment& past) {
    return past.merchant == c.payment.merchant;
  });
  if (static_cast<std::int64_t>(visits.size()) + 1 != repeated.count) return;
  c.Raise(Severity::kWarning, "repeated_merchant", c.IdsWithThis(visits),
          c.payment.holder + " paid " + c.payment.merchant + " " + std::to_string(repeated.count) +
              " times within " + std::to_string(repeated.window_days) + " days");
}

void ComplianceMonitor::CheckJustifiedPass(Checking& c) {
  if (!c.policy.justified_passes.enabled || !c.payment.justified) return;
  c.Raise(Severity::kInfo, "justified_passes", {c.payment.id},
          c.payment.holder + " paid " + Won(c.payment.won) + " at " + c.payment.merchant +
              ", allowed by rule " + core::JoinAsList(c.payment.justified_rules) +
              " only because it was justified: the justification needs review");
}

void ComplianceMonitor::CheckRebill(Checking& c) {
  const auto& rebill = c.policy.cancel_and_rebill;
  const MonitoredPayment& payment = c.payment;
  if (!rebill.enabled) return;
  if (AtNight(payment.time, rebill)) {
    night_payments_.push_back(payment);  // a refund may make it the first half of a pattern
    return;
  }
  const auto found = std::ranges::find_if(refunded_at_night_, [&](const RefundedAtNight& night) {
    return night.payment.holder == payment.holder && night.payment.merchant == payment.merchant &&
           payment.time - night.time < rebill.window_hours * kHour &&
           AtLeastPercentOf(payment.won, rebill.similar_percent, night.payment.won);
  });
  if (found == refunded_at_night_.end()) return;
  c.Raise(Severity::kHigh, "cancel_and_rebill", {found->payment.id, found->refund_id, payment.id},
          payment.holder + " paid " + payment.merchant + " " + Won(found->payment.won) +
              " at night (" + core::FormatKoreaTime(found->payment.time) +
              "), had it refunded, and was billed " + Won(payment.won) + " again at " +
              core::FormatKoreaTime(payment.time) + ", within permitted hours");
  refunded_at_night_.erase(found);
}

void ComplianceMonitor::CheckAmounts(Checking& c) {
  const auto& amounts = c.policy.round_and_repeated_amounts;
  const MonitoredPayment& payment = c.payment;
  if (!amounts.enabled) return;
  const core::TimeMillis window = amounts.window_days * kDay;
  const auto same =
      c.Earlier(window, [&](const MonitoredPayment& past) { return past.won == payment.won; });
  if (static_cast<std::int64_t>(same.size()) + 1 == amounts.count) {
    c.Raise(Severity::kInfo, "round_and_repeated_amounts", c.IdsWithThis(same),
            payment.holder + " paid the same amount, " + Won(payment.won) + ", " +
                std::to_string(amounts.count) + " times within " +
                std::to_string(amounts.window_days) + " days");
    return;
  }
  if (payment.won % amounts.round_unit_won != 0) return;
  const auto rounds = c.Earlier(
      window, [&](const MonitoredPayment& past) { return past.won % amounts.round_unit_won == 0; });
  if (static_cast<std::int64_t>(rounds.size()) + 1 != amounts.count) return;
  c.Raise(Severity::kInfo, "round_and_repeated_amounts", c.IdsWithThis(rounds),
          payment.holder + " paid round amounts (multiples of " + Won(amounts.round_unit_won) +
              ") " + std::to_string(amounts.count) + " times within " +
              std::to_string(amounts.window_days) + " days");
}

void ComplianceMonitor::CheckConcentration(Checking& c) {
  const auto& concentration = c.policy.merchant_concentration;
  const MonitoredPayment& payment = c.payment;
  if (!concentration.enabled) return;
  MerchantMonth& month = by_merchant_[payment.merchant];
  if (const std::int64_t now = MonthOf(payment.time); month.month != now) {
    month = MerchantMonth{.month = now};
  }
  ++month.payments;
  const std::int64_t from_office = ++month.by_office[payment.office];
  month.recent.push_back(payment.id);
  if (month.recent.size() > kNamedPaymentsMax) month.recent.erase(month.recent.begin());
  if (month.alerted || month.payments < concentration.payments_min ||
      !AtLeastPercentOf(from_office, concentration.share_percent, month.payments)) {
    return;
  }
  month.alerted = true;
  c.Raise(Severity::kWarning, "merchant_concentration", month.recent,
          payment.merchant + " took " + std::to_string(from_office) + " of its " +
              std::to_string(month.payments) + " program payments this month from " +
              payment.office + ": a merchant kept by one office?");
  c.alerts.back().account = payment.merchant;
}

void ComplianceMonitor::CheckBursts(Checking& c) {
  const auto& bursts = c.policy.bursts;
  if (!bursts.enabled) return;
  const auto burst =
      c.Earlier(bursts.window_minutes * kMinute, [](const MonitoredPayment&) { return true; });
  if (static_cast<std::int64_t>(burst.size()) + 1 != bursts.count) return;
  c.Raise(Severity::kWarning, "bursts", c.IdsWithThis(burst),
          c.payment.holder + " made " + std::to_string(bursts.count) + " payments within " +
              std::to_string(bursts.window_minutes) + " minutes");
}

std::vector<Alert> ComplianceMonitor::AddPayment(const MonitoredPayment& payment,
                                                 std::uint64_t height) {
  std::deque<MonitoredPayment>& history = by_holder_[payment.holder];
  while (!history.empty() && history.front().time <= payment.time - look_back_millis_) {
    history.pop_front();
  }
  Checking checking{payment, policy_.For(payment.program), history, height, {}};
  CheckSplit(checking);
  CheckNearThreshold(checking);
  CheckRepeatedMerchant(checking);
  CheckJustifiedPass(checking);
  CheckRebill(checking);
  CheckAmounts(checking);
  CheckConcentration(checking);
  CheckBursts(checking);
  history.push_back(payment);
  return std::move(checking.alerts);
}

void ComplianceMonitor::AddRefund(std::string_view payment_id, std::int64_t refunded_won,
                                  std::string_view refund_id, core::TimeMillis time) {
  const auto refunded = std::ranges::find(night_payments_, payment_id, &MonitoredPayment::id);
  if (refunded == night_payments_.end()) return;  // not a night payment still in its window
  const auto& rebill = policy_.For(refunded->program).cancel_and_rebill;
  // A cancellation refunds the bill, or most of it: a small refund is a correction.
  if (!AtLeastPercentOf(refunded_won, rebill.similar_percent, refunded->won)) return;
  refunded_at_night_.push_back({*refunded, std::string(refund_id), time});
  night_payments_.erase(refunded);
}

std::vector<Alert> ComplianceMonitor::AddBlock(const core::Block& block,
                                               const std::vector<core::Receipt>& receipts) {
  Forget(block.header.time);
  std::vector<Alert> alerts;
  for (std::size_t i = 0; i < block.transactions.size() && i < receipts.size(); ++i) {
    if (receipts[i].status != core::ReceiptStatus::kOk) continue;
    auto tx = core::DecodeTransaction(block.transactions[i]);
    if (!tx) continue;  // committed blocks decode: the ledger wrote them
    if (const auto* pay = std::get_if<core::Pay>(&tx->tx.body)) {
      MonitoredPayment payment{.id = tx->id.ToHex(),
                               .time = block.header.time,
                               .program = pay->program,
                               .holder = tx->tx.signer.str(),
                               .office = std::string(tx->tx.signer.org()),
                               .merchant = pay->to.str(),
                               .won = pay->amount.won(),
                               .justified = !receipts[i].justified.empty(),
                               .justified_rules = receipts[i].justified};
      for (auto& alert : AddPayment(payment, block.header.height)) {
        alerts.push_back(std::move(alert));
      }
    } else if (const auto* refund = std::get_if<core::Refund>(&tx->tx.body)) {
      AddRefund(refund->payment.ToHex(), refund->amount.won(), tx->id.ToHex(), block.header.time);
    }
  }
  return alerts;
}

}  // namespace nuri::audit
