// The indexer against a real SQLite file, fed by a real Ledger: what the tables hold after the
// genesis and after blocks of payments, refunds and changes to accounts and programs; that a
// block which does not follow, or does not hash to its header, is refused; and that a block
// whose write fails half-way leaves nothing of itself behind. PostgreSQL is exercised by the
// e2e test `e2e.sql_indexer`, against a server the suite starts.
#include "audit/sql_indexer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/json.h"
#include "crypto/key_file.h"
#include "ledger/test_ledger.h"
#include "storage/memory_store.h"

namespace nuri::audit {
namespace {

constexpr std::string_view kGenesis = R"({
  "chain_id": "nuri-test",
  "start": "2026-03-03T09:00:00+09:00",
  "orgs": [
    {"id": "bok", "kind": "central_bank", "name": "Bank of Korea"},
    {"id": "moef", "kind": "ministry", "name": "Ministry of Economy and Finance"},
    {"id": "bnk", "kind": "bank", "name": "BNK Busan Bank"},
    {"id": "bai", "kind": "auditor", "name": "Board of Audit and Inspection"},
    {"id": "merchants", "kind": "merchants", "name": "Registered merchants"}
  ],
  "accounts": [
    {"id": "governor@bok", "roles": ["governor"]},
    {"id": "issuer@bnk", "roles": ["issuer"]},
    {"id": "admin@moef", "roles": ["admin"]},
    {"id": "auditor@bai", "roles": ["auditor"]},
    {"id": "treasury@moef", "roles": ["treasury"]},
    {"id": "budget@moef", "roles": ["manager"]},
    {"id": "kim@moef", "roles": ["holder"]},
    {"id": "cafe@merchants", "roles": ["merchant"],
     "merchant": {"mcc": "5812", "business_no": "220-81-00001", "name": "Hanok Restaurant"}}
  ],
  "tokens": [{"id": "KRW-BNK", "issuer": "issuer@bnk", "name": "BNK deposit token"}],
  "programs": [{
    "id": "bpe-2026", "name": "Business promotion expenses 2026", "kind": "expense",
    "token": "KRW-BNK", "owner": "treasury@moef", "managers": ["budget@moef"],
    "valid_from": "2026-01-01T00:00:00+09:00", "valid_until": "2026-12-31T23:59:59+09:00",
    "budget_code": "203-01",
    "rules": [{"id": "R1", "rule": "hours", "from": "06:00", "to": "23:00"},
              {"id": "R2", "rule": "max_per_payment", "amount": 500000}]
  }],
  "validators": [{"name": "v1", "key": "KEY"}]
})";

ledger::Genesis GenesisOf(std::string_view chain_id) {
  std::string text(kGenesis);
  text.replace(text.find("KEY"), 3, crypto::DeriveTestKey("v1").public_key().ToText());
  text.replace(text.find("nuri-test"), 9, chain_id);
  return ledger::ParseGenesis(core::ParseJsonText(text).value(), "genesis",
                              ledger::GenesisOptions{.derive_missing_keys = true})
      .value();
}

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }
core::Amount Won(std::int64_t won) { return core::Amount::Won(won); }
core::TimeMillis At(std::string_view text) { return core::ParseTime(text).value(); }

class SqlIndexerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    path_ = (std::filesystem::temp_directory_path() /
             ("nuri-index-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".sqlite"))
                .string();
    std::filesystem::remove(path_);
    genesis_ = GenesisOf("nuri-test");
    ledger_ = ledger::Ledger::Open(store_, genesis_).value();
    db_ = OpenSqlDatabase("sqlite:" + path_).value();
  }
  void TearDown() override {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  // A transaction valid for an hour from now_, the time of the next block.
  core::SignedTransaction Sign(std::string_view signer, core::Body body) {
    return ledger::TestTransaction(signer, std::move(body), next_nonce_++,
                                   now_ + core::kMillisPerHour);
  }
  void Commit(const std::vector<core::SignedTransaction>& txs) {
    auto committed = ledger::CommitSignedBy(*ledger_, now_, txs, {"v1"});
    ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
    ASSERT_EQ(committed->block.transactions.size(), txs.size());
  }
  base::Status Index(std::uint64_t height, const std::vector<Alert>& alerts = {}) {
    return indexer_->AddBlock(ledger_->ReadBlock(height).value(),
                              ledger_->ReadReceipts(height).value(), alerts);
  }
  // The first column of the first row of a query, "NULL" for NULL, "" when no row.
  std::string One(std::string_view sql) {
    auto rows = db_->Query(sql, {});
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    if (!rows || rows->empty()) return "";
    return rows->front()[0].value_or("NULL");
  }
  // A week of the pilot in five blocks: the program funded and granted, a payment at noon and
  // one refused at 23:30, refunds of both, a new merchant, an amendment and a freeze.
  void BuildChain() {
    const auto token = core::TokenId::Parse("KRW-BNK").value();
    now_ = At("2026-03-03T09:10:00+09:00");
    Commit({Sign("issuer@bnk", core::Mint{token, Id("treasury@moef"), Won(1000000)}),
            Sign("treasury@moef", core::FundProgram{"bpe-2026", Won(1000000)}),
            Sign("budget@moef", core::Grant{"bpe-2026", Id("kim@moef"), Won(400000)})});
    now_ = At("2026-03-03T12:00:00+09:00");
    lunch_ = Sign("kim@moef", core::Pay{.program = "bpe-2026",
                                        .to = Id("cafe@merchants"),
                                        .amount = Won(120000),
                                        .attendees = 3,
                                        .purpose = "lunch with the delegation"});
    Commit({lunch_});
    now_ = At("2026-03-03T23:30:00+09:00");
    late_ = Sign("kim@moef", core::Pay{.program = "bpe-2026",
                                       .to = Id("cafe@merchants"),
                                       .amount = Won(45000),
                                       .attendees = 1,
                                       .purpose = "late dinner"});
    Commit({late_});
    core::RegisterAccount bakery{
        .account = Id("bakery@merchants"),
        .keys = {crypto::DeriveTestKey("bakery@merchants").public_key()},
        .roles = {},
        .merchant = core::MerchantRecord{"5462", "220-81-00002", "Morning Bakery"}};
    bakery.roles.Add(core::Role::kMerchant);
    now_ = At("2026-03-04T10:00:00+09:00");
    const auto bread = [&] {
      return Sign("kim@moef", core::Pay{.program = "bpe-2026",
                                        .to = Id("bakery@merchants"),
                                        .amount = Won(10000),
                                        .attendees = 1,
                                        .purpose = "bread for the meeting"});
    };
    // A refund of the refused payment is refused too; the bakery is paid before it is a
    // merchant (refused) and after, in the same block.
    Commit({Sign("cafe@merchants", core::Refund{lunch_.id, Won(20000)}),
            Sign("cafe@merchants", core::Refund{late_.id, Won(45000)}), bread(),
            Sign("governor@bok", std::move(bakery)), bread()});
    auto rules = core::RulesFromJson(
        core::ParseJsonText(R"([{"id": "R1", "rule": "hours", "from": "07:00", "to": "22:00"}])")
            .value(),
        "rules");
    ASSERT_TRUE(rules.has_value());
    now_ = At("2026-03-05T09:00:00+09:00");
    Commit({Sign("treasury@moef", core::AmendProgram{"bpe-2026", *rules}),
            Sign("auditor@bai", core::Freeze{Id("kim@moef")})});
  }

  std::string path_;
  ledger::Genesis genesis_;
  storage::MemoryStore store_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<SqlDatabase> db_;
  std::unique_ptr<SqlIndexer> indexer_;
  std::uint64_t next_nonce_ = 1;
  core::TimeMillis now_ = 0;
  core::SignedTransaction lunch_;
  core::SignedTransaction late_;
};

TEST_F(SqlIndexerTest, TheGenesisIsBlockZero) {
  indexer_ = SqlIndexer::Open(*db_, genesis_).value();
  EXPECT_EQ(indexer_->height(), 0u);
  EXPECT_EQ(One("SELECT height FROM nuri_index"), "0");
  EXPECT_EQ(One("SELECT hash FROM blocks WHERE height = 0"), ledger_->head_hash().ToHex());
  EXPECT_EQ(One("SELECT count(*) FROM organizations"), "5");
  EXPECT_EQ(One("SELECT count(*) FROM accounts"), "8");
  EXPECT_EQ(One("SELECT roles FROM accounts WHERE id = 'cafe@merchants'"), "merchant");
  EXPECT_EQ(One("SELECT name FROM merchants WHERE account = 'cafe@merchants'"), "Hanok Restaurant");
  EXPECT_EQ(One("SELECT bank FROM tokens WHERE id = 'KRW-BNK'"), "bnk");
  EXPECT_EQ(One("SELECT ministry || ' ' || budget_code || ' v' || version FROM programs"),
            "moef 203-01 v1");
  EXPECT_EQ(One("SELECT valid_until FROM programs"), "2026-12-31T23:59:59+09:00");
}

TEST_F(SqlIndexerTest, BlocksBecomeRowsOfEveryTable) {
  BuildChain();
  indexer_ = SqlIndexer::Open(*db_, genesis_).value();
  for (std::uint64_t height = 1; height <= ledger_->head().height; ++height) {
    ASSERT_TRUE(Index(height).ok()) << height;
  }
  EXPECT_EQ(indexer_->height(), 5u);
  EXPECT_EQ(One("SELECT height || ' ' || block_hash FROM nuri_index"),
            "5 " + ledger_->head_hash().ToHex());
  EXPECT_EQ(One("SELECT count(*) FROM transactions"), "12");
  EXPECT_EQ(One("SELECT sum(transaction_count) FROM blocks"), "12");
  EXPECT_EQ(One("SELECT count(*) FROM receipts"), "12");
  EXPECT_EQ(One("SELECT local_date FROM blocks WHERE height = 3"), "2026-03-03");

  // The payment at noon, and the one the hours refused, with what accounting needs.
  const std::string lunch = "'" + lunch_.id.ToHex() + "'";
  EXPECT_EQ(One("SELECT kind || ' ' || status || ' ' || payer || ' ' || merchant || ' ' || "
                "category || ' ' || amount_won || ' ' || attendees || ' ' || ministry || ' ' || "
                "budget_code || ' ' || token || ' ' || program_version FROM payments "
                "WHERE transaction_id = " +
                lunch),
            "payment ok kim@moef cafe@merchants 5812 120000 3 moef 203-01 KRW-BNK 1");
  EXPECT_EQ(One("SELECT code || ' ' || rule FROM payments WHERE transaction_id = '" +
                late_.id.ToHex() + "'"),
            "OUTSIDE_HOURS R1");
  EXPECT_EQ(One("SELECT code FROM payments WHERE transaction_id = " + lunch), "NULL");
  EXPECT_EQ(One("SELECT message FROM receipts WHERE transaction_id = '" + late_.id.ToHex() + "'"),
            "Payment of 45,000 won refused: 23:30 is outside the permitted hours 06:00-23:00 "
            "(rule R1)");
  // The refund names the payment, and who is paid back.
  EXPECT_EQ(One("SELECT payer || ' ' || merchant || ' ' || amount_won || ' ' || program FROM "
                "payments WHERE kind = 'refund' AND refunded_payment = " +
                lunch),
            "kim@moef cafe@merchants 20000 bpe-2026");
  EXPECT_EQ(One("SELECT sum(CASE kind WHEN 'refund' THEN -amount_won ELSE amount_won END) "
                "FROM payments WHERE status = 'ok'"),
            "110000");
  // A refund of a refused payment moved nothing, and is nobody's under no program.
  EXPECT_EQ(One("SELECT status || ' ' || coalesce(payer, '-') || ' ' || coalesce(program, '-') "
                "FROM payments WHERE kind = 'refund' AND refunded_payment = '" +
                late_.id.ToHex() + "'"),
            "rejected - -");
  // The bakery's category, once it is a merchant, though a refused payment asked before.
  EXPECT_EQ(One("SELECT group_concat(status || ' ' || coalesce(category, '-'), ', ') FROM "
                "(SELECT status, category FROM payments WHERE merchant = 'bakery@merchants' "
                "ORDER BY position)"),
            "rejected -, ok 5462");

  // Records as they now stand.
  EXPECT_EQ(One("SELECT frozen || ' ' || updated_height FROM accounts WHERE id = 'kim@moef'"),
            "1 5");
  EXPECT_EQ(One("SELECT category || ' ' || registered_height FROM merchants WHERE account = "
                "'bakery@merchants'"),
            "5462 4");
  EXPECT_EQ(One("SELECT version || ' ' || amended_height FROM programs"), "2 5");
  EXPECT_EQ(One("SELECT count(*) FROM program_versions WHERE program = 'bpe-2026'"), "2");
  // The body keeps what the transaction said, as its JSON form.
  EXPECT_NE(One("SELECT body FROM transactions WHERE id = " + lunch)
                .find("\"purpose\":\"lunch with the delegation\""),
            std::string::npos);
}

TEST_F(SqlIndexerTest, AReopenedIndexResumesAfterItsLastBlock) {
  BuildChain();
  indexer_ = SqlIndexer::Open(*db_, genesis_).value();
  ASSERT_TRUE(Index(1).ok());
  ASSERT_TRUE(Index(2).ok());
  indexer_.reset();
  db_ = OpenSqlDatabase("sqlite:" + path_).value();
  indexer_ = SqlIndexer::Open(*db_, genesis_).value();
  EXPECT_EQ(indexer_->height(), 2u);
  EXPECT_EQ(One("SELECT count(*) FROM organizations"), "5");  // the genesis is written once

  // The same block again, or one skipped ahead, is not the next block.
  auto again = Index(2);
  EXPECT_EQ(again.code(), base::StatusCode::kCorruption);
  EXPECT_EQ(again.message(), "block 2: is not the next block: the index is at 2");
  EXPECT_EQ(Index(4).code(), base::StatusCode::kCorruption);
  ASSERT_TRUE(Index(3).ok());
  EXPECT_EQ(One("SELECT count(*) FROM transactions"), "5");

  // The index of another chain is not written on.
  indexer_.reset();
  auto other = SqlIndexer::Open(*db_, GenesisOf("nuri-other"));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), base::StatusCode::kFailedPrecondition);
}

