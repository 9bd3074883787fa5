// The state of programs: their records, keys and canonical encodings (docs/formats/state.md).
//
// Keys:
//   p/<program>                          ProgramRecord: current version, closed, running totals
//   pv/<program>/<version:u32 BE>        the definition of each version (core::EncodeProgram)
//   ph/<program>/<holder>                HolderRecord: program balance and what the rules count
//   pm/<program>/<holder>/<milestone>    MilestoneRecord: an inspector's attestation
//   py/<payment id, 32 raw bytes>        PaymentRecord: what a refund needs of a payment
//   hd/<year>                            the holidays of one year
// What the rules count is kept as payments and refunds happen, never by rescanning history:
// a holder's net spend on the current local day and month (a refund lowers the period of its
// payment, which matters only while that period is current), its net paid and granted totals.
// Value types; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/amount.h"
#include "core/ids.h"
#include "core/time.h"
#include "crypto/hash.h"

namespace nuri::ledger {

struct ProgramRecord {
  std::uint32_t version = 1;  // the version of the rules in force
  bool closed = false;
  // Running totals since the program began (docs/scenario.md, the `program` query).
  core::Amount funded;
  core::Amount granted;
  core::Amount spent;  // accepted payments, before refunds
  core::Amount refunded;
  core::Amount reclaimed;
  core::Amount returned;     // to the owner at close
  core::Amount unallocated;  // budget not granted now
  // What the program holds: funded - spent + refunded - returned.
  std::optional<core::Amount> Escrow() const;
  bool operator==(const ProgramRecord&) const = default;
};

// A local day or month as a number: days since 1970-01-01, or year * 12 + month - 1.
std::int64_t DayNumber(const core::LocalDate& date);
std::int64_t MonthNumber(const core::LocalDate& date);

struct HolderRecord {
  core::Amount balance;
  core::Amount granted;   // net of reclaims
  core::Amount paid;      // net of refunds
  std::int64_t day = -1;  // the local day that day_spent counts
  core::Amount day_spent;
  std::int64_t month = -1;
  core::Amount month_spent;
  bool operator==(const HolderRecord&) const = default;
};

struct PaymentRecord {
  std::string program;
  core::AccountId payer;
  core::AccountId merchant;
  core::Amount amount;
  core::Amount refunded;
  std::int64_t day = 0;
  std::int64_t month = 0;
  bool operator==(const PaymentRecord&) const = default;
};

struct MilestoneRecord {
  crypto::Hash evidence;
  core::TimeMillis time = 0;
  bool operator==(const MilestoneRecord&) const = default;
};

inline constexpr std::string_view kProgramPrefix = "p/";
inline constexpr std::string_view kProgramVersionPrefix = "pv/";
inline constexpr std::string_view kHolderPrefix = "ph/";
inline constexpr std::string_view kMilestonePrefix = "pm/";
inline constexpr std::string_view kPaymentPrefix = "py/";
inline constexpr std::string_view kHolidaysPrefix = "hd/";

std::string ProgramKey(std::string_view program);
std::string ProgramVersionKey(std::string_view program, std::uint32_t version);
std::string HolderKey(std::string_view program, std::string_view holder);
// "ph/<program>/": every holder of one program.
std::string HolderPrefix(std::string_view program);
std::string MilestoneKey(std::string_view program, std::string_view holder,
                         std::string_view milestone);
std::string MilestonePrefix(std::string_view program, std::string_view holder);
std::string PaymentKey(const crypto::Hash& payment);
std::string HolidaysKey(int year);

std::string EncodeProgramRecord(const ProgramRecord& record);
base::Result<ProgramRecord> DecodeProgramRecord(std::string_view bytes);
std::string EncodeHolder(const HolderRecord& record);
base::Result<HolderRecord> DecodeHolder(std::string_view bytes);
std::string EncodePayment(const PaymentRecord& record);
base::Result<PaymentRecord> DecodePayment(std::string_view bytes);
std::string EncodeMilestone(const MilestoneRecord& record);
base::Result<MilestoneRecord> DecodeMilestone(std::string_view bytes);
// Holidays of one year: count:u32 (month:u8 day:u8)*, in increasing order.
std::string EncodeHolidays(const std::vector<core::LocalDate>& dates);
base::Result<std::vector<core::LocalDate>> DecodeHolidays(int year, std::string_view bytes);

}  // namespace nuri::ledger
