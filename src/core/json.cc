#include "core/json.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <optional>
#include <set>

#include "base/hex.h"
#include "base/limits.h"
#include "core/json_fields.h"
#include "core/text.h"

namespace nuri::core {

namespace json = boost::json;
using json_fields::Fault;
using json_fields::Fields;

namespace {

JsonResult<std::optional<MerchantRecord>> MerchantFromJson(const Fields& fields) {
  const json::value* value = fields.Find("merchant");
  if (value == nullptr || value->is_null()) return std::optional<MerchantRecord>();
  if (!value->is_object()) return Fault(fields.Path("merchant"), "expected an object");
  Fields merchant_fields(value->get_object(), fields.Path("merchant"));
  MerchantRecord merchant;
  NURI_JSON_TRY(merchant.mcc, merchant_fields.String("mcc", 4));
  if (!IsMerchantCategoryCode(merchant.mcc)) {
    return Fault(merchant_fields.Path("mcc"), "expected an ISO 18245 code of four digits");
  }
  NURI_JSON_TRY(merchant.business_no, merchant_fields.String("business_no", 32));
  NURI_JSON_TRY(merchant.name, merchant_fields.String("name", base::kDisplayNameLengthMax));
  if (merchant.business_no.empty()) return Fault(merchant_fields.Path("business_no"), "required");
  if (merchant.name.empty()) return Fault(merchant_fields.Path("name"), "required");
  return std::optional<MerchantRecord>(std::move(merchant));
}

// Accepts `primary`, or `alias` where the scenario format names the field differently.
std::string_view Either(const Fields& fields, std::string_view primary, std::string_view alias) {
  return fields.Find(primary) == nullptr && fields.Find(alias) != nullptr ? alias : primary;
}

JsonResult<SetHolidays> HolidaysFromJson(const Fields& f) {
  SetHolidays b;
  std::uint64_t year = 0;
  NURI_JSON_TRY(year, f.Unsigned("year", 9999, 0));
  if (year < 1970) return Fault(f.Path("year"), "expected a year from 1970 to 9999");
  b.year = static_cast<int>(year);
  const json::value* dates = f.Find("dates");
  if (dates == nullptr || !dates->is_array())
    return Fault(f.Path("dates"), "expected a list of dates");
  const auto& array = dates->get_array();
  if (array.size() > base::kHolidaysPerYearMax) return Fault(f.Path("dates"), "too many dates");
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string at = f.Path("dates") + "[" + std::to_string(i) + "]";
    if (!array[i].is_string()) return Fault(at, "expected a date YYYY-MM-DD");
    auto date = ParseDate(array[i].get_string());
    if (!date) return Fault(at, date.error().message());
    if (date->year != b.year) return Fault(at, "not in " + std::to_string(b.year));
    b.dates.push_back(*date);
  }
  std::sort(b.dates.begin(), b.dates.end());
  b.dates.erase(std::unique(b.dates.begin(), b.dates.end()), b.dates.end());
  return b;
}

JsonResult<Pay> PayFromJson(const Fields& f) {
  Pay b;
  NURI_JSON_TRY(b.program, f.ProgramId("program"));
  NURI_JSON_TRY(b.to, f.Identifier<AccountId>("to"));
  NURI_JSON_TRY(b.amount, f.AmountField("amount"));
  std::uint64_t attendees = 0;
  NURI_JSON_TRY(attendees, f.Unsigned("attendees", base::kAttendeesMax, 0));
  b.attendees = static_cast<std::uint32_t>(attendees);
  NURI_JSON_TRY(b.purpose, f.String("purpose", base::kPurposeLengthMax, false));
  NURI_JSON_TRY(b.evidence, f.HashField("evidence", false));
  NURI_JSON_TRY(b.justification, f.String("justification", base::kJustificationLengthMax, false));
  return b;
}

// The bodies of programs (docs/programs.md).
JsonResult<Body> ProgramBodyOfType(std::string_view type, const Fields& f) {
  if (type == "set_holidays") return HolidaysFromJson(f);
  if (type == "define_program") {
    auto program = ProgramFromJson(f.object(), f.path(), true);
    if (!program) return std::unexpected(program.error().front());
    return DefineProgram{std::move(*program)};
  }
  if (type == "amend_program") {
    AmendProgram b;
    NURI_JSON_TRY(b.program, f.ProgramId("program"));
    const json::value* rules = f.Find("rules");
    if (rules == nullptr) return Fault(f.Path("rules"), "required");
    auto parsed = RulesFromJson(*rules, f.Path("rules"));
    if (!parsed) return std::unexpected(parsed.error().front());
    b.rules = std::move(*parsed);
    return b;
  }
  if (type == "fund_program") {
    FundProgram b;
    NURI_JSON_TRY(b.program, f.ProgramId("program"));
    NURI_JSON_TRY(b.amount, f.AmountField("amount"));
    return b;
  }
  if (type == "grant") {
    Grant b;
    NURI_JSON_TRY(b.program, f.ProgramId("program"));
    NURI_JSON_TRY(b.to, f.Identifier<AccountId>("to"));
    NURI_JSON_TRY(b.amount, f.AmountField("amount"));
    return b;
  }
  if (type == "reclaim") {
    Reclaim b;
    NURI_JSON_TRY(b.program, f.ProgramId("program"));
    NURI_JSON_TRY(b.from, f.Identifier<AccountId>(Either(f, "from", "holder")));
    const json::value* amount = f.Find("amount");
    const bool all = amount == nullptr || (amount->is_string() && amount->get_string() == "all");
    if (!all) {
      NURI_JSON_TRY(b.amount, AmountFromJson(*amount, f.Path("amount")));
    }
    return b;
  }
  if (type == "close_program") {
    CloseProgram b;
    NURI_JSON_TRY(b.program, f.ProgramId("program"));
    return b;
  }
  if (type == "pay") return PayFromJson(f);
  if (type == "refund") {
    Refund b;
    std::optional<crypto::Hash> payment;
    NURI_JSON_TRY(payment, f.HashField("payment", true));
    b.payment = *payment;
    NURI_JSON_TRY(b.amount, f.AmountField("amount"));
    return b;
  }
  if (type == "attest") {
    Attest b;
    NURI_JSON_TRY(b.program, f.ProgramId("program"));
    NURI_JSON_TRY(b.holder, f.Identifier<AccountId>("holder"));
    NURI_JSON_TRY(b.milestone, f.String("milestone", base::kMilestoneLengthMax));
    if (b.milestone.empty()) return Fault(f.Path("milestone"), "required");
    std::optional<crypto::Hash> evidence;
    NURI_JSON_TRY(evidence, f.HashField("evidence", true));
    b.evidence = *evidence;
    return b;
  }
  return Fault(f.Path("type"), "unknown transaction type '" + std::string(type) + "'");
}

JsonResult<Body> BodyOfType(std::string_view type, const Fields& f) {
  if (type == "register_org") {
    RegisterOrg b;
    NURI_JSON_TRY(b.org, f.Identifier<OrgId>(Either(f, "id", "org")));
    std::string kind;
    NURI_JSON_TRY(kind, f.String("kind", 32));
    auto parsed = OrgKindFromName(kind);
    if (!parsed) return Fault(f.Path("kind"), "unknown organization kind '" + kind + "'");
    b.kind = *parsed;
    NURI_JSON_TRY(b.name, f.String("name", base::kDisplayNameLengthMax, false));
    return b;
  }
  if (type == "register_account") {
    RegisterAccount b;
    NURI_JSON_TRY(b.account, f.Identifier<AccountId>(Either(f, "id", "account")));
    NURI_JSON_TRY(b.keys, f.Keys("keys"));
    std::uint64_t quorum = 1;
    // Any byte is a well-formed quorum; whether it fits the keys is judged in the block.
    NURI_JSON_TRY(quorum, f.Unsigned("quorum", UINT8_MAX, 1));
    b.quorum = static_cast<std::uint8_t>(quorum);
    NURI_JSON_TRY(b.roles, f.Roles("roles"));
    NURI_JSON_TRY(b.merchant, MerchantFromJson(f));
    return b;
  }
  if (type == "set_roles") {
    SetRoles b;
    NURI_JSON_TRY(b.account, f.Identifier<AccountId>("account"));
    NURI_JSON_TRY(b.roles, f.Roles("roles"));
    return b;
  }
  if (type == "set_keys") {
    SetKeys b;
    NURI_JSON_TRY(b.account, f.Identifier<AccountId>("account"));
    NURI_JSON_TRY(b.keys, f.Keys("keys"));
    std::uint64_t quorum = 1;
    NURI_JSON_TRY(quorum, f.Unsigned("quorum", UINT8_MAX, 1));
    b.quorum = static_cast<std::uint8_t>(quorum);
    return b;
  }
  if (type == "freeze" || type == "unfreeze") {
    AccountId account;
    NURI_JSON_TRY(account, f.Identifier<AccountId>("account"));
    if (type == "freeze") return Freeze{account};
    return Unfreeze{account};
  }
  if (type == "define_token") {
    DefineToken b;
    NURI_JSON_TRY(b.token, f.Identifier<TokenId>(Either(f, "token", "id")));
    NURI_JSON_TRY(b.issuer, f.Identifier<AccountId>("issuer"));
    NURI_JSON_TRY(b.name, f.String("name", base::kDisplayNameLengthMax, false));
    return b;
  }
  if (type == "mint") {
    Mint b;
    NURI_JSON_TRY(b.token, f.Identifier<TokenId>("token"));
    NURI_JSON_TRY(b.to, f.Identifier<AccountId>("to"));
    NURI_JSON_TRY(b.amount, f.AmountField("amount"));
    return b;
  }
  if (type == "burn") {
    Burn b;
    NURI_JSON_TRY(b.token, f.Identifier<TokenId>("token"));
    NURI_JSON_TRY(b.amount, f.AmountField("amount"));
    return b;
  }
  if (type == "transfer") {
    Transfer b;
    NURI_JSON_TRY(b.token, f.Identifier<TokenId>("token"));
    NURI_JSON_TRY(b.to, f.Identifier<AccountId>("to"));
    NURI_JSON_TRY(b.amount, f.AmountField("amount"));
    NURI_JSON_TRY(b.program, f.String("program", base::kProgramIdLengthMax, false));
    NURI_JSON_TRY(b.memo, f.String("memo", base::kMemoLengthMax, false));
    return b;
  }
  if (type == "add_validator" || type == "remove_validator") {
    std::string name;
    NURI_JSON_TRY(name, f.String("name", kValidatorNameLengthMax));
    if (!IsValidatorName(name)) {
      return Fault(f.Path("name"),
                   "expected a node name: lowercase letters, digits, '-', '_' and '.'");
    }
    if (type == "remove_validator") return RemoveValidator{std::move(name)};
    std::string key_text;
    NURI_JSON_TRY(key_text, f.String("key", 256));
    auto key = crypto::PublicKey::FromText(key_text);
    if (!key) return Fault(f.Path("key"), key.error().message());
    return AddValidator{std::move(name), *key};
  }
  return ProgramBodyOfType(type, f);
}

json::array KeysToJson(const std::vector<crypto::PublicKey>& keys) {
  json::array array;
  for (const auto& key : keys) array.emplace_back(key.ToText());
  return array;
}

json::array RolesToJson(const RoleSet& roles) {
  json::array array;
  for (const auto& name : roles.Names()) array.emplace_back(name);
  return array;
}

struct BodyJsonWriter {
  json::object& o;
  void operator()(const RegisterOrg& b) {
    o["id"] = b.org.str();
    o["kind"] = OrgKindName(b.kind);
    o["name"] = b.name;
  }
  void operator()(const RegisterAccount& b) {
    o["id"] = b.account.str();
    o["keys"] = KeysToJson(b.keys);
    o["quorum"] = b.quorum;
    o["roles"] = RolesToJson(b.roles);
    if (b.merchant) {
      o["merchant"] = json::object{{"mcc", b.merchant->mcc},
                                   {"business_no", b.merchant->business_no},
                                   {"name", b.merchant->name}};
    }
  }
  void operator()(const SetRoles& b) {
    o["account"] = b.account.str();
    o["roles"] = RolesToJson(b.roles);
  }
  void operator()(const SetKeys& b) {
    o["account"] = b.account.str();
    o["keys"] = KeysToJson(b.keys);
    o["quorum"] = b.quorum;
  }
  void operator()(const Freeze& b) { o["account"] = b.account.str(); }
  void operator()(const Unfreeze& b) { o["account"] = b.account.str(); }
  void operator()(const DefineToken& b) {
    o["token"] = b.token.str();
    o["issuer"] = b.issuer.str();
    o["name"] = b.name;
  }
  void operator()(const Mint& b) {
    o["token"] = b.token.str();
    o["to"] = b.to.str();
    o["amount"] = b.amount.won();
  }
  void operator()(const Burn& b) {
    o["token"] = b.token.str();
    o["amount"] = b.amount.won();
  }
  void operator()(const Transfer& b) {
    o["token"] = b.token.str();
    o["to"] = b.to.str();
    o["amount"] = b.amount.won();
    if (!b.program.empty()) o["program"] = b.program;
    if (!b.memo.empty()) o["memo"] = b.memo;
  }
  void operator()(const SetHolidays& b) {
    o["year"] = b.year;
    json::array dates;
    for (const auto& date : b.dates) dates.emplace_back(FormatDate(date));
    o["dates"] = std::move(dates);
  }
  void operator()(const DefineProgram& b) {
    for (auto& field : ProgramToJson(b.program)) o[field.key()] = field.value();
  }
  void operator()(const AmendProgram& b) {
    o["program"] = b.program;
    o["rules"] = RulesToJson(b.rules);
  }
  void operator()(const FundProgram& b) {
    o["program"] = b.program;
    o["amount"] = b.amount.won();
  }
  void operator()(const Grant& b) {
    o["program"] = b.program;
    o["to"] = b.to.str();
    o["amount"] = b.amount.won();
  }
  void operator()(const Reclaim& b) {
    o["program"] = b.program;
    o["from"] = b.from.str();
    if (b.amount)
      o["amount"] = b.amount->won();
    else
      o["amount"] = "all";
  }
  void operator()(const CloseProgram& b) { o["program"] = b.program; }
  void operator()(const Pay& b) {
    o["program"] = b.program;
    o["to"] = b.to.str();
    o["amount"] = b.amount.won();
    if (b.attendees != 0) o["attendees"] = b.attendees;
    if (!b.purpose.empty()) o["purpose"] = b.purpose;
    if (b.evidence) o["evidence"] = b.evidence->ToHex();
    if (!b.justification.empty()) o["justification"] = b.justification;
  }
  void operator()(const Refund& b) {
    o["payment"] = b.payment.ToHex();
    o["amount"] = b.amount.won();
  }
  void operator()(const Attest& b) {
    o["program"] = b.program;
    o["holder"] = b.holder.str();
    o["milestone"] = b.milestone;
    o["evidence"] = b.evidence.ToHex();
  }
  void operator()(const AddValidator& b) {
    o["name"] = b.name;
    o["key"] = b.key.ToText();
  }
  void operator()(const RemoveValidator& b) { o["name"] = b.name; }
};

JsonResult<TimeMillis> TimeFromJson(const json::value* value, std::string path) {
  if (value == nullptr) return Fault(path, "required");
  if (value->is_int64()) {
    if (!IsLedgerTime(value->get_int64())) return Fault(path, "time out of range");
    return value->get_int64();
  }
  if (value->is_string()) {
    auto time = ParseTime(value->get_string());
    if (time) return *time;
    return Fault(path, time.error().message());
  }
  return Fault(path, "expected an RFC 3339 time or milliseconds since the epoch");
}

}  // namespace

