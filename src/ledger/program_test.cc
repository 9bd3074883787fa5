// Tests of the program bodies (docs/programs.md) through the real Ledger: every transaction runs
// alone in a block of its own, at a block time the test chooses, on a MemoryStore; each test
// asserts the receipt (status, code, rule, program version, justified rules), the state that
// queries read (ReadHolder, ReadProgram, ReadBalance) and CheckInvariants after every block.
// The property test at the end drives random lifecycles of programs against a simple model that
// recounts every limit from the history of payments, where the ledger keeps them incrementally.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/json.h"
#include "crypto/key_file.h"
#include "ledger/invariants.h"
#include "ledger/ledger.h"
#include "ledger/signatures.h"
#include "ledger/state_view.h"
#include "storage/memory_store.h"

namespace nuri::ledger {
namespace {

using core::ReasonCode;

// Starts on a public holiday (New Year's Day). Besides the program bpe-2026 defined here, tests
// define their own programs by define_program transactions of treasury@moef.
constexpr std::string_view kGenesis = R"({
  "chain_id": "nuri-test",
  "start": "2026-01-01T00:00:00+09:00",
  "orgs": [
    {"id": "bok", "kind": "central_bank", "name": "Bank of Korea"},
    {"id": "moef", "kind": "ministry", "name": "Ministry of Economy and Finance"},
    {"id": "mois", "kind": "ministry", "name": "Ministry of the Interior and Safety"},
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
    {"id": "treasury@mois", "roles": ["treasury"]},
    {"id": "budget@moef", "roles": ["manager"]},
    {"id": "clerk@moef", "roles": ["manager"]},
    {"id": "kim@moef", "roles": ["holder"]},
    {"id": "lee@moef", "roles": ["holder"]},
    {"id": "park@moef", "roles": ["holder"]},
    {"id": "chief@moef", "roles": ["holder", "approver"]},
    {"id": "approver@moef", "roles": ["approver"]},
    {"id": "approver@mois", "roles": ["approver"]},
    {"id": "inspector@moef", "roles": ["inspector"]},
    {"id": "inspector@mois", "roles": ["inspector"]},
    {"id": "cafe@merchants", "roles": ["merchant"],
     "merchant": {"mcc": "5812", "business_no": "220-81-00001", "name": "Hanok Restaurant"}},
    {"id": "shop@merchants", "roles": ["merchant"],
     "merchant": {"mcc": "5411", "business_no": "220-81-00005", "name": "Corner Grocery"}},
    {"id": "bar@merchants", "roles": ["merchant"],
     "merchant": {"mcc": "5813", "business_no": "220-81-00009", "name": "Night Bar"}}
  ],
  "tokens": [{"id": "KRW-BNK", "issuer": "issuer@bnk", "name": "BNK deposit token"}],
  "holidays": ["2026-01-01", "2026-03-02", "2026-05-05"],
  "programs": [{
    "id": "bpe-2026",
    "name": "Business promotion expenses 2026",
    "kind": "expense",
    "token": "KRW-BNK",
    "owner": "treasury@moef",
    "managers": ["budget@moef"],
    "valid_from": "2026-01-01T00:00:00+09:00",
    "valid_until": "2026-12-31T23:59:59+09:00",
    "budget_code": "203-01",
    "rules": [
      {"id": "R1", "rule": "deny_categories", "mcc": ["5813", "7273", "7995", "7996", "5933"]},
      {"id": "R2", "rule": "hours", "from": "06:00", "to": "23:00", "justifiable": true},
      {"id": "R3", "rule": "business_days", "justifiable": true},
      {"id": "R4", "rule": "max_per_payment", "amount": 3000000},
      {"id": "R5", "rule": "approval_from", "amount": 1000000, "role": "approver"}
    ]
  }],
  "validators": [{"name": "v1", "key": "KEY"}]
})";

// Every account of the genesis: the plain balances of the token are summed over them.
const std::vector<std::string> kAccounts = {
    "governor@bok",   "issuer@bnk",     "admin@moef",     "auditor@bai",   "treasury@moef",
    "treasury@mois",  "budget@moef",    "clerk@moef",     "kim@moef",      "lee@moef",
    "park@moef",      "chief@moef",     "approver@moef",  "approver@mois", "inspector@moef",
    "inspector@mois", "cafe@merchants", "shop@merchants", "bar@merchants"};

boost::json::value GenesisJson() {
  std::string text(kGenesis);
  text.replace(text.find("KEY"), 3, crypto::DeriveTestKey("v1").public_key().ToText());
  return core::ParseJsonText(text).value();
}

Genesis TestGenesis() {
  auto genesis =
      ParseGenesis(GenesisJson(), "genesis", GenesisOptions{.derive_missing_keys = true});
  EXPECT_TRUE(genesis.has_value()) << genesis.error().ToString();
  return *genesis;
}

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }
core::TokenId Token(std::string_view text) { return core::TokenId::Parse(text).value(); }
core::Amount Won(std::int64_t won) { return core::Amount::Won(won); }
core::TimeMillis Time(std::string_view text) { return core::ParseTime(text).value(); }

// A signature besides the signer's: `account` signing with the test key of `key_label`, its own
// unless the test forges one.
struct CoSignature {
  std::string account;
  std::string key_label;
};
CoSignature By(std::string account) { return CoSignature{account, account}; }

// A chain on a MemoryStore that executes one transaction per block at the time it is set to.
class Chain {
 public:
  explicit Chain(const Genesis& genesis) : genesis_(genesis), time_(genesis.start_time) {
    ledger_ = std::move(Ledger::Open(store_, genesis_).value());
  }
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;

  const State& state() const { return ledger_->state(); }
  const Ledger& ledger() const { return *ledger_; }
  core::TimeMillis time() const { return time_; }
  void set_time(core::TimeMillis time) { time_ = std::max(time, time_); }

  // Closes the ledger and opens it again from the store, as a restarted node does.
  void Reopen() {
    ledger_.reset();
    ledger_ = std::move(Ledger::Open(store_, genesis_).value());
  }

  core::SignedTransaction Sign(std::string_view signer, core::Body body,
                               const std::vector<CoSignature>& cosignatures = {}) {
    core::Transaction tx;
    tx.chain_id = "nuri-test";
    tx.signer = Id(signer);
    tx.nonce = next_nonce_++;
    tx.valid_until = time_ + core::kMillisPerHour;
    tx.body = std::move(body);
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(signer));
    for (const auto& cosignature : cosignatures) {
      core::AddSignature(tx, Id(cosignature.account), crypto::DeriveTestKey(cosignature.key_label));
    }
    return core::Seal(std::move(tx));
  }

  // Admits `tx` as a node would (its bytes decode strictly to the same transaction and every
  // signature verifies) and executes it alone in a block at the current time. A transaction
  // that did not enter the block comes back as a receipt with the admission code that kept it
  // out.
  core::Receipt Execute(const core::SignedTransaction& tx) {
    const auto decoded = core::DecodeTransaction(tx.bytes);
    if (!decoded || decoded->tx != tx.tx || decoded->id != tx.id) {
      return Refused(tx, ReasonCode::kMalformed,
                     decoded ? "decodes to another transaction" : decoded.error().ToString());
    }
    if (!SignaturesVerify(*decoded)) return Refused(tx, ReasonCode::kBadSignature, "");
    auto produced = ledger_->ProduceBlock(time_, std::span(&*decoded, 1), signer_);
    if (!produced) {
      return Refused(tx, ReasonCode::kMalformed, "no block: " + produced.error().ToString());
    }
    if (produced->receipts.empty()) {
      return Refused(tx, produced->dropped.at(0).second, "not in the block");
    }
    return produced->receipts.at(0);
  }

 private:
  static core::Receipt Refused(const core::SignedTransaction& tx, ReasonCode code,
                               std::string message) {
    return core::Receipt{tx.id, core::ReceiptStatus::kRejected, code, "",
                         "admission: " + std::move(message)};
  }

  const Genesis& genesis_;
  storage::MemoryStore store_;
  std::unique_ptr<Ledger> ledger_;
  ValidatorSigner signer_{"v1", crypto::DeriveTestKey("v1")};
  core::TimeMillis time_;
  std::uint64_t next_nonce_ = 1;
};

// Receipt checks that say what happened instead when they fail.
testing::AssertionResult Accepted(const core::Receipt& receipt) {
  if (receipt.status == core::ReceiptStatus::kOk && receipt.code == ReasonCode::kOk) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "rejected with " << core::ReasonName(receipt.code)
         << (receipt.rule.empty() ? "" : " by rule " + receipt.rule) << ": " << receipt.message;
}

testing::AssertionResult Rejected(const core::Receipt& receipt, ReasonCode code,
                                  std::string_view rule = "") {
  if (receipt.status != core::ReceiptStatus::kRejected) {
    return testing::AssertionFailure() << "accepted; expected " << core::ReasonName(code);
  }
  if (receipt.code != code || receipt.rule != rule) {
    return testing::AssertionFailure()
           << "rejected with " << core::ReasonName(receipt.code) << " rule '" << receipt.rule
           << "' (" << receipt.message << "); expected " << core::ReasonName(code) << " rule '"
           << rule << "'";
  }
  if (receipt.message.empty()) return testing::AssertionFailure() << "no message";
  return testing::AssertionSuccess();
}

