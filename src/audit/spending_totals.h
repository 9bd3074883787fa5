// The public's numbers (docs/audit.md, "The public's numbers"): program payments totalled by
// ministry, program, merchant category or month, as the transparency portal publishes them.
//
// A cell of the table is published only when it sums at least kPublicPaymentsMin payments of at
// least kPublicHoldersMin distinct holders at at least kPublicMerchantsMin distinct merchants; a
// smaller one would let a reader recognise whose spending, or whose takings, it is. When a table
// would hide exactly one cell, the smallest published one is hidden too, so that the hidden cell
// cannot be had by subtracting the others from the total. Cells carry no account, name or merchant
// identity: ministries and programs are public bodies and budgets, categories are ISO 18245
// merchant category codes, months are Korea's calendar.
//
// Accepted payments count in their cell; a refund lowers the cell of the payment it refunds (its
// ministry, program, category and month), so that a table shows net public spending.
// Single-threaded value.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/block.h"
#include "core/receipt.h"
#include "ledger/state.h"

namespace nuri::audit {

inline constexpr std::uint64_t kPublicPaymentsMin = 5;
inline constexpr std::size_t kPublicHoldersMin = 3;
inline constexpr std::size_t kPublicMerchantsMin = 2;

enum class SpendingDimension { kMinistry, kProgram, kCategory, kMonth };
inline constexpr std::array<std::string_view, 4> kSpendingDimensionNames = {"ministry", "program",
                                                                            "category", "month"};
std::optional<SpendingDimension> SpendingDimensionNamed(std::string_view name);

// Where one payment belongs in each dimension.
struct SpendingPlace {
  std::string ministry;       // organization id of the program's owner
  std::string ministry_name;  // that organization's name
  std::string program;        // program id
  std::string program_name;
  std::string category;  // the merchant's MCC
  std::string month;     // "2026-03", Korea time, of the payment
};

// One row of a published table. A suppressed cell shows its key and nothing else.
struct SpendingCell {
  std::string key;
  std::string label;
  bool suppressed = false;
  std::uint64_t payments = 0;
  std::int64_t paid_won = 0;
  std::int64_t refunded_won = 0;
};

// A name for an ISO 18245 merchant category code, "MCC 1234" for one without.
std::string CategoryName(std::string_view mcc);

class SpendingTotals {
 public:
  void AddPayment(const SpendingPlace& place, std::string_view holder, std::string_view merchant,
                  std::int64_t won);
  void AddRefund(const SpendingPlace& place, std::int64_t won);

  // Adds the accepted payments and refunds of a committed block. What the block does not say (a
  // program's owner, a merchant's category, the payment a refund refunds) is read from `state`,
  // a state at or after the block: the records read never change once written.
  void AddBlock(const core::Block& block, const std::vector<core::Receipt>& receipts,
                const ledger::State& state);

  // The table for `dimension`, in key order, with small cells suppressed.
  std::vector<SpendingCell> Table(SpendingDimension dimension) const;

 private:
  struct Tally {
    std::string label;
    std::uint64_t payments = 0;
    std::int64_t paid_won = 0;
    std::int64_t refunded_won = 0;
    // Distinct holders and merchants, counted up to the minimums only: a cell keeps no more
    // names than it needs to decide.
    std::set<std::string> holders;
    std::set<std::string> merchants;
  };
  std::optional<SpendingPlace> PlaceOf(const ledger::State& state, std::string_view program,
                                       std::string_view merchant, std::int64_t month_number);
  static std::pair<std::string, std::string> KeyOf(const SpendingPlace& place,
                                                   SpendingDimension dimension);

  std::array<std::map<std::string, Tally>, kSpendingDimensionNames.size()> tables_;
};

}  // namespace nuri::audit
