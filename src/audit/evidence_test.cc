#include "audit/evidence.h"

#include <gtest/gtest.h>

#include "audit/evidence_json.h"
#include "base/hex.h"
#include "ledger/records.h"
#include "ledger/test_ledger.h"
#include "storage/memory_store.h"

namespace nuri::audit {
namespace {

namespace json = boost::json;
using ledger::CommitSignedBy;
using ledger::TestTransaction;

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }

// A chain whose validator set changes twice before the transactions an auditor asks about: v2
// joins (from block 4), v1 leaves (from block 7). Block 7 holds three transactions, the second
// of them rejected (kim@moef spends more than it holds).
class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    genesis_ = ledger::TestGenesis();
    ledger_ = ledger::Ledger::Open(store_, genesis_).value();
    time_ = genesis_.start_time;
    Commit({Mint("kim@moef", 1000)}, {"v1"});
    Commit(
        {Sign("governor@bok", core::AddValidator{"v2", crypto::DeriveTestKey("v2").public_key()})},
        {"v1"});
    Commit({Mint("lee@moef", 2000)}, {"v1"});
    Commit({}, {"v1", "v2"});
    Commit({Sign("governor@bok", core::RemoveValidator{"v1"})}, {"v1", "v2"});
    Commit({}, {"v1", "v2"});
    pay_ = Transfer("kim@moef", "shop@merchants", 700);
    overspend_ = Transfer("kim@moef", "shop@merchants", 5000);
    Commit({Mint("treasury@moef", 5000), overspend_, pay_}, {"v2"});
  }

  core::SignedTransaction Sign(std::string_view signer, core::Body body) {
    return TestTransaction(signer, std::move(body), next_nonce_++, time_ + core::kMillisPerHour);
  }

  core::SignedTransaction Mint(std::string_view to, std::int64_t won) {
    return Sign("issuer@bnk", core::Mint{core::TokenId::Parse("KRW-BNK").value(), Id(to),
                                         core::Amount::Won(won)});
  }

  core::SignedTransaction Transfer(std::string_view from, std::string_view to, std::int64_t won) {
    return Sign(from, core::Transfer{.token = core::TokenId::Parse("KRW-BNK").value(),
                                     .to = Id(to),
                                     .amount = core::Amount::Won(won)});
  }

  void Commit(std::vector<core::SignedTransaction> txs, std::vector<std::string> signers) {
    time_ += 1000;
    const auto committed = CommitSignedBy(*ledger_, time_, txs, signers);
    ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
  }

  TransactionEvidence EvidenceOf(const core::SignedTransaction& tx) {
    return TransactionEvidenceOf(*ledger_, tx.id).value();
  }

  base::Result<ProvenTransaction> Verify(const TransactionEvidence& evidence) {
    return VerifyTransactionEvidence(evidence, "nuri-test", genesis_.validators);
  }

  // The error message of a verification that must fail.
  std::string Refusal(const TransactionEvidence& evidence) {
    auto proven = Verify(evidence);
    EXPECT_FALSE(proven.has_value());
    return proven ? "" : proven.error().message();
  }

  ledger::Genesis genesis_;
  storage::MemoryStore store_;
  std::unique_ptr<ledger::Ledger> ledger_;
  core::TimeMillis time_ = 0;
  std::uint64_t next_nonce_ = 1;
  core::SignedTransaction pay_;
  core::SignedTransaction overspend_;
};

