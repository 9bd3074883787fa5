#include "audit/sql_indexer.h"

#include <algorithm>
#include <charconv>
#include <variant>

#include "core/json.h"
#include "ledger/ledger.h"

namespace nuri::audit {

namespace json = boost::json;

namespace {

// The tables (docs/audit-sql.md). {time} and {json} are the dialect's types for a moment and a
// JSON document; every moment is also kept in milliseconds and as its Korea date, which is what
// the rules and the budget count by.
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS nuri_index (
  chain_id TEXT PRIMARY KEY,
  schema_version INTEGER NOT NULL,
  genesis_hash TEXT NOT NULL,
  height BIGINT NOT NULL,
  block_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  height BIGINT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  prev_hash TEXT NOT NULL,
  time {time} NOT NULL,
  time_ms BIGINT NOT NULL,
  local_date TEXT NOT NULL,
  proposer TEXT NOT NULL,
  tx_root TEXT NOT NULL,
  receipts_root TEXT NOT NULL,
  state_root TEXT NOT NULL,
  validator_set_hash TEXT NOT NULL,
  transaction_count INTEGER NOT NULL,
  commit_round INTEGER NOT NULL,
  signed_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
  id TEXT PRIMARY KEY,
  height BIGINT NOT NULL REFERENCES blocks (height),
  position INTEGER NOT NULL,
  type TEXT NOT NULL,
  signer TEXT NOT NULL,
  nonce TEXT NOT NULL,
  valid_until {time} NOT NULL,
  co_signers TEXT NOT NULL,
  body {json} NOT NULL,
  UNIQUE (height, position));
CREATE INDEX IF NOT EXISTS transactions_by_signer ON transactions (signer, height);
CREATE TABLE IF NOT EXISTS receipts (
  transaction_id TEXT PRIMARY KEY REFERENCES transactions (id),
  height BIGINT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL,
  code TEXT,
  rule TEXT,
  message TEXT,
  program TEXT,
  program_version INTEGER,
  budget_code TEXT,
  justified TEXT);
CREATE INDEX IF NOT EXISTS receipts_by_code ON receipts (code);
CREATE TABLE IF NOT EXISTS payments (
  transaction_id TEXT PRIMARY KEY REFERENCES transactions (id),
  height BIGINT NOT NULL,
  position INTEGER NOT NULL,
  time {time} NOT NULL,
  local_date TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  code TEXT,
  rule TEXT,
  message TEXT,
  program TEXT,
  program_version INTEGER,
  budget_code TEXT,
  ministry TEXT,
  token TEXT,
  payer TEXT,
  merchant TEXT,
  category TEXT,
  amount_won BIGINT NOT NULL,
  attendees INTEGER,
  purpose TEXT,
  evidence TEXT,
  justification TEXT,
  justified TEXT,
  refunded_payment TEXT);
CREATE INDEX IF NOT EXISTS payments_by_program ON payments (program, local_date);
CREATE INDEX IF NOT EXISTS payments_by_payer ON payments (payer, local_date);
CREATE INDEX IF NOT EXISTS payments_by_merchant ON payments (merchant, local_date);
CREATE INDEX IF NOT EXISTS payments_by_refunded ON payments (refunded_payment);
CREATE TABLE IF NOT EXISTS organizations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  registered_height BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  roles TEXT NOT NULL,
  key_count INTEGER NOT NULL,
  quorum INTEGER NOT NULL,
  frozen BOOLEAN NOT NULL,
  registered_height BIGINT NOT NULL,
  updated_height BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_by_organization ON accounts (organization);
CREATE TABLE IF NOT EXISTS merchants (
  account TEXT PRIMARY KEY REFERENCES accounts (id),
  category TEXT NOT NULL,
  business_no TEXT NOT NULL,
  name TEXT NOT NULL,
  registered_height BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  issuer TEXT NOT NULL,
  bank TEXT NOT NULL,
  name TEXT NOT NULL,
  registered_height BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS programs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  token TEXT NOT NULL,
  owner TEXT NOT NULL,
  ministry TEXT NOT NULL,
  managers TEXT NOT NULL,
  budget_code TEXT,
  valid_from {time} NOT NULL,
  valid_until {time} NOT NULL,
  version INTEGER NOT NULL,
  defined_height BIGINT NOT NULL,
  amended_height BIGINT,
  closed_height BIGINT,
  definition {json} NOT NULL);
CREATE TABLE IF NOT EXISTS program_versions (
  program TEXT NOT NULL REFERENCES programs (id),
  version INTEGER NOT NULL,
  height BIGINT NOT NULL,
  rules {json} NOT NULL,
  PRIMARY KEY (program, version));
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT PRIMARY KEY,
  height BIGINT NOT NULL REFERENCES blocks (height),
  time {time} NOT NULL,
  severity TEXT NOT NULL,
  check_name TEXT NOT NULL,
  program TEXT,
  account TEXT,
  sentence TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_by_account ON alerts (account, height);
CREATE TABLE IF NOT EXISTS alert_transactions (
  alert_id TEXT NOT NULL REFERENCES alerts (id),
  position INTEGER NOT NULL,
  transaction_id TEXT NOT NULL,
  PRIMARY KEY (alert_id, position));
CREATE INDEX IF NOT EXISTS alert_transactions_by_transaction ON alert_transactions (transaction_id);
)";

std::string SchemaFor(SqlDialect dialect) {
  std::string schema(kSchema);
  const bool postgres = dialect == SqlDialect::kPostgres;
  for (const auto& [placeholder, type] :
       {std::pair<std::string_view, std::string_view>{"{time}", postgres ? "TIMESTAMPTZ" : "TEXT"},
        {"{json}", postgres ? "JSONB" : "TEXT"}}) {
    for (auto at = schema.find(placeholder); at != std::string::npos;
         at = schema.find(placeholder, at)) {
      schema.replace(at, placeholder.size(), type);
    }
  }
  return schema;
}

SqlValue Text(std::string text) { return SqlValue(std::move(text)); }
SqlValue Number(std::int64_t number) { return SqlValue(number); }
SqlValue Flag(bool flag) { return SqlValue(std::int64_t{flag ? 1 : 0}); }
// NULL for an empty text: "no rule", "no program".
SqlValue TextOrNull(std::string text) {
  return text.empty() ? SqlValue(nullptr) : SqlValue(std::move(text));
}
SqlValue Time(core::TimeMillis time) { return Text(core::FormatKoreaTime(time)); }
SqlValue LocalDay(core::TimeMillis time) {
  return Text(core::FormatDate(core::ToKoreaTime(time).date));
}

std::string Joined(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "" : ",") + item;
  return joined;
}

