#include "api/public_api.h"

#include "api/json_response.h"
#include "audit/payment_export.h"
#include "base/limits.h"
#include "core/time.h"
#include "ledger/ledger.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

std::string SpendingCsv(const std::vector<audit::SpendingCell>& cells, std::string_view by) {
  std::string csv =
      std::string(by) + ",label,payments,paid_won,refunded_won,net_won,suppressed\r\n";
  for (const auto& cell : cells) {
    csv += audit::CsvField(cell.key) + "," + audit::CsvField(cell.label) + ",";
    if (cell.suppressed) {
      csv += ",,,,true\r\n";
      continue;
    }
    csv += std::to_string(cell.payments) + "," + std::to_string(cell.paid_won) + "," +
           std::to_string(cell.refunded_won) + "," +
           std::to_string(cell.paid_won - cell.refunded_won) + ",false\r\n";
  }
  return csv;
}

}  // namespace

bool PublicApi::Handle(const HttpRequest& request, Responder& respond) {
  const auto rest = request.PathUnder("/v1/public");
  if (!rest) return false;
  if (*rest != "/spending") {
    respond(ErrorResponse(404, "NOT_FOUND", "no such endpoint: " + request.path));
  } else if (request.method != "GET" && request.method != "HEAD") {
    respond(ErrorResponse(405, "METHOD_NOT_ALLOWED", "only GET " + request.path));
  } else {
    respond(Spending(request));
  }
  return true;
}

base::Status PublicApi::CatchUp() {
  for (;;) {
    base::Status status;
    const bool more = node_.Read([&](const ledger::Ledger& ledger) {
      if (ledger.base_height() > totals_height_) {
        // A node that started from a snapshot, or installed one while it ran, holds no blocks
        // before it: the totals start over from there.
        totals_ = audit::SpendingTotals();
        totals_height_ = ledger.base_height();
        from_height_ = totals_height_ + 1;
      }
      const std::uint64_t end =
          std::min(ledger.head().height, totals_height_ + base::kBlocksPerLockMax);
      for (std::uint64_t height = totals_height_ + 1; height <= end; ++height) {
        auto block = ledger.ReadBlock(height);
        if (!block) status = block.error();
        auto receipts = ledger.ReadReceipts(height);
        if (!receipts) status = receipts.error();
        if (!status.ok()) return false;
        totals_.AddBlock(*block, *receipts, ledger.state());
        totals_height_ = height;
      }
      return totals_height_ < ledger.head().height;
    });
    if (!more) return status;
  }
}

HttpResponse PublicApi::Spending(const HttpRequest& request) {
  const std::string by = request.QueryParameter("by");
  const auto dimension = audit::SpendingDimensionNamed(by);
  if (!dimension) {
    return ErrorResponse(400, "MALFORMED", "by is ministry, program, category or month", "by");
  }
  std::string format = request.QueryParameter("format");
  if (format.empty()) {
    format = request.Header("accept").find("text/csv") != std::string::npos ? "csv" : "json";
  }
  if (format != "json" && format != "csv") {
    return ErrorResponse(400, "MALFORMED", "format is json or csv", "format");
  }
  std::vector<audit::SpendingCell> cells;
  std::uint64_t height = 0;
  std::uint64_t from_height = 0;
  {
    std::lock_guard lock(mutex_);
    if (const base::Status status = CatchUp(); !status.ok()) {
      return ErrorResponse(503, "UNAVAILABLE", "the totals cannot be brought up to date now");
    }
    height = totals_height_;
    from_height = from_height_;
    cells = totals_.Table(*dimension);
  }
  if (format == "csv") {
    HttpResponse response;
    response.content_type = "text/csv; charset=utf-8";
    response.headers.emplace_back("Vary", "Accept");
    response.body = SpendingCsv(cells, by);
    return response;
  }
  json::array rows;
  for (const auto& cell : cells) {
    json::object row{{by, cell.key}, {"label", cell.label}, {"suppressed", cell.suppressed}};
    if (!cell.suppressed) {
      row["payments"] = cell.payments;
      row["paid_won"] = cell.paid_won;
      row["refunded_won"] = cell.refunded_won;
      row["net_won"] = cell.paid_won - cell.refunded_won;
    }
    rows.push_back(std::move(row));
  }
  HttpResponse response = JsonResponse(
      200,
      json::object{{"by", by},
                   {"height", height},
                   {"from_height", from_height},
                   {"suppression", json::object{{"payments_min", audit::kPublicPaymentsMin},
                                                {"holders_min", audit::kPublicHoldersMin},
                                                {"merchants_min", audit::kPublicMerchantsMin}}},
                   {"cells", std::move(rows)}});
  response.headers.emplace_back("Vary", "Accept");
  return response;
}

}  // namespace nuri::api