testing::AssertionResult Mentions(const core::Receipt& receipt, std::string_view text) {
  if (receipt.message.find(text) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "the message '" << receipt.message << "' does not mention '" << text << "'";
}

// Bodies, with amounts in won.
core::Mint Minting(std::string_view to, std::int64_t won) {
  return core::Mint{Token("KRW-BNK"), Id(to), Won(won)};
}
core::FundProgram Funding(std::string program, std::int64_t won) {
  return core::FundProgram{std::move(program), Won(won)};
}
core::Grant Granting(std::string program, std::string_view to, std::int64_t won) {
  return core::Grant{std::move(program), Id(to), Won(won)};
}
// `won` nullopt reclaims all the holder has.
core::Reclaim Reclaiming(std::string program, std::string_view from,
                         std::optional<std::int64_t> won) {
  core::Reclaim body{std::move(program), Id(from), std::nullopt};
  if (won) body.amount = Won(*won);
  return body;
}
core::CloseProgram Closing(std::string program) { return core::CloseProgram{std::move(program)}; }
core::Pay Paying(std::string program, std::string_view to, std::int64_t won) {
  core::Pay pay;
  pay.program = std::move(program);
  pay.to = Id(to);
  pay.amount = Won(won);
  pay.purpose = "test";
  return pay;
}
core::Pay Justified(core::Pay pay, std::string justification) {
  pay.justification = std::move(justification);
  return pay;
}
core::Refund Refunding(const crypto::Hash& payment, std::int64_t won) {
  return core::Refund{payment, Won(won)};
}
core::Attest Attesting(std::string program, std::string_view holder, std::string milestone) {
  return core::Attest{std::move(program), Id(holder), std::move(milestone),
                      crypto::Sha256("inspection report " + std::string(holder))};
}
core::SetHolidays Holidays(int year, const std::vector<std::string_view>& dates) {
  core::SetHolidays body{year, {}};
  for (const auto date : dates) body.dates.push_back(core::ParseDate(date).value());
  return body;
}

std::vector<core::Rule> Rules(std::string_view json) {
  auto rules = core::RulesFromJson(core::ParseJsonText(json).value(), "rules");
  EXPECT_TRUE(rules.has_value()) << rules.error().front().ToString();
  return rules.value_or(std::vector<core::Rule>{});
}

// A program of treasury@moef in KRW-BNK, managed by budget@moef, with `rules` in JSON.
core::ProgramDefinition Program(std::string_view id, std::string_view rules,
                                std::string_view valid_from = "2026-01-01T00:00:00+09:00",
                                std::string_view valid_until = "2026-12-31T23:59:59+09:00",
                                std::string_view kind = "expense") {
  core::ProgramDefinition program;
  program.id = std::string(id);
  program.name = "Test program " + std::string(id);
  program.kind = core::ProgramKindFromName(kind).value();
  program.token = Token("KRW-BNK");
  program.owner = Id("treasury@moef");
  program.managers = {Id("budget@moef")};
  program.valid_from = Time(valid_from);
  program.valid_until = Time(valid_until);
  program.budget_code = "203-01";
  program.rules = Rules(rules);
  return program;
}

class ProgramLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    static const Genesis genesis = TestGenesis();
    chain_ = std::make_unique<Chain>(genesis);
  }

  // Moves the block time to `when` (RFC 3339); it never goes back.
  void At(std::string_view when) {
    ASSERT_GE(Time(when), chain_->time()) << when << " is before the last block";
    chain_->set_time(Time(when));
  }

  // Executes one transaction in a block of its own and checks the invariants after it.
  core::Receipt Run(std::string_view signer, core::Body body,
                    const std::vector<CoSignature>& cosignatures = {}) {
    const core::Receipt receipt =
        chain_->Execute(chain_->Sign(signer, std::move(body), cosignatures));
    const base::Status invariants = CheckInvariants(chain_->state());
    EXPECT_TRUE(invariants.ok()) << "after block " << chain_->ledger().head().height << ": "
                                 << invariants.ToString();
    return receipt;
  }

  // Mints `budget` won to treasury@moef, which funds program `id` with it, and grants each
  // holder its share, at the current block time.
  void Launch(const std::string& id, std::int64_t budget,
              const std::vector<std::pair<std::string, std::int64_t>>& grants) {
    EXPECT_TRUE(Accepted(Run("issuer@bnk", Minting("treasury@moef", budget))));
    EXPECT_TRUE(Accepted(Run("treasury@moef", Funding(id, budget))));
    for (const auto& [holder, won] : grants) {
      EXPECT_TRUE(Accepted(Run("budget@moef", Granting(id, holder, won))));
    }
  }
  // The same for a program that treasury@moef defines first.
  void Launch(const core::ProgramDefinition& program, std::int64_t budget,
              const std::vector<std::pair<std::string, std::int64_t>>& grants) {
    EXPECT_TRUE(Accepted(Run("treasury@moef", core::DefineProgram{program})));
    Launch(program.id, budget, grants);
  }

  const State& state() const { return chain_->state(); }
  std::int64_t Plain(std::string_view account) const {
    return ReadBalance(state(), account, "KRW-BNK").won();
  }
  HolderRecord Holder(std::string_view program, std::string_view holder) const {
    return ReadHolder(state(), program, holder).value_or(HolderRecord{});
  }
  std::int64_t Balance(std::string_view program, std::string_view holder) const {
    return Holder(program, holder).balance.won();
  }
  ProgramRecord Record(std::string_view program) const {
    return ReadProgram(state(), program).value();
  }

  std::unique_ptr<Chain> chain_;
};

// ---------------------------------------------------------------------------------------------
// define_program and amend_program

TEST_F(ProgramLedgerTest, GenesisProgramIsDefinedAsVersionOne) {
  const auto record = ReadProgram(state(), "bpe-2026");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->version, 1u);
  EXPECT_FALSE(record->closed);
  EXPECT_EQ(record->funded.won(), 0);
  const auto definition = ReadDefinition(state(), "bpe-2026", 1);
  ASSERT_NE(definition, nullptr);
  EXPECT_EQ(definition->budget_code, "203-01");
  EXPECT_EQ(definition->rules.size(), 5u);
  EXPECT_EQ(ReadDefinition(state(), "bpe-2026", 2), nullptr);
}

TEST_F(ProgramLedgerTest, DefineProgramIsForATreasuryOfTheOwnersOrganization) {
  const auto program = Program("def-2026", R"([{"id": "R1", "rule": "max_per_payment",
                                                "amount": 100000}])");
  EXPECT_TRUE(Rejected(Run("kim@moef", core::DefineProgram{program}), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(
      Rejected(Run("budget@moef", core::DefineProgram{program}), ReasonCode::kNotAuthorized));
  const core::Receipt other = Run("treasury@mois", core::DefineProgram{program});
  EXPECT_TRUE(Rejected(other, ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Mentions(other, "moef"));
  EXPECT_FALSE(ReadProgram(state(), "def-2026").has_value());

  const core::Receipt defined = Run("treasury@moef", core::DefineProgram{program});
  EXPECT_TRUE(Accepted(defined));
  EXPECT_EQ(defined.program, "def-2026");
  EXPECT_EQ(defined.program_version, 1u);
  EXPECT_EQ(defined.budget_code, "203-01");
  EXPECT_EQ(Record("def-2026"), ProgramRecord{});
  ASSERT_NE(ReadDefinition(state(), "def-2026", 1), nullptr);
  EXPECT_EQ(*ReadDefinition(state(), "def-2026", 1), program);

  const core::Receipt again = Run("treasury@moef", core::DefineProgram{program});
  EXPECT_TRUE(Rejected(again, ReasonCode::kAlreadyExists));
  EXPECT_TRUE(Mentions(again, "def-2026"));
}

TEST_F(ProgramLedgerTest, DefineProgramRefusesAContradictionWithItsPath) {
  const auto duplicate = Program("dup-2026", R"([
      {"id": "R1", "rule": "max_per_payment", "amount": 100000},
      {"id": "R1", "rule": "max_per_day", "amount": 200000}])");
  const core::Receipt twice = Run("treasury@moef", core::DefineProgram{duplicate});
  EXPECT_TRUE(Rejected(twice, ReasonCode::kInvalidArgument));
  EXPECT_TRUE(Mentions(twice, "rules[1].id"));

  const auto backwards = Program("hours-2026", R"([
      {"id": "H1", "rule": "hours", "from": "23:00", "to": "06:00"}])");
  const core::Receipt hours = Run("treasury@moef", core::DefineProgram{backwards});
  EXPECT_TRUE(Rejected(hours, ReasonCode::kInvalidArgument));
  EXPECT_TRUE(Mentions(hours, "rules[0].from"));

  const auto empty_window = Program("empty-2026", R"([
      {"id": "H1", "rule": "hours", "from": "09:00", "to": "09:00"}])");
  EXPECT_TRUE(Rejected(Run("treasury@moef", core::DefineProgram{empty_window}),
                       ReasonCode::kInvalidArgument));

  auto reversed = Program("period-2026", "[]");
  reversed.valid_until = reversed.valid_from;
  const core::Receipt period = Run("treasury@moef", core::DefineProgram{reversed});
  EXPECT_TRUE(Rejected(period, ReasonCode::kInvalidArgument));
  EXPECT_TRUE(Mentions(period, "valid_until"));
  for (const char* id : {"dup-2026", "hours-2026", "empty-2026", "period-2026"}) {
    EXPECT_FALSE(ReadProgram(state(), id).has_value()) << id;
  }
}

TEST_F(ProgramLedgerTest, DefineProgramRefusesUnknownAccountsAndTokens) {
  const auto ghost_merchant = Program("ghost-2026", R"([
      {"id": "M1", "rule": "allow_merchants",
       "merchants": ["cafe@merchants", "ghost@merchants"]}])");
  const core::Receipt ghost = Run("treasury@moef", core::DefineProgram{ghost_merchant});
  EXPECT_TRUE(Rejected(ghost, ReasonCode::kUnknownAccount));
  EXPECT_TRUE(Mentions(ghost, "rules[0].merchants[1]"));
  EXPECT_TRUE(Mentions(ghost, "ghost@merchants"));

  const auto not_a_merchant = Program("holder-2026", R"([
      {"id": "M1", "rule": "allow_merchants", "merchants": ["kim@moef"]}])");
  const core::Receipt holder = Run("treasury@moef", core::DefineProgram{not_a_merchant});
  EXPECT_TRUE(Rejected(holder, ReasonCode::kInvalidArgument));
  EXPECT_TRUE(Mentions(holder, "rules[0].merchants[0]"));

  auto unknown_token = Program("token-2026", "[]");
  unknown_token.token = Token("KRW-XYZ");
  const core::Receipt token = Run("treasury@moef", core::DefineProgram{unknown_token});
  EXPECT_TRUE(Rejected(token, ReasonCode::kUnknownToken));
  EXPECT_TRUE(Mentions(token, "KRW-XYZ"));

  auto unknown_manager = Program("manager-2026", "[]");
  unknown_manager.managers = {Id("budget@moef"), Id("nobody@moef")};
  const core::Receipt manager = Run("treasury@moef", core::DefineProgram{unknown_manager});
  EXPECT_TRUE(Rejected(manager, ReasonCode::kUnknownAccount));
  EXPECT_TRUE(Mentions(manager, "managers[1]"));
  for (const char* id : {"ghost-2026", "holder-2026", "token-2026", "manager-2026"}) {
    EXPECT_FALSE(ReadProgram(state(), id).has_value()) << id;
  }
}

