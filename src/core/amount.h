// Amount: whole Korean won as a checked 64-bit integer. KRW has no minor unit.
//
// Every sum and difference is checked: overflow is an answer (nullopt), never a wrap, so that
// the executor can refuse it with INVALID_AMOUNT. A value type.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace nuri::core {

class Amount {
 public:
  constexpr Amount() = default;
  static constexpr Amount Won(std::int64_t won) { return Amount(won); }

  constexpr std::int64_t won() const { return won_; }
  constexpr bool positive() const { return won_ > 0; }
  constexpr bool negative() const { return won_ < 0; }

  std::optional<Amount> Plus(Amount other) const;
  std::optional<Amount> Minus(Amount other) const;
  // "1,250,000"
  std::string ToGrouped() const;

  auto operator<=>(const Amount&) const = default;

 private:
  constexpr explicit Amount(std::int64_t won) : won_(won) {}
  std::int64_t won_ = 0;
};

}  // namespace nuri::core
