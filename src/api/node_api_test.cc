// The node's API over real HTTP on loopback: every endpoint, and bad input of every kind
// answered with the right code while the node keeps serving.
#include "api/node_api.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "api/http_client.h"
#include "api/http_server.h"
#include "core/committed_block.h"
#include "core/json.h"
#include "crypto/key_file.h"
#include "node/test_chain.h"
#include "storage/memory_store.h"

namespace nuri::api {
namespace {

namespace json = boost::json;


class NodeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    const ledger::Genesis genesis = node::TestChainGenesis("nuri-api-test");
    clock_.SetMillis(genesis.start_time);
    node_ = std::move(node::Node::Open(std::make_shared<storage::MemoryStore>(), genesis,
                                       {"v1", crypto::DeriveTestKey("v1")}, clock_, {})
                          .value());
    ASSERT_TRUE(node_->StartProducing().ok());
    api_ = std::make_unique<NodeApi>(*node_, clock_);
    server_ = std::make_unique<HttpServer>(
        HttpServerOptions{.body_size_bytes_max = 64 * 1024},
        [this](HttpRequest request, Responder respond) {
          api_->Handle(std::move(request), std::move(respond));
        });
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    server_->Stop();
    node_->Stop();
  }

  core::Transaction Mint(std::int64_t won, std::uint64_t nonce) {
    core::Transaction tx;
    tx.chain_id = "nuri-api-test";
    tx.signer = core::AccountId::Parse("issuer@bnk").value();
    tx.nonce = nonce;
    tx.valid_until = clock_.NowMillis() + core::kMillisPerHour;
    tx.body = core::Mint{core::TokenId::Parse("KRW-BNK").value(),
                         core::AccountId::Parse("kim@moef").value(), core::Amount::Won(won)};
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey("issuer@bnk"));
    return tx;
  }

  // POSTs and returns (HTTP status, body as JSON).
  std::pair<int, json::value> Post(const std::string& target, const std::string& body,
                                   const std::string& type = "application/octet-stream") {
    auto response = client_->Request("POST", target, body, type);
    EXPECT_TRUE(response.has_value());
    return {response->status, core::ParseJsonText(response->body).value_or(json::value())};
  }

  std::pair<int, json::value> Get(const std::string& target) {
    auto response = client_->Request("GET", target);
    EXPECT_TRUE(response.has_value());
    return {response->status, core::ParseJsonText(response->body).value_or(json::value())};
  }

  void ExpectStillServing() {
    auto [status, body] = Get("/v1/status");
    EXPECT_EQ(status, 200);
  }

  base::ManualClock clock_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<NodeApi> api_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(NodeApiTest, SubmitWaitAndQueryEveryEndpoint) {
  const core::Transaction tx = Mint(250000, 1);
  auto [status, body] = Post("/v1/transactions?wait_ms=5000", core::Encode(tx));
  ASSERT_EQ(status, 200) << json::serialize(body);
  EXPECT_EQ(body.at("status"), "ok");
  const std::string id(body.at("id").as_string());
  EXPECT_EQ(id, core::TransactionId(tx).ToHex());

  auto [tx_status, tx_body] = Get("/v1/transactions/" + id);
  EXPECT_EQ(tx_status, 200);
  EXPECT_EQ(tx_body.at("height"), 1);

  auto [block_status, block] = Get("/v1/blocks/latest");
  EXPECT_EQ(block_status, 200);
  EXPECT_EQ(block.at("height"), 1);
  EXPECT_EQ(block.at("transactions").as_array().at(0), id.c_str());
  for (const char* field : {"hash", "prev_hash", "time", "tx_root", "receipts_root", "state_root"}) {
    EXPECT_TRUE(block.as_object().contains(field)) << field;
  }
  auto [account_status, account] = Get("/v1/accounts/kim@moef");
  EXPECT_EQ(account_status, 200);
  EXPECT_EQ(account.at("balances").at("KRW-BNK"), 250000);
  EXPECT_EQ(account.at("roles").as_array().at(0), "holder");
  auto [history_status, history] = Get("/v1/accounts/kim@moef/transactions?limit=10");
  EXPECT_EQ(history_status, 200);
  ASSERT_EQ(history.at("transactions").as_array().size(), 1u);
  EXPECT_EQ(history.at("transactions").as_array()[0].at("id"), id.c_str());
  EXPECT_EQ(Get("/v1/accounts/kim@moef/transactions?limit=0").first, 400);
  EXPECT_EQ(Get("/v1/accounts/nobody@moef/transactions").first, 404);
  auto [node_status, node_view] = Get("/v1/status");
  EXPECT_EQ(node_view.at("chain_id"), "nuri-api-test");
  EXPECT_EQ(node_view.at("state_root"), block.at("state_root"));

  auto metrics = client_->Request("GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find("nuri_block_height 1"), std::string::npos);
  EXPECT_EQ(Get("/v1/accounts/nobody@moef").first, 404);
  EXPECT_EQ(Get("/v1/blocks/99").first, 404);
  EXPECT_EQ(Get("/v1/nothing").first, 404);
}

// What the audit indexer follows: blocks with their certificates and receipts, as bytes, a
// bounded run of them per request.
TEST_F(NodeApiTest, CommittedBlocksComeWithTheirReceipts) {
  for (std::uint64_t nonce = 1; nonce <= 3; ++nonce) {
    ASSERT_EQ(Post("/v1/transactions?wait_ms=5000", core::Encode(Mint(1000 * nonce, nonce))).first,
              200);
  }
  const std::uint64_t head = node_->Read([](const ledger::Ledger& l) { return l.head().height; });
  ASSERT_GE(head, 1u);
  auto response = client_->Request("GET", "/v1/blocks/1/committed?count=16");
  ASSERT_TRUE(response.has_value());
  ASSERT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "application/octet-stream");
  auto blocks = core::DecodeCommittedBlocks(response->body);
  ASSERT_TRUE(blocks.has_value()) << blocks.error().ToString();
  ASSERT_EQ(blocks->size(), head);
  std::size_t transactions = 0;
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    const core::CommittedBlock& committed = (*blocks)[i];
    EXPECT_EQ(committed.block.header.height, i + 1);
    EXPECT_EQ(core::ReceiptsRoot(committed.receipts), committed.block.header.receipts_root);
    EXPECT_FALSE(committed.block.certificate.signatures.empty());
    transactions += committed.receipts.size();
  }
  EXPECT_EQ(transactions, 3u);
  auto one = client_->Request("GET", "/v1/blocks/" + std::to_string(head) + "/committed");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(core::DecodeCommittedBlocks(one->body).value().size(), 1u);
  EXPECT_EQ(Get("/v1/blocks/" + std::to_string(head + 1) + "/committed").first, 404);
  EXPECT_EQ(Get("/v1/blocks/0/committed").first, 400);
  EXPECT_EQ(Get("/v1/blocks/1/committed?count=17").first, 400);
  EXPECT_EQ(Get("/v1/blocks/1/committed?count=0").first, 400);
  EXPECT_EQ(Get("/v1/blocks/x/committed").first, 400);
}

