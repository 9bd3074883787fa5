#include "core/transaction.h"

#include "base/check.h"
#include "base/limits.h"
#include "codec/codec.h"
#include "core/text.h"

namespace nuri::core {

namespace {

// Byte grammar (docs/formats/transaction.md):
//   transaction := version:u8(=1) chain_id:bytes signer:bytes nonce:u64 valid_until:i64
//                  tag:u8 body  count:u32 signature*
//   signature   := account:bytes key signature:64 bytes
//   key         := type:u8(1 = Ed25519) public_key:32 bytes
//   bytes       := length:u32 then that many bytes; integers are little-endian
//   register_org     := org kind:u8 name
//   register_account := account keys quorum:u8 roles:u32 has_merchant:bool
//                       [mcc business_no merchant_name]
//   set_roles        := account roles:u32
//   set_keys         := account keys quorum:u8
//   freeze, unfreeze := account
//   define_token     := token issuer name
//   mint             := token to amount:i64
//   burn             := token amount:i64
//   transfer         := token to amount:i64 program memo
//   set_holidays     := year:u16 count:u32 (month:u8 day:u8)*
//   define_program   := program                      (program.h)
//   amend_program    := program_id rules             (program.h)
//   fund_program     := program_id amount:i64
//   grant            := program_id to amount:i64
//   reclaim          := program_id from has_amount:bool [amount:i64]
//   close_program    := program_id
//   pay              := program_id to amount:i64 attendees:u32 purpose
//                       has_evidence:bool [evidence:32] justification
//   refund           := payment:32 amount:i64
//   attest           := program_id holder milestone evidence:32
//   keys             := count:u32 key*

constexpr std::size_t kKeySizeBytesMin = 1 + crypto::kEd25519PublicKeySizeBytes;
constexpr std::size_t kSignatureSizeBytesMin = 4 + 3 + kKeySizeBytesMin + 64;
constexpr std::size_t kBusinessNumberLengthMax = 32;

void PutKeys(codec::Writer& w, const std::vector<crypto::PublicKey>& keys) {
  w.PutU32(static_cast<std::uint32_t>(keys.size()));
  for (const auto& key : keys) key.Encode(w);
}

struct BodyEncoder {
  codec::Writer& w;
  void operator()(const RegisterOrg& b) {
    w.PutBytes(b.org.str());
    w.PutU8(static_cast<std::uint8_t>(b.kind));
    w.PutBytes(b.name);
  }
  void operator()(const RegisterAccount& b) {
    w.PutBytes(b.account.str());
    PutKeys(w, b.keys);
    w.PutU8(b.quorum);
    w.PutU32(b.roles.bits());
    w.PutBool(b.merchant.has_value());
    if (b.merchant) {
      w.PutBytes(b.merchant->mcc);
      w.PutBytes(b.merchant->business_no);
      w.PutBytes(b.merchant->name);
    }
  }
  void operator()(const SetRoles& b) {
    w.PutBytes(b.account.str());
    w.PutU32(b.roles.bits());
  }
  void operator()(const SetKeys& b) {
    w.PutBytes(b.account.str());
    PutKeys(w, b.keys);
    w.PutU8(b.quorum);
  }
  void operator()(const Freeze& b) { w.PutBytes(b.account.str()); }
  void operator()(const Unfreeze& b) { w.PutBytes(b.account.str()); }
  void operator()(const DefineToken& b) {
    w.PutBytes(b.token.str());
    w.PutBytes(b.issuer.str());
    w.PutBytes(b.name);
  }
  void operator()(const Mint& b) {
    w.PutBytes(b.token.str());
    w.PutBytes(b.to.str());
    w.PutI64(b.amount.won());
  }
  void operator()(const Burn& b) {
    w.PutBytes(b.token.str());
    w.PutI64(b.amount.won());
  }
  void operator()(const Transfer& b) {
    w.PutBytes(b.token.str());
    w.PutBytes(b.to.str());
    w.PutI64(b.amount.won());
    w.PutBytes(b.program);
    w.PutBytes(b.memo);
  }
  void operator()(const SetHolidays& b) {
    w.PutU16(static_cast<std::uint16_t>(b.year));
    w.PutU32(static_cast<std::uint32_t>(b.dates.size()));
    for (const auto& date : b.dates) {
      w.PutU8(static_cast<std::uint8_t>(date.month));
      w.PutU8(static_cast<std::uint8_t>(date.day));
    }
  }
  void operator()(const DefineProgram& b) { EncodeProgram(w, b.program); }
  void operator()(const AmendProgram& b) {
    w.PutBytes(b.program);
    EncodeRules(w, b.rules);
  }
  void operator()(const FundProgram& b) {
    w.PutBytes(b.program);
    w.PutI64(b.amount.won());
  }
  void operator()(const Grant& b) {
    w.PutBytes(b.program);
    w.PutBytes(b.to.str());
    w.PutI64(b.amount.won());
  }
  void operator()(const Reclaim& b) {
    w.PutBytes(b.program);
    w.PutBytes(b.from.str());
    w.PutBool(b.amount.has_value());
    if (b.amount) w.PutI64(b.amount->won());
  }
  void operator()(const CloseProgram& b) { w.PutBytes(b.program); }
  void operator()(const Pay& b) {
    w.PutBytes(b.program);
    w.PutBytes(b.to.str());
    w.PutI64(b.amount.won());
    w.PutU32(b.attendees);
    w.PutBytes(b.purpose);
    w.PutBool(b.evidence.has_value());
    if (b.evidence) w.PutFixed(b.evidence->view());
    w.PutBytes(b.justification);
  }
  void operator()(const Refund& b) {
    w.PutFixed(b.payment.view());
    w.PutI64(b.amount.won());
  }
  void operator()(const Attest& b) {
    w.PutBytes(b.program);
    w.PutBytes(b.holder.str());
    w.PutBytes(b.milestone);
    w.PutFixed(b.evidence.view());
  }
  void operator()(const AddValidator& b) {
    w.PutBytes(b.name);
    b.key.Encode(w);
  }
  void operator()(const RemoveValidator& b) { w.PutBytes(b.name); }
};

void EncodeUnsignedInto(codec::Writer& w, const Transaction& tx) {
  w.PutU8(kTransactionVersion);
  w.PutBytes(tx.chain_id);
  w.PutBytes(tx.signer.str());
  w.PutU64(tx.nonce);
  w.PutI64(tx.valid_until);
  w.PutU8(static_cast<std::uint8_t>(TagOf(tx.body)));
  std::visit(BodyEncoder{w}, tx.body);
}

// Field readers that validate as they go and record the first fault in the reader.
AccountId ReadAccount(codec::Reader& r, std::string_view what) {
  const std::string text = r.GetBytes(base::kAccountIdLengthMax, what);
  if (!r.ok()) return {};
  auto id = AccountId::Parse(text);
  if (!id) {
    r.Fail(std::string(what) + ": " + id.error().message());
    return {};
  }
  return *id;
}

TokenId ReadToken(codec::Reader& r) {
  const std::string text = r.GetBytes(base::kTokenIdLengthMax, "token");
  if (!r.ok()) return {};
  auto id = TokenId::Parse(text);
  if (!id) {
    r.Fail("token: " + id.error().message());
    return {};
  }
  return *id;
}

std::string ReadText(codec::Reader& r, std::size_t size_max, std::string_view what,
                     bool allow_empty = true) {
  std::string text = r.GetBytes(size_max, what);
  if (!r.ok()) return {};
  if (!IsDisplayText(text, size_max) || (!allow_empty && text.empty())) {
    r.Fail(std::string(what) + ": not valid text");
  }
  return text;
}

RoleSet ReadRoles(codec::Reader& r) {
  const std::uint32_t bits = r.GetU32("roles");
  auto roles = RoleSet::FromBits(bits);
  if (r.ok() && !roles) r.Fail("roles: unknown role bits");
  return roles.value_or(RoleSet());
}

std::vector<crypto::PublicKey> ReadKeys(codec::Reader& r) {
  const std::uint32_t count = r.GetCount(base::kAccountKeysMax, kKeySizeBytesMin, "keys");
  std::vector<crypto::PublicKey> keys;
  keys.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) keys.push_back(crypto::PublicKey::Decode(r));
  return keys;
}

std::string ReadValidatorName(codec::Reader& r) {
  std::string name = r.GetBytes(kValidatorNameLengthMax, "validator");
  if (r.ok() && !IsValidatorName(name)) r.Fail("validator: not a node name");
  return name;
}

Amount ReadAmount(codec::Reader& r) { return Amount::Won(r.GetI64("amount")); }

std::string ReadProgramId(codec::Reader& r) {
  std::string id = r.GetBytes(base::kProgramIdLengthMax, "program");
  if (r.ok() && !IsProgramId(id)) r.Fail("program: not a program id");
  return id;
}

crypto::Hash ReadHash(codec::Reader& r, std::string_view what) {
  const std::string raw = r.GetFixed(crypto::Hash().view().size(), what);
  return crypto::Hash::FromBytes(raw).value_or(crypto::Hash());
}

SetHolidays ReadHolidays(codec::Reader& r) {
  SetHolidays b;
  b.year = r.GetU16("year");
  if (r.ok() && (b.year < 1970 || b.year > 9999)) r.Fail("year: out of range");
  const std::uint32_t count = r.GetCount(base::kHolidaysPerYearMax, 2, "dates");
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    LocalDate date{b.year, r.GetU8("month"), r.GetU8("day")};
    if (!r.ok()) break;
    if (!IsValidDate(date))
      r.Fail("dates: " + std::to_string(date.month) + "-" + std::to_string(date.day) +
             " is not a date");
    else if (!b.dates.empty() && !(b.dates.back() < date))
      r.Fail("dates: not in increasing order");
    b.dates.push_back(date);
  }
  return b;
}

