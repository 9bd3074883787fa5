#include "audit/period.h"

#include <gtest/gtest.h>

#include "ledger/test_ledger.h"
#include "storage/memory_store.h"

namespace nuri::audit {
namespace {

core::LocalDate Day(std::string_view text) { return core::ParseDate(text).value(); }
core::TimeMillis Time(std::string_view text) { return core::ParseTime(text).value(); }

// Blocks 1-5 at the edges of Korea's days of 2026-03-02 to 2026-03-04 (the genesis starts at
// 09:00 on 2026-03-02, Korea time).
class PeriodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    ledger_ = ledger::Ledger::Open(store_, ledger::TestGenesis()).value();
    for (const char* time :
         {"2026-03-02T23:59:59.999+09:00", "2026-03-03T00:00:00+09:00", "2026-03-03T12:00:00+09:00",
          "2026-03-03T23:59:59+09:00", "2026-03-04T00:00:00.001+09:00"}) {
      ASSERT_TRUE(ledger::CommitSignedBy(*ledger_, Time(time), {}, {"v1"}).has_value());
    }
  }

  HeightRange Blocks(std::string_view from, std::string_view to) {
    return BlocksOfPeriod(*ledger_, Day(from), Day(to)).value();
  }

  storage::MemoryStore store_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

TEST_F(PeriodTest, ADayIsFromMidnightToMidnightInKorea) {
  EXPECT_EQ(StartOfKoreaDay(Day("2026-03-03")), Time("2026-03-02T15:00:00Z"));
  const HeightRange second = Blocks("2026-03-02", "2026-03-02");
  EXPECT_EQ(second.first, 1u);
  EXPECT_EQ(second.last, 1u);
  const HeightRange third = Blocks("2026-03-03", "2026-03-03");
  EXPECT_EQ(third.first, 2u);
  EXPECT_EQ(third.last, 4u);
  const HeightRange all = Blocks("2026-03-01", "2026-03-31");
  EXPECT_EQ(all.first, 1u);
  EXPECT_EQ(all.last, 5u);
  const HeightRange fourth_on = Blocks("2026-03-04", "2026-03-05");
  EXPECT_EQ(fourth_on.first, 5u);
  EXPECT_EQ(fourth_on.last, 5u);
}

TEST_F(PeriodTest, APeriodWithNoBlocksIsEmpty) {
  EXPECT_TRUE(Blocks("2026-03-05", "2026-03-09").empty());
  EXPECT_TRUE(Blocks("2026-02-01", "2026-02-28").empty());
}

}  // namespace
}  // namespace nuri::audit
