#include "wallet/pkcs11_sealer.h"

#include <sodium.h>

#include <type_traits>
#include <utility>

#include "base/check.h"
#include "wallet/pkcs11_module.h"

// Last, as its compatibility macros rename words (iv_len, tag_bits...) in whatever follows it.
#include <p11-kit/pkcs11.h>

namespace nuri::wallet {

namespace {

static_assert(std::is_same_v<CK_OBJECT_HANDLE, unsigned long>,
              "pkcs11_sealer.h keeps the key's handle as an unsigned long");
static_assert(std::is_same_v<CK_SLOT_ID, unsigned long>,
              "pkcs11_sealer.h keeps the token's slot as an unsigned long");

// A sealed value (docs/formats/wallet.md, "Sealed in an HSM"):
//   u8 format (1: AES-256-GCM) · 12 bytes IV · ciphertext, as long as the plaintext · 16 bytes tag
// GCM's additional data is the format byte followed by the associated data, so that a value
// cannot be read as another format's.
constexpr unsigned char kFormatAesGcm = 1;  // persisted: a format's number is never reused
constexpr std::size_t kFormatSizeBytes = 1;
constexpr std::size_t kIvSizeBytes = 12;
constexpr std::size_t kHeaderSizeBytes = kFormatSizeBytes + kIvSizeBytes;
constexpr std::size_t kTagSizeBytes = 16;
constexpr std::size_t kOverheadSizeBytes = kHeaderSizeBytes + kTagSizeBytes;

constexpr CK_ULONG kKeySizeBytes = 32;               // AES-256
constexpr std::size_t kTokenLabelSizeBytesMax = 32;  // CK_TOKEN_INFO's label
// Every login, enrolment and wallet payment seals or opens. An HSM across the network spends most
// of an operation's time on the wire, so a few sessions let a few operations overlap; HSMs cap the
// sessions of a client, so only a few.
constexpr std::size_t kSessionsPerSealer = 4;

base::Status CheckConfig(const Pkcs11Config& config) {
  if (config.token_label.empty() || config.token_label.size() > kTokenLabelSizeBytesMax) {
    return base::Status::InvalidArgument("a PKCS#11 token label has 1 to 32 bytes, not " +
                                         std::to_string(config.token_label.size()));
  }
  if (config.key_label.empty()) {
    return base::Status::InvalidArgument("the PKCS#11 sealing key's label is empty");
  }
  return base::Status::Ok();
}

// A session with the configured token, logged in as its user, and what it was opened with.
struct LoggedIn {
  std::shared_ptr<const Pkcs11Module> module;
  CK_SLOT_ID slot = 0;
  std::unique_ptr<Pkcs11Session> session;
};

base::Result<LoggedIn> LogIn(const Pkcs11Config& config, std::string_view pin, bool read_write) {
  if (base::Status valid = CheckConfig(config); !valid.ok()) return base::Error(valid);
  auto module = Pkcs11Module::Load(config.module_path);
  if (!module) return base::Error(module.error());
  auto slot = (*module)->FindToken(config.token_label);
  if (!slot) return base::Error(slot.error());
  auto session = Pkcs11Session::Open(*module, *slot, read_write);
  if (!session) return base::Error(session.error());
  if (base::Status in = (*session)->LogIn(pin); !in.ok()) return base::Error(in);
  return LoggedIn{*std::move(module), *slot, *std::move(session)};
}

// What the sealing key must be besides a 256-bit AES key, as CreateKey makes it: kept on the
// token, its value never out of it, and allowed to seal and open. A key made otherwise (by hand,
// with another tool) would let the wallets' secrets be read off the token, or not be there at all
// after a restart.
struct RequiredFlag {
  CK_ATTRIBUTE_TYPE type;
  bool value;
  std::string_view meaning;
};
constexpr RequiredFlag kSealingKeyFlags[] = {
    {CKA_TOKEN, true, "is not kept on the token (CKA_TOKEN false)"},
    {CKA_SENSITIVE, true, "is not sensitive (CKA_SENSITIVE false)"},
    {CKA_EXTRACTABLE, false, "is extractable (CKA_EXTRACTABLE true)"},
    {CKA_ENCRYPT, true, "may not encrypt (CKA_ENCRYPT false)"},
    {CKA_DECRYPT, true, "may not decrypt (CKA_DECRYPT false)"},
};

// Whether `key` (labelled `quoted`) is fit to seal with: InvalidArgument when it is not.
base::Status CheckSealingKey(Pkcs11Session& session, CK_OBJECT_HANDLE key,
                             const std::string& quoted) {
  auto type = session.NumberAttribute(key, CKA_KEY_TYPE);
  if (!type) return type.error();
  auto size = session.NumberAttribute(key, CKA_VALUE_LEN);
  if (!size) return size.error();
  if (*type != CKK_AES || *size != kKeySizeBytes) {
    return base::Status::InvalidArgument("the secret key labelled " + quoted +
                                         " is not a 256-bit AES key");
  }
  for (const RequiredFlag& flag : kSealingKeyFlags) {
    auto value = session.BoolAttribute(key, flag.type);
    if (!value) return value.error();
    if (*value != flag.value) {
      return base::Status::InvalidArgument("the secret key labelled " + quoted + " " +
                                           std::string(flag.meaning) +
                                           ": a sealing key is made with `nuri wallet hsm-key`");
    }
  }
  return base::Status::Ok();
}

// The one secret key labelled `label`, if it is fit to seal with (CheckSealingKey).
base::Result<CK_OBJECT_HANDLE> FindSealingKey(Pkcs11Session& session, std::string_view label) {
  const std::string quoted = "'" + std::string(label) + "'";
  auto keys = session.FindSecretKeys(label);
  if (!keys) return base::Error(keys.error());
  if (keys->empty()) {
    return base::Error(
        base::Status::NotFound("no secret key labelled " + quoted + " on the PKCS#11 token"));
  }
  if (keys->size() > 1) {
    return base::Error(base::Status::InvalidArgument(
        std::to_string(keys->size()) + " secret keys are labelled " + quoted +
        " on the PKCS#11 token; the sealing key's label must be its own"));
  }
  const CK_OBJECT_HANDLE key = keys->front();
  if (base::Status fit = CheckSealingKey(session, key, quoted); !fit.ok()) {
    return base::Error(fit);
  }
  return key;
}

// AES-GCM's parameters for `iv` (kIvSizeBytes) and `additional`; they point into both.
CK_GCM_PARAMS GcmParameters(unsigned char* iv, std::string& additional) {
  CK_GCM_PARAMS parameters{};
  parameters.pIv = iv;
  parameters.ulIvLen = kIvSizeBytes;
  parameters.ulIvBits = kIvSizeBytes * 8;
  parameters.pAAD = reinterpret_cast<CK_BYTE*>(additional.data());
  parameters.ulAADLen = additional.size();
  parameters.ulTagBits = kTagSizeBytes * 8;
  return parameters;
}

// Runs C_Encrypt or C_Decrypt (`call`) into `output`, resized to what was written. A module that
// wants a larger buffer than GCM needs is given one: the operation it leaves under way would
// otherwise block the session for good.
template <typename Call>
CK_RV RunToEnd(Call call, std::string& output) {
  CK_ULONG size = output.size();
  CK_RV rv = call(reinterpret_cast<CK_BYTE*>(output.data()), &size);
  if (rv == CKR_BUFFER_TOO_SMALL) {
    output.resize(size);
    rv = call(reinterpret_cast<CK_BYTE*>(output.data()), &size);
  }
  if (rv == CKR_OK) output.resize(size);
  return rv;
}

// PKCS#11 declares inputs as pointers to non-const, and never writes them. An empty input is
// given a pointer that is not null all the same: SoftHSM2 answers a null pData with
// CKR_ARGUMENTS_BAD, whatever its length.
CK_BYTE* Input(std::string_view bytes) {
  static CK_BYTE no_bytes[1] = {0};  // read by nobody: the length given with it is 0
  if (bytes.empty()) return no_bytes;
  return reinterpret_cast<CK_BYTE*>(const_cast<char*>(bytes.data()));
}

}  // namespace

Pkcs11Sealer::Pkcs11Sealer(std::shared_ptr<const Pkcs11Module> module, unsigned long slot,
                           SessionPool sessions, unsigned long key)
    : module_(std::move(module)), slot_(slot), key_(key), idle_sessions_(std::move(sessions)) {
  NURI_CHECK(idle_sessions_.size() == kSessionsPerSealer);
}

Pkcs11Sealer::~Pkcs11Sealer() {
  std::lock_guard lock(sessions_mutex_);
  NURI_CHECK(idle_sessions_.size() == kSessionsPerSealer);
}

base::Result<std::unique_ptr<Pkcs11Sealer>> Pkcs11Sealer::FromToken(const Pkcs11Config& config,
                                                                    std::string_view pin) {
  auto logged_in = LogIn(config, pin, /*read_write=*/false);
  if (!logged_in) return base::Error(logged_in.error());
  auto key = FindSealingKey(*logged_in->session, config.key_label);
  if (!key) return base::Error(key.error());
  SessionPool sessions;
  sessions.push_back(std::move(logged_in->session));
  // Sessions opened after the login share it: PKCS#11 logs in the process, not the session.
  while (sessions.size() < kSessionsPerSealer) {
    auto session = Pkcs11Session::Open(logged_in->module, logged_in->slot, /*read_write=*/false);
    if (!session) return base::Error(session.error());
    sessions.push_back(*std::move(session));
  }
  return std::unique_ptr<Pkcs11Sealer>(
      new Pkcs11Sealer(std::move(logged_in->module), logged_in->slot, std::move(sessions), *key));
}

base::Status Pkcs11Sealer::CreateKey(const Pkcs11Config& config, std::string_view pin) {
  auto logged_in = LogIn(config, pin, /*read_write=*/true);
  if (!logged_in) return logged_in.error();
  Pkcs11Session& session = *logged_in->session;
  auto existing = session.FindSecretKeys(config.key_label);
  if (!existing) return existing.error();
  if (!existing->empty()) {
    return base::Status::AlreadyExists("a secret key labelled '" + config.key_label +
                                       "' is on the PKCS#11 token already");
  }
  CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_CLASS key_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_AES;
  CK_ULONG size = kKeySizeBytes;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  std::string label = config.key_label;
  CK_ATTRIBUTE key_template[] = {
      {CKA_CLASS, &key_class, sizeof(key_class)},
      {CKA_KEY_TYPE, &key_type, sizeof(key_type)},
      {CKA_VALUE_LEN, &size, sizeof(size)},
      {CKA_LABEL, label.data(), label.size()},
      {CKA_TOKEN, &yes, sizeof(yes)},      // kept on the token, not in this session
      {CKA_PRIVATE, &yes, sizeof(yes)},    // seen only after login
      {CKA_SENSITIVE, &yes, sizeof(yes)},  // its value never leaves the token in the clear
      {CKA_EXTRACTABLE, &no, sizeof(no)},  // nor wrapped under another key
      {CKA_ENCRYPT, &yes, sizeof(yes)},
      {CKA_DECRYPT, &yes, sizeof(yes)},
      {CKA_WRAP, &no, sizeof(no)},
      {CKA_UNWRAP, &no, sizeof(no)},
      {CKA_SIGN, &no, sizeof(no)},
      {CKA_VERIFY, &no, sizeof(no)},
      {CKA_DERIVE, &no, sizeof(no)},
  };
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  const CK_RV rv = session.functions().C_GenerateKey(session.handle(), &mechanism, key_template,
                                                     std::size(key_template), &key);
  if (rv != CKR_OK) return Pkcs11Failure("C_GenerateKey", rv);
  return base::Status::Ok();
}

// A session borrowed from the pool for one operation, given back when the borrower's scope ends,
// by a return or an exception alike, so that the pool never shrinks. Unless the operation
// succeeded (KeepSession), a fresh session goes back in its place: a failed C_Encrypt or
// C_Decrypt may leave its operation under way (SoftHSM2 does after CKR_ARGUMENTS_BAD), and the
// session would answer every later one with CKR_OPERATION_ACTIVE.
class Pkcs11Sealer::BorrowedSession {
 public:
  explicit BorrowedSession(const Pkcs11Sealer& sealer)
      : sealer_(sealer), session_(sealer.TakeSession()) {}
  ~BorrowedSession() {
    sealer_.ReturnSession(succeeded_ ? std::move(session_) : sealer_.Replace(std::move(session_)));
  }
  BorrowedSession(const BorrowedSession&) = delete;
  BorrowedSession& operator=(const BorrowedSession&) = delete;

