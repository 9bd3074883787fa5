// RocksDbStore: KvStore on RocksDB. One WriteBatch per block, written with the WAL and, when
// asked, synced; RocksDB's own recovery then guarantees a batch is either whole or absent after
// a crash. Thread-safe as RocksDB is.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <vector>

#include "storage/kv_store.h"

namespace nuri::storage {

namespace {

class RocksDbStore final : public KvStore {
 public:
  explicit RocksDbStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  base::Result<std::string> Get(std::string_view key) const override {
    std::string value;
    const rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
    if (status.IsNotFound()) return base::Error(base::Status::NotFound("no such key"));
    if (!status.ok()) return base::Error(base::Status::IoError("rocksdb get: " + status.ToString()));
    return value;
  }

  base::Status Write(const WriteBatch& batch, bool sync) override {
    std::lock_guard lock(write_mutex_);
    if (!sticky_error_.ok()) return sticky_error_;
    // In key order, each insert into the memtable's skiplist starts from where the previous one
    // ended instead of from the top. Operations on one key keep their order, and only the last
    // of them is written: it is what the batch leaves. The index and the native batch keep their
    // memory from one write to the next, as WriteBatch does: the ledger's large batches would
    // otherwise fault in fresh pages every time.
    ordered_.resize(batch.size());
    for (std::uint32_t i = 0; i < ordered_.size(); ++i) ordered_[i] = i;
    std::sort(ordered_.begin(), ordered_.end(), [&](std::uint32_t a, std::uint32_t b) {
      const int order = batch.key(a).compare(batch.key(b));
      return order < 0 || (order == 0 && a < b);
    });
    native_.Clear();
    for (std::size_t i = 0; i < ordered_.size(); ++i) {
      const WriteBatch::Operation operation = batch[ordered_[i]];
      if (i + 1 < ordered_.size() && batch.key(ordered_[i + 1]) == operation.key) continue;
      const rocksdb::Slice key(operation.key.data(), operation.key.size());
      if (operation.value) {
        native_.Put(key, rocksdb::Slice(operation.value->data(), operation.value->size()));
      } else {
        native_.Delete(key);
      }
    }
    rocksdb::WriteOptions options;
    options.sync = sync;
    const rocksdb::Status status = db_->Write(options, &native_);
    if (native_.GetDataSize() > WriteBatch::kRetainedBytesMax) {
      native_ = rocksdb::WriteBatch();
      std::vector<std::uint32_t>().swap(ordered_);
    }
    if (!status.ok()) {
      // A failed write may have left the WAL in an unknown state: refuse every later write.
      sticky_error_ = base::Status::IoError("rocksdb write: " + status.ToString());
      return sticky_error_;
    }
    return base::Status::Ok();
  }

  base::Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    const std::string_view first = std::max(prefix, start);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(rocksdb::Slice(first.data(), first.size())); it->Valid(); it->Next()) {
      const rocksdb::Slice key = it->key();
      if (!key.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
      if (!visit(std::string_view(key.data(), key.size()),
                 std::string_view(it->value().data(), it->value().size()))) {
        break;
      }
    }
    if (!it->status().ok()) return base::Status::IoError("rocksdb scan: " + it->status().ToString());
    return base::Status::Ok();
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::mutex write_mutex_;
  base::Status sticky_error_;
  std::vector<std::uint32_t> ordered_;  // guarded by write_mutex_
  rocksdb::WriteBatch native_;          // guarded by write_mutex_
};

}  // namespace

namespace {
rocksdb::Options StoreOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.max_open_files = 256;
  options.IncreaseParallelism(2);
  options.compression = rocksdb::kLZ4Compression;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}
}  // namespace

base::Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& directory) {
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(StoreOptions(), directory, &raw);
  if (!status.ok()) {
    return base::Error(base::Status::IoError("cannot open the database in " + directory + ": " +
                                             status.ToString()));
  }
  return std::unique_ptr<KvStore>(new RocksDbStore(std::unique_ptr<rocksdb::DB>(raw)));
}

}  // namespace nuri::storage

namespace nuri::storage {

base::Result<std::unique_ptr<KvStore>> OpenRocksDbReadOnly(const std::string& directory) {
  rocksdb::Options options = StoreOptions();
  options.create_if_missing = false;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::OpenForReadOnly(options, directory, &raw);
  if (!status.ok()) {
    return base::Error(base::Status::IoError("cannot open the database in " + directory +
                                             " for reading: " + status.ToString()));
  }
  return std::unique_ptr<KvStore>(new RocksDbStore(std::unique_ptr<rocksdb::DB>(raw)));
}

}  // namespace nuri::storage