TEST_F(ProgramLedgerTest, AmendmentIsANewVersionAndEarlierReceiptsKeepTheirs) {
  At("2026-03-03T10:00:00+09:00");
  Launch(Program("amend-2026", R"([{"id": "R1", "rule": "max_per_payment", "amount": 100000}])"),
         1000000, {{"kim@moef", 500000}});
  const core::Receipt before = Run("kim@moef", Paying("amend-2026", "shop@merchants", 50000));
  EXPECT_TRUE(Accepted(before));
  EXPECT_EQ(before.program_version, 1u);
  const std::uint64_t before_height = chain_->ledger().head().height;

  At("2026-03-04T10:00:00+09:00");
  const core::Receipt amended = Run("treasury@moef", core::AmendProgram{"amend-2026", Rules(R"([
      {"id": "R1", "rule": "max_per_payment", "amount": 30000},
      {"id": "R2", "rule": "allow_merchants", "merchants": ["cafe@merchants"]}])")});
  EXPECT_TRUE(Accepted(amended));
  EXPECT_EQ(amended.program_version, 2u);
  EXPECT_EQ(Record("amend-2026").version, 2u);

  const core::Receipt too_much = Run("kim@moef", Paying("amend-2026", "cafe@merchants", 50000));
  EXPECT_TRUE(Rejected(too_much, ReasonCode::kPaymentLimitExceeded, "R1"));
  EXPECT_EQ(too_much.program_version, 2u);
  const core::Receipt elsewhere = Run("kim@moef", Paying("amend-2026", "shop@merchants", 30000));
  EXPECT_TRUE(Rejected(elsewhere, ReasonCode::kMerchantNotAllowed, "R2"));
  EXPECT_EQ(elsewhere.program_version, 2u);
  const core::Receipt after = Run("kim@moef", Paying("amend-2026", "cafe@merchants", 30000));
  EXPECT_TRUE(Accepted(after));
  EXPECT_EQ(after.program_version, 2u);

  // The stored receipt of the earlier payment still names version 1, and both versions read.
  const auto stored = chain_->ledger().ReadReceipts(before_height).value();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].tx_id, before.tx_id);
  EXPECT_EQ(stored[0].program_version, 1u);
  const auto first = ReadDefinition(state(), "amend-2026", 1);
  const auto second = ReadDefinition(state(), "amend-2026", 2);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(first->rules.size(), 1u);
  EXPECT_EQ(first->rules[0].amount.won(), 100000);
  ASSERT_EQ(second->rules.size(), 2u);
  EXPECT_EQ(second->rules[0].amount.won(), 30000);
  EXPECT_EQ(second->valid_until, first->valid_until);
  EXPECT_EQ(Balance("amend-2026", "kim@moef"), 420000);
}

TEST_F(ProgramLedgerTest, AmendmentRefusals) {
  EXPECT_TRUE(Accepted(Run("treasury@moef", core::DefineProgram{Program("amend-2026", "[]")})));
  const auto valid = Rules(R"([{"id": "R1", "rule": "max_per_payment", "amount": 30000}])");
  EXPECT_TRUE(Rejected(Run("kim@moef", core::AmendProgram{"amend-2026", valid}),
                       ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("treasury@mois", core::AmendProgram{"amend-2026", valid}),
                       ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("treasury@moef", core::AmendProgram{"no-such-2026", valid}),
                       ReasonCode::kUnknownProgram));
  const core::Receipt duplicate = Run("treasury@moef", core::AmendProgram{"amend-2026", Rules(R"([
      {"id": "R1", "rule": "max_per_payment", "amount": 30000},
      {"id": "R1", "rule": "max_per_day", "amount": 30000}])")});
  EXPECT_TRUE(Rejected(duplicate, ReasonCode::kInvalidArgument));
  EXPECT_TRUE(Mentions(duplicate, "rules[1].id"));
  const core::Receipt ghost = Run("treasury@moef", core::AmendProgram{"amend-2026", Rules(R"([
      {"id": "M1", "rule": "allow_merchants", "merchants": ["ghost@merchants"]}])")});
  EXPECT_TRUE(Rejected(ghost, ReasonCode::kUnknownAccount));
  EXPECT_TRUE(Mentions(ghost, "rules[0].merchants[0]"));
  EXPECT_EQ(Record("amend-2026").version, 1u);
  EXPECT_EQ(ReadDefinition(state(), "amend-2026", 2), nullptr);
}

// ---------------------------------------------------------------------------------------------
// fund_program, grant, reclaim, close_program

TEST_F(ProgramLedgerTest, OnlyTheOwnerFundsAndOnlyWithWhatItHolds) {
  const std::string id = "fund-2026";
  EXPECT_TRUE(Accepted(
      Run("treasury@moef", core::DefineProgram{Program(id, "[]", "2026-01-01T00:00:00+09:00",
                                                       "2026-06-30T23:59:59+09:00")})));
  EXPECT_TRUE(Accepted(Run("issuer@bnk", Minting("treasury@moef", 1500000))));
  EXPECT_TRUE(Accepted(Run("issuer@bnk", Minting("kim@moef", 1500000))));

  EXPECT_TRUE(Rejected(Run("kim@moef", Funding(id, 1000)), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("treasury@mois", Funding(id, 1000)), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(
      Rejected(Run("treasury@moef", Funding("no-such-2026", 1000)), ReasonCode::kUnknownProgram));
  EXPECT_TRUE(Rejected(Run("treasury@moef", Funding(id, 0)), ReasonCode::kInvalidAmount));
  EXPECT_TRUE(Accepted(Run("treasury@moef", Funding(id, 1000000))));
  EXPECT_EQ(Plain("treasury@moef"), 500000);
  EXPECT_EQ(Record(id).funded.won(), 1000000);
  EXPECT_EQ(Record(id).unallocated.won(), 1000000);

  const core::Receipt short_of = Run("treasury@moef", Funding(id, 500001));
  EXPECT_TRUE(Rejected(short_of, ReasonCode::kInsufficientFunds));
  EXPECT_EQ(short_of.program, id);
  EXPECT_TRUE(Accepted(Run("treasury@moef", Funding(id, 500000))));
  EXPECT_EQ(Plain("treasury@moef"), 0);
  EXPECT_EQ(Record(id).funded.won(), 1500000);

  EXPECT_TRUE(Accepted(Run("issuer@bnk", Minting("treasury@moef", 1000))));
  At("2026-06-30T23:59:59+09:00");
  EXPECT_TRUE(Accepted(Run("treasury@moef", Funding(id, 1))));
  At("2026-07-01T00:00:00+09:00");
  EXPECT_TRUE(Rejected(Run("treasury@moef", Funding(id, 1)), ReasonCode::kProgramNotActive));
  EXPECT_EQ(Plain("treasury@moef"), 999);
  EXPECT_EQ(Record(id).funded.won(), 1500001);
}

TEST_F(ProgramLedgerTest, OnlyAListedManagerGrantsWhatIsUnallocatedToAHolder) {
  const std::string id = "grant-2026";
  Launch(Program(id, "[]"), 500000, {});
  EXPECT_TRUE(
      Rejected(Run("clerk@moef", Granting(id, "kim@moef", 1000)), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(
      Rejected(Run("treasury@moef", Granting(id, "kim@moef", 1000)), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Granting(id, "kim@moef", 1000)), ReasonCode::kNotAuthorized));

  EXPECT_TRUE(Accepted(Run("budget@moef", Granting(id, "kim@moef", 300000))));
  EXPECT_EQ(Balance(id, "kim@moef"), 300000);
  EXPECT_EQ(Holder(id, "kim@moef").granted.won(), 300000);
  EXPECT_EQ(Record(id).unallocated.won(), 200000);
  EXPECT_EQ(Record(id).granted.won(), 300000);

  const core::Receipt beyond = Run("budget@moef", Granting(id, "lee@moef", 200001));
  EXPECT_TRUE(Rejected(beyond, ReasonCode::kInsufficientFunds));
  EXPECT_TRUE(Mentions(beyond, "200,000"));
  EXPECT_TRUE(Rejected(Run("budget@moef", Granting(id, "approver@moef", 1000)),
                       ReasonCode::kInvalidArgument));
  EXPECT_TRUE(Rejected(Run("budget@moef", Granting(id, "cafe@merchants", 1000)),
                       ReasonCode::kInvalidArgument));
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Granting(id, "ghost@moef", 1000)), ReasonCode::kUnknownAccount));
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Granting(id, "lee@moef", 0)), ReasonCode::kInvalidAmount));
  EXPECT_TRUE(Accepted(Run("admin@moef", core::Freeze{Id("park@moef")})));
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Granting(id, "park@moef", 1000)), ReasonCode::kAccountFrozen));
  EXPECT_EQ(Balance(id, "park@moef"), 0);

  EXPECT_TRUE(Accepted(Run("budget@moef", Granting(id, "lee@moef", 200000))));
  EXPECT_EQ(Record(id).unallocated.won(), 0);
  EXPECT_EQ(Balance(id, "lee@moef"), 200000);
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Granting(id, "lee@moef", 1)), ReasonCode::kInsufficientFunds));
}

TEST_F(ProgramLedgerTest, ReclaimTakesAnAmountOrAllBackToUnallocated) {
  const std::string id = "reclaim-2026";
  Launch(Program(id, "[]"), 1000000, {{"kim@moef", 300000}, {"lee@moef", 100000}});
  EXPECT_TRUE(
      Rejected(Run("clerk@moef", Reclaiming(id, "kim@moef", 1000)), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("treasury@moef", Reclaiming(id, "kim@moef", std::nullopt)),
                       ReasonCode::kNotAuthorized));

  EXPECT_TRUE(Accepted(Run("budget@moef", Reclaiming(id, "kim@moef", 100000))));
  EXPECT_EQ(Balance(id, "kim@moef"), 200000);
  EXPECT_EQ(Holder(id, "kim@moef").granted.won(), 200000);
  EXPECT_EQ(Record(id).unallocated.won(), 700000);
  EXPECT_EQ(Record(id).reclaimed.won(), 100000);

  const core::Receipt beyond = Run("budget@moef", Reclaiming(id, "kim@moef", 200001));
  EXPECT_TRUE(Rejected(beyond, ReasonCode::kInsufficientFunds));
  EXPECT_TRUE(Mentions(beyond, "200,000"));
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Reclaiming(id, "kim@moef", 0)), ReasonCode::kInvalidAmount));
  EXPECT_EQ(Balance(id, "kim@moef"), 200000);

  EXPECT_TRUE(Accepted(Run("budget@moef", Reclaiming(id, "kim@moef", std::nullopt))));
  EXPECT_EQ(Balance(id, "kim@moef"), 0);
  EXPECT_EQ(Record(id).unallocated.won(), 900000);
  EXPECT_EQ(Record(id).reclaimed.won(), 300000);
  EXPECT_EQ(Balance(id, "lee@moef"), 100000);
  // Nothing left: reclaiming all again moves nothing; an amount is too much.
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Reclaiming(id, "kim@moef", 1)), ReasonCode::kInsufficientFunds));
  EXPECT_TRUE(Accepted(Run("budget@moef", Reclaiming(id, "kim@moef", std::nullopt))));
  EXPECT_EQ(Record(id).unallocated.won(), 900000);
  // An account that does not exist is named as such, even for "all".
  EXPECT_TRUE(Rejected(Run("budget@moef", Reclaiming(id, "ghost@moef", std::nullopt)),
                       ReasonCode::kUnknownAccount));
}