  Pkcs11Session& session() { return *session_; }
  // Every call of the operation returned CKR_OK: none is left under way.
  void KeepSession() { succeeded_ = true; }

 private:
  const Pkcs11Sealer& sealer_;
  std::unique_ptr<Pkcs11Session> session_;
  bool succeeded_ = false;
};

std::unique_ptr<Pkcs11Session> Pkcs11Sealer::TakeSession() const {
  std::unique_lock lock(sessions_mutex_);
  session_returned_.wait(lock, [this] { return !idle_sessions_.empty(); });
  // The front: a pool that handed out the session returned last (LIFO) would give the same one
  // to every caller while it is quiet, so one bad session would fail them all.
  std::unique_ptr<Pkcs11Session> session = std::move(idle_sessions_.front());
  idle_sessions_.pop_front();
  return session;
}

void Pkcs11Sealer::ReturnSession(std::unique_ptr<Pkcs11Session> session) const {
  NURI_CHECK(session != nullptr);
  {
    std::lock_guard lock(sessions_mutex_);
    idle_sessions_.push_back(std::move(session));
  }
  session_returned_.notify_one();
}

std::unique_ptr<Pkcs11Session> Pkcs11Sealer::Replace(std::unique_ptr<Pkcs11Session> failed) const {
  // Opened before the failed session closes: the token ends the process's login with its last
  // session, and the PIN is not kept to log in again. The fresh session shares the login, unless
  // the token lost it (a restart), in which case every session of the sealer has lost it too.
  auto fresh = Pkcs11Session::Open(module_, slot_, /*read_write=*/false);
  if (!fresh) return failed;
  return *std::move(fresh);
}

template <typename Operation>
base::Result<std::string> Pkcs11Sealer::WithSession(Operation operation) const {
  BorrowedSession borrowed(*this);
  base::Result<std::string> result = operation(borrowed.session());
  if (result) borrowed.KeepSession();
  return result;
}

base::Result<std::string> Pkcs11Sealer::Seal(std::string_view plaintext,
                                             std::string_view associated) const {
  std::string header(kHeaderSizeBytes, '\0');
  header[0] = static_cast<char>(kFormatAesGcm);
  auto* iv = reinterpret_cast<unsigned char*>(header.data() + kFormatSizeBytes);
  randombytes_buf(iv, kIvSizeBytes);
  std::string additional = header.substr(0, kFormatSizeBytes) + std::string(associated);
  CK_GCM_PARAMS parameters = GcmParameters(iv, additional);
  CK_MECHANISM mechanism = {CKM_AES_GCM, &parameters, sizeof(parameters)};
  auto body = WithSession([&](Pkcs11Session& session) -> base::Result<std::string> {
    CK_RV rv = session.functions().C_EncryptInit(session.handle(), &mechanism, key_);
    if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_EncryptInit", rv));
    std::string ciphertext(plaintext.size() + kTagSizeBytes, '\0');
    rv = RunToEnd(
        [&](CK_BYTE* output, CK_ULONG* size) {
          return session.functions().C_Encrypt(session.handle(), Input(plaintext), plaintext.size(),
                                               output, size);
        },
        ciphertext);
    if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_Encrypt", rv));
    return ciphertext;
  });
  if (!body) return body;
  if (body->size() != plaintext.size() + kTagSizeBytes) {
    return base::Error(base::Status::Internal(
        "C_Encrypt: AES-GCM gave " + std::to_string(body->size()) + " bytes for " +
        std::to_string(plaintext.size()) + ", not the plaintext and a 16-byte tag"));
  }
  return header + *body;
}

base::Result<std::string> Pkcs11Sealer::Open(std::string_view sealed,
                                             std::string_view associated) const {
  if (sealed.size() < kOverheadSizeBytes) {
    return base::Error(base::Status::PermissionDenied("a sealed wallet secret is truncated"));
  }
  if (static_cast<unsigned char>(sealed[0]) != kFormatAesGcm) {
    return base::Error(base::Status::PermissionDenied(
        "a sealed wallet secret is not in the format of a PKCS#11 sealer: altered, or sealed by "
        "another kind of sealer"));
  }
  std::string iv(sealed.substr(kFormatSizeBytes, kIvSizeBytes));
  std::string additional =
      std::string(sealed.substr(0, kFormatSizeBytes)) + std::string(associated);
  CK_GCM_PARAMS parameters = GcmParameters(reinterpret_cast<unsigned char*>(iv.data()), additional);
  CK_MECHANISM mechanism = {CKM_AES_GCM, &parameters, sizeof(parameters)};
  const std::string_view ciphertext = sealed.substr(kHeaderSizeBytes);
  return WithSession([&](Pkcs11Session& session) -> base::Result<std::string> {
    CK_RV rv = session.functions().C_DecryptInit(session.handle(), &mechanism, key_);
    if (rv != CKR_OK) return base::Error(Pkcs11Failure("C_DecryptInit", rv));
    std::string plaintext(ciphertext.size(), '\0');
    rv = RunToEnd(
        [&](CK_BYTE* output, CK_ULONG* size) {
          return session.functions().C_Decrypt(session.handle(), Input(ciphertext),
                                               ciphertext.size(), output, size);
        },
        plaintext);
    if (rv == CKR_OK && plaintext.size() == ciphertext.size() - kTagSizeBytes) return plaintext;
    sodium_memzero(plaintext.data(), plaintext.size());
    if (rv == CKR_OK) {
      return base::Error(base::Status::Internal("C_Decrypt: AES-GCM gave " +
                                                std::to_string(plaintext.size()) + " bytes for " +
                                                std::to_string(ciphertext.size())));
    }
    if (!DecryptFailsItsTag(rv, module_->reports_tag_failure_as_general_error())) {
      return base::Error(Pkcs11Failure("C_Decrypt", rv));
    }
    return base::Error(base::Status::PermissionDenied(
        "a sealed wallet secret does not open: altered, moved, or sealed under another key (" +
        DescribePkcs11Failure("C_Decrypt", rv) + ")"));
  });
}

}  // namespace nuri::wallet
