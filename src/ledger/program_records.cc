#include "ledger/program_records.h"

#include "base/check.h"
#include "base/limits.h"
#include "codec/codec.h"
#include "ledger/record_codec.h"

namespace nuri::ledger {

// Grammars (docs/formats/state.md):
//   program_record := version:u8(=1) rules_version:u32 closed:bool funded:i64 granted:i64
//                     spent:i64 refunded:i64 reclaimed:i64 returned:i64 unallocated:i64
//   holder         := version:u8(=1) balance:i64 granted:i64 paid:i64 day:i64 day_spent:i64
//                     month:i64 month_spent:i64
//   payment        := version:u8(=1) program:bytes payer:bytes merchant:bytes amount:i64
//                     refunded:i64 day:u32 month:u32
//   milestone      := version:u8(=1) evidence:32 time:i64

using record_codec::Finish;
using record_codec::kRecordVersion;
using record_codec::ReadVersion;

namespace {

core::Amount GetAmount(codec::Reader& r, std::string_view what) {
  return core::Amount::Won(r.GetI64(what));
}

core::AccountId GetAccount(codec::Reader& r, std::string_view what) {
  const std::string text = r.GetBytes(base::kAccountIdLengthMax, what);
  if (!r.ok()) return {};
  auto id = core::AccountId::Parse(text);
  if (!id) r.Fail(std::string(what) + ": " + id.error().message());
  return id.value_or(core::AccountId());
}

std::string Join(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string key(prefix);
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) key.push_back('/');
    key.append(part);
    first = false;
  }
  return key;
}
}  // namespace

std::optional<core::Amount> ProgramRecord::Escrow() const {
  auto escrow = funded.Minus(spent);
  if (escrow) escrow = escrow->Plus(refunded);
  if (escrow) escrow = escrow->Minus(returned);
  return escrow;
}

std::int64_t DayNumber(const core::LocalDate& date) { return core::DaysFromCivil(date); }
std::int64_t MonthNumber(const core::LocalDate& date) {
  return static_cast<std::int64_t>(date.year) * 12 + date.month - 1;
}

std::string ProgramKey(std::string_view program) { return Join(kProgramPrefix, {program}); }
std::string ProgramVersionKey(std::string_view program, std::uint32_t version) {
  std::string key = Join(kProgramVersionPrefix, {program, ""});
  // Big-endian so that versions sort as numbers.
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(version >> shift));
  return key;
}
std::string HolderKey(std::string_view program, std::string_view holder) {
  return Join(kHolderPrefix, {program, holder});
}
std::string HolderPrefix(std::string_view program) { return Join(kHolderPrefix, {program, ""}); }
std::string MilestoneKey(std::string_view program, std::string_view holder,
                         std::string_view milestone) {
  return Join(kMilestonePrefix, {program, holder, milestone});
}
std::string MilestonePrefix(std::string_view program, std::string_view holder) {
  return Join(kMilestonePrefix, {program, holder, ""});
}
std::string PaymentKey(const crypto::Hash& payment) {
  // The raw id, not its hex: a key per payment, so every byte counts.
  return Join(kPaymentPrefix, {payment.view()});
}
std::string HolidaysKey(int year) { return Join(kHolidaysPrefix, {std::to_string(year)}); }

std::string EncodeProgramRecord(const ProgramRecord& record) {
  codec::Writer w;
  w.PutU8(kRecordVersion);
  w.PutU32(record.version);
  w.PutBool(record.closed);
  for (core::Amount amount : {record.funded, record.granted, record.spent, record.refunded,
                              record.reclaimed, record.returned, record.unallocated}) {
    w.PutI64(amount.won());
  }
  return w.Take();
}

base::Result<ProgramRecord> DecodeProgramRecord(std::string_view bytes) {
  codec::Reader r(bytes);
  ReadVersion(r);
  ProgramRecord record;
  record.version = r.GetU32("rules version");
  record.closed = r.GetBool("closed");
  for (core::Amount* amount : {&record.funded, &record.granted, &record.spent, &record.refunded,
                               &record.reclaimed, &record.returned, &record.unallocated}) {
    *amount = GetAmount(r, "total");
  }
  return Finish(r, std::move(record));
}

