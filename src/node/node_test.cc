// The node's admission, block production and waiting, with a manual clock and an in-memory store.
#include <gtest/gtest.h>

#include <future>

#include "core/json.h"
#include "crypto/key_file.h"
#include "node/test_chain.h"
#include "node/node.h"
#include "storage/memory_store.h"

namespace nuri::node {
namespace {


class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    genesis_ = TestChainGenesis("nuri-node-test");
    clock_.SetMillis(genesis_.start_time);
    store_ = std::make_shared<storage::MemoryStore>();
    node_ = std::move(Node::Open(store_, genesis_, {"v1", crypto::DeriveTestKey("v1")}, clock_,
                                 NodeOptions{.block_transactions_max = 3})
                          .value());
  }

  std::string Mint(std::uint64_t nonce, std::string_view signer = "issuer@bnk") {
    core::Transaction tx;
    tx.chain_id = "nuri-node-test";
    tx.signer = core::AccountId::Parse(signer).value();
    tx.nonce = nonce;
    tx.valid_until = clock_.NowMillis() + core::kMillisPerMinute;
    tx.body = core::Mint{core::TokenId::Parse("KRW-BNK").value(),
                         core::AccountId::Parse("kim@moef").value(), core::Amount::Won(100)};
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(signer));
    return core::Encode(tx);
  }

  ledger::Genesis genesis_;
  base::ManualClock clock_;
  std::shared_ptr<storage::MemoryStore> store_;
  std::unique_ptr<Node> node_;
};

TEST_F(NodeTest, BlocksTakeAtMostTheirLimitInArrivalOrder) {
  std::vector<crypto::Hash> ids;
  for (std::uint64_t nonce = 1; nonce <= 5; ++nonce) {
    const Admission admission = node_->Submit(Mint(nonce));
    ASSERT_EQ(admission.code, core::ReasonCode::kOk) << admission.message;
    ids.push_back(admission.id);
  }
  EXPECT_EQ(node_->GetTransaction(ids[0]).state, TxState::kPending);
  auto first = node_->ProduceBlock(clock_.NowMillis());
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->receipts.size(), 3u);
  EXPECT_EQ(first->receipts[0].tx_id, ids[0]);
  EXPECT_EQ(node_->mempool_size(), 2u);
  const TxStatus committed = node_->GetTransaction(ids[0]);
  EXPECT_EQ(committed.state, TxState::kCommitted);
  EXPECT_EQ(committed.height, 1u);
  EXPECT_EQ(node_->ProduceBlock(clock_.NowMillis())->receipts.size(), 2u);
  EXPECT_EQ(node_->metrics().committed_ok.load(), 5u);
}

TEST_F(NodeTest, AdmissionRefusesDuplicatesPendingAndCommitted) {
  ASSERT_EQ(node_->Submit(Mint(1)).code, core::ReasonCode::kOk);
  EXPECT_EQ(node_->Submit(Mint(1)).code, core::ReasonCode::kDuplicate);
  ASSERT_TRUE(node_->ProduceBlock(clock_.NowMillis()).has_value());
  EXPECT_EQ(node_->Submit(Mint(1)).code, core::ReasonCode::kDuplicate);
  EXPECT_EQ(node_->Submit("garbage").code, core::ReasonCode::kMalformed);
  EXPECT_EQ(node_->Submit(Mint(2, "ghost@moef")).code, core::ReasonCode::kUnknownSigner);
}

TEST_F(NodeTest, TransactionsThatExpireWhileWaitingAreRefusedNotExecuted) {
  const Admission admission = node_->Submit(Mint(1));
  ASSERT_EQ(admission.code, core::ReasonCode::kOk);
  clock_.AdvanceMillis(2 * core::kMillisPerMinute);
  auto produced = node_->ProduceBlock(clock_.NowMillis());
  ASSERT_TRUE(produced.has_value());
  EXPECT_TRUE(produced->receipts.empty());
  const TxStatus status = node_->GetTransaction(admission.id);
  EXPECT_EQ(status.state, TxState::kRefused);
  EXPECT_EQ(status.refusal, core::ReasonCode::kExpired);
}

TEST_F(NodeTest, WaitersHearOfCommitsFromTheProducerThread) {
  ASSERT_TRUE(node_->StartProducing().ok());
  const Admission admission = node_->Submit(Mint(1));
  ASSERT_EQ(admission.code, core::ReasonCode::kOk);
  std::promise<TxStatus> heard;
  node_->WhenFinal(admission.id, clock_.MonotonicMicros() + 10'000'000,
                   [&heard](const TxStatus& status) { heard.set_value(status); });
  auto future = heard.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(future.get().state, TxState::kCommitted);
  node_->Stop();
}

TEST_F(NodeTest, ARestartedNodeContinuesFromItsLastBlock) {
  ASSERT_EQ(node_->Submit(Mint(1)).code, core::ReasonCode::kOk);
  ASSERT_TRUE(node_->ProduceBlock(clock_.NowMillis()).has_value());
  const crypto::Hash head = node_->Read([](const ledger::Ledger& l) { return l.head_hash(); });
  node_.reset();
  auto reopened = Node::Open(store_, genesis_, {"v1", crypto::DeriveTestKey("v1")}, clock_, {});
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ((*reopened)->Read([](const ledger::Ledger& l) { return l.head_hash(); }), head);
  EXPECT_EQ((*reopened)->Submit(Mint(1)).code, core::ReasonCode::kDuplicate);
  // A key that is not the genesis validator's is refused.
  EXPECT_FALSE(Node::Open(store_, genesis_, {"v1", crypto::DeriveTestKey("v2")}, clock_, {})
                   .has_value());
}

}  // namespace
}  // namespace nuri::node
