// Pkcs11Module and Pkcs11Session: the little of PKCS#11 (Cryptoki 2.40) that the HSM sealer
// (pkcs11_sealer.h) needs, each failed call turned into a Status naming the call and its CKR_ code.
//
// A module is a shared library, SoftHSM2's or an HSM vendor's, loaded with dlopen(). PKCS#11 keeps
// one initialization per module and process, so this file counts a module's users process-wide:
// the first initializes it, with CKF_OS_LOCKING_OK, and the last finalizes it, unless something
// else in the process had initialized it first, in which case it is left as it was found. A login
// is the process's too: this file also keeps, per token, its open sessions and a keyed digest of
// the PIN that logged the process in, so that a later login is checked against it.
//
// This header does not include <p11-kit/pkcs11.h>: in its default (compatible) mode that header
// leaves macros such as `iv_len`, `tag_bits`, `public_data` and `hash_alg` defined, which would
// rename those words in every file that includes this one. Cryptoki's handles and codes are plain
// unsigned longs (the aliases below; pkcs11_module.cc checks they are the header's types); the
// .cc files that call the module include <p11-kit/pkcs11.h> themselves, after everything else.
//
// A Pkcs11Module is thread-safe. A Pkcs11Session is not: PKCS#11 lets one thread at a time use a
// session, and each session has at most one operation under way.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

// CK_FUNCTION_LIST: the name <p11-kit/pkcs11.h> gives the struct in its default mode.
struct _CK_FUNCTION_LIST;

namespace nuri::wallet {

using Pkcs11ReturnValue = unsigned long;    // CK_RV
using Pkcs11SlotId = unsigned long;         // CK_SLOT_ID
using Pkcs11ObjectHandle = unsigned long;   // CK_OBJECT_HANDLE
using Pkcs11AttributeType = unsigned long;  // CK_ATTRIBUTE_TYPE

// PKCS#11 3.0's answer to an AEAD tag that does not verify; the 2.40 header lacks it.
inline constexpr Pkcs11ReturnValue kCkrAeadDecryptFailed = 0x42;

// "C_Login: CKR_PIN_INCORRECT"; a code that PKCS#11 2.40 does not name is given in hex.
std::string DescribePkcs11Failure(std::string_view call, Pkcs11ReturnValue rv);

// The Status of a call that failed with `rv`: Unavailable when the device, the token or the
// session is gone (a restart of the node after the HSM's may cure it), Internal otherwise.
base::Status Pkcs11Failure(std::string_view call, Pkcs11ReturnValue rv);

// Whether C_Decrypt's `rv` says that an AEAD tag does not verify (the value was altered, or sealed
// under another key or for other additional data), rather than that the token failed: PKCS#11
// 2.40's CKR_ENCRYPTED_DATA_INVALID or CKR_ENCRYPTED_DATA_LEN_RANGE, 3.0's CKR_AEAD_DECRYPT_FAILED,
// and CKR_GENERAL_ERROR from a module known to report tag failures so
// (`general_error_means_tag_failure`, see Pkcs11Module).
bool DecryptFailsItsTag(Pkcs11ReturnValue rv, bool general_error_means_tag_failure);

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
  const _CK_FUNCTION_LIST& functions() const { return *functions_; }

  // CK_INFO's manufacturerID, without its blank padding: "SoftHSM" for SoftHSM2.
  const std::string& manufacturer() const { return manufacturer_; }

  // Whether C_Decrypt answers a GCM tag that does not verify with CKR_GENERAL_ERROR: SoftHSM2
  // (2.6) does, as it answers so any failure of its crypto backend's decryption. From any other
  // module that code is a failure of the token, never counted as tampering.
  bool reports_tag_failure_as_general_error() const;

  // The slot of the one present token labelled `label` (its label without the blank padding).
  // NotFound when there is none; InvalidArgument when several tokens carry the label.
  base::Result<Pkcs11SlotId> FindToken(std::string_view label) const;

 private:
  friend class Pkcs11Session;  // keys its sessions and login in the registry by library_

  Pkcs11Module(void* library, _CK_FUNCTION_LIST* functions, std::string manufacturer)
      : library_(library), functions_(functions), manufacturer_(std::move(manufacturer)) {}

  void* const library_;  // the dlopen() handle
  _CK_FUNCTION_LIST* const functions_;
  const std::string manufacturer_;
};

class Pkcs11Session {
 public:
  // Opens a session with the token in `slot`; one that will create token objects is read-write.
  static base::Result<std::unique_ptr<Pkcs11Session>> Open(
      std::shared_ptr<const Pkcs11Module> module, Pkcs11SlotId slot, bool read_write);
  // Closes the session; the process's login to the token ends with its last session.
  ~Pkcs11Session();
  Pkcs11Session(const Pkcs11Session&) = delete;
  Pkcs11Session& operator=(const Pkcs11Session&) = delete;

  // Logs the process in to the token as its user. A login is the process's, shared by all its
  // sessions with the token, and the token does not check the PIN of a process logged in already:
  // this function does, against a keyed digest of the PIN of the first login (the key random per
  // process), so that a second sealer with a wrong PIN is refused too.
  // PermissionDenied: the token refuses the PIN (wrong, locked, expired); or the process is logged
  // in already with another PIN, or by something other than this file, whose PIN it cannot check.
  // The PIN is copied only for the call and the copy wiped after it; the caller wipes its own.
  base::Status LogIn(std::string_view pin);

  // Whether the process is logged in to the session's token as its user (C_GetSessionInfo).
  base::Result<bool> IsLoggedIn() const;

  // The secret keys labelled `label` that the session can see.
  base::Result<std::vector<Pkcs11ObjectHandle>> FindSecretKeys(std::string_view label);

  // An attribute of `object` held in a CK_ULONG or a CK_BBOOL (CKA_VALUE_LEN, CKA_SENSITIVE...).
  base::Result<unsigned long> NumberAttribute(Pkcs11ObjectHandle object, Pkcs11AttributeType type);
  base::Result<bool> BoolAttribute(Pkcs11ObjectHandle object, Pkcs11AttributeType type);

  const Pkcs11Module& module() const { return *module_; }
  const _CK_FUNCTION_LIST& functions() const { return module_->functions(); }
  unsigned long handle() const { return handle_; }  // its CK_SESSION_HANDLE

 private:
  Pkcs11Session(std::shared_ptr<const Pkcs11Module> module, Pkcs11SlotId slot, unsigned long handle)
      : module_(std::move(module)), slot_(slot), handle_(handle) {}

  const std::shared_ptr<const Pkcs11Module> module_;  // outlives the session
  const Pkcs11SlotId slot_;
  const unsigned long handle_;
};

}  // namespace nuri::wallet