std::string EncodeHolder(const HolderRecord& record) {
  codec::Writer w;
  w.PutU8(kRecordVersion);
  w.PutI64(record.balance.won());
  w.PutI64(record.granted.won());
  w.PutI64(record.paid.won());
  w.PutI64(record.day);
  w.PutI64(record.day_spent.won());
  w.PutI64(record.month);
  w.PutI64(record.month_spent.won());
  return w.Take();
}

base::Result<HolderRecord> DecodeHolder(std::string_view bytes) {
  codec::Reader r(bytes);
  ReadVersion(r);
  HolderRecord record;
  record.balance = GetAmount(r, "balance");
  record.granted = GetAmount(r, "granted");
  record.paid = GetAmount(r, "paid");
  record.day = r.GetI64("day");
  record.day_spent = GetAmount(r, "day_spent");
  record.month = r.GetI64("month");
  record.month_spent = GetAmount(r, "month_spent");
  return Finish(r, std::move(record));
}

std::string EncodePayment(const PaymentRecord& record) {
  codec::Writer w;
  w.PutU8(kRecordVersion);
  w.PutBytes(record.program);
  w.PutBytes(record.payer.str());
  w.PutBytes(record.merchant.str());
  w.PutI64(record.amount.won());
  w.PutI64(record.refunded.won());
  // Ledger times lie in years 1970-9999: day and month numbers fit in 32 bits.
  NURI_CHECK(record.day >= 0 && record.day <= UINT32_MAX);
  NURI_CHECK(record.month >= 0 && record.month <= UINT32_MAX);
  w.PutU32(static_cast<std::uint32_t>(record.day));
  w.PutU32(static_cast<std::uint32_t>(record.month));
  return w.Take();
}

base::Result<PaymentRecord> DecodePayment(std::string_view bytes) {
  codec::Reader r(bytes);
  ReadVersion(r);
  PaymentRecord record;
  record.program = r.GetBytes(base::kProgramIdLengthMax, "program");
  record.payer = GetAccount(r, "payer");
  record.merchant = GetAccount(r, "merchant");
  record.amount = GetAmount(r, "amount");
  record.refunded = GetAmount(r, "refunded");
  record.day = r.GetU32("day");
  record.month = r.GetU32("month");
  return Finish(r, std::move(record));
}

std::string EncodeMilestone(const MilestoneRecord& record) {
  codec::Writer w;
  w.PutU8(kRecordVersion);
  w.PutFixed(record.evidence.view());
  w.PutI64(record.time);
  return w.Take();
}

base::Result<MilestoneRecord> DecodeMilestone(std::string_view bytes) {
  codec::Reader r(bytes);
  ReadVersion(r);
  MilestoneRecord record;
  record.evidence = crypto::Hash::FromBytes(r.GetFixed(32, "evidence")).value_or(crypto::Hash());
  record.time = r.GetI64("time");
  return Finish(r, std::move(record));
}

std::string EncodeHolidays(const std::vector<core::LocalDate>& dates) {
  codec::Writer w;
  w.PutU32(static_cast<std::uint32_t>(dates.size()));
  for (const auto& date : dates) {
    w.PutU8(static_cast<std::uint8_t>(date.month));
    w.PutU8(static_cast<std::uint8_t>(date.day));
  }
  return w.Take();
}

base::Result<std::vector<core::LocalDate>> DecodeHolidays(int year, std::string_view bytes) {
  codec::Reader r(bytes);
  const std::uint32_t count = r.GetCount(base::kHolidaysPerYearMax, 2, "holidays");
  std::vector<core::LocalDate> dates;
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    const int month = r.GetU8("month");
    const int day = r.GetU8("day");
    dates.push_back(core::LocalDate{year, month, day});
  }
  return Finish(r, std::move(dates));
}

}  // namespace nuri::ledger
