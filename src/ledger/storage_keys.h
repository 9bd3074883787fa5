// The ledger's keys in its KvStore (docs/formats/storage.md), shared by the Ledger and the
// writes it holds back (unflushed_writes.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"

namespace nuri::ledger {

struct TransactionLocation {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
};

inline constexpr std::string_view kStatePrefix = "st/";

// txi/<tx id>: the transaction's location.
std::string TxIndexKey(const crypto::Hash& id);
// acx/<account>/: the prefix of an account's index, newest first.
std::string AccountIndexPrefix(std::string_view account);
// acx/<account>/<location, newest first>: one entry of that index, valued with the id.
std::string AccountIndexKey(std::string_view account, const TransactionLocation& location);

// A location as index keys and values hold it: height:u64 then index:u32, big-endian.
inline constexpr std::size_t kLocationBytes = 12;
std::string EncodeLocation(const TransactionLocation& location);
// The account index orders an account's transactions newest first (complemented height and
// index), so that a history of the latest N reads N entries, however long the account's past.
std::string EncodeNewestFirst(const TransactionLocation& location);
std::uint32_t DecodeIndex(std::string_view bytes);

}  // namespace nuri::ledger