TEST_F(EvidenceTest, ProvesATransactionAndItsReceiptFromTheGenesisSetAlone) {
  const TransactionEvidence evidence = EvidenceOf(pay_);
  EXPECT_EQ(evidence.header.height, 7u);
  EXPECT_EQ(evidence.set_changes.size(), 2u);
  auto proven = Verify(evidence);
  ASSERT_TRUE(proven.has_value()) << proven.error().ToString();
  EXPECT_EQ(proven->transaction.id, pay_.id);
  EXPECT_EQ(proven->index, 2u);
  EXPECT_EQ(proven->receipt.status, core::ReceiptStatus::kOk);
  EXPECT_EQ(proven->header, ledger_->ReadBlock(7)->header);

  // A rejection is proven just the same: what the ledger refused is part of the record.
  auto refused = Verify(EvidenceOf(overspend_));
  ASSERT_TRUE(refused.has_value()) << refused.error().ToString();
  EXPECT_EQ(refused->index, 1u);
  EXPECT_EQ(refused->receipt.status, core::ReceiptStatus::kRejected);
  EXPECT_EQ(refused->receipt.code, core::ReasonCode::kInsufficientFunds);

  // A transaction of a block certified by the genesis set needs no set change at all.
  auto early = Verify(EvidenceOf(ledger::BlockTransactions(*ledger_->ReadBlock(1)).front()));
  ASSERT_TRUE(early.has_value()) << early.error().ToString();
}

TEST_F(EvidenceTest, AnUncommittedTransactionHasNoEvidence) {
  const auto never_sent = Transfer("lee@moef", "kim@moef", 1);
  const auto evidence = TransactionEvidenceOf(*ledger_, never_sent.id);
  ASSERT_FALSE(evidence.has_value());
  EXPECT_EQ(evidence.error().code(), base::StatusCode::kNotFound);
}

TEST_F(EvidenceTest, EachTamperedPartIsNamed) {
  const TransactionEvidence honest = EvidenceOf(pay_);
  {
    TransactionEvidence e = honest;
    e.set_changes.clear();
    EXPECT_EQ(Refusal(e), "block 7: another validator set");
  }
  {
    TransactionEvidence e = honest;
    e.header.state_root = crypto::Sha256("another state");
    EXPECT_NE(Refusal(e).find("block 7: "), std::string::npos);
  }
  {
    TransactionEvidence e = honest;
    e.certificate.signatures.clear();
    EXPECT_NE(Refusal(e).find("block 7: "), std::string::npos);
  }
  {
    TransactionEvidence e = honest;
    e.set_changes[1].applies_from += 1;
    EXPECT_EQ(Refusal(e), "set changes out of order or past the block");
  }
  {
    TransactionEvidence e = honest;
    e.transaction = overspend_.bytes;
    EXPECT_EQ(Refusal(e), "the transaction's proof does not lead to the block's tx root");
  }
  {
    TransactionEvidence e = honest;
    e.transaction.back() ^= 1;  // inside the last signature
    EXPECT_EQ(Refusal(e), "the transaction: a signature does not verify");
  }
  {
    TransactionEvidence e = honest;
    e.receipt.status = core::ReceiptStatus::kRejected;
    EXPECT_EQ(Refusal(e), "the receipt's proof does not lead to the block's receipts root");
  }
  {
    TransactionEvidence e = honest;
    e.transaction_proof.steps.front().sibling = crypto::Sha256("another sibling");
    EXPECT_EQ(Refusal(e), "the transaction's proof does not lead to the block's tx root");
  }
  {
    // The receipt of another transaction of the block, with its own honest proof.
    const TransactionEvidence other = EvidenceOf(overspend_);
    TransactionEvidence e = honest;
    e.receipt = other.receipt;
    e.receipt_proof = other.receipt_proof;
    EXPECT_EQ(Refusal(e), "the receipt is not at the transaction's place in the block");
  }
  {
    // The same path claimed for another place: the root alone does not tell.
    TransactionEvidence e = honest;
    e.transaction_proof.leaf_index = 3;
    e.transaction_proof.leaf_count = 4;
    e.receipt_proof.leaf_index = 3;
    e.receipt_proof.leaf_count = 4;
    EXPECT_EQ(Refusal(e), "a proof's path is not the one of the place it claims");
  }
  {
    auto other_genesis = genesis_.validators;
    other_genesis.validators.front().key = crypto::DeriveTestKey("v9").public_key();
    auto proven = VerifyTransactionEvidence(honest, "nuri-test", other_genesis);
    ASSERT_FALSE(proven.has_value());
    EXPECT_NE(proven.error().message().find("block 2: "), std::string::npos)
        << proven.error().message();
  }
  {
    auto proven = VerifyTransactionEvidence(honest, "nuri-other", genesis_.validators);
    ASSERT_FALSE(proven.has_value());
  }
}

