// Lower-case hexadecimal for hashes, keys and signatures in JSON and logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nuri::base {

std::string ToHex(std::string_view bytes);
// Accepts upper or lower case; nullopt when the text is not an even number of hex digits.
std::optional<std::string> FromHex(std::string_view text);
// RFC 3986 percent-encoding: every byte but letters, digits, '-', '.', '_' and '~' as %XX.
std::string PercentEncode(std::string_view text);

}  // namespace nuri::base
