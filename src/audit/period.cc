#include "audit/period.h"

namespace nuri::audit {

core::TimeMillis StartOfKoreaDay(const core::LocalDate& date) {
  return core::DaysFromCivil(date) * core::kMillisPerDay - core::kKoreaOffsetMillis;
}

base::Result<std::uint64_t> FirstBlockAtOrAfter(const ledger::Ledger& ledger, std::uint64_t low,
                                                std::uint64_t high, core::TimeMillis moment) {
  std::uint64_t end = high + 1;
  while (low < end) {
    const std::uint64_t middle = low + (end - low) / 2;
    auto block = ledger.ReadBlock(middle);
    if (!block) return base::Error(block.error());
    if (block->header.time >= moment) {
      end = middle;
    } else {
      low = middle + 1;
    }
  }
  return end;
}

base::Result<HeightRange> BlocksOfPeriod(const ledger::Ledger& ledger, const core::LocalDate& from,
                                         const core::LocalDate& to) {
  const std::uint64_t low = ledger.base_height() + 1;
  const std::uint64_t high = ledger.head().height;
  if (ledger.base_height() > 0) {
    // A node started from a snapshot holds no blocks before it: it cannot tell the whole of a
    // period that began before its snapshot's block.
    auto base = ledger.ReadBlock(ledger.base_height());
    if (!base) return base::Error(base.error());
    if (StartOfKoreaDay(from) <= base->header.time) {
      return base::Error(base::Status::NotFound("this node holds the blocks after height " +
                                                std::to_string(ledger.base_height()) + " (" +
                                                core::FormatKoreaTime(base->header.time) +
                                                ") only: ask a node that holds the whole period"));
    }
  }
  // No block after the base yet: the period lies after the head.
  if (low > high) return HeightRange{high + 1, high};
  auto first = FirstBlockAtOrAfter(ledger, low, high, StartOfKoreaDay(from));
  if (!first) return base::Error(first.error());
  const core::LocalDate after = core::CivilFromDays(core::DaysFromCivil(to) + 1);
  auto end = FirstBlockAtOrAfter(ledger, *first, high, StartOfKoreaDay(after));
  if (!end) return base::Error(end.error());
  return HeightRange{*first, *end - 1};
}

}  // namespace nuri::audit