class EvidenceFileTest : public EvidenceTest {
 protected:
  base::Result<ProvenTransaction> VerifyFile(const json::value& file) {
    return VerifyEvidenceJson(file, "nuri-test", genesis_.validators);
  }
};

TEST_F(EvidenceFileTest, AFileReadsBackAsTheEvidenceItWasWrittenFrom) {
  const TransactionEvidence evidence = EvidenceOf(pay_);
  const json::object file = EvidenceToJson(evidence);
  // Through text, as a file travels.
  const json::value read = core::ParseJsonText(json::serialize(file)).value();
  EXPECT_EQ(EvidenceFromJson(read).value(), evidence);
  auto proven = VerifyFile(read);
  ASSERT_TRUE(proven.has_value()) << proven.error().ToString();
  EXPECT_EQ(proven->transaction.id, pay_.id);

  const json::object& statement = file.at("statement").as_object();
  EXPECT_EQ(statement.at("transaction").at("id").as_string(), pay_.id.ToHex());
  EXPECT_EQ(statement.at("transaction").at("signer").as_string(), "kim@moef");
  EXPECT_EQ(statement.at("receipt").at("status").as_string(), "ok");
  EXPECT_EQ(statement.at("block").at("height").to_number<int>(), 7);
  EXPECT_EQ(statement.at("block").at("index").to_number<int>(), 2);
  EXPECT_EQ(statement.at("block").at("signed_by"), (json::array{"v2"}));
}

TEST_F(EvidenceFileTest, AStatementThatSaysOtherwiseThanItsProofIsRefusedByPath) {
  json::object file = EvidenceToJson(EvidenceOf(overspend_));
  ASSERT_TRUE(VerifyFile(file).has_value());
  auto refusal = [&](const json::object& changed) {
    auto proven = VerifyFile(changed);
    EXPECT_FALSE(proven.has_value());
    return proven ? "" : proven.error().message();
  };
  {
    json::object e = file;
    e["statement"].as_object()["receipt"].as_object()["status"] = "ok";
    EXPECT_EQ(refusal(e), "statement.receipt.status: not what the proven parts say");
  }
  {
    json::object e = file;
    e["statement"].as_object()["transaction"].as_object()["body"].as_object()["amount"] = "500";
    EXPECT_EQ(refusal(e), "statement.transaction.body.amount: not what the proven parts say");
  }
  {
    json::object e = file;
    e["statement"].as_object()["receipt"].as_object().erase("message");
    EXPECT_EQ(refusal(e), "statement.receipt.message: not what the proven parts say");
  }
  {
    json::object e = file;
    e["height"] = 6;
    EXPECT_EQ(refusal(e), "height: not what the proven parts say");
  }
  {
    json::object e = file;
    e["remark"] = "checked by hand";
    EXPECT_EQ(refusal(e), "remark: not a field of nuri-transaction-evidence/1");
  }
  {
    json::object e = file;
    e["receipt"] = "zz";
    EXPECT_EQ(refusal(e), "receipt: expected bytes in hex");
  }
  {
    json::object e = file;
    e["transaction_proof"].as_object()["siblings"].as_array()[0].as_object()["side"] = "up";
    EXPECT_NE(refusal(e).find("transaction_proof.siblings[0]: "), std::string::npos);
  }
  {
    json::object e = file;
    e.erase("commit_certificate");
    EXPECT_EQ(refusal(e), "commit_certificate: required");
  }
  {
    json::object e = file;
    e["receipt_proof"].as_object()["note"] = 1;
    EXPECT_EQ(refusal(e), "receipt_proof: expected exactly index, count and siblings");
  }
  {
    json::object e = file;
    e["transaction_proof"].as_object()["siblings"].as_array()[0].as_object()["note"] = 1;
    EXPECT_NE(refusal(e).find("transaction_proof.siblings[0]: "), std::string::npos);
  }
  // A second statement before the true one, for a reader who takes the first: refused as text.
  const std::string text = json::serialize(file);
  const std::string forged = "{\"statement\":{\"receipt\":{\"status\":\"ok\"}}," + text.substr(1);
  EXPECT_FALSE(core::ParseJsonText(forged).has_value());
}

