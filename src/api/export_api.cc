#include "api/export_api.h"

#include "api/json_response.h"
#include "audit/payment_export.h"
#include "audit/period.h"
#include "audit/reconciliation.h"
#include "base/limits.h"
#include "core/ids.h"
#include "core/program.h"
#include "ledger/ledger.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace {

// The answer when the blocks of a period cannot be found.
HttpResponse PeriodError(const base::Status& status) {
  if (status.code() == base::StatusCode::kNotFound) {
    return ErrorResponse(404, "NOT_FOUND", status.message());
  }
  return ErrorResponse(500, "INTERNAL", status.message());
}

}  // namespace

std::variant<ExportApi::PaymentQuery, HttpResponse> ExportApi::ReadPaymentQuery(
    const HttpRequest& request) {
  PaymentQuery query{.program = request.QueryParameter("program"),
                     .org = request.QueryParameter("org"),
                     .format = request.QueryParameter("format")};
  if (query.format.empty()) query.format = "csv";
  if (query.format != "csv" && query.format != "jsonl") {
    return ErrorResponse(400, "MALFORMED", "format is csv or jsonl", "format");
  }
  if (!query.program.empty() && !query.org.empty()) {
    return ErrorResponse(400, "MALFORMED", "name a program or an organization, not both");
  }
  if (!query.program.empty() && !core::IsProgramId(query.program)) {
    return ErrorResponse(400, "MALFORMED", "program: not a program id", "program");
  }
  if (!query.org.empty() && !core::OrgId::Parse(query.org)) {
    return ErrorResponse(400, "MALFORMED", "org: not an organization id", "org");
  }
  for (auto [name, day] : {std::pair{"from", &query.from}, std::pair{"to", &query.to}}) {
    auto date = core::ParseDate(request.QueryParameter(name));
    if (!date) {
      return ErrorResponse(400, "MALFORMED", std::string(name) + ": expected YYYY-MM-DD", name);
    }
    *day = *date;
  }
  const std::int64_t span = core::DaysFromCivil(query.to) - core::DaysFromCivil(query.from);
  if (span < 0 || span >= base::kExportDaysMax) {
    return ErrorResponse(400, "MALFORMED",
                         "from must not be after to, and a period is at most " +
                             std::to_string(base::kExportDaysMax) + " days",
                         "to");
  }
  return query;
}

HttpResponse ExportApi::Payments(const HttpRequest& request, const Reader& reader) {
  auto read_query = ReadPaymentQuery(request);
  if (auto* refusal = std::get_if<HttpResponse>(&read_query)) return *std::move(refusal);
  const PaymentQuery& query = std::get<PaymentQuery>(read_query);
  const bool allowed = node_.Read([&](const ledger::Ledger& ledger) {
    if (!query.program.empty()) return MaySeeProgram(reader, ledger.state(), query.program);
    if (!query.org.empty()) return reader.MaySeeOrganization(query.org);
    return reader.MaySeeEverything();
  });
  if (!allowed) {
    return ErrorResponse(403, "FORBIDDEN",
                         reader.account() + " may not see the payments of " +
                             (!query.program.empty() ? "program " + query.program
                              : !query.org.empty()   ? "organization " + query.org
                                                     : std::string("every program")));
  }
  auto range = node_.Read([&](const ledger::Ledger& ledger) {
    return audit::BlocksOfPeriod(ledger, query.from, query.to);
  });
  if (!range) return PeriodError(range.error());
  const bool csv = query.format == "csv";
  std::string body = csv ? audit::PaymentCsvHeader() : std::string();
  const base::Status read = ForEachBlock(
      range->first, range->last,
      [&](const core::Block& block, const std::vector<core::Receipt>& receipts,
          const ledger::State& state) {
        for (const auto& row : audit::PaymentRowsOf(block, receipts, state)) {
          if ((!query.program.empty() && row.program != query.program) ||
              (!query.org.empty() && row.ministry != query.org)) {
            continue;
          }
          body += csv ? audit::PaymentCsvLine(row)
                      : boost::json::serialize(audit::PaymentJson(row)) + "\n";
        }
        return body.size() <= base::kExportSizeBytesMax;
      });
  if (read.code() == base::StatusCode::kResourceExhausted) {
    return ErrorResponse(413, "TOO_LARGE",
                         "the export is larger than " +
                             std::to_string(base::kExportSizeBytesMax >> 20) +
                             " MiB: ask for a shorter period, or one program");
  }
  if (!read.ok()) return ErrorResponse(500, "INTERNAL", read.message());
  HttpResponse response;
  response.content_type = csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";
  // The last block the export read: a period that is not over yet grows after it.
  response.headers.emplace_back("X-Nuri-Last-Height", std::to_string(range->last));
  response.body = std::move(body);
  return response;
}

