// Checks for free text that the ledger stores and shows (names, memos): valid UTF-8 without
// control characters, within a length. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace nuri::core {

bool IsDisplayText(std::string_view text, std::size_t size_bytes_max);
// ISO 18245 merchant category code: exactly four digits.
bool IsMerchantCategoryCode(std::string_view text);

}  // namespace nuri::core
