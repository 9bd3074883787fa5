// libFuzzer target for the transaction decoder, the first code that every external byte meets
// (the API, gossip, block sync). Beyond "never crashes", it holds the decoder to two promises:
// a transaction that decodes is canonical (encoding it again gives back exactly the input, so
// one transaction has one id and one set of signed bytes), and its JSON form converts back to
// the same bytes (core/json.h: conversions are lossless), both as a JSON value and through
// JSON text as the API reads it. A broken promise aborts, so that libFuzzer keeps the input.
//
// Single-threaded: libFuzzer calls it from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/json.h"
#include "core/transaction.h"
#include "crypto/keys.h"

namespace {

[[noreturn]] void Fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_transaction: %.*s %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void CheckJsonRoundTrip(const nuri::core::Transaction& tx, std::string_view bytes) {
  const boost::json::value json = nuri::core::TransactionToJson(tx);
  auto from_value = nuri::core::TransactionFromJson(json);
  if (!from_value) {
    Fail("TransactionFromJson refuses TransactionToJson's output:", from_value.error().ToString());
  }
  if (nuri::core::Encode(*from_value) != bytes) Fail("the JSON round trip changes the bytes");

  // The API receives text, not a value: numbers and strings go through the serializer too.
  auto parsed = nuri::core::ParseJsonText(boost::json::serialize(json));
  if (!parsed) Fail("the JSON text of a transaction does not parse:", parsed.error().ToString());
  auto from_text = nuri::core::TransactionFromJson(*parsed);
  if (!from_text) Fail("the JSON text of a transaction is refused:", from_text.error().ToString());
  if (nuri::core::Encode(*from_text) != bytes) Fail("the JSON text round trip changes the bytes");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  nuri::crypto::Initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = nuri::core::DecodeTransaction(bytes);
  if (!decoded) return 0;  // refusing bad input is the decoder's job; not a finding
  if (decoded->bytes != bytes) Fail("the decoded transaction does not keep its bytes verbatim");
  if (nuri::core::Encode(decoded->tx) != bytes) Fail("a non-canonical encoding was accepted");
  if (decoded->id != nuri::core::TransactionId(decoded->tx)) {
    Fail("the id is not the hash of the unsigned encoding");
  }
  CheckJsonRoundTrip(decoded->tx, bytes);
  return 0;
}
