#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace nuri::base {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "nuri: invariant broken at %s:%d: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace nuri::base