std::string RolesOf(const core::RoleSet& roles) { return Joined(roles.Names()); }

// A column's integer; nullopt for NULL or anything else.
std::optional<std::int64_t> IntegerOf(const std::optional<std::string>& column) {
  if (!column) return std::nullopt;
  std::int64_t value = 0;
  const char* end = column->data() + column->size();
  const auto [stop, error] = std::from_chars(column->data(), end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

base::Status Refused(std::uint64_t height, const std::string& what) {
  return base::Status::Corruption("block " + std::to_string(height) + ": " + what);
}

}  // namespace

base::Result<std::unique_ptr<SqlIndexer>> SqlIndexer::Open(SqlDatabase& db,
                                                           const ledger::Genesis& genesis) {
  ledger::State state;
  auto genesis_header = ledger::BuildGenesisState(genesis, state);
  if (!genesis_header) return base::Error(genesis_header.error());
  const crypto::Hash genesis_hash = core::HeaderHash(*genesis_header);

  if (auto made = db.ExecuteScript(SchemaFor(db.dialect())); !made.ok()) return base::Error(made);
  auto rows = db.Query(
      "SELECT chain_id, schema_version, genesis_hash, height, block_hash FROM nuri_index", {});
  if (!rows) return base::Error(rows.error());
  if (rows->size() > 1) {
    return base::Error(base::Status::Corruption(db.name() + ": nuri_index holds " +
                                                std::to_string(rows->size()) + " chains"));
  }
  if (rows->empty()) {
    std::unique_ptr<SqlIndexer> indexer(new SqlIndexer(db, genesis.chain_id, 0, genesis_hash));
    if (auto written = indexer->WriteGenesis(genesis, *genesis_header); !written.ok()) {
      db.Rollback();
      return base::Error(written);
    }
    return indexer;
  }
  const SqlRow& row = rows->front();
  if (row[0].value_or("") != genesis.chain_id || row[2].value_or("") != genesis_hash.ToHex()) {
    return base::Error(base::Status::FailedPrecondition(
        db.name() + " indexes chain '" + row[0].value_or("") + "' from genesis " +
        row[2].value_or("").substr(0, 16) + ", not '" + genesis.chain_id + "' from " +
        genesis_hash.ToHex().substr(0, 16)));
  }
  if (row[1].value_or("") != std::to_string(kSqlSchemaVersion)) {
    return base::Error(base::Status::FailedPrecondition(
        db.name() + " holds tables of schema version " + row[1].value_or("?") +
        "; this nuri writes version " + std::to_string(kSqlSchemaVersion)));
  }
  const auto height = IntegerOf(row[3]);
  auto hash = crypto::Hash::FromHex(row[4].value_or(""));
  if (!height || *height < 0 || !hash) {
    return base::Error(base::Status::Corruption(db.name() + ": nuri_index is unreadable"));
  }
  return std::unique_ptr<SqlIndexer>(
      new SqlIndexer(db, genesis.chain_id, static_cast<std::uint64_t>(*height), *hash));
}

base::Status SqlIndexer::WriteGenesis(const ledger::Genesis& genesis,
                                      const core::BlockHeader& header) {
  NURI_RETURN_IF_ERROR(db_.Begin());
  NURI_RETURN_IF_ERROR(WriteHeader(header, block_hash_, {}));
  for (const core::Body& body : genesis.bodies) NURI_RETURN_IF_ERROR(ApplyBody(body, 0));
  NURI_RETURN_IF_ERROR(db_.Execute(
      "INSERT INTO nuri_index (chain_id, schema_version, genesis_hash, height, block_hash) "
      "VALUES ($1, $2, $3, $4, $5)",
      {Text(chain_id_), Number(kSqlSchemaVersion), Text(block_hash_.ToHex()), Number(0),
       Text(block_hash_.ToHex())}));
  return db_.Commit();
}

base::Status SqlIndexer::AddBlock(const core::Block& block,
                                  const std::vector<core::Receipt>& receipts,
                                  const std::vector<Alert>& alerts) {
  const core::BlockHeader& header = block.header;
  if (header.chain_id != chain_id_) {
    return Refused(header.height, "of chain '" + header.chain_id + "', not '" + chain_id_ + "'");
  }
  if (header.height != height_ + 1) {
    return Refused(header.height,
                   "is not the next block: the index is at " + std::to_string(height_));
  }
  if (header.prev_hash != block_hash_) {
    return Refused(header.height,
                   "does not follow block " + std::to_string(height_) + " as this index holds it");
  }
  std::vector<core::SignedTransaction> transactions;
  std::vector<crypto::Hash> ids;
  for (const std::string& bytes : block.transactions) {
    auto tx = core::DecodeTransaction(bytes);
    if (!tx)
      return Refused(header.height, "a transaction does not decode: " + tx.error().message());
    ids.push_back(tx->id);
    transactions.push_back(*std::move(tx));
  }
  if (ids.size() != header.tx_count || core::TransactionsRoot(ids) != header.tx_root) {
    return Refused(header.height, "its transactions do not hash to its header's root");
  }
  if (receipts.size() != ids.size() || core::ReceiptsRoot(receipts) != header.receipts_root) {
    return Refused(header.height, "its receipts do not hash to its header's root");
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (receipts[i].tx_id != ids[i]) {
      return Refused(header.height, "receipt " + std::to_string(i) + " is not its transaction's");
    }
  }
  for (const Alert& alert : alerts) {
    if (alert.height != header.height) {
      return Refused(header.height,
                     "alert " + alert.id + " was raised on block " + std::to_string(alert.height));
    }
  }

  const crypto::Hash hash = core::HeaderHash(header);
  auto written = WriteBlock(block, hash, transactions, receipts, alerts);
  if (!written.ok()) {
    db_.Rollback();
    programs_.clear();
    categories_.clear();
    return written;
  }
  height_ = header.height;
  block_hash_ = hash;
  return base::Status::Ok();
}

base::Status SqlIndexer::WriteBlock(const core::Block& block, const crypto::Hash& hash,
                                    const std::vector<core::SignedTransaction>& transactions,
                                    const std::vector<core::Receipt>& receipts,
                                    const std::vector<Alert>& alerts) {
  const core::BlockHeader& header = block.header;
  NURI_RETURN_IF_ERROR(db_.Begin());
  NURI_RETURN_IF_ERROR(WriteHeader(header, hash, block.certificate));
  for (std::size_t i = 0; i < transactions.size(); ++i) {
    const auto position = static_cast<std::uint32_t>(i);
    NURI_RETURN_IF_ERROR(WriteTransaction(header, position, transactions[i], receipts[i]));
    const core::Body& body = transactions[i].tx.body;
    if (std::holds_alternative<core::Pay>(body) || std::holds_alternative<core::Refund>(body)) {
      NURI_RETURN_IF_ERROR(WritePayment(header, position, transactions[i], receipts[i]));
    }
    if (receipts[i].status == core::ReceiptStatus::kOk) {
      NURI_RETURN_IF_ERROR(ApplyBody(body, header.height));
    }
  }
  for (const Alert& alert : alerts) NURI_RETURN_IF_ERROR(WriteAlert(alert));
  NURI_RETURN_IF_ERROR(WriteProgress(header.height, hash));
  return db_.Commit();
}

base::Status SqlIndexer::WriteHeader(const core::BlockHeader& header, const crypto::Hash& hash,
                                     const core::CommitCertificate& certificate) {
  std::vector<std::string> signers;
  for (const auto& signature : certificate.signatures) signers.push_back(signature.validator);
  return db_.Execute(
      "INSERT INTO blocks (height, hash, prev_hash, time, time_ms, local_date, proposer, tx_root, "
      "receipts_root, state_root, validator_set_hash, transaction_count, commit_round, signed_by) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      {Number(static_cast<std::int64_t>(header.height)), Text(hash.ToHex()),
       Text(header.prev_hash.ToHex()), Time(header.time), Number(header.time),
       LocalDay(header.time), Text(header.proposer), Text(header.tx_root.ToHex()),
       Text(header.receipts_root.ToHex()), Text(header.state_root.ToHex()),
       Text(header.validator_set_hash.ToHex()), Number(header.tx_count), Number(certificate.round),
       Text(Joined(signers))});
}

