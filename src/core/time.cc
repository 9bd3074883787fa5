#include "core/time.h"

#include <cstdio>

namespace nuri::core {

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
std::int64_t DaysFromCivil(const LocalDate& date) {
  const std::int64_t year = date.year - (date.month <= 2 ? 1 : 0);
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year =
      (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

LocalDate CivilFromDays(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  const int year = static_cast<int>(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
  return {year, month, day};
}

namespace {
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool DigitsAt(std::string_view text, std::size_t at, std::size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

base::Status BadTime(std::string_view text, std::string_view why) {
  return base::Status::InvalidArgument("invalid time '" + std::string(text.substr(0, 40)) +
                                       "': " + std::string(why) +
                                       " (expected e.g. 2026-03-02T09:00:00+09:00)");
}
}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool IsValidDate(const LocalDate& date) {
  return date.year >= 1970 && date.year <= 9999 && date.month >= 1 && date.month <= 12 &&
         date.day >= 1 && date.day <= DaysInMonth(date.year, date.month);
}

KoreaTime ToKoreaTime(TimeMillis time) {
  const TimeMillis local = time + kKoreaOffsetMillis;
  const std::int64_t days = FloorDiv(local, kMillisPerDay);
  const TimeMillis within_day = local - days * kMillisPerDay;
  KoreaTime korea;
  korea.date = CivilFromDays(days);
  korea.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  korea.minute_of_day = static_cast<int>(within_day / kMillisPerMinute);
  korea.second_of_minute = static_cast<int>((within_day % kMillisPerMinute) / kMillisPerSecond);
  return korea;
}

base::Result<LocalDate> ParseDate(std::string_view text) {
  LocalDate date;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !DigitsAt(text, 0, 4, date.year) || !DigitsAt(text, 5, 2, date.month) ||
      !DigitsAt(text, 8, 2, date.day)) {
    return base::Error(base::Status::InvalidArgument("invalid date '" +
                                                     std::string(text.substr(0, 40)) +
                                                     "' (expected YYYY-MM-DD)"));
  }
  if (!IsValidDate(date)) {
    return base::Error(
        base::Status::InvalidArgument("invalid date '" + std::string(text) + "': no such day"));
  }
  return date;
}

base::Result<TimeMillis> ParseTime(std::string_view text) {
  if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return base::Error(BadTime(text, "not RFC 3339"));
  }
  auto date = ParseDate(text.substr(0, 10));
  if (!date) return base::Error(BadTime(text, "bad date"));
  int hour = 0, minute = 0, second = 0;
  if (!DigitsAt(text, 11, 2, hour) || !DigitsAt(text, 14, 2, minute) ||
      !DigitsAt(text, 17, 2, second) || hour > 23 || minute > 59 || second > 59) {
    return base::Error(BadTime(text, "bad time of day"));
  }
  std::size_t at = 19;
  TimeMillis millis = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t digits = 0;
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[at] - '0');
      ++digits;
      ++at;
    }
    if (digits == 0 || digits > 9) return base::Error(BadTime(text, "bad fraction of a second"));
    for (std::size_t i = digits; i < 3; ++i) millis *= 10;
  }
  TimeMillis offset = 0;
  const std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else {
    int offset_hours = 0, offset_minutes = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
        !DigitsAt(zone, 1, 2, offset_hours) || !DigitsAt(zone, 4, 2, offset_minutes) ||
        offset_hours > 23 || offset_minutes > 59) {
      return base::Error(BadTime(text, "needs an offset such as +09:00 or Z"));
    }
    offset = (offset_hours * kMillisPerHour + offset_minutes * kMillisPerMinute) *
             (zone[0] == '-' ? -1 : 1);
  }
  const TimeMillis time = DaysFromCivil(*date) * kMillisPerDay + hour * kMillisPerHour +
                          minute * kMillisPerMinute + second * kMillisPerSecond + millis - offset;
  if (!IsLedgerTime(time)) return base::Error(BadTime(text, "before 1970 or after 9999"));
  return time;
}

std::string FormatDate(const LocalDate& date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year, date.month, date.day);
  return text;
}

std::string FormatKoreaTime(TimeMillis time) {
  const KoreaTime korea = ToKoreaTime(time);
  const TimeMillis millis = ((time % 1000) + 1000) % 1000;
  char text[48];
  if (millis == 0) {
    std::snprintf(text, sizeof text, "%sT%02d:%02d:%02d+09:00", FormatDate(korea.date).c_str(),
                  korea.minute_of_day / 60, korea.minute_of_day % 60, korea.second_of_minute);
  } else {
    std::snprintf(text, sizeof text, "%sT%02d:%02d:%02d.%03lld+09:00",
                  FormatDate(korea.date).c_str(), korea.minute_of_day / 60,
                  korea.minute_of_day % 60, korea.second_of_minute,
                  static_cast<long long>(millis));
  }
  return text;
}

}  // namespace nuri::core
