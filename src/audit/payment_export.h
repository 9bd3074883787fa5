// Payments as rows for the government's accounting systems and for auditors (docs/audit.md,
// "Exports"): every program payment and refund of a block, accepted or rejected, with the budget
// code of its program, as CSV (RFC 4180) or JSON Lines. Pure functions of a committed block, its
// receipts and a state at or after it (for what the block does not say: a program's owner and
// budget code, a merchant's category, the payment a refund refunds).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/block.h"
#include "core/receipt.h"
#include "ledger/state.h"

namespace nuri::audit {

struct PaymentRow {
  std::string tx_id;
  std::uint64_t height = 0;
  core::TimeMillis time = 0;
  std::string kind;  // payment | refund
  std::string program;
  std::string budget_code;
  std::string ministry;  // the organization that owns the program
  std::string payer;     // the holder who paid (for a refund, who is paid back)
  std::string merchant;
  std::string category;  // the merchant's MCC
  std::int64_t amount_won = 0;
  std::uint32_t attendees = 0;
  std::string purpose;
  std::string refunded_payment;  // a refund's payment id
  std::string status;            // ok | rejected
  std::string code;              // the reason code of a rejection
  std::string rule;
};

// Rows for the payments and refunds of `block`, in block order.
std::vector<PaymentRow> PaymentRowsOf(const core::Block& block,
                                      const std::vector<core::Receipt>& receipts,
                                      const ledger::State& state);

// The CSV header line and one row's line, each ending in CRLF.
std::string PaymentCsvHeader();
std::string PaymentCsvLine(const PaymentRow& row);
// One row as a JSON object (a JSON Lines line without its newline).
boost::json::object PaymentJson(const PaymentRow& row);

// RFC 4180 quoting, with a leading ' on text a spreadsheet would read as a formula.
std::string CsvField(std::string_view text);

}  // namespace nuri::audit
