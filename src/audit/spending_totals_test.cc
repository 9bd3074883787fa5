#include "audit/spending_totals.h"

#include <gtest/gtest.h>

namespace nuri::audit {
namespace {

SpendingPlace Place(std::string program, std::string category, std::string month) {
  return SpendingPlace{.ministry = "moef",
                       .ministry_name = "Ministry of Economy and Finance",
                       .program = std::move(program),
                       .program_name = "Business promotion",
                       .category = std::move(category),
                       .month = std::move(month)};
}

// `count` payments of `won` each, spread over `holders` holders.
void Pay(SpendingTotals& totals, const SpendingPlace& place, int count, int holders,
         std::int64_t won) {
  for (int i = 0; i < count; ++i) {
    totals.AddPayment(place, "holder" + std::to_string(i % holders) + "@moef",
                      "shop" + std::to_string(i % 2) + "@merchants", won);
  }
}

const SpendingCell& Cell(const std::vector<SpendingCell>& table, std::string_view key) {
  const auto found = std::ranges::find(table, key, &SpendingCell::key);
  EXPECT_NE(found, table.end()) << key;
  return *found;
}

TEST(SpendingTotalsTest, ACellIsPublishedFromFivePaymentsOfThreeHolders) {
  SpendingTotals totals;
  Pay(totals, Place("bpe-moef", "5812", "2026-03"), 5, 3, 40000);
  Pay(totals, Place("bpe-me", "5812", "2026-03"), 4, 4, 10000);    // four payments
  Pay(totals, Place("bpe-mois", "5812", "2026-03"), 9, 2, 10000);  // two holders
  totals.AddRefund(Place("bpe-moef", "5812", "2026-03"), 15000);
  const auto table = totals.Table(SpendingDimension::kProgram);
  ASSERT_EQ(table.size(), 3u);
  const SpendingCell& published = Cell(table, "bpe-moef");
  EXPECT_FALSE(published.suppressed);
  EXPECT_EQ(published.label, "Business promotion");
  EXPECT_EQ(published.payments, 5u);
  EXPECT_EQ(published.paid_won, 200000);
  EXPECT_EQ(published.refunded_won, 15000);
  for (const auto* key : {"bpe-me", "bpe-mois"}) {
    const SpendingCell& hidden = Cell(table, key);
    EXPECT_TRUE(hidden.suppressed) << key;
    EXPECT_EQ(hidden.payments, 0u) << key;
    EXPECT_EQ(hidden.paid_won, 0) << key;
    EXPECT_EQ(hidden.refunded_won, 0) << key;
  }
  // Every payment falls in one month and one category: those cells hold them all.
  const auto months = totals.Table(SpendingDimension::kMonth);
  ASSERT_EQ(months.size(), 1u);
  EXPECT_EQ(months[0].payments, 18u);
  EXPECT_EQ(months[0].paid_won, 200000 + 40000 + 90000);
  const auto categories = totals.Table(SpendingDimension::kCategory);
  ASSERT_EQ(categories.size(), 1u);
  EXPECT_EQ(categories[0].label, "Restaurants");
}

TEST(SpendingTotalsTest, ALoneHiddenCellTakesTheSmallestPublishedOneWithIt) {
  SpendingTotals totals;
  Pay(totals, Place("p", "5812", "2026-03"), 10, 5, 30000);
  Pay(totals, Place("p", "5812", "2026-04"), 6, 3, 10000);  // the smallest published
  Pay(totals, Place("p", "5812", "2026-05"), 8, 4, 50000);
  Pay(totals, Place("p", "5812", "2026-06"), 2, 2, 10000);  // hidden: too few
  const auto months = totals.Table(SpendingDimension::kMonth);
  ASSERT_EQ(months.size(), 4u);
  EXPECT_FALSE(Cell(months, "2026-03").suppressed);
  EXPECT_TRUE(Cell(months, "2026-04").suppressed);
  EXPECT_EQ(Cell(months, "2026-04").paid_won, 0);
  EXPECT_FALSE(Cell(months, "2026-05").suppressed);
  EXPECT_TRUE(Cell(months, "2026-06").suppressed);

  // Two hidden cells already hide each other: nothing more is hidden.
  Pay(totals, Place("p", "5812", "2026-07"), 1, 1, 10000);
  const auto later = totals.Table(SpendingDimension::kMonth);
  EXPECT_FALSE(Cell(later, "2026-04").suppressed);
  EXPECT_EQ(Cell(later, "2026-04").paid_won, 60000);
}

TEST(SpendingTotalsTest, OneMerchantsTakingsAreNeverPublished) {
  SpendingTotals totals;
  for (int i = 0; i < 6; ++i) {
    totals.AddPayment(Place("p", "7992", "2026-03"), "holder" + std::to_string(i) + "@moef",
                      "golf@merchants", 90000);
  }
  const auto table = totals.Table(SpendingDimension::kCategory);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_TRUE(table[0].suppressed);
  totals.AddPayment(Place("p", "7992", "2026-03"), "holder0@moef", "links@merchants", 90000);
  EXPECT_FALSE(totals.Table(SpendingDimension::kCategory)[0].suppressed);
}

TEST(SpendingTotalsTest, RefundsAloneNeverPublishACell) {
  SpendingTotals totals;
  totals.AddRefund(Place("p", "5411", "2026-03"), 5000);
  const auto table = totals.Table(SpendingDimension::kCategory);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_TRUE(table[0].suppressed);
  EXPECT_EQ(table[0].refunded_won, 0);
}

TEST(SpendingTotalsTest, DimensionsAndCategoriesHaveNames) {
  EXPECT_EQ(SpendingDimensionNamed("ministry"), SpendingDimension::kMinistry);
  EXPECT_EQ(SpendingDimensionNamed("month"), SpendingDimension::kMonth);
  EXPECT_EQ(SpendingDimensionNamed("merchant"), std::nullopt);
  EXPECT_EQ(CategoryName("5411"), "Grocery stores and supermarkets");
  EXPECT_EQ(CategoryName("9999"), "MCC 9999");
}

}  // namespace
}  // namespace nuri::audit
