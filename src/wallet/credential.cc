#include "wallet/credential.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include <boost/json.hpp>

#include "base/files.h"
#include "base/hex.h"
#include "core/json.h"
#include "wallet/password.h"
#include "wallet/totp.h"

namespace nuri::wallet {

namespace json = boost::json;

namespace {

constexpr int kCredentialVersion = 1;
constexpr std::size_t kEnrolmentIdSizeBytes = 16;
constexpr std::size_t kCredentialSizeBytesMax = 16 * 1024;

std::string AssociatedData(const WalletCredential& credential, std::string_view purpose) {
  return "nuri-wallet-v1\n" + credential.account.str() + "\n" + credential.enrolment + "\n" +
         credential.public_key.ToText() + "\n" + std::string(purpose);
}

constexpr std::string_view kTotpPurpose = "totp-secret";
constexpr std::string_view kSigningKeyPurpose = "signing-key";

base::Result<std::string> StringField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) {
    return base::Error(
        base::Status::InvalidArgument("wallet credential: " + std::string(name) + " is missing"));
  }
  return std::string(value->get_string());
}

base::Result<std::string> HexField(const json::object& object, std::string_view name) {
  auto text = StringField(object, name);
  if (!text) return text;
  auto bytes = base::FromHex(*text);
  if (!bytes) {
    return base::Error(
        base::Status::InvalidArgument("wallet credential: " + std::string(name) + " is not hex"));
  }
  return *std::move(bytes);
}

}  // namespace

base::Result<Enrolment> Enrol(const core::AccountId& account, std::string_view password,
                              const Sealer& sealer, core::TimeMillis now) {
  if (base::Status policy = CheckPasswordPolicy(password); !policy.ok()) {
    return base::Error(std::move(policy));
  }
  Enrolment enrolment;
  WalletCredential& credential = enrolment.credential;
  credential.account = account;
  std::string id(kEnrolmentIdSizeBytes, '\0');
  randombytes_buf(id.data(), id.size());
  credential.enrolment = base::ToHex(id);
  credential.enrolled_at = now;
  const crypto::SecretKey key = crypto::SecretKey::Generate();
  credential.public_key = key.public_key();
  auto hash = HashPassword(password);
  if (!hash) return base::Error(hash.error());
  credential.password_hash = *std::move(hash);
  enrolment.totp_secret = NewTotpSecret();
  auto sealed_totp = sealer.Seal(enrolment.totp_secret, AssociatedData(credential, kTotpPurpose));
  if (!sealed_totp) return base::Error(sealed_totp.error());
  credential.sealed_totp_secret = *std::move(sealed_totp);
  std::string seed = key.seed();
  auto sealed_key = sealer.Seal(seed, AssociatedData(credential, kSigningKeyPurpose));
  sodium_memzero(seed.data(), seed.size());
  if (!sealed_key) return base::Error(sealed_key.error());
  credential.sealed_signing_key = *std::move(sealed_key);
  return enrolment;
}

base::Result<std::string> OpenTotpSecret(const WalletCredential& credential,
                                         const Sealer& sealer) {
  return sealer.Open(credential.sealed_totp_secret, AssociatedData(credential, kTotpPurpose));
}

base::Result<crypto::SecretKey> OpenSigningKey(const WalletCredential& credential,
                                               const Sealer& sealer) {
  auto seed = sealer.Open(credential.sealed_signing_key,
                          AssociatedData(credential, kSigningKeyPurpose));
  if (!seed) return base::Error(seed.error());
  if (seed->size() != crypto::kEd25519SeedSizeBytes) {
    return base::Error(base::Status::Corruption("a wallet's signing key has the wrong size"));
  }
  crypto::SecretKey key = crypto::SecretKey::FromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  if (key.public_key() != credential.public_key) {
    return base::Error(base::Status::Corruption("a wallet's signing key is not its public key's"));
  }
  return key;
}