// A governor's addition shows in the schedule at once, and applies two blocks on.
TEST_F(NodeApiTest, TheValidatorSetAndItsScheduleAreReadable) {
  core::Transaction tx;
  tx.chain_id = "nuri-api-test";
  tx.signer = core::AccountId::Parse("governor@bok").value();
  tx.nonce = 1;
  tx.valid_until = clock_.NowMillis() + core::kMillisPerHour;
  tx.body = core::AddValidator{"v2", crypto::DeriveTestKey("v2").public_key()};
  core::AddSignature(tx, tx.signer, crypto::DeriveTestKey("governor@bok"));
  auto [status, receipt] = Post("/v1/transactions?wait_ms=5000", core::Encode(tx));
  ASSERT_EQ(status, 200) << json::serialize(receipt);
  EXPECT_EQ(receipt.at("status"), "ok");

  auto [validators_status, validators] = Get("/v1/validators");
  ASSERT_EQ(validators_status, 200);
  EXPECT_EQ(validators.at("next_height"), 2);
  ASSERT_EQ(validators.at("validators").as_array().size(), 1u);
  EXPECT_EQ(validators.at("validators").as_array()[0].at("name"), "v1");
  const auto& schedule = validators.at("schedule").as_array();
  ASSERT_EQ(schedule.size(), 2u);
  EXPECT_EQ(schedule[0].at("from_height"), 1);
  EXPECT_EQ(schedule[1].at("from_height"), 3);
  ASSERT_EQ(schedule[1].at("validators").as_array().size(), 2u);
  EXPECT_EQ(schedule[1].at("validators").as_array()[1].at("name"), "v2");
  EXPECT_EQ(schedule[1].at("validators").as_array()[1].at("key"),
            crypto::DeriveTestKey("v2").public_key().ToText().c_str());
}

