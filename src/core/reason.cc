#include "core/reason.h"

#include <array>

namespace nuri::core {

namespace {
struct ReasonEntry {
  ReasonCode code;
  std::string_view name;
};
constexpr std::array<ReasonEntry, 37> kReasons = {{
    {ReasonCode::kOk, "OK"},
    {ReasonCode::kMalformed, "MALFORMED"},
    {ReasonCode::kBadSignature, "BAD_SIGNATURE"},
    {ReasonCode::kWrongChain, "WRONG_CHAIN"},
    {ReasonCode::kExpired, "EXPIRED"},
    {ReasonCode::kTooFarInFuture, "TOO_FAR_IN_FUTURE"},
    {ReasonCode::kDuplicate, "DUPLICATE"},
    {ReasonCode::kUnknownSigner, "UNKNOWN_SIGNER"},
    {ReasonCode::kMempoolFull, "MEMPOOL_FULL"},
    {ReasonCode::kNotAuthorized, "NOT_AUTHORIZED"},
    {ReasonCode::kAccountFrozen, "ACCOUNT_FROZEN"},
    {ReasonCode::kUnknownAccount, "UNKNOWN_ACCOUNT"},
    {ReasonCode::kAlreadyExists, "ALREADY_EXISTS"},
    {ReasonCode::kInvalidAmount, "INVALID_AMOUNT"},
    {ReasonCode::kInsufficientFunds, "INSUFFICIENT_FUNDS"},
    {ReasonCode::kTransferNotAllowed, "TRANSFER_NOT_ALLOWED"},
    {ReasonCode::kNotAMerchant, "NOT_A_MERCHANT"},
    {ReasonCode::kProgramNotActive, "PROGRAM_NOT_ACTIVE"},
    {ReasonCode::kProgramStillActive, "PROGRAM_STILL_ACTIVE"},
    {ReasonCode::kUnknownProgram, "UNKNOWN_PROGRAM"},
    {ReasonCode::kRefundExceedsPayment, "REFUND_EXCEEDS_PAYMENT"},
    {ReasonCode::kUnknownToken, "UNKNOWN_TOKEN"},
    {ReasonCode::kUnknownOrg, "UNKNOWN_ORG"},
    {ReasonCode::kInvalidArgument, "INVALID_ARGUMENT"},
    {ReasonCode::kUnknownValidator, "UNKNOWN_VALIDATOR"},
    {ReasonCode::kMerchantCategoryDenied, "MERCHANT_CATEGORY_DENIED"},
    {ReasonCode::kMerchantNotAllowed, "MERCHANT_NOT_ALLOWED"},
    {ReasonCode::kOutsideHours, "OUTSIDE_HOURS"},
    {ReasonCode::kNonBusinessDay, "NON_BUSINESS_DAY"},
    {ReasonCode::kPaymentLimitExceeded, "PAYMENT_LIMIT_EXCEEDED"},
    {ReasonCode::kDailyLimitExceeded, "DAILY_LIMIT_EXCEEDED"},
    {ReasonCode::kMonthlyLimitExceeded, "MONTHLY_LIMIT_EXCEEDED"},
    {ReasonCode::kAttendeesRequired, "ATTENDEES_REQUIRED"},
    {ReasonCode::kPerAttendeeLimitExceeded, "PER_ATTENDEE_LIMIT_EXCEEDED"},
    {ReasonCode::kEvidenceRequired, "EVIDENCE_REQUIRED"},
    {ReasonCode::kApprovalRequired, "APPROVAL_REQUIRED"},
    {ReasonCode::kTrancheLocked, "TRANCHE_LOCKED"},
}};
}  // namespace

std::string_view ReasonName(ReasonCode code) {
  for (const auto& entry : kReasons) {
    if (entry.code == code) return entry.name;
  }
  return "UNKNOWN";
}

std::optional<ReasonCode> ReasonFromName(std::string_view name) {
  for (const auto& entry : kReasons) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}

std::optional<ReasonCode> ReasonFromValue(std::uint16_t value) {
  for (const auto& entry : kReasons) {
    if (static_cast<std::uint16_t>(entry.code) == value) return entry.code;
  }
  return std::nullopt;
}

bool IsAdmissionReason(ReasonCode code) {
  const auto value = static_cast<std::uint16_t>(code);
  return value >= 1 && value < 100;
}

}  // namespace nuri::core
