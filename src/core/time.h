// Block time and the Korea calendar.
//
// Time on the ledger is milliseconds since the Unix epoch (UTC), agreed by the validators and
// carried in block headers; execution reads nothing else. Rules speak of local time in Korea:
// Korea Standard Time, UTC+9, with no daylight saving. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nuri::core {

using TimeMillis = std::int64_t;

inline constexpr TimeMillis kMillisPerSecond = 1000;
inline constexpr TimeMillis kMillisPerMinute = 60 * kMillisPerSecond;
inline constexpr TimeMillis kMillisPerHour = 60 * kMillisPerMinute;
inline constexpr TimeMillis kMillisPerDay = 24 * kMillisPerHour;
inline constexpr TimeMillis kKoreaOffsetMillis = 9 * kMillisPerHour;
// Times on the ledger lie in [1970-01-01Z, 9999-12-31T23:59:59.999+09:00]: every such time has one
// RFC 3339 form, and no arithmetic on them overflows.
inline constexpr TimeMillis kTimeMillisMax = 253402268399999;
inline constexpr bool IsLedgerTime(TimeMillis time) { return time >= 0 && time <= kTimeMillisMax; }

// A calendar date, proleptic Gregorian.
struct LocalDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const LocalDate&) const = default;
};

// A moment as seen on a clock in Korea.
struct KoreaTime {
  LocalDate date;
  int weekday = 0;        // 0 = Sunday .. 6 = Saturday
  int minute_of_day = 0;  // 0..1439
  int second_of_minute = 0;
};

int DaysInMonth(int year, int month);
// A real day of the Gregorian calendar in years 1970..9999.
bool IsValidDate(const LocalDate& date);
std::int64_t DaysFromCivil(const LocalDate& date);
LocalDate CivilFromDays(std::int64_t days);
KoreaTime ToKoreaTime(TimeMillis time);

// RFC 3339 with an explicit offset or Z: "2026-03-02T09:00:00+09:00", fractions of a second to
// the millisecond. Fails with a message naming what is wrong.
base::Result<TimeMillis> ParseTime(std::string_view text);
// "2026-03-02T09:00:00+09:00" (milliseconds appear only when not zero).
std::string FormatKoreaTime(TimeMillis time);
// "2026-03-01"
base::Result<LocalDate> ParseDate(std::string_view text);
std::string FormatDate(const LocalDate& date);

}  // namespace nuri::core
