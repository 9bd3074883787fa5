#include "audit/monitor.h"

#include <algorithm>

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
  look_back_ = LookBack(policy_.defaults);
  rebill_window_ = policy_.defaults.cancel_and_rebill.window_hours * kHour;
  for (const auto& [program, changed] : policy_.programs) {
    look_back_ = std::max(look_back_, LookBack(changed));
    rebill_window_ = std::max(rebill_window_, changed.cancel_and_rebill.window_hours * kHour);
  }
}

Alert ComplianceMonitor::Raise(Severity severity, std::string check,
                               const MonitoredPayment& payment,
                               std::vector<std::string> transactions, std::string sentence,
                               std::uint64_t height) {
  std::string identity = check;
  for (const auto& id : transactions) identity += "/" + id;
  Alert alert{.id = crypto::Sha256(identity).ToHex().substr(0, 16),
              .severity = severity,
              .check = std::move(check),
              .program = payment.program,
              .account = payment.holder,
              .transactions = std::move(transactions),
              .sentence = std::move(sentence),
              .height = height,
              .time = payment.time};
  return alert;
}

void ComplianceMonitor::Forget(core::TimeMillis now) {
  for (auto it = by_holder_.begin(); it != by_holder_.end();) {
    auto& history = it->second;
    while (!history.empty() && history.front().time < now - look_back_) history.pop_front();
    it = history.empty() ? by_holder_.erase(it) : std::next(it);
  }
  while (!refunded_at_night_.empty() && refunded_at_night_.front().time < now - rebill_window_) {
    refunded_at_night_.pop_front();
  }
}