JsonResult<Amount> AmountFromJson(const json::value& value, std::string_view path) {
  const std::string field(path);
  if (value.is_int64()) return Amount::Won(value.get_int64());
  if (value.is_uint64()) {
    return Fault(field, "amount exceeds the largest representable amount",
                 ReasonCode::kInvalidAmount);
  }
  if (value.is_string()) {
    std::string_view text = value.get_string();
    const bool negative = text.starts_with('-');
    if (negative) text.remove_prefix(1);
    std::int64_t won = 0;
    bool valid = !text.empty() && text.size() <= 20;
    bool overflow = false;
    for (char c : text) {
      if (c < '0' || c > '9') {
        valid = false;
        break;
      }
      overflow = overflow || __builtin_mul_overflow(won, 10, &won) ||
                 __builtin_add_overflow(won, c - '0', &won);
    }
    if (valid && !overflow) return Amount::Won(negative ? -won : won);
    if (valid) {
      return Fault(field, "amount exceeds the largest representable amount",
                   ReasonCode::kInvalidAmount);
    }
  }
  if (value.is_double()) {
    return Fault(field, "expected a whole number of won (KRW has no minor unit)",
                 ReasonCode::kInvalidAmount);
  }
  return Fault(field, "expected an integer amount of won");
}

JsonResult<Body> BodyFromJson(const json::value& value, std::string_view path) {
  if (!value.is_object()) return Fault(std::string(path), "expected an object");
  Fields fields(value.get_object(), path);
  std::string type;
  NURI_JSON_TRY(type, fields.String("type", 32));
  return BodyOfType(type, fields);
}

