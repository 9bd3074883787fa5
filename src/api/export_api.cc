#include "api/export_api.h"

#include "api/json_response.h"
#include "audit/payment_export.h"
#include "audit/period.h"
#include "audit/reconciliation.h"
#include "core/ids.h"
#include "core/program.h"
#include "ledger/ledger.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace {

// Blocks read under one shared lock of the ledger, so that a long export never holds off the
// block producer for long.
constexpr std::uint64_t kBlocksPerRead = 64;

}  // namespace

HttpResponse ExportApi::Payments(const HttpRequest& request, const Reader& reader) {
  const std::string program = request.QueryParameter("program");
  const std::string org = request.QueryParameter("org");
  std::string format = request.QueryParameter("format");
  if (format.empty()) format = "csv";
  if (format != "csv" && format != "jsonl") {
    return ErrorResponse(400, "MALFORMED", "format is csv or jsonl", "format");
  }
  if (!program.empty() && !org.empty()) {
    return ErrorResponse(400, "MALFORMED", "name a program or an organization, not both");
  }
  if (!program.empty() && !core::IsProgramId(program)) {
    return ErrorResponse(400, "MALFORMED", "program: not a program id", "program");
  }
  if (!org.empty() && !core::OrgId::Parse(org)) {
    return ErrorResponse(400, "MALFORMED", "org: not an organization id", "org");
  }
  std::optional<core::LocalDate> days[2];
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    auto date = core::ParseDate(request.QueryParameter(names[i]));
    if (!date) {
      return ErrorResponse(400, "MALFORMED", std::string(names[i]) + ": expected YYYY-MM-DD",
                           names[i]);
    }
    days[i] = *date;
  }
  const std::int64_t span = core::DaysFromCivil(*days[1]) - core::DaysFromCivil(*days[0]);
  if (span < 0 || span >= kExportDaysMax) {
    return ErrorResponse(400, "MALFORMED",
                         "from must not be after to, and a period is at most " +
                             std::to_string(kExportDaysMax) + " days",
                         "to");
  }
  const bool allowed = node_.Read([&](const ledger::Ledger& ledger) {
    if (!program.empty()) return MaySeeProgram(reader, ledger.state(), program);
    if (!org.empty()) return reader.MaySeeOrganization(org);
    return reader.MaySeeEverything();
  });
  if (!allowed) {
    return ErrorResponse(403, "FORBIDDEN",
                         reader.account() + " may not see the payments of " +
                             (!program.empty() ? "program " + program
                              : !org.empty()   ? "organization " + org
                                               : std::string("every program")));
  }
  auto range = node_.Read([&](const ledger::Ledger& ledger) {
    return audit::BlocksOfPeriod(ledger, *days[0], *days[1]);
  });
  if (!range) return ErrorResponse(500, "INTERNAL", range.error().message());
  std::string body = format == "csv" ? audit::PaymentCsvHeader() : std::string();
  const base::Status read = ForEachBlock(
      range->first, range->last,
      [&](const core::Block& block, const std::vector<core::Receipt>& receipts,
          const ledger::State& state) {
        for (const auto& row : audit::PaymentRowsOf(block, receipts, state)) {
          if ((!program.empty() && row.program != program) ||
              (!org.empty() && row.ministry != org)) {
            continue;
          }
          body += format == "csv" ? audit::PaymentCsvLine(row)
                                  : boost::json::serialize(audit::PaymentJson(row)) + "\n";
        }
      });
  if (!read.ok()) return ErrorResponse(500, "INTERNAL", read.message());
  HttpResponse response;
  response.content_type =
      format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";
  response.body = std::move(body);
  return response;
}

base::Status ExportApi::ForEachBlock(
    std::uint64_t first, std::uint64_t last,
    const std::function<void(const core::Block&, const std::vector<core::Receipt>&,
                             const ledger::State&)>& visit) {
  for (std::uint64_t height = first; height <= last;) {
    const base::Status read = node_.Read([&](const ledger::Ledger& ledger) {
      const std::uint64_t end = std::min(last, height + kBlocksPerRead - 1);
      for (; height <= end; ++height) {
        auto block = ledger.ReadBlock(height);
        if (!block) return block.error();
        auto receipts = ledger.ReadReceipts(height);
        if (!receipts) return receipts.error();
        visit(*block, *receipts, ledger.state());
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
  // The supply of each token as of the last committed block, with the day's blocks: a block
  // executed and waiting for its certificate is in the state already, and is taken out.
  struct AsOf {
    std::vector<std::string> tokens;
    std::map<std::string, std::int64_t> supply;
    std::uint64_t height = 0;
    base::Result<audit::HeightRange> day;
  };
  const AsOf as_of = node_.Read([&](const ledger::Ledger& ledger) {
    AsOf result{.day = audit::BlocksOfPeriod(ledger, *date, *date)};
    result.tokens = audit::TokensIssuedBy(ledger.state(), bank);
    result.height = ledger.head().height;
    audit::IssuanceTally waiting(result.tokens);
    if (const ledger::ProducedBlock* executed = ledger.executed()) {
      waiting.AddBlock(executed->block, executed->receipts);
    }
    for (const auto& token : result.tokens) {
      const auto record = ledger::ReadToken(ledger.state(), token);
      const auto& pending = waiting.issued().at(token);
      result.supply[token] = (record ? record->minted.won() - record->burned.won() : 0) -
                             pending.minted_won + pending.burned_won;
    }
    return result;
  });
  if (!as_of.day) return ErrorResponse(500, "INTERNAL", as_of.day.error().message());
  if (as_of.tokens.empty()) {
    return ErrorResponse(404, "NOT_FOUND", bank + " issues no deposit token");
  }
  audit::IssuanceTally day(as_of.tokens);
  audit::IssuanceTally after(as_of.tokens);
  const auto tally = [](audit::IssuanceTally& into) {
    return [&into](const core::Block& block, const std::vector<core::Receipt>& receipts,
                   const ledger::State&) { into.AddBlock(block, receipts); };
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
                                               {"tokens", std::move(tokens)}});
}

}  // namespace nuri::api