TEST_F(NodeApiTest, JsonEnvelopesAreAcceptedLikeBinary) {
  const core::Transaction tx = Mint(1000, 2);
  auto [status, body] = Post("/v1/transactions?wait_ms=5000",
                             json::serialize(core::TransactionToJson(tx)), "application/json");
  ASSERT_EQ(status, 200) << json::serialize(body);
  EXPECT_EQ(body.at("id"), core::TransactionId(tx).ToHex().c_str());
}

TEST_F(NodeApiTest, BadInputGetsItsCodeAndTheNodeKeepsServing) {
  auto code = [](const std::pair<int, json::value>& answer) {
    return std::string(answer.second.at("code").as_string());
  };
  // Malformed bytes and JSON.
  auto garbage = Post("/v1/transactions", "\x01\x02garbage");
  EXPECT_EQ(garbage.first, 400);
  EXPECT_EQ(code(garbage), "MALFORMED");
  EXPECT_EQ(code(Post("/v1/transactions", "{not json", "application/json")), "MALFORMED");
  // Oversized.
  EXPECT_EQ(Post("/v1/transactions", std::string(100 * 1024, 'x')).first, 413);
  // Wrongly signed: a signature over other bytes.
  core::Transaction forged = Mint(1000, 3);
  forged.signatures[0].signature = crypto::DeriveTestKey("issuer@bnk").Sign("something else");
  auto bad_signature = Post("/v1/transactions", core::Encode(forged));
  EXPECT_EQ(bad_signature.first, 401);
  EXPECT_EQ(code(bad_signature), "BAD_SIGNATURE");
  // Replayed.
  const core::Transaction once = Mint(1000, 4);
  EXPECT_EQ(Post("/v1/transactions?wait_ms=5000", core::Encode(once)).first, 200);
  auto replay = Post("/v1/transactions", core::Encode(once));
  EXPECT_EQ(replay.first, 409);
  EXPECT_EQ(code(replay), "DUPLICATE");
  // Expired, and too far ahead.
  core::Transaction expired = Mint(1000, 5);
  expired.valid_until = clock_.NowMillis() - 1;
  expired.signatures.clear();
  core::AddSignature(expired, expired.signer, crypto::DeriveTestKey("issuer@bnk"));
  EXPECT_EQ(code(Post("/v1/transactions", core::Encode(expired))), "EXPIRED");
  core::Transaction far = Mint(1000, 6);
  far.valid_until = clock_.NowMillis() + 25 * core::kMillisPerHour;
  far.signatures.clear();
  core::AddSignature(far, far.signer, crypto::DeriveTestKey("issuer@bnk"));
  EXPECT_EQ(code(Post("/v1/transactions", core::Encode(far))), "TOO_FAR_IN_FUTURE");
  // Overflowing amount in JSON.
  json::object overflowing = core::TransactionToJson(Mint(1, 7));
  overflowing["body"].as_object()["amount"] = "99999999999999999999";
  auto overflow = Post("/v1/transactions", json::serialize(overflowing), "application/json");
  EXPECT_EQ(overflow.first, 400);
  EXPECT_EQ(code(overflow), "INVALID_AMOUNT");
  EXPECT_EQ(overflow.second.at("field"), "body.amount");
  // A mint that overflows the balance is recorded, rejected.
  EXPECT_EQ(Post("/v1/transactions?wait_ms=5000", core::Encode(Mint(INT64_MAX, 8))).second.at("code"),
            "INVALID_AMOUNT");
  // Unknown signer, wrong chain.
  core::Transaction ghost = Mint(1, 9);
  ghost.signer = core::AccountId::Parse("ghost@moef").value();
  ghost.signatures.clear();
  core::AddSignature(ghost, ghost.signer, crypto::DeriveTestKey("ghost@moef"));
  EXPECT_EQ(code(Post("/v1/transactions", core::Encode(ghost))), "UNKNOWN_SIGNER");
  core::Transaction other_chain = Mint(1, 10);
  other_chain.chain_id = "elsewhere";
  other_chain.signatures.clear();
  core::AddSignature(other_chain, other_chain.signer, crypto::DeriveTestKey("issuer@bnk"));
  EXPECT_EQ(code(Post("/v1/transactions", core::Encode(other_chain))), "WRONG_CHAIN");
  // Bad ids and parameters.
  EXPECT_EQ(Get("/v1/transactions/xyz").first, 400);
  EXPECT_EQ(Get("/v1/blocks/-1").first, 400);
  EXPECT_EQ(Post("/v1/transactions/batch", std::string("\xff\xff\xff\x7f", 4)).first, 400);
  ExpectStillServing();
}