json::object BodyToJson(const Body& body) {
  json::object object;
  object["type"] = BodyTypeName(body);
  std::visit(BodyJsonWriter{object}, body);
  return object;
}

JsonResult<Transaction> TransactionFromJson(const json::value& value) {
  if (!value.is_object()) return Fault("", "expected a transaction object");
  Fields fields(value.get_object(), "");
  Transaction tx;
  NURI_JSON_TRY(tx.chain_id, fields.String("chain_id", base::kChainIdLengthMax));
  NURI_JSON_TRY(tx.signer, fields.Identifier<AccountId>("signer"));
  NURI_JSON_TRY(tx.nonce, fields.Unsigned("nonce", UINT64_MAX, 0));
  if (fields.Find("nonce") == nullptr) return Fault("nonce", "required");
  NURI_JSON_TRY(tx.valid_until, TimeFromJson(fields.Find("valid_until"), "valid_until"));
  const json::value* body = fields.Find("body");
  if (body == nullptr) return Fault("body", "required");
  NURI_JSON_TRY(tx.body, BodyFromJson(*body, "body"));
  const json::value* signatures = fields.Find("signatures");
  if (signatures == nullptr || !signatures->is_array()) {
    return Fault("signatures", "expected a list of signatures");
  }
  const auto& array = signatures->get_array();
  if (array.size() > base::kSignaturesPerTransactionMax) {
    return Fault("signatures", "too many signatures");
  }
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = "signatures[" + std::to_string(i) + "]";
    if (!array[i].is_object()) return Fault(path, "expected an object");
    Fields entry(array[i].get_object(), path);
    Signature signature;
    NURI_JSON_TRY(signature.account, entry.Identifier<AccountId>("account"));
    std::string key_text;
    NURI_JSON_TRY(key_text, entry.String("key", 128));
    auto key = crypto::PublicKey::FromText(key_text);
    if (!key) return Fault(entry.Path("key"), key.error().message());
    signature.key = *key;
    std::string signature_hex;
    NURI_JSON_TRY(signature_hex, entry.String("signature", 256));
    auto raw = base::FromHex(signature_hex);
    if (!raw || raw->size() != crypto::kEd25519SignatureSizeBytes) {
      return Fault(entry.Path("signature"), "expected 64 bytes in hex");
    }
    signature.signature = *raw;
    tx.signatures.push_back(std::move(signature));
  }
  return tx;
}

