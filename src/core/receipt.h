// Receipt: what became of one transaction in a block: ok, or rejected with a reason code, the
// program rule that refused it (when one did) and a sentence a person understands.
// Rejected transactions are recorded too, so that auditors see attempted violations.
// Value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/reason.h"
#include "crypto/hash.h"

namespace nuri::core {

enum class ReceiptStatus : std::uint8_t { kOk = 0, kRejected = 1 };

struct Receipt {
  crypto::Hash tx_id;
  ReceiptStatus status = ReceiptStatus::kOk;
  ReasonCode code = ReasonCode::kOk;
  std::string rule;     // program rule id, empty when no rule refused
  std::string message;  // empty when ok
  // For program transactions: the program, the version of its rules that judged this one (a
  // later amendment does not change the verdict) and its budget item for accounting.
  std::string program;
  std::uint32_t program_version = 0;
  std::string budget_code;
  std::vector<std::string> justified;  // rules passed only because the payment was justified
  bool operator==(const Receipt&) const = default;
};

std::string_view ReceiptStatusName(ReceiptStatus status);
// A rejected receipt with its code and sentence (the transaction id is set by the executor).
Receipt RejectedReceipt(ReasonCode code, std::string message);

// Grammar: docs/formats/receipt.md.
std::string EncodeReceipt(const Receipt& receipt);
base::Result<Receipt> DecodeReceipt(std::string_view bytes);

// A block's receipts as stored: count:u32 then each receipt as bytes.
std::string EncodeReceipts(const std::vector<Receipt>& receipts);
base::Result<std::vector<Receipt>> DecodeReceipts(std::string_view bytes);

// A block's receipts root: the Merkle root over its encoded receipts.
crypto::Hash ReceiptsRoot(const std::vector<Receipt>& receipts);

}  // namespace nuri::core