TEST_F(NodeApiTest, BatchesReportEachTransaction) {
  codec::Writer batch;
  batch.PutBytes(core::Encode(Mint(10, 11)));
  batch.PutBytes("garbage");
  batch.PutBytes(core::Encode(Mint(10, 11)));
  auto [status, body] = Post("/v1/transactions/batch", batch.bytes());
  ASSERT_EQ(status, 200);
  const auto& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("code"), "OK");
  EXPECT_EQ(results[1].at("code"), "MALFORMED");
  EXPECT_EQ(results[2].at("code"), "DUPLICATE");
}

TEST_F(NodeApiTest, StatusesOfManyAreAnsweredOnceNoneIsPending) {
  const core::Transaction first = Mint(10, 21);
  const core::Transaction second = Mint(20, 22);
  codec::Writer batch;
  batch.PutBytes(core::Encode(first));
  batch.PutBytes(core::Encode(second));
  ASSERT_EQ(Post("/v1/transactions/batch", batch.bytes()).first, 200);
  const std::string unknown(64, 'a');
  const std::string ids = R"({"ids":[")" + core::Seal(second).id.ToHex() + R"(",")" + unknown +
                          R"(",")" + core::Seal(first).id.ToHex() + R"("]})";

  auto [status, body] = Post("/v1/transactions/statuses?wait_ms=5000", ids, "application/json");
  ASSERT_EQ(status, 200);
  const auto& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("id").as_string(), core::Seal(second).id.ToHex());
  EXPECT_EQ(results[0].at("status"), "ok");
  EXPECT_EQ(results[1].at("id").as_string(), unknown);
  EXPECT_EQ(results[1].at("status"), "unknown");
  EXPECT_EQ(results[2].at("status"), "ok");
  EXPECT_GE(results[2].at("height").as_int64(), 1);
  // Once final, the same answer comes without waiting.
  EXPECT_EQ(Post("/v1/transactions/statuses", ids, "application/json").second, body);

  EXPECT_EQ(Post("/v1/transactions/statuses", R"({"ids":["xyz"]})", "application/json").first, 400);
  EXPECT_EQ(Post("/v1/transactions/statuses", R"(["a"])", "application/json").first, 400);
  EXPECT_EQ(Post("/v1/transactions/statuses?wait_ms=-1", ids, "application/json").first, 400);
  std::string too_many = R"({"ids":[0)";
  for (int i = 0; i < 4096; ++i) too_many += ",0";
  EXPECT_EQ(Post("/v1/transactions/statuses", too_many + "]}", "application/json").first, 413);
  ExpectStillServing();
}

