#include "wallet/evidence_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>

#include "base/files.h"
#include "base/hex.h"
#include "base/log.h"
#include "codec/codec.h"
#include "core/json.h"
#include "core/text.h"
#include "core/time.h"

namespace nuri::wallet {

namespace json = boost::json;

namespace {

constexpr std::string_view kHashDomain = "nuri/evidence-record/v1";
constexpr std::string_view kRecordPrefix = "record/";
constexpr std::string_view kExpiryPrefix = "expiry/";
constexpr std::string_view kQuotaPrefix = "quota/";

std::string ExpiryKey(std::int64_t erase_after, std::string_view id) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(erase_after));
  return std::string(kExpiryPrefix) + hex + std::string(id);
}

// What the record's hash covers after its salt: count:u32 attendee:bytes* purpose:bytes
// type:bytes document:bytes.
void EncodeContent(codec::Writer& w, const EvidenceContent& content) {
  w.PutU32(static_cast<std::uint32_t>(content.attendees.size()));
  for (const std::string& name : content.attendees) w.PutBytes(name);
  w.PutBytes(content.purpose);
  w.PutBytes(content.document_type);
  w.PutBytes(content.document);
}

// The sealed plaintext: salt:32 and the content's encoding.
base::Result<std::pair<std::string, EvidenceContent>> DecodeSealedPlaintext(
    std::string_view bytes) {
  codec::Reader r(bytes);
  std::string salt = r.GetFixed(kEvidenceSaltBytes, "salt");
  EvidenceContent content;
  const std::uint32_t count = r.GetCount(kEvidenceAttendeesMax, 4, "attendees");
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    content.attendees.push_back(r.GetBytes(kEvidenceNameBytesMax, "attendee"));
  }
  content.purpose = r.GetBytes(kEvidencePurposeBytesMax, "purpose");
  content.document_type = r.GetBytes(64, "document type");
  content.document = r.GetBytes(kEvidenceDocumentBytesMax, "document");
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return std::pair{std::move(salt), std::move(content)};
}

std::string AssociatedData(std::string_view id, const core::AccountId& holder) {
  return std::string(kHashDomain) + " " + std::string(id) + " " + holder.str();
}

json::object MetadataJson(const EvidenceRecord& record) {
  return json::object{{"holder", record.holder.str()},
                      {"created", record.created_millis},
                      {"erase_after", record.erase_after_millis},
                      {"erased", record.erased_millis},
                      {"hash", record.hash.ToHex()}};
}

base::Result<EvidenceRecord> MetadataFromJson(std::string_view id, std::string_view text) {
  const auto corrupt = [&] {
    return base::Error(
        base::Status::Corruption("evidence record " + std::string(id) + ": unreadable metadata"));
  };
  auto value = core::ParseJsonText(text);
  if (!value || !value->is_object()) return corrupt();
  try {
    const json::object& fields = value->get_object();
    EvidenceRecord record;
    record.id = id;
    auto holder = core::AccountId::Parse(fields.at("holder").as_string());
    auto hash = crypto::Hash::FromHex(fields.at("hash").as_string());
    if (!holder || !hash) return corrupt();
    record.holder = *holder;
    record.hash = *hash;
    record.created_millis = fields.at("created").to_number<std::int64_t>();
    record.erase_after_millis = fields.at("erase_after").to_number<std::int64_t>();
    record.erased_millis = fields.at("erased").to_number<std::int64_t>();
    return record;
  } catch (const std::exception&) {
    return corrupt();
  }
}

// Makes the directory's entries (a file renamed into it) durable.
base::Status SyncDirectory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return base::Status::IoError(path + ": cannot open to sync");
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced ? base::Status::Ok() : base::Status::IoError(path + ": cannot sync");
}

