#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "base/limits.h"
#include "core/amount.h"
#include "core/block.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/receipt.h"
#include "core/text.h"
#include "core/time.h"
#include "core/transaction.h"
#include "crypto/key_file.h"

namespace nuri::core {
namespace {

AccountId Account(std::string_view text) { return AccountId::Parse(text).value(); }
TokenId Token(std::string_view text) { return TokenId::Parse(text).value(); }

TEST(Amount, OverflowIsAnAnswerNotAWrap) {
  const Amount max = Amount::Won(INT64_MAX);
  EXPECT_FALSE(max.Plus(Amount::Won(1)).has_value());
  EXPECT_FALSE(Amount::Won(INT64_MIN).Minus(Amount::Won(1)).has_value());
  EXPECT_EQ(Amount::Won(2).Plus(Amount::Won(3))->won(), 5);
  EXPECT_EQ(Amount::Won(1250000).ToGrouped(), "1,250,000");
  EXPECT_EQ(Amount::Won(-40000).ToGrouped(), "-40,000");
  EXPECT_EQ(Amount::Won(999).ToGrouped(), "999");
}

TEST(Ids, AccountsAreNameAtOrg) {
  auto id = AccountId::Parse("hanok-restaurant@merchants");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->name(), "hanok-restaurant");
  EXPECT_EQ(id->org(), "merchants");
  EXPECT_TRUE(AccountId::Parse("kim.minsu@moef").has_value());
  for (std::string_view bad :
       {"kim", "@moef", "kim@", "Kim@moef", "kim@mo.ef", "a@b@c", "kim @moef", ""}) {
    EXPECT_FALSE(AccountId::Parse(bad).has_value()) << bad;
  }
  EXPECT_TRUE(TokenId::Parse("KRW-BNK").has_value());
  EXPECT_FALSE(TokenId::Parse("krw-bnk").has_value());
  EXPECT_FALSE(TokenId::Parse("-KRW").has_value());
}

TEST(Time, ParsesOffsetsAndFormatsInKorea) {
  const TimeMillis utc = ParseTime("2026-03-02T00:00:00Z").value();
  EXPECT_EQ(ParseTime("2026-03-02T09:00:00+09:00").value(), utc);
  EXPECT_EQ(FormatKoreaTime(utc), "2026-03-02T09:00:00+09:00");
  EXPECT_EQ(ParseTime("2026-03-02T09:00:00.250+09:00").value(), utc + 250);
  EXPECT_EQ(FormatKoreaTime(utc + 250), "2026-03-02T09:00:00.250+09:00");
  EXPECT_FALSE(ParseTime("2026-03-02T09:00:00").has_value());
  EXPECT_FALSE(ParseTime("2026-02-30T09:00:00+09:00").has_value());
  EXPECT_FALSE(ParseTime("2026-03-02 09:00:00+09:00").has_value());
}

TEST(Time, KoreaCalendarCrossesMidnightAtNineUtc) {
  // 2026-03-07 is a Saturday; 14:59:59Z is 23:59:59 in Seoul, 15:00Z is Sunday 00:00.
  const KoreaTime before = ToKoreaTime(ParseTime("2026-03-07T14:59:59Z").value());
  EXPECT_EQ(before.weekday, 6);
  EXPECT_EQ(before.minute_of_day, 23 * 60 + 59);
  const KoreaTime after = ToKoreaTime(ParseTime("2026-03-07T15:00:00Z").value());
  EXPECT_EQ(after.weekday, 0);
  EXPECT_EQ(after.date, (LocalDate{2026, 3, 8}));
  EXPECT_EQ(after.minute_of_day, 0);
}

TEST(Time, CivilDaysRoundTripOverCenturies) {
  for (std::int64_t days = -1000; days < 200000; days += 37) {
    EXPECT_EQ(DaysFromCivil(CivilFromDays(days)), days);
  }
  EXPECT_EQ(FormatDate(CivilFromDays(DaysFromCivil({2028, 2, 29}))), "2028-02-29");
}

TEST(Text, RefusesControlCharactersAndBadUtf8) {
  EXPECT_TRUE(IsDisplayText("한옥 Korean Restaurant", 128));
  EXPECT_FALSE(IsDisplayText("a\nb", 128));
  EXPECT_FALSE(IsDisplayText("\xc0\xaf", 128));      // over-long '/'
  EXPECT_FALSE(IsDisplayText("\xed\xa0\x80", 128));  // surrogate
  EXPECT_FALSE(IsDisplayText("abcd", 3));
}

Transaction SampleTransfer() {
  Transaction tx;
  tx.chain_id = "nuri-test";
  tx.signer = Account("kim@moef");
  tx.nonce = 7;
  tx.valid_until = ParseTime("2026-03-02T10:00:00+09:00").value();
  tx.body = Transfer{Token("KRW-BNK"), Account("shop@merchants"), Amount::Won(200000), "", "lunch"};
  AddSignature(tx, tx.signer, crypto::DeriveTestKey("kim@moef"));
  return tx;
}

TEST(Transaction, EncodingRoundTripsAndIdExcludesSignatures) {
  crypto::Initialize();
  Transaction tx = SampleTransfer();
  auto decoded = DecodeTransaction(Encode(tx));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->tx, tx);
  EXPECT_EQ(decoded->id, TransactionId(tx));
  Transaction cosigned = tx;
  AddSignature(cosigned, Account("lee@moef"), crypto::DeriveTestKey("lee@moef"));
  EXPECT_EQ(TransactionId(cosigned), TransactionId(tx));
  EXPECT_NE(Encode(cosigned), Encode(tx));
}