json::object TransactionToJson(const Transaction& tx) {
  json::object object;
  object["chain_id"] = tx.chain_id;
  object["signer"] = tx.signer.str();
  object["nonce"] = tx.nonce;
  object["valid_until"] = FormatKoreaTime(tx.valid_until);
  object["body"] = BodyToJson(tx.body);
  json::array signatures;
  for (const auto& signature : tx.signatures) {
    signatures.push_back(json::object{{"account", signature.account.str()},
                                      {"key", signature.key.ToText()},
                                      {"signature", base::ToHex(signature.signature)}});
  }
  object["signatures"] = std::move(signatures);
  return object;
}

json::object ReceiptToJson(const Receipt& receipt) {
  json::object object;
  object["status"] = ReceiptStatusName(receipt.status);
  if (receipt.status == ReceiptStatus::kRejected) {
    object["code"] = ReasonName(receipt.code);
    if (!receipt.rule.empty()) object["rule"] = receipt.rule;
    object["message"] = receipt.message;
  }
  if (!receipt.program.empty()) {
    object["program"] = receipt.program;
    object["program_version"] = receipt.program_version;
    if (!receipt.budget_code.empty()) object["budget_code"] = receipt.budget_code;
  }
  if (!receipt.justified.empty()) {
    json::array justified;
    for (const auto& rule : receipt.justified) justified.emplace_back(rule);
    object["justified"] = std::move(justified);
  }
  return object;
}

