// Encrypted key files: a secret key sealed with a password, for `nuri keys` and node keys.
//
// The password is stretched with Argon2id (libsodium crypto_pwhash, parameters stored in the
// file so they can be raised later) into a key for XChaCha20-Poly1305; the account id and public
// key are the associated data, so a file cannot be relabelled without failing to open. The file
// is JSON (docs/formats/key-file.md). Test keys, derived from an account id for scenarios and
// localnets, are marked as such and must never hold real money.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/keys.h"

namespace nuri::crypto {

struct KeyFileContents {
  std::string label;  // the account or node the key belongs to
  SecretKey secret;
  bool test_key = false;
};

enum class KeyStrength { kInteractive, kModerate };

// The sealed file's text. Fails only when the system is out of memory for Argon2id.
base::Result<std::string> SealKeyFile(const KeyFileContents& contents, std::string_view password,
                                      KeyStrength strength = KeyStrength::kInteractive);
// Opens a file's text; a wrong password and a tampered file both fail with PermissionDenied.
base::Result<KeyFileContents> OpenKeyFile(std::string_view text, std::string_view password);
// The public part of a sealed file, readable without the password.
base::Result<PublicKey> PeekKeyFilePublicKey(std::string_view text);

// The deterministic test key of an account: seed = SHA-256("nuri-test-key:" + label).
SecretKey DeriveTestKey(std::string_view label);

}  // namespace nuri::crypto
