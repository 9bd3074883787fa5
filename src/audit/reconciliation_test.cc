#include "audit/reconciliation.h"

#include <gtest/gtest.h>

#include "ledger/state_view.h"
#include "ledger/test_ledger.h"
#include "storage/memory_store.h"

namespace nuri::audit {
namespace {

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }

class ReconciliationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    ledger_ = ledger::Ledger::Open(store_, ledger::TestGenesis()).value();
  }

  core::SignedTransaction Mint(std::string_view token, std::string_view to, std::int64_t won) {
    const std::string issuer = token == "KRW-BNK" ? "issuer@bnk" : "issuer@shinhan";
    return ledger::TestTransaction(
        issuer, core::Mint{core::TokenId::Parse(token).value(), Id(to), core::Amount::Won(won)},
        next_nonce_++, ledger_->head().time + core::kMillisPerDay);
  }

  core::SignedTransaction Burn(std::string_view holder, std::int64_t won) {
    return ledger::TestTransaction(
        holder, core::Burn{core::TokenId::Parse("KRW-BNK").value(), core::Amount::Won(won)},
        next_nonce_++, ledger_->head().time + core::kMillisPerDay);
  }

  void Commit(std::string_view time, std::vector<core::SignedTransaction> txs) {
    auto committed = ledger::CommitSignedBy(*ledger_, core::ParseTime(time).value(), txs, {"v1"});
    ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
  }

  // A tally of the committed blocks `first` to `last`.
  IssuanceTally Tally(const std::vector<std::string>& tokens, std::uint64_t first,
                      std::uint64_t last) {
    IssuanceTally tally(tokens);
    for (std::uint64_t height = first; height <= last; ++height) {
      tally.AddBlock(ledger_->ReadBlock(height).value(), ledger_->ReadReceipts(height).value());
    }
    return tally;
  }

  storage::MemoryStore store_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::uint64_t next_nonce_ = 1;
};

TEST_F(ReconciliationTest, ADayOfMintsAndBurnsMeetsTheSupplyAtBothEnds) {
  Commit("2026-03-02T10:00:00+09:00", {Mint("KRW-BNK", "kim@moef", 7000)});  // block 1
  Commit("2026-03-03T09:00:00+09:00", {Mint("KRW-BNK", "lee@moef", 5000),    // block 2
                                       Mint("KRW-SHINHAN", "kim@moef", 900)});
  Commit("2026-03-03T18:00:00+09:00", {Burn("lee@moef", 1500),              // block 3
                                       Burn("kim@moef", 99999)});           // rejected: not held
  Commit("2026-03-04T09:00:00+09:00", {Mint("KRW-BNK", "kim@moef", 300)});  // block 4
  const auto tokens = TokensIssuedBy(ledger_->state(), "bnk");
  ASSERT_EQ(tokens, std::vector<std::string>{"KRW-BNK"});
  const auto record = ledger::ReadToken(ledger_->state(), "KRW-BNK").value();
  const std::map<std::string, std::int64_t> supply{
      {"KRW-BNK", record.minted.won() - record.burned.won()}};

  const auto days = ReconcileDay(Tally(tokens, 2, 3), Tally(tokens, 4, 4), supply);
  ASSERT_EQ(days.size(), 1u);
  const TokenDay& day = days.front();
  EXPECT_EQ(day.token, "KRW-BNK");
  EXPECT_EQ(day.mints, 1u);
  EXPECT_EQ(day.minted_won, 5000);
  EXPECT_EQ(day.burns, 1u);
  EXPECT_EQ(day.burned_won, 1500);
  EXPECT_EQ(day.outstanding_start_won, 7000);
  EXPECT_EQ(day.outstanding_end_won, 7000 + 5000 - 1500);
  EXPECT_EQ(supply.at("KRW-BNK"), 7000 + 5000 - 1500 + 300);
}

}  // namespace
}  // namespace nuri::audit