std::string EncodeCredential(const WalletCredential& credential) {
  json::object file;
  file["format"] = "nuri-wallet";
  file["version"] = kCredentialVersion;
  file["account"] = credential.account.str();
  file["enrolment"] = credential.enrolment;
  file["enrolled_at"] = core::FormatKoreaTime(credential.enrolled_at);
  file["public_key"] = credential.public_key.ToText();
  file["password_hash"] = credential.password_hash;
  file["totp_secret"] = base::ToHex(credential.sealed_totp_secret);
  file["signing_key"] = base::ToHex(credential.sealed_signing_key);
  return json::serialize(file) + "\n";
}

base::Result<WalletCredential> DecodeCredential(std::string_view text) {
  if (text.size() > kCredentialSizeBytesMax) {
    return base::Error(base::Status::InvalidArgument("wallet credential: too large"));
  }
  auto parsed = core::ParseJsonText(text);
  if (!parsed || !parsed->is_object()) {
    return base::Error(base::Status::InvalidArgument("wallet credential: not a JSON object"));
  }
  const json::object& file = parsed->get_object();
  const json::value* format = file.if_contains("format");
  const json::value* version = file.if_contains("version");
  if (format == nullptr || !format->is_string() || format->get_string() != "nuri-wallet" ||
      version == nullptr || !version->is_int64() || version->get_int64() != kCredentialVersion) {
    return base::Error(
        base::Status::InvalidArgument("wallet credential: not a version 1 nuri-wallet file"));
  }
  WalletCredential credential;
  auto account = StringField(file, "account");
  auto enrolment = StringField(file, "enrolment");
  auto enrolled_at = StringField(file, "enrolled_at");
  auto public_key = StringField(file, "public_key");
  auto password_hash = StringField(file, "password_hash");
  auto totp = HexField(file, "totp_secret");
  auto signing_key = HexField(file, "signing_key");
  for (const auto* field :
       {&account, &enrolment, &enrolled_at, &public_key, &password_hash, &totp, &signing_key}) {
    if (!*field) return base::Error(field->error());
  }
  auto account_id = core::AccountId::Parse(*account);
  auto time = core::ParseTime(*enrolled_at);
  auto key = crypto::PublicKey::FromText(*public_key);
  const auto enrolment_bytes = base::FromHex(*enrolment);
  if (!account_id || !time || !key || !enrolment_bytes ||
      enrolment_bytes->size() != kEnrolmentIdSizeBytes || password_hash->empty() ||
      !password_hash->starts_with("$argon2id$")) {
    return base::Error(base::Status::InvalidArgument(
        "wallet credential: account, enrolment, enrolled_at, public_key or password_hash is "
        "malformed"));
  }
  credential.account = *std::move(account_id);
  credential.enrolment = *std::move(enrolment);
  credential.enrolled_at = *time;
  credential.public_key = *key;
  credential.password_hash = *std::move(password_hash);
  credential.sealed_totp_secret = *std::move(totp);
  credential.sealed_signing_key = *std::move(signing_key);
  return credential;
}

std::string WalletDirectory::PathOf(const core::AccountId& account) const {
  // An account id is lower-case letters, digits, '-', '_', '.' and one '@', and starts with a
  // letter or digit: never a path of its own.
  return directory_ + "/" + account.str() + ".json";
}

base::Status WalletDirectory::Save(const WalletCredential& credential) const {
  if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
    return base::Status::IoError("cannot create " + directory_);
  }
  return base::WriteFileAtomically(PathOf(credential.account), EncodeCredential(credential), 0600);
}

base::Status WalletDirectory::Remove(const core::AccountId& account) const {
  if (std::remove(PathOf(account).c_str()) != 0 && errno != ENOENT) {
    return base::Status::IoError("cannot remove the wallet of " + account.str());
  }
  return base::Status::Ok();
}

base::Result<WalletCredential> WalletDirectory::Load(const core::AccountId& account) const {
  auto text = base::ReadFile(PathOf(account));
  if (!text) {
    if (text.error().code() == base::StatusCode::kNotFound) {
      return base::Error(base::Status::NotFound(account.str() + " has no wallet on this node"));
    }
    return base::Error(text.error());
  }
  auto credential = DecodeCredential(*text);
  if (!credential) return credential;
  if (credential->account != account) {
    return base::Error(base::Status::Corruption("the wallet file of " + account.str() +
                                                " holds the credential of " +
                                                credential->account.str()));
  }
  return credential;
}

}  // namespace nuri::wallet
