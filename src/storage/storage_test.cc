#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/kv_store.h"
#include "storage/memory_store.h"

namespace nuri::storage {
namespace {

std::vector<std::string> Keys(const KvStore& store, std::string_view prefix,
                              std::string_view start = {}) {
  std::vector<std::string> keys;
  EXPECT_TRUE(store
                  .ScanFrom(prefix, start,
                            [&](std::string_view key, std::string_view) {
                              keys.emplace_back(key);
                              return true;
                            })
                  .ok());
  return keys;
}

void ExerciseStore(KvStore& store) {
  WriteBatch batch;
  batch.Put("b/2", "two");
  batch.Put("b/1", "one");
  batch.Put("c/1", "other");
  batch.Put("b/3", "three");
  batch.Delete("b/3");
  ASSERT_TRUE(store.Write(batch, true).ok());
  EXPECT_EQ(store.Get("b/1").value(), "one");
  EXPECT_EQ(store.Get("b/3").error().code(), base::StatusCode::kNotFound);
  EXPECT_EQ(Keys(store, "b/"), (std::vector<std::string>{"b/1", "b/2"}));
  // A later page starts at its key, or the next one after it, and never leaves the prefix; a
  // start before the prefix is the prefix's first key.
  EXPECT_EQ(Keys(store, "b/", "b/2"), (std::vector<std::string>{"b/2"}));
  EXPECT_EQ(Keys(store, "b/", "b/15"), (std::vector<std::string>{"b/2"}));
  EXPECT_EQ(Keys(store, "b/", "b/3"), (std::vector<std::string>{}));
  EXPECT_EQ(Keys(store, "b/", "a"), (std::vector<std::string>{"b/1", "b/2"}));

  // A batch cleared and filled again writes only what it holds now; of several operations on
  // one key, the last is what stays, and an empty value is a value.
  batch.Clear();
  batch.Put("b/1", "first");
  batch.Delete("b/1");
  batch.Put("b/1", "last");
  batch.Put("b/4", "");
  batch.Delete("b/2");
  batch.Put("b/5", "kept");
  batch.Delete("b/5");
  ASSERT_TRUE(store.Write(batch, false).ok());
  EXPECT_EQ(store.Get("b/1").value(), "last");
  EXPECT_EQ(store.Get("b/4").value(), "");
  EXPECT_EQ(Keys(store, "b/"), (std::vector<std::string>{"b/1", "b/4"}));
  EXPECT_EQ(store.Get("c/1").value(), "other");
}

TEST(WriteBatch, KeepsOperationsInOrderAndTellsADeleteFromAnEmptyValue) {
  WriteBatch batch;
  batch.Put("k", "v");
  batch.Delete("gone");
  batch.Put("empty", "");
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].key, "k");
  EXPECT_EQ(batch[0].value, std::optional<std::string_view>("v"));
  EXPECT_EQ(batch[1].key, "gone");
  EXPECT_FALSE(batch[1].value.has_value());
  EXPECT_EQ(batch[2].key, "empty");
  EXPECT_EQ(batch[2].value, std::optional<std::string_view>(""));
  batch.Clear();
  EXPECT_TRUE(batch.empty());
  batch.Put("again", "1");
  EXPECT_EQ(batch[0].key, "again");
  EXPECT_EQ(batch[0].value, std::optional<std::string_view>("1"));
}

TEST(MemoryStore, WritesBatchesAndScansInOrder) {
  MemoryStore store;
  ExerciseStore(store);
}

TEST(RocksDbStore, WritesBatchesScansAndPersistsAcrossReopen) {
  const auto directory = std::filesystem::temp_directory_path() /
                         ("nuri-storage-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(directory);
  {
    auto store = OpenRocksDb(directory.string());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    ExerciseStore(**store);
  }
  {
    auto store = OpenRocksDb(directory.string());
    ASSERT_TRUE(store.has_value());
    EXPECT_EQ(Keys(**store, "b/"), (std::vector<std::string>{"b/1", "b/4"}));
    EXPECT_EQ((*store)->Get("b/1").value(), "last");
  }
  std::filesystem::remove_all(directory);
}

TEST(MemoryStore, CrashLosesOnlyUnsyncedBatches) {
  MemoryStore store;
  WriteBatch synced;
  synced.Put("k1", "kept");
  ASSERT_TRUE(store.Write(synced, true).ok());
  WriteBatch unsynced;
  unsynced.Put("k2", "lost");
  ASSERT_TRUE(store.Write(unsynced, false).ok());
  EXPECT_TRUE(store.Get("k2").has_value());
  store.CrashLosingUnsynced();
  EXPECT_EQ(store.Get("k1").value(), "kept");
  EXPECT_FALSE(store.Get("k2").has_value());
}

TEST(FaultyStore, FailureIsSticky) {
  MemoryStore inner;
  FaultyStore store(inner);
  store.FailWriteAfter(1);
  WriteBatch batch;
  batch.Put("a", "1");
  EXPECT_TRUE(store.Write(batch, true).ok());
  EXPECT_FALSE(store.Write(batch, true).ok());
  EXPECT_FALSE(store.Write(batch, true).ok());
  EXPECT_EQ(inner.key_count(), 1u);
}

std::vector<std::string> IngestingFiles(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& file : std::filesystem::directory_iterator(directory)) {
    const std::string name = file.path().filename().string();
    if (name.starts_with("ingesting-")) names.push_back(name);
  }
  return names;
}