Pay ReadPay(codec::Reader& r) {
  Pay b;
  b.program = ReadProgramId(r);
  b.to = ReadAccount(r, "to");
  b.amount = ReadAmount(r);
  b.attendees = r.GetU32("attendees");
  if (r.ok() && b.attendees > base::kAttendeesMax) r.Fail("attendees: too many");
  b.purpose = ReadText(r, base::kPurposeLengthMax, "purpose");
  if (r.GetBool("has_evidence")) b.evidence = ReadHash(r, "evidence");
  b.justification = ReadText(r, base::kJustificationLengthMax, "justification");
  return b;
}

Body ReadBody(codec::Reader& r, std::uint8_t tag) {
  switch (static_cast<BodyTag>(tag)) {
    case BodyTag::kRegisterOrg: {
      RegisterOrg b;
      const std::string org = r.GetBytes(base::kOrgIdLengthMax, "org");
      auto id = OrgId::Parse(org);
      if (r.ok() && !id) r.Fail("org: " + id.error().message());
      if (id) b.org = *id;
      const std::uint8_t kind = r.GetU8("kind");
      auto parsed = OrgKindFromValue(kind);
      if (r.ok() && !parsed) r.Fail("kind: unknown organization kind");
      b.kind = parsed.value_or(OrgKind::kMinistry);
      b.name = ReadText(r, base::kDisplayNameLengthMax, "name");
      return b;
    }
    case BodyTag::kRegisterAccount: {
      RegisterAccount b;
      b.account = ReadAccount(r, "account");
      b.keys = ReadKeys(r);
      b.quorum = r.GetU8("quorum");
      b.roles = ReadRoles(r);
      if (r.GetBool("has_merchant")) {
        MerchantRecord merchant;
        merchant.mcc = r.GetBytes(4, "mcc");
        if (r.ok() && !IsMerchantCategoryCode(merchant.mcc)) r.Fail("mcc: expected four digits");
        merchant.business_no = ReadText(r, kBusinessNumberLengthMax, "business_no", false);
        merchant.name = ReadText(r, base::kDisplayNameLengthMax, "merchant name", false);
        b.merchant = std::move(merchant);
      }
      return b;
    }
    case BodyTag::kSetRoles: {
      SetRoles b;
      b.account = ReadAccount(r, "account");
      b.roles = ReadRoles(r);
      return b;
    }
    case BodyTag::kSetKeys: {
      SetKeys b;
      b.account = ReadAccount(r, "account");
      b.keys = ReadKeys(r);
      b.quorum = r.GetU8("quorum");
      return b;
    }
    case BodyTag::kFreeze:
      return Freeze{ReadAccount(r, "account")};
    case BodyTag::kUnfreeze:
      return Unfreeze{ReadAccount(r, "account")};
    case BodyTag::kDefineToken: {
      DefineToken b;
      b.token = ReadToken(r);
      b.issuer = ReadAccount(r, "issuer");
      b.name = ReadText(r, base::kDisplayNameLengthMax, "name");
      return b;
    }
    case BodyTag::kMint: {
      Mint b;
      b.token = ReadToken(r);
      b.to = ReadAccount(r, "to");
      b.amount = ReadAmount(r);
      return b;
    }
    case BodyTag::kBurn: {
      Burn b;
      b.token = ReadToken(r);
      b.amount = ReadAmount(r);
      return b;
    }
    case BodyTag::kTransfer: {
      Transfer b;
      b.token = ReadToken(r);
      b.to = ReadAccount(r, "to");
      b.amount = ReadAmount(r);
      b.program = ReadText(r, base::kProgramIdLengthMax, "program");
      b.memo = ReadText(r, base::kMemoLengthMax, "memo");
      return b;
    }
    case BodyTag::kSetHolidays:
      return ReadHolidays(r);
    case BodyTag::kDefineProgram:
      return DefineProgram{DecodeProgram(r)};
    case BodyTag::kAmendProgram: {
      AmendProgram b;
      b.program = ReadProgramId(r);
      b.rules = DecodeRules(r);
      return b;
    }
    case BodyTag::kFundProgram: {
      FundProgram b;
      b.program = ReadProgramId(r);
      b.amount = ReadAmount(r);
      return b;
    }
    case BodyTag::kGrant: {
      Grant b;
      b.program = ReadProgramId(r);
      b.to = ReadAccount(r, "to");
      b.amount = ReadAmount(r);
      return b;
    }
    case BodyTag::kReclaim: {
      Reclaim b;
      b.program = ReadProgramId(r);
      b.from = ReadAccount(r, "from");
      if (r.GetBool("has_amount")) b.amount = ReadAmount(r);
      return b;
    }
    case BodyTag::kCloseProgram:
      return CloseProgram{ReadProgramId(r)};
    case BodyTag::kPay:
      return ReadPay(r);
    case BodyTag::kRefund: {
      Refund b;
      b.payment = ReadHash(r, "payment");
      b.amount = ReadAmount(r);
      return b;
    }
    case BodyTag::kAttest: {
      Attest b;
      b.program = ReadProgramId(r);
      b.holder = ReadAccount(r, "holder");
      b.milestone = ReadText(r, base::kMilestoneLengthMax, "milestone", false);
      b.evidence = ReadHash(r, "evidence");
      return b;
    }
    case BodyTag::kAddValidator: {
      AddValidator b;
      b.name = ReadValidatorName(r);
      b.key = crypto::PublicKey::Decode(r);
      return b;
    }
    case BodyTag::kRemoveValidator:
      return RemoveValidator{ReadValidatorName(r)};
  }
  r.Fail("unknown transaction type tag " + std::to_string(tag));
  return Freeze{};
}

}  // namespace

