// The process-wide logger: one line per event on standard error, with UTC time, level and the
// component. The one global of Nuri besides nothing. Never log keys, passwords, TOTP secrets
// or session tokens. Thread-safe.
#pragma once

#include <string_view>

namespace nuri::base {

enum class LogLevel : unsigned char { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view component, std::string_view message);

inline void LogInfo(std::string_view component, std::string_view message) {
  Log(LogLevel::kInfo, component, message);
}
inline void LogWarning(std::string_view component, std::string_view message) {
  Log(LogLevel::kWarning, component, message);
}
inline void LogError(std::string_view component, std::string_view message) {
  Log(LogLevel::kError, component, message);
}

}  // namespace nuri::base
