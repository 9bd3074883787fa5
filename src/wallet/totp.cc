#include "wallet/totp.h"

#include <liboath/oath.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "base/check.h"
#include "base/hex.h"

namespace nuri::wallet {

namespace {

void InitializeOath() {
  static std::once_flag once;
  std::call_once(once, [] { NURI_CHECK(oath_init() == OATH_OK); });
}

}  // namespace

std::string NewTotpSecret() {
  std::string secret(kTotpSecretSizeBytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string Base32(std::string_view bytes) {
  InitializeOath();
  char* text = nullptr;
  std::size_t size = 0;
  NURI_CHECK(oath_base32_encode(bytes.data(), bytes.size(), &text, &size) == OATH_OK);
  std::string encoded(text, size);
  std::free(text);
  encoded.erase(std::find(encoded.begin(), encoded.end(), '='), encoded.end());
  return encoded;
}

std::optional<std::string> FromBase32(std::string_view text) {
  InitializeOath();
  char* bytes = nullptr;
  std::size_t size = 0;
  if (oath_base32_decode(text.data(), text.size(), &bytes, &size) != OATH_OK) return std::nullopt;
  std::string decoded(bytes, size);
  sodium_memzero(bytes, size);
  std::free(bytes);
  return decoded;
}

std::string OtpauthUri(std::string_view account, std::string_view secret) {
  return "otpauth://totp/Nuri:" + base::PercentEncode(account) + "?secret=" + Base32(secret) +
         "&issuer=Nuri&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
}

std::string TotpCode(std::string_view secret, std::int64_t unix_seconds) {
  InitializeOath();
  char code[kTotpDigits + 1] = {};
  NURI_CHECK(oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(unix_seconds),
                                kTotpStepSeconds, OATH_TOTP_DEFAULT_START_TIME, kTotpDigits,
                                code) == OATH_OK);
  return std::string(code, kTotpDigits);
}

std::optional<std::uint64_t> MatchTotp(std::string_view secret, std::string_view code,
                                       std::int64_t unix_seconds) {
  if (code.size() != kTotpDigits ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  InitializeOath();
  const std::string terminated(code);
  int position = 0;
  std::uint64_t step = 0;
  const int matched = oath_totp_validate3(secret.data(), secret.size(),
                                          static_cast<time_t>(unix_seconds), kTotpStepSeconds,
                                          OATH_TOTP_DEFAULT_START_TIME, kTotpWindowSteps,
                                          &position, &step, terminated.c_str());
  if (matched < 0) return std::nullopt;
  return step;
}

}  // namespace nuri::wallet
