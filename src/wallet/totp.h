// One-time codes for an official's second factor: TOTP (RFC 6238) with HMAC-SHA-1, 30-second
// steps from the Unix epoch and 6 digits, which every authenticator app reads from an
// otpauth:// URI. liboath computes and checks the codes.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nuri::wallet {

inline constexpr int kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;
// 160 bits, the length RFC 4226 recommends for the shared secret.
inline constexpr std::size_t kTotpSecretSizeBytes = 20;
// A code of the step before or after the current one is accepted too, for a phone whose clock
// is a little off, or a code typed just as it changed.
inline constexpr int kTotpWindowSteps = 1;

// A new random secret, kTotpSecretSizeBytes long.
std::string NewTotpSecret();
// RFC 4648 base32 without padding: how authenticator apps take the secret.
std::string Base32(std::string_view bytes);
// The bytes of base32 text (as Base32 writes it, or with padding); nullopt when it is not base32.
std::optional<std::string> FromBase32(std::string_view text);
// The enrolment URI an authenticator app scans: otpauth://totp/Nuri:ACCOUNT?secret=...
std::string OtpauthUri(std::string_view account, std::string_view secret);
// The code for the step that holds `unix_seconds`.
std::string TotpCode(std::string_view secret, std::int64_t unix_seconds);
// The step (Unix seconds / kTotpStepSeconds) whose code `code` is, within kTotpWindowSteps of
// the step holding `unix_seconds`; nullopt when it is not kTotpDigits digits or matches none.
std::optional<std::uint64_t> MatchTotp(std::string_view secret, std::string_view code,
                                       std::int64_t unix_seconds);

}  // namespace nuri::wallet