TEST(Transaction, DecoderRefusesNonCanonicalInput) {
  const std::string bytes = Encode(SampleTransfer());
  EXPECT_FALSE(DecodeTransaction(bytes + "x").has_value());
  EXPECT_FALSE(DecodeTransaction(bytes.substr(0, bytes.size() - 1)).has_value());
  std::string wrong_version = bytes;
  wrong_version[0] = 2;
  EXPECT_FALSE(DecodeTransaction(wrong_version).has_value());
  EXPECT_FALSE(DecodeTransaction("").has_value());
  EXPECT_FALSE(
      DecodeTransaction(std::string(base::kTransactionSizeBytesMax + 1, '\x01')).has_value());
}

RC_GTEST_PROP(Transaction, MutatedEncodingsNeverDecodeToTheSameId, ()) {
  crypto::Initialize();
  const Transaction tx = SampleTransfer();
  const std::string bytes = Encode(tx);
  std::string mutated = bytes;
  const auto position = *rc::gen::inRange<std::size_t>(0, bytes.size());
  const auto flip = *rc::gen::inRange<int>(1, 256);
  mutated[position] = static_cast<char>(mutated[position] ^ flip);
  auto decoded = DecodeTransaction(mutated);
  // Either refused, or a different transaction: a mutated body gets a new id, a mutated
  // signature keeps the id but no longer verifies.
  if (decoded.has_value()) {
    const bool same_id = decoded->id == TransactionId(tx);
    if (same_id) {
      RC_ASSERT(decoded->tx.signatures != tx.signatures);
    }
    RC_ASSERT(Encode(decoded->tx) == mutated);
  }
}

RC_GTEST_PROP(Transaction, RandomTransfersRoundTrip, (std::uint64_t nonce, std::int64_t amount)) {
  const TimeMillis valid_until = *rc::gen::inRange<TimeMillis>(0, kTimeMillisMax + 1);
  Transaction tx;
  tx.chain_id = "c";
  tx.signer = Account("a@b");
  tx.nonce = nonce;
  tx.valid_until = valid_until;
  tx.body = Transfer{Token("KRW-X"), Account("c@d"), Amount::Won(amount), "", ""};
  const auto decoded = DecodeTransaction(Encode(tx));
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(decoded->tx == tx);
}

