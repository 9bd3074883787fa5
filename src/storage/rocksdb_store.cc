// RocksDbStore: KvStore on RocksDB. One WriteBatch per block, written with the WAL and, when
// asked, synced; RocksDB's own recovery then guarantees a batch is either whole or absent after
// a crash. A large batch (the ledger's held-back state and indexes, a genesis, a snapshot) is
// instead written as table files of its own and ingested, which is atomic and durable too.
// Thread-safe as RocksDB is.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

#include "storage/kv_store.h"

namespace nuri::storage {

namespace {

rocksdb::Options StoreOptions();

// The table files a large batch is written to before RocksDB links them in.
constexpr std::string_view kIngestingPrefix = "ingesting-";

std::string IngestingPath(const std::string& directory, std::size_t index) {
  return directory + "/" + std::string(kIngestingPrefix) + std::to_string(index) + ".sst";
}

// A crash may leave files being written, or, once RocksDB linked them in, second names of its
// own table files; writing to such a name would truncate a live table. They are removed before
// the store is used.
base::Status RemoveIngestingFiles(const std::string& directory) {
  std::error_code error;
  for (const auto& file : std::filesystem::directory_iterator(directory, error)) {
    if (file.path().filename().string().starts_with(kIngestingPrefix)) {
      std::filesystem::remove(file.path(), error);
      if (error) break;
    }
  }
  if (error) {
    return base::Status::IoError("cannot remove unfinished table files in " + directory + ": " +
                                 error.message());
  }
  return base::Status::Ok();
}

class RocksDbStore final : public KvStore {
 public:
  // A read-only store writes nothing, table files included: the node that owns the database
  // may be writing its own.
  enum class Access { kReadWrite, kReadOnly };

  RocksDbStore(std::unique_ptr<rocksdb::DB> db, std::string directory, Access access)
      : db_(std::move(db)), directory_(std::move(directory)), access_(access) {
    // Ingested files are short-lived: compaction merges them into the levels below, and
    // compresses them there. A table file writer takes the last level's compression when
    // levels have their own.
    ingested_options_.compression = rocksdb::kNoCompression;
    ingested_options_.compression_per_level.clear();
  }
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
    if (access_ == Access::kReadOnly) {
      return base::Status::FailedPrecondition("the database is open for reading only");
    }
    // In key order: each insert into the memtable's skiplist starts from where the previous one
    // ended instead of from the top, and a table file takes its keys in order. Operations on one
    // key keep their order, and only the last of them is written: it is what the batch leaves.
    // The sort's vectors and the native batch keep their memory from one write to the next, as
    // WriteBatch does: the ledger's large batches would otherwise fault in fresh pages every
    // time.
    SortInKeyOrder(batch);
    std::size_t distinct = 0;
    for (std::size_t i = 0; i < sorted_.size(); ++i) {
      if (i + 1 < sorted_.size() && SameKey(batch, sorted_[i], sorted_[i + 1])) continue;
      ordered_[distinct++] = sorted_[i].index;
    }
    ordered_.resize(distinct);
    const base::Status status =
        distinct >= kIngestedBatchOperationsMin ? Ingest(batch) : WriteNative(batch, sync);
    if (sorted_.capacity() * sizeof(SortKey) > WriteBatch::kRetainedBytesMax) {
      std::vector<SortKey>().swap(sorted_);
      std::vector<std::uint32_t>().swap(ordered_);
    }
    // A failed write may have left the WAL or the table files in an unknown state: refuse every
    // later write.
    if (!status.ok()) sticky_error_ = status;
    return status;
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
  // An operation's place in the sort: its key's first 16 bytes as two big-endian numbers, so that
  // most comparisons are of numbers in the sort's own array, where comparing the keys would
  // reach into the batch's buffer at random; keys that share those bytes (one account's index
  // entries) are compared whole.
  struct SortKey {
    std::uint64_t head;
    std::uint64_t tail;
    std::uint32_t index;
  };

  static std::uint64_t BigEndianAt(std::string_view key, std::size_t offset) {
    std::uint64_t number = 0;
    for (std::size_t i = offset; i < offset + 8; ++i) {
      number = (number << 8) | (i < key.size() ? static_cast<std::uint8_t>(key[i]) : 0);
    }
    return number;
  }

  static bool SameKey(const WriteBatch& batch, const SortKey& a, const SortKey& b) {
    return a.head == b.head && a.tail == b.tail && batch.key(a.index) == batch.key(b.index);
  }

  // Fills sorted_ with the batch's operations in key order, and ordered_ to the batch's size.
  void SortInKeyOrder(const WriteBatch& batch) {
    sorted_.resize(batch.size());
    for (std::uint32_t i = 0; i < sorted_.size(); ++i) {
      const std::string_view key = batch.key(i);
      sorted_[i] = {BigEndianAt(key, 0), BigEndianAt(key, 8), i};
    }
    std::sort(sorted_.begin(), sorted_.end(), [&](const SortKey& a, const SortKey& b) {
      if (a.head != b.head) return a.head < b.head;
      if (a.tail != b.tail) return a.tail < b.tail;
      const int order = batch.key(a.index).compare(batch.key(b.index));
      return order < 0 || (order == 0 && a.index < b.index);
    });
    ordered_.resize(batch.size());
  }

