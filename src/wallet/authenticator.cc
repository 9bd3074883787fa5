#include "wallet/authenticator.h"

#include <sodium.h>

#include <algorithm>
#include <functional>

#include "codec/codec.h"
#include "crypto/hash.h"
#include "wallet/password.h"
#include "wallet/totp.h"

namespace nuri::wallet {

namespace {

constexpr std::uint8_t kLoginRecordVersion = 1;
constexpr std::size_t kSessionTokenSizeBytes = 32;
constexpr std::string_view kWrongCredentials = "wrong account, password or code";

std::string RecordKey(const core::AccountId& account) { return "wallet-login/" + account.str(); }
constexpr std::string_view kDecoyRecordKey = "wallet-login-decoy";
// Accounts without a wallet whose failures are remembered, at most.
constexpr std::size_t kRecordsWithoutWalletMax = 100'000;

std::string TokenDigest(std::string_view token) { return std::string(crypto::Sha256(token).view()); }

Refusal Wrong() { return Refusal{Refusal::Kind::kWrongCredentials, 0, std::string(kWrongCredentials)}; }

Refusal Failed(const base::Status& status) {
  return Refusal{Refusal::Kind::kFailed, 0, status.ToString()};
}

}  // namespace

Authenticator::Authenticator(WalletDirectory wallets, const Sealer& sealer,
                             storage::KvStore& store, const base::Clock& clock,
                             AuthenticatorOptions options)
    : wallets_(std::move(wallets)),
      sealer_(sealer),
      store_(store),
      clock_(clock),
      options_(options) {
  // The decoy hash is made now, not on a stranger's first request.
  SpendPasswordCheckTime("");
}

std::mutex& Authenticator::AccountMutex(const core::AccountId& account) {
  return account_mutexes_[std::hash<std::string>()(account.str()) % account_mutexes_.size()];
}

base::Result<Authenticator::LoginRecord> Authenticator::ReadRecord(
    const core::AccountId& account, const WalletCredential* credential) {
  if (credential == nullptr) {
    std::lock_guard lock(records_mutex_);
    const auto it = records_without_wallet_.find(account.str());
    return it == records_without_wallet_.end() ? LoginRecord{} : it->second;
  }
  LoginRecord record;
  record.enrolment = credential->enrolment;
  auto bytes = store_.Get(RecordKey(account));
  if (!bytes) {
    if (bytes.error().code() == base::StatusCode::kNotFound) return record;
    return base::Error(bytes.error());
  }
  codec::Reader reader(*bytes);
  if (reader.GetU8("version") != kLoginRecordVersion) reader.Fail("unknown login record version");
  LoginRecord stored;
  stored.enrolment = reader.GetBytes(64, "enrolment");
  stored.failures = reader.GetU32("failures");
  stored.locked_until_millis = reader.GetI64("locked_until");
  stored.last_step = reader.GetU64("last_step");
  if (base::Status status = reader.Finish(); !status.ok()) {
    return base::Error(base::Status::Corruption("login record of " + account.str() + ": " +
                                                status.message()));
  }
  if (stored.enrolment == credential->enrolment) return stored;
  // A new enrolment starts afresh: new password, new secret, nothing to hold against it. The
  // last step stays: steps only grow with time, and should an earlier enrolment come back, its
  // codes already used stay used.
  record.last_step = stored.last_step;
  return record;
}

base::Status Authenticator::WriteRecord(const core::AccountId& account, bool has_wallet,
                                        const LoginRecord& record) {
  codec::Writer writer;
  writer.PutU8(kLoginRecordVersion);
  writer.PutBytes(record.enrolment);
  writer.PutU32(record.failures);
  writer.PutI64(record.locked_until_millis);
  writer.PutU64(record.last_step);
  storage::WriteBatch batch;
  if (has_wallet) {
    batch.Put(RecordKey(account), writer.Take());
  } else {
    // An account without a wallet here is counted in memory, so that strangers' guesses fill no
    // disk; the same synced write is made anyway, so that the answer takes as long.
    std::lock_guard lock(records_mutex_);
    if (records_without_wallet_.size() >= kRecordsWithoutWalletMax) {
      records_without_wallet_.clear();
    }
    records_without_wallet_[account.str()] = record;
    batch.Put(kDecoyRecordKey, writer.Take());
  }
  std::lock_guard lock(store_mutex_);
  return store_.Write(batch, true);
}

Attempt<void> Authenticator::Judge(const core::AccountId& account,
                                   const WalletCredential* credential,
                                   std::optional<std::string_view> password,
                                   std::string_view totp) {
  const std::int64_t now = clock_.NowMillis();
  auto record = ReadRecord(account, credential);
  if (!record) return std::unexpected(Failed(record.error()));
  // Nothing is checked while locked: a guess made then tells nothing.
  if (record->locked_until_millis > now) {
    return std::unexpected(Refusal{Refusal::Kind::kLocked, record->locked_until_millis - now,
                                   "the wallet is locked after repeated failures"});
  }
  bool password_ok = !password.has_value();
  std::optional<std::uint64_t> step;
  if (credential == nullptr) {
    if (password) SpendPasswordCheckTime(*password);
  } else {
    if (password) password_ok = PasswordMatches(credential->password_hash, *password);
    auto secret = OpenTotpSecret(*credential, sealer_);
    if (!secret) return std::unexpected(Failed(secret.error()));
    step = MatchTotp(*secret, totp, now / 1000);
    sodium_memzero(secret->data(), secret->size());
  }
  const bool code_ok = step.has_value() && *step > record->last_step;
  const bool accepted = credential != nullptr && password_ok && code_ok;
  if (accepted) {
    record->failures = 0;
    record->locked_until_millis = 0;
    record->last_step = *step;
  } else {
    record->failures += 1;
    if (record->failures >= kFailuresBeforeLock) {
      const std::uint32_t doublings =
          std::min<std::uint32_t>(record->failures - kFailuresBeforeLock, 30);
      record->locked_until_millis =
          now + std::min(options_.lock_millis_max, options_.first_lock_millis << doublings);
    }
  }
  if (base::Status written = WriteRecord(account, credential != nullptr, *record);
      !written.ok()) {
    return std::unexpected(Failed(written));
  }
  if (!accepted) return std::unexpected(Wrong());
  return {};
}

Attempt<std::string> Authenticator::Login(std::string_view account, std::string_view password,
                                          std::string_view totp) {
  auto id = core::AccountId::Parse(account);
  if (!id) {
    // No wallet can have this name, and the caller can tell as much without asking.
    SpendPasswordCheckTime(password);
    return std::unexpected(Wrong());
  }
  std::lock_guard lock(AccountMutex(*id));
  auto credential = wallets_.Load(*id);
  if (!credential && credential.error().code() != base::StatusCode::kNotFound) {
    return std::unexpected(Failed(credential.error()));
  }
  // An account without a wallet is judged, counted and locked like one with a wallet whose
  // password is wrong: no answer tells them apart.
  auto judged = Judge(*id, credential ? &*credential : nullptr, password, totp);
  if (!judged) return std::unexpected(judged.error());
  return NewSession(*credential);
}

std::string Authenticator::NewSession(const WalletCredential& credential) {
  std::string bytes(kSessionTokenSizeBytes, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  std::string token(sodium_base64_ENCODED_LEN(bytes.size(),
                                              sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
  sodium_bin2base64(token.data(), token.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  token.resize(token.find('\0'));
  const std::int64_t now = clock_.NowMillis();
  std::lock_guard lock(sessions_mutex_);
  // Ended sessions are swept as new ones begin, so the table holds about the live ones.
  std::erase_if(sessions_, [&](const auto& entry) {
    return entry.second.info.expires_millis <= now ||
           entry.second.info.created_millis + options_.session_lifetime_millis <= now;
  });
  sessions_[TokenDigest(token)] = StoredSession{
      SessionInfo{credential.account, now, now + options_.session_idle_millis},
      credential.enrolment};
  return token;
}

std::optional<SessionInfo> Authenticator::Session(std::string_view token) {
  return FindSession(token, /*keep_alive=*/true);
}

std::optional<SessionInfo> Authenticator::PeekSession(std::string_view token) {
  return FindSession(token, /*keep_alive=*/false);
}

std::optional<SessionInfo> Authenticator::FindSession(std::string_view token, bool keep_alive) {
  const std::string digest = TokenDigest(token);
  StoredSession session;
  {
    std::lock_guard lock(sessions_mutex_);
    const auto it = sessions_.find(digest);
    if (it == sessions_.end()) return std::nullopt;
    const std::int64_t now = clock_.NowMillis();
    if (it->second.info.expires_millis <= now ||
        it->second.info.created_millis + options_.session_lifetime_millis <= now) {
      sessions_.erase(it);
      return std::nullopt;
    }
    if (keep_alive) {
      it->second.info.expires_millis =
          std::min(now + options_.session_idle_millis,
                   it->second.info.created_millis + options_.session_lifetime_millis);
    }
    session = it->second;
  }
  auto credential = wallets_.Load(session.info.account);
  if (!credential || credential->enrolment != session.enrolment) {
    Logout(token);
    return std::nullopt;
  }
  return session.info;
}

bool Authenticator::Logout(std::string_view token) {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.erase(TokenDigest(token)) > 0;
}

Attempt<void> Authenticator::StepUp(const core::AccountId& account, std::string_view totp) {
  std::lock_guard lock(AccountMutex(account));
  auto credential = wallets_.Load(account);
  if (!credential) return std::unexpected(Failed(credential.error()));
  return Judge(account, &*credential, std::nullopt, totp);
}

base::Result<crypto::SecretKey> Authenticator::SigningKey(const core::AccountId& account) const {
  auto credential = wallets_.Load(account);
  if (!credential) return base::Error(credential.error());
  return OpenSigningKey(*credential, sealer_);
}

}  // namespace nuri::wallet
