#include "storage/kv_store.h"

namespace nuri::storage {

void WriteBatch::Put(std::string_view key, std::string_view value) {
  operations_.push_back({std::string(key), std::string(value)});
  size_bytes_ += key.size() + value.size();
}

void WriteBatch::Delete(std::string_view key) {
  operations_.push_back({std::string(key), std::nullopt});
  size_bytes_ += key.size();
}

}  // namespace nuri::storage
