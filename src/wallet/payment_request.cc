#include "wallet/payment_request.h"

#include <qrencode.h>
#include <sodium.h>

#include <memory>

#include "base/check.h"
#include "base/hex.h"
#include "core/text.h"

namespace nuri::wallet {

namespace {

constexpr std::size_t kRequestIdSizeBytes = 16;
constexpr int kQuietZoneModules = 4;

}  // namespace

std::string_view PaymentRequestStatusName(PaymentRequest::Status status) {
  switch (status) {
    case PaymentRequest::Status::kOpen:
      return "open";
    case PaymentRequest::Status::kPaying:
      return "paying";
    case PaymentRequest::Status::kPaid:
      return "paid";
    case PaymentRequest::Status::kExpired:
      return "expired";
  }
  return "open";
}

std::string PaymentRequestUri(const PaymentRequest& request) {
  return "nuri:pay?request=" + request.id;
}

std::string QrCodeSvg(std::string_view text) {
  const std::string terminated(text);
  const std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString8bit(terminated.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  if (!code) return "";
  const int width = code->width;
  const int size = width + 2 * kQuietZoneModules;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    std::to_string(size) + " " + std::to_string(size) +
                    "\" shape-rendering=\"crispEdges\"><rect width=\"" + std::to_string(size) +
                    "\" height=\"" + std::to_string(size) + "\" fill=\"#fff\"/><path d=\"";
  // Bit 0 of each module is 1 for a dark module (qrencode.h).
  const auto dark = [&](int x, int y) { return (code->data[y * width + x] & 1) != 0; };
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width;) {
      if (!dark(x, y)) {
        ++x;
        continue;
      }
      const int run_start = x;
      while (x < width && dark(x, y)) ++x;
      const std::string run = std::to_string(x - run_start);
      svg += "M" + std::to_string(run_start + kQuietZoneModules) + " " +
             std::to_string(y + kQuietZoneModules) + "h" + run + "v1h-" + run + "z";
    }
  }
  svg += "\" fill=\"#000\"/></svg>";
  return svg;
}

base::Result<PaymentRequest> PaymentRequestBook::Create(const core::AccountId& merchant,
                                                        core::Amount amount, std::string memo,
                                                        std::int64_t lifetime_millis,
                                                        core::TimeMillis now) {
  if (amount.won() <= 0) {
    return base::Error(base::Status::InvalidArgument("a payment request asks for 1 won or more"));
  }
  // Shown to the payer beside the amount: text, without control characters.
  if (!core::IsDisplayText(memo, kPaymentMemoSizeBytesMax)) {
    return base::Error(base::Status::InvalidArgument("a memo is text of at most " +
                                                     std::to_string(kPaymentMemoSizeBytesMax) +
                                                     " bytes, without control characters"));
  }
  if (lifetime_millis < kPaymentRequestLifetimeMillisMin ||
      lifetime_millis > kPaymentRequestLifetimeMillisMax) {
    return base::Error(base::Status::InvalidArgument(
        "a payment request lasts from a minute to a day"));
  }
  PaymentRequest request;
  std::string id(kRequestIdSizeBytes, '\0');
  randombytes_buf(id.data(), id.size());
  request.id = base::ToHex(id);
  request.merchant = merchant;
  request.amount = amount;
  request.memo = std::move(memo);
  request.created = now;
  request.expires = now + lifetime_millis;
  std::lock_guard lock(mutex_);
  ForgetDue(now);
  const auto counted = unpaid_per_merchant_.find(merchant);
  const std::size_t merchant_unpaid = counted == unpaid_per_merchant_.end() ? 0 : counted->second;
  if (unpaid_ >= kPaymentRequestsMax || merchant_unpaid >= kPaymentRequestsPerMerchantMax) {
    return base::Error(base::Status::ResourceExhausted(
        unpaid_ >= kPaymentRequestsMax
            ? "this node holds as many payment requests as it can"
            : merchant.str() + " has " + std::to_string(merchant_unpaid) +
                  " payment requests open: the most a merchant may"));
  }
  unpaid_per_merchant_[merchant] += 1;
  unpaid_ += 1;
  requests_[request.id] = request;
  File(request.id, ForgetAt(request));
  return request;
}

// Requests past their time and never paid go when their time comes; paid ones, and held ones
// whose payment could no longer commit, a day later, so that the merchant still sees them
// meanwhile.
core::TimeMillis PaymentRequestBook::ForgetAt(const PaymentRequest& request) {
  switch (request.status) {
    case PaymentRequest::Status::kPaid:
      return request.expires + kPaymentRequestLifetimeMillisMax;
    case PaymentRequest::Status::kPaying:
      return request.payment_valid_until + kPaymentRequestLifetimeMillisMax;
    case PaymentRequest::Status::kOpen:
    case PaymentRequest::Status::kExpired:
      return request.expires;
  }
  return request.expires;
}

