// The off-ledger evidence store against a real RocksDB and files, sealed under a node wallet
// key: what comes back is what went in and hashes to what the ledger keeps; nothing readable is
// on disk; a record whose retention ended is erased, its hash staying; a crash between a
// record's file and its metadata leaves no stray file.
#include "wallet/evidence_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "base/files.h"
#include "base/hex.h"
#include "core/time.h"
#include "crypto/keys.h"

namespace nuri::wallet {
namespace {

namespace fs = std::filesystem;

core::AccountId Id(std::string_view text) { return core::AccountId::Parse(text).value(); }

class EvidenceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::Initialize();
    directory_ = (fs::temp_directory_path() /
                  ("nuri-evidence-" + std::to_string(::getpid()) + "-" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                     .string();
    fs::remove_all(directory_);
    sealer_ = FileKeySealer::FromKeyFile(
                  FileKeySealer::NewKeyFile("o1", "a node password long enough").value(),
                  "a node password long enough")
                  .value();
    clock_.SetMillis(core::ParseTime("2026-03-03T12:00:00+09:00").value());
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(directory_);
  }
  void Reopen() {
    store_.reset();
    store_ = EvidenceStore::Open(directory_, *sealer_, clock_).value();
  }

  EvidenceContent Lunch() const {
    return EvidenceContent{.attendees = {"Park Ji-hoon (KDI)", "김민준"},
                           .purpose = "Lunch with the KDI delegation on the 2027 budget review",
                           .document_type = "image/png",
                           .document = std::string("\x89PNG\r\n\x1a\n", 8) + "receipt scan"};
  }

  std::string directory_;
  std::unique_ptr<FileKeySealer> sealer_;
  base::ManualClock clock_;
  std::unique_ptr<EvidenceStore> store_;
};

TEST_F(EvidenceStoreTest, WhatIsKeptComesBackAndHashesToWhatTheLedgerKeeps) {
  const auto record = store_->Add(Id("kim@moef"), Lunch());
  ASSERT_TRUE(record.has_value()) << record.error().ToString();
  EXPECT_EQ(record->id.size(), 32u);
  EXPECT_EQ(record->erase_after_millis - record->created_millis,
            kEvidenceRetentionDaysMin * core::kMillisPerDay);
  const auto opened = store_->Read(record->id);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  ASSERT_TRUE(opened->content.has_value());
  EXPECT_EQ(*opened->content, Lunch());
  EXPECT_EQ(opened->record.holder.str(), "kim@moef");
  EXPECT_EQ(opened->salt.size(), kEvidenceSaltBytes);
  EXPECT_EQ(EvidenceHash(opened->salt, Lunch()), record->hash);
  // Salted: the same content filed again has another hash, so a hash tells nothing of names.
  const auto again = store_->Add(Id("kim@moef"), Lunch());
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(again->hash, record->hash);
  // Kept across a restart.
  Reopen();
  EXPECT_EQ(store_->Read(record->id).value().content, Lunch());
  EXPECT_EQ(store_->Read("00000000000000000000000000000000").error().code(),
            base::StatusCode::kNotFound);
  EXPECT_EQ(store_->Read("../../etc/passwd").error().code(), base::StatusCode::kNotFound);
}

TEST_F(EvidenceStoreTest, NothingReadableIsOnDiskAndAlteredFilesDoNotOpen) {
  const auto record = store_->Add(Id("kim@moef"), Lunch()).value();
  for (const auto& entry : fs::recursive_directory_iterator(directory_)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = base::ReadFile(entry.path().string()).value();
    EXPECT_EQ(bytes.find("KDI"), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("receipt scan"), std::string::npos) << entry.path();
  }
  const std::string path = directory_ + "/sealed/" + record.id;
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::string sealed = base::ReadFile(path).value();
  sealed[sealed.size() / 2] ^= 1;
  ASSERT_TRUE(base::WriteFileAtomically(path, sealed, 0600).ok());
  EXPECT_EQ(store_->Read(record.id).error().code(), base::StatusCode::kCorruption);
  // Another record's file in its place does not open either: each is sealed for its own id.
  const auto other = store_->Add(Id("kim@moef"), Lunch()).value();
  fs::copy_file(directory_ + "/sealed/" + other.id, path, fs::copy_options::overwrite_existing);
  EXPECT_EQ(store_->Read(record.id).error().code(), base::StatusCode::kCorruption);
}

TEST_F(EvidenceStoreTest, ARecordIsErasedWhenItsRetentionEndsAndItsHashStays) {
  const auto old_record = store_->Add(Id("kim@moef"), Lunch()).value();
  clock_.AdvanceMillis(10 * core::kMillisPerDay);
  const auto newer = store_->Add(Id("lee@moef"), Lunch()).value();
  clock_.SetMillis(old_record.erase_after_millis - 1);
  EXPECT_EQ(store_->EraseExpired().value(), 0u);
  clock_.SetMillis(old_record.erase_after_millis);
  EXPECT_EQ(store_->EraseExpired().value(), 1u);
  const auto erased = store_->Read(old_record.id).value();
  EXPECT_FALSE(erased.content.has_value());
  EXPECT_TRUE(erased.salt.empty());
  EXPECT_EQ(erased.record.erased_millis, old_record.erase_after_millis);
  EXPECT_EQ(erased.record.hash, old_record.hash);
  EXPECT_FALSE(fs::exists(directory_ + "/sealed/" + old_record.id));
  EXPECT_TRUE(store_->Read(newer.id).value().content.has_value());
  EXPECT_EQ(store_->EraseExpired().value(), 0u);
  // The store erases by itself what fell due while it was closed.
  store_.reset();
  clock_.SetMillis(newer.erase_after_millis);
  Reopen();
  EXPECT_FALSE(store_->Read(newer.id).value().content.has_value());
}

TEST_F(EvidenceStoreTest, WhatACrashLeftIsCleanedAtOpenAndEvidenceIsNeverDropped) {
  const auto erased = store_->Add(Id("kim@moef"), Lunch()).value();
  clock_.SetMillis(erased.erase_after_millis);
  ASSERT_EQ(store_->EraseExpired().value(), 1u);
  clock_.SetMillis(erased.created_millis);
  const auto live = store_->Add(Id("kim@moef"), Lunch()).value();
  store_.reset();
  const std::string sealed = directory_ + "/sealed/";
  // A file written just before a crash kept its metadata from the disk; an interrupted write;
  // the file of a record marked erased whose unlinking was lost.
  const std::string fresh = sealed + std::string(32, 'a');
  std::ofstream(fresh) << "sealed bytes of a record whose metadata never reached the disk";
  std::ofstream(sealed + live.id + ".tmp") << "half a write";
  std::ofstream(sealed + erased.id) << "sealed bytes of an erased record";
  // A file without metadata written long ago: the metadata was lost, not the evidence.
  const std::string old = sealed + std::string(32, 'b');
  std::ofstream(old) << "sealed bytes of a record whose metadata is lost";
  fs::last_write_time(old, fs::file_time_type::clock::now() - std::chrono::hours(48));
  Reopen();
  EXPECT_FALSE(fs::exists(fresh));
  EXPECT_FALSE(fs::exists(sealed + live.id + ".tmp"));
  EXPECT_FALSE(fs::exists(sealed + erased.id));
  EXPECT_TRUE(fs::exists(old));
  EXPECT_TRUE(store_->Read(live.id).value().content.has_value());
}

TEST_F(EvidenceStoreTest, AStoreWhoseRecordsAreLostBesideItsFilesDoesNotOpen) {
  const auto record = store_->Add(Id("kim@moef"), Lunch()).value();
  store_.reset();
  fs::remove_all(directory_ + "/records");
  auto reopened = EvidenceStore::Open(directory_, *sealer_, clock_);
  ASSERT_FALSE(reopened.has_value());
  EXPECT_EQ(reopened.error().code(), base::StatusCode::kCorruption);
  EXPECT_TRUE(fs::exists(directory_ + "/sealed/" + record.id));
  EXPECT_FALSE(fs::exists(directory_ + "/records"));
  // So that TearDown has a store to close.
  fs::remove_all(directory_);
  Reopen();
}

TEST_F(EvidenceStoreTest, AHolderFilesABoundedAmountADay) {
  store_.reset();
  store_ = EvidenceStore::Open(directory_, *sealer_, clock_,
                               EvidenceStoreOptions{.records_per_holder_per_day = 2})
               .value();
  ASSERT_TRUE(store_->Add(Id("kim@moef"), Lunch()).has_value());
  ASSERT_TRUE(store_->Add(Id("kim@moef"), Lunch()).has_value());
  const auto third = store_->Add(Id("kim@moef"), Lunch());
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code(), base::StatusCode::kResourceExhausted);
  EXPECT_TRUE(store_->Add(Id("lee@moef"), Lunch()).has_value());  // another holder's day
  clock_.AdvanceMillis(core::kMillisPerDay);
  EXPECT_TRUE(store_->Add(Id("kim@moef"), Lunch()).has_value());  // the next day
}

TEST_F(EvidenceStoreTest, ContentBeyondItsLimitsIsRefusedWithItsField) {
  EvidenceContent content = Lunch();
  content.attendees.push_back("tab\tinside");
  EXPECT_EQ(CheckEvidenceContent(content).message().substr(0, 13), "attendees[2]:");
  content = Lunch();
  content.document_type = "text/html";
  EXPECT_EQ(CheckEvidenceContent(content).message().substr(0, 14), "document_type:");
  content = Lunch();
  content.document.clear();
  EXPECT_FALSE(CheckEvidenceContent(content).ok());  // a type without a document
  content.document_type.clear();
  EXPECT_TRUE(CheckEvidenceContent(content).ok());
  content.purpose = std::string(kEvidencePurposeBytesMax + 1, 'x');
  EXPECT_EQ(store_->Add(Id("kim@moef"), content).error().code(),
            base::StatusCode::kInvalidArgument);
  EXPECT_EQ(EvidenceStore::Open(directory_ + "-short", *sealer_, clock_,
                                EvidenceStoreOptions{.retention_days = 365})
                .error()
                .code(),
            base::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nuri::wallet
