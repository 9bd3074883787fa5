// Pkcs11Module and Pkcs11Session: the little of PKCS#11 (Cryptoki 2.40) that the HSM sealer
// (pkcs11_sealer.h) needs, each failed call turned into a Status naming the call and its CKR_ code.
//
// A module is a shared library, SoftHSM2's or an HSM vendor's, loaded with dlopen(). PKCS#11 keeps
// one initialization per module and process, so this file counts a module's users process-wide:
// the first initializes it, with CKF_OS_LOCKING_OK, and the last finalizes it, unless something
// else in the process had initialized it first, in which case it is left as it was found.
//
// A Pkcs11Module is thread-safe. A Pkcs11Session is not: PKCS#11 lets one thread at a time use a
// session, and each session has at most one operation under way.
#pragma once

#include <p11-kit/pkcs11.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace nuri::wallet {

// PKCS#11 3.0's answer to an AEAD tag that does not verify; the 2.40 header lacks it.
inline constexpr CK_RV kCkrAeadDecryptFailed = 0x35;

// "C_Login: CKR_PIN_INCORRECT"; a code that PKCS#11 2.40 does not name is given in hex.
std::string DescribePkcs11Failure(std::string_view call, CK_RV rv);

// The Status of a call that failed with `rv`: Unavailable when the device, the token or the
// session is gone (a restart of the node after the HSM's may cure it), Internal otherwise.
base::Status Pkcs11Failure(std::string_view call, CK_RV rv);

class Pkcs11Module {
 public:
  // Loads and initializes the module at the absolute path `path`. NotFound: no file there.
  // InvalidArgument: a relative path (a module is loaded from the file named, never looked for on
  // the library search path), or a file that does not load or is no PKCS#11 module.
  static base::Result<std::shared_ptr<const Pkcs11Module>> Load(const std::string& path);
  ~Pkcs11Module();
  Pkcs11Module(const Pkcs11Module&) = delete;
  Pkcs11Module& operator=(const Pkcs11Module&) = delete;

  // The module's entry points. Valid while this object lives.
  const CK_FUNCTION_LIST& functions() const { return *functions_; }

  // The slot of the one present token labelled `label` (its label without the blank padding).
  // NotFound when there is none; InvalidArgument when several tokens carry the label.
  base::Result<CK_SLOT_ID> FindToken(std::string_view label) const;

 private:
  Pkcs11Module(void* library, CK_FUNCTION_LIST* functions)
      : library_(library), functions_(functions) {}

  void* const library_;  // the dlopen() handle
  CK_FUNCTION_LIST* const functions_;
};

class Pkcs11Session {
 public:
  // Opens a session with the token in `slot`; one that will create token objects is read-write.
  static base::Result<std::unique_ptr<Pkcs11Session>> Open(
      std::shared_ptr<const Pkcs11Module> module, CK_SLOT_ID slot, bool read_write);
  // Closes the session; the process's login to the token ends with its last session.
  ~Pkcs11Session();
  Pkcs11Session(const Pkcs11Session&) = delete;
  Pkcs11Session& operator=(const Pkcs11Session&) = delete;

  // Logs the process in to the token as its user. A login is the process's, shared by all its
  // sessions with the token: when the process is logged in already, `pin` is not checked again.
  // PermissionDenied: the token refuses the PIN (wrong, locked, expired). The PIN is copied only
  // for the call and the copy wiped after it; the caller wipes its own.
  base::Status LogIn(std::string_view pin);

  // The secret keys labelled `label` that the session can see.
  base::Result<std::vector<CK_OBJECT_HANDLE>> FindSecretKeys(std::string_view label);

  // An attribute of `object` held in a CK_ULONG or a CK_BBOOL (CKA_VALUE_LEN, CKA_SENSITIVE...).
  base::Result<CK_ULONG> NumberAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  base::Result<bool> BoolAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);

  const CK_FUNCTION_LIST& functions() const { return module_->functions(); }
  CK_SESSION_HANDLE handle() const { return handle_; }

 private:
  Pkcs11Session(std::shared_ptr<const Pkcs11Module> module, CK_SESSION_HANDLE handle)
      : module_(std::move(module)), handle_(handle) {}

  const std::shared_ptr<const Pkcs11Module> module_;  // outlives the session
  const CK_SESSION_HANDLE handle_;
};

}  // namespace nuri::wallet
