#include "core/amount.h"

namespace nuri::core {

std::optional<Amount> Amount::Plus(Amount other) const {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(won_, other.won_, &sum)) return std::nullopt;
  return Amount(sum);
}

std::optional<Amount> Amount::Minus(Amount other) const {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(won_, other.won_, &difference)) return std::nullopt;
  return Amount(difference);
}

std::string Amount::ToGrouped() const {
  const std::string digits = std::to_string(won_ < 0 ? -(won_ + 1) + 1ull : won_ + 0ull);
  std::string grouped;
  const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  grouped += digits.substr(0, lead);
  for (std::size_t i = lead; i < digits.size(); i += 3) {
    grouped += ',';
    grouped += digits.substr(i, 3);
  }
  return won_ < 0 ? "-" + grouped : grouped;
}

}  // namespace nuri::core
