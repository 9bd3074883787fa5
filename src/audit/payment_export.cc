#include "audit/payment_export.h"

#include "core/reason.h"
#include "core/time.h"
#include "ledger/program_records.h"
#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::audit {

namespace json = boost::json;

namespace {

// The program's owner and budget code, and the merchant's category, into `row`.
void DescribeProgramAndMerchant(const ledger::State& state, PaymentRow& row) {
  if (const auto record = ledger::ReadProgram(state, row.program)) {
    if (const auto definition = ledger::ReadDefinition(state, row.program, record->version)) {
      row.ministry = definition->owner.org();
      if (row.budget_code.empty()) row.budget_code = definition->budget_code;
    }
  }
  if (const auto account = ledger::ReadAccount(state, row.merchant)) {
    if (account->merchant) row.category = account->merchant->mcc;
  }
}

}  // namespace

std::vector<PaymentRow> PaymentRowsOf(const core::Block& block,
                                      const std::vector<core::Receipt>& receipts,
                                      const ledger::State& state) {
  std::vector<PaymentRow> rows;
  for (std::size_t i = 0; i < block.transactions.size() && i < receipts.size(); ++i) {
    auto tx = core::DecodeTransaction(block.transactions[i]);
    if (!tx) continue;  // committed blocks decode: the ledger wrote them
    const core::Receipt& receipt = receipts[i];
    PaymentRow row;
    if (const auto* pay = std::get_if<core::Pay>(&tx->tx.body)) {
      row.kind = "payment";
      row.program = pay->program;
      row.payer = tx->tx.signer.str();
      row.merchant = pay->to.str();
      row.amount_won = pay->amount.won();
      row.attendees = pay->attendees;
      row.purpose = pay->purpose;
    } else if (const auto* refund = std::get_if<core::Refund>(&tx->tx.body)) {
      row.kind = "refund";
      row.merchant = tx->tx.signer.str();
      row.amount_won = refund->amount.won();
      row.refunded_payment = refund->payment.ToHex();
      if (const std::string* bytes = state.Find(ledger::PaymentKey(refund->payment))) {
        if (const auto payment = ledger::DecodePayment(*bytes)) {
          row.program = payment->program;
          row.payer = payment->payer.str();
        }
      }
    } else {
      continue;
    }
    row.tx_id = tx->id.ToHex();
    row.height = block.header.height;
    row.time = block.header.time;
    row.budget_code = receipt.budget_code;
    row.status = core::ReceiptStatusName(receipt.status);
    if (receipt.status == core::ReceiptStatus::kRejected) {
      row.code = core::ReasonName(receipt.code);
      row.rule = receipt.rule;
    }
    DescribeProgramAndMerchant(state, row);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string CsvField(std::string_view text) {
  std::string field;
  // A leading ' marks the escape, so text that begins with one is escaped too and reads back.
  if (!text.empty() && std::string_view("=+-@\t\r'").find(text.front()) != std::string_view::npos) {
    field += '\'';
  }
  field += text;
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string PaymentCsvHeader() {
  return "tx_id,height,time,kind,program,budget_code,ministry,payer,merchant,category,amount_won,"
         "attendees,purpose,refunded_payment,status,code,rule\r\n";
}

std::string PaymentCsvLine(const PaymentRow& row) {
  std::string line;
  for (const std::string& field :
       {row.tx_id, std::to_string(row.height), core::FormatKoreaTime(row.time), row.kind,
        row.program, row.budget_code, row.ministry, row.payer, row.merchant, row.category,
        std::to_string(row.amount_won), std::to_string(row.attendees), row.purpose,
        row.refunded_payment, row.status, row.code, row.rule}) {
    if (!line.empty()) line += ',';
    line += CsvField(field);
  }
  return line + "\r\n";
}

json::object PaymentJson(const PaymentRow& row) {
  json::object object{{"tx_id", row.tx_id},
                      {"height", row.height},
                      {"time", core::FormatKoreaTime(row.time)},
                      {"kind", row.kind},
                      {"program", row.program},
                      {"budget_code", row.budget_code},
                      {"ministry", row.ministry},
                      {"payer", row.payer},
                      {"merchant", row.merchant},
                      {"category", row.category},
                      {"amount_won", row.amount_won},
                      {"status", row.status}};
  if (row.kind == "payment") {
    object["attendees"] = row.attendees;
    object["purpose"] = row.purpose;
  } else {
    object["refunded_payment"] = row.refunded_payment;
  }
  if (!row.code.empty()) object["code"] = row.code;
  if (!row.rule.empty()) object["rule"] = row.rule;
  return object;
}

}  // namespace nuri::audit
