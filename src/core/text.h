// Checks for free text that the ledger stores and shows (names, memos): valid UTF-8 without
// control characters, within a length; and the lists that sentences for people name. Pure
// functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nuri::core {

bool IsDisplayText(std::string_view text, std::size_t size_bytes_max);
// ISO 18245 merchant category code: exactly four digits.
bool IsMerchantCategoryCode(std::string_view text);
// "a", "a and b", "a, b and c".
std::string JoinAsList(const std::vector<std::string>& items);

}  // namespace nuri::core
