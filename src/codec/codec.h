// Canonical binary encoding: paired Put/Get of fixed-width little-endian integers, booleans as
// one byte 0 or 1, and byte strings as a u32 length then the bytes.
//
// Reader never trusts a length: it checks it against the bytes left and the caller's maximum
// before it copies anything, and reports the first fault as a Status naming what was being read.
// Writer and Reader are single-threaded values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nuri::codec {

class Writer {
 public:
  Writer() = default;
  void PutU8(std::uint8_t value) { bytes_.push_back(static_cast<char>(value)); }
  void PutBool(bool value) { PutU8(value ? 1 : 0); }
  void PutU16(std::uint16_t value);
  void PutU32(std::uint32_t value);
  void PutU64(std::uint64_t value);
  void PutI64(std::int64_t value) { PutU64(static_cast<std::uint64_t>(value)); }
  // Raw bytes whose length the grammar fixes (hashes, keys of a known type).
  void PutFixed(std::string_view bytes) { bytes_.append(bytes); }
  // u32 length, then the bytes.
  void PutBytes(std::string_view bytes);

  const std::string& bytes() const { return bytes_; }
  std::string Take() { return std::move(bytes_); }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  // Each Get stops at the first fault; after a fault every later Get fails too, so a decoder may
  // read a whole structure and look at status() once.
  std::uint8_t GetU8(std::string_view what);
  bool GetBool(std::string_view what);
  std::uint16_t GetU16(std::string_view what);
  std::uint32_t GetU32(std::string_view what);
  std::uint64_t GetU64(std::string_view what);
  std::int64_t GetI64(std::string_view what) { return static_cast<std::int64_t>(GetU64(what)); }
  std::string GetFixed(std::size_t size, std::string_view what);
  std::string GetBytes(std::size_t size_max, std::string_view what);
  // A count of items that follow, each at least item_size_min bytes: refused when more than
  // count_max, or more than the bytes left could hold, so a decoder can reserve safely.
  std::uint32_t GetCount(std::size_t count_max, std::size_t item_size_min, std::string_view what);

  // Ok when everything was read without fault and no byte is left over.
  base::Status Finish() const;
  const base::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  std::size_t remaining() const { return bytes_.size() - position_; }
  // Records a fault found by the decoder itself (an unknown tag, a bad value).
  void Fail(std::string message);

 private:
  bool Need(std::size_t size, std::string_view what);

  std::string_view bytes_;
  std::size_t position_ = 0;
  base::Status status_;
};

// Big-endian u64 for storage keys, where byte order must sort as numbers do.
std::string EncodeKeyU64(std::uint64_t value);
std::uint64_t DecodeKeyU64(std::string_view bytes);

}  // namespace nuri::codec
