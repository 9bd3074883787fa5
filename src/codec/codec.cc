#include "codec/codec.h"

#include "base/check.h"

namespace nuri::codec {

void Writer::PutU16(std::uint16_t value) {
  PutU8(static_cast<std::uint8_t>(value));
  PutU8(static_cast<std::uint8_t>(value >> 8));
}

void Writer::PutU32(std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) PutU8(static_cast<std::uint8_t>(value >> shift));
}

void Writer::PutU64(std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) PutU8(static_cast<std::uint8_t>(value >> shift));
}

void Writer::PutBytes(std::string_view bytes) {
  NURI_CHECK(bytes.size() <= 0xffffffffu);
  PutU32(static_cast<std::uint32_t>(bytes.size()));
  bytes_.append(bytes);
}

void Reader::Fail(std::string message) {
  if (status_.ok()) status_ = base::Status::InvalidArgument(std::move(message));
}

bool Reader::Need(std::size_t size, std::string_view what) {
  if (!status_.ok()) return false;
  if (remaining() < size) {
    Fail("truncated: " + std::string(what) + " needs " + std::to_string(size) + " bytes, " +
         std::to_string(remaining()) + " left");
    return false;
  }
  return true;
}

std::uint8_t Reader::GetU8(std::string_view what) {
  if (!Need(1, what)) return 0;
  return static_cast<std::uint8_t>(bytes_[position_++]);
}

bool Reader::GetBool(std::string_view what) {
  const std::uint8_t value = GetU8(what);
  if (value > 1) Fail(std::string(what) + ": boolean must be 0 or 1");
  return value == 1;
}

std::uint16_t Reader::GetU16(std::string_view what) {
  if (!Need(2, what)) return 0;
  std::uint16_t value = 0;
  for (int i = 1; i >= 0; --i) {
    value = static_cast<std::uint16_t>((value << 8) |
                                       static_cast<std::uint8_t>(bytes_[position_ + i]));
  }
  position_ += 2;
  return value;
}

std::uint32_t Reader::GetU32(std::string_view what) {
  if (!Need(4, what)) return 0;
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<std::uint8_t>(bytes_[position_ + i]);
  position_ += 4;
  return value;
}

std::uint64_t Reader::GetU64(std::string_view what) {
  if (!Need(8, what)) return 0;
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<std::uint8_t>(bytes_[position_ + i]);
  position_ += 8;
  return value;
}

std::string Reader::GetFixed(std::size_t size, std::string_view what) {
  if (!Need(size, what)) return {};
  std::string value(bytes_.substr(position_, size));
  position_ += size;
  return value;
}

std::string Reader::GetBytes(std::size_t size_max, std::string_view what) {
  const std::uint32_t size = GetU32(what);
  if (!status_.ok()) return {};
  if (size > size_max) {
    Fail(std::string(what) + ": length " + std::to_string(size) + " exceeds the limit of " +
         std::to_string(size_max));
    return {};
  }
  return GetFixed(size, what);
}

std::uint32_t Reader::GetCount(std::size_t count_max, std::size_t item_size_min,
                               std::string_view what) {
  const std::uint32_t count = GetU32(what);
  if (!status_.ok()) return 0;
  if (count > count_max) {
    Fail(std::string(what) + ": count " + std::to_string(count) + " exceeds the limit of " +
         std::to_string(count_max));
    return 0;
  }
  if (item_size_min > 0 && count > remaining() / item_size_min) {
    Fail(std::string(what) + ": count " + std::to_string(count) + " cannot fit in what is left");
    return 0;
  }
  return count;
}

base::Status Reader::Finish() const {
  if (!status_.ok()) return status_;
  if (remaining() != 0) {
    return base::Status::InvalidArgument(std::to_string(remaining()) + " trailing bytes");
  }
  return base::Status::Ok();
}

std::string EncodeKeyU64(std::uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return bytes;
}

std::uint64_t DecodeKeyU64(std::string_view bytes) {
  NURI_CHECK(bytes.size() == 8);
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<std::uint8_t>(c);
  return value;
}

}  // namespace nuri::codec