bool IsRecordId(std::string_view id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

base::Status CheckEvidenceContent(const EvidenceContent& content) {
  if (content.attendees.size() > kEvidenceAttendeesMax) {
    return base::Status::InvalidArgument("attendees: at most " +
                                         std::to_string(kEvidenceAttendeesMax) + " names");
  }
  for (std::size_t i = 0; i < content.attendees.size(); ++i) {
    if (content.attendees[i].empty() ||
        !core::IsDisplayText(content.attendees[i], kEvidenceNameBytesMax)) {
      return base::Status::InvalidArgument("attendees[" + std::to_string(i) + "]: a name of 1 to " +
                                           std::to_string(kEvidenceNameBytesMax) +
                                           " bytes of UTF-8 text without control characters");
    }
  }
  if (!core::IsDisplayText(content.purpose, kEvidencePurposeBytesMax)) {
    return base::Status::InvalidArgument("purpose: at most " +
                                         std::to_string(kEvidencePurposeBytesMax) +
                                         " bytes of UTF-8 text without control characters");
  }
  const std::string_view type = content.document_type;
  if (type.empty() != content.document.empty() ||
      (!type.empty() && type != "image/jpeg" && type != "image/png" && type != "application/pdf")) {
    return base::Status::InvalidArgument(
        "document_type: image/jpeg, image/png or application/pdf, given with a document and "
        "only then");
  }
  if (content.document.size() > kEvidenceDocumentBytesMax) {
    return base::Status::InvalidArgument("document: at most " +
                                         std::to_string(kEvidenceDocumentBytesMax) + " bytes");
  }
  return base::Status::Ok();
}

crypto::Hash EvidenceHash(std::string_view salt, const EvidenceContent& content) {
  codec::Writer w;
  w.PutFixed(kHashDomain);
  w.PutFixed(salt);
  EncodeContent(w, content);
  return crypto::Sha256(w.bytes());
}

base::Result<std::unique_ptr<EvidenceStore>> EvidenceStore::Open(const std::string& directory,
                                                                 const Sealer& sealer,
                                                                 const base::Clock& clock,
                                                                 EvidenceStoreOptions options) {
  if (options.retention_days < kEvidenceRetentionDaysMin) {
    return base::Error(base::Status::InvalidArgument(
        "evidence records are kept at least " + std::to_string(kEvidenceRetentionDaysMin) +
        " days, as audits need; " + std::to_string(options.retention_days) + " is too short"));
  }
  std::error_code error;
  std::filesystem::create_directories(directory + "/sealed", error);
  if (error) {
    return base::Error(base::Status::IoError(directory + "/sealed: " + error.message()));
  }
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);
  // Records lost, or not restored with their files: refused, not started afresh beside them.
  if (!std::filesystem::exists(directory + "/records") &&
      !std::filesystem::is_empty(directory + "/sealed", error)) {
    return base::Error(base::Status::Corruption(
        directory +
        "/records is missing while sealed/ holds records: restore it from the "
        "backup taken with them"));
  }
  auto records = storage::OpenRocksDb(directory + "/records");
  if (!records) return base::Error(records.error());
  std::unique_ptr<EvidenceStore> store(
      new EvidenceStore(directory, *std::move(records), sealer, clock, options));
  if (auto removed = store->RemoveOrphans(); !removed.ok()) return base::Error(removed);
  if (auto erased = store->EraseExpired(); !erased) return base::Error(erased.error());
  store->sweeper_ = std::thread([raw = store.get()] { raw->Sweep(); });
  return store;
}

EvidenceStore::EvidenceStore(std::string directory, std::unique_ptr<storage::KvStore> records,
                             const Sealer& sealer, const base::Clock& clock,
                             EvidenceStoreOptions options)
    : directory_(std::move(directory)),
      records_(std::move(records)),
      sealer_(sealer),
      clock_(clock),
      options_(options) {}

