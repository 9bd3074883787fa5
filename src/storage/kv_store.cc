#include "storage/kv_store.h"

#include <limits>

#include "base/check.h"

namespace nuri::storage {

void WriteBatch::Append(std::string_view key, std::string_view value, bool deletes) {
  constexpr std::size_t kMax = std::numeric_limits<std::uint32_t>::max();
  NURI_CHECK(key.size() <= kMax && value.size() <= kMax);
  entries_.push_back({.offset = bytes_.size(),
                      .key_size = static_cast<std::uint32_t>(key.size()),
                      .value_size = static_cast<std::uint32_t>(value.size()),
                      .deletes = deletes});
  bytes_.append(key);
  bytes_.append(value);
}

void WriteBatch::Put(std::string_view key, std::string_view value) { Append(key, value, false); }

void WriteBatch::Delete(std::string_view key) { Append(key, {}, true); }

void WriteBatch::Clear() {
  if (bytes_.capacity() > kRetainedBytesMax) {
    std::string().swap(bytes_);
    std::vector<Entry>().swap(entries_);
    return;
  }
  bytes_.clear();
  entries_.clear();
}

WriteBatch::Operation WriteBatch::operator[](std::size_t index) const {
  const Entry& entry = entries_[index];
  const std::string_view key = this->key(index);
  if (entry.deletes) return {key, std::nullopt};
  return {key, std::string_view(key.data() + entry.key_size, entry.value_size)};
}

}  // namespace nuri::storage
