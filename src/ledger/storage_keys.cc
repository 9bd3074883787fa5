#include "ledger/storage_keys.h"

#include "codec/codec.h"

namespace nuri::ledger {

std::string TxIndexKey(const crypto::Hash& id) { return "txi/" + std::string(id.view()); }

std::string AccountIndexPrefix(std::string_view account) {
  return "acx/" + std::string(account) + "/";
}

std::string AccountIndexKey(std::string_view account, const TransactionLocation& location) {
  std::string key;
  key.reserve(4 + account.size() + 1 + kLocationBytes);
  key.append("acx/").append(account).append("/").append(EncodeNewestFirst(location));
  return key;
}

std::string EncodeLocation(const TransactionLocation& location) {
  std::string bytes = codec::EncodeKeyU64(location.height);
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes.push_back(static_cast<char>((location.index >> shift) & 0xff));
  }
  return bytes;
}

std::string EncodeNewestFirst(const TransactionLocation& location) {
  return EncodeLocation({~location.height, ~location.index});
}

std::uint32_t DecodeIndex(std::string_view bytes) {
  std::uint32_t index = 0;
  for (char c : bytes) index = (index << 8) | static_cast<std::uint8_t>(c);
  return index;
}

}  // namespace nuri::ledger
