#include "wallet/approval_book.h"

#include <sodium.h>

#include <algorithm>

#include "base/hex.h"

namespace nuri::wallet {

base::Result<PendingApproval> ApprovalBook::Add(std::string request, core::Transaction payment,
                                                core::RoleSet approver_roles, core::TimeMillis now,
                                                core::TimeMillis expires) {
  std::string id(16, '\0');
  randombytes_buf(id.data(), id.size());
  PendingApproval approval;
  approval.id = base::ToHex(id);
  approval.request = std::move(request);
  approval.payment_id = core::TransactionId(payment);
  approval.payment = std::move(payment);
  approval.approver_roles = approver_roles;
  approval.created = now;
  approval.expires = expires;
  std::lock_guard lock(mutex_);
  // Expired ones still count until TakeExpired frees their requests.
  if (approvals_.size() >= kApprovalsWaitingMax) {
    return base::Error(base::Status::ResourceExhausted("this node has " +
                                                       std::to_string(kApprovalsWaitingMax) +
                                                       " payments waiting for approval"));
  }
  approvals_.emplace(approval.id, approval);
  return approval;
}

std::vector<PendingApproval> ApprovalBook::Waiting(std::string_view organization,
                                                   core::TimeMillis now) const {
  std::vector<PendingApproval> waiting;
  std::lock_guard lock(mutex_);
  for (const auto& [id, approval] : approvals_) {
    if (approval.status == PendingApproval::Status::kWaiting && approval.expires > now &&
        approval.payment.signer.org() == organization) {
      waiting.push_back(approval);
    }
  }
  std::sort(waiting.begin(), waiting.end(),
            [](const auto& left, const auto& right) { return left.created < right.created; });
  return waiting;
}

std::optional<PendingApproval> ApprovalBook::Find(std::string_view id, core::TimeMillis now) const {
  std::lock_guard lock(mutex_);
  const auto found = approvals_.find(id);
  if (found == approvals_.end() || found->second.expires <= now) return std::nullopt;
  return found->second;
}

base::Result<PendingApproval> ApprovalBook::BeginApproving(std::string_view id,
                                                           core::TimeMillis now) {
  std::lock_guard lock(mutex_);
  const auto found = approvals_.find(id);
  if (found == approvals_.end() || found->second.expires <= now) {
    return base::Error(base::Status::NotFound("no payment waits for approval " + std::string(id)));
  }
  if (found->second.status != PendingApproval::Status::kWaiting) {
    return base::Error(base::Status::Unavailable("another approver is approving it"));
  }
  found->second.status = PendingApproval::Status::kApproving;
  return found->second;
}

void ApprovalBook::StopApproving(std::string_view id) {
  std::lock_guard lock(mutex_);
  if (const auto found = approvals_.find(id); found != approvals_.end()) {
    found->second.status = PendingApproval::Status::kWaiting;
  }
}

void ApprovalBook::Remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  if (const auto found = approvals_.find(id); found != approvals_.end()) approvals_.erase(found);
}

std::vector<PendingApproval> ApprovalBook::TakeExpired(core::TimeMillis now) {
  std::vector<PendingApproval> expired;
  std::lock_guard lock(mutex_);
  for (auto it = approvals_.begin(); it != approvals_.end();) {
    // One being co-signed right now is left to its approver, who settles it either way.
    if (it->second.status == PendingApproval::Status::kWaiting && it->second.expires <= now) {
      expired.push_back(std::move(it->second));
      it = approvals_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

}  // namespace nuri::wallet
