// The records the state holds, their keys and their canonical encodings.
//
// Keys (docs/formats/state.md):
//   o/<org>                    OrgRecord
//   a/<account>                AccountRecord
//   t/<token>                  TokenRecord
//   b/<account>/<token>        plain balance, i64
//   n/<account>/<nonce:u64 BE> valid_until of the transaction that used the nonce, i64
//   v/<height:u64 BE>          the validator set (core::EncodeValidatorSet) from that height on,
//                              until the next entry's; the genesis set is at height 1
// A used nonce is kept until its transaction's valid_until has passed: after that the
// transaction can no longer enter a block anyway (EXPIRED), so the entry is pruned.
// Value types; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/amount.h"
#include "core/ids.h"
#include "core/roles.h"
#include "core/transaction.h"
#include "crypto/keys.h"

namespace nuri::ledger {

struct OrgRecord {
  core::OrgKind kind = core::OrgKind::kMinistry;
  std::string name;
  bool operator==(const OrgRecord&) const = default;
};

struct AccountRecord {
  std::vector<crypto::PublicKey> keys;
  std::uint8_t quorum = 1;
  core::RoleSet roles;
  bool frozen = false;
  std::optional<core::MerchantRecord> merchant;
  bool operator==(const AccountRecord&) const = default;
};

struct TokenRecord {
  core::AccountId issuer;
  std::string name;
  core::Amount minted;
  core::Amount burned;
  bool operator==(const TokenRecord&) const = default;
};

std::string OrgKey(std::string_view org);
std::string AccountKey(std::string_view account);
std::string TokenKey(std::string_view token);
std::string BalanceKey(std::string_view account, std::string_view token);
std::string NonceKey(std::string_view account, std::uint64_t nonce);
std::string ValidatorSetKey(std::uint64_t from_height);

inline constexpr std::string_view kOrgPrefix = "o/";
inline constexpr std::string_view kAccountPrefix = "a/";
inline constexpr std::string_view kTokenPrefix = "t/";
inline constexpr std::string_view kBalancePrefix = "b/";
inline constexpr std::string_view kNoncePrefix = "n/";
inline constexpr std::string_view kValidatorSetPrefix = "v/";

std::string EncodeOrg(const OrgRecord& record);
base::Result<OrgRecord> DecodeOrg(std::string_view bytes);
std::string EncodeAccount(const AccountRecord& record);
base::Result<AccountRecord> DecodeAccount(std::string_view bytes);
std::string EncodeToken(const TokenRecord& record);
base::Result<TokenRecord> DecodeToken(std::string_view bytes);
std::string EncodeI64(std::int64_t value);
base::Result<std::int64_t> DecodeI64(std::string_view bytes);

// Splits "b/<account>/<token>" into its parts; nullopt for any other key.
std::optional<std::pair<std::string, std::string>> ParseBalanceKey(std::string_view key);
// Splits "n/<account>/<nonce>".
std::optional<std::pair<std::string, std::uint64_t>> ParseNonceKey(std::string_view key);

}  // namespace nuri::ledger
