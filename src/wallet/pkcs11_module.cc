#include "wallet/pkcs11_module.h"

#include <dlfcn.h>
#include <sodium.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "base/check.h"

// Last, as its compatibility macros rename words (iv_len, tag_bits...) in whatever follows it.
#include <p11-kit/pkcs11.h>

static_assert(std::is_same_v<CK_FUNCTION_LIST, _CK_FUNCTION_LIST>);
static_assert(std::is_same_v<CK_RV, nuri::wallet::Pkcs11ReturnValue>);
static_assert(std::is_same_v<CK_SLOT_ID, nuri::wallet::Pkcs11SlotId>);
static_assert(std::is_same_v<CK_OBJECT_HANDLE, nuri::wallet::Pkcs11ObjectHandle>);
static_assert(std::is_same_v<CK_ATTRIBUTE_TYPE, nuri::wallet::Pkcs11AttributeType>);
static_assert(std::is_same_v<CK_SESSION_HANDLE, unsigned long>);
static_assert(std::is_same_v<CK_ULONG, unsigned long>);

namespace nuri::wallet {

namespace {

// The return values a PKCS#11 2.40 module may give the calls made here, and a few more that
// help to read a vendor's answer.
constexpr std::pair<CK_RV, std::string_view> kReturnValueNames[] = {
    {CKR_OK, "CKR_OK"},
    {CKR_CANCEL, "CKR_CANCEL"},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
    {CKR_CANT_LOCK, "CKR_CANT_LOCK"},
    {CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY"},
    {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
    {CKR_ACTION_PROHIBITED, "CKR_ACTION_PROHIBITED"},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID"},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
    {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"},
    {CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE"},
    {CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED"},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
    {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
    {CKR_PIN_INVALID, "CKR_PIN_INVALID"},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
    {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
    {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
    {CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
    {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
    {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED"},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
    {CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "CKR_USER_ANOTHER_ALREADY_LOGGED_IN"},
    {CKR_RANDOM_NO_RNG, "CKR_RANDOM_NO_RNG"},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
    {CKR_FUNCTION_REJECTED, "CKR_FUNCTION_REJECTED"},
    {kCkrAeadDecryptFailed, "CKR_AEAD_DECRYPT_FAILED"},
};

// PKCS#11 keeps one initialization per module and process, so the count of a module's users is
// process-wide too: a sealer that finalized a module under another's feet would end the other's
// sessions and login. Keyed by the dlopen() handle, which is one for every path to a library.
struct ModuleUsers {
  int count = 0;
  bool finalize_when_unused = false;  // false when something else in the process initialized it
};

// A keyed digest of a PIN: enough to tell whether two PINs are the same, useless to guess one
// without the process's key.
using PinDigest = std::array<unsigned char, crypto_generichash_BYTES>;

// A token as this process uses it. The token checks the PIN of the first login only; the
// digest of that PIN lets LogIn check the PIN of every later one. The login ends with the
// process's last session with the token, and the digest with it.
struct TokenUse {
  int open_sessions = 0;
  std::optional<PinDigest> login_pin;
};

struct ModuleRegistry {
  std::mutex mutex;
  std::map<void*, ModuleUsers> users;                                       // guarded by mutex
  std::map<std::pair<void*, CK_SLOT_ID>, TokenUse> tokens;                  // guarded by mutex
  std::array<unsigned char, crypto_generichash_KEYBYTES> pin_digest_key{};  // random, then const
};

ModuleRegistry& Registry() {
  // Never destroyed, so that a sealer destroyed during static destruction still finds it.
  static ModuleRegistry* const registry = [] {
    NURI_CHECK(sodium_init() >= 0);  // idempotent: the key needs libsodium's generator
    auto* made = new ModuleRegistry();
    randombytes_buf(made->pin_digest_key.data(), made->pin_digest_key.size());
    return made;
  }();
  return *registry;
}

PinDigest DigestPin(const ModuleRegistry& registry, std::string_view pin) {
  PinDigest digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(pin.data()), pin.size(),
                     registry.pin_digest_key.data(), registry.pin_digest_key.size());
  return digest;
}

// Whether `pin` is the PIN that logged the process in to `token`: the token itself does not
// check the PIN of a process logged in already.
base::Status CheckPinOfLogin(const ModuleRegistry& registry, const TokenUse& token,
                             std::string_view pin) {
  if (!token.login_pin) {
    return base::Status::PermissionDenied(
        "the process is logged in to the PKCS#11 token by other code, so the PIN cannot be "
        "checked");
  }
  const PinDigest digest = DigestPin(registry, pin);
  if (sodium_memcmp(digest.data(), token.login_pin->data(), digest.size()) != 0) {
    return base::Status::PermissionDenied(
        "the PIN is not the one this process logged in to the PKCS#11 token with");
  }
  return base::Status::Ok();
}

// Counts one more user of the module, initializing it for the first.
base::Status AddUser(void* library, const CK_FUNCTION_LIST& functions) {
  ModuleRegistry& registry = Registry();
  std::lock_guard lock(registry.mutex);
  ModuleUsers& users = registry.users[library];
  if (users.count == 0) {
    CK_C_INITIALIZE_ARGS arguments{};
    // The module may lock with the OS's primitives: sealers call it from many threads.
    arguments.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = functions.C_Initialize(&arguments);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      registry.users.erase(library);
      return Pkcs11Failure("C_Initialize", rv);
    }
    users.finalize_when_unused = rv == CKR_OK;
  }
  users.count += 1;
  return base::Status::Ok();
}

// Counts one user less, finalizing the module after the last if this file initialized it.
void RemoveUser(void* library, const CK_FUNCTION_LIST& functions) {
  ModuleRegistry& registry = Registry();
  std::lock_guard lock(registry.mutex);
  auto users = registry.users.find(library);
  NURI_CHECK(users != registry.users.end());
  NURI_CHECK(users->second.count > 0);
  users->second.count -= 1;
  if (users->second.count > 0) return;
  // A failure to finalize leaves nothing to undo: the module is unused from here on.
  if (users->second.finalize_when_unused) (void)functions.C_Finalize(nullptr);
  registry.users.erase(users);
}

// A blank-padded field of CK_INFO or CK_TOKEN_INFO as it reads, without its padding.
template <std::size_t size>
std::string_view Unpadded(const unsigned char (&field)[size]) {
  std::string_view text(reinterpret_cast<const char*>(field), size);
  const std::size_t end = text.find_last_not_of(std::string_view(" \0", 2));
  return end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1);
}

// The slots that hold a token now.
base::Result<std::vector<CK_SLOT_ID>> SlotsWithTokens(const CK_FUNCTION_LIST& functions) {
  for (;;) {
    CK_ULONG count = 0;
    CK_RV rv = functions.C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_GetSlotList", rv));
    std::vector<CK_SLOT_ID> slots(count);
    rv = functions.C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;  // a token came between the two calls
    if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_GetSlotList", rv));
    slots.resize(count);
    return slots;
  }
}

}  // namespace

std::string DescribePkcs11Failure(std::string_view call, CK_RV rv) {
  for (const auto& [value, name] : kReturnValueNames) {
    if (value == rv) return std::string(call) + ": " + std::string(name);
  }
  char hex[24];
  std::snprintf(hex, sizeof(hex), "0x%lx", static_cast<unsigned long>(rv));
  return std::string(call) + ": CK_RV " + hex;
}

base::Status Pkcs11Failure(std::string_view call, CK_RV rv) {
  switch (rv) {
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_MEMORY:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_COUNT:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_FUNCTION_CANCELED:
      return base::Status::Unavailable(DescribePkcs11Failure(call, rv));
    default:
      return base::Status::Internal(DescribePkcs11Failure(call, rv));
  }
}

bool DecryptFailsItsTag(CK_RV rv, bool general_error_means_tag_failure) {
  switch (rv) {
    case CKR_ENCRYPTED_DATA_INVALID:    // 2.40
    case CKR_ENCRYPTED_DATA_LEN_RANGE:  // 2.40: shorter than a tag
    case kCkrAeadDecryptFailed:         // 3.0
      return true;
    case CKR_GENERAL_ERROR:
      return general_error_means_tag_failure;
    default:
      return false;
  }
}

base::Result<std::shared_ptr<const Pkcs11Module>> Pkcs11Module::Load(const std::string& path) {
  if (!std::filesystem::path(path).is_absolute()) {
    return base::Error(base::Status::InvalidArgument(
        "a PKCS#11 module is named by its absolute path, not " + path));
  }
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return base::Error(base::Status::NotFound("no PKCS#11 module at " + path));
  }
  void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    return base::Error(
        base::Status::InvalidArgument("cannot load the PKCS#11 module " + path + ": " + dlerror()));
  }
  auto fail = [library](base::Status status) {
    dlclose(library);
    return base::Error(std::move(status));
  };
  auto* get_function_list =
      reinterpret_cast<CK_C_GetFunctionList>(dlsym(library, "C_GetFunctionList"));
  if (get_function_list == nullptr) {
    return fail(
        base::Status::InvalidArgument(path + " is no PKCS#11 module: it has no C_GetFunctionList"));
  }
  CK_FUNCTION_LIST* functions = nullptr;
  const CK_RV rv = get_function_list(&functions);
  if (rv != CKR_OK) return fail(Pkcs11Failure("C_GetFunctionList", rv));
  if (functions == nullptr) {
    return fail(base::Status::InvalidArgument(path + " gives no PKCS#11 function list"));
  }
  if (base::Status added = AddUser(library, *functions); !added.ok()) return fail(added);
  CK_INFO info{};
  if (const CK_RV info_rv = functions->C_GetInfo(&info); info_rv != CKR_OK) {
    RemoveUser(library, *functions);
    return fail(Pkcs11Failure("C_GetInfo", info_rv));
  }
  return std::shared_ptr<const Pkcs11Module>(
      new Pkcs11Module(library, functions, std::string(Unpadded(info.manufacturerID))));
}

Pkcs11Module::~Pkcs11Module() {
  RemoveUser(library_, *functions_);
  dlclose(library_);
}

bool Pkcs11Module::reports_tag_failure_as_general_error() const {
  return manufacturer_ == "SoftHSM";
}

base::Result<Pkcs11SlotId> Pkcs11Module::FindToken(std::string_view label) const {
  auto slots = SlotsWithTokens(*functions_);
  if (!slots) return base::Error(slots.error());
  std::optional<CK_SLOT_ID> found;
  for (const CK_SLOT_ID slot : *slots) {
    CK_TOKEN_INFO info{};
    const CK_RV rv = functions_->C_GetTokenInfo(slot, &info);
    // A token taken out since the slots were listed is not the one looked for.
    if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) continue;
    if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_GetTokenInfo", rv));
    if (Unpadded(info.label) != label) continue;
    if (found) {
      return base::Error(base::Status::InvalidArgument("more than one PKCS#11 token is labelled '" +
                                                       std::string(label) + "'"));
    }
    found = slot;
  }
  if (!found) {
    return base::Error(
        base::Status::NotFound("no PKCS#11 token is labelled '" + std::string(label) + "'"));
  }
  return *found;
}

base::Result<std::unique_ptr<Pkcs11Session>> Pkcs11Session::Open(
    std::shared_ptr<const Pkcs11Module> module, CK_SLOT_ID slot, bool read_write) {
  const CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  ModuleRegistry& registry = Registry();
  // Under the registry's lock, so that the count of open sessions is the token's login state.
  std::lock_guard lock(registry.mutex);
  const CK_RV rv = module->functions().C_OpenSession(slot, flags, nullptr, nullptr, &handle);
  if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_OpenSession", rv));
  registry.tokens[{module->library_, slot}].open_sessions += 1;
  return std::unique_ptr<Pkcs11Session>(new Pkcs11Session(std::move(module), slot, handle));
}

Pkcs11Session::~Pkcs11Session() {
  ModuleRegistry& registry = Registry();
  std::lock_guard lock(registry.mutex);
  // Closing fails only for a session the token has dropped already.
  (void)functions().C_CloseSession(handle_);
  auto token = registry.tokens.find({module_->library_, slot_});
  NURI_CHECK(token != registry.tokens.end());
  NURI_CHECK(token->second.open_sessions > 0);
  token->second.open_sessions -= 1;
  // The token ends the login with the process's last session, so the PIN's digest goes too.
  if (token->second.open_sessions == 0) registry.tokens.erase(token);
}

base::Status Pkcs11Session::LogIn(std::string_view pin) {
  ModuleRegistry& registry = Registry();
  // Under the registry's lock, so that a login the token checks records its PIN before another
  // login finds the process logged in and compares with it.
  std::lock_guard lock(registry.mutex);
  // C_Login takes the PIN by a pointer to non-const, so it is given a copy, wiped right after.
  std::string copy(pin);
  const CK_RV rv = functions().C_Login(handle_, CKU_USER,
                                       reinterpret_cast<CK_UTF8CHAR*>(copy.data()), copy.size());
  sodium_memzero(copy.data(), copy.size());
  auto token = registry.tokens.find({module_->library_, slot_});
  NURI_CHECK(token != registry.tokens.end());  // Open counted this session
  switch (rv) {
    case CKR_OK:
      token->second.login_pin = DigestPin(registry, pin);
      return base::Status::Ok();
    case CKR_USER_ALREADY_LOGGED_IN:
      return CheckPinOfLogin(registry, token->second, pin);
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_EXPIRED:
    case CKR_PIN_LOCKED:
    case CKR_USER_PIN_NOT_INITIALIZED:
      return base::Status::PermissionDenied("the PKCS#11 token refuses the PIN (" +
                                            DescribePkcs11Failure("C_Login", rv) + ")");
    default:
      return Pkcs11Failure("C_Login", rv);
  }
}

base::Result<bool> Pkcs11Session::IsLoggedIn() const {
  CK_SESSION_INFO info{};
  const CK_RV rv = functions().C_GetSessionInfo(handle_, &info);
  if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_GetSessionInfo", rv));
  return info.state == CKS_RO_USER_FUNCTIONS || info.state == CKS_RW_USER_FUNCTIONS;
}

base::Result<std::vector<Pkcs11ObjectHandle>> Pkcs11Session::FindSecretKeys(
    std::string_view label) {
  CK_OBJECT_CLASS key_class = CKO_SECRET_KEY;
  std::string label_copy(label);  // a template's values are pointers to non-const
  CK_ATTRIBUTE pattern[] = {
      {CKA_CLASS, &key_class, sizeof(key_class)},
      {CKA_LABEL, label_copy.data(), label_copy.size()},
  };
  CK_RV rv = functions().C_FindObjectsInit(handle_, pattern, std::size(pattern));
  if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_FindObjectsInit", rv));
  std::vector<CK_OBJECT_HANDLE> keys;
  for (;;) {
    std::array<CK_OBJECT_HANDLE, 16> batch{};
    CK_ULONG count = 0;
    rv = functions().C_FindObjects(handle_, batch.data(), batch.size(), &count);
    if (rv != CKR_OK || count == 0) break;
    keys.insert(keys.end(), batch.begin(), batch.begin() + count);
  }
  // The search ends whether or not it went well, so that the session can search again.
  const CK_RV final_rv = functions().C_FindObjectsFinal(handle_);
  if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_FindObjects", rv));
  if (final_rv != CKR_OK) return base::Error(Pkcs11Failure("C_FindObjectsFinal", final_rv));
  return keys;
}

base::Result<unsigned long> Pkcs11Session::NumberAttribute(CK_OBJECT_HANDLE object,
                                                           CK_ATTRIBUTE_TYPE type) {
  CK_ULONG value = 0;
  CK_ATTRIBUTE attribute = {type, &value, sizeof(value)};
  const CK_RV rv = functions().C_GetAttributeValue(handle_, object, &attribute, 1);
  if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_GetAttributeValue", rv));
  return value;
}

base::Result<bool> Pkcs11Session::BoolAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_BBOOL value = CK_FALSE;
  CK_ATTRIBUTE attribute = {type, &value, sizeof(value)};
  const CK_RV rv = functions().C_GetAttributeValue(handle_, object, &attribute, 1);
  if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_GetAttributeValue", rv));
  return value == CK_TRUE;
}

}  // namespace nuri::wallet
