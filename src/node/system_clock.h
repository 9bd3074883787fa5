// SystemClock: the real wall clock and monotonic clock, made only by src/node and the CLI.
#pragma once

#include "base/clock.h"

namespace nuri::node {

class SystemClock final : public base::Clock {
 public:
  std::int64_t NowMillis() const override;
  std::int64_t MonotonicMicros() const override;
};

}  // namespace nuri::node
