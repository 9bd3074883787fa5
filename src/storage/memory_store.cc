#include "storage/memory_store.h"

#include <algorithm>

namespace nuri::storage {

void MemoryStore::Apply(std::map<std::string, std::string, std::less<>>& data,
                        const WriteBatch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const WriteBatch::Operation operation = batch[i];
    if (operation.value) {
      data.insert_or_assign(std::string(operation.key), std::string(*operation.value));
    } else if (const auto found = data.find(operation.key); found != data.end()) {
      data.erase(found);
    }
  }
}

base::Result<std::string> MemoryStore::Get(std::string_view key) const {
  std::lock_guard lock(mutex_);
  const auto it = data_.find(key);
  if (it == data_.end()) return base::Error(base::Status::NotFound("no such key"));
  return it->second;
}

base::Status MemoryStore::Write(const WriteBatch& batch, bool sync) {
  std::lock_guard lock(mutex_);
  Apply(data_, batch);
  if (sync) {
    for (const auto& pending : unsynced_) Apply(synced_, pending);
    unsynced_.clear();
    Apply(synced_, batch);
  } else {
    unsynced_.push_back(batch);
  }
  return base::Status::Ok();
}

base::Status MemoryStore::ScanFrom(
    std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::lock_guard lock(mutex_);
  for (auto it = data_.lower_bound(std::max(prefix, start));
       it != data_.end() && it->first.starts_with(prefix); ++it) {
    if (!visit(it->first, it->second)) break;
  }
  return base::Status::Ok();
}

void MemoryStore::CrashLosingUnsynced() {
  std::lock_guard lock(mutex_);
  unsynced_.clear();
  data_ = synced_;
}

std::size_t MemoryStore::key_count() const {
  std::lock_guard lock(mutex_);
  return data_.size();
}

base::Status FaultyStore::Write(const WriteBatch& batch, bool sync) {
  if (failed_) return base::Status::IoError("injected: store failed earlier");
  if (writes_until_failure_ == 0) {
    failed_ = true;
    return base::Status::IoError("injected: write failed");
  }
  if (writes_until_failure_ > 0) --writes_until_failure_;
  return inner_.Write(batch, sync);
}

}  // namespace nuri::storage