// Signs `body` by `signer` with its test key.
core::Transaction Signed(std::string_view signer, core::Body body, std::uint64_t nonce,
                         core::TimeMillis now) {
  core::Transaction tx;
  tx.chain_id = "nuri-api-test";
  tx.signer = core::AccountId::Parse(signer).value();
  tx.nonce = nonce;
  tx.valid_until = now + core::kMillisPerHour;
  tx.body = std::move(body);
  core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(signer));
  return tx;
}

TEST_F(NodeApiTest, ProgramsAreReadableWithTheirRulesInSentences) {
  auto [list_status, list] = Get("/v1/programs");
  ASSERT_EQ(list_status, 200);
  ASSERT_EQ(list.at("programs").as_array().size(), 1u);
  EXPECT_EQ(list.at("programs").at(0).at("id"), "bpe-test");

  auto [status, program] = Get("/v1/programs/bpe-test");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(program.at("version"), 1);
  EXPECT_EQ(program.at("definition").at("budget_code"), "203-01");
  EXPECT_EQ(program.at("versions").as_array().size(), 1u);
  EXPECT_EQ(program.at("totals").at("funded"), 0);
  EXPECT_EQ(program.at("explanation").at(2),
            "Payments are permitted only from 06:00 to 23:00 Korea time (rule R1).");
  EXPECT_EQ(Get("/v1/programs/no-such").first, 404);
  EXPECT_EQ(Get("/v1/programs/Not_An_Id!").first, 400);
}

TEST_F(NodeApiTest, ProgramCheckNamesEveryFaultWithoutSubmitting) {
  const std::string valid = R"({"id":"bpe-next","name":"Next year","kind":"expense",
    "token":"KRW-BNK","owner":"treasury@moef","managers":["budget@moef"],
    "valid_from":"2027-01-01T00:00:00+09:00","valid_until":"2027-12-31T23:59:59+09:00",
    "rules":[{"id":"R1","rule":"max_per_payment","amount":3000000}]})";
  auto [ok_status, ok] = Post("/v1/programs/check", valid, "application/json");
  ASSERT_EQ(ok_status, 200);
  EXPECT_EQ(ok.at("valid"), true);
  EXPECT_EQ(Get("/v1/programs/bpe-next").first, 404);  // checked, not defined

  const std::string faulty = R"({"id":"bpe-test","name":"Clash","kind":"expense",
    "token":"KRW-XYZ","owner":"kim@moef","managers":["ghost@moef"],
    "valid_from":"2027-01-01T00:00:00+09:00","valid_until":"2027-12-31T23:59:59+09:00",
    "rules":[{"id":"R1","rule":"hours","from":"23:00","to":"06:00"},
             {"id":"R1","rule":"max_per_day","amount":-1},
             {"id":"R3","rule":"allow_merchants","merchants":["kim@moef"]}]})";
  auto [status, body] = Post("/v1/programs/check", faulty, "application/json");
  ASSERT_EQ(status, 422);
  std::map<std::string, std::string> faults;
  for (const auto& fault : body.at("faults").as_array()) {
    faults[std::string(fault.at("field").as_string())] = fault.at("code").as_string();
  }
  EXPECT_EQ(faults["rules[0].from"], "INVALID_ARGUMENT");
  EXPECT_EQ(faults["rules[1].id"], "INVALID_ARGUMENT");
  EXPECT_EQ(faults["rules[1].amount"], "INVALID_AMOUNT");
  EXPECT_EQ(faults["id"], "ALREADY_EXISTS");
  EXPECT_EQ(faults["token"], "UNKNOWN_TOKEN");
  EXPECT_EQ(faults["owner"], "INVALID_ARGUMENT");
  EXPECT_EQ(faults["managers[0]"], "UNKNOWN_ACCOUNT");
  EXPECT_EQ(faults["rules[2].merchants[0]"], "INVALID_ARGUMENT");
  EXPECT_EQ(Post("/v1/programs/check", "{", "application/json").first, 400);
  ExpectStillServing();
}

