// Who reads what through NodeApi (read_access.h), with real wallet sessions: requests are handed
// to the API as the server would, from an operator's address or from elsewhere. The node makes
// blocks only when told, so that a reader can be caught waiting on a pending transaction.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "api/node_api.h"
#include "core/json.h"
#include "crypto/key_file.h"
#include "node/test_chain.h"
#include "storage/memory_store.h"
#include "wallet/credential.h"
#include "wallet/totp.h"

namespace nuri::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPassword = "correct horse battery";
constexpr std::string_view kElsewhere = "192.0.2.7";  // TEST-NET-1: not an operator

class ReadAccessNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    const ledger::Genesis genesis = node::TestChainGenesis("nuri-access-test");
    clock_.SetMillis(genesis.start_time);
    node_ = std::move(node::Node::Open(std::make_shared<storage::MemoryStore>(), genesis,
                                       {"v1", crypto::DeriveTestKey("v1")}, clock_, {})
                          .value());
    directory_ = fs::temp_directory_path() /
                 ("nuri-access-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_ / "wallets");
    sealer_ = wallet::FileKeySealer::FromKeyFile(
                  wallet::FileKeySealer::NewKeyFile("v1", "node password").value(), "node password")
                  .value();
    authenticator_.emplace(wallet::WalletDirectory((directory_ / "wallets").string()), *sealer_,
                           login_store_, clock_);
    wallets_.emplace(*authenticator_);
    api_ = std::make_unique<NodeApi>(*node_, clock_, NodeApiParts{.wallets = &*wallets_});
  }

  void TearDown() override {
    node_->Stop();
    api_.reset();
    fs::remove_all(directory_);
  }

  // A session of `account`'s new wallet.
  std::string Login(std::string_view account) {
    auto enrolment = wallet::Enrol(core::AccountId::Parse(account).value(), kPassword, *sealer_,
                                   clock_.NowMillis());
    EXPECT_TRUE(enrolment.has_value());
    EXPECT_TRUE(wallet::WalletDirectory((directory_ / "wallets").string())
                    .Save(enrolment->credential)
                    .ok());
    auto token = authenticator_->Login(
        account, kPassword, wallet::TotpCode(enrolment->totp_secret, clock_.NowMillis() / 1000));
    EXPECT_TRUE(token.has_value());
    return token.value_or("");
  }

  // Hands a GET to the API; the answer may come later, from another thread.
  std::future<HttpResponse> Get(std::string target, std::string_view from,
                                const std::string& token = "") {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    const auto query = target.find('?');
    request.path = target.substr(0, query);
    request.query = query == std::string::npos ? "" : target.substr(query + 1);
    request.remote_address = std::string(from);
    if (!token.empty()) request.headers.emplace_back("authorization", "Bearer " + token);
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    api_->Handle(std::move(request),
                 [answer](HttpResponse response) { answer->set_value(std::move(response)); });
    return answer->get_future();
  }
  int StatusOf(std::string target, std::string_view from, const std::string& token = "") {
    return Get(std::move(target), from, token).get().status;
  }

  // Submits a mint of 1,000 won to kim@moef by issuer@bnk; returns its id. Not yet in a block.
  std::string SubmitMint(std::uint64_t nonce) {
    core::Transaction tx;
    tx.chain_id = "nuri-access-test";
    tx.signer = core::AccountId::Parse("issuer@bnk").value();
    tx.nonce = nonce;
    tx.valid_until = clock_.NowMillis() + core::kMillisPerHour;
    tx.body = core::Mint{core::TokenId::Parse("KRW-BNK").value(),
                         core::AccountId::Parse("kim@moef").value(), core::Amount::Won(1000)};
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey("issuer@bnk"));
    const node::Admission admission = node_->Submit(core::Encode(tx));
    EXPECT_EQ(admission.code, core::ReasonCode::kOk);
    return admission.id.ToHex();
  }
  void MakeBlock() { ASSERT_TRUE(node_->ProduceBlock(clock_.NowMillis()).has_value()); }

  base::ManualClock clock_;
  std::unique_ptr<node::Node> node_;
  fs::path directory_;
  std::unique_ptr<wallet::FileKeySealer> sealer_;
  storage::MemoryStore login_store_;
  std::optional<wallet::Authenticator> authenticator_;
  std::optional<WalletApi> wallets_;
  std::unique_ptr<NodeApi> api_;
};

