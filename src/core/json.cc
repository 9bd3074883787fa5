#include "core/json.h"

#include "base/hex.h"
#include "base/limits.h"
#include "core/text.h"

namespace nuri::core {

namespace json = boost::json;

namespace {

std::unexpected<JsonFault> Fault(std::string field, std::string message,
                                 ReasonCode code = ReasonCode::kMalformed) {
  return std::unexpected(JsonFault{std::move(field), std::move(message), code});
}

std::string Join(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return std::string(path) + "." + std::string(name);
}

// Reads the fields of one JSON object, naming each fault by its path.
class Fields {
 public:
  Fields(const json::object& object, std::string_view path) : object_(object), path_(path) {}

  std::string Path(std::string_view name) const { return Join(path_, name); }
  const json::value* Find(std::string_view name) const { return object_.if_contains(name); }

  JsonResult<std::string> String(std::string_view name, std::size_t size_max,
                                 bool required = true) const {
    const json::value* value = Find(name);
    if (value == nullptr || value->is_null()) {
      if (required) return Fault(Path(name), "required");
      return std::string();
    }
    if (!value->is_string()) return Fault(Path(name), "expected a string");
    std::string text(value->get_string());
    if (!IsDisplayText(text, size_max)) {
      return Fault(Path(name), "expected text of at most " + std::to_string(size_max) +
                                   " bytes without control characters");
    }
    return text;
  }

  template <typename Id>
  JsonResult<Id> Identifier(std::string_view name) const {
    auto text = String(name, 128);
    if (!text) return std::unexpected(text.error());
    auto id = Id::Parse(*text);
    if (!id) return Fault(Path(name), id.error().message());
    return *id;
  }

  JsonResult<Amount> AmountField(std::string_view name) const {
    const json::value* value = Find(name);
    if (value == nullptr) return Fault(Path(name), "required");
    return AmountFromJson(*value, Path(name));
  }

  JsonResult<RoleSet> Roles(std::string_view name) const {
    RoleSet roles;
    const json::value* value = Find(name);
    if (value == nullptr) return roles;
    if (!value->is_array()) return Fault(Path(name), "expected a list of roles");
    const auto& array = value->get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string at = Path(name) + "[" + std::to_string(i) + "]";
      if (!array[i].is_string()) return Fault(at, "expected a role name");
      auto role = RoleFromName(array[i].get_string());
      if (!role) return Fault(at, "unknown role '" + std::string(array[i].get_string()) + "'");
      roles.Add(*role);
    }
    return roles;
  }

  JsonResult<std::vector<crypto::PublicKey>> Keys(std::string_view name) const {
    std::vector<crypto::PublicKey> keys;
    const json::value* value = Find(name);
    if (value == nullptr) return keys;
    if (!value->is_array()) return Fault(Path(name), "expected a list of public keys");
    const auto& array = value->get_array();
    if (array.size() > base::kAccountKeysMax) {
      return Fault(Path(name), "at most " + std::to_string(base::kAccountKeysMax) + " keys");
    }
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string at = Path(name) + "[" + std::to_string(i) + "]";
      if (!array[i].is_string()) return Fault(at, "expected ed25519:<hex>");
      auto key = crypto::PublicKey::FromText(array[i].get_string());
      if (!key) return Fault(at, key.error().message());
      keys.push_back(*key);
    }
    return keys;
  }

  JsonResult<std::uint64_t> Unsigned(std::string_view name, std::uint64_t value_max,
                                     std::uint64_t fallback) const {
    const json::value* value = Find(name);
    if (value == nullptr) return fallback;
    if (value->is_int64() && value->get_int64() >= 0 &&
        static_cast<std::uint64_t>(value->get_int64()) <= value_max) {
      return static_cast<std::uint64_t>(value->get_int64());
    }
    if (value->is_uint64() && value->get_uint64() <= value_max) return value->get_uint64();
    if (value->is_string()) {
      const auto& text = value->get_string();
      std::uint64_t parsed = 0;
      bool valid = !text.empty() && text.size() <= 20;
      for (char c : text) {
        valid = valid && c >= '0' && c <= '9' &&
                !__builtin_mul_overflow(parsed, 10u, &parsed) &&
                !__builtin_add_overflow(parsed, static_cast<unsigned>(c - '0'), &parsed);
      }
      if (valid && parsed <= value_max) return parsed;
    }
    return Fault(Path(name), "expected an integer from 0 to " + std::to_string(value_max));
  }

 private:
  const json::object& object_;
  std::string path_;
};

#define NURI_JSON_CONCAT_INNER(a, b) a##b
#define NURI_JSON_CONCAT(a, b) NURI_JSON_CONCAT_INNER(a, b)
#define NURI_JSON_TRY(target, expr) NURI_JSON_TRY_AS(NURI_JSON_CONCAT(json_result_, __LINE__), target, expr)
#define NURI_JSON_TRY_AS(result, target, expr)                  \
  auto result = (expr);                                         \
  if (!result) return std::unexpected(result.error());          \
  target = std::move(*result)

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
    NURI_JSON_TRY(b.program, f.String("program", base::kTokenIdLengthMax * 4, false));
    NURI_JSON_TRY(b.memo, f.String("memo", base::kMemoLengthMax, false));
    return b;
  }
  return Fault(f.Path("type"), "unknown transaction type '" + std::string(type) + "'");
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

base::Result<json::value> ParseJsonText(std::string_view text) {
  if (text.size() > base::kHttpBodySizeBytesMax) {
    return base::Error(base::Status::ResourceExhausted("JSON document too large"));
  }
  json::parse_options options;
  options.max_depth = base::kJsonDepthMax;
  boost::system::error_code error;
  json::value value = json::parse(text, error, {}, options);
  if (error) {
    return base::Error(base::Status::InvalidArgument("invalid JSON: " + error.message()));
  }
  return value;
}

}  // namespace nuri::core
