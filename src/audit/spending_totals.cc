#include "audit/spending_totals.h"

#include <algorithm>

#include "core/time.h"
#include "ledger/program_records.h"
#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::audit {

namespace {

// "2026-03" from a month number (ledger::MonthNumber); ledger times end in the year 9999.
std::string MonthText(std::int64_t month_number) {
  return core::FormatDate(core::LocalDate{.year = static_cast<int>(month_number / 12),
                                          .month = static_cast<int>(month_number % 12 + 1),
                                          .day = 1})
      .substr(0, 7);
}

// Totals of won saturate rather than wrap: no real budget comes near, and a wrapped total would
// be a lie.
void AddWon(std::int64_t& total, std::int64_t won) {
  if (__builtin_add_overflow(total, won, &total)) total = INT64_MAX;
}

}  // namespace

std::optional<SpendingDimension> SpendingDimensionNamed(std::string_view name) {
  for (std::size_t i = 0; i < kSpendingDimensionNames.size(); ++i) {
    if (kSpendingDimensionNames[i] == name) return static_cast<SpendingDimension>(i);
  }
  return std::nullopt;
}

std::string CategoryName(std::string_view mcc) {
  // The categories of the pilots' merchants and of the rules that bar categories
  // (ISO 18245 descriptions, shortened).
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"1731", "Electrical contractors"},
      {"4121", "Taxicabs and limousines"},
      {"5411", "Grocery stores and supermarkets"},
      {"5812", "Restaurants"},
      {"5813", "Bars and taverns"},
      {"5814", "Fast food and cafes"},
      {"5933", "Pawn shops"},
      {"5943", "Stationery and office supplies"},
      {"7011", "Hotels and lodging"},
      {"7273", "Dating and escort services"},
      {"7297", "Massage parlors"},
      {"7992", "Golf courses"},
      {"7995", "Betting and casino gambling"},
      {"7996", "Amusement parks"}};
  for (const auto& [code, name] : kNames) {
    if (code == mcc) return std::string(name);
  }
  return "MCC " + std::string(mcc);
}

void SpendingTotals::AddPayment(const SpendingPlace& place, std::string_view holder,
                                std::string_view merchant, std::int64_t won) {
  for (std::size_t i = 0; i < tables_.size(); ++i) {
    auto [key, label] = KeyOf(place, static_cast<SpendingDimension>(i));
    Tally& tally = tables_[i][key];
    tally.label = std::move(label);
    ++tally.payments;
    AddWon(tally.paid_won, won);
    if (tally.holders.size() < kPublicHoldersMin) tally.holders.emplace(holder);
    if (tally.merchants.size() < kPublicMerchantsMin) tally.merchants.emplace(merchant);
  }
}

void SpendingTotals::AddRefund(const SpendingPlace& place, std::int64_t won) {
  for (std::size_t i = 0; i < tables_.size(); ++i) {
    auto [key, label] = KeyOf(place, static_cast<SpendingDimension>(i));
    Tally& tally = tables_[i][key];
    tally.label = std::move(label);
    AddWon(tally.refunded_won, won);
  }
}

std::pair<std::string, std::string> SpendingTotals::KeyOf(const SpendingPlace& place,
                                                          SpendingDimension dimension) {
  switch (dimension) {
    case SpendingDimension::kMinistry:
      return {place.ministry, place.ministry_name};
    case SpendingDimension::kProgram:
      return {place.program, place.program_name};
    case SpendingDimension::kCategory:
      return {place.category, CategoryName(place.category)};
    case SpendingDimension::kMonth:
      return {place.month, place.month};
  }
  return {};
}

std::optional<SpendingPlace> SpendingTotals::PlaceOf(const ledger::State& state,
                                                     std::string_view program,
                                                     std::string_view merchant,
                                                     std::int64_t month_number) {
  const auto record = ledger::ReadProgram(state, program);
  if (!record) return std::nullopt;
  const auto definition = ledger::ReadDefinition(state, program, record->version);
  const auto account = ledger::ReadAccount(state, merchant);
  if (!definition || !account || !account->merchant) return std::nullopt;
  SpendingPlace place;
  place.ministry = definition->owner.org();
  place.ministry_name = place.ministry;
  if (const std::string* org = state.Find(ledger::OrgKey(place.ministry))) {
    if (auto decoded = ledger::DecodeOrg(*org)) place.ministry_name = decoded->name;
  }
  place.program = std::string(program);
  place.program_name = definition->name;
  place.category = account->merchant->mcc;
  place.month = MonthText(month_number);
  return place;
}

void SpendingTotals::AddBlock(const core::Block& block, const std::vector<core::Receipt>& receipts,
                              const ledger::State& state) {
  const std::int64_t month = ledger::MonthNumber(core::ToKoreaTime(block.header.time).date);
  for (std::size_t i = 0; i < block.transactions.size() && i < receipts.size(); ++i) {
    if (receipts[i].status != core::ReceiptStatus::kOk) continue;
    auto tx = core::DecodeTransaction(block.transactions[i]);
    if (!tx) continue;  // committed blocks decode: the ledger wrote them
    if (const auto* pay = std::get_if<core::Pay>(&tx->tx.body)) {
      if (auto place = PlaceOf(state, pay->program, pay->to.str(), month)) {
        AddPayment(*place, tx->tx.signer.str(), pay->to.str(), pay->amount.won());
      }
    } else if (const auto* refund = std::get_if<core::Refund>(&tx->tx.body)) {
      const std::string* bytes = state.Find(ledger::PaymentKey(refund->payment));
      if (bytes == nullptr) continue;
      const auto payment = ledger::DecodePayment(*bytes);
      if (!payment) continue;
      if (auto place = PlaceOf(state, payment->program, payment->merchant.str(), payment->month)) {
        AddRefund(*place, refund->amount.won());
      }
    }
  }
}

std::vector<SpendingCell> SpendingTotals::Table(SpendingDimension dimension) const {
  std::vector<SpendingCell> cells;
  for (const auto& [key, tally] : tables_[static_cast<std::size_t>(dimension)]) {
    SpendingCell cell{.key = key, .label = tally.label};
    cell.suppressed = tally.payments < kPublicPaymentsMin ||
                      tally.holders.size() < kPublicHoldersMin ||
                      tally.merchants.size() < kPublicMerchantsMin;
    if (!cell.suppressed) {
      cell.payments = tally.payments;
      cell.paid_won = tally.paid_won;
      cell.refunded_won = tally.refunded_won;
    }
    cells.push_back(std::move(cell));
  }
  // One hidden cell is the total (which any other table gives) less the published ones: hide
  // the smallest published cell with it.
  const auto hidden =
      std::ranges::count_if(cells, [](const auto& cell) { return cell.suppressed; });
  if (hidden == 1 && cells.size() > 1) {
    auto smallest = std::ranges::min_element(cells, [](const auto& a, const auto& b) {
      if (a.suppressed != b.suppressed) return b.suppressed;  // published cells first
      return a.paid_won < b.paid_won;
    });
    *smallest = SpendingCell{.key = smallest->key, .label = smallest->label, .suppressed = true};
  }
  return cells;
}

}  // namespace nuri::audit
