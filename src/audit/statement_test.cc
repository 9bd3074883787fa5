#include "audit/statement.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "crypto/hash.h"

namespace nuri::audit {
namespace {

Statement Sample() {
  Statement statement{.chain_id = "nuri-test",
                      .account = "daily-mart@merchants",
                      .token = "KRW-BNK",
                      .bank = "bnk",
                      .bank_name = "BNK Busan Bank",
                      .from = {2026, 3, 2},
                      .to = {2026, 3, 2},
                      .first_height = 10,
                      .last_height = 20,
                      .as_of_height = 25,
                      .as_of_time = core::ParseTime("2026-03-03T08:00:00+09:00").value(),
                      .complete = true,
                      .opening_won = 100,
                      .closing_won = 150};
  statement.entries.push_back({.tx_id = std::string(64, 'a'),
                               .height = 12,
                               .index = 3,
                               .time = core::ParseTime("2026-03-02T12:00:00+09:00").value(),
                               .kind = "pay",
                               .credit = true,
                               .amount_won = 80,
                               .counterparty = "kim@moef",
                               .memo = "program bpe-moef"});
  statement.entries.push_back({.tx_id = std::string(64, 'b'),
                               .height = 14,
                               .index = 0,
                               .time = core::ParseTime("2026-03-02T13:00:00+09:00").value(),
                               .kind = "fund_program",
                               .credit = false,
                               .amount_won = 30,
                               .counterparty = "program bpe-moef",
                               .memo = "program bpe-moef"});
  return statement;
}

// The document without the whitespace between its elements.
std::string Compact(const std::string& xml) {
  return std::regex_replace(xml, std::regex(R"(>\s+<)"), "><");
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(StatementTest, TheDocumentHoldsBalancesSummaryAndEntries) {
  const std::string raw = StatementCamt053(Sample());
  const std::string xml = Compact(raw);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Document xmlns=\"urn:iso:std:"
                      "iso:20022:tech:xsd:camt.053.001.08\">",
                      0),
            0u);
  EXPECT_NE(xml.find("<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"KRW\">100</Amt>"
                     "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>"),
            std::string::npos)
      << raw;
  EXPECT_NE(xml.find("<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"KRW\">150</Amt>"),
            std::string::npos);
  EXPECT_NE(xml.find("<TtlNtries><NbOfNtries>2</NbOfNtries><Sum>110</Sum><TtlNetNtry><Amt>50</Amt>"
                     "<CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry></TtlNtries>"
                     "<TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>80</Sum></TtlCdtNtries>"
                     "<TtlDbtNtries><NbOfNtries>1</NbOfNtries><Sum>30</Sum></TtlDbtNtries>"),
            std::string::npos);
  EXPECT_NE(xml.find("<Ntry><NtryRef>12:3</NtryRef><Amt Ccy=\"KRW\">80</Amt>"
                     "<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"),
            std::string::npos);
  EXPECT_NE(xml.find("<BkTxCd><Prtry><Cd>FUND_PROGRAM</Cd><Issr>NURI</Issr></Prtry></BkTxCd>"),
            std::string::npos);
  // Money in names its debtor, money out its creditor.
  EXPECT_NE(xml.find("<RltdPties><Dbtr><Pty><Nm>kim@moef</Nm></Pty></Dbtr></RltdPties>"),
            std::string::npos);
  EXPECT_NE(xml.find("<RltdPties><Cdtr><Pty><Nm>program bpe-moef</Nm></Pty></Cdtr></RltdPties>"),
            std::string::npos);
  EXPECT_NE(xml.find("<AddtlTxInf>Nuri transaction " + std::string(64, 'a') + "</AddtlTxInf>"),
            std::string::npos);
  EXPECT_NE(xml.find("<Svcr><FinInstnId><Nm>BNK Busan Bank</Nm><Othr><Id>bnk</Id></Othr>"
                     "</FinInstnId></Svcr>"),
            std::string::npos);
  EXPECT_EQ(Count(xml, "<Ntry>"), 2u);
  // A complete statement is made as of its period's end.
  EXPECT_EQ(Count(xml, "<CreDtTm>2026-03-02T23:59:59+09:00</CreDtTm>"), 2u);
}

TEST(StatementTest, IdentifiersFitTheStandardsLengths) {
  Statement statement = Sample();
  const std::string id = StatementId(statement);
  EXPECT_LE(id.size(), 35u);
  EXPECT_EQ(StatementId(statement), id);
  // A complete statement read later is the same statement; an interim one that read one more
  // block is another.
  statement.as_of_height += 1;
  EXPECT_EQ(StatementId(statement), id);
  statement.complete = false;
  const std::string interim = StatementId(statement);
  EXPECT_NE(interim, id);
  statement.as_of_height += 1;
  EXPECT_NE(StatementId(statement), interim);
  // An account id longer than ISO 20022's 34 characters is named by a digest, and in full as
  // the account's proxy.
  statement.account = std::string(48, 'k') + "@moef";
  const std::string xml = Compact(StatementCamt053(statement));
  EXPECT_NE(
      xml.find("<Acct><Id><Othr><Id>" + crypto::Sha256(statement.account).ToHex().substr(0, 34) +
               "</Id><SchmeNm><Prtry>NURI</Prtry></SchmeNm></Othr></Id>"),
      std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<Prxy><Tp><Prtry>NURI</Prtry></Tp><Id>" + statement.account + "</Id></Prxy>"),
            std::string::npos);
}

TEST(StatementTest, AnUnfinishedPeriodClosesOnAnInterimBalance) {
  Statement statement = Sample();
  statement.complete = false;
  const std::string xml = StatementCamt053(statement);
  EXPECT_EQ(xml.find("<Cd>CLBD</Cd>"), std::string::npos);
  EXPECT_NE(xml.find("<Cd>ITBD</Cd>"), std::string::npos);
  EXPECT_NE(xml.find("<DtTm>2026-03-03T08:00:00+09:00</DtTm>"), std::string::npos);
}

TEST(StatementTest, MemosAreEscapedAndSplitBetweenCharacters) {
  Statement statement = Sample();
  // 154 characters, most of three bytes: one line of 140 characters and one of 14.
  std::string memo;
  for (int i = 0; i < 150; ++i) memo += "\xEA\xB0\x80";  // 가
  statement.entries[0].memo = "<b>&" + memo;
  const std::string xml = StatementCamt053(statement);
  std::string first = "&lt;b&gt;&amp;";
  for (int i = 0; i < 136; ++i) first += "\xEA\xB0\x80";
  std::string second;
  for (int i = 0; i < 14; ++i) second += "\xEA\xB0\x80";
  EXPECT_NE(xml.find("<Ustrd>" + first + "</Ustrd>"), std::string::npos);
  EXPECT_NE(xml.find("<Ustrd>" + second + "</Ustrd>"), std::string::npos);
}

}  // namespace
}  // namespace nuri::audit
