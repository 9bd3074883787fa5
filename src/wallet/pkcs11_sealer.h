// Pkcs11Sealer: a Sealer whose key never leaves a hardware security module (HSM), reached through
// PKCS#11, for the banks and ministries that keep their keys in one.
//
// The key is an AES-256 secret key on a token, found by its label. An operator makes it once at
// setup with CreateKey: sensitive and not extractable, so the node can use it but never read it.
// Each value is sealed on the token with AES-256-GCM under a random IV, in a versioned format of
// its own (docs/formats/wallet.md, "Sealed in an HSM"); Open's error contract is FileKeySealer's.
//
// The node logs in to the token once, at FromToken, and stays logged in while the sealer lives.
// A token that restarts or is taken out ends the login: from then on Seal and Open fail, mostly
// with Unavailable, until the node makes a new sealer, since the PIN is not kept to log in again.
//
// Thread-safe once constructed. PKCS#11 sessions are not (one thread at a time, one operation at a
// time), so each Seal or Open borrows one of a few sessions for its calls, the one idle longest.
// A session whose operation failed may still have it under way, and would refuse every later one
// with CKR_OPERATION_ACTIVE: it is closed, and a fresh session, opened first so that the login
// lives on, takes its place.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "wallet/sealer.h"

namespace nuri::wallet {

class Pkcs11Module;
class Pkcs11Session;

struct Pkcs11Config {
  std::string module_path;  // absolute, e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token_label;  // as the token reports it, without its blank padding: 32 bytes at most
  std::string key_label;    // the CKA_LABEL of the AES-256 key
};

class Pkcs11Sealer final : public Sealer {
 public:
  // Loads the module, logs in to the token as its user with `pin`, and finds the key.
  // NotFound: no module at the path, no token or no secret key of the label.
  // InvalidArgument: the module path is relative or names no PKCS#11 module, a label is empty or
  // too long, two tokens or keys share the label, or the key is not what CreateKey makes: a
  // 256-bit AES key on the token, sensitive, not extractable, allowed to encrypt and decrypt.
  // PermissionDenied: the token refuses the PIN; or this process is logged in to the token already
  // (another Pkcs11Sealer on it) with another PIN.
  // Other failures of the token: Unavailable or Internal, naming the call and its CKR_ code.
  // The PIN is not kept: the copy given to the token is wiped after login; the caller wipes
  // its own.
  static base::Result<std::unique_ptr<Pkcs11Sealer>> FromToken(const Pkcs11Config& config,
                                                               std::string_view pin);

  // Makes the sealing key on the token, once at setup: AES-256, stored on the token, private,
  // sensitive and not extractable, allowed to encrypt and decrypt and nothing else.
  // AlreadyExists: a secret key of that label is on the token. Other errors as FromToken's.
  static base::Status CreateKey(const Pkcs11Config& config, std::string_view pin);

  // Closes the sessions: no Seal or Open may be under way.
  ~Pkcs11Sealer() override;
  Pkcs11Sealer(const Pkcs11Sealer&) = delete;
  Pkcs11Sealer& operator=(const Pkcs11Sealer&) = delete;

  // Unavailable or Internal when the token fails.
  base::Result<std::string> Seal(std::string_view plaintext,
                                 std::string_view associated) const override;
  // PermissionDenied when the value was altered, sealed under another key or for other associated
  // data; Unavailable or Internal when the token fails.
  base::Result<std::string> Open(std::string_view sealed,
                                 std::string_view associated) const override;

 private:
  using SessionPool = std::deque<std::unique_ptr<Pkcs11Session>>;  // the front idle longest
  class BorrowedSession;

  Pkcs11Sealer(std::shared_ptr<const Pkcs11Module> module, unsigned long slot, SessionPool sessions,
               unsigned long key);

  // Borrows a session, runs `operation` on it, and gives it back, or a fresh one in its place when
  // the operation failed or threw.
  template <typename Operation>
  base::Result<std::string> WithSession(Operation operation) const;

  // Waits for the session idle longest and takes it out of the pool.
  std::unique_ptr<Pkcs11Session> TakeSession() const;
  // Puts a session back in the pool, last, and wakes one waiting for it.
  void ReturnSession(std::unique_ptr<Pkcs11Session> session) const;
  // A fresh session in place of `failed`, closed after it is opened; `failed` itself when the
  // token opens none (the next operation on it fails, and tries again).
  std::unique_ptr<Pkcs11Session> Replace(std::unique_ptr<Pkcs11Session> failed) const;

  const std::shared_ptr<const Pkcs11Module> module_;
  const unsigned long slot_;  // the token's CK_SLOT_ID
  const unsigned long key_;   // the key's CK_OBJECT_HANDLE, valid in every session of the process
  mutable std::mutex sessions_mutex_;
  mutable std::condition_variable session_returned_;
  mutable SessionPool idle_sessions_;  // guarded by sessions_mutex_
};

}  // namespace nuri::wallet
