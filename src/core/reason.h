// Reason codes: why a transaction was refused at admission or rejected in a block.
//
// The names are part of the API and never change; the numeric values are persisted in receipts
// and never reused. Within a block, checks run in the order of docs/ledger.md, and the first
// failure is the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nuri::core {

enum class ReasonCode : std::uint16_t {
  kOk = 0,
  // Admission: the transaction never enters a block.
  kMalformed = 1,
  kBadSignature = 2,
  kWrongChain = 3,
  kExpired = 4,
  kTooFarInFuture = 5,
  kDuplicate = 6,
  kUnknownSigner = 7,
  kMempoolFull = 8,
  // In a block: recorded with status rejected.
  kNotAuthorized = 100,
  kAccountFrozen = 101,
  kUnknownAccount = 102,
  kAlreadyExists = 103,
  kInvalidAmount = 104,
  kInsufficientFunds = 105,
  kTransferNotAllowed = 106,
  kNotAMerchant = 107,
  kProgramNotActive = 108,
  kProgramStillActive = 109,
  kUnknownProgram = 110,
  kRefundExceedsPayment = 111,
  kUnknownToken = 112,
  kUnknownOrg = 113,
  kInvalidArgument = 114,
  kUnknownValidator = 115,
  // In a block, from a program rule (docs/programs.md, "Rule kinds"); the receipt names the rule.
  kMerchantCategoryDenied = 200,
  kMerchantNotAllowed = 201,
  kOutsideHours = 202,
  kNonBusinessDay = 203,
  kPaymentLimitExceeded = 204,
  kDailyLimitExceeded = 205,
  kMonthlyLimitExceeded = 206,
  kAttendeesRequired = 207,
  kPerAttendeeLimitExceeded = 208,
  kEvidenceRequired = 209,
  kApprovalRequired = 210,
  kTrancheLocked = 211,
};

std::string_view ReasonName(ReasonCode code);
std::optional<ReasonCode> ReasonFromName(std::string_view name);
std::optional<ReasonCode> ReasonFromValue(std::uint16_t value);
// True for the codes that are answered at admission and never recorded in a block.
bool IsAdmissionReason(ReasonCode code);

}  // namespace nuri::core
