#include "core/receipt.h"

#include "base/limits.h"
#include "codec/codec.h"

namespace nuri::core {

namespace {
constexpr std::uint8_t kReceiptVersion = 1;
constexpr std::size_t kRuleIdLengthMax = 32;
constexpr std::size_t kReceiptMessageLengthMax = 1024;
constexpr std::size_t kReceiptSizeBytesMin = 1 + 32 + 1 + 2 + 4 + 4;

void EncodeInto(codec::Writer& w, const Receipt& receipt) {
  w.PutU8(kReceiptVersion);
  w.PutFixed(receipt.tx_id.view());
  w.PutU8(static_cast<std::uint8_t>(receipt.status));
  w.PutU16(static_cast<std::uint16_t>(receipt.code));
  w.PutBytes(receipt.rule);
  w.PutBytes(receipt.message.substr(0, kReceiptMessageLengthMax));
}

Receipt DecodeFrom(codec::Reader& r) {
  Receipt receipt;
  if (r.GetU8("receipt version") != kReceiptVersion && r.ok()) r.Fail("unknown receipt version");
  receipt.tx_id = crypto::Hash::FromBytes(r.GetFixed(32, "tx_id")).value_or(crypto::Hash{});
  const std::uint8_t status = r.GetU8("status");
  if (r.ok() && status > 1) r.Fail("unknown receipt status");
  receipt.status = static_cast<ReceiptStatus>(status);
  const auto code = ReasonFromValue(r.GetU16("code"));
  if (r.ok() && !code) r.Fail("unknown reason code");
  receipt.code = code.value_or(ReasonCode::kOk);
  receipt.rule = r.GetBytes(kRuleIdLengthMax, "rule");
  receipt.message = r.GetBytes(kReceiptMessageLengthMax, "message");
  return receipt;
}
}  // namespace

std::string_view ReceiptStatusName(ReceiptStatus status) {
  return status == ReceiptStatus::kOk ? "ok" : "rejected";
}

std::string EncodeReceipt(const Receipt& receipt) {
  codec::Writer w;
  EncodeInto(w, receipt);
  return w.Take();
}

base::Result<Receipt> DecodeReceipt(std::string_view bytes) {
  codec::Reader r(bytes);
  Receipt receipt = DecodeFrom(r);
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return receipt;
}

std::string EncodeReceipts(const std::vector<Receipt>& receipts) {
  codec::Writer w;
  w.PutU32(static_cast<std::uint32_t>(receipts.size()));
  for (const auto& receipt : receipts) EncodeInto(w, receipt);
  return w.Take();
}

base::Result<std::vector<Receipt>> DecodeReceipts(std::string_view bytes) {
  codec::Reader r(bytes);
  const std::uint32_t count =
      r.GetCount(base::kBlockTransactionsMax, kReceiptSizeBytesMin, "receipts");
  std::vector<Receipt> receipts;
  receipts.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) receipts.push_back(DecodeFrom(r));
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return receipts;
}

}  // namespace nuri::core