BodyTag TagOf(const Body& body) {
  static constexpr BodyTag kTags[] = {BodyTag::kRegisterOrg,  BodyTag::kRegisterAccount,
                                      BodyTag::kSetRoles,     BodyTag::kSetKeys,
                                      BodyTag::kFreeze,       BodyTag::kUnfreeze,
                                      BodyTag::kDefineToken,  BodyTag::kMint,
                                      BodyTag::kBurn,         BodyTag::kTransfer,
                                      BodyTag::kSetHolidays,  BodyTag::kDefineProgram,
                                      BodyTag::kAmendProgram, BodyTag::kFundProgram,
                                      BodyTag::kGrant,        BodyTag::kReclaim,
                                      BodyTag::kCloseProgram, BodyTag::kPay,
                                      BodyTag::kRefund,       BodyTag::kAttest,
                                      BodyTag::kAddValidator, BodyTag::kRemoveValidator};
  static_assert(std::size(kTags) == std::variant_size_v<Body>);
  return kTags[body.index()];
}

std::string_view BodyTypeName(const Body& body) {
  static constexpr std::string_view kNames[] = {
      "register_org",  "register_account", "set_roles",     "set_keys",     "freeze",
      "unfreeze",      "define_token",     "mint",          "burn",         "transfer",
      "set_holidays",  "define_program",   "amend_program", "fund_program", "grant",
      "reclaim",       "close_program",    "pay",           "refund",       "attest",
      "add_validator", "remove_validator"};
  static_assert(std::size(kNames) == std::variant_size_v<Body>);
  return kNames[body.index()];
}

