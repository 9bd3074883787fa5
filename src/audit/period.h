// The blocks of a period of Korea calendar days, found from block times alone: block time
// never decreases (docs/consensus.md, "Block time"), so the first block of a day is found by
// bisection over heights, reading O(log n) headers.
#pragma once

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "core/time.h"
#include "ledger/ledger.h"

namespace nuri::audit {

// Heights `first` to `last` inclusive; empty when first > last.
struct HeightRange {
  std::uint64_t first = 1;
  std::uint64_t last = 0;
  bool empty() const { return first > last; }
};

// The first moment of a Korea calendar day (00:00 at UTC+9).
core::TimeMillis StartOfKoreaDay(const core::LocalDate& date);

// The lowest height in [low, high] whose block time is at or after `moment`, or high + 1 when
// none is.
base::Result<std::uint64_t> FirstBlockAtOrAfter(const ledger::Ledger& ledger, std::uint64_t low,
                                                std::uint64_t high, core::TimeMillis moment);

// The committed blocks from day `from` through day `to` (Korea time, inclusive). NotFound when
// the period begins before the snapshot the ledger started from: it holds no blocks before it.
// Needs from <= to.
base::Result<HeightRange> BlocksOfPeriod(const ledger::Ledger& ledger, const core::LocalDate& from,
                                         const core::LocalDate& to);

}  // namespace nuri::audit