namespace {

void WriteIndented(const json::value& value, int depth, std::string& out) {
  const auto indent = [&](int level) { out.append("\n").append(2 * level, ' '); };
  if (value.is_object() && !value.get_object().empty()) {
    out += '{';
    bool first = true;
    for (const auto& [key, member] : value.get_object()) {
      if (!first) out += ',';
      first = false;
      indent(depth + 1);
      out += json::serialize(json::string(key));
      out += ": ";
      WriteIndented(member, depth + 1, out);
    }
    indent(depth);
    out += '}';
  } else if (value.is_array() && !value.get_array().empty()) {
    out += '[';
    bool first = true;
    for (const auto& element : value.get_array()) {
      if (!first) out += ',';
      first = false;
      indent(depth + 1);
      WriteIndented(element, depth + 1, out);
    }
    indent(depth);
    out += ']';
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

std::string SerializeIndented(const json::value& value) {
  std::string out;
  WriteIndented(value, 0, out);
  out += '\n';
  return out;
}

namespace {

// Finds the first key that appears twice in one object. Boost.JSON keeps the last of such keys
// when it builds a value, while another reader (a person, a browser, a spreadsheet) may take
// the first: text that means two things to two readers is refused.
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  const std::optional<std::string>& duplicate() const { return duplicate_; }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    open_objects_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    open_objects_.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_key_part(json::string_view part, std::size_t, boost::system::error_code&) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, boost::system::error_code& error) {
    key_.append(part.data(), part.size());
    if (!open_objects_.back().insert(key_).second) {
      duplicate_ = key_;
      error = boost::json::error::syntax;  // stops the parse; the caller reports the key
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, json::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }

 private:
  std::vector<std::set<std::string>> open_objects_;
  std::string key_;
  std::optional<std::string> duplicate_;
};

}  // namespace

base::Result<json::value> ParseJsonText(std::string_view text) {
  if (text.size() > base::kHttpBodySizeBytesMax) {
    return base::Error(base::Status::ResourceExhausted("JSON document too large"));
  }
  json::parse_options options;
  options.max_depth = base::kJsonDepthMax;
  boost::system::error_code error;
  json::basic_parser<DuplicateKeyFinder> finder(options);
  boost::system::error_code finder_error;
  finder.write_some(false, text.data(), text.size(), finder_error);
  if (const auto& duplicate = finder.handler().duplicate()) {
    return base::Error(base::Status::InvalidArgument(
        "invalid JSON: the key \"" + duplicate->substr(0, 64) + "\" appears twice in one object"));
  }
  json::value value = json::parse(text, error, {}, options);
  if (error) {
    return base::Error(base::Status::InvalidArgument("invalid JSON: " + error.message()));
  }
  return value;
}

}  // namespace nuri::core
