// ExportApi: payments for the government's accounting systems and for auditors
// (docs/audit.md, "Exports").
//
//   GET /v1/exports/payments?from=YYYY-MM-DD&to=YYYY-MM-DD[&program=ID|&org=ORG][&format=csv|jsonl]
//       every program payment and refund committed from day `from` through day `to` (Korea
//       time, at most base::kExportDaysMax days), accepted or rejected, with its program's budget
//       code: CSV (the default, RFC 4180) or JSON Lines. `program` needs a reader who sees the
//       program's payments (its organization's admin, an auditor); `org` one who sees that
//       organization; neither, one who sees everything.
//   GET /v1/exports/reconciliation?bank=ORG&date=YYYY-MM-DD
//       for each deposit token the bank issues: what it minted and burned that day (Korea time)
//       and the tokens outstanding at the day's start and end (audit/reconciliation.h); for the
//       bank's admin and auditors
//   GET /v1/exports/statement?account=ID&token=T&from=YYYY-MM-DD&to=YYYY-MM-DD
//       the account's plain balance of the token over the period, every movement with its
//       balances at the start and end, as ISO 20022 camt.053 (audit/statement.h); for whoever
//       sees the account
//
// Thread-safe: the blocks are read a bounded number at a time under the ledger's shared lock.
#pragma once

#include <functional>
#include <optional>
#include <variant>
#include <vector>

#include "api/http_server.h"
#include "api/read_access.h"
#include "audit/statement.h"
#include "core/time.h"
#include "node/node.h"

namespace nuri::api {

class ExportApi {
 public:
  explicit ExportApi(node::Node& node) : node_(node) {}
  ExportApi(const ExportApi&) = delete;
  ExportApi& operator=(const ExportApi&) = delete;

  HttpResponse Payments(const HttpRequest& request, const Reader& reader);
  HttpResponse Reconciliation(const HttpRequest& request, const Reader& reader);
  HttpResponse Statement(const HttpRequest& request, const Reader& reader);

 private:
  struct PaymentQuery {
    std::string program;
    std::string org;
    std::string format;
    core::LocalDate from;
    core::LocalDate to;
  };
  // The query of a payments export, or the 400 that says what is wrong with it.
  static std::variant<PaymentQuery, HttpResponse> ReadPaymentQuery(const HttpRequest& request);
  // Reads `from` and `to`, or answers the 400 that says what is wrong with them.
  static std::optional<HttpResponse> ReadPeriod(const HttpRequest& request, core::LocalDate& from,
                                                core::LocalDate& to);
  // What moved the statement's balance from its period's first block to the head it is as of,
  // newest first, each with its block's height, index and time. ResourceExhausted past
  // base::kStatementTransactionsMax transactions of the account.
  base::Result<std::vector<audit::StatementEntry>> MovementsSince(
      const audit::Statement& statement);
  // Calls `visit` with each committed block from `first` to `last` and its receipts, a bounded
  // number under each shared lock of the ledger, until it returns false (ResourceExhausted).
  base::Status ForEachBlock(
      std::uint64_t first, std::uint64_t last,
      const std::function<bool(const core::Block&, const std::vector<core::Receipt>&,
                               const ledger::State&)>& visit);

  node::Node& node_;
};

}  // namespace nuri::api
