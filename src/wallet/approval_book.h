// ApprovalBook: wallet payments that wait for an approver's co-signature, as a program's
// approval_from rule asks from an amount up (spec/programs.md).
//
// The payer's wallet has signed the payment; it is kept here, not submitted, until an approver
// of the payer's organization co-signs it with their own wallet (then it is submitted) or
// declines it, or it expires. A payment that was never submitted can never commit, so an
// approval dropped here leaves nothing behind on the ledger.
//
// Kept in memory, like payment requests: a restart drops the waiting approvals, and with them
// the payments, which were never submitted.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/roles.h"
#include "core/time.h"
#include "core/transaction.h"

namespace nuri::wallet {

// Approvals a node keeps waiting at most; beyond, a payment that needs one is refused.
inline constexpr std::size_t kApprovalsWaitingMax = 10'000;

struct PendingApproval {
  enum class Status { kWaiting, kApproving };
  std::string id;             // hex
  std::string request;        // the payment request the payment pays
  core::Transaction payment;  // signed by the payer
  crypto::Hash payment_id;
  core::RoleSet approver_roles;  // an approver holds every one of them
  core::TimeMillis created = 0;
  core::TimeMillis expires = 0;
  Status status = Status::kWaiting;
};

class ApprovalBook {
 public:
  ApprovalBook() = default;
  ApprovalBook(const ApprovalBook&) = delete;
  ApprovalBook& operator=(const ApprovalBook&) = delete;

  // Keeps `payment` (the payer's signature on it) waiting for a co-signature of an account with
  // every one of `approver_roles` until `expires`. ResourceExhausted when kApprovalsWaitingMax
  // wait already.
  base::Result<PendingApproval> Add(std::string request, core::Transaction payment,
                                    core::RoleSet approver_roles, core::TimeMillis now,
                                    core::TimeMillis expires);
  // The approvals of payers of `organization` that are not expired, oldest first.
  std::vector<PendingApproval> Waiting(std::string_view organization, core::TimeMillis now) const;
  std::optional<PendingApproval> Find(std::string_view id, core::TimeMillis now) const;
  // Claims a waiting approval for one approver while it is co-signed: NotFound, or
  // Unavailable when another approver holds it.
  base::Result<PendingApproval> BeginApproving(std::string_view id, core::TimeMillis now);
  // The claim ends without a co-signature (a wrong code): the approval waits again.
  void StopApproving(std::string_view id);
  // Approved and submitted, or declined: gone.
  void Remove(std::string_view id);
  // Drops the approvals past their time and returns them, so that their requests are freed.
  std::vector<PendingApproval> TakeExpired(core::TimeMillis now);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, PendingApproval, std::less<>> approvals_;  // guarded by mutex_
};

}  // namespace nuri::wallet