TEST_F(ProgramLedgerTest, CloseReturnsAllEscrowToTheOwnerAfterValidUntil) {
  const std::string id = "close-2026";
  At("2026-03-03T10:00:00+09:00");
  Launch(Program(id, "[]", "2026-01-01T00:00:00+09:00", "2026-03-31T23:59:59+09:00"), 1000000,
         {{"kim@moef", 300000}, {"lee@moef", 200000}});
  const core::Receipt payment = Run("kim@moef", Paying(id, "cafe@merchants", 100000));
  EXPECT_TRUE(Accepted(payment));
  const std::int64_t treasury_before = Plain("treasury@moef");

  At("2026-03-31T23:59:59+09:00");
  const core::Receipt early = Run("treasury@moef", Closing(id));
  EXPECT_TRUE(Rejected(early, ReasonCode::kProgramStillActive));
  EXPECT_TRUE(Mentions(early, "2026-03-31T23:59:59+09:00"));
  // valid_until itself is still in the program's period.
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 10000))));

  At("2026-04-01T00:00:00+09:00");
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 10000)),
                       ReasonCode::kProgramNotActive));
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Granting(id, "lee@moef", 1000)), ReasonCode::kProgramNotActive));
  EXPECT_TRUE(Rejected(Run("budget@moef", Closing(id)), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("treasury@mois", Closing(id)), ReasonCode::kNotAuthorized));
  const core::Receipt closed = Run("treasury@moef", Closing(id));
  EXPECT_TRUE(Accepted(closed));
  EXPECT_EQ(closed.program, id);

  // 500,000 unallocated, 190,000 of kim and 200,000 of lee.
  EXPECT_EQ(Plain("treasury@moef"), treasury_before + 890000);
  const ProgramRecord record = Record(id);
  EXPECT_TRUE(record.closed);
  EXPECT_EQ(record.returned.won(), 890000);
  EXPECT_EQ(record.unallocated.won(), 0);
  EXPECT_EQ(record.spent.won(), 110000);
  EXPECT_EQ(record.Escrow().value().won(), 0);
  EXPECT_EQ(Balance(id, "kim@moef"), 0);
  EXPECT_EQ(Balance(id, "lee@moef"), 0);
  EXPECT_EQ(Plain("cafe@merchants"), 110000);

  EXPECT_TRUE(
      Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 1)), ReasonCode::kProgramNotActive));
  EXPECT_TRUE(Rejected(Run("treasury@moef", Closing(id)), ReasonCode::kProgramNotActive));
  EXPECT_TRUE(Rejected(Run("treasury@moef", Funding(id, 1)), ReasonCode::kProgramNotActive));
  EXPECT_TRUE(
      Rejected(Run("treasury@moef", core::AmendProgram{id, {}}), ReasonCode::kProgramNotActive));
  EXPECT_EQ(Record(id).version, 1u);
  EXPECT_TRUE(Rejected(Run("budget@moef", Reclaiming(id, "kim@moef", std::nullopt)),
                       ReasonCode::kProgramNotActive));
  EXPECT_TRUE(Rejected(Run("cafe@merchants", Refunding(payment.tx_id, 1000)),
                       ReasonCode::kProgramNotActive));
  EXPECT_EQ(Plain("cafe@merchants"), 110000);
}

// ---------------------------------------------------------------------------------------------
// pay

TEST_F(ProgramLedgerTest, PaymentMovesProgramMoneyToTheMerchantAsPlainTokens) {
  At("2026-03-03T10:00:00+09:00");
  Launch("bpe-2026", 2000000, {{"kim@moef", 500000}});
  const core::Receipt paid = Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 120000));
  EXPECT_TRUE(Accepted(paid));
  EXPECT_EQ(paid.program, "bpe-2026");
  EXPECT_EQ(paid.program_version, 1u);
  EXPECT_EQ(paid.budget_code, "203-01");
  EXPECT_TRUE(paid.justified.empty());
  EXPECT_TRUE(paid.message.empty());
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 380000);
  EXPECT_EQ(Holder("bpe-2026", "kim@moef").paid.won(), 120000);
  EXPECT_EQ(Plain("cafe@merchants"), 120000);
  EXPECT_EQ(Plain("kim@moef"), 0);
  EXPECT_EQ(Record("bpe-2026").spent.won(), 120000);
  // The merchant's tokens are plain money: it may transfer them.
  EXPECT_TRUE(Accepted(Run("cafe@merchants", core::Transfer{Token("KRW-BNK"), Id("shop@merchants"),
                                                            Won(20000), "", "supplies"})));
  EXPECT_EQ(Plain("shop@merchants"), 20000);
}

TEST_F(ProgramLedgerTest, PaymentRefusalsComeInTheSpecifiedOrder) {
  const std::string id = "pay-2026";
  At("2026-02-20T10:00:00+09:00");
  Launch(Program(id, R"([{"id": "R1", "rule": "max_per_payment", "amount": 100000}])",
                 "2026-03-01T00:00:00+09:00", "2026-03-31T23:59:59+09:00"),
         1000000, {{"kim@moef", 50000}});
  // Before valid_from, but the merchant is judged first.
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "lee@moef", 10000)), ReasonCode::kNotAMerchant));
  const core::Receipt early = Run("kim@moef", Paying(id, "cafe@merchants", 10000));
  EXPECT_TRUE(Rejected(early, ReasonCode::kProgramNotActive));
  EXPECT_TRUE(Mentions(early, "2026-03-01T00:00:00+09:00"));
  EXPECT_EQ(early.program, id);
  EXPECT_EQ(early.program_version, 1u);

  At("2026-03-01T00:00:00+09:00");
  EXPECT_TRUE(Rejected(Run("approver@moef", Paying(id, "cafe@merchants", 10000)),
                       ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("budget@moef", Paying(id, "cafe@merchants", 10000)),
                       ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying("no-such-2026", "cafe@merchants", 10000)),
                       ReasonCode::kUnknownProgram));
  // A holder can't pay itself: program money would become its own plain tokens.
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "kim@moef", 10000)),
                       ReasonCode::kTransferNotAllowed));
  // The signer is judged before what it names.
  EXPECT_TRUE(Rejected(Run("budget@moef", Paying("no-such-2026", "cafe@merchants", 10000)),
                       ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "lee@moef", 10000)), ReasonCode::kNotAMerchant));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Paying(id, "ghost@merchants", 10000)), ReasonCode::kNotAMerchant));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 0)), ReasonCode::kInvalidAmount));
  // A rule refuses before the balance is looked at; the balance is the last check.
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 100001)),
                       ReasonCode::kPaymentLimitExceeded, "R1"));
  const core::Receipt short_of = Run("kim@moef", Paying(id, "cafe@merchants", 50001));
  EXPECT_TRUE(Rejected(short_of, ReasonCode::kInsufficientFunds));
  EXPECT_TRUE(Mentions(short_of, "50,000"));
  EXPECT_EQ(Plain("cafe@merchants"), 0);
  EXPECT_EQ(Balance(id, "kim@moef"), 50000);
  EXPECT_EQ(Record(id).spent.won(), 0);

  // A merchant whose merchant role was taken away is no longer one.
  EXPECT_TRUE(Accepted(Run("governor@bok", core::SetRoles{Id("bar@merchants"), {}})));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Paying(id, "bar@merchants", 10000)), ReasonCode::kNotAMerchant));
  EXPECT_TRUE(Accepted(Run("auditor@bai", core::Freeze{Id("cafe@merchants")})));
  const core::Receipt frozen = Run("kim@moef", Paying(id, "cafe@merchants", 10000));
  EXPECT_TRUE(Rejected(frozen, ReasonCode::kNotAMerchant));
  EXPECT_TRUE(Mentions(frozen, "frozen"));
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "shop@merchants", 10000))));
  EXPECT_TRUE(Accepted(Run("auditor@bai", core::Freeze{Id("kim@moef")})));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Paying(id, "shop@merchants", 10000)), ReasonCode::kAccountFrozen));
  EXPECT_EQ(Balance(id, "kim@moef"), 40000);
  EXPECT_EQ(Plain("shop@merchants"), 10000);
}

TEST_F(ProgramLedgerTest, JustifiedPassesAreRecordedOnTheReceipt) {
  Launch("bpe-2026", 2000000, {{"kim@moef", 1000000}});
  At("2026-03-03T23:30:00+09:00");  // a Tuesday, after hours
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 30000)),
                       ReasonCode::kOutsideHours, "R2"));
  const core::Receipt late = Run(
      "kim@moef", Justified(Paying("bpe-2026", "cafe@merchants", 30000), "client dinner ran late"));
  EXPECT_TRUE(Accepted(late));
  EXPECT_EQ(late.justified, std::vector<std::string>{"R2"});

  At("2026-03-07T23:30:00+09:00");  // a Saturday, after hours
  const core::Receipt weekend = Run(
      "kim@moef", Justified(Paying("bpe-2026", "cafe@merchants", 30000), "visiting delegation"));
  EXPECT_TRUE(Accepted(weekend));
  EXPECT_EQ(weekend.justified, (std::vector<std::string>{"R2", "R3"}));
  // A category that is denied without justification stays denied with one.
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Justified(Paying("bpe-2026", "bar@merchants", 30000), "team night")),
               ReasonCode::kMerchantCategoryDenied, "R1"));
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 940000);
}

TEST_F(ProgramLedgerTest, TransferNamingAProgramIsNotAllowed) {
  At("2026-03-03T10:00:00+09:00");
  Launch("bpe-2026", 1000000, {{"kim@moef", 500000}});
  EXPECT_TRUE(Accepted(Run("issuer@bnk", Minting("kim@moef", 1000))));
  const core::Receipt bound = Run(
      "kim@moef", core::Transfer{Token("KRW-BNK"), Id("lee@moef"), Won(500), "bpe-2026", "lunch"});
  EXPECT_TRUE(Rejected(bound, ReasonCode::kTransferNotAllowed));
  EXPECT_TRUE(Mentions(bound, "bpe-2026"));
  EXPECT_EQ(Plain("kim@moef"), 1000);
  EXPECT_EQ(Plain("lee@moef"), 0);
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 500000);
  EXPECT_EQ(Balance("bpe-2026", "lee@moef"), 0);
}

// ---------------------------------------------------------------------------------------------
// refund

