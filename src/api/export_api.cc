#include "api/export_api.h"

#include <algorithm>
#include <limits>

#include "api/json_response.h"
#include "audit/payment_export.h"
#include "audit/period.h"
#include "audit/reconciliation.h"
#include "audit/statement.h"
#include "base/limits.h"
#include "core/ids.h"
#include "core/program.h"
#include "ledger/ledger.h"
#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace {

// The answer to a statement beyond what one answer holds.
HttpResponse StatementTooLarge() {
  return ErrorResponse(413, "TOO_LARGE",
                       "the statement would read more than " +
                           std::to_string(base::kStatementTransactionsMax) +
                           " of the account's transactions, or pass " +
                           std::to_string(base::kExportSizeBytesMax >> 20) +
                           " MiB: ask for a more recent or shorter period");
}

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
  if (auto refusal = ReadPeriod(request, query.from, query.to)) return *std::move(refusal);
  return query;
}

std::optional<HttpResponse> ExportApi::ReadPeriod(const HttpRequest& request, core::LocalDate& from,
                                                  core::LocalDate& to) {
  for (auto [name, day] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    auto date = core::ParseDate(request.QueryParameter(name));
    if (!date) {
      return ErrorResponse(400, "MALFORMED", std::string(name) + ": expected YYYY-MM-DD", name);
    }
    *day = *date;
  }
  const std::int64_t span = core::DaysFromCivil(to) - core::DaysFromCivil(from);
  if (span < 0 || span >= base::kExportDaysMax) {
    return ErrorResponse(400, "MALFORMED",
                         "from must not be after to, and a period is at most " +
                             std::to_string(base::kExportDaysMax) + " days",
                         "to");
  }
  return std::nullopt;
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

HttpResponse ExportApi::Statement(const HttpRequest& request, const Reader& reader) {
  audit::Statement statement{.account = request.QueryParameter("account"),
                             .token = request.QueryParameter("token")};
  if (!core::AccountId::Parse(statement.account)) {
    return ErrorResponse(400, "MALFORMED", "account: expected name@org", "account");
  }
  if (!core::TokenId::Parse(statement.token)) {
    return ErrorResponse(400, "MALFORMED", "token: expected a token id", "token");
  }
  if (auto refusal = ReadPeriod(request, statement.from, statement.to)) return *refusal;
  if (!reader.MaySeeAccount(statement.account)) {
    return ErrorResponse(403, "FORBIDDEN",
                         reader.account() + " may not see the statement of " + statement.account);
  }
  // The balance at the head, and the period's blocks, under one lock: the statement is as of
  // that head, and blocks committed after it are left out.
  std::int64_t balance_now = 0;
  const base::Status found = node_.Read([&](const ledger::Ledger& ledger) {
    const ledger::State& state = ledger.state();
    if (!ledger::ReadAccount(state, statement.account)) {
      return base::Status::NotFound("no account " + statement.account);
    }
    const auto token = ledger::ReadToken(state, statement.token);
    if (!token) return base::Status::NotFound("no token " + statement.token);
    auto period = audit::BlocksOfPeriod(ledger, statement.from, statement.to);
    if (!period) return period.error();
    statement.chain_id = ledger.head().chain_id;
    statement.bank = std::string(token->issuer.org());
    if (const std::string* org = state.Find(ledger::OrgKey(statement.bank))) {
      if (auto record = ledger::DecodeOrg(*org)) statement.bank_name = record->name;
    }
    statement.first_height = period->first;
    statement.last_height = period->last;
    statement.as_of_height = ledger.head().height;
    statement.as_of_time = ledger.head().time;
    statement.complete =
        ledger.head().time >=
        audit::StartOfKoreaDay(core::CivilFromDays(core::DaysFromCivil(statement.to) + 1));
    balance_now = ledger::ReadBalance(state, statement.account, statement.token).won();
    return base::Status::Ok();
  });
  if (!found.ok()) return PeriodError(found);
  auto movements = MovementsSince(statement);
  if (!movements) {
    if (movements.error().code() == base::StatusCode::kResourceExhausted)
      return StatementTooLarge();
    return ErrorResponse(500, "INTERNAL", movements.error().message());
  }
  // Walking back from the head: what came after the period, then the period itself. Money moves
  // back and forth, so these sums are checked even though no balance can overflow.
  std::int64_t after = 0;
  std::int64_t during = 0;
  bool overflow = false;
  for (auto& entry : *movements) {
    const std::int64_t signed_won = entry.credit ? entry.amount_won : -entry.amount_won;
    if (entry.height > statement.last_height) {
      overflow |= __builtin_add_overflow(after, signed_won, &after);
    } else {
      overflow |= __builtin_add_overflow(during, signed_won, &during);
      statement.entries.push_back(std::move(entry));
    }
  }
  std::reverse(statement.entries.begin(), statement.entries.end());
  overflow |= __builtin_sub_overflow(balance_now, after, &statement.closing_won);
  overflow |= __builtin_sub_overflow(statement.closing_won, during, &statement.opening_won);
  if (overflow || !audit::TotalsOf(statement.entries)) {
    return ErrorResponse(500, "INTERNAL",
                         "the statement's sums overflow: ask for a shorter period");
  }
  HttpResponse response;
  response.content_type = "application/xml; charset=utf-8";
  response.headers.emplace_back("X-Nuri-Last-Height", std::to_string(statement.as_of_height));
  response.body = audit::StatementCamt053(statement);
  if (response.body.size() > base::kExportSizeBytesMax) return StatementTooLarge();
  return response;
}

base::Result<std::vector<audit::StatementEntry>> ExportApi::MovementsSince(
    const audit::Statement& statement) {
  // The account's index, newest first from the head the statement is as of, down to the
  // period's first block: a page under each lock.
  std::vector<ledger::TransactionLocation> locations;
  ledger::TransactionLocation next{statement.as_of_height,
                                   std::numeric_limits<std::uint32_t>::max()};
  for (bool more = statement.as_of_height >= statement.first_height; more;) {
    auto page = node_.Read([&](const ledger::Ledger& ledger) {
      return ledger.AccountLocations(statement.account, next, base::kIndexEntriesPerLockMax);
    });
    if (!page) return base::Error(page.error());
    more = page->size() == base::kIndexEntriesPerLockMax;
    for (const auto& location : *page) {
      if (location.height < statement.first_height) {
        more = false;
        break;
      }
      locations.push_back(location);
    }
    if (locations.size() > base::kStatementTransactionsMax) {
      return base::Error(base::Status::ResourceExhausted("too many entries"));
    }
    if (more) {
      const auto& last = locations.back();
      next = last.index > 0 ? ledger::TransactionLocation{last.height, last.index - 1}
                            : ledger::TransactionLocation{
                                  last.height - 1, std::numeric_limits<std::uint32_t>::max()};
    }
  }
  // Each block read once, a bounded number under each lock.
  std::vector<audit::StatementEntry> movements;
  for (std::size_t i = 0; i < locations.size();) {
    const base::Status read = node_.Read([&](const ledger::Ledger& ledger) {
      for (std::size_t blocks = 0; i < locations.size() && blocks < base::kBlocksPerLockMax;
           ++blocks) {
        const std::uint64_t height = locations[i].height;
        auto block = ledger.ReadBlock(height);
        if (!block) return block.error();
        auto receipts = ledger.ReadReceipts(height);
        if (!receipts) return receipts.error();
        for (; i < locations.size() && locations[i].height == height; ++i) {
          const std::uint32_t index = locations[i].index;
          if (index >= block->transactions.size() || index >= receipts->size()) {
            return base::Status::Internal("the account index points past block " +
                                          std::to_string(height));
          }
          auto tx = core::DecodeTransaction(block->transactions[index]);
          if (!tx) return tx.error();
          auto entry = audit::MovementOf(*tx, (*receipts)[index], statement.account,
                                         statement.token, ledger.state());
          if (!entry) continue;
          entry->height = height;
          entry->index = index;
          entry->time = block->header.time;
          movements.push_back(*std::move(entry));
        }
      }
      return base::Status::Ok();
    });
    if (!read.ok()) return base::Error(read);
  }
  return movements;
}

}  // namespace nuri::api
