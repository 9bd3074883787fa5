// Wallet passwords: never stored, only their Argon2id hash (libsodium's crypto_pwhash_str, whose
// string carries the salt and the cost parameters, so that the cost can be raised later).
//
// Thread-safe. Hashing takes about 64 MiB and a tenth of a second, by design.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nuri::wallet {

inline constexpr std::size_t kPasswordSizeBytesMin = 12;
inline constexpr std::size_t kPasswordSizeBytesMax = 1024;

// InvalidArgument saying why, when a password is too short or too long to be taken.
base::Status CheckPasswordPolicy(std::string_view password);
// The hash to store. ResourceExhausted when the memory Argon2id needs is not there.
base::Result<std::string> HashPassword(std::string_view password);
bool PasswordMatches(std::string_view hash, std::string_view password);
// Takes the time a real check takes, for an account that has no wallet: whether an account
// has one does not show in how long a refusal takes.
void SpendPasswordCheckTime(std::string_view password);

}  // namespace nuri::wallet
