// Identifiers: organizations (`moef`), accounts (`kim@moef`) and tokens (`KRW-BNK`).
//
// Each is validated when made, so that a value of these types is always well-formed; the
// decoders and JSON readers make them only through Parse. Value types.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nuri::core {

// Lower-case letters, digits, '-' and '_', starting with a letter or digit; 1..24 characters.
class OrgId {
 public:
  OrgId() = default;
  static base::Result<OrgId> Parse(std::string_view text);
  const std::string& str() const { return text_; }
  auto operator<=>(const OrgId&) const = default;

 private:
  std::string text_;
};

// name@org: the name as an org id but also allowing '.', 1..48 characters.
class AccountId {
 public:
  AccountId() = default;
  static base::Result<AccountId> Parse(std::string_view text);
  const std::string& str() const { return text_; }
  std::string_view name() const;
  std::string_view org() const;
  bool empty() const { return text_.empty(); }
  auto operator<=>(const AccountId&) const = default;

 private:
  std::string text_;
};

// Upper-case letters, digits and '-', starting with a letter; 1..24 characters.
class TokenId {
 public:
  TokenId() = default;
  static base::Result<TokenId> Parse(std::string_view text);
  const std::string& str() const { return text_; }
  auto operator<=>(const TokenId&) const = default;

 private:
  std::string text_;
};

}  // namespace nuri::core
