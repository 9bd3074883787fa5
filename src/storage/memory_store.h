// MemoryStore: KvStore in memory, for tests and the simulator. It keeps what was written with
// sync apart from what was not, so that CrashLosingUnsynced() can model a machine that lost
// power: every batch written without sync since the last synced one disappears.
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "storage/kv_store.h"

namespace nuri::storage {

class MemoryStore final : public KvStore {
 public:
  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  base::Result<std::string> Get(std::string_view key) const override;
  base::Status Write(const WriteBatch& batch, bool sync) override;
  base::Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view, std::string_view)>& visit) const override;

  void CrashLosingUnsynced();
  std::size_t key_count() const;

 private:
  static void Apply(std::map<std::string, std::string, std::less<>>& data, const WriteBatch& batch);

  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> data_;    // what readers see
  std::map<std::string, std::string, std::less<>> synced_;  // what survives a crash
  std::vector<WriteBatch> unsynced_;
};

// FaultyStore: forwards to another store and fails the n-th write from now (and, being sticky,
// every write after it), as a full or broken disk would.
class FaultyStore final : public KvStore {
 public:
  explicit FaultyStore(KvStore& inner) : inner_(inner) {}
  void FailWriteAfter(int successful_writes) { writes_until_failure_ = successful_writes; }

  base::Result<std::string> Get(std::string_view key) const override { return inner_.Get(key); }
  base::Status Write(const WriteBatch& batch, bool sync) override;
  base::Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    return inner_.ScanFrom(prefix, start, visit);
  }

 private:
  KvStore& inner_;
  int writes_until_failure_ = -1;
  bool failed_ = false;
};

}  // namespace nuri::storage
