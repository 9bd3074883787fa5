// AlertStore: the compliance monitor's alerts on a node and what auditors did about them
// (docs/audit.md, "Alerts"). It sits in a store of its own beside the ledger's: alerts are the
// node's findings about the chain, not the chain's state, and a failing write of theirs must not
// stop the ledger.
//
// Keys:
//   "followed"                    -> the last block whose alerts are stored (decimal)
//   "sequence"                    -> the last sequence number given (decimal)
//   "alert/" ID                   -> the alert's record (JSON)
//   "newest/" ~SEQUENCE (16 hex)  -> ID: a scan lists the newest first
//   "block/" HEIGHT SEQUENCE (hex) -> ID: a block's alerts in the order raised
// A block's alerts and its height are one write, so a node that crashes resumes after the last
// block whose alerts were stored, with none lost or stored twice. Auditors' actions are synced
// before they are acknowledged.
//
// Thread-safe: the monitor's follower adds blocks while API threads read and act.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/monitor.h"
#include "base/status.h"
#include "storage/kv_store.h"

namespace nuri::audit {

enum class AlertStatus { kOpen, kEscalated, kResolved };
std::string_view AlertStatusName(AlertStatus status);
std::optional<AlertStatus> AlertStatusNamed(std::string_view name);
std::optional<Severity> SeverityNamed(std::string_view name);

enum class AlertActionKind { kResolve, kEscalate, kFreeze };
std::string_view AlertActionName(AlertActionKind kind);
// "resolve", "escalate", "freeze"; nullopt for anything else.
std::optional<AlertActionKind> AlertActionNamed(std::string_view name);

// What an auditor did about an alert, and why.
struct AlertAction {
  AlertActionKind kind = AlertActionKind::kResolve;
  std::string by;  // the auditor's account
  core::TimeMillis at = 0;
  std::string note;
  std::string transaction;  // a freeze's transaction id (hex)
};

struct StoredAlert {
  Alert alert;
  std::uint64_t sequence = 0;  // this node's order of raising; a cursor, not an identity
  AlertStatus status = AlertStatus::kOpen;
  std::vector<AlertAction> actions;  // oldest first
};

// Every field given must match; none given is every alert.
struct AlertQuery {
  std::optional<AlertStatus> status;
  std::optional<Severity> severity;
  std::string check;
  std::string program;
  std::string account;
  std::uint64_t before = 0;  // only alerts of a lower sequence; 0 is from the newest
  std::size_t limit = 100;
};

struct AlertPage {
  std::vector<StoredAlert> alerts;  // newest first
  // The `before` of the next page; 0 when no alert is left. A page may hold fewer than `limit`
  // alerts and still have a next one: a page examines a bounded number of alerts.
  std::uint64_t next_before = 0;
};

class AlertStore {
 public:
  static base::Result<std::unique_ptr<AlertStore>> Open(std::shared_ptr<storage::KvStore> store);
  AlertStore(const AlertStore&) = delete;
  AlertStore& operator=(const AlertStore&) = delete;

  // The last block whose alerts are stored; 0 before the first.
  std::uint64_t followed_height() const;
  // Stores the alerts of block `height` and that it was followed, in one write. An alert
  // already stored keeps its record. Heights must rise.
  base::Status AddBlock(std::uint64_t height, const std::vector<Alert>& alerts);

  // NotFound when no alert has this id.
  base::Result<StoredAlert> Find(std::string_view id) const;
  // The alerts block `height` raised, in the order raised.
  base::Result<std::vector<StoredAlert>> AtHeight(std::uint64_t height) const;
  base::Result<AlertPage> List(const AlertQuery& query) const;
  // Records an action and the status it leads to: resolve closes an open or escalated alert,
  // escalate an open one, freeze (the account frozen on the ledger) escalates an open one and
  // keeps an escalated one. FailedPrecondition when the alert's status does not allow it,
  // NotFound when there is no such alert.
  base::Result<StoredAlert> Act(std::string_view id, AlertAction action);

 private:
  AlertStore(std::shared_ptr<storage::KvStore> store, std::uint64_t followed,
             std::uint64_t sequence)
      : store_(std::move(store)), followed_(followed), sequence_(sequence) {}

  const std::shared_ptr<storage::KvStore> store_;
  mutable std::mutex mutex_;
  std::uint64_t followed_;  // guarded by mutex_
  std::uint64_t sequence_;  // guarded by mutex_
};

// An alert's record as the API shows it.
boost::json::object StoredAlertToJson(const StoredAlert& stored);
// The alert of such a record, as read back from a node by those who follow its alerts (the
// indexer). InvalidArgument, naming the field, when it is not one.
base::Result<Alert> AlertFromJson(const boost::json::value& view);

}  // namespace nuri::audit