void PaymentRequestBook::File(const std::string& id, core::TimeMillis due) {
  const auto filed = filed_.find(id);
  if (filed == filed_.end()) {
    filed_.emplace(id, forget_at_.emplace(due, id));
    return;
  }
  forget_at_.erase(filed->second);
  filed->second = forget_at_.emplace(due, id);
}

void PaymentRequestBook::ForgetDue(core::TimeMillis now) {
  while (!forget_at_.empty() && forget_at_.begin()->first <= now) {
    const std::string id = forget_at_.begin()->second;
    const auto it = requests_.find(id);
    NURI_CHECK(it != requests_.end());
    // Its state may have moved its time on since it was filed: then it is filed again.
    if (const core::TimeMillis due = ForgetAt(it->second); due > now) {
      File(id, due);
    } else {
      Forget(it);
    }
  }
  while (paid_in_order_.size() > kPaidRequestsKeptMax) {
    const auto it = requests_.find(paid_in_order_.front());
    paid_in_order_.pop_front();
    // Still paid: a request is paid once, and ids are never reused.
    if (it != requests_.end()) Forget(it);
  }
}

void PaymentRequestBook::Forget(std::map<std::string, PaymentRequest>::iterator it) {
  if (it->second.status != PaymentRequest::Status::kPaid) DropUnpaid(it->second.merchant);
  const auto filed = filed_.find(it->first);
  NURI_CHECK(filed != filed_.end());
  forget_at_.erase(filed->second);
  filed_.erase(filed);
  requests_.erase(it);
}

// One request of `merchant` is no longer unpaid: paid, or forgotten unpaid.
void PaymentRequestBook::DropUnpaid(const core::AccountId& merchant) {
  const auto counted = unpaid_per_merchant_.find(merchant);
  NURI_CHECK(counted != unpaid_per_merchant_.end() && counted->second > 0 && unpaid_ > 0);
  if (--counted->second == 0) unpaid_per_merchant_.erase(counted);
  unpaid_ -= 1;
}

std::optional<PaymentRequest> PaymentRequestBook::Find(std::string_view id, core::TimeMillis now) {
  std::lock_guard lock(mutex_);
  const auto it = requests_.find(std::string(id));
  if (it == requests_.end()) return std::nullopt;
  PaymentRequest request = it->second;
  if (request.status == PaymentRequest::Status::kOpen && request.expires <= now) {
    request.status = PaymentRequest::Status::kExpired;
  }
  return request;
}

base::Result<PaymentRequest> PaymentRequestBook::BeginPaying(std::string_view id,
                                                             const core::AccountId& payer,
                                                             const crypto::Hash& payment,
                                                             core::TimeMillis valid_until,
                                                             core::TimeMillis now) {
  std::lock_guard lock(mutex_);
  const auto it = requests_.find(std::string(id));
  if (it == requests_.end()) {
    return base::Error(base::Status::NotFound("no payment request " + std::string(id)));
  }
  PaymentRequest& request = it->second;
  if (request.status != PaymentRequest::Status::kOpen) {
    return base::Error(base::Status::AlreadyExists("the payment request is " +
                                                   std::string(PaymentRequestStatusName(
                                                       request.status))));
  }
  if (request.expires <= now) {
    return base::Error(base::Status::InvalidArgument("the payment request expired"));
  }
  request.status = PaymentRequest::Status::kPaying;
  request.payer = payer;
  request.payment = payment;
  request.payment_valid_until = valid_until;
  return request;
}

void PaymentRequestBook::FinishPaying(std::string_view id, const crypto::Hash& payment, bool paid) {
  std::lock_guard lock(mutex_);
  const auto it = requests_.find(std::string(id));
  if (it == requests_.end() || it->second.status != PaymentRequest::Status::kPaying ||
      it->second.payment != payment) {
    return;
  }
  if (paid) {
    it->second.status = PaymentRequest::Status::kPaid;
    DropUnpaid(it->second.merchant);
    paid_in_order_.push_back(it->first);
  } else {
    it->second.status = PaymentRequest::Status::kOpen;
    it->second.payer.reset();
    it->second.payment.reset();
  }
  // An expired request reopened is due now, not a day after its payment's time.
  File(it->first, ForgetAt(it->second));
}

}  // namespace nuri::wallet
