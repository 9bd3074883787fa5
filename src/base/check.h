// Always-on assertions for invariants that must never break, in every build type.
//
// A failed NURI_CHECK is a bug in Nuri, never bad input: it prints where and what, and aborts,
// so that a node stops before it writes anything wrong. Bad input is answered with a Status.
#pragma once

namespace nuri::base {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace nuri::base

#define NURI_CHECK(condition)                                        \
  do {                                                               \
    if (!(condition)) [[unlikely]]                                   \
      ::nuri::base::CheckFailed(__FILE__, __LINE__, #condition);     \
  } while (false)