base::Status SqlIndexer::WriteTransaction(const core::BlockHeader& header, std::uint32_t position,
                                          const core::SignedTransaction& signed_tx,
                                          const core::Receipt& receipt) {
  const core::Transaction& tx = signed_tx.tx;
  std::vector<std::string> co_signers;
  for (const auto& signature : tx.signatures) {
    if (signature.account != tx.signer && std::find(co_signers.begin(), co_signers.end(),
                                                    signature.account.str()) == co_signers.end()) {
      co_signers.push_back(signature.account.str());
    }
  }
  const std::string id = signed_tx.id.ToHex();
  const auto height = static_cast<std::int64_t>(header.height);
  NURI_RETURN_IF_ERROR(db_.Execute(
      "INSERT INTO transactions (id, height, position, type, signer, nonce, valid_until, "
      "co_signers, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {Text(id), Number(height), Number(position), Text(std::string(core::BodyTypeName(tx.body))),
       Text(tx.signer.str()), Text(std::to_string(tx.nonce)), Time(tx.valid_until),
       Text(Joined(co_signers)), Text(json::serialize(core::BodyToJson(tx.body)))}));
  const bool rejected = receipt.status == core::ReceiptStatus::kRejected;
  return db_.Execute(
      "INSERT INTO receipts (transaction_id, height, position, status, code, rule, message, "
      "program, program_version, budget_code, justified) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {Text(id), Number(height), Number(position),
       Text(std::string(core::ReceiptStatusName(receipt.status))),
       rejected ? Text(std::string(core::ReasonName(receipt.code))) : SqlValue(nullptr),
       TextOrNull(receipt.rule), TextOrNull(receipt.message), TextOrNull(receipt.program),
       receipt.program.empty() ? SqlValue(nullptr) : Number(receipt.program_version),
       TextOrNull(receipt.budget_code), TextOrNull(Joined(receipt.justified))});
}

