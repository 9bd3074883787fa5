// IdempotencyStore: the answers to POSTs that carried an Idempotency-Key, kept for a day, so that
// a client that lost an answer (a dropped connection, a timeout) can send the same request again
// and get the first answer back instead of paying twice.
//
// A key is scoped to its caller (ApiGuard uses the session, or the client address when there is
// none). The same key with another request (method, path or body) is a client's mistake and is
// refused; a copy that arrives while the first is still being answered is told to try again.
// Answers that mean "try later" (429 and 5xx) are not kept, so the retry runs anew.
//
// Kept in memory, bounded in entries and bytes (oldest dropped first): a restart forgets them.
// What must never happen twice is guarded by the ledger itself beneath this: a transaction's
// nonce is used once, a payment request is paid once.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/http_server.h"
#include "crypto/hash.h"

namespace nuri::api {

struct IdempotencyOptions {
  std::int64_t retention_micros = 24LL * 3600 * 1'000'000;
  std::size_t entries_max = 100'000;
  std::size_t body_size_bytes_max = 64 << 20;  // of the kept answers' bodies, all together
};

class IdempotencyStore {
 public:
  enum class Verdict {
    kFirst,       // go ahead, then call Finish or Forget
    kReplay,      // `response` is the first answer
    kInProgress,  // the first copy is still being answered
    kMismatch,    // the key was used for another request
  };
  struct Lookup {
    Verdict verdict = Verdict::kFirst;
    HttpResponse response;  // for kReplay
  };

  explicit IdempotencyStore(IdempotencyOptions options = {}) : options_(options) {}
  IdempotencyStore(const IdempotencyStore&) = delete;
  IdempotencyStore& operator=(const IdempotencyStore&) = delete;

  // Claims `key` for the request with this fingerprint, or says why not.
  Lookup Begin(const std::string& key, const crypto::Hash& fingerprint, std::int64_t now_micros);
  // The answer to the claimed request: kept, unless it means "try later".
  void Finish(const std::string& key, const HttpResponse& response);
  // The claimed request had no answer (the server stopped): the key is free again.
  void Forget(const std::string& key);

  std::size_t size() const;

 private:
  struct Entry {
    crypto::Hash fingerprint;
    std::int64_t created_micros = 0;
    bool answered = false;
    HttpResponse response;
  };
  void DropOld(std::int64_t now_micros);
  void EraseLocked(std::unordered_map<std::string, Entry>::iterator entry);

  const IdempotencyOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;                   // guarded by mutex_
  std::deque<std::pair<std::int64_t, std::string>> creation_order_;  // guarded by mutex_
  std::size_t body_size_bytes_ = 0;                                  // guarded by mutex_
};

// Whether a client's Idempotency-Key is acceptable: 1 to 255 visible ASCII characters.
bool ValidIdempotencyKey(std::string_view key);

}  // namespace nuri::api
