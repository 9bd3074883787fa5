// Helpers shared by the decoders of state records (records.cc, program_records.cc): the record
// version byte and how a decode ends. A record that fails to decode is corruption of the state.
// Internal to src/ledger.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "codec/codec.h"

namespace nuri::ledger::record_codec {

inline constexpr std::uint8_t kRecordVersion = 1;

inline void ReadVersion(codec::Reader& r) {
  if (r.GetU8("record version") != kRecordVersion && r.ok()) r.Fail("unknown record version");
}

template <typename T>
base::Result<T> Finish(codec::Reader& r, T value) {
  if (auto status = r.Finish(); !status.ok()) {
    return base::Error(base::Status::Corruption(status.message()));
  }
  return value;
}

}  // namespace nuri::ledger::record_codec
