#include <gtest/gtest.h>

#include <atomic>

#include "crypto/key_file.h"
#include "mempool/mempool.h"
#include "mempool/verifier_pool.h"

namespace nuri::mempool {
namespace {

core::SignedTransaction Tx(std::string_view signer, std::uint64_t nonce, std::int64_t won) {
  core::Transaction tx;
  tx.chain_id = "c";
  tx.signer = core::AccountId::Parse(signer).value();
  tx.nonce = nonce;
  tx.body = core::Burn{core::TokenId::Parse("KRW-BNK").value(), core::Amount::Won(won)};
  core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(signer));
  return core::Seal(std::move(tx));
}

TEST(Mempool, RefusesDuplicatesByIdAndByNonceAndWhenFull) {
  crypto::Initialize();
  Mempool pool(2);
  EXPECT_EQ(pool.Add(Tx("a@b", 1, 5)), core::ReasonCode::kOk);
  EXPECT_EQ(pool.Add(Tx("a@b", 1, 5)), core::ReasonCode::kDuplicate);
  EXPECT_EQ(pool.Add(Tx("a@b", 1, 6)), core::ReasonCode::kDuplicate);
  EXPECT_EQ(pool.Add(Tx("a@b", 2, 5)), core::ReasonCode::kOk);
  EXPECT_EQ(pool.Add(Tx("a@b", 3, 5)), core::ReasonCode::kMempoolFull);
  const auto batch = pool.Peek(10);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].tx.nonce, 1u);
  pool.Remove({batch[0].id});
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.Add(Tx("a@b", 1, 5)), core::ReasonCode::kOk);
  EXPECT_EQ(pool.Peek(10).front().tx.nonce, 2u);
}

TEST(VerifierPool, RunsEveryItemOnceAndKeepsOrder) {
  VerifierPool pool(3);
  for (const auto caller : {VerifierPool::Caller::kWaits, VerifierPool::Caller::kHelps}) {
    std::vector<std::atomic<int>> calls(1000);
    const auto results = pool.Run(
        1000,
        [&](std::size_t i) {
          calls[i].fetch_add(1);
          return i % 3 == 0;
        },
        caller);
    ASSERT_EQ(results.size(), 1000u);
    for (std::size_t i = 0; i < 1000; ++i) {
      EXPECT_EQ(results[i], i % 3 == 0);
      EXPECT_EQ(calls[i].load(), 1);
    }
    EXPECT_TRUE(pool.Run(
                        0, [](std::size_t) { return true; }, caller)
                    .empty());
    EXPECT_EQ(pool.Run(
                  1, [](std::size_t) { return false; }, caller),
              std::vector<bool>{false});
  }
}

}  // namespace
}  // namespace nuri::mempool
