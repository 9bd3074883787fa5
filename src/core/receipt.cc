#include "core/receipt.h"

#include "base/limits.h"
#include "codec/codec.h"
#include "crypto/merkle.h"

namespace nuri::core {

namespace {
// Grammar: version:u8(=2) tx_id:32 status:u8 code:u16 rule:bytes message:bytes
//          program:bytes program_version:u32 budget_code:bytes count:u32 justified:bytes*
// (version 1, before programs, had no program fields and is no longer written or read).
constexpr std::uint8_t kReceiptVersion = 2;
constexpr std::size_t kReceiptMessageLengthMax = 1024;
constexpr std::size_t kReceiptSizeBytesMin = 1 + 32 + 1 + 2 + 4 + 4 + 4 + 4 + 4 + 4;

void EncodeInto(codec::Writer& w, const Receipt& receipt) {
  w.PutU8(kReceiptVersion);
  w.PutFixed(receipt.tx_id.view());
  w.PutU8(static_cast<std::uint8_t>(receipt.status));
  w.PutU16(static_cast<std::uint16_t>(receipt.code));
  w.PutBytes(receipt.rule);
  w.PutBytes(receipt.message.substr(0, kReceiptMessageLengthMax));
  w.PutBytes(receipt.program);
  w.PutU32(receipt.program_version);
  w.PutBytes(receipt.budget_code);
  w.PutU32(static_cast<std::uint32_t>(receipt.justified.size()));
  for (const auto& rule : receipt.justified) w.PutBytes(rule);
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
  receipt.rule = r.GetBytes(base::kRuleIdLengthMax, "rule");
  receipt.message = r.GetBytes(kReceiptMessageLengthMax, "message");
  receipt.program = r.GetBytes(base::kProgramIdLengthMax, "program");
  receipt.program_version = r.GetU32("program_version");
  receipt.budget_code = r.GetBytes(base::kBudgetCodeLengthMax, "budget_code");
  const std::uint32_t count = r.GetCount(base::kRulesPerProgramMax, 4, "justified");
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    receipt.justified.push_back(r.GetBytes(base::kRuleIdLengthMax, "justified rule"));
  }
  return receipt;
}
}  // namespace

std::string_view ReceiptStatusName(ReceiptStatus status) {
  return status == ReceiptStatus::kOk ? "ok" : "rejected";
}

Receipt RejectedReceipt(ReasonCode code, std::string message) {
  Receipt receipt;
  receipt.status = ReceiptStatus::kRejected;
  receipt.code = code;
  receipt.message = std::move(message);
  return receipt;
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

crypto::Hash ReceiptsRoot(const std::vector<Receipt>& receipts) {
  std::vector<crypto::Hash> leaves;
  leaves.reserve(receipts.size());
  for (const auto& receipt : receipts) {
    leaves.push_back(crypto::MerkleLeafHash(EncodeReceipt(receipt)));
  }
  return crypto::MerkleRoot(std::move(leaves));
}

}  // namespace nuri::core
