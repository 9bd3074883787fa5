// SHA-256 and the 32-byte Hash value used for ids, roots and chain links. Thread-safe.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace nuri::crypto {

inline constexpr std::size_t kHashSizeBytes = 32;

struct Hash {
  std::array<std::uint8_t, kHashSizeBytes> bytes{};

  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  std::string ToHex() const;
  bool IsZero() const;
  static std::optional<Hash> FromBytes(std::string_view raw);
  static std::optional<Hash> FromHex(std::string_view text);
  auto operator<=>(const Hash&) const = default;
};

// For hash containers keyed by digests: a SHA-256 digest's first eight bytes are as uniform as
// any hash of it would be.
struct DigestHash {
  std::size_t operator()(const Hash& digest) const {
    std::size_t value = 0;
    std::memcpy(&value, digest.bytes.data(), sizeof(value));
    return value;
  }
};

Hash Sha256(std::string_view data);

// Incremental hashing of data that arrives in pieces.
class Sha256Builder {
 public:
  Sha256Builder();
  void Add(std::string_view data);
  Hash Finish();

 private:
  alignas(8) unsigned char context_[128];
};

}  // namespace nuri::crypto
