// Signing a transaction for a node and submitting it: what `nuri tx` and `nuri wallet enroll` do.
#pragma once

#include <cstdint>
#include <optional>

#include "api/http_client.h"
#include "base/status.h"
#include "core/ids.h"
#include "core/transaction.h"
#include "core/time.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace nuri::cli {

struct SubmitOptions {
  std::optional<std::uint64_t> nonce;  // nullopt: a random one
  std::int64_t valid_for_seconds = 600;
  bool wait = true;  // answer once the transaction is final (up to 30 s)
};

struct Submitted {
  crypto::Hash id;
  core::TimeMillis valid_until = 0;
  // The node's answer, whatever its HTTP status; an error when there was none (the outcome is
  // then unknown: the transaction may still commit until valid_until).
  base::Result<api::HttpResponse> response;
};

// Reads the node's chain id and head time, signs the transaction with `key` for `signer` and
// posts it. Fails only when the node's status cannot be read (nothing was sent).
base::Result<Submitted> SignAndSubmit(api::HttpClient& client, const core::AccountId& signer,
                                      const crypto::SecretKey& key, core::Body body,
                                      const SubmitOptions& options);

// What a node's answer says of a transaction: final (ok, or rejected or refused), or not yet.
enum class Outcome { kCommittedOk, kNotCommitted, kUnknown };
Outcome OutcomeOf(const base::Result<api::HttpResponse>& response);
// Follows a submitted transaction until its outcome is certain: committed, refused, or not
// committed by the time the node's head passed its valid_until. kUnknown only when the node
// stays unreachable until a minute after valid_until.
Outcome AwaitOutcome(api::HttpClient& client, const Submitted& submitted);

}  // namespace nuri::cli
