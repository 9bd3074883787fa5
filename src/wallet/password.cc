#include "wallet/password.h"

#include <sodium.h>

#include <mutex>

#include "base/check.h"

namespace nuri::wallet {

base::Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() < kPasswordSizeBytesMin) {
    return base::Status::InvalidArgument("a wallet password has at least " +
                                         std::to_string(kPasswordSizeBytesMin) + " characters");
  }
  if (password.size() > kPasswordSizeBytesMax) {
    return base::Status::InvalidArgument("a wallet password has at most " +
                                         std::to_string(kPasswordSizeBytesMax) + " bytes");
  }
  return base::Status::Ok();
}

base::Result<std::string> HashPassword(std::string_view password) {
  char hash[crypto_pwhash_STRBYTES] = {};
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return base::Error(base::Status::ResourceExhausted("not enough memory for Argon2id"));
  }
  return std::string(hash);
}

bool PasswordMatches(std::string_view hash, std::string_view password) {
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void SpendPasswordCheckTime(std::string_view password) {
  static std::once_flag once;
  static std::string decoy;
  std::call_once(once, [] {
    auto hash = HashPassword("a decoy that no wallet has");
    NURI_CHECK(hash.has_value());
    decoy = *std::move(hash);
  });
  PasswordMatches(decoy, password);
}

}  // namespace nuri::wallet