std::vector<Alert> ComplianceMonitor::AddPayment(const MonitoredPayment& payment,
                                                 std::uint64_t height) {
  Forget(payment.time);
  const MonitorPolicy& policy = policy_.For(payment.program);
  std::deque<MonitoredPayment>& history = by_holder_[payment.holder];
  std::vector<Alert> alerts;
  // The holder's earlier payments within `window` of this one that `match`, oldest first.
  const auto earlier = [&](core::TimeMillis window, auto match) {
    std::vector<const MonitoredPayment*> found;
    for (const auto& past : history) {
      if (past.time > payment.time - window && match(past)) found.push_back(&past);
    }
    return found;
  };
  const auto ids_with_this = [&](const std::vector<const MonitoredPayment*>& past) {
    std::vector<std::string> ids;
    for (const auto* one : past) ids.push_back(one->id);
    ids.push_back(payment.id);
    return ids;
  };

  if (const auto& split = policy.split_payments;
      split.enabled && payment.won < split.threshold_won) {
    const auto parts = earlier(split.window_minutes * kMinute, [&](const MonitoredPayment& past) {
      return past.merchant == payment.merchant && past.won < split.threshold_won;
    });
    std::int64_t before = 0;
    std::vector<std::string> amounts;
    for (const auto* part : parts) {
      before += part->won;
      amounts.push_back(Won(part->won));
    }
    amounts.push_back(Won(payment.won));
    if (!parts.empty() && before < split.threshold_won &&
        before + payment.won >= split.threshold_won) {
      alerts.push_back(Raise(
          Severity::kWarning, "split_payments", payment, ids_with_this(parts),
          payment.holder + " paid " + payment.merchant + " " + std::to_string(parts.size() + 1) +
              " times within " + std::to_string(split.window_minutes) + " minutes (" +
              core::JoinAsList(amounts) + "), each under " + Won(split.threshold_won) +
              ", together " + Won(before + payment.won) +
              ": one bill split to stay under the limit?",
          height));
    }
  }

  if (const auto& near = policy.near_threshold; near.enabled) {
    for (const std::int64_t threshold : near.thresholds_won) {
      if (payment.won < threshold && payment.won * 100 >= threshold * (100 - near.margin_percent)) {
        alerts.push_back(Raise(Severity::kInfo, "near_threshold", payment, {payment.id},
                               payment.holder + " paid " + Won(payment.won) + " at " +
                                   payment.merchant + ", just under the limit of " + Won(threshold),
                               height));
        break;
      }
    }
  }

  if (const auto& repeated = policy.repeated_merchant; repeated.enabled) {
    const auto visits = earlier(repeated.window_days * kDay, [&](const MonitoredPayment& past) {
      return past.merchant == payment.merchant;
    });
    if (static_cast<std::int64_t>(visits.size()) + 1 == repeated.count) {
      alerts.push_back(Raise(
          Severity::kWarning, "repeated_merchant", payment, ids_with_this(visits),
          payment.holder + " paid " + payment.merchant + " " + std::to_string(repeated.count) +
              " times within " + std::to_string(repeated.window_days) + " days",
          height));
    }
  }

  if (policy.justified_passes.enabled && payment.justified) {
    alerts.push_back(Raise(Severity::kInfo, "justified_passes", payment, {payment.id},
                           payment.holder + " paid " + Won(payment.won) + " at " +
                               payment.merchant + ", allowed by rule " +
                               core::JoinAsList(payment.justified_rules) +
                               " only because it was justified: the justification needs review",
                           height));
  }

  if (const auto& rebill = policy.cancel_and_rebill;
      rebill.enabled && !AtNight(payment.time, rebill)) {
    const auto found = std::ranges::find_if(refunded_at_night_, [&](const RefundedAtNight& night) {
      return night.payment.holder == payment.holder && night.payment.merchant == payment.merchant &&
             payment.time - night.time <= rebill.window_hours * kHour &&
             payment.won * 100 >= night.payment.won * rebill.similar_percent;
    });
    if (found != refunded_at_night_.end()) {
      alerts.push_back(
          Raise(Severity::kHigh, "cancel_and_rebill", payment,
                {found->payment.id, found->refund_id, payment.id},
                payment.holder + " paid " + payment.merchant + " " + Won(found->payment.won) +
                    " at night (" + core::FormatKoreaTime(found->payment.time) +
                    "), had it refunded, and was billed " + Won(payment.won) + " again at " +
                    core::FormatKoreaTime(payment.time) + ", within permitted hours",
                height));
      refunded_at_night_.erase(found);
    }
  }

  if (const auto& amounts = policy.round_and_repeated_amounts; amounts.enabled) {
    const core::TimeMillis window = amounts.window_days * kDay;
    const auto same =
        earlier(window, [&](const MonitoredPayment& past) { return past.won == payment.won; });
    const bool round = payment.won % amounts.round_unit_won == 0;
    const auto rounds = earlier(window, [&](const MonitoredPayment& past) {
      return past.won % amounts.round_unit_won == 0;
    });
    if (static_cast<std::int64_t>(same.size()) + 1 == amounts.count) {
      alerts.push_back(Raise(Severity::kInfo, "round_and_repeated_amounts", payment,
                             ids_with_this(same),
                             payment.holder + " paid the same amount, " + Won(payment.won) + ", " +
                                 std::to_string(amounts.count) + " times within " +
                                 std::to_string(amounts.window_days) + " days",
                             height));
    } else if (round && static_cast<std::int64_t>(rounds.size()) + 1 == amounts.count) {
      alerts.push_back(
          Raise(Severity::kInfo, "round_and_repeated_amounts", payment, ids_with_this(rounds),
                payment.holder + " paid round amounts (multiples of " +
                    Won(amounts.round_unit_won) + ") " + std::to_string(amounts.count) +
                    " times within " + std::to_string(amounts.window_days) + " days",
                height));
    }
  }

  if (const auto& concentration = policy.merchant_concentration; concentration.enabled) {
    MerchantMonth& month = by_merchant_[payment.merchant];
    if (const std::int64_t now = MonthOf(payment.time); month.month != now) {
      month = MerchantMonth{.month = now};
    }
    ++month.payments;
    const std::int64_t from_office = ++month.by_office[payment.office];
    month.recent.push_back(payment.id);
    if (month.recent.size() > kNamedPaymentsMax) month.recent.erase(month.recent.begin());
    if (!month.alerted && month.payments >= concentration.payments_min &&
        from_office * 100 >= month.payments * concentration.share_percent) {
      month.alerted = true;
      Alert alert =
          Raise(Severity::kWarning, "merchant_concentration", payment, month.recent,
                payment.merchant + " took " + std::to_string(from_office) + " of its " +
                    std::to_string(month.payments) + " program payments this month from " +
                    payment.office + ": a merchant kept by one office?",
                height);
      alert.account = payment.merchant;
      alerts.push_back(std::move(alert));
    }
  }

  if (const auto& bursts = policy.bursts; bursts.enabled) {
    const auto burst =
        earlier(bursts.window_minutes * kMinute, [](const MonitoredPayment&) { return true; });
    if (static_cast<std::int64_t>(burst.size()) + 1 == bursts.count) {
      alerts.push_back(Raise(Severity::kWarning, "bursts", payment, ids_with_this(burst),
                             payment.holder + " made " + std::to_string(bursts.count) +
                                 " payments within " + std::to_string(bursts.window_minutes) +
                                 " minutes",
                             height));
    }
  }

  history.push_back(payment);
  return alerts;
}

void ComplianceMonitor::AddRefund(std::string_view holder, std::string_view payment_id,
                                  std::string_view refund_id, core::TimeMillis time) {
  Forget(time);
  const auto history = by_holder_.find(std::string(holder));
  if (history == by_holder_.end()) return;  // older than any window: nothing to compare with
  const auto refunded = std::ranges::find(history->second, payment_id, &MonitoredPayment::id);
  if (refunded == history->second.end()) return;
  const auto& rebill = policy_.For(refunded->program).cancel_and_rebill;
  if (rebill.enabled && AtNight(refunded->time, rebill)) {
    refunded_at_night_.push_back({*refunded, std::string(refund_id), time});
  }
}

std::vector<Alert> ComplianceMonitor::AddBlock(const core::Block& block,
                                               const std::vector<core::Receipt>& receipts,
                                               const ledger::State& state) {
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
      const std::string* bytes = state.Find(ledger::PaymentKey(refund->payment));
      if (bytes == nullptr) continue;
      if (const auto record = ledger::DecodePayment(*bytes)) {
        AddRefund(record->payer.str(), refund->payment.ToHex(), tx->id.ToHex(), block.header.time);
      }
    }
  }
  return alerts;
}

}  // namespace nuri::audit