  // Writes the operations ordered_ lists through the memtable and the WAL.
  base::Status WriteNative(const WriteBatch& batch, bool sync) {
    native_.Clear();
    for (const std::uint32_t index : ordered_) {
      const WriteBatch::Operation operation = batch[index];
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
    if (native_.GetDataSize() > WriteBatch::kRetainedBytesMax) native_ = rocksdb::WriteBatch();
    if (!status.ok()) return base::Status::IoError("rocksdb write: " + status.ToString());
    return base::Status::Ok();
  }

  // Writes the operations ordered_ lists as table files, one per key prefix (up to its first
  // '/'), and ingests them together, which RocksDB does atomically. Inserting a key into the
  // memtable's skiplist walks past the keys already there, and the key is then written again to
  // the WAL and once more by the memtable's flush; a table file is built in one sequential pass. A
  // file whose key range holds a key of the memtable makes RocksDB flush the memtable first; one
  // file from the first account index key to the last transaction index key would span the blocks
  // and receipts that every block writes there. Each file is synced before RocksDB links it in and
  // records it in its manifest, so that after a crash the batch is whole or absent, as a WAL write
  // is; RocksDB gives the files' keys a sequence number above every earlier write, and removes
  // their names here once they are its own.
  base::Status Ingest(const WriteBatch& batch) {
    std::vector<std::string> paths;
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(ingested_options_), ingested_options_);
    std::string_view file_prefix;
    rocksdb::Status status;
    for (std::size_t i = 0; status.ok() && i < ordered_.size(); ++i) {
      const WriteBatch::Operation operation = batch[ordered_[i]];
      const std::string_view prefix = operation.key.substr(0, operation.key.find('/') + 1);
      if (paths.empty() || prefix != file_prefix) {
        if (!paths.empty()) status = writer.Finish();
        paths.push_back(IngestingPath(directory_, paths.size()));
        file_prefix = prefix;
        if (status.ok()) status = writer.Open(paths.back());
        if (!status.ok()) break;
      }
      const rocksdb::Slice key(operation.key.data(), operation.key.size());
      status =
          operation.value
              ? writer.Put(key, rocksdb::Slice(operation.value->data(), operation.value->size()))
              : writer.Delete(key);
    }
    if (status.ok()) status = writer.Finish();
    if (status.ok()) {
      rocksdb::IngestExternalFileOptions ingest;
      ingest.move_files = true;
      ingest.write_global_seqno = false;
      status = db_->IngestExternalFile(paths, ingest);
    }
    if (!status.ok()) return base::Status::IoError("rocksdb ingest: " + status.ToString());
    return base::Status::Ok();
  }

  std::unique_ptr<rocksdb::DB> db_;
  const std::string directory_;
  const Access access_;
  rocksdb::Options ingested_options_ = StoreOptions();
  std::mutex write_mutex_;
  base::Status sticky_error_;
  std::vector<SortKey> sorted_;  // guarded by write_mutex_
  // The batch's operations in key order, one per key.
  std::vector<std::uint32_t> ordered_;  // guarded by write_mutex_
  rocksdb::WriteBatch native_;          // guarded by write_mutex_
};

rocksdb::Options StoreOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.max_open_files = 256;
  options.IncreaseParallelism(2);
  // Table files written by compactions, flushes and ingestion are handed to the disk a megabyte
  // at a time. Otherwise their pages pile up dirty, and the next block's synced write waits
  // for the filesystem to write them all: a tenth of a second at times, with block production
  // stopped.
  options.bytes_per_sync = 1 << 20;
  // Ingested batches arrive as level-0 files of a few megabytes, each spanning its whole prefix:
  // every compaction into level 1 rewrites the level-1 files of those prefixes, so it waits for
  // many of them. Reads look at a level-0 file only when its range holds the key, and its bloom
  // filter first. The first two levels, rewritten most often, are not compressed.
  options.level0_file_num_compaction_trigger = 32;
  options.level0_slowdown_writes_trigger = 96;
  options.level0_stop_writes_trigger = 128;
  options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression,
                                   rocksdb::kLZ4Compression};
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
  std::unique_ptr<rocksdb::DB> db(raw);
  if (base::Status removed = RemoveIngestingFiles(directory); !removed.ok()) {
    return base::Error(std::move(removed));
  }
  return std::unique_ptr<KvStore>(
      new RocksDbStore(std::move(db), directory, RocksDbStore::Access::kReadWrite));
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
  return std::unique_ptr<KvStore>(new RocksDbStore(std::unique_ptr<rocksdb::DB>(raw), directory,
                                                   RocksDbStore::Access::kReadOnly));
}

}  // namespace nuri::storage
