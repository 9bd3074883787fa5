// EvidenceStore: the personal data behind a payment, kept off the ledger by the node of the
// holder's organization (docs/audit.md, "Personal data"): who attended, the purpose in full, a
// scan of the receipt. The ledger keeps only a salted hash of it, in the payment's `evidence`
// field, so that an auditor who reads the record can prove it is the one the payment named,
// and once the record's retention has ended it is erased while the hash stays on the chain.
//
// A record's content is sealed with the node's wallet sealer (key file or HSM) for that record
// alone and kept in a file of its own, so that erasing it unlinks that file rather than leaving
// the bytes to a database's compaction (backups keep what they copied until they expire); what
// stays is the record's metadata: its holder, its times and its hash. Its salt is sealed with the
// content and goes with it: without the salt the hash cannot be tested against guesses of what a
// record said.
//
// Layout, under the store's directory:
//   records/ (RocksDB)  "record/" ID -> metadata (JSON); "expiry/" ERASE_AFTER (16 hex) ID -> "";
//                       "quota/" HOLDER -> {"day","records","bytes"}: what it filed that day
//   sealed/ID           the sealed content (docs/formats/evidence-record.md)
// A record is added by writing its file (synced, its directory too), then its metadata in one
// synced batch; erased by marking its metadata, then unlinking its file. When the store opens it
// removes what a crash left: a file written within the hour with no metadata, the file of a
// record marked erased, an interrupted write. An older file without metadata is kept and logged:
// the metadata was lost, not the evidence. A store whose records/ is missing beside sealed files
// refuses to open.
//
// Thread-safe. Erasing runs on a thread of the store's own, every `sweep_interval`.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "core/ids.h"
#include "crypto/hash.h"
#include "storage/kv_store.h"
#include "wallet/sealer.h"

namespace nuri::wallet {

// Audits need five years of records (docs/audit.md, "Personal data"); a store keeps them at
// least that long.
inline constexpr std::int64_t kEvidenceRetentionDaysMin = 1826;
inline constexpr std::size_t kEvidenceAttendeesMax = 100;
inline constexpr std::size_t kEvidenceNameBytesMax = 200;
inline constexpr std::size_t kEvidencePurposeBytesMax = 2000;
inline constexpr std::size_t kEvidenceDocumentBytesMax = 2 * 1024 * 1024;
inline constexpr std::size_t kEvidenceSaltBytes = 32;

struct EvidenceContent {
  std::vector<std::string> attendees;  // names, as the holder wrote them
  std::string purpose;                 // in full
  std::string document_type;           // image/jpeg, image/png, application/pdf; "" for none
  std::string document;                // its bytes
  bool operator==(const EvidenceContent&) const = default;
};

// InvalidArgument naming the field ("attendees[2]: ...") when the content breaks a limit: text
// that is not UTF-8 or holds control characters, too many or too long, an unknown type.
base::Status CheckEvidenceContent(const EvidenceContent& content);

// The hash the ledger keeps: SHA-256 of "nuri/evidence-record/v1", the salt and the content's
// encoding (docs/formats/evidence-record.md), which anyone holding the record recomputes.
crypto::Hash EvidenceHash(std::string_view salt, const EvidenceContent& content);

struct EvidenceRecord {
  std::string id;  // 32 hex digits
  core::AccountId holder;
  std::int64_t created_millis = 0;
  std::int64_t erase_after_millis = 0;
  std::int64_t erased_millis = 0;  // 0 while the content is held
  crypto::Hash hash;
};

struct OpenedEvidence {
  EvidenceRecord record;
  // nullopt once erased.
  std::optional<EvidenceContent> content;
  std::string salt;
};

struct EvidenceStoreOptions {
  std::int64_t retention_days = kEvidenceRetentionDaysMin;
  // What one holder files in a day (UTC), kept for years: far above a real official's day of
  // receipts, far below what would fill a disk.
  std::int64_t records_per_holder_per_day = 200;
  std::int64_t bytes_per_holder_per_day = 64 * 1024 * 1024;
  std::int64_t sweep_interval_millis = 10 * 60 * 1000;
};

class EvidenceStore {
 public:
  // Opens (making when missing) the store in `directory`, removes files a crash left without
  // metadata, erases what is due and starts sweeping. InvalidArgument for a retention shorter
  // than kEvidenceRetentionDaysMin.
  static base::Result<std::unique_ptr<EvidenceStore>> Open(const std::string& directory,
                                                           const Sealer& sealer,
                                                           const base::Clock& clock,
                                                           EvidenceStoreOptions options = {});
  ~EvidenceStore();
  EvidenceStore(const EvidenceStore&) = delete;
  EvidenceStore& operator=(const EvidenceStore&) = delete;

  // Seals and keeps `content` for `holder`, with a fresh salt; durable when it returns.
  // ResourceExhausted past the holder's filings of the day.
  base::Result<EvidenceRecord> Add(const core::AccountId& holder, const EvidenceContent& content);
  // The record's metadata alone (its holder, times and hash); NotFound for an unknown id.
  base::Result<EvidenceRecord> Find(std::string_view id) const;
  // NotFound for an unknown id; the content only while it is held. Corruption when the sealed
  // file does not open or does not hash to the record's hash.
  base::Result<OpenedEvidence> Read(std::string_view id) const;
  // Erases every record whose retention ended by now; how many. A record that cannot be erased
  // is logged and skipped, and the result is then IoError.
  base::Result<std::size_t> EraseExpired();

 private:
  EvidenceStore(std::string directory, std::unique_ptr<storage::KvStore> records,
                const Sealer& sealer, const base::Clock& clock, EvidenceStoreOptions options);
  // What a holder filed today, and the key that counts it.
  struct DayCount {
    std::string key;
    std::int64_t day = 0;  // since the epoch, UTC
    std::int64_t records = 0;
    std::int64_t bytes = 0;
  };
  base::Result<DayCount> FilingsToday(const core::AccountId& holder) const;
  std::string SealedPath(std::string_view id) const;
  base::Status RemoveOrphans();
  void Sweep();

  const std::string directory_;
  const std::unique_ptr<storage::KvStore> records_;
  const Sealer& sealer_;
  const base::Clock& clock_;
  const EvidenceStoreOptions options_;
  std::mutex erase_mutex_;  // one eraser at a time
  std::mutex add_mutex_;    // one filing at a time: a holder's day is counted exactly
  std::mutex sweep_mutex_;
  std::condition_variable sweep_wakeup_;
  bool stopping_ = false;  // guarded by sweep_mutex_
  std::thread sweeper_;
};

}  // namespace nuri::wallet