TEST_F(ProgramLedgerTest, RefundReturnsUpToTheUnrefundedRemainder) {
  const std::string id = "refund-2026";
  At("2026-03-03T10:00:00+09:00");
  Launch(Program(id, "[]"), 1000000, {{"kim@moef", 200000}});
  const core::Receipt payment = Run("kim@moef", Paying(id, "cafe@merchants", 50000));
  ASSERT_TRUE(Accepted(payment));

  const core::Receipt stranger = Run("shop@merchants", Refunding(payment.tx_id, 10000));
  EXPECT_TRUE(Rejected(stranger, ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Mentions(stranger, "cafe@merchants"));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Refunding(payment.tx_id, 10000)), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(
      Rejected(Run("cafe@merchants", Refunding(payment.tx_id, 0)), ReasonCode::kInvalidAmount));

  const core::Receipt partial = Run("cafe@merchants", Refunding(payment.tx_id, 10000));
  EXPECT_TRUE(Accepted(partial));
  EXPECT_EQ(partial.program, id);
  EXPECT_EQ(Balance(id, "kim@moef"), 160000);
  EXPECT_EQ(Holder(id, "kim@moef").paid.won(), 40000);
  EXPECT_EQ(Plain("cafe@merchants"), 40000);
  EXPECT_EQ(Record(id).refunded.won(), 10000);

  const core::Receipt beyond = Run("cafe@merchants", Refunding(payment.tx_id, 40001));
  EXPECT_TRUE(Rejected(beyond, ReasonCode::kRefundExceedsPayment));
  EXPECT_TRUE(Mentions(beyond, "40,000"));
  EXPECT_TRUE(Accepted(Run("cafe@merchants", Refunding(payment.tx_id, 40000))));
  EXPECT_TRUE(Rejected(Run("cafe@merchants", Refunding(payment.tx_id, 1)),
                       ReasonCode::kRefundExceedsPayment));
  EXPECT_EQ(Balance(id, "kim@moef"), 200000);
  EXPECT_EQ(Holder(id, "kim@moef").paid.won(), 0);
  EXPECT_EQ(Plain("cafe@merchants"), 0);
  const ProgramRecord record = Record(id);
  EXPECT_EQ(record.spent.won(), 50000);
  EXPECT_EQ(record.refunded.won(), 50000);
}

TEST_F(ProgramLedgerTest, RefundOfNoAcceptedPaymentIsAnInvalidArgument) {
  const std::string id = "refund-2026";
  At("2026-03-03T10:00:00+09:00");
  Launch(Program(id, "[]"), 1000000, {{"kim@moef", 200000}});
  const core::Receipt unknown = Run("cafe@merchants", Refunding(crypto::Sha256("no payment"), 1));
  EXPECT_TRUE(Rejected(unknown, ReasonCode::kInvalidArgument));
  // A rejected payment is on the chain but paid nothing: there is nothing to refund.
  const core::Receipt refused = Run("kim@moef", Paying(id, "cafe@merchants", 300000));
  EXPECT_TRUE(Rejected(refused, ReasonCode::kInsufficientFunds));
  EXPECT_TRUE(Accepted(Run("issuer@bnk", Minting("cafe@merchants", 1000))));
  EXPECT_TRUE(Rejected(Run("cafe@merchants", Refunding(refused.tx_id, 1000)),
                       ReasonCode::kInvalidArgument));
  // Nor is a transaction of another body a payment.
  const core::Receipt grant = Run("budget@moef", Granting(id, "lee@moef", 1000));
  EXPECT_TRUE(Accepted(grant));
  EXPECT_TRUE(
      Rejected(Run("cafe@merchants", Refunding(grant.tx_id, 1)), ReasonCode::kInvalidArgument));
  EXPECT_EQ(Plain("cafe@merchants"), 1000);
  EXPECT_EQ(Balance(id, "kim@moef"), 200000);
}

TEST_F(ProgramLedgerTest, RefundNeedsTheMerchantsMoneyAndAnUnfrozenPayer) {
  const std::string id = "refund-2026";
  At("2026-03-03T10:00:00+09:00");
  Launch(Program(id, "[]"), 1000000, {{"kim@moef", 200000}});
  const core::Receipt payment = Run("kim@moef", Paying(id, "cafe@merchants", 50000));
  ASSERT_TRUE(Accepted(payment));
  EXPECT_TRUE(Accepted(Run("cafe@merchants", core::Burn{Token("KRW-BNK"), Won(45000)})));
  EXPECT_TRUE(Rejected(Run("cafe@merchants", Refunding(payment.tx_id, 5001)),
                       ReasonCode::kInsufficientFunds));
  EXPECT_TRUE(Accepted(Run("auditor@bai", core::Freeze{Id("kim@moef")})));
  EXPECT_TRUE(
      Rejected(Run("cafe@merchants", Refunding(payment.tx_id, 5000)), ReasonCode::kAccountFrozen));
  EXPECT_TRUE(Accepted(Run("auditor@bai", core::Unfreeze{Id("kim@moef")})));
  EXPECT_TRUE(Accepted(Run("cafe@merchants", Refunding(payment.tx_id, 5000))));
  EXPECT_EQ(Plain("cafe@merchants"), 0);
  EXPECT_EQ(Balance(id, "kim@moef"), 155000);
}

// ---------------------------------------------------------------------------------------------
// attest and tranches

TEST_F(ProgramLedgerTest, TranchesUnlockWithAttestedMilestonesAndCountNetPayments) {
  const std::string id = "sub-2026";
  At("2026-03-03T10:00:00+09:00");
  Launch(Program(id, R"([{"id": "T1", "rule": "tranches",
                          "tranches": [{"percent": 40}, {"percent": 60, "milestone": "built"}]}])",
                 "2026-01-01T00:00:00+09:00", "2026-12-31T23:59:59+09:00", "subsidy"),
         1100000, {{"kim@moef", 1000000}, {"lee@moef", 100000}});
  const core::Receipt first = Run("kim@moef", Paying(id, "shop@merchants", 400000));
  EXPECT_TRUE(Accepted(first));
  const core::Receipt locked = Run("kim@moef", Paying(id, "shop@merchants", 1));
  EXPECT_TRUE(Rejected(locked, ReasonCode::kTrancheLocked, "T1"));
  EXPECT_TRUE(Mentions(locked, "built"));
  // A refund lowers the net paid total, and the room comes back.
  EXPECT_TRUE(Accepted(Run("shop@merchants", Refunding(first.tx_id, 100000))));
  EXPECT_EQ(Holder(id, "kim@moef").paid.won(), 300000);
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "shop@merchants", 100000))));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", Paying(id, "shop@merchants", 1)), ReasonCode::kTrancheLocked, "T1"));

  EXPECT_TRUE(
      Rejected(Run("kim@moef", Attesting(id, "kim@moef", "built")), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("inspector@mois", Attesting(id, "kim@moef", "built")),
                       ReasonCode::kNotAuthorized));
  const core::Receipt unknown = Run("inspector@moef", Attesting(id, "kim@moef", "roofed"));
  EXPECT_TRUE(Rejected(unknown, ReasonCode::kInvalidArgument));
  EXPECT_TRUE(Mentions(unknown, "roofed"));
  EXPECT_TRUE(Rejected(Run("inspector@moef", Attesting(id, "ghost@moef", "built")),
                       ReasonCode::kUnknownAccount));
  EXPECT_TRUE(Rejected(Run("inspector@moef", Attesting("no-such-2026", "kim@moef", "built")),
                       ReasonCode::kUnknownProgram));
  const core::Receipt attested = Run("inspector@moef", Attesting(id, "kim@moef", "built"));
  EXPECT_TRUE(Accepted(attested));
  EXPECT_EQ(attested.program, id);
  EXPECT_TRUE(Rejected(Run("inspector@moef", Attesting(id, "kim@moef", "built")),
                       ReasonCode::kAlreadyExists));

  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "shop@merchants", 600000))));
  EXPECT_EQ(Holder(id, "kim@moef").paid.won(), 1000000);
  EXPECT_EQ(Balance(id, "kim@moef"), 0);
  // The milestone was attested for kim only.
  EXPECT_TRUE(Accepted(Run("lee@moef", Paying(id, "shop@merchants", 40000))));
  EXPECT_TRUE(
      Rejected(Run("lee@moef", Paying(id, "shop@merchants", 1)), ReasonCode::kTrancheLocked, "T1"));
}

// ---------------------------------------------------------------------------------------------
// set_holidays and business days

TEST_F(ProgramLedgerTest, HolidayCalendarDecidesBusinessDays) {
  Launch("bpe-2026", 1000000, {{"kim@moef", 500000}});
  At("2026-05-05T10:00:00+09:00");  // a Tuesday, Children's Day in the genesis calendar
  const core::Receipt holiday = Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 10000));
  EXPECT_TRUE(Rejected(holiday, ReasonCode::kNonBusinessDay, "R3"));
  EXPECT_TRUE(Mentions(holiday, "2026-05-05"));

  EXPECT_TRUE(
      Rejected(Run("kim@moef", Holidays(2026, {"2026-01-01"})), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(
      Rejected(Run("budget@moef", Holidays(2026, {"2026-01-01"})), ReasonCode::kNotAuthorized));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 10000)),
                       ReasonCode::kNonBusinessDay, "R3"));

  // Replacing the year's list removes the holiday.
  EXPECT_TRUE(Accepted(Run("treasury@moef", Holidays(2026, {"2026-01-01", "2026-03-02"}))));
  const core::Receipt working = Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 10000));
  EXPECT_TRUE(Accepted(working));
  EXPECT_TRUE(working.justified.empty());

  // A governor may set it too; another year's list leaves this one alone.
  EXPECT_TRUE(Accepted(Run("governor@bok", Holidays(2026, {"2026-01-01", "2026-05-06"}))));
  EXPECT_TRUE(Accepted(Run("governor@bok", Holidays(2027, {"2027-01-01"}))));
  At("2026-05-06T10:00:00+09:00");
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 10000)),
                       ReasonCode::kNonBusinessDay, "R3"));
  At("2026-05-07T10:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 10000))));
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 480000);
}

// ---------------------------------------------------------------------------------------------
// Limits kept incrementally: local days and months, refunds in the period of their payment

TEST_F(ProgramLedgerTest, DailyLimitResetsAtLocalMidnightNotAtUtcMidnight) {
  const std::string id = "day-2026";
  At("2026-03-03T10:00:00+09:00");
  Launch(Program(id, R"([{"id": "D1", "rule": "max_per_day", "amount": 100000}])"), 1000000,
         {{"kim@moef", 1000000}});
  At("2026-03-03T23:59:00+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 80000))));
  const core::Receipt full = Run("kim@moef", Paying(id, "cafe@merchants", 20001));
  EXPECT_TRUE(Rejected(full, ReasonCode::kDailyLimitExceeded, "D1"));
  EXPECT_TRUE(Mentions(full, "2026-03-03"));

  // 00:00 KST on March 4 is 15:00 UTC on March 3: the same UTC date, another local day.
  At("2026-03-04T00:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 80000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 20001)),
                       ReasonCode::kDailyLimitExceeded, "D1"));
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 20000))));

  // 09:00 KST is UTC midnight: the local day goes on.
  At("2026-03-05T08:59:59+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 60000))));
  At("2026-03-05T09:00:00+09:00");
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 40001)),
                       ReasonCode::kDailyLimitExceeded, "D1"));
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 40000))));
  EXPECT_EQ(Holder(id, "kim@moef").day_spent.won(), 100000);
  EXPECT_EQ(Holder(id, "kim@moef").paid.won(), 280000);
  EXPECT_EQ(Balance(id, "kim@moef"), 720000);
}