base::Status SqlIndexer::WritePayment(const core::BlockHeader& header, std::uint32_t position,
                                      const core::SignedTransaction& signed_tx,
                                      const core::Receipt& receipt) {
  const core::Transaction& tx = signed_tx.tx;
  const bool rejected = receipt.status == core::ReceiptStatus::kRejected;
  std::string kind;
  std::string program;
  std::string payer;
  std::string merchant;
  std::int64_t amount = 0;
  SqlValue attendees = nullptr;
  SqlValue purpose = nullptr;
  SqlValue evidence = nullptr;
  SqlValue justification = nullptr;
  SqlValue refunded = nullptr;
  if (const auto* pay = std::get_if<core::Pay>(&tx.body)) {
    kind = "payment";
    program = pay->program;
    payer = tx.signer.str();
    merchant = pay->to.str();
    amount = pay->amount.won();
    attendees = Number(pay->attendees);
    purpose = TextOrNull(pay->purpose);
    if (pay->evidence) evidence = Text(pay->evidence->ToHex());
    justification = TextOrNull(pay->justification);
  } else {
    const auto& refund = std::get<core::Refund>(tx.body);
    kind = "refund";
    merchant = tx.signer.str();
    amount = refund.amount.won();
    refunded = Text(refund.payment.ToHex());
    // Who is paid back, and under which program, is the refunded payment's, when it was
    // accepted: a refund of anything else moves nothing and belongs to no program (as in the
    // payment export).
    auto paid = db_.Query(
        "SELECT payer, program FROM payments WHERE transaction_id = $1 AND kind = 'payment' "
        "AND status = 'ok'",
        {Text(refund.payment.ToHex())});
    if (!paid) return paid.error();
    if (!paid->empty()) {
      payer = paid->front()[0].value_or("");
      program = paid->front()[1].value_or("");
    }
  }
  std::optional<ProgramFacts> facts;
  if (!program.empty()) {
    auto found = FactsOf(program);
    if (!found) return found.error();
    facts = *found;
  }
  auto category = CategoryOf(merchant);
  if (!category) return category.error();
  std::string budget_code = receipt.budget_code;
  if (budget_code.empty() && facts) budget_code = facts->budget_code;
  return db_.Execute(
      "INSERT INTO payments (transaction_id, height, position, time, local_date, kind, status, "
      "code, rule, message, program, program_version, budget_code, ministry, token, payer, "
      "merchant, category, amount_won, attendees, purpose, evidence, justification, justified, "
      "refunded_payment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
      "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
      {Text(signed_tx.id.ToHex()),
       Number(static_cast<std::int64_t>(header.height)),
       Number(position),
       Time(header.time),
       LocalDay(header.time),
       Text(kind),
       Text(std::string(core::ReceiptStatusName(receipt.status))),
       rejected ? Text(std::string(core::ReasonName(receipt.code))) : SqlValue(nullptr),
       TextOrNull(receipt.rule),
       TextOrNull(receipt.message),
       TextOrNull(program),
       receipt.program.empty() ? SqlValue(nullptr) : Number(receipt.program_version),
       TextOrNull(budget_code),
       facts ? Text(facts->ministry) : SqlValue(nullptr),
       facts ? Text(facts->token) : SqlValue(nullptr),
       TextOrNull(payer),
       Text(merchant),
       category->has_value() ? Text(**category) : SqlValue(nullptr),
       Number(amount),
       attendees,
       purpose,
       evidence,
       justification,
       TextOrNull(Joined(receipt.justified)),
       refunded});
}

