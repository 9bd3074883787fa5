#include "crypto/hash.h"

// OpenSSL 3 marks the low-level SHA256 functions deprecated in favour of EVP, but EVP takes locks
// on every call and does not scale across verification threads (ARCHITECTURE.md, "Measured").
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "base/check.h"
#include "base/hex.h"

namespace nuri::crypto {

static_assert(sizeof(SHA256_CTX) <= 128);

std::string Hash::ToHex() const { return base::ToHex(view()); }

bool Hash::IsZero() const {
  for (auto byte : bytes) {
    if (byte != 0) return false;
  }
  return true;
}

std::optional<Hash> Hash::FromBytes(std::string_view raw) {
  if (raw.size() != kHashSizeBytes) return std::nullopt;
  Hash hash;
  for (std::size_t i = 0; i < kHashSizeBytes; ++i) hash.bytes[i] = static_cast<std::uint8_t>(raw[i]);
  return hash;
}

std::optional<Hash> Hash::FromHex(std::string_view text) {
  const auto raw = base::FromHex(text);
  if (!raw) return std::nullopt;
  return FromBytes(*raw);
}

Hash Sha256(std::string_view data) {
  // Not OpenSSL's one-shot SHA256(): OpenSSL 3 routes it through EVP_Q_digest, which fetches
  // the algorithm on every call, six to nine times the cost of hashing a key (bench/README.md).
  Sha256Builder builder;
  builder.Add(data);
  return builder.Finish();
}

Sha256Builder::Sha256Builder() {
  NURI_CHECK(SHA256_Init(reinterpret_cast<SHA256_CTX*>(context_)) == 1);
}

void Sha256Builder::Add(std::string_view data) {
  SHA256_Update(reinterpret_cast<SHA256_CTX*>(context_), data.data(), data.size());
}

Hash Sha256Builder::Finish() {
  Hash hash;
  SHA256_Final(hash.bytes.data(), reinterpret_cast<SHA256_CTX*>(context_));
  return hash;
}

}  // namespace nuri::crypto
