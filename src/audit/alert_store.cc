#include "audit/alert_store.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "core/json.h"
#include "core/time.h"
#include "crypto/hash.h"

namespace nuri::audit {

namespace json = boost::json;

namespace {

constexpr std::string_view kFollowedKey = "followed";
constexpr std::string_view kSequenceKey = "sequence";
constexpr std::string_view kAlertPrefix = "alert/";
constexpr std::string_view kNewestPrefix = "newest/";
constexpr std::string_view kBlockPrefix = "block/";
// The records a page reads at most, matching or not, so that a narrow query answers promptly.
constexpr std::size_t kExaminedPerPageMax = 5'000;
constexpr std::size_t kPageLimitMax = 500;
constexpr std::size_t kIdsPerRound = 256;

std::string Hex16(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string NewestKey(std::uint64_t sequence) {
  return std::string(kNewestPrefix) + Hex16(~sequence);
}

std::string BlockKey(std::uint64_t height, std::uint64_t sequence) {
  return std::string(kBlockPrefix) + Hex16(height) + Hex16(sequence);
}

std::string AlertKey(std::string_view id) { return std::string(kAlertPrefix) + std::string(id); }

base::Result<std::uint64_t> ReadCounter(const storage::KvStore& store, std::string_view key) {
  auto text = store.Get(key);
  if (!text) {
    if (text.error().code() == base::StatusCode::kNotFound) return std::uint64_t{0};
    return base::Error(text.error());
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return base::Error(base::Status::Corruption("alert store: bad " + std::string(key)));
  }
  return value;
}

json::object RecordToJson(const StoredAlert& stored) {
  const Alert& alert = stored.alert;
  json::array transactions;
  for (const std::string& id : alert.transactions) transactions.emplace_back(id);
  json::array actions;
  for (const AlertAction& action : stored.actions) {
    actions.push_back(json::object{{"kind", AlertActionName(action.kind)},
                                   {"by", action.by},
                                   {"at", action.at},
                                   {"note", action.note},
                                   {"transaction", action.transaction}});
  }
  return json::object{{"id", alert.id},
                      {"severity", SeverityName(alert.severity)},
                      {"check", alert.check},
                      {"program", alert.program},
                      {"account", alert.account},
                      {"transactions", std::move(transactions)},
                      {"sentence", alert.sentence},
                      {"height", alert.height},
                      {"time", alert.time},
                      {"sequence", stored.sequence},
                      {"status", AlertStatusName(stored.status)},
                      {"actions", std::move(actions)}};
}

// The record as this store wrote it; Corruption for anything else.
base::Result<StoredAlert> RecordFromJson(std::string_view text) {
  const auto corrupt = [] {
    return base::Error(base::Status::Corruption("alert store: bad record"));
  };
  auto value = core::ParseJsonText(text);
  if (!value || !value->is_object()) return corrupt();
  try {
    const json::object& record = value->get_object();
    StoredAlert stored;
    Alert& alert = stored.alert;
    alert.id = record.at("id").as_string();
    const auto severity = SeverityNamed(record.at("severity").as_string());
    const auto status = AlertStatusNamed(record.at("status").as_string());
    if (!severity || !status) return corrupt();
    alert.severity = *severity;
    stored.status = *status;
    alert.check = record.at("check").as_string();
    alert.program = record.at("program").as_string();
    alert.account = record.at("account").as_string();
    for (const json::value& id : record.at("transactions").as_array()) {
      alert.transactions.emplace_back(id.as_string());
    }
    alert.sentence = record.at("sentence").as_string();
    alert.height = record.at("height").to_number<std::uint64_t>();
    alert.time = record.at("time").to_number<core::TimeMillis>();
    stored.sequence = record.at("sequence").to_number<std::uint64_t>();
    for (const json::value& entry : record.at("actions").as_array()) {
      const json::object& fields = entry.as_object();
      AlertAction action;
      const auto kind = AlertActionNamed(fields.at("kind").as_string());
      if (!kind) return corrupt();
      action.kind = *kind;
      action.by = fields.at("by").as_string();
      action.at = fields.at("at").to_number<core::TimeMillis>();
      action.note = fields.at("note").as_string();
      action.transaction = fields.at("transaction").as_string();
      stored.actions.push_back(std::move(action));
    }
    return stored;
  } catch (const std::exception&) {
    return corrupt();
  }
}

bool Matches(const StoredAlert& stored, const AlertQuery& query) {
  const Alert& alert = stored.alert;
  return (!query.status || stored.status == *query.status) &&
         (!query.severity || alert.severity == *query.severity) &&
         (query.check.empty() || alert.check == query.check) &&
         (query.program.empty() || alert.program == query.program) &&
         (query.account.empty() || alert.account == query.account);
}

// The status an action leads to from `status`, or nullopt when it is not allowed.
std::optional<AlertStatus> StatusAfter(AlertStatus status, AlertActionKind kind) {
  if (status == AlertStatus::kResolved) return std::nullopt;
  switch (kind) {
    case AlertActionKind::kResolve:
      return AlertStatus::kResolved;
    case AlertActionKind::kEscalate:
      if (status == AlertStatus::kEscalated) return std::nullopt;
      return AlertStatus::kEscalated;
    case AlertActionKind::kFreeze:
      return AlertStatus::kEscalated;
  }
  return std::nullopt;
}

}  // namespace

std::string_view AlertStatusName(AlertStatus status) {
  switch (status) {
    case AlertStatus::kOpen:
      return "open";
    case AlertStatus::kEscalated:
      return "escalated";
    case AlertStatus::kResolved:
      return "resolved";
  }
  return "unknown";
}

std::optional<AlertStatus> AlertStatusNamed(std::string_view name) {
  for (const AlertStatus status :
       {AlertStatus::kOpen, AlertStatus::kEscalated, AlertStatus::kResolved}) {
    if (AlertStatusName(status) == name) return status;
  }
  return std::nullopt;
}

std::optional<Severity> SeverityNamed(std::string_view name) {
  for (const Severity severity : {Severity::kInfo, Severity::kWarning, Severity::kHigh}) {
    if (SeverityName(severity) == name) return severity;
  }
  return std::nullopt;
}

std::string_view AlertActionName(AlertActionKind kind) {
  switch (kind) {
    case AlertActionKind::kResolve:
      return "resolve";
    case AlertActionKind::kEscalate:
      return "escalate";
    case AlertActionKind::kFreeze:
      return "freeze";
  }
  return "unknown";
}

std::optional<AlertActionKind> AlertActionNamed(std::string_view name) {
  for (const AlertActionKind kind :
       {AlertActionKind::kResolve, AlertActionKind::kEscalate, AlertActionKind::kFreeze}) {
    if (AlertActionName(kind) == name) return kind;
  }
  return std::nullopt;
}

base::Result<std::unique_ptr<AlertStore>> AlertStore::Open(
    std::shared_ptr<storage::KvStore> store) {
  auto followed = ReadCounter(*store, kFollowedKey);
  if (!followed) return base::Error(followed.error());
  auto sequence = ReadCounter(*store, kSequenceKey);
  if (!sequence) return base::Error(sequence.error());
  return std::unique_ptr<AlertStore>(new AlertStore(std::move(store), *followed, *sequence));
}

std::uint64_t AlertStore::followed_height() const {
  std::lock_guard lock(mutex_);
  return followed_;
}

base::Status AlertStore::AddBlock(std::uint64_t height, const std::vector<Alert>& alerts) {
  std::lock_guard lock(mutex_);
  if (height <= followed_) {
    return base::Status::FailedPrecondition("alerts of block " + std::to_string(height) +
                                            " after block " + std::to_string(followed_));
  }
  storage::WriteBatch batch;
  std::uint64_t sequence = sequence_;
  for (const Alert& alert : alerts) {
    auto existing = store_->Get(AlertKey(alert.id));
    if (existing) continue;
    if (existing.error().code() != base::StatusCode::kNotFound) return existing.error();
    StoredAlert stored{.alert = alert, .sequence = ++sequence};
    batch.Put(AlertKey(alert.id), json::serialize(RecordToJson(stored)));
    batch.Put(NewestKey(sequence), alert.id);
    batch.Put(BlockKey(height, sequence), alert.id);
  }
  batch.Put(kFollowedKey, std::to_string(height));
  if (sequence != sequence_) batch.Put(kSequenceKey, std::to_string(sequence));
  // Unsynced: what a crash loses is raised again from the chain, the block's height with it.
  if (auto status = store_->Write(batch, false); !status.ok()) return status;
  followed_ = height;
  sequence_ = sequence;
  return base::Status::Ok();
}

base::Result<StoredAlert> AlertStore::Find(std::string_view id) const {
  auto text = store_->Get(AlertKey(id));
  if (!text) {
    if (text.error().code() == base::StatusCode::kNotFound) {
      return base::Error(base::Status::NotFound("no alert " + std::string(id)));
    }
    return base::Error(text.error());
  }
  return RecordFromJson(*text);
}

base::Result<std::vector<StoredAlert>> AlertStore::AtHeight(std::uint64_t height) const {
  std::vector<std::string> ids;
  const std::string prefix = std::string(kBlockPrefix) + Hex16(height);
  auto scanned = store_->Scan(prefix, [&](std::string_view, std::string_view id) {
    ids.emplace_back(id);
    return true;
  });
  if (!scanned.ok()) return base::Error(scanned);
  std::vector<StoredAlert> alerts;
  for (const std::string& id : ids) {
    auto stored = Find(id);
    if (!stored) return base::Error(stored.error());
    alerts.push_back(*std::move(stored));
  }
  return alerts;
}

base::Result<AlertPage> AlertStore::List(const AlertQuery& query) const {
  const std::size_t limit = std::clamp<std::size_t>(query.limit, 1, kPageLimitMax);
  std::string from = query.before == 0 ? std::string(kNewestPrefix) : NewestKey(query.before - 1);
  AlertPage page;
  std::size_t examined = 0;
  std::uint64_t last_examined = 0;
  // Ids are read in rounds and their records after each: a store is not read from inside its
  // own scan.
  for (;;) {
    std::vector<std::string> ids;
    std::string next_key;
    auto scanned =
        store_->ScanFrom(kNewestPrefix, from, [&](std::string_view key, std::string_view id) {
          if (ids.size() == kIdsPerRound) {
            next_key = key;
            return false;
          }
          ids.emplace_back(id);
          return true;
        });
    if (!scanned.ok()) return base::Error(scanned);
    for (const std::string& id : ids) {
      if (page.alerts.size() == limit || examined == kExaminedPerPageMax) {
        page.next_before = last_examined;  // this one and older are left for the next page
        return page;
      }
      auto stored = Find(id);
      if (!stored) return base::Error(stored.error());
      ++examined;
      last_examined = stored->sequence;
      if (Matches(*stored, query)) page.alerts.push_back(*std::move(stored));
    }
    if (next_key.empty()) return page;
    from = std::move(next_key);
  }
}

base::Result<StoredAlert> AlertStore::Act(std::string_view id, AlertAction action) {
  std::lock_guard lock(mutex_);
  auto stored = Find(id);
  if (!stored) return base::Error(stored.error());
  const auto status = StatusAfter(stored->status, action.kind);
  if (!status) {
    return base::Error(base::Status::FailedPrecondition(
        "alert " + std::string(id) + " is " + std::string(AlertStatusName(stored->status)) +
        ": it cannot be " +
        (action.kind == AlertActionKind::kResolve    ? "resolved"
         : action.kind == AlertActionKind::kEscalate ? "escalated"
                                                     : "followed by a freeze") +
        " now"));
  }
  stored->status = *status;
  stored->actions.push_back(std::move(action));
  storage::WriteBatch batch;
  batch.Put(AlertKey(id), json::serialize(RecordToJson(*stored)));
  // An auditor is told it is done only once it is on disk.
  if (auto written = store_->Write(batch, true); !written.ok()) return base::Error(written);
  return stored;
}

json::object StoredAlertToJson(const StoredAlert& stored) {
  json::object view = RecordToJson(stored);
  view["time"] = core::FormatKoreaTime(stored.alert.time);
  for (json::value& action : view["actions"].as_array()) {
    json::object& fields = action.as_object();
    fields["at"] = core::FormatKoreaTime(fields["at"].to_number<core::TimeMillis>());
    if (fields["transaction"].as_string().empty()) fields.erase("transaction");
  }
  return view;
}

base::Result<Alert> AlertFromJson(const json::value& view) {
  const json::object* record = view.if_object();
  if (record == nullptr) return base::Error(base::Status::InvalidArgument("an alert is an object"));
  const auto text = [&](std::string_view name) -> const json::string* {
    const json::value* field = record->if_contains(name);
    return field != nullptr ? field->if_string() : nullptr;
  };
  const auto fault = [](std::string_view field) {
    return base::Error(
        base::Status::InvalidArgument("alert." + std::string(field) + ": missing or malformed"));
  };
  Alert alert;
  const json::string* id = text("id");
  if (id == nullptr || id->size() != 16 ||
      id->find_first_not_of("0123456789abcdef") != json::string::npos) {
    return fault("id");
  }
  alert.id = *id;
  const json::string* severity = text("severity");
  const auto named = severity != nullptr ? SeverityNamed(*severity) : std::nullopt;
  if (!named) return fault("severity");
  alert.severity = *named;
  for (const auto& [name, field] :
       {std::pair<std::string_view, std::string*>{"check", &alert.check},
        {"program", &alert.program},
        {"account", &alert.account},
        {"sentence", &alert.sentence}}) {
    const json::string* value = text(name);
    if (value == nullptr) return fault(name);
    *field = *value;
  }
  const json::value* transactions = record->if_contains("transactions");
  if (transactions == nullptr || !transactions->is_array()) return fault("transactions");
  for (const json::value& transaction : transactions->get_array()) {
    if (!transaction.is_string() || !crypto::Hash::FromHex(transaction.get_string())) {
      return fault("transactions");
    }
    alert.transactions.emplace_back(transaction.get_string());
  }
  const json::value* height = record->if_contains("height");
  if (height == nullptr || !height->is_number()) return fault("height");
  std::error_code error;
  alert.height = height->to_number<std::uint64_t>(error);
  if (error) return fault("height");
  const json::string* time = text("time");
  if (time == nullptr) return fault("time");
  auto parsed = core::ParseTime(*time);
  if (!parsed) return fault("time");
  alert.time = *parsed;
  return alert;
}

}  // namespace nuri::audit
