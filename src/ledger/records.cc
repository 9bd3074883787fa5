#include "ledger/records.h"

#include "base/limits.h"
#include "codec/codec.h"
#include "ledger/record_codec.h"

namespace nuri::ledger {

// Grammars:
//   org     := version:u8(=1) kind:u8 name:bytes
//   account := version:u8(=1) key_count:u32 key* quorum:u8 roles:u32 frozen:bool
//              has_merchant:bool [mcc:bytes business_no:bytes name:bytes]
//   token   := version:u8(=1) issuer:bytes name:bytes minted:i64 burned:i64
//   i64     := eight bytes little-endian

using record_codec::Finish;
using record_codec::kRecordVersion;
using record_codec::ReadVersion;

std::string OrgKey(std::string_view org) { return std::string(kOrgPrefix) + std::string(org); }
std::string AccountKey(std::string_view account) {
  return std::string(kAccountPrefix) + std::string(account);
}
std::string TokenKey(std::string_view token) {
  return std::string(kTokenPrefix) + std::string(token);
}
std::string BalanceKey(std::string_view account, std::string_view token) {
  std::string key(kBalancePrefix);
  key.append(account);
  key.push_back('/');
  key.append(token);
  return key;
}
std::string NonceKey(std::string_view account, std::uint64_t nonce) {
  std::string key(kNoncePrefix);
  key.append(account);
  key.push_back('/');
  key.append(codec::EncodeKeyU64(nonce));
  return key;
}

std::string ValidatorSetKey(std::uint64_t from_height) {
  return std::string(kValidatorSetPrefix) + codec::EncodeKeyU64(from_height);
}

std::string EncodeOrg(const OrgRecord& record) {
  codec::Writer w;
  w.PutU8(kRecordVersion);
  w.PutU8(static_cast<std::uint8_t>(record.kind));
  w.PutBytes(record.name);
  return w.Take();
}

base::Result<OrgRecord> DecodeOrg(std::string_view bytes) {
  codec::Reader r(bytes);
  ReadVersion(r);
  OrgRecord record;
  const auto kind = core::OrgKindFromValue(r.GetU8("kind"));
  if (r.ok() && !kind) r.Fail("unknown organization kind");
  record.kind = kind.value_or(core::OrgKind::kMinistry);
  record.name = r.GetBytes(base::kDisplayNameLengthMax, "name");
  return Finish(r, std::move(record));
}

std::string EncodeAccount(const AccountRecord& record) {
  codec::Writer w;
  w.PutU8(kRecordVersion);
  w.PutU32(static_cast<std::uint32_t>(record.keys.size()));
  for (const auto& key : record.keys) key.Encode(w);
  w.PutU8(record.quorum);
  w.PutU32(record.roles.bits());
  w.PutBool(record.frozen);
  w.PutBool(record.merchant.has_value());
  if (record.merchant) {
    w.PutBytes(record.merchant->mcc);
    w.PutBytes(record.merchant->business_no);
    w.PutBytes(record.merchant->name);
  }
  return w.Take();
}

base::Result<AccountRecord> DecodeAccount(std::string_view bytes) {
  codec::Reader r(bytes);
  ReadVersion(r);
  AccountRecord record;
  const std::uint32_t count = r.GetCount(base::kAccountKeysMax, 33, "keys");
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    record.keys.push_back(crypto::PublicKey::Decode(r));
  }
  record.quorum = r.GetU8("quorum");
  const auto roles = core::RoleSet::FromBits(r.GetU32("roles"));
  if (r.ok() && !roles) r.Fail("unknown role bits");
  record.roles = roles.value_or(core::RoleSet());
  record.frozen = r.GetBool("frozen");
  if (r.GetBool("has_merchant")) {
    core::MerchantRecord merchant;
    merchant.mcc = r.GetBytes(4, "mcc");
    merchant.business_no = r.GetBytes(32, "business_no");
    merchant.name = r.GetBytes(base::kDisplayNameLengthMax, "merchant name");
    record.merchant = std::move(merchant);
  }
  return Finish(r, std::move(record));
}

std::string EncodeToken(const TokenRecord& record) {
  codec::Writer w;
  w.PutU8(kRecordVersion);
  w.PutBytes(record.issuer.str());
  w.PutBytes(record.name);
  w.PutI64(record.minted.won());
  w.PutI64(record.burned.won());
  return w.Take();
}

base::Result<TokenRecord> DecodeToken(std::string_view bytes) {
  codec::Reader r(bytes);
  ReadVersion(r);
  TokenRecord record;
  const std::string issuer = r.GetBytes(base::kAccountIdLengthMax, "issuer");
  if (r.ok()) {
    auto id = core::AccountId::Parse(issuer);
    if (!id) r.Fail("issuer: " + id.error().message());
    if (id) record.issuer = *id;
  }
  record.name = r.GetBytes(base::kDisplayNameLengthMax, "name");
  record.minted = core::Amount::Won(r.GetI64("minted"));
  record.burned = core::Amount::Won(r.GetI64("burned"));
  return Finish(r, std::move(record));
}

std::string EncodeI64(std::int64_t value) {
  codec::Writer w;
  w.PutI64(value);
  return w.Take();
}

base::Result<std::int64_t> DecodeI64(std::string_view bytes) {
  codec::Reader r(bytes);
  const std::int64_t value = r.GetI64("value");
  return Finish(r, value);
}

std::optional<std::pair<std::string, std::string>> ParseBalanceKey(std::string_view key) {
  if (!key.starts_with(kBalancePrefix)) return std::nullopt;
  key.remove_prefix(kBalancePrefix.size());
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(key.substr(0, slash)), std::string(key.substr(slash + 1)));
}

std::optional<std::pair<std::string, std::uint64_t>> ParseNonceKey(std::string_view key) {
  if (!key.starts_with(kNoncePrefix) || key.size() < kNoncePrefix.size() + 9) return std::nullopt;
  const std::string_view nonce = key.substr(key.size() - 8);
  const std::string_view account =
      key.substr(kNoncePrefix.size(), key.size() - 9 - kNoncePrefix.size());
  if (key[key.size() - 9] != '/') return std::nullopt;
  return std::make_pair(std::string(account), codec::DecodeKeyU64(nonce));
}

}  // namespace nuri::ledger