// Changes one leaf of a JSON document in place, visiting each leaf once per call of `visit`
// with a function that tampers it.
void ForEachLeaf(json::value& value, const std::string& path,
                 const std::function<void(const std::string&, json::value&)>& visit) {
  if (value.is_object()) {
    for (auto& [key, member] : value.get_object()) {
      ForEachLeaf(member, path + "." + std::string(key), visit);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.get_array().size(); ++i) {
      ForEachLeaf(value.get_array()[i], path + "[" + std::to_string(i) + "]", visit);
    }
  } else {
    visit(path, value);
  }
}

TEST_F(EvidenceFileTest, EverySingleFieldOrByteChangedIsCaught) {
  json::value file = EvidenceToJson(EvidenceOf(pay_));
  ASSERT_TRUE(VerifyFile(file).has_value());
  int tried = 0;
  ForEachLeaf(file, "", [&](const std::string& path, json::value& leaf) {
    const json::value kept = leaf;
    auto expect_refused = [&](const std::string& what) {
      ++tried;
      EXPECT_FALSE(VerifyFile(file).has_value()) << path << " " << what;
      leaf = kept;
    };
    if (leaf.is_string()) {
      const std::string text(leaf.get_string());
      if (base::FromHex(text) && text.size() > 2 && path != ".format") {
        // Each byte of what is proven: one hex digit moved to another value.
        for (std::size_t i = 0; i < text.size(); ++i) {
          std::string changed = text;
          changed[i] = changed[i] == '0' ? '1' : '0';
          leaf = changed;
          expect_refused("digit " + std::to_string(i));
        }
      } else {
        leaf = text + "x";
        expect_refused("text");
      }
    } else if (leaf.is_number()) {
      leaf = leaf.to_number<std::int64_t>() + 1;
      expect_refused("number");
    } else if (leaf.is_bool()) {
      leaf = !leaf.get_bool();
      expect_refused("bool");
    }
  });
  EXPECT_GT(tried, 2000);
  EXPECT_TRUE(VerifyFile(file).has_value());
}

}  // namespace
}  // namespace nuri::audit

