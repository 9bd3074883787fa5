// Signing keys and signatures. A public key is tagged with its type, so that accounts can hold
// keys of more than one scheme (Ed25519 now; ECDSA P-256 for HSM-held keys can join with a new
// tag). Signing domains keep a signature made for one purpose from being valid for another.
//
// All functions are thread-safe after crypto::Initialize().
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "codec/codec.h"

namespace nuri::crypto {

// Persisted values: never reuse.
enum class KeyType : std::uint8_t { kEd25519 = 1 };

inline constexpr std::size_t kEd25519PublicKeySizeBytes = 32;
inline constexpr std::size_t kEd25519SecretKeySizeBytes = 64;  // seed then public key
inline constexpr std::size_t kEd25519SeedSizeBytes = 32;
inline constexpr std::size_t kEd25519SignatureSizeBytes = 64;

// Must run once, before any other function of this folder (libsodium's own initialisation).
void Initialize();

struct PublicKey {
  KeyType type = KeyType::kEd25519;
  std::string bytes;  // size fixed by type

  // "ed25519:<hex>"
  std::string ToText() const;
  static base::Result<PublicKey> FromText(std::string_view text);
  void Encode(codec::Writer& writer) const;
  static PublicKey Decode(codec::Reader& reader);
  auto operator<=>(const PublicKey&) const = default;
};

// A secret key in memory. Zeroed when destroyed; never printed.
class SecretKey {
 public:
  SecretKey() = default;
  ~SecretKey();
  SecretKey(const SecretKey& other) = default;
  SecretKey& operator=(const SecretKey& other) = default;

  static SecretKey Generate();
  // Deterministic key from a 32-byte seed (test keys, key files).
  static SecretKey FromSeed(std::string_view seed);

  const PublicKey& public_key() const { return public_key_; }
  std::string seed() const;
  std::string Sign(std::string_view message) const;
  bool empty() const { return secret_.empty(); }

 private:
  std::string secret_;
  PublicKey public_key_;
};

// True when `signature` is key's signature of message.
bool Verify(const PublicKey& key, std::string_view message, std::string_view signature);

}  // namespace nuri::crypto
