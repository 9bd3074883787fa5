#include "audit/statement.h"

#include <cctype>
#include <utility>
#include <variant>

#include "base/limits.h"
#include "core/program.h"
#include "crypto/hash.h"
#include "ledger/program_records.h"
#include "ledger/state_view.h"

namespace nuri::audit {

namespace {

// ISO 20022 text types are bounded: Max35Text for references, Max34Text for an account's
// generic id, Max140Text for names and remittance lines.
constexpr std::size_t kReferenceLengthMax = 35;
constexpr std::size_t kAccountIdLengthMax = 34;
constexpr std::size_t kLineLengthMax = 140;
constexpr std::string_view kStatementIdPrefix = "NURI-";
// Statements name the scheme of their account ids, and the issuer of their transaction codes.
constexpr std::string_view kScheme = "NURI";
constexpr std::string_view kCamt053Namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";

// The token a program holds, from its first definition: amendments change only the rules.
std::string ProgramToken(const ledger::State& state, std::string_view program) {
  const auto definition = ledger::ReadDefinition(state, program, 1);
  return definition ? definition->token.str() : std::string();
}

struct MovementVisitor {
  const core::SignedTransaction& tx;
  const core::Receipt& receipt;
  std::string_view account;
  std::string_view token;
  const ledger::State& state;

  bool Signed() const { return tx.tx.signer.str() == account; }
  static std::string Program(std::string_view id) { return "program " + std::string(id); }

  std::optional<StatementEntry> Entry(std::string_view kind, bool credit, core::Amount amount,
                                      std::string counterparty, std::string memo = {}) const {
    StatementEntry entry;
    entry.kind = std::string(kind);
    entry.credit = credit;
    entry.amount_won = amount.won();
    entry.counterparty = std::move(counterparty);
    entry.memo = std::move(memo);
    return entry;
  }

  std::optional<StatementEntry> operator()(const core::Mint& b) const {
    if (b.token.str() != token || b.to.str() != account) return std::nullopt;
    return Entry("mint", true, b.amount, tx.tx.signer.str());
  }
  std::optional<StatementEntry> operator()(const core::Burn& b) const {
    if (b.token.str() != token || !Signed()) return std::nullopt;
    const auto record = ledger::ReadToken(state, token);
    return Entry("burn", false, b.amount, record ? record->issuer.str() : std::string());
  }
  std::optional<StatementEntry> operator()(const core::Transfer& b) const {
    // A transfer to oneself is accepted and moves nothing.
    if (b.token.str() != token || b.to == tx.tx.signer) return std::nullopt;
    if (Signed()) return Entry("transfer", false, b.amount, b.to.str(), b.memo);
    if (b.to.str() == account) return Entry("transfer", true, b.amount, tx.tx.signer.str(), b.memo);
    return std::nullopt;
  }
  std::optional<StatementEntry> operator()(const core::FundProgram& b) const {
    if (!Signed() || ProgramToken(state, b.program) != token) return std::nullopt;
    return Entry("fund_program", false, b.amount, Program(b.program), Program(b.program));
  }
  std::optional<StatementEntry> operator()(const core::CloseProgram& b) const {
    // The escrow goes back to the owner, who alone may close: what it was is kept on the
    // program's record, as a program closes once.
    if (!Signed() || ProgramToken(state, b.program) != token) return std::nullopt;
    const auto record = ledger::ReadProgram(state, b.program);
    if (!record || record->returned.won() == 0) return std::nullopt;
    return Entry("close_program", true, record->returned, Program(b.program), Program(b.program));
  }
  std::optional<StatementEntry> operator()(const core::Pay& b) const {
    if (b.to.str() != account || ProgramToken(state, b.program) != token) return std::nullopt;
    return Entry("pay", true, b.amount, tx.tx.signer.str(), Program(b.program));
  }
  std::optional<StatementEntry> operator()(const core::Refund& b) const {
    if (!Signed() || ProgramToken(state, receipt.program) != token) return std::nullopt;
    std::string payer;
    if (const std::string* bytes = state.Find(ledger::PaymentKey(b.payment))) {
      if (auto payment = ledger::DecodePayment(*bytes)) payer = payment->payer.str();
    }
    return Entry("refund", false, b.amount, std::move(payer), Program(receipt.program));
  }
  template <typename Body>
  std::optional<StatementEntry> operator()(const Body&) const {
    return std::nullopt;
  }
};

// XML character data and attribute values.
std::string Escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Splits UTF-8 text into pieces of at most `limit` characters, never inside a character.
std::vector<std::string> Lines(std::string_view text, std::size_t limit) {
  std::vector<std::string> lines;
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Text from the ledger is valid UTF-8; a stray continuation byte first still opens a line.
    const bool starts_character =
        lines.empty() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_character && (lines.empty() || characters == limit)) {
      lines.emplace_back();
      characters = 0;
    }
    if (starts_character) ++characters;
    lines.back() += text[i];
  }
  return lines;
}