namespace nuri::audit {
namespace {

class BalanceEvidenceTest : public EvidenceTest {
 protected:
  base::Result<ProvenBalance> VerifyFile(const json::value& file) {
    return VerifyBalanceEvidenceJson(file, "nuri-test", genesis_.validators);
  }
};

TEST_F(BalanceEvidenceTest, ProvesABalanceAtTheHeadFromTheGenesisSetAlone) {
  const BalanceEvidence evidence = BalanceEvidenceOf(*ledger_, "kim@moef", "KRW-BNK").value();
  EXPECT_EQ(evidence.header.height, 7u);
  EXPECT_EQ(evidence.set_changes.size(), 2u);
  auto proven = VerifyBalanceEvidence(evidence, "nuri-test", genesis_.validators);
  ASSERT_TRUE(proven.has_value()) << proven.error().ToString();
  EXPECT_EQ(proven->won, 300);  // 1,000 minted, 700 paid; the overspend was rejected

  // No entry is a balance of nothing, proven all the same.
  auto none = VerifyBalanceEvidence(BalanceEvidenceOf(*ledger_, "auditor@bai", "KRW-BNK").value(),
                                    "nuri-test", genesis_.validators);
  ASSERT_TRUE(none.has_value()) << none.error().ToString();
  EXPECT_EQ(none->won, 0);
  EXPECT_EQ(BalanceEvidenceOf(*ledger_, "nobody@moef", "KRW-BNK").error().code(),
            base::StatusCode::kNotFound);
  EXPECT_EQ(BalanceEvidenceOf(*ledger_, "kim@moef", "KRW-NONE").error().code(),
            base::StatusCode::kNotFound);
}

TEST_F(BalanceEvidenceTest, ATamperedBalanceOrAnotherAccountIsRefused) {
  const BalanceEvidence honest = BalanceEvidenceOf(*ledger_, "kim@moef", "KRW-BNK").value();
  const auto refusal = [&](const BalanceEvidence& evidence) {
    auto proven = VerifyBalanceEvidence(evidence, "nuri-test", genesis_.validators);
    EXPECT_FALSE(proven.has_value());
    return proven ? "" : proven.error().message();
  };
  {
    BalanceEvidence e = honest;
    for (auto& [key, value] : e.proof.bucket_entries) value = ledger::EncodeI64(3000000);
    EXPECT_EQ(refusal(e), "the balance: the proof does not lead to the block's state root");
  }
  {
    BalanceEvidence e = honest;
    e.account = "lee@moef";
    EXPECT_EQ(refusal(e), "the balance: the proof is not of its entry");
  }
  {
    BalanceEvidence e = honest;
    e.proof.bucket_entries.clear();  // "kim has nothing"
    EXPECT_EQ(refusal(e), "the balance: the proof does not lead to the block's state root");
  }
  {
    BalanceEvidence e = honest;
    e.set_changes.pop_back();
    EXPECT_EQ(refusal(e), "block 7: another validator set");
  }
}

TEST_F(BalanceEvidenceTest, AFileVerifiesAndEverySingleChangeIsCaught) {
  json::value file =
      BalanceEvidenceToJson(BalanceEvidenceOf(*ledger_, "shop@merchants", "KRW-BNK").value());
  const json::value read = core::ParseJsonText(json::serialize(file)).value();
  auto proven = VerifyFile(read);
  ASSERT_TRUE(proven.has_value()) << proven.error().ToString();
  EXPECT_EQ(proven->won, 700);
  EXPECT_EQ(file.at("statement").at("balance_won").to_number<int>(), 700);
  // A transaction's file is not a balance's, and the other way round.
  EXPECT_FALSE(VerifyEvidenceJson(file, "nuri-test", genesis_.validators).has_value());
  int tried = 0;
  ForEachLeaf(file, "", [&](const std::string& path, json::value& leaf) {
    const json::value kept = leaf;
    if (leaf.is_string()) {
      const std::string text(leaf.get_string());
      // One digit of each byte's worth of hex, or the text with a letter more.
      for (std::size_t i = 0; i < (base::FromHex(text) ? text.size() : 1); i += 2) {
        std::string changed = text;
        if (base::FromHex(text)) {
          changed[i] = changed[i] == '0' ? '1' : '0';
        } else {
          changed += "x";
        }
        leaf = changed;
        ++tried;
        EXPECT_FALSE(VerifyFile(file).has_value()) << path << " at " << i;
      }
    } else if (leaf.is_number()) {
      leaf = leaf.to_number<std::int64_t>() + 1;
      ++tried;
      EXPECT_FALSE(VerifyFile(file).has_value()) << path;
    }
    leaf = kept;
  });
  EXPECT_GT(tried, 500);
  EXPECT_TRUE(VerifyFile(file).has_value());
}

}  // namespace
}  // namespace nuri::audit