TEST_F(ReadAccessNodeTest, WithoutASessionOnlyTheOperatorReads) {
  const std::string mint = SubmitMint(1);
  MakeBlock();
  const std::vector<std::string> targets{"/v1/accounts/kim@moef", "/v1/transactions/" + mint,
                                         "/v1/blocks/1", "/metrics", "/v1/programs"};
  for (const std::string& target : targets) {
    EXPECT_EQ(StatusOf(target, kElsewhere), 401) << target;
    EXPECT_EQ(StatusOf(target, "127.0.0.1"), 200) << target;
    EXPECT_EQ(StatusOf(target, "::1"), 200) << target;
    // An IPv4 client as a listener on "::" reports it.
    EXPECT_EQ(StatusOf(target, "::ffff:127.0.0.1"), 200) << target;
    EXPECT_EQ(StatusOf(target, "::ffff:192.0.2.7"), 401) << target;
  }
  EXPECT_EQ(StatusOf("/v1/status", kElsewhere), 200);
}

TEST_F(ReadAccessNodeTest, AnOfficialSeesWhatInvolvesItAndNothingElse) {
  const std::string kim = Login("kim@moef");
  const std::string treasury = Login("treasury@moef");
  const std::string mint = SubmitMint(1);
  MakeBlock();
  EXPECT_EQ(StatusOf("/v1/transactions/" + mint, kElsewhere, kim), 200);
  EXPECT_EQ(StatusOf("/v1/accounts/kim@moef/transactions", kElsewhere, kim), 200);
  // Not theirs: answered as if it did not exist.
  const HttpResponse hidden = Get("/v1/transactions/" + mint, kElsewhere, treasury).get();
  EXPECT_EQ(hidden.status, 404);
  std::string unknown_id(64, '0');
  std::string unknown = Get("/v1/transactions/" + unknown_id, kElsewhere, treasury).get().body;
  unknown.replace(unknown.find(unknown_id), unknown_id.size(), mint);
  EXPECT_EQ(hidden.body, unknown) << "a hidden transaction is answered as an unknown one";
  EXPECT_EQ(StatusOf("/v1/accounts/kim@moef", kElsewhere, treasury), 403);
  EXPECT_EQ(StatusOf("/v1/accounts/nobody@moef", kElsewhere, treasury), 403);
  EXPECT_EQ(StatusOf("/v1/blocks/1", kElsewhere, kim), 403);
  EXPECT_EQ(StatusOf("/metrics", kElsewhere, kim), 403);
  EXPECT_EQ(StatusOf("/v1/programs/bpe-test", kElsewhere, kim), 200);
}

TEST_F(ReadAccessNodeTest, AWaiterIsToldOnlyWhatItMaySeeOnceTheBlockCommits) {
  const std::string kim = Login("kim@moef");
  const std::string treasury = Login("treasury@moef");
  const std::string mint = SubmitMint(1);
  // Pending: its status, to whoever holds the id.
  EXPECT_EQ(StatusOf("/v1/transactions/" + mint, kElsewhere, treasury), 200);
  auto involved = Get("/v1/transactions/" + mint + "?wait_ms=30000", kElsewhere, kim);
  auto stranger = Get("/v1/transactions/" + mint + "?wait_ms=30000", kElsewhere, treasury);
  auto operator_answer = Get("/v1/transactions/" + mint + "?wait_ms=30000", "127.0.0.1");
  ASSERT_EQ(involved.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  MakeBlock();
  const HttpResponse seen = involved.get();
  EXPECT_EQ(seen.status, 200);
  EXPECT_EQ(core::ParseJsonText(seen.body)->at("status"), "ok");
  EXPECT_EQ(stranger.get().status, 404);
  EXPECT_EQ(operator_answer.get().status, 200);
}

TEST_F(ReadAccessNodeTest, ANodeWithoutWalletsServesReadsToItsOperatorOnly) {
  api_ = std::make_unique<NodeApi>(*node_, clock_);
  const HttpResponse refused = Get("/v1/accounts/kim@moef", kElsewhere).get();
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("operator only"), std::string::npos) << refused.body;
  EXPECT_EQ(StatusOf("/v1/accounts/kim@moef", "127.0.0.1"), 200);
}

}  // namespace
}  // namespace nuri::api