base::Status SqlIndexer::ApplyBody(const core::Body& body, std::uint64_t block_height) {
  const auto height = static_cast<std::int64_t>(block_height);
  if (const auto* org = std::get_if<core::RegisterOrg>(&body)) {
    return db_.Execute(
        "INSERT INTO organizations (id, kind, name, registered_height) VALUES ($1, $2, $3, $4)",
        {Text(org->org.str()), Text(std::string(core::OrgKindName(org->kind))), Text(org->name),
         Number(height)});
  }
  if (const auto* account = std::get_if<core::RegisterAccount>(&body)) {
    NURI_RETURN_IF_ERROR(db_.Execute(
        "INSERT INTO accounts (id, organization, roles, key_count, quorum, frozen, "
        "registered_height, updated_height) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {Text(account->account.str()), Text(std::string(account->account.org())),
         Text(RolesOf(account->roles)), Number(static_cast<std::int64_t>(account->keys.size())),
         Number(account->quorum), Flag(false), Number(height), Number(height)}));
    if (!account->merchant) return base::Status::Ok();
    categories_.erase(account->account.str());
    return db_.Execute(
        "INSERT INTO merchants (account, category, business_no, name, registered_height) "
        "VALUES ($1, $2, $3, $4, $5)",
        {Text(account->account.str()), Text(account->merchant->mcc),
         Text(account->merchant->business_no), Text(account->merchant->name), Number(height)});
  }
  if (const auto* roles = std::get_if<core::SetRoles>(&body)) {
    return db_.Execute("UPDATE accounts SET roles = $1, updated_height = $2 WHERE id = $3",
                       {Text(RolesOf(roles->roles)), Number(height), Text(roles->account.str())});
  }
  if (const auto* keys = std::get_if<core::SetKeys>(&body)) {
    return db_.Execute(
        "UPDATE accounts SET key_count = $1, quorum = $2, updated_height = $3 WHERE id = $4",
        {Number(static_cast<std::int64_t>(keys->keys.size())), Number(keys->quorum), Number(height),
         Text(keys->account.str())});
  }
  const core::AccountId* frozen = nullptr;
  const core::AccountId* unfrozen = nullptr;
  if (const auto* freeze = std::get_if<core::Freeze>(&body)) frozen = &freeze->account;
  if (const auto* unfreeze = std::get_if<core::Unfreeze>(&body)) unfrozen = &unfreeze->account;
  if (frozen != nullptr || unfrozen != nullptr) {
    return db_.Execute("UPDATE accounts SET frozen = $1, updated_height = $2 WHERE id = $3",
                       {Flag(frozen != nullptr), Number(height),
                        Text((frozen != nullptr ? frozen : unfrozen)->str())});
  }
  if (const auto* token = std::get_if<core::DefineToken>(&body)) {
    return db_.Execute(
        "INSERT INTO tokens (id, issuer, bank, name, registered_height) VALUES ($1, $2, $3, $4, "
        "$5)",
        {Text(token->token.str()), Text(token->issuer.str()),
         Text(std::string(token->issuer.org())), Text(token->name), Number(height)});
  }
  if (const auto* define = std::get_if<core::DefineProgram>(&body)) {
    const core::ProgramDefinition& program = define->program;
    std::vector<std::string> managers;
    for (const auto& manager : program.managers) managers.push_back(manager.str());
    programs_.erase(program.id);
    NURI_RETURN_IF_ERROR(db_.Execute(
        "INSERT INTO programs (id, name, kind, token, owner, ministry, managers, budget_code, "
        "valid_from, valid_until, version, defined_height, definition) VALUES ($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, $12, $13)",
        {Text(program.id), Text(program.name),
         Text(std::string(core::ProgramKindName(program.kind))), Text(program.token.str()),
         Text(program.owner.str()), Text(std::string(program.owner.org())), Text(Joined(managers)),
         TextOrNull(program.budget_code), Time(program.valid_from), Time(program.valid_until),
         Number(1), Number(height), Text(json::serialize(core::ProgramToJson(program)))}));
    return db_.Execute(
        "INSERT INTO program_versions (program, version, height, rules) VALUES ($1, $2, $3, $4)",
        {Text(program.id), Number(1), Number(height),
         Text(json::serialize(core::RulesToJson(program.rules)))});
  }
  if (const auto* amend = std::get_if<core::AmendProgram>(&body)) {
    auto current = db_.Query("SELECT version FROM programs WHERE id = $1", {Text(amend->program)});
    if (!current) return current.error();
    const auto current_version = current->empty() ? std::nullopt : IntegerOf(current->front()[0]);
    if (!current_version) {
      return base::Status::Corruption("program " + amend->program +
                                      " was amended but this index does not hold it");
    }
    const std::int64_t version = *current_version + 1;
    NURI_RETURN_IF_ERROR(
        db_.Execute("UPDATE programs SET version = $1, amended_height = $2 WHERE id = $3",
                    {Number(version), Number(height), Text(amend->program)}));
    return db_.Execute(
        "INSERT INTO program_versions (program, version, height, rules) VALUES ($1, $2, $3, $4)",
        {Text(amend->program), Number(version), Number(height),
         Text(json::serialize(core::RulesToJson(amend->rules)))});
  }
  if (const auto* close = std::get_if<core::CloseProgram>(&body)) {
    return db_.Execute("UPDATE programs SET closed_height = $1 WHERE id = $2",
                       {Number(height), Text(close->program)});
  }
  // Money moves and calendars change no record these tables keep.
  return base::Status::Ok();
}

