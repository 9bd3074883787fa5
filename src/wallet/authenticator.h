// Authenticator: lets an official into their custodial wallet with a password and a TOTP code,
// and keeps the sessions that follow.
//
// - A login needs the password and a code; both are checked every time, and a refusal never says
//   which was wrong, nor whether the account has a wallet here: an account without one is
//   counted and locked like one whose password is wrong, in memory (at most 100,000 of them),
//   with the same synced write so that its answer takes as long.
// - A code is accepted once: a code of a step at or before the last one accepted is refused,
//   even within its 90 seconds.
// - After kFailuresBeforeLock failures in a row (logins or step-ups), the wallet locks for a
//   minute, and each further failure after a lock doubles it, up to a day. A success resets the
//   count. While locked, nothing is checked.
// - A session is a random bearer token; the table keeps only its SHA-256. It ends after
//   `session_idle_millis` without use, after `session_lifetime_millis` in all, at logout, or when
//   the wallet is enrolled again.
// - A payment above the node's step-up amount needs a fresh code: StepUp.
//
// The login record of each wallet (failures, lock, last code's step) is kept in a store of the
// wallets' own under "wallet-login/<account>", written synced before an answer, so that a
// restart neither forgets a lock nor lets a used code in again. Sessions live in memory: a
// restart ends them.
//
// Thread-safe. Attempts on one account are serialized (the failure count and the last step are
// read and written as one); attempts on different accounts run in parallel.
#pragma once

#include <array>
#include <expected>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "core/ids.h"
#include "crypto/keys.h"
#include "storage/kv_store.h"
#include "wallet/credential.h"
#include "wallet/sealer.h"

namespace nuri::wallet {

inline constexpr int kFailuresBeforeLock = 5;

struct AuthenticatorOptions {
  std::int64_t first_lock_millis = 60'000;
  std::int64_t lock_millis_max = 24 * 3'600'000;
  std::int64_t session_idle_millis = 10 * 60'000;
  std::int64_t session_lifetime_millis = 12 * 3'600'000;
};

// Why a login or a step-up was refused. kWrongCredentials covers an unknown account, a wrong
// password and a wrong or used code alike.
struct Refusal {
  enum class Kind { kWrongCredentials, kLocked, kFailed };
  Kind kind = Kind::kWrongCredentials;
  std::int64_t retry_after_millis = 0;  // kLocked: until the lock ends
  std::string message;
};

template <typename T>
using Attempt = std::expected<T, Refusal>;

struct SessionInfo {
  core::AccountId account;
  std::int64_t created_millis = 0;
  std::int64_t expires_millis = 0;  // if not used again before then
};

class Authenticator {
 public:
  Authenticator(WalletDirectory wallets, const Sealer& sealer, storage::KvStore& store,
                const base::Clock& clock, AuthenticatorOptions options = {});
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // A new session's token.
  Attempt<std::string> Login(std::string_view account, std::string_view password,
                             std::string_view totp);
  // The session of a token, kept alive by the call; nullopt when there is none or it ended.
  std::optional<SessionInfo> Session(std::string_view token);
  // The same, without keeping it alive: for checks made on a session's behalf rather than by its
  // user (an open event stream's), which must not stretch it to its whole lifetime.
  std::optional<SessionInfo> PeekSession(std::string_view token);
  // Ends a session; false when there was none.
  bool Logout(std::string_view token);
  // A fresh code from the session's owner, for a payment above the step-up amount.
  Attempt<void> StepUp(const core::AccountId& account, std::string_view totp);
  // The wallet's signing key, to sign what its owner asked for in a session.
  base::Result<crypto::SecretKey> SigningKey(const core::AccountId& account) const;

 private:
  std::optional<SessionInfo> FindSession(std::string_view token, bool keep_alive);
  struct LoginRecord {
    std::string enrolment;  // the enrolment the record counts for
    std::uint32_t failures = 0;
    std::int64_t locked_until_millis = 0;
    std::uint64_t last_step = 0;  // of the last code accepted
  };
  struct StoredSession {
    SessionInfo info;
    std::string enrolment;
  };

  std::mutex& AccountMutex(const core::AccountId& account);
  // The login record of an account; `credential` null: the account has no wallet here.
  base::Result<LoginRecord> ReadRecord(const core::AccountId& account,
                                       const WalletCredential* credential);
  base::Status WriteRecord(const core::AccountId& account, bool has_wallet,
                           const LoginRecord& record);
  // Checks an attempt (the password unless nullopt, and the code), counts its outcome into the
  // account's record and writes it. The caller holds the account's mutex.
  Attempt<void> Judge(const core::AccountId& account, const WalletCredential* credential,
                      std::optional<std::string_view> password, std::string_view totp);
  std::string NewSession(const WalletCredential& credential);

  WalletDirectory wallets_;
  const Sealer& sealer_;
  storage::KvStore& store_;
  const base::Clock& clock_;
  AuthenticatorOptions options_;
  std::array<std::mutex, 64> account_mutexes_;
  std::mutex records_mutex_;
  std::map<std::string, LoginRecord> records_without_wallet_;  // guarded by records_mutex_
  std::mutex store_mutex_;  // the store takes one writer at a time
  std::mutex sessions_mutex_;
  std::map<std::string, StoredSession> sessions_;  // by the token's SHA-256; guarded
};

}  // namespace nuri::wallet
