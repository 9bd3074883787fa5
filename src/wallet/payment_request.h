// Payment requests: a merchant asks for an amount, and an official's wallet pays it.
//
// A request lives in the node's memory: it is a till slip, not a ledger fact (the payment is).
// A restart drops every request; the merchant makes the open ones again.
// Its id is 16 random bytes, so that knowing one is what lets a payer see it. It is shown to the
// payer as a nuri: URI, and that URI as a QR code (SVG, libqrencode).
//
// Paying goes through three states, so that two payers, or one paying twice, cannot both pay:
// open -> paying (BeginPaying: one payer holds it while its transaction is decided) -> paid
// (FinishPaying with the payment), or back to open when the payment did not commit.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "core/amount.h"
#include "core/ids.h"
#include "core/time.h"
#include "crypto/hash.h"

namespace nuri::wallet {

inline constexpr std::size_t kPaymentMemoSizeBytesMax = 140;
inline constexpr std::int64_t kPaymentRequestLifetimeMillisMin = 60'000;
inline constexpr std::int64_t kPaymentRequestLifetimeMillisMax = 24 * 3'600'000;
// Unpaid requests (open, or being paid) a node keeps at most, and a merchant may have at once;
// beyond, a new one is refused.
inline constexpr std::size_t kPaymentRequestsMax = 100'000;
inline constexpr std::size_t kPaymentRequestsPerMerchantMax = 1'000;
// Paid requests are kept for the merchant to look back on, a day after they would have expired,
// and at most this many: beyond, the longest paid are forgotten first (the ledger keeps the
// payment itself). A busy till is never refused for what it was paid.
inline constexpr std::size_t kPaidRequestsKeptMax = 100'000;

struct PaymentRequest {
  enum class Status { kOpen, kPaying, kPaid, kExpired };
  std::string id;  // hex
  core::AccountId merchant;
  core::Amount amount;
  std::string memo;
  core::TimeMillis created = 0;
  core::TimeMillis expires = 0;
  Status status = Status::kOpen;
  std::optional<core::AccountId> payer;  // while paying, and once paid
  std::optional<crypto::Hash> payment;   // the pay transaction, while paying and once paid
  core::TimeMillis payment_valid_until = 0;  // while paying: after it, the payment cannot commit
};

std::string_view PaymentRequestStatusName(PaymentRequest::Status status);
// nuri:pay?request=ID. The id alone: the payer's wallet shows the merchant, amount and memo the
// node answers for that id, never what a picture says, so a QR code pasted over the merchant's
// cannot show one amount and ask for another. Shorter, it also makes a smaller QR code, quicker
// to make and to scan.
std::string PaymentRequestUri(const PaymentRequest& request);
// `text` as a QR code (error correction M), an SVG of dark modules on a white square with the
// four-module quiet zone scanners need: one path, a rectangle per horizontal run of dark modules.
std::string QrCodeSvg(std::string_view text);

class PaymentRequestBook {
 public:
  // InvalidArgument for an amount, memo or lifetime out of range; ResourceExhausted when the
  // book is full.
  base::Result<PaymentRequest> Create(const core::AccountId& merchant, core::Amount amount,
                                      std::string memo, std::int64_t lifetime_millis,
                                      core::TimeMillis now);
  // As it stands at `now` (kExpired once past its time unless paid or being paid).
  std::optional<PaymentRequest> Find(std::string_view id, core::TimeMillis now);
  // Holds an open request for `payer` paying with transaction `payment`, valid until
  // `valid_until`. NotFound, or AlreadyExists when paid or being paid, or InvalidArgument when
  // expired.
  base::Result<PaymentRequest> BeginPaying(std::string_view id, const core::AccountId& payer,
                                           const crypto::Hash& payment,
                                           core::TimeMillis valid_until, core::TimeMillis now);
  // The payment held by BeginPaying committed ok (paid), or never will (open again). Does
  // nothing unless `payment` is the one holding the request: a late answer about an earlier
  // payment never releases a later payer's hold.
  void FinishPaying(std::string_view id, const crypto::Hash& payment, bool paid);

 private:
  // Forgets the requests whose time has come by `now`, the paid beyond kPaidRequestsKeptMax
  // too. Each request is looked at when its time comes, not at every call.
  void ForgetDue(core::TimeMillis now);
  void Forget(std::map<std::string, PaymentRequest>::iterator it);
  // Files the request to be looked at again at `due`, in place of when it was filed before.
  void File(const std::string& id, core::TimeMillis due);
  void DropUnpaid(const core::AccountId& merchant);
  // When a request may be forgotten, as its state now says.
  static core::TimeMillis ForgetAt(const PaymentRequest& request);

  std::mutex mutex_;
  // Everything below is guarded by mutex_.
  std::map<std::string, PaymentRequest> requests_;
  using ForgetQueue = std::multimap<core::TimeMillis, std::string>;
  ForgetQueue forget_at_;                               // each request once, by ForgetAt
  std::map<std::string, ForgetQueue::iterator> filed_;  // each request's place in forget_at_
  std::map<core::AccountId, std::size_t> unpaid_per_merchant_;
  std::size_t unpaid_ = 0;
  std::deque<std::string> paid_in_order_;  // ids, oldest payment first; some already forgotten
};

}  // namespace nuri::wallet
