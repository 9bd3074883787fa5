// libFuzzer target for the decoder of messages between nodes (src/net/wire.h), the first code
// that a peer's bytes meet. Beyond "never crashes", a message that decodes must be canonical:
// encoding it again gives back exactly the input, so that a message has one hash (replicas
// drop what they have seen by it) and one set of signed bytes. A broken promise aborts, so that
// libFuzzer keeps the input.
//
// Single-threaded: libFuzzer calls it from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "net/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto message = nuri::net::DecodeMessage(bytes);
  if (message && nuri::net::EncodeMessage(*message) != bytes) {
    std::fprintf(stderr, "fuzz_wire: a decoded %.*s is not canonical\n",
                 static_cast<int>(nuri::net::MessageName(*message).size()),
                 nuri::net::MessageName(*message).data());
    std::abort();
  }
  return 0;
}
