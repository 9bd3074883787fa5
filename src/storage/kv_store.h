// KvStore: an ordered key-value store with atomic batches.
//
// Keys and values are byte strings; iteration is in byte order. A WriteBatch is applied whole or
// not at all; with sync it is on disk when Write returns. Implementations are thread-safe for
// concurrent readers and one writer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace nuri::storage {

// The operations of a batch, in the order they were added. Their bytes live in one buffer, so a
// batch of a few hundred thousand keys costs two growing buffers instead of an allocation per
// key and value, and Clear() keeps them for the next batch, unless the batch was out of the
// ordinary: a genesis of a million accounts would otherwise hold hundreds of megabytes for good.
class WriteBatch {
 public:
  static constexpr std::size_t kRetainedBytesMax = 32 * 1024 * 1024;

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void Clear();

  struct Operation {
    std::string_view key;
    std::optional<std::string_view> value;  // nullopt: delete
  };
  Operation operator[](std::size_t index) const;
  // The key alone, for the store's sort, which compares keys a million times a flush.
  std::string_view key(std::size_t index) const {
    const Entry& entry = entries_[index];
    return {bytes_.data() + entry.offset, entry.key_size};
  }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::size_t offset;  // of the key in bytes_, its value following
    std::uint32_t key_size;
    std::uint32_t value_size;
    bool deletes;
  };
  void Append(std::string_view key, std::string_view value, bool deletes);

  std::string bytes_;
  std::vector<Entry> entries_;
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  // NotFound when absent.
  virtual base::Result<std::string> Get(std::string_view key) const = 0;
  virtual base::Status Write(const WriteBatch& batch, bool sync) = 0;
  // Calls visit(key, value) for every key starting with prefix, in order, until it returns false.
  base::Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
    return ScanFrom(prefix, prefix, visit);
  }
  // The same from the first key at or after `start` (a later page of an index).
  virtual base::Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const = 0;
};

// From this many distinct keys on, RocksDB writes a batch as table files that it ingests, rather
// than through its memtable and log: the ledger's held-back state and indexes, a genesis, a
// snapshot being restored.
inline constexpr std::size_t kIngestedBatchOperationsMin = 16 * 1024;

// Opens (creating when missing) a RocksDB database in `directory`.
base::Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& directory);
// Opens an existing database for reading only, also while its node runs (for `nuri node
// check`); writes fail.
base::Result<std::unique_ptr<KvStore>> OpenRocksDbReadOnly(const std::string& directory);

}  // namespace nuri::storage