TEST_F(NodeApiTest, AProgramPaymentShowsOnTheReceiptAndTheAccount) {
  const core::TimeMillis now = clock_.NowMillis();
  const auto program = std::string("bpe-test");
  const auto token = core::TokenId::Parse("KRW-BNK").value();
  const auto treasury = core::AccountId::Parse("treasury@moef").value();
  const auto kim = core::AccountId::Parse("kim@moef").value();
  const auto hanok = core::AccountId::Parse("hanok@merchants").value();
  const std::vector<core::Transaction> steps = {
      Signed("issuer@bnk", core::Mint{token, treasury, core::Amount::Won(1'000'000)}, 21, now),
      Signed("treasury@moef", core::FundProgram{program, core::Amount::Won(500'000)}, 1, now),
      Signed("budget@moef", core::Grant{program, kim, core::Amount::Won(200'000)}, 1, now),
      Signed("kim@moef", core::Pay{program, hanok, core::Amount::Won(45'000)}, 1, now)};
  for (const auto& tx : steps) {
    auto [status, body] = Post("/v1/transactions?wait_ms=5000", core::Encode(tx));
    ASSERT_EQ(status, 200) << json::serialize(body);
    ASSERT_EQ(body.at("status"), "ok") << json::serialize(body);
    if (std::holds_alternative<core::Pay>(tx.body)) {
      EXPECT_EQ(body.at("program").as_string(), program);
      EXPECT_EQ(body.at("program_version"), 1);
      EXPECT_EQ(body.at("budget_code"), "203-01");
    }
  }
  auto [status, account] = Get("/v1/accounts/kim@moef");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(account.at("programs").at(program).at("balance"), 155'000);
  EXPECT_EQ(account.at("programs").at(program).at("paid"), 45'000);
  EXPECT_EQ(Get("/v1/accounts/hanok@merchants").second.at("balances").at("KRW-BNK"), 45'000);
  EXPECT_EQ(Get("/v1/programs/bpe-test").second.at("totals").at("spent"), 45'000);
}

// The amount of the balance of `type` (OPBD, CLBD, ITBD) in a camt.053 statement, or -1.
std::int64_t StatementBalance(const std::string& xml, const std::string& type) {
  const std::regex balance("<Cd>" + type +
                           R"(</Cd>\s*</CdOrPrtry>\s*</Tp>\s*<Amt Ccy="KRW">(\d+)</Amt>)");
  std::smatch match;
  return std::regex_search(xml, match, balance) ? std::stoll(match[1]) : -1;
}

// The entries of a statement as "CODE CRDT|DBIT amount", in order.
std::vector<std::string> StatementEntries(const std::string& xml) {
  const std::regex entry(
      R"(<Ntry>\s*<NtryRef>[0-9:]+</NtryRef>\s*<Amt Ccy="KRW">(\d+)</Amt>\s*<CdtDbtInd>(\w+)</CdtDbtInd>[\s\S]*?<Prtry>\s*<Cd>(\w+)</Cd>)");
  std::vector<std::string> entries;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), entry); it != std::sregex_iterator();
       ++it) {
    entries.push_back((*it)[3].str() + " " + (*it)[2].str() + " " + (*it)[1].str());
  }
  return entries;
}

TEST_F(NodeApiTest, AStatementWalksTheBalanceFromTheHeadBackToItsPeriod) {
  const auto program = std::string("bpe-test");
  const auto token = core::TokenId::Parse("KRW-BNK").value();
  const auto treasury = core::AccountId::Parse("treasury@moef").value();
  const auto kim = core::AccountId::Parse("kim@moef").value();
  const auto hanok = core::AccountId::Parse("hanok@merchants").value();
  const core::TimeMillis day1 = clock_.NowMillis() + core::kMillisPerHour;  // 10:00, Monday
  const core::TimeMillis day2 = day1 + core::kMillisPerDay;
  const core::TimeMillis day3 = day2 + core::kMillisPerDay;
  crypto::Hash first_payment;
  // Each step is committed in a block at the time it is signed.
  auto commit = [&](core::TimeMillis at, const core::Transaction& tx, const char* status) {
    clock_.SetMillis(at);
    auto [code, body] = Post("/v1/transactions?wait_ms=5000", core::Encode(tx));
    ASSERT_EQ(code, 200) << json::serialize(body);
    ASSERT_EQ(body.at("status"), status) << json::serialize(body);
    if (first_payment == crypto::Hash() && std::holds_alternative<core::Pay>(tx.body)) {
      first_payment = core::TransactionId(tx);
    }
  };
  auto money = [](std::int64_t won) { return core::Amount::Won(won); };
  commit(day1, Signed("issuer@bnk", core::Mint{token, treasury, money(1'000'000)}, 31, day1), "ok");
  commit(day1, Signed("issuer@bnk", core::Mint{token, hanok, money(10'000)}, 32, day1), "ok");
  commit(day1, Signed("treasury@moef", core::FundProgram{program, money(500'000)}, 1, day1), "ok");
  commit(day1, Signed("budget@moef", core::Grant{program, kim, money(200'000)}, 1, day1), "ok");
  commit(day1, Signed("kim@moef", core::Pay{program, hanok, money(45'000)}, 1, day1), "ok");
  // Day 2, the period: money out and in, and a transfer refused for want of funds.
  commit(day2,
         Signed("hanok@merchants",
                core::Transfer{token, treasury, money(5'000), "", "rent <March> & fees"}, 1, day2),
         "ok");
  commit(day2, Signed("hanok@merchants", core::Refund{first_payment, money(3'000)}, 2, day2), "ok");
  commit(day2,
         Signed("hanok@merchants", core::Transfer{token, kim, money(900'000), "", ""}, 3, day2),
         "rejected");
  // A transfer to oneself is accepted and moves nothing.
  commit(day2,
         Signed("hanok@merchants", core::Transfer{token, hanok, money(1'000), "", ""}, 5, day2),
         "ok");
  commit(day2, Signed("kim@moef", core::Pay{program, hanok, money(20'000)}, 2, day2), "ok");
  // Day 3, after the period.
  commit(day3, Signed("hanok@merchants", core::Burn{token, money(1'000)}, 4, day3), "ok");
  ASSERT_EQ(Get("/v1/accounts/hanok@merchants").second.at("balances").at("KRW-BNK"), 66'000);

  auto statement = [&](std::string_view account, std::string_view from, std::string_view to) {
    auto response = client_->Request(
        "GET", "/v1/exports/statement?account=" + std::string(account) +
                   "&token=KRW-BNK&from=" + std::string(from) + "&to=" + std::string(to));
    EXPECT_TRUE(response.has_value());
    return *response;
  };
  const auto day = statement("hanok@merchants", "2026-03-03", "2026-03-03");
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_EQ(StatementBalance(day.body, "OPBD"), 55'000);
  EXPECT_EQ(StatementBalance(day.body, "CLBD"), 67'000);  // before the burn of day 3
  EXPECT_EQ(StatementBalance(day.body, "ITBD"), -1);
  EXPECT_EQ(StatementEntries(day.body),
            (std::vector<std::string>{"TRANSFER DBIT 5000", "REFUND DBIT 3000", "PAY CRDT 20000"}));
  EXPECT_NE(day.body.find("<Ustrd>rent &lt;March&gt; &amp; fees</Ustrd>"), std::string::npos);
  EXPECT_NE(day.body.find("<Nm>treasury@moef</Nm>"), std::string::npos);  // the transfer's payee
  EXPECT_NE(day.body.find("<Ustrd>program bpe-test</Ustrd>"), std::string::npos);
  EXPECT_NE(day.body.find("<Nm>BNK Busan Bank</Nm>"), std::string::npos);
  EXPECT_NE(day.body.find("<FrDtTm>2026-03-03T00:00:00+09:00</FrDtTm>"), std::string::npos);
  // A day that is over is the same document however often and however late it is read.
  commit(day3, Signed("issuer@bnk", core::Mint{token, treasury, money(1)}, 33, day3), "ok");
  EXPECT_EQ(statement("hanok@merchants", "2026-03-03", "2026-03-03").body, day.body);

  // The day still going on closes on an interim balance; the whole time from nothing.
  const auto today = statement("hanok@merchants", "2026-03-04", "2026-03-04");
  EXPECT_EQ(StatementBalance(today.body, "OPBD"), 67'000);
  EXPECT_EQ(StatementBalance(today.body, "ITBD"), 66'000);
  EXPECT_EQ(StatementBalance(today.body, "CLBD"), -1);
  const auto all = statement("hanok@merchants", "2026-03-01", "2026-03-31");
  EXPECT_EQ(StatementBalance(all.body, "OPBD"), 0);
  EXPECT_EQ(StatementEntries(all.body),
            (std::vector<std::string>{"MINT CRDT 10000", "PAY CRDT 45000", "TRANSFER DBIT 5000",
                                      "REFUND DBIT 3000", "PAY CRDT 20000", "BURN DBIT 1000"}));
  const auto funds = statement("treasury@moef", "2026-03-02", "2026-03-03");
  EXPECT_EQ(StatementEntries(funds.body),
            (std::vector<std::string>{"MINT CRDT 1000000", "FUND_PROGRAM DBIT 500000",
                                      "TRANSFER CRDT 5000"}));
  EXPECT_EQ(StatementBalance(funds.body, "CLBD"), 505'000);

  // After the program's end, its owner closes it and the escrow comes back as plain tokens:
  // funded 500,000, less 65,000 paid, plus 3,000 refunded.
  const core::TimeMillis next_year = core::ParseTime("2027-01-04T10:00:00+09:00").value();
  commit(next_year, Signed("treasury@moef", core::CloseProgram{program}, 2, next_year), "ok");
  const auto closed = statement("treasury@moef", "2027-01-04", "2027-01-04");
  EXPECT_EQ(StatementEntries(closed.body), (std::vector<std::string>{"CLOSE_PROGRAM CRDT 438000"}));
  EXPECT_EQ(StatementBalance(closed.body, "OPBD"), 505'001);  // with the mint of day 3
  EXPECT_EQ(StatementBalance(closed.body, "ITBD"), 943'001);

  EXPECT_EQ(statement("nobody@moef", "2026-03-03", "2026-03-03").status, 404);
  EXPECT_EQ(statement("hanok@merchants", "2026-03-03", "2026-03-02").status, 400);
  EXPECT_EQ(statement("hanok@merchants", "2026-03-03", "2026-03-3").status, 400);
  EXPECT_EQ(statement("not-an-account", "2026-03-03", "2026-03-03").status, 400);
}

}  // namespace
}  // namespace nuri::api