TEST_F(ProgramLedgerTest, MonthlyLimitResetsAtLocalMonthEnds) {
  const std::string id = "month-2026";
  At("2026-02-02T10:00:00+09:00");
  Launch(Program(id, R"([{"id": "M1", "rule": "max_per_month", "amount": 300000}])"), 1000000,
         {{"kim@moef", 1000000}});
  At("2026-02-28T23:59:59+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 250000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 50001)),
                       ReasonCode::kMonthlyLimitExceeded, "M1"));
  // 2026-03-01T00:00 KST is still February in UTC.
  At("2026-03-01T00:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 250000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 50001)),
                       ReasonCode::kMonthlyLimitExceeded, "M1"));
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 50000))));
  At("2026-03-31T23:59:59+09:00");
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 1)),
                       ReasonCode::kMonthlyLimitExceeded, "M1"));
  At("2026-04-01T00:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 300000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 1)),
                       ReasonCode::kMonthlyLimitExceeded, "M1"));
  EXPECT_EQ(Balance(id, "kim@moef"), 150000);
}

TEST_F(ProgramLedgerTest, RefundCountsOnTheDayOfItsPayment) {
  const std::string id = "day-2026";
  At("2026-03-03T09:00:00+09:00");
  Launch(Program(id, R"([{"id": "D1", "rule": "max_per_day", "amount": 100000}])"), 1000000,
         {{"kim@moef", 1000000}});
  At("2026-03-03T10:00:00+09:00");
  const core::Receipt on_day = Run("kim@moef", Paying(id, "cafe@merchants", 100000));
  EXPECT_TRUE(Accepted(on_day));
  At("2026-03-04T10:00:00+09:00");
  const core::Receipt next_day = Run("kim@moef", Paying(id, "cafe@merchants", 100000));
  EXPECT_TRUE(Accepted(next_day));

  // Refunding the payment of March 3 frees room on March 3, which is over: none on March 4.
  At("2026-03-04T11:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("cafe@merchants", Refunding(on_day.tx_id, 50000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 1)),
                       ReasonCode::kDailyLimitExceeded, "D1"));
  EXPECT_EQ(Holder(id, "kim@moef").day_spent.won(), 100000);

  // Refunding a payment of March 4 on March 4 frees that much room.
  At("2026-03-04T12:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("cafe@merchants", Refunding(next_day.tx_id, 30000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 30001)),
                       ReasonCode::kDailyLimitExceeded, "D1"));
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 30000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 1)),
                       ReasonCode::kDailyLimitExceeded, "D1"));

  const HolderRecord holder = Holder(id, "kim@moef");
  EXPECT_EQ(holder.paid.won(), 150000);
  EXPECT_EQ(holder.balance.won(), 850000);
  EXPECT_EQ(Record(id).spent.won(), 230000);
  EXPECT_EQ(Record(id).refunded.won(), 80000);
}

TEST_F(ProgramLedgerTest, RefundCountsInTheMonthOfItsPayment) {
  const std::string id = "month-2026";
  At("2026-03-02T09:00:00+09:00");
  Launch(Program(id, R"([{"id": "M1", "rule": "max_per_month", "amount": 300000}])"), 1000000,
         {{"kim@moef", 1000000}});
  At("2026-03-30T10:00:00+09:00");
  const core::Receipt march_30 = Run("kim@moef", Paying(id, "cafe@merchants", 200000));
  EXPECT_TRUE(Accepted(march_30));
  At("2026-03-31T10:00:00+09:00");
  const core::Receipt march_31 = Run("kim@moef", Paying(id, "cafe@merchants", 100000));
  EXPECT_TRUE(Accepted(march_31));
  // The next day, in the same month: the refund frees room in March.
  At("2026-03-31T11:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("cafe@merchants", Refunding(march_30.tx_id, 50000))));
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 50000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 1)),
                       ReasonCode::kMonthlyLimitExceeded, "M1"));

  At("2026-04-01T10:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying(id, "cafe@merchants", 300000))));
  // A refund in April of a March payment frees nothing in April.
  EXPECT_TRUE(Accepted(Run("cafe@merchants", Refunding(march_31.tx_id, 100000))));
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 1)),
                       ReasonCode::kMonthlyLimitExceeded, "M1"));
  EXPECT_EQ(Holder(id, "kim@moef").month_spent.won(), 300000);
  EXPECT_EQ(Holder(id, "kim@moef").paid.won(), 500000);
}

// ---------------------------------------------------------------------------------------------
// approval_from with co-signatures

TEST_F(ProgramLedgerTest, OnlyAValidApproverOfThePayersOrganizationApproves) {
  At("2026-03-03T10:00:00+09:00");  // a Tuesday
  Launch("bpe-2026", 5000000, {{"kim@moef", 3000000}, {"chief@moef", 2000000}});
  const auto pay = Paying("bpe-2026", "cafe@merchants", 1000000);

  const core::Receipt alone = Run("kim@moef", pay);
  EXPECT_TRUE(Rejected(alone, ReasonCode::kApprovalRequired, "R5"));
  EXPECT_TRUE(Mentions(alone, "approver"));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", pay, {By("approver@mois")}), ReasonCode::kApprovalRequired, "R5"));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", pay, {By("lee@moef")}), ReasonCode::kApprovalRequired, "R5"));
  EXPECT_TRUE(Rejected(Run("kim@moef", pay, {CoSignature{"approver@moef", "intruder"}}),
                       ReasonCode::kApprovalRequired, "R5"));
  // A payer with the approver role does not approve its own payment.
  EXPECT_TRUE(Rejected(Run("chief@moef", pay), ReasonCode::kApprovalRequired, "R5"));
  EXPECT_TRUE(Accepted(Run("admin@moef", core::Freeze{Id("approver@moef")})));
  EXPECT_TRUE(
      Rejected(Run("kim@moef", pay, {By("approver@moef")}), ReasonCode::kApprovalRequired, "R5"));
  EXPECT_TRUE(Accepted(Run("admin@moef", core::Unfreeze{Id("approver@moef")})));
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 3000000);

  EXPECT_TRUE(Accepted(Run("kim@moef", pay, {By("approver@moef")})));
  EXPECT_TRUE(Accepted(Run("chief@moef", pay, {By("approver@moef"), By("lee@moef")})));
  EXPECT_TRUE(Accepted(Run("kim@moef", Paying("bpe-2026", "cafe@merchants", 999999))));
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 1000001);
  EXPECT_EQ(Balance("bpe-2026", "chief@moef"), 1000000);
  EXPECT_EQ(Plain("cafe@merchants"), 2999999);
}

TEST_F(ProgramLedgerTest, AnApproverWithAQuorumApprovesOnlyWithEnoughOfItsKeys) {
  At("2026-03-03T10:00:00+09:00");
  Launch("bpe-2026", 3000000, {{"kim@moef", 3000000}});
  const auto first = crypto::DeriveTestKey("approver@moef").public_key();
  const auto second = crypto::DeriveTestKey("approver@moef#2").public_key();
  EXPECT_TRUE(Accepted(Run("admin@moef", core::SetKeys{Id("approver@moef"), {first, second}, 2})));
  const auto pay = Paying("bpe-2026", "cafe@merchants", 1000000);
  EXPECT_TRUE(
      Rejected(Run("kim@moef", pay, {By("approver@moef")}), ReasonCode::kApprovalRequired, "R5"));
  EXPECT_TRUE(Rejected(Run("kim@moef", pay, {By("approver@moef"), By("approver@moef")}),
                       ReasonCode::kApprovalRequired, "R5"));
  EXPECT_TRUE(Accepted(Run(
      "kim@moef", pay, {By("approver@moef"), CoSignature{"approver@moef", "approver@moef#2"}})));
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 2000000);
}

TEST_F(ProgramLedgerTest, HoursIncludeFromAndExcludeTo) {
  Launch("bpe-2026", 1000000, {{"kim@moef", 1000000}});
  const auto pay = Paying("bpe-2026", "cafe@merchants", 10000);
  At("2026-03-03T05:59:59+09:00");
  EXPECT_TRUE(Rejected(Run("kim@moef", pay), ReasonCode::kOutsideHours, "R2"));
  At("2026-03-03T06:00:00+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", pay)));
  At("2026-03-03T22:59:59+09:00");
  EXPECT_TRUE(Accepted(Run("kim@moef", pay)));
  At("2026-03-03T23:00:00+09:00");
  const core::Receipt late = Run("kim@moef", pay);
  EXPECT_TRUE(Rejected(late, ReasonCode::kOutsideHours, "R2"));
  EXPECT_TRUE(Mentions(late, "23:00"));
  EXPECT_EQ(Balance("bpe-2026", "kim@moef"), 980000);
}

// ---------------------------------------------------------------------------------------------
// Persistence and the genesis