base::Status SqlIndexer::WriteAlert(const Alert& alert) {
  NURI_RETURN_IF_ERROR(db_.Execute(
      "INSERT INTO alerts (id, height, time, severity, check_name, program, account, sentence) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {Text(alert.id), Number(static_cast<std::int64_t>(alert.height)), Time(alert.time),
       Text(std::string(SeverityName(alert.severity))), Text(alert.check),
       TextOrNull(alert.program), TextOrNull(alert.account), Text(alert.sentence)}));
  for (std::size_t i = 0; i < alert.transactions.size(); ++i) {
    NURI_RETURN_IF_ERROR(db_.Execute(
        "INSERT INTO alert_transactions (alert_id, position, transaction_id) VALUES ($1, $2, $3)",
        {Text(alert.id), Number(static_cast<std::int64_t>(i)), Text(alert.transactions[i])}));
  }
  return base::Status::Ok();
}

base::Status SqlIndexer::WriteProgress(std::uint64_t height, const crypto::Hash& hash) {
  // Only from the height this indexer read: a second indexer writing the same database is
  // refused here rather than interleaving blocks.
  auto updated = db_.Query(
      "UPDATE nuri_index SET height = $1, block_hash = $2 WHERE chain_id = $3 AND height = $4 "
      "RETURNING height",
      {Number(static_cast<std::int64_t>(height)), Text(hash.ToHex()), Text(chain_id_),
       Number(static_cast<std::int64_t>(height_))});
  if (!updated) return updated.error();
  if (updated->size() != 1) {
    return base::Status::FailedPrecondition(db_.name() + " moved past block " +
                                            std::to_string(height_) +
                                            " meanwhile: another indexer writes it");
  }
  return base::Status::Ok();
}

base::Result<std::optional<SqlIndexer::ProgramFacts>> SqlIndexer::FactsOf(
    const std::string& program) {
  if (auto found = programs_.find(program); found != programs_.end()) return found->second;
  auto rows =
      db_.Query("SELECT token, ministry, budget_code FROM programs WHERE id = $1", {Text(program)});
  if (!rows) return base::Error(rows.error());
  std::optional<ProgramFacts> facts;
  if (!rows->empty()) {
    const SqlRow& row = rows->front();
    facts = ProgramFacts{row[0].value_or(""), row[1].value_or(""), row[2].value_or("")};
  }
  return programs_.emplace(program, facts).first->second;
}

base::Result<std::optional<std::string>> SqlIndexer::CategoryOf(const std::string& merchant) {
  if (auto found = categories_.find(merchant); found != categories_.end()) return found->second;
  auto rows = db_.Query("SELECT category FROM merchants WHERE account = $1", {Text(merchant)});
  if (!rows) return base::Error(rows.error());
  std::optional<std::string> category;
  if (!rows->empty()) category = rows->front()[0];
  return categories_.emplace(merchant, category).first->second;
}

}  // namespace nuri::audit