std::string EncodeUnsigned(const Transaction& tx) {
  codec::Writer w;
  EncodeUnsignedInto(w, tx);
  return w.Take();
}

std::string Encode(const Transaction& tx) {
  codec::Writer w;
  EncodeUnsignedInto(w, tx);
  w.PutU32(static_cast<std::uint32_t>(tx.signatures.size()));
  for (const auto& signature : tx.signatures) {
    w.PutBytes(signature.account.str());
    signature.key.Encode(w);
    NURI_CHECK(signature.signature.size() == crypto::kEd25519SignatureSizeBytes);
    w.PutFixed(signature.signature);
  }
  return w.Take();
}

base::Result<SignedTransaction> DecodeTransaction(std::string_view bytes) {
  if (bytes.size() > base::kTransactionSizeBytesMax) {
    return base::Error(base::Status::InvalidArgument(
        "transaction of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
        std::to_string(base::kTransactionSizeBytesMax)));
  }
  codec::Reader r(bytes);
  SignedTransaction signed_tx;
  Transaction& tx = signed_tx.tx;
  const std::uint8_t version = r.GetU8("version");
  if (r.ok() && version != kTransactionVersion) {
    r.Fail("unknown transaction version " + std::to_string(version));
  }
  tx.chain_id = r.GetBytes(base::kChainIdLengthMax, "chain_id");
  if (r.ok() && (tx.chain_id.empty() || !IsDisplayText(tx.chain_id, base::kChainIdLengthMax))) {
    r.Fail("chain_id: not valid");
  }
  tx.signer = ReadAccount(r, "signer");
  tx.nonce = r.GetU64("nonce");
  tx.valid_until = r.GetI64("valid_until");
  if (r.ok() && !IsLedgerTime(tx.valid_until)) r.Fail("valid_until: out of range");
  const std::uint8_t tag = r.GetU8("type");
  if (r.ok()) tx.body = ReadBody(r, tag);
  const std::size_t unsigned_size = bytes.size() - r.remaining();
  const std::uint32_t count =
      r.GetCount(base::kSignaturesPerTransactionMax, kSignatureSizeBytesMin, "signatures");
  tx.signatures.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    Signature signature;
    signature.account = ReadAccount(r, "signature account");
    signature.key = crypto::PublicKey::Decode(r);
    signature.signature = r.GetFixed(crypto::kEd25519SignatureSizeBytes, "signature");
    tx.signatures.push_back(std::move(signature));
  }
  if (base::Status status = r.Finish(); !status.ok()) return base::Error(std::move(status));
  signed_tx.bytes = std::string(bytes);
  signed_tx.id = crypto::Sha256(bytes.substr(0, unsigned_size));
  return signed_tx;
}

crypto::Hash TransactionId(const Transaction& tx) { return crypto::Sha256(EncodeUnsigned(tx)); }

std::string SigningMessage(const crypto::Hash& id) {
  std::string message = "nuri/tx/v1";
  message.append(id.view());
  return message;
}

void AddSignature(Transaction& tx, const AccountId& account, const crypto::SecretKey& key) {
  const std::string message = SigningMessage(TransactionId(tx));
  tx.signatures.push_back({account, key.public_key(), key.Sign(message)});
}

SignedTransaction Seal(Transaction tx) {
  SignedTransaction signed_tx;
  signed_tx.id = TransactionId(tx);
  signed_tx.bytes = Encode(tx);
  signed_tx.tx = std::move(tx);
  return signed_tx;
}

}  // namespace nuri::core
