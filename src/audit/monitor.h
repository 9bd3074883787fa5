// The compliance monitor (docs/audit.md, "Compliance monitor"): soft checks over every committed
// program payment and refund, raising alerts for auditors to look into. It flags, it never
// blocks, and it is deterministic: fed the same blocks with the same policy, any node raises the
// same alerts with the same ids, so an alert can be re-derived from the chain by anyone.
//
// "Within a window" means less than the window apart. It keeps in memory only what its windows
// need: each holder's payments of the longest window, each merchant's current month, the night
// payments (refunded or not) of the cancel-and-rebill window. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "audit/monitor_policy.h"
#include "core/block.h"
#include "core/receipt.h"

namespace nuri::audit {

enum class Severity { kInfo, kWarning, kHigh };
std::string_view SeverityName(Severity severity);

struct Alert {
  std::string id;  // 16 hex digits of SHA-256(check, its transactions): the same on every node
  Severity severity = Severity::kInfo;
  std::string check;  // the policy's name for it: split_payments, bursts, ...
  std::string program;
  std::string account;  // the holder concerned, or for merchant_concentration the merchant
  std::vector<std::string> transactions;  // ids, oldest first, the one that raised it last
  std::string sentence;
  std::uint64_t height = 0;  // of the block that raised it
  core::TimeMillis time = 0;
};

// One accepted program payment, as the checks see it.
struct MonitoredPayment {
  std::string id;
  core::TimeMillis time = 0;
  std::string program;
  std::string holder;
  std::string office;  // the holder's organization
  std::string merchant;
  std::int64_t won = 0;
  bool justified = false;  // passed a rule only by its justification
  std::vector<std::string> justified_rules;
};

class ComplianceMonitor {
 public:
  explicit ComplianceMonitor(AuditPolicy policy);
  ComplianceMonitor(const ComplianceMonitor&) = delete;
  ComplianceMonitor& operator=(const ComplianceMonitor&) = delete;

  // The alerts raised by a committed block's accepted payments and refunds, in block order; what
  // no window needs any more is forgotten first.
  std::vector<Alert> AddBlock(const core::Block& block, const std::vector<core::Receipt>& receipts);

  // The same for one accepted payment, in commit order.
  std::vector<Alert> AddPayment(const MonitoredPayment& payment, std::uint64_t height);
  // An accepted refund of `refunded_won` of payment `payment_id` at `time`: it raises nothing
  // itself; when it cancels most of a night payment, a later bill may complete a
  // cancel-and-rebill.
  void AddRefund(std::string_view payment_id, std::int64_t refunded_won, std::string_view refund_id,
                 core::TimeMillis time);
  // Drops what no window reaches at `now`: payments, night payments, merchants' past months.
  void Forget(core::TimeMillis now);
  // The earliest moment whose payments a window still reaches at `now`: a monitor fed again the
  // blocks from there on holds what one that saw every block holds at `now`.
  core::TimeMillis ReplayFrom(core::TimeMillis now) const;

 private:
  struct Checking;
  struct RefundedAtNight {
    MonitoredPayment payment;
    std::string refund_id;
    core::TimeMillis time = 0;
  };
  struct MerchantMonth {
    std::int64_t month = -1;
    std::int64_t payments = 0;
    std::map<std::string, std::int64_t> by_office;
    std::vector<std::string> recent;  // the latest payments' ids, for the alert
    bool alerted = false;
  };

  // One check each, of the payment being added.
  void CheckSplit(Checking& checking);
  void CheckNearThreshold(Checking& checking);
  void CheckRepeatedMerchant(Checking& checking);
  void CheckJustifiedPass(Checking& checking);
  void CheckRebill(Checking& checking);
  void CheckAmounts(Checking& checking);
  void CheckConcentration(Checking& checking);
  void CheckBursts(Checking& checking);

  AuditPolicy policy_;
  core::TimeMillis look_back_millis_ = 0;      // the longest window of any check over payments
  core::TimeMillis rebill_window_millis_ = 0;  // the longest cancel-and-rebill window
  std::map<std::string, std::deque<MonitoredPayment>> by_holder_;
  std::map<std::string, MerchantMonth> by_merchant_;
  std::deque<MonitoredPayment> night_payments_;  // within the rebill window, in time order
  std::deque<RefundedAtNight> refunded_at_night_;
};

}  // namespace nuri::audit