TEST_F(SqlIndexerTest, ABlockThatDoesNotHashToItsHeaderIsRefused) {
  BuildChain();
  indexer_ = SqlIndexer::Open(*db_, genesis_).value();
  ASSERT_TRUE(Index(1).ok());
  core::Block block = ledger_->ReadBlock(2).value();
  auto receipts = ledger_->ReadReceipts(2).value();
  receipts[0].status = core::ReceiptStatus::kRejected;
  auto refused = indexer_->AddBlock(block, receipts, {});
  EXPECT_EQ(refused.message(), "block 2: its receipts do not hash to its header's root");
  receipts = ledger_->ReadReceipts(2).value();
  block.transactions.push_back(block.transactions.front());
  EXPECT_EQ(indexer_->AddBlock(block, receipts, {}).message(),
            "block 2: its transactions do not hash to its header's root");
  core::Block other = ledger_->ReadBlock(3).value();
  other.header.height = 2;
  EXPECT_EQ(indexer_->AddBlock(other, ledger_->ReadReceipts(3).value(), {}).message(),
            "block 2: does not follow block 1 as this index holds it");
  EXPECT_EQ(One("SELECT count(*) FROM transactions"), "3");
  EXPECT_EQ(indexer_->height(), 1u);
}

TEST_F(SqlIndexerTest, AFailedWriteLeavesNothingOfItsBlock) {
  BuildChain();
  indexer_ = SqlIndexer::Open(*db_, genesis_).value();
  ASSERT_TRUE(Index(1).ok());
  // The block's alert is written last; a row already holding its id makes that write fail
  // after the block's transactions, receipts and payment went in.
  Alert alert{.id = "00c0ffee00c0ffee",
              .severity = Severity::kWarning,
              .check = "round_amounts",
              .program = "bpe-2026",
              .account = "kim@moef",
              .transactions = {lunch_.id.ToHex()},
              .sentence = "120,000 won is a round amount",
              .height = 2,
              .time = At("2026-03-03T12:00:00+09:00")};
  ASSERT_TRUE(db_->Execute("INSERT INTO alerts (id, height, time, severity, check_name, sentence) "
                           "VALUES ($1, 1, 'x', 'info', 'x', 'x')",
                           {std::string(alert.id)})
                  .ok());
  auto failed = Index(2, {alert});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(indexer_->height(), 1u);
  EXPECT_EQ(One("SELECT count(*) FROM transactions WHERE height = 2"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM payments"), "0");
  EXPECT_EQ(One("SELECT height FROM nuri_index"), "1");

  ASSERT_TRUE(db_->Execute("DELETE FROM alerts WHERE id = $1", {std::string(alert.id)}).ok());
  ASSERT_TRUE(Index(2, {alert}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM payments"), "1");
  EXPECT_EQ(One("SELECT a.check_name || ' ' || p.amount_won FROM alerts a JOIN alert_transactions "
                "t ON t.alert_id = a.id JOIN payments p ON p.transaction_id = t.transaction_id"),
            "round_amounts 120000");
  // An alert of another block does not go in with this one.
  alert.id = "00c0ffee00c0ff00";
  EXPECT_EQ(Index(3, {alert}).code(), base::StatusCode::kCorruption);
}

TEST(SqlDatabaseTest, UrlsNameTheirDatabaseAndPasswordsStayOutOfMessages) {
  EXPECT_EQ(RedactedDatabaseUrl("postgresql://audit:s3cret@db.bai.go.kr:5432/nuri"),
            "postgresql://audit:***@db.bai.go.kr:5432/nuri");
  EXPECT_EQ(RedactedDatabaseUrl("postgresql:///nuri?host=/run/pg&password=s3cret&user=a"),
            "postgresql:///nuri?host=/run/pg&password=***&user=a");
  EXPECT_EQ(RedactedDatabaseUrl("postgresql://audit@db/nuri"), "postgresql://audit@db/nuri");
  auto wrong = OpenSqlDatabase("mysql://audit:s3cret@db/nuri");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.error().message().find("s3cret"), std::string::npos);
  // libpq reads user information up to the '@' before the first '/', '?' and all.
  EXPECT_EQ(RedactedDatabaseUrl("postgresql://audit:pa?ss@db/nuri"),
            "postgresql://audit:***@db/nuri");
  // A URI libpq cannot read is refused at once, and its message, which quotes the faulty part,
  // does not show the password.
  auto unreadable = OpenSqlDatabase("postgresql://audit:pa%zzss@db/nuri");
  ASSERT_FALSE(unreadable.has_value());
  EXPECT_EQ(unreadable.error().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(unreadable.error().message().find("percent"), std::string::npos)
      << unreadable.error().message();
  EXPECT_EQ(unreadable.error().message().find("pa%zzss"), std::string::npos)
      << unreadable.error().message();
  EXPECT_EQ(WithoutPasswords("bad token \"pa%zzss\"", "postgresql://audit:pa%zzss@db/nuri"),
            "bad token \"***\"");
  // A server that does not answer is waited for.
  auto unreachable = OpenSqlDatabase("postgresql://audit:s3cret@127.0.0.1:1/nuri");
  ASSERT_FALSE(unreachable.has_value());
  EXPECT_EQ(unreachable.error().code(), base::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace nuri::audit