TEST_F(ProgramLedgerTest, ProgramStateSurvivesAReopen) {
  const std::string id = "reopen-2026";
  At("2026-03-03T10:00:00+09:00");
  Launch(Program(id, R"([{"id": "D1", "rule": "max_per_day", "amount": 100000}])"), 1000000,
         {{"kim@moef", 400000}});
  const core::Receipt payment = Run("kim@moef", Paying(id, "cafe@merchants", 100000));
  EXPECT_TRUE(Accepted(payment));
  EXPECT_TRUE(Accepted(Run("treasury@moef", core::AmendProgram{id, Rules(R"([
      {"id": "D1", "rule": "max_per_day", "amount": 120000}])")})));
  const ProgramRecord record = Record(id);
  const HolderRecord holder = Holder(id, "kim@moef");
  const core::BlockHeader head = chain_->ledger().head();

  chain_->Reopen();
  EXPECT_EQ(chain_->ledger().head(), head);
  EXPECT_EQ(Record(id), record);
  EXPECT_EQ(Holder(id, "kim@moef"), holder);
  ASSERT_NE(ReadDefinition(state(), id, 1), nullptr);
  ASSERT_NE(ReadDefinition(state(), id, 2), nullptr);
  EXPECT_TRUE(CheckInvariants(state()).ok());
  // The day's count and the payment to refund were kept.
  EXPECT_TRUE(Rejected(Run("kim@moef", Paying(id, "cafe@merchants", 20001)),
                       ReasonCode::kDailyLimitExceeded, "D1"));
  EXPECT_TRUE(Accepted(Run("cafe@merchants", Refunding(payment.tx_id, 100000))));
  const core::Receipt after = Run("kim@moef", Paying(id, "cafe@merchants", 120000));
  EXPECT_TRUE(Accepted(after));
  EXPECT_EQ(after.program_version, 2u);
  EXPECT_EQ(Balance(id, "kim@moef"), 280000);
}

TEST(ProgramGenesisTest, AProgramThatContradictsItselfIsRefusedWithItsPath) {
  crypto::Initialize();
  boost::json::value json = GenesisJson();
  auto& rules = json.at("programs").at(0).at("rules").as_array();
  rules.push_back(boost::json::parse(R"({"id": "R2", "rule": "max_per_day", "amount": 1})"));
  const auto genesis = ParseGenesis(json, "genesis", GenesisOptions{.derive_missing_keys = true});
  ASSERT_FALSE(genesis.has_value());
  EXPECT_EQ(genesis.error().field, "genesis.programs[0].rules[5].id");
}

TEST(ProgramGenesisTest, AProgramNamingAnUnknownMerchantDoesNotOpen) {
  crypto::Initialize();
  boost::json::value json = GenesisJson();
  json.at("programs")
      .at(0)
      .at("rules")
      .as_array()
      .push_back(boost::json::parse(
          R"({"id": "M1", "rule": "allow_merchants", "merchants": ["ghost@merchants"]})"));
  const auto genesis = ParseGenesis(json, "genesis", GenesisOptions{.derive_missing_keys = true});
  ASSERT_TRUE(genesis.has_value()) << genesis.error().ToString();
  storage::MemoryStore store;
  const auto ledger = Ledger::Open(store, *genesis);
  ASSERT_FALSE(ledger.has_value());
  EXPECT_NE(ledger.error().message().find("define_program"), std::string::npos)
      << ledger.error().ToString();
  EXPECT_NE(ledger.error().message().find("ghost@merchants"), std::string::npos)
      << ledger.error().ToString();
}

// ---------------------------------------------------------------------------------------------
// Property: random lifecycles against a model that recounts everything from history

// What the ledger should hold, recomputed from the history of accepted transactions.
struct ModelPayment {
  std::string program;
  std::string payer;
  std::string merchant;
  crypto::Hash id;
  std::int64_t amount = 0;
  std::int64_t refunded = 0;
  std::int64_t day = 0;    // local day number
  std::int64_t month = 0;  // local year * 12 + month - 1
};

struct ModelProgram {
  core::ProgramDefinition definition;
  std::int64_t day_limit = 0;  // 0: no such rule
  std::int64_t month_limit = 0;
  std::int64_t payment_limit = 0;
  std::int64_t funded = 0;
  std::int64_t unallocated = 0;
  std::int64_t spent = 0;
  std::int64_t refunded = 0;
  std::int64_t returned = 0;
  bool closed = false;
  std::map<std::string, std::int64_t> balances;
};

std::int64_t LocalDay(core::TimeMillis time) {
  return (time + core::kKoreaOffsetMillis) / core::kMillisPerDay;
}
std::int64_t LocalMonth(core::TimeMillis time) {
  const core::LocalDate date = core::CivilFromDays(LocalDay(time));
  return std::int64_t{date.year} * 12 + date.month - 1;
}

struct Model {
  std::map<std::string, ModelProgram> programs;
  std::vector<ModelPayment> payments;
  std::map<std::string, std::int64_t> plain;  // of the treasury and the merchants

  std::int64_t NetPaid(const std::string& program, const std::string& payer) const {
    std::int64_t net = 0;
    for (const auto& p : payments) {
      if (p.program == program && p.payer == payer) net += p.amount - p.refunded;
    }
    return net;
  }
  // Net spend (payments minus their refunds) of `payer` in `program` in one period.
  std::int64_t NetOnDay(const std::string& program, const std::string& payer,
                        std::int64_t day) const {
    std::int64_t net = 0;
    for (const auto& p : payments) {
      if (p.program == program && p.payer == payer && p.day == day) net += p.amount - p.refunded;
    }
    return net;
  }
  std::int64_t NetInMonth(const std::string& program, const std::string& payer,
                          std::int64_t month) const {
    std::int64_t net = 0;
    for (const auto& p : payments) {
      if (p.program == program && p.payer == payer && p.month == month) {
        net += p.amount - p.refunded;
      }
    }
    return net;
  }

  // The code and rule the ledger must give a payment, by docs/programs.md.
  std::pair<ReasonCode, std::string> JudgePay(const ModelProgram& program, const std::string& payer,
                                              std::int64_t amount, core::TimeMillis time) const {
    const std::string& id = program.definition.id;
    if (amount <= 0) return {ReasonCode::kInvalidAmount, ""};
    if (program.closed || time < program.definition.valid_from ||
        time > program.definition.valid_until) {
      return {ReasonCode::kProgramNotActive, ""};
    }
    if (program.day_limit > 0 && NetOnDay(id, payer, LocalDay(time)) + amount > program.day_limit) {
      return {ReasonCode::kDailyLimitExceeded, "D"};
    }
    if (program.month_limit > 0 &&
        NetInMonth(id, payer, LocalMonth(time)) + amount > program.month_limit) {
      return {ReasonCode::kMonthlyLimitExceeded, "M"};
    }
    if (program.payment_limit > 0 && amount > program.payment_limit) {
      return {ReasonCode::kPaymentLimitExceeded, "P"};
    }
    const auto balance = program.balances.find(payer);
    if (balance == program.balances.end() || balance->second < amount) {
      return {ReasonCode::kInsufficientFunds, ""};
    }
    return {ReasonCode::kOk, ""};
  }
};

const std::vector<std::string> kHolders = {"kim@moef", "lee@moef", "park@moef"};
const std::vector<std::string> kMerchants = {"cafe@merchants", "shop@merchants"};

// A value in [min, max), uniformly: rc::gen::inRange keeps near min while the size is small,
// which would leave the rarer kinds of steps out of most runs.
template <typename T>
T Uniform(T min, T max) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(min, max));
}

// Mostly amounts up to `max` won, now and then one that is not positive.
std::int64_t AnyAmount(std::int64_t max) {
  if (Uniform(0, 20) == 0) return Uniform<std::int64_t>(-1, 1);
  return Uniform<std::int64_t>(1, max + 1);
}

// How far the block time moves: mostly minutes and hours, so that runs cross local midnights
// and, now and then, a program's valid_until.
core::TimeMillis AnyStep() {
  const core::TimeMillis unit =
      *rc::gen::weightedElement<core::TimeMillis>({{1, core::kMillisPerSecond},
                                                   {3, core::kMillisPerMinute},
                                                   {4, core::kMillisPerHour},
                                                   {1, 6 * core::kMillisPerHour}});
  return unit * Uniform<core::TimeMillis>(0, 6);
}

// One random transaction: its signer, its body, and the code and rule the model expects.
struct Step {
  std::string signer;
  core::Body body;
  ReasonCode expected = ReasonCode::kOk;
  std::string rule;
  std::string description;
};

Step RandomStep(const Model& model, const std::vector<std::string>& holders,
                core::TimeMillis time) {
  std::vector<std::string> ids;
  for (const auto& [id, program] : model.programs) ids.push_back(id);
  const std::string id = *rc::gen::elementOf(ids);
  const ModelProgram& program = model.programs.at(id);
  const bool ended = program.closed || time > program.definition.valid_until;
  const std::string holder = *rc::gen::elementOf(holders);
  const auto balance_of = [&](const std::string& h) {
    const auto it = program.balances.find(h);
    return it == program.balances.end() ? 0 : it->second;
  };
  const int kind = Uniform(0, 100);
  Step step;
  if (kind < 8) {
    const std::int64_t amount = AnyAmount(1000000);
    step.signer = "treasury@moef";
    step.body = Funding(id, amount);
    step.description = "fund " + id + " " + std::to_string(amount);
    step.expected = ended                                      ? ReasonCode::kProgramNotActive
                    : amount <= 0                              ? ReasonCode::kInvalidAmount
                    : model.plain.at("treasury@moef") < amount ? ReasonCode::kInsufficientFunds
                                                               : ReasonCode::kOk;
  } else if (kind < 25) {
    const std::int64_t amount = AnyAmount(300000);
    step.signer = "budget@moef";
    step.body = Granting(id, holder, amount);
    step.description = "grant " + id + " " + holder + " " + std::to_string(amount);
    step.expected = ended                          ? ReasonCode::kProgramNotActive
                    : amount <= 0                  ? ReasonCode::kInvalidAmount
                    : program.unallocated < amount ? ReasonCode::kInsufficientFunds
                                                   : ReasonCode::kOk;
  } else if (kind < 33) {
    const std::int64_t amount = AnyAmount(300000);
    const bool all = *rc::gen::arbitrary<bool>();
    step.signer = "budget@moef";
    step.body = Reclaiming(id, holder, all ? std::nullopt : std::optional(amount));
    step.description =
        "reclaim " + id + " " + holder + " " + (all ? "all" : std::to_string(amount));
    step.expected = program.closed                ? ReasonCode::kProgramNotActive
                    : all                         ? ReasonCode::kOk
                    : amount <= 0                 ? ReasonCode::kInvalidAmount
                    : balance_of(holder) < amount ? ReasonCode::kInsufficientFunds
                                                  : ReasonCode::kOk;
  } else if (kind < 75 || (kind < 95 && model.payments.empty())) {
    // Half of the payments fit the holder's balance, so that the limits decide.
    const std::int64_t balance = balance_of(holder);
    const std::int64_t amount = balance > 0 && *rc::gen::arbitrary<bool>()
                                    ? Uniform<std::int64_t>(1, balance + 1)
                                    : AnyAmount(120000);
    const std::string merchant = *rc::gen::elementOf(kMerchants);
    step.signer = holder;
    step.body = Paying(id, merchant, amount);
    step.description =
        "pay " + id + " " + holder + " -> " + merchant + " " + std::to_string(amount);
    std::tie(step.expected, step.rule) = model.JudgePay(program, holder, amount, time);
  } else if (kind < 95) {
    const std::int64_t amount = AnyAmount(120000);
    const ModelPayment& payment = *rc::gen::elementOf(model.payments);
    const ModelProgram& paid_from = model.programs.at(payment.program);
    const bool wrong_merchant = Uniform(0, 10) == 0;
    const std::string signer =
        wrong_merchant ? (payment.merchant == kMerchants[0] ? kMerchants[1] : kMerchants[0])
                       : payment.merchant;
    const std::int64_t remainder = payment.amount - payment.refunded;
    // Mostly within the remainder or just beyond it.
    const int choice = Uniform(0, 3);
    const std::int64_t won = choice == 0   ? amount
                             : choice == 1 ? remainder + 1
                                           : std::min(amount, std::max<std::int64_t>(remainder, 1));
    step.signer = signer;
    step.body = Refunding(payment.id, won);
    step.description = "refund by " + signer + " " + std::to_string(won) + " of " +
                       std::to_string(payment.amount) + " paid by " + payment.payer;
    step.expected = wrong_merchant                 ? ReasonCode::kNotAuthorized
                    : won <= 0                     ? ReasonCode::kInvalidAmount
                    : paid_from.closed             ? ReasonCode::kProgramNotActive
                    : remainder < won              ? ReasonCode::kRefundExceedsPayment
                    : model.plain.at(signer) < won ? ReasonCode::kInsufficientFunds
                                                   : ReasonCode::kOk;
  } else if (kind < 97) {
    const std::int64_t amount = AnyAmount(120000);
    const std::string merchant = *rc::gen::elementOf(kMerchants);
    step.signer = merchant;
    step.body = core::Burn{Token("KRW-BNK"), Won(amount)};
    step.description = "burn " + merchant + " " + std::to_string(amount);
    step.expected = amount <= 0                         ? ReasonCode::kInvalidAmount
                    : model.plain.at(merchant) < amount ? ReasonCode::kInsufficientFunds
                                                        : ReasonCode::kOk;
  } else {
    step.signer = "treasury@moef";
    step.body = Closing(id);
    step.description = "close " + id;
    step.expected = program.closed                           ? ReasonCode::kProgramNotActive
                    : time <= program.definition.valid_until ? ReasonCode::kProgramStillActive
                                                             : ReasonCode::kOk;
  }
  return step;
}

// Applies an accepted step to the model.
void Apply(Model& model, const Step& step, const core::Receipt& receipt, core::TimeMillis time) {
  std::visit(
      [&](const auto& body) {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, core::FundProgram>) {
          ModelProgram& program = model.programs.at(body.program);
          model.plain["treasury@moef"] -= body.amount.won();
          program.funded += body.amount.won();
          program.unallocated += body.amount.won();
        } else if constexpr (std::is_same_v<Body, core::Grant>) {
          ModelProgram& program = model.programs.at(body.program);
          program.unallocated -= body.amount.won();
          program.balances[body.to.str()] += body.amount.won();
        } else if constexpr (std::is_same_v<Body, core::Reclaim>) {
          ModelProgram& program = model.programs.at(body.program);
          std::int64_t& balance = program.balances[body.from.str()];
          const std::int64_t won = body.amount ? body.amount->won() : balance;
          balance -= won;
          program.unallocated += won;
        } else if constexpr (std::is_same_v<Body, core::Pay>) {
          ModelProgram& program = model.programs.at(body.program);
          program.balances[step.signer] -= body.amount.won();
          program.spent += body.amount.won();
          model.plain[body.to.str()] += body.amount.won();
          model.payments.push_back(ModelPayment{body.program, step.signer, body.to.str(),
                                                receipt.tx_id, body.amount.won(), 0, LocalDay(time),
                                                LocalMonth(time)});
        } else if constexpr (std::is_same_v<Body, core::Refund>) {
          auto payment = std::find_if(model.payments.begin(), model.payments.end(),
                                      [&](const ModelPayment& p) { return p.id == body.payment; });
          ModelProgram& program = model.programs.at(payment->program);
          payment->refunded += body.amount.won();
          program.balances[payment->payer] += body.amount.won();
          program.refunded += body.amount.won();
          model.plain[payment->merchant] -= body.amount.won();
        } else if constexpr (std::is_same_v<Body, core::Burn>) {
          model.plain[step.signer] -= body.amount.won();
        } else if constexpr (std::is_same_v<Body, core::CloseProgram>) {
          ModelProgram& program = model.programs.at(body.program);
          std::int64_t returned = program.unallocated;
          for (auto& [holder, balance] : program.balances) {
            returned += balance;
            balance = 0;
          }
          program.unallocated = 0;
          program.returned += returned;
          program.closed = true;
          model.plain["treasury@moef"] += returned;
        }
      },
      step.body);
}