base::Status ExportApi::ForEachBlock(
    std::uint64_t first, std::uint64_t last,
    const std::function<bool(const core::Block&, const std::vector<core::Receipt>&,
                             const ledger::State&)>& visit) {
  for (std::uint64_t height = first; height <= last;) {
    const base::Status read = node_.Read([&](const ledger::Ledger& ledger) {
      const std::uint64_t end = std::min(last, height + base::kBlocksPerLockMax - 1);
      for (; height <= end; ++height) {
        auto block = ledger.ReadBlock(height);
        if (!block) return block.error();
        auto receipts = ledger.ReadReceipts(height);
        if (!receipts) return receipts.error();
        if (!visit(*block, *receipts, ledger.state())) {
          return base::Status::ResourceExhausted("stopped at height " + std::to_string(height));
        }
      }
      return base::Status::Ok();
    });
    if (!read.ok()) return read;
  }
  return base::Status::Ok();
}

HttpResponse ExportApi::Reconciliation(const HttpRequest& request, const Reader& reader) {
  const std::string bank = request.QueryParameter("bank");
  if (!core::OrgId::Parse(bank)) {
    return ErrorResponse(400, "MALFORMED", "bank: expected an organization id", "bank");
  }
  const auto date = core::ParseDate(request.QueryParameter("date"));
  if (!date) return ErrorResponse(400, "MALFORMED", "date: expected YYYY-MM-DD", "date");
  if (!reader.MaySeeOrganization(bank)) {
    return ErrorResponse(403, "FORBIDDEN",
                         reader.account() + " may not see the reconciliation of " + bank);
  }
  // The supply of each token at the head, with the day's blocks, under one lock: the state a
  // reader sees is always the committed one (ledger.h).
  struct AsOf {
    std::vector<std::string> tokens;
    std::map<std::string, std::int64_t> supply;
    std::uint64_t height = 0;
    bool day_is_over = false;  // a block of a later day is committed
    base::Result<audit::HeightRange> day;
  };
  const AsOf as_of = node_.Read([&](const ledger::Ledger& ledger) {
    AsOf result{.day = audit::BlocksOfPeriod(ledger, *date, *date)};
    result.tokens = audit::TokensIssuedBy(ledger.state(), bank);
    result.height = ledger.head().height;
    result.day_is_over =
        ledger.head().time >=
        audit::StartOfKoreaDay(core::CivilFromDays(core::DaysFromCivil(*date) + 1));
    for (const auto& token : result.tokens) {
      const auto record = ledger::ReadToken(ledger.state(), token);
      result.supply[token] = record ? record->minted.won() - record->burned.won() : 0;
    }
    return result;
  });
  if (!as_of.day) return PeriodError(as_of.day.error());
  if (as_of.tokens.empty()) {
    return ErrorResponse(404, "NOT_FOUND", bank + " issues no deposit token");
  }
  audit::IssuanceTally day(as_of.tokens);
  audit::IssuanceTally after(as_of.tokens);
  const auto tally = [](audit::IssuanceTally& into) {
    return [&into](const core::Block& block, const std::vector<core::Receipt>& receipts,
                   const ledger::State&) {
      into.AddBlock(block, receipts);
      return true;
    };
  };
  base::Status read = ForEachBlock(as_of.day->first, as_of.day->last, tally(day));
  if (read.ok()) read = ForEachBlock(as_of.day->last + 1, as_of.height, tally(after));
  if (!read.ok()) return ErrorResponse(500, "INTERNAL", read.message());
  boost::json::array tokens;
  for (const auto& token : audit::ReconcileDay(day, after, as_of.supply)) {
    tokens.push_back(boost::json::object{{"token", token.token},
                                         {"mints", token.mints},
                                         {"burns", token.burns},
                                         {"minted_won", token.minted_won},
                                         {"burned_won", token.burned_won},
                                         {"outstanding_start_won", token.outstanding_start_won},
                                         {"outstanding_end_won", token.outstanding_end_won}});
  }
  return JsonResponse(200, boost::json::object{{"bank", bank},
                                               {"date", core::FormatDate(*date)},
                                               {"first_height", as_of.day->first},
                                               {"last_height", as_of.day->last},
                                               {"as_of_height", as_of.height},
                                               {"complete", as_of.day_is_over},
                                               {"tokens", std::move(tokens)}});
}

}  // namespace nuri::api