// Writes elements one per line, indented by depth.
class XmlWriter {
 public:
  void Open(std::string_view name, std::string_view attributes = {}) {
    Indent();
    out_ += "<" + std::string(name) + std::string(attributes) + ">\n";
    open_.emplace_back(name);
  }
  void Close() {
    const std::string name = std::move(open_.back());
    open_.pop_back();
    Indent();
    out_ += "</" + name + ">\n";
  }
  void Leaf(std::string_view name, std::string_view text, std::string_view attributes = {}) {
    Indent();
    out_ += "<" + std::string(name) + std::string(attributes) + ">" + Escaped(text) + "</" +
            std::string(name) + ">\n";
  }
  std::string Take() { return std::move(out_); }

 private:
  void Indent() { out_.append(2 * open_.size(), ' '); }
  std::string out_;
  std::vector<std::string> open_;
};

std::string Won(std::int64_t won) { return std::to_string(won); }
std::string KrwAttribute() { return " Ccy=\"KRW\""; }
std::string_view Direction(bool credit) { return credit ? "CRDT" : "DBIT"; }

// An account in ISO 20022's generic form: the ledger's id when it fits Max34Text, and always
// the full id as the account's proxy.
void WriteAccountId(XmlWriter& xml, std::string_view account) {
  xml.Open("Id");
  xml.Open("Othr");
  xml.Leaf("Id", account.size() <= kAccountIdLengthMax
                     ? std::string(account)
                     : crypto::Sha256(account).ToHex().substr(0, kAccountIdLengthMax));
  xml.Open("SchmeNm");
  xml.Leaf("Prtry", kScheme);
  xml.Close();
  xml.Close();
  xml.Close();
}

void WriteBalance(XmlWriter& xml, std::string_view type, std::int64_t won,
                  std::string_view date_element, std::string_view date) {
  xml.Open("Bal");
  xml.Open("Tp");
  xml.Open("CdOrPrtry");
  xml.Leaf("Cd", type);
  xml.Close();
  xml.Close();
  // ISO 20022 amounts are never negative: the indicator carries the sign.
  xml.Leaf("Amt", Won(won >= 0 ? won : -won), KrwAttribute());
  xml.Leaf("CdtDbtInd", Direction(won >= 0));
  xml.Open("Dt");
  xml.Leaf(date_element, date);
  xml.Close();
  xml.Close();
}

void WriteSummary(XmlWriter& xml, const Statement& statement) {
  // Checked where the statement was made (TotalsOf).
  const StatementTotals totals = TotalsOf(statement.entries).value_or(StatementTotals{});
  const std::int64_t credits = totals.credits_won;
  const std::int64_t debits = totals.debits_won;
  const std::size_t credit_count = totals.credit_count;
  const std::size_t debit_count = statement.entries.size() - credit_count;
  xml.Open("TxsSummry");
  xml.Open("TtlNtries");
  xml.Leaf("NbOfNtries", std::to_string(statement.entries.size()));
  xml.Leaf("Sum", Won(credits + debits));
  xml.Open("TtlNetNtry");
  xml.Leaf("Amt", Won(credits >= debits ? credits - debits : debits - credits));
  xml.Leaf("CdtDbtInd", Direction(credits >= debits));
  xml.Close();
  xml.Close();
  xml.Open("TtlCdtNtries");
  xml.Leaf("NbOfNtries", std::to_string(credit_count));
  xml.Leaf("Sum", Won(credits));
  xml.Close();
  xml.Open("TtlDbtNtries");
  xml.Leaf("NbOfNtries", std::to_string(debit_count));
  xml.Leaf("Sum", Won(debits));
  xml.Close();
  xml.Close();
}

void WriteEntry(XmlWriter& xml, const StatementEntry& entry) {
  const std::string location = std::to_string(entry.height) + ":" + std::to_string(entry.index);
  const std::string time = core::FormatKoreaTime(entry.time);
  std::string code = entry.kind;
  for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  xml.Open("Ntry");
  xml.Leaf("NtryRef", location);
  xml.Leaf("Amt", Won(entry.amount_won), KrwAttribute());
  xml.Leaf("CdtDbtInd", Direction(entry.credit));
  xml.Open("Sts");
  xml.Leaf("Cd", "BOOK");
  xml.Close();
  xml.Open("BookgDt");
  xml.Leaf("DtTm", time);
  xml.Close();
  xml.Open("ValDt");
  xml.Leaf("DtTm", time);
  xml.Close();
  xml.Leaf("AcctSvcrRef", location);
  xml.Open("BkTxCd");
  xml.Open("Prtry");
  xml.Leaf("Cd", code);
  xml.Leaf("Issr", kScheme);
  xml.Close();
  xml.Close();
  xml.Open("NtryDtls");
  xml.Open("TxDtls");
  xml.Open("Refs");
  xml.Leaf("AcctSvcrRef", location);
  xml.Leaf("EndToEndId", "NOTPROVIDED");
  xml.Close();
  xml.Leaf("Amt", Won(entry.amount_won), KrwAttribute());
  xml.Leaf("CdtDbtInd", Direction(entry.credit));
  if (!entry.counterparty.empty()) {
    // Money in comes from the debtor; money out goes to the creditor.
    xml.Open("RltdPties");
    xml.Open(entry.credit ? "Dbtr" : "Cdtr");
    xml.Open("Pty");
    xml.Leaf("Nm", entry.counterparty);  // an account id, or "program " and a program id
    xml.Close();
    xml.Close();
    xml.Close();
  }
  if (!entry.memo.empty()) {
    xml.Open("RmtInf");
    for (const auto& line : Lines(entry.memo, kLineLengthMax)) xml.Leaf("Ustrd", line);
    xml.Close();
  }
  xml.Leaf("AddtlTxInf", "Nuri transaction " + entry.tx_id);
  xml.Close();
  xml.Close();
  xml.Close();
}

}  // namespace

