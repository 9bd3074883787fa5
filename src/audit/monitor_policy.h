// The audit policy: which soft checks the compliance monitor runs and with what limits, for
// every program and per program (docs/audit.md, "Compliance monitor"). Soft checks flag, they
// never block: the program's rules block.
//
// The file:
//   {"defaults": {CHECKS}, "programs": {"bpe-moef": {CHECKS}, ...}}
// where CHECKS holds any of the checks below, each an object of the parameters it changes
// ({"split_payments": {"threshold_won": 300000}}) or false to turn it off; a program's entry
// changes the defaults for that program only. Faults name the field path.
// Value types and pure functions.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/json.h"

namespace nuri::audit {

struct MonitorPolicy {
  // The same holder at the same merchant within a window, each payment under a threshold whose
  // sum is not: a bill split to stay under the attendee or approval limit.
  struct SplitPayments {
    bool enabled = true;
    std::int64_t window_minutes = 120;
    std::int64_t threshold_won = 500000;
  } split_payments;
  // Amounts just under a limit (the attendee-evidence or the co-signature limit).
  struct NearThreshold {
    bool enabled = true;
    std::vector<std::int64_t> thresholds_won{500000, 1000000};
    std::int64_t margin_percent = 3;
  } near_threshold;
  // The same holder at the same merchant again and again.
  struct RepeatedMerchant {
    bool enabled = true;
    std::int64_t window_days = 7;
    std::int64_t count = 5;
  } repeated_merchant;
  // A payment that passed an hours or holiday rule only by its justification.
  struct JustifiedPasses {
    bool enabled = true;
  } justified_passes;
  // A night payment refunded and billed again at the same merchant in permitted hours: the
  // pattern the Board of Audit found (DOMAIN.md).
  struct CancelAndRebill {
    bool enabled = true;
    std::int64_t window_hours = 72;
    std::int64_t night_from_minute = 23 * 60;  // local time, Korea
    std::int64_t night_to_minute = 6 * 60;
    std::int64_t similar_percent = 80;  // the new bill is at least this share of the old
  } cancel_and_rebill;
  // A holder's round-number amounts, or the same amount, again and again.
  struct RoundAndRepeatedAmounts {
    bool enabled = true;
    std::int64_t window_days = 30;
    std::int64_t count = 4;
    std::int64_t round_unit_won = 100000;
  } round_and_repeated_amounts;
  // A merchant whose takings in a month come mostly from one office.
  struct MerchantConcentration {
    bool enabled = true;
    std::int64_t payments_min = 20;
    std::int64_t share_percent = 80;
  } merchant_concentration;
  // Many payments of one holder in a short time.
  struct Bursts {
    bool enabled = true;
    std::int64_t window_minutes = 10;
    std::int64_t count = 5;
  } bursts;
};

struct AuditPolicy {
  MonitorPolicy defaults;
  std::map<std::string, MonitorPolicy> programs;
  const MonitorPolicy& For(const std::string& program) const;
};

// Reads an audit policy; every fault with its path ("programs.bpe-moef.bursts.count: ...").
std::expected<AuditPolicy, std::vector<core::JsonFault>> ParseAuditPolicy(
    const boost::json::value& value);

}  // namespace nuri::audit