EvidenceStore::~EvidenceStore() {
  {
    std::lock_guard lock(sweep_mutex_);
    stopping_ = true;
  }
  sweep_wakeup_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

std::string EvidenceStore::SealedPath(std::string_view id) const {
  return directory_ + "/sealed/" + std::string(id);
}

base::Result<EvidenceRecord> EvidenceStore::Add(const core::AccountId& holder,
                                                const EvidenceContent& content) {
  if (auto checked = CheckEvidenceContent(content); !checked.ok()) return base::Error(checked);
  // One holder's filings of one day, counted in the same batch as each record.
  std::lock_guard lock(add_mutex_);
  auto today = FilingsToday(holder);
  if (!today) return base::Error(today.error());
  const auto size = static_cast<std::int64_t>(content.document.size() + content.purpose.size());
  if (today->records + 1 > options_.records_per_holder_per_day ||
      today->bytes + size > options_.bytes_per_holder_per_day) {
    return base::Error(base::Status::ResourceExhausted(
        holder.str() + " filed " + std::to_string(today->records) + " evidence records (" +
        std::to_string(today->bytes) + " bytes) today, as many as a holder files in a day"));
  }
  unsigned char random_id[16];
  randombytes_buf(random_id, sizeof random_id);
  std::string salt(kEvidenceSaltBytes, '\0');
  randombytes_buf(salt.data(), salt.size());
  EvidenceRecord record;
  record.id = base::ToHex(std::string_view(reinterpret_cast<const char*>(random_id), 16));
  record.holder = holder;
  record.created_millis = clock_.NowMillis();
  record.erase_after_millis = record.created_millis + options_.retention_days * 24 * 60 * 60 * 1000;
  record.hash = EvidenceHash(salt, content);

  codec::Writer writer;
  writer.PutFixed(salt);
  EncodeContent(writer, content);
  std::string plaintext = writer.Take();
  auto sealed = sealer_.Seal(plaintext, AssociatedData(record.id, holder));
  sodium_memzero(salt.data(), salt.size());
  sodium_memzero(plaintext.data(), plaintext.size());
  if (!sealed) return base::Error(sealed.error());
  if (auto written = base::WriteFileAtomically(SealedPath(record.id), *sealed, 0600);
      !written.ok()) {
    return base::Error(written);
  }
  // The file's name on disk before its metadata: a record is never listed without its file.
  if (auto synced = SyncDirectory(directory_ + "/sealed"); !synced.ok()) {
    return base::Error(synced);
  }
  storage::WriteBatch batch;
  batch.Put(std::string(kRecordPrefix) + record.id, json::serialize(MetadataJson(record)));
  batch.Put(ExpiryKey(record.erase_after_millis, record.id), "");
  batch.Put(today->key, json::serialize(json::object{{"day", today->day},
                                                     {"records", today->records + 1},
                                                     {"bytes", today->bytes + size}}));
  if (auto stored = records_->Write(batch, true); !stored.ok()) {
    std::error_code ignored;
    std::filesystem::remove(SealedPath(record.id), ignored);
    return base::Error(stored);
  }
  return record;
}

base::Result<EvidenceStore::DayCount> EvidenceStore::FilingsToday(
    const core::AccountId& holder) const {
  DayCount today{.key = std::string(kQuotaPrefix) + holder.str(),
                 .day = clock_.NowMillis() / core::kMillisPerDay};
  auto stored = records_->Get(today.key);
  if (!stored) {
    if (stored.error().code() == base::StatusCode::kNotFound) return today;
    return base::Error(stored.error());
  }
  auto value = core::ParseJsonText(*stored);
  const json::object* fields = value && value->is_object() ? &value->get_object() : nullptr;
  const auto number = [&](std::string_view name) -> std::optional<std::int64_t> {
    const json::value* field = fields != nullptr ? fields->if_contains(name) : nullptr;
    if (field == nullptr || !field->is_int64()) return std::nullopt;
    return field->get_int64();
  };
  // Another day's count is yesterday's: today starts from nothing.
  if (number("day") == today.day) {
    today.records = number("records").value_or(0);
    today.bytes = number("bytes").value_or(0);
  }
  return today;
}

base::Result<EvidenceRecord> EvidenceStore::Find(std::string_view id) const {
  if (!IsRecordId(id)) {
    return base::Error(base::Status::NotFound("no evidence record " + std::string(id)));
  }
  auto text = records_->Get(std::string(kRecordPrefix) + std::string(id));
  if (!text) {
    if (text.error().code() == base::StatusCode::kNotFound) {
      return base::Error(base::Status::NotFound("no evidence record " + std::string(id)));
    }
    return base::Error(text.error());
  }
  return MetadataFromJson(id, *text);
}

base::Result<OpenedEvidence> EvidenceStore::Read(std::string_view id) const {
  auto record = Find(id);
  if (!record) return base::Error(record.error());
  OpenedEvidence opened{.record = *record};
  if (record->erased_millis != 0) return opened;
  auto sealed = base::ReadFile(SealedPath(id));
  if (!sealed) {
    // Erased meanwhile (the metadata is marked before the file goes): it says so now.
    auto again = Find(id);
    if (again && again->erased_millis != 0) return OpenedEvidence{.record = *again};
    return base::Error(base::Status::Corruption(
        "evidence record " + std::string(id) +
        " is held but its sealed file cannot be read: " + sealed.error().message()));
  }
  auto plaintext = sealer_.Open(*sealed, AssociatedData(id, record->holder));
  if (!plaintext) {
    return base::Error(base::Status::Corruption("evidence record " + std::string(id) +
                                                " does not open: " + plaintext.error().message()));
  }
  auto decoded = DecodeSealedPlaintext(*plaintext);
  sodium_memzero(plaintext->data(), plaintext->size());
  if (!decoded) {
    return base::Error(base::Status::Corruption("evidence record " + std::string(id) + ": " +
                                                decoded.error().message()));
  }
  if (EvidenceHash(decoded->first, decoded->second) != record->hash) {
    return base::Error(base::Status::Corruption("evidence record " + std::string(id) +
                                                " does not hash to its recorded hash"));
  }
  opened.salt = std::move(decoded->first);
  opened.content = std::move(decoded->second);
  return opened;
}

base::Result<std::size_t> EvidenceStore::EraseExpired() {
  std::lock_guard lock(erase_mutex_);
  const std::int64_t now = clock_.NowMillis();
  std::size_t erased = 0;
  std::size_t failed = 0;
  // Rounds of keys first, records after: a store is not written from inside its own scan.
  for (std::string from(kExpiryPrefix);;) {
    std::vector<std::pair<std::string, std::string>> due;  // expiry key, id
    std::string next;
    auto scanned =
        records_->ScanFrom(kExpiryPrefix, from, [&](std::string_view key, std::string_view) {
          const std::string_view rest = key.substr(kExpiryPrefix.size());
          if (rest.size() != 16 + 32) return true;  // not a key this store writes
          const auto erase_after =
              std::strtoll(std::string(rest.substr(0, 16)).c_str(), nullptr, 16);
          if (erase_after > now) return false;  // in order: the rest are later
          if (due.size() == 1000) {
            next = key;
            return false;
          }
          due.emplace_back(std::string(key), std::string(rest.substr(16)));
          return true;
        });
    if (!scanned.ok()) return base::Error(scanned);
    for (const auto& [expiry_key, id] : due) {
      // The metadata first: a reader then finds the record erased, never a live record whose
      // file is gone; a file left by a crash in between is removed when the store opens.
      auto record = Find(id);
      base::Status stored = record ? base::Status::Ok() : record.error();
      if (record) {
        record->erased_millis = now;
        storage::WriteBatch batch;
        batch.Put(std::string(kRecordPrefix) + id, json::serialize(MetadataJson(*record)));
        batch.Delete(expiry_key);
        stored = records_->Write(batch, true);
      }
      std::error_code error;
      if (stored.ok()) std::filesystem::remove(SealedPath(id), error);
      if (!stored.ok() || error) {
        // One record that cannot be erased does not hold up the others.
        ++failed;
        base::LogError("wallet.evidence",
                       "evidence record " + id + " is due for erasure but " +
                           (stored.ok() ? "its file remains: " + error.message()
                                        : "was not marked erased: " + stored.ToString()));
        continue;
      }
      ++erased;
    }
    if (next.empty()) break;
    from = std::move(next);
  }
  if (erased > 0) {
    base::LogInfo("wallet.evidence",
                  "erased " + std::to_string(erased) + " evidence records whose retention ended");
  }
  if (failed > 0) {
    return base::Error(base::Status::IoError(std::to_string(failed) +
                                             " evidence records due could not be erased"));
  }
  return erased;
}

base::Status EvidenceStore::RemoveOrphans() {
  std::error_code error;
  const auto now = std::filesystem::file_time_type::clock::now();
  std::filesystem::directory_iterator entries(directory_ + "/sealed", error);
  for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    const std::filesystem::path path = entries->path();
    const std::string name = path.filename().string();
    bool remove = false;
    if (!IsRecordId(name)) {
      remove = name.ends_with(".tmp");  // a write a crash interrupted
    } else if (auto record = Find(name); record) {
      // Erased while the file's removal did not reach the disk: erased all the same.
      remove = record->erased_millis != 0;
    } else if (record.error().code() == base::StatusCode::kNotFound) {
      // Written just before a crash kept its metadata from the disk; an older file without
      // metadata means the metadata was lost, and the file is evidence: it stays.
      std::error_code age_error;
      const auto written = std::filesystem::last_write_time(path, age_error);
      remove = !age_error && now - written < std::chrono::hours(1);
      if (!remove) {
        base::LogError("wallet.evidence", "sealed file " + name +
                                              " has no record: kept; restore records/ from the "
                                              "backup that holds it");
      }
    } else {
      return record.error();
    }
    if (remove) std::filesystem::remove(path, error);
  }
  if (error) return base::Status::IoError(directory_ + "/sealed: " + error.message());
  return base::Status::Ok();
}

void EvidenceStore::Sweep() {
  std::unique_lock lock(sweep_mutex_);
  while (!stopping_) {
    sweep_wakeup_.wait_for(lock, std::chrono::milliseconds(options_.sweep_interval_millis));
    if (stopping_) break;
    lock.unlock();
    if (auto erased = EraseExpired(); !erased) {
      base::LogError("wallet.evidence", "erasing evidence records: " + erased.error().ToString());
    }
    lock.lock();
  }
}

}  // namespace nuri::wallet