std::optional<StatementEntry> MovementOf(const core::SignedTransaction& tx,
                                         const core::Receipt& receipt, std::string_view account,
                                         std::string_view token, const ledger::State& state) {
  if (receipt.status != core::ReceiptStatus::kOk) return std::nullopt;
  auto entry = std::visit(MovementVisitor{tx, receipt, account, token, state}, tx.tx.body);
  if (entry) entry->tx_id = tx.id.ToHex();
  return entry;
}

std::optional<StatementTotals> TotalsOf(const std::vector<StatementEntry>& entries) {
  StatementTotals totals;
  for (const auto& entry : entries) {
    std::int64_t& sum = entry.credit ? totals.credits_won : totals.debits_won;
    if (__builtin_add_overflow(sum, entry.amount_won, &sum)) return std::nullopt;
    if (entry.credit) ++totals.credit_count;
  }
  std::int64_t both = 0;
  if (__builtin_add_overflow(totals.credits_won, totals.debits_won, &both)) return std::nullopt;
  return totals;
}

std::string StatementId(const Statement& statement) {
  // A complete statement is the same whenever it is read; an interim one grows.
  const std::uint64_t height = statement.complete ? statement.last_height : statement.as_of_height;
  const std::string digested = statement.chain_id + "\n" + statement.account + "\n" +
                               statement.token + "\n" + core::FormatDate(statement.from) + "\n" +
                               core::FormatDate(statement.to) + "\n" + std::to_string(height);
  return std::string(kStatementIdPrefix) + crypto::Sha256(digested).ToHex().substr(
                                               0, kReferenceLengthMax - kStatementIdPrefix.size());
}

std::string StatementCamt053(const Statement& statement) {
  const std::string id = StatementId(statement);
  const std::string period_end = core::FormatDate(statement.to) + "T23:59:59+09:00";
  // A complete statement is made as of its period's end, an interim one as of the last block.
  const std::string created =
      statement.complete ? period_end : core::FormatKoreaTime(statement.as_of_time);
  XmlWriter xml;
  xml.Open("Document", " xmlns=\"" + std::string(kCamt053Namespace) + "\"");
  xml.Open("BkToCstmrStmt");
  xml.Open("GrpHdr");
  xml.Leaf("MsgId", id);
  xml.Leaf("CreDtTm", created);
  xml.Close();
  xml.Open("Stmt");
  xml.Leaf("Id", id);
  xml.Leaf("CreDtTm", created);
  xml.Open("FrToDt");
  xml.Leaf("FrDtTm", core::FormatDate(statement.from) + "T00:00:00+09:00");
  xml.Leaf("ToDtTm", period_end);
  xml.Close();
  xml.Open("Acct");
  WriteAccountId(xml, statement.account);
  xml.Leaf("Ccy", "KRW");
  xml.Leaf("Nm", statement.token);
  xml.Open("Prxy");
  xml.Open("Tp");
  xml.Leaf("Prtry", kScheme);
  xml.Close();
  xml.Leaf("Id", statement.account);
  xml.Close();
  xml.Open("Ownr");
  xml.Leaf("Nm", statement.account);
  xml.Close();
  xml.Open("Svcr");
  xml.Open("FinInstnId");
  // Max140Text needs a character at least; ledger display names fit in it.
  static_assert(base::kDisplayNameLengthMax <= kLineLengthMax);
  if (!statement.bank_name.empty()) xml.Leaf("Nm", statement.bank_name);
  xml.Open("Othr");
  xml.Leaf("Id", statement.bank);
  xml.Close();
  xml.Close();
  xml.Close();
  xml.Close();
  WriteBalance(xml, "OPBD", statement.opening_won, "Dt", core::FormatDate(statement.from));
  // A period that is not over closes on an interim balance, as of the last block read.
  if (statement.complete) {
    WriteBalance(xml, "CLBD", statement.closing_won, "Dt", core::FormatDate(statement.to));
  } else {
    WriteBalance(xml, "ITBD", statement.closing_won, "DtTm", created);
  }
  WriteSummary(xml, statement);
  for (const auto& entry : statement.entries) WriteEntry(xml, entry);
  xml.Close();
  xml.Close();
  xml.Close();
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + xml.Take();
}

}  // namespace nuri::audit