// Inputs the transaction fuzzer found: both must stay lossless or be refused.
TEST(Transaction, TimesOutsideTheLedgerRangeAreRefused) {
  crypto::Initialize();
  Transaction tx = SampleTransfer();
  tx.signatures.clear();
  for (TimeMillis bad : {TimeMillis{-1}, kTimeMillisMax + 1, TimeMillis{INT64_MAX}}) {
    tx.valid_until = bad;
    EXPECT_FALSE(DecodeTransaction(Encode(tx)).has_value()) << bad;
  }
  tx.valid_until = kTimeMillisMax;
  const auto decoded = DecodeTransaction(Encode(tx));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(Encode(TransactionFromJson(TransactionToJson(decoded->tx)).value()), Encode(tx));
  EXPECT_FALSE(ParseTime("10000-01-01T00:00:00Z").has_value());
}

TEST(Json, AnyQuorumByteRoundTrips) {
  Transaction tx;
  tx.chain_id = "c";
  tx.signer = Account("admin@moef");
  tx.body = SetKeys{Account("kim@moef"), {}, 200};
  EXPECT_EQ(Encode(TransactionFromJson(TransactionToJson(tx)).value()), Encode(tx));
}

TEST(Json, TransactionsRoundTripThroughJson) {
  crypto::Initialize();
  const Transaction tx = SampleTransfer();
  const auto back = TransactionFromJson(TransactionToJson(tx));
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(Encode(*back), Encode(tx));
}

// A program with one rule of every kind, every optional field set.
ProgramDefinition EveryRuleProgram() {
  ProgramDefinition program;
  program.id = "bpe";
  program.name = "Business promotion";
  program.token = Token("KRW-BNK");
  program.owner = Account("treasury@moef");
  program.managers = {Account("budget@moef")};
  program.valid_from = ParseTime("2026-01-01T00:00:00+09:00").value();
  program.valid_until = ParseTime("2026-12-31T23:59:59.500+09:00").value();
  program.budget_code = "203-01";
  auto rule = [](std::string id, RuleKind kind) {
    Rule r;
    r.id = std::move(id);
    r.kind = kind;
    return r;
  };
  Rule allow = rule("A", RuleKind::kAllowCategories);
  allow.categories = {"5812", "5814"};
  Rule deny = rule("D", RuleKind::kDenyCategories);
  deny.categories = {"5813"};
  deny.justifiable = true;
  Rule merchants = rule("M", RuleKind::kAllowMerchants);
  merchants.merchants = {Account("hanok@merchants")};
  Rule hours = rule("H", RuleKind::kHours);
  hours.from_minute = 6 * 60;
  hours.to_minute = 24 * 60;
  hours.justifiable = true;
  Rule days = rule("B", RuleKind::kBusinessDays);
  Rule attendee = rule("P", RuleKind::kMaxPerAttendee);
  attendee.amount = Amount::Won(50000);
  Rule approval = rule("AP", RuleKind::kApprovalFrom);
  approval.amount = Amount::Won(1000000);
  approval.role = Role::kInspector;
  Rule tranches = rule("T", RuleKind::kTranches);
  tranches.tranches = {{50, ""}, {50, "installation"}};
  program.rules = {allow, deny, merchants, hours, days, attendee, approval, tranches};
  for (RuleKind kind : {RuleKind::kMaxPerPayment, RuleKind::kMaxPerDay, RuleKind::kMaxPerMonth,
                        RuleKind::kAttendeesRequiredFrom, RuleKind::kEvidenceRequiredFrom}) {
    Rule limit = rule("L" + std::to_string(static_cast<int>(kind)), kind);
    limit.amount = Amount::Won(300000);
    program.rules.push_back(limit);
  }
  return program;
}