std::string Numbered(std::string_view prefix, std::size_t i) {
  std::string number = std::to_string(i);
  return std::string(prefix) + std::string(6 - number.size(), '0') + number;
}

// A batch of many keys goes to RocksDB as table files rather than through its memtable: it must
// read the same, overwrite and delete what the memtable holds, keep the last operation on a key,
// and leave no file of its own behind, also after a crash left some.
TEST(RocksDbStore, WritesALargeBatchWholeAsTableFiles) {
  const auto directory =
      std::filesystem::temp_directory_path() / ("nuri-storage-large-" + std::to_string(::getpid()));
  std::filesystem::remove_all(directory);
  const std::size_t count = kIngestedBatchOperationsMin;
  {
    auto store = OpenRocksDb(directory.string());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    WriteBatch small;
    small.Put("b/kept", "memtable");
    small.Put("b/overwritten", "memtable");
    small.Put("b/deleted", "memtable");
    ASSERT_TRUE((*store)->Write(small, true).ok());

    WriteBatch large;
    for (std::size_t i = 0; i < count; ++i) large.Put(Numbered("a/", i), "first");
    large.Put("b/overwritten", "table");
    large.Delete("b/deleted");
    for (std::size_t i = 0; i < count; i += 2) large.Put(Numbered("a/", i), "second");
    large.Delete(Numbered("a/", 1));
    large.Put("c/1", "");
    ASSERT_TRUE((*store)->Write(large, true).ok());
    EXPECT_EQ(IngestingFiles(directory), std::vector<std::string>{});
  }
  const std::filesystem::path live = [&] {
    for (const auto& file : std::filesystem::directory_iterator(directory)) {
      if (file.path().extension() == ".sst") return file.path();
    }
    return std::filesystem::path();
  }();
  ASSERT_FALSE(live.empty());
  // What a crash may leave: a second name of a table RocksDB already owns, and a half-written
  // file.
  std::filesystem::create_hard_link(live, directory / "ingesting-0.sst");
  std::ofstream(directory / "ingesting-1.sst") << "half a table";
  {
    auto store = OpenRocksDb(directory.string());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    EXPECT_EQ(IngestingFiles(directory), std::vector<std::string>{});
    EXPECT_EQ((*store)->Get("b/kept").value(), "memtable");
    EXPECT_EQ((*store)->Get("b/overwritten").value(), "table");
    EXPECT_EQ((*store)->Get("b/deleted").error().code(), base::StatusCode::kNotFound);
    EXPECT_EQ((*store)->Get("c/1").value(), "");
    const std::vector<std::string> keys = Keys(**store, "a/");
    ASSERT_EQ(keys.size(), count - 1);
    EXPECT_EQ(keys.front(), Numbered("a/", 0));
    EXPECT_EQ(keys[1], Numbered("a/", 2));
    EXPECT_EQ((*store)->Get(Numbered("a/", 0)).value(), "second");
    EXPECT_EQ((*store)->Get(Numbered("a/", 3)).value(), "first");

    // A second large batch writes over the first.
    WriteBatch again;
    for (std::size_t i = 0; i < count; ++i) again.Put(Numbered("a/", i), "third");
    ASSERT_TRUE((*store)->Write(again, false).ok());
    EXPECT_EQ((*store)->Get(Numbered("a/", 1)).value(), "third");
  }
  {
    // A store open for reading writes nothing, not even a table file beside the database.
    auto reader = OpenRocksDbReadOnly(directory.string());
    ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
    WriteBatch large;
    for (std::size_t i = 0; i < count; ++i) large.Put(Numbered("d/", i), "x");
    EXPECT_EQ((*reader)->Write(large, true).code(), base::StatusCode::kFailedPrecondition);
    EXPECT_EQ(IngestingFiles(directory), std::vector<std::string>{});
    EXPECT_EQ((*reader)->Get(Numbered("a/", count - 1)).value(), "third");
  }
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace nuri::storage