// The state agrees with the model, and money is conserved as docs/ledger.md states it.
void CheckAgainstModel(const State& state, const Model& model,
                       const std::vector<std::string>& holders) {
  RC_ASSERT(CheckInvariants(state).ok());
  std::int64_t escrows = 0;
  for (const auto& [id, expected] : model.programs) {
    const auto record = ReadProgram(state, id);
    RC_ASSERT(record.has_value());
    std::int64_t held = record->unallocated.won();
    for (const auto& holder : holders) {
      const HolderRecord record_of_holder = ReadHolder(state, id, holder).value_or(HolderRecord{});
      const auto it = expected.balances.find(holder);
      RC_ASSERT(record_of_holder.balance.won() == (it == expected.balances.end() ? 0 : it->second));
      held += record_of_holder.balance.won();
      // What the ledger counts as it goes equals the recount from the history of payments.
      RC_ASSERT(record_of_holder.paid.won() == model.NetPaid(id, holder));
      if (record_of_holder.day >= 0) {
        RC_ASSERT(record_of_holder.day_spent.won() ==
                  model.NetOnDay(id, holder, record_of_holder.day));
      }
      if (record_of_holder.month >= 0) {
        RC_ASSERT(record_of_holder.month_spent.won() ==
                  model.NetInMonth(id, holder, record_of_holder.month));
      }
    }
    const std::int64_t escrow = record->funded.won() - record->spent.won() +
                                record->refunded.won() - record->returned.won();
    RC_ASSERT(held == escrow);
    RC_ASSERT(record->funded.won() == expected.funded);
    RC_ASSERT(record->unallocated.won() == expected.unallocated);
    RC_ASSERT(record->spent.won() == expected.spent);
    RC_ASSERT(record->refunded.won() == expected.refunded);
    RC_ASSERT(record->returned.won() == expected.returned);
    RC_ASSERT(record->closed == expected.closed);
    escrows += escrow;
  }
  std::int64_t plain = 0;
  for (const auto& account : kAccounts) {
    const std::int64_t balance = ReadBalance(state, account, "KRW-BNK").won();
    const auto it = model.plain.find(account);
    RC_ASSERT(balance == (it == model.plain.end() ? 0 : it->second));
    plain += balance;
  }
  const auto token = ReadToken(state, "KRW-BNK");
  RC_ASSERT(token.has_value());
  RC_ASSERT(token->minted.won() - token->burned.won() == plain + escrows);
}

RC_GTEST_PROP(ProgramPropertyTest, RandomLifecyclesKeepEscrowAndTheModel, ()) {
  crypto::Initialize();
  static const Genesis genesis = TestGenesis();
  Chain chain(genesis);
  // Starts within three days of the end of March, so that runs cross days and a month end.
  chain.set_time(Time("2026-03-29T00:00:00+09:00") +
                 Uniform<core::TimeMillis>(0, 3 * core::kMillisPerDay));
  const core::TimeMillis start = chain.time();
  const std::vector<std::string> holders(kHolders.begin(), kHolders.begin() + Uniform(2, 4));
  Model model;
  auto run = [&](std::string_view signer, core::Body body) {
    const core::Receipt receipt = chain.Execute(chain.Sign(signer, std::move(body)));
    RC_ASSERT(CheckInvariants(chain.state()).ok());
    return receipt;
  };

  const int program_count = Uniform(1, 3);
  for (int i = 0; i < program_count; ++i) {
    ModelProgram program;
    const std::string id = i == 0 ? "prop-a" : "prop-b";
    std::string rules;
    if (i == 0) {
      program.day_limit = Uniform<std::int64_t>(20000, 200001);
      program.month_limit = Uniform<std::int64_t>(50000, 600001);
      rules = R"([{"id": "D", "rule": "max_per_day", "amount": )" +
              std::to_string(program.day_limit) +
              R"(}, {"id": "M", "rule": "max_per_month", "amount": )" +
              std::to_string(program.month_limit) + "}]";
    } else {
      program.payment_limit = Uniform<std::int64_t>(10000, 300001);
      rules = R"([{"id": "P", "rule": "max_per_payment", "amount": )" +
              std::to_string(program.payment_limit) + "}]";
    }
    program.definition = Program(id, rules, "2026-03-01T00:00:00+09:00", "2026-12-31T00:00:00Z");
    program.definition.valid_from = start + Uniform<core::TimeMillis>(0, 2 * core::kMillisPerHour);
    program.definition.valid_until =
        program.definition.valid_from +
        Uniform<core::TimeMillis>(core::kMillisPerHour, 8 * core::kMillisPerDay);
    RC_ASSERT(run("treasury@moef", core::DefineProgram{program.definition}).code ==
              ReasonCode::kOk);
    model.programs[id] = program;
  }
  // A budget to start from: some of it funded, some of that granted; the steps do the rest.
  const std::int64_t minted = Uniform<std::int64_t>(1, 3000001);
  RC_ASSERT(run("issuer@bnk", Minting("treasury@moef", minted)).code == ReasonCode::kOk);
  model.plain["treasury@moef"] = minted;
  for (const auto& merchant : kMerchants) model.plain[merchant] = 0;
  for (auto& [id, program] : model.programs) {
    const std::int64_t funded = Uniform<std::int64_t>(0, model.plain["treasury@moef"] / 2 + 1);
    if (funded == 0) continue;
    RC_ASSERT(run("treasury@moef", Funding(id, funded)).code == ReasonCode::kOk);
    model.plain["treasury@moef"] -= funded;
    program.funded = program.unallocated = funded;
    for (const auto& holder : holders) {
      const std::int64_t granted = Uniform<std::int64_t>(0, funded / 4 + 1);
      if (granted == 0) continue;
      RC_ASSERT(run("budget@moef", Granting(id, holder, granted)).code == ReasonCode::kOk);
      program.unallocated -= granted;
      program.balances[holder] += granted;
    }
  }
  CheckAgainstModel(chain.state(), model, holders);

  const int steps = *rc::gen::inRange(1, 60);
  for (int i = 0; i < steps; ++i) {
    chain.set_time(chain.time() + AnyStep());
    const Step step = RandomStep(model, holders, chain.time());
    RC_LOG() << core::FormatKoreaTime(chain.time()) << " " << step.description << "\n";
    const core::Receipt receipt = run(step.signer, step.body);
    RC_LOG() << "  -> " << core::ReasonName(receipt.code) << " " << receipt.message << "\n";
    RC_ASSERT(std::string(core::ReasonName(receipt.code)) ==
              std::string(core::ReasonName(step.expected)));
    RC_ASSERT(receipt.rule == step.rule);
    if (receipt.code == ReasonCode::kOk) Apply(model, step, receipt, chain.time());
    CheckAgainstModel(chain.state(), model, holders);
  }
}

}  // namespace
}  // namespace nuri::ledger