TEST(Json, EveryBodyRoundTrips) {
  crypto::Initialize();
  const auto key = crypto::DeriveTestKey("x@y").public_key();
  const std::vector<Body> bodies = {
      RegisterOrg{OrgId::Parse("moef").value(), OrgKind::kMinistry, "Ministry"},
      RegisterAccount{Account("lee@moef"),
                      {key},
                      1,
                      RoleSet::FromBits(0b100000).value(),
                      MerchantRecord{"5812", "101-81-00001", "Hanok"}},
      SetRoles{Account("lee@moef"), RoleSet::FromBits(3).value()},
      SetKeys{Account("lee@moef"), {key}, 1},
      Freeze{Account("lee@moef")},
      Unfreeze{Account("lee@moef")},
      DefineToken{Token("KRW-BNK"), Account("issuer@bnk"), "BNK deposit token"},
      Mint{Token("KRW-BNK"), Account("lee@moef"), Amount::Won(5)},
      Burn{Token("KRW-BNK"), Amount::Won(5)},
      Transfer{Token("KRW-BNK"), Account("lee@moef"), Amount::Won(5), "bpe", "memo"},
      SetHolidays{2026, {LocalDate{2026, 1, 1}, LocalDate{2026, 3, 1}}},
      DefineProgram{EveryRuleProgram()},
      AmendProgram{"bpe", EveryRuleProgram().rules},
      FundProgram{"bpe", Amount::Won(10)},
      Grant{"bpe", Account("lee@moef"), Amount::Won(10)},
      Reclaim{"bpe", Account("lee@moef"), std::nullopt},
      Reclaim{"bpe", Account("lee@moef"), Amount::Won(3)},
      CloseProgram{"bpe"},
      Pay{"bpe", Account("hanok@merchants"), Amount::Won(90000), 3, "lunch",
          crypto::Sha256("receipt"), "late"},
      Pay{"bpe", Account("hanok@merchants"), Amount::Won(1), 0, "", std::nullopt, ""},
      Refund{crypto::Sha256("payment"), Amount::Won(30000)},
      Attest{"ev", Account("apt@recipients"), "installation", crypto::Sha256("report")},
      AddValidator{"shinhan-1", crypto::DeriveTestKey("shinhan-1").public_key()},
      RemoveValidator{"bnk-1"},
  };
  for (const Body& body : bodies) {
    const auto back = BodyFromJson(BodyToJson(body), "tx");
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(*back, body) << BodyTypeName(body);
    // And the binary form of each body decodes to itself.
    Transaction tx;
    tx.chain_id = "c";
    tx.signer = Account("a@b");
    tx.body = body;
    EXPECT_EQ(DecodeTransaction(Encode(tx)).value().tx, tx);
  }
}

TEST(Json, AValidatorIsNamedLikeANode) {
  for (std::string_view name : {"", "Bok-1", "-v1", "v 1", "v1/"}) {
    boost::json::object body{{"type", "remove_validator"}, {"name", name}};
    const auto parsed = BodyFromJson(body, "tx");
    ASSERT_FALSE(parsed.has_value()) << name;
    EXPECT_EQ(parsed.error().field, "tx.name");
  }
  EXPECT_TRUE(IsValidatorName("bok-1"));
  EXPECT_TRUE(IsValidatorName(std::string(kValidatorNameLengthMax, 'v')));
  EXPECT_FALSE(IsValidatorName(std::string(kValidatorNameLengthMax + 1, 'v')));
}

TEST(Json, IndentedTextReadsBackAsTheSameValue) {
  const auto value = ParseJsonText(R"({"a":[1,{"b":"x\"y"},[]],"c":{},"d":null})").value();
  const std::string text = SerializeIndented(value);
  EXPECT_EQ(text,
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x\\\"y\"\n    },\n    []\n  ],\n"
            "  \"c\": {},\n  \"d\": null\n}\n");
  EXPECT_EQ(ParseJsonText(text).value(), value);
}

TEST(Json, AKeyTwiceInOneObjectIsRefused) {
  const auto twice = ParseJsonText(R"({"a":{"amount":1,"b":[{"amount":2}],"amount":1000}})");
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().message(),
            "invalid JSON: the key \"amount\" appears twice in one object");
  // The same key in different objects, and split by escapes, is fine.
  EXPECT_TRUE(ParseJsonText(R"({"amount":1,"b":{"amount":2},"c":[{"amount":3},{"amount":4}]})"));
  EXPECT_FALSE(ParseJsonText(R"({"am\u006funt":1,"amount":2})").has_value());
  EXPECT_FALSE(ParseJsonText(R"({"a":1,"a")").has_value());
}

