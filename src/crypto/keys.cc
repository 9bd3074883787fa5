#include "crypto/keys.h"

#include <sodium.h>

#include "base/check.h"
#include "base/hex.h"

namespace nuri::crypto {

void Initialize() { NURI_CHECK(sodium_init() >= 0); }

std::string PublicKey::ToText() const {
  NURI_CHECK(type == KeyType::kEd25519);
  return "ed25519:" + base::ToHex(bytes);
}

base::Result<PublicKey> PublicKey::FromText(std::string_view text) {
  constexpr std::string_view kPrefix = "ed25519:";
  if (!text.starts_with(kPrefix)) {
    return base::Error(base::Status::InvalidArgument("a public key looks like ed25519:<64 hex>"));
  }
  auto raw = base::FromHex(text.substr(kPrefix.size()));
  if (!raw || raw->size() != kEd25519PublicKeySizeBytes) {
    return base::Error(base::Status::InvalidArgument("an Ed25519 public key is 32 bytes in hex"));
  }
  return PublicKey{KeyType::kEd25519, std::move(*raw)};
}

// Grammar: type u8, then the key bytes, whose size the type fixes.
void PublicKey::Encode(codec::Writer& writer) const {
  NURI_CHECK(type == KeyType::kEd25519);
  NURI_CHECK(bytes.size() == kEd25519PublicKeySizeBytes);
  writer.PutU8(static_cast<std::uint8_t>(type));
  writer.PutFixed(bytes);
}

PublicKey PublicKey::Decode(codec::Reader& reader) {
  PublicKey key;
  const std::uint8_t type = reader.GetU8("key type");
  if (!reader.ok()) return key;
  if (type != static_cast<std::uint8_t>(KeyType::kEd25519)) {
    reader.Fail("unknown key type " + std::to_string(type));
    return key;
  }
  key.type = KeyType::kEd25519;
  key.bytes = reader.GetFixed(kEd25519PublicKeySizeBytes, "public key");
  return key;
}

SecretKey::~SecretKey() {
  if (!secret_.empty()) sodium_memzero(secret_.data(), secret_.size());
}

SecretKey SecretKey::Generate() {
  std::string seed(kEd25519SeedSizeBytes, '\0');
  randombytes_buf(seed.data(), seed.size());
  SecretKey key = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

SecretKey SecretKey::FromSeed(std::string_view seed) {
  NURI_CHECK(seed.size() == kEd25519SeedSizeBytes);
  SecretKey key;
  key.secret_.resize(kEd25519SecretKeySizeBytes);
  key.public_key_.bytes.resize(kEd25519PublicKeySizeBytes);
  NURI_CHECK(crypto_sign_seed_keypair(
                 reinterpret_cast<unsigned char*>(key.public_key_.bytes.data()),
                 reinterpret_cast<unsigned char*>(key.secret_.data()),
                 reinterpret_cast<const unsigned char*>(seed.data())) == 0);
  return key;
}

std::string SecretKey::seed() const {
  NURI_CHECK(!secret_.empty());
  return secret_.substr(0, kEd25519SeedSizeBytes);
}

std::string SecretKey::Sign(std::string_view message) const {
  NURI_CHECK(!secret_.empty());
  std::string signature(kEd25519SignatureSizeBytes, '\0');
  NURI_CHECK(crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(),
                                  reinterpret_cast<const unsigned char*>(secret_.data())) == 0);
  return signature;
}

bool Verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  if (key.type != KeyType::kEd25519) return false;
  if (key.bytes.size() != kEd25519PublicKeySizeBytes) return false;
  if (signature.size() != kEd25519SignatureSizeBytes) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(key.bytes.data())) == 0;
}

}  // namespace nuri::crypto