TEST(Json, FaultsNameTheFieldPath) {
  const auto parsed =
      ParseJsonText(R"({"type":"mint","token":"KRW-BNK","to":"kim@moef","amount":1.5})");
  const auto body = BodyFromJson(parsed.value(), "steps[4].tx");
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().field, "steps[4].tx.amount");
  EXPECT_EQ(body.error().code, ReasonCode::kInvalidAmount);
  const auto huge = BodyFromJson(
      ParseJsonText(
          R"({"type":"mint","token":"KRW-BNK","to":"kim@moef","amount":99999999999999999999})")
          .value(),
      "tx");
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().code, ReasonCode::kInvalidAmount);
  const auto as_string = BodyFromJson(
      ParseJsonText(R"({"type":"burn","token":"KRW-BNK","amount":"150000"})").value(), "tx");
  ASSERT_TRUE(as_string.has_value());
  EXPECT_EQ(std::get<Burn>(*as_string).amount.won(), 150000);
  const auto unknown = BodyFromJson(ParseJsonText(R"({"type":"steal"})").value(), "tx");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().field, "tx.type");
  EXPECT_FALSE(ParseJsonText(std::string(40, '[') + std::string(40, ']')).has_value());
}

TEST(Block, HeaderAndBlockRoundTripAndCertificatesNeedTwoThirds) {
  crypto::Initialize();
  ValidatorSet set;
  std::vector<crypto::SecretKey> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back(crypto::DeriveTestKey("node-" + std::to_string(i)));
    set.validators.push_back({"node-" + std::to_string(i), keys.back().public_key()});
  }
  EXPECT_EQ(set.QuorumSize(), 3u);
  Block block;
  block.header.chain_id = "nuri-test";
  block.header.height = 3;
  block.header.time = 1000;
  block.header.validator_set_hash = set.Hash();
  block.transactions = {Encode(SampleTransfer())};
  block.header.tx_count = 1;
  const crypto::Hash hash = HeaderHash(block.header);
  block.certificate.round = 2;
  auto precommit = [&](int i, std::uint32_t round) {
    return CommitSignature{
        "node-" + std::to_string(i),
        keys[i].Sign(VoteSigningMessage(
            "nuri-test", CommitVote(block.header, hash, round, static_cast<ValidatorIndex>(i))))};
  };
  for (int i = 0; i < 2; ++i) block.certificate.signatures.push_back(precommit(i, 2));
  EXPECT_FALSE(VerifyCertificate(block.certificate, block.header, set).ok());
  block.certificate.signatures.push_back(precommit(1, 2));
  EXPECT_FALSE(VerifyCertificate(block.certificate, block.header, set).ok());
  // A precommit of another round does not count for this one.
  block.certificate.signatures.back() = precommit(2, 1);
  EXPECT_FALSE(VerifyCertificate(block.certificate, block.header, set).ok());
  block.certificate.signatures.back() = precommit(2, 2);
  EXPECT_TRUE(VerifyCertificate(block.certificate, block.header, set).ok());
  // Nor for another height.
  BlockHeader other = block.header;
  other.height = 4;
  EXPECT_FALSE(VerifyCertificate(block.certificate, other, set).ok());
  const auto decoded = DecodeBlock(EncodeBlock(block));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->header, block.header);
  EXPECT_EQ(decoded->transactions, block.transactions);
  EXPECT_EQ(decoded->certificate, block.certificate);
  EXPECT_EQ(DecodeValidatorSet(EncodeValidatorSet(set)).value().Hash(), set.Hash());
}

TEST(Receipt, RoundTrips) {
  std::vector<Receipt> receipts = {
      {crypto::Sha256("a"), ReceiptStatus::kOk, ReasonCode::kOk, "", ""},
      {crypto::Sha256("b"), ReceiptStatus::kRejected, ReasonCode::kInsufficientFunds, "",
       "kim@moef holds 300,000 KRW-BNK; 400,000 is needed"}};
  EXPECT_EQ(DecodeReceipts(EncodeReceipts(receipts)).value(), receipts);
  EXPECT_FALSE(DecodeReceipts(EncodeReceipts(receipts) + "z").has_value());
}

}  // namespace
}  // namespace nuri::core
