#include "crypto/key_file.h"

#include <sodium.h>

#include <boost/json.hpp>

#include "base/hex.h"
#include "base/limits.h"
#include "crypto/hash.h"

namespace nuri::crypto {

namespace json = boost::json;

namespace {
constexpr int kKeyFileVersion = 1;

// Everything the file says in the clear is bound to the ciphertext, so none of it can be changed
// without the file failing to open.
std::string AssociatedData(std::string_view label, const PublicKey& key, bool test_key) {
  return "nuri-key-file-v1\n" + std::string(label) + "\n" + key.ToText() +
         (test_key ? "\ntest" : "\nreal");
}

base::Result<std::string> DeriveKey(std::string_view password, std::string_view salt,
                                    unsigned long long ops, std::size_t mem) {
  std::string key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  if (crypto_pwhash(reinterpret_cast<unsigned char*>(key.data()), key.size(), password.data(),
                    password.size(), reinterpret_cast<const unsigned char*>(salt.data()), ops, mem,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return base::Error(base::Status::ResourceExhausted("not enough memory for Argon2id"));
  }
  return key;
}

const json::object* ParseObject(std::string_view text, json::value& holder) {
  if (text.size() > base::kKeyFileSizeBytesMax) return nullptr;
  boost::system::error_code error;
  holder = json::parse(text, error);
  if (error) return nullptr;
  return holder.if_object();
}

std::optional<std::string> HexField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return base::FromHex(value->get_string());
}
}  // namespace

base::Result<std::string> SealKeyFile(const KeyFileContents& contents, std::string_view password,
                                      KeyStrength strength) {
  const unsigned long long ops = strength == KeyStrength::kModerate
                                     ? crypto_pwhash_OPSLIMIT_MODERATE
                                     : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const std::size_t mem = strength == KeyStrength::kModerate ? crypto_pwhash_MEMLIMIT_MODERATE
                                                             : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  std::string salt(crypto_pwhash_SALTBYTES, '\0');
  randombytes_buf(salt.data(), salt.size());
  std::string nonce(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  auto key = DeriveKey(password, salt, ops, mem);
  if (!key) return base::Error(key.error());

  const std::string seed = contents.secret.seed();
  const PublicKey& public_key = contents.secret.public_key();
  const std::string associated = AssociatedData(contents.label, public_key, contents.test_key);
  std::string sealed(seed.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long sealed_size = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(sealed.data()), &sealed_size,
      reinterpret_cast<const unsigned char*>(seed.data()), seed.size(),
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr,
      reinterpret_cast<const unsigned char*>(nonce.data()),
      reinterpret_cast<const unsigned char*>(key->data()));
  sodium_memzero(key->data(), key->size());
  sealed.resize(sealed_size);

  json::object file;
  file["format"] = "nuri-key-file";
  file["version"] = kKeyFileVersion;
  file["label"] = contents.label;
  file["public_key"] = public_key.ToText();
  file["test_key"] = contents.test_key;
  file["kdf"] = json::object{{"algorithm", "argon2id13"},
                             {"opslimit", ops},
                             {"memlimit", mem},
                             {"salt", base::ToHex(salt)}};
  file["cipher"] = "xchacha20poly1305-ietf";
  file["nonce"] = base::ToHex(nonce);
  file["ciphertext"] = base::ToHex(sealed);
  return json::serialize(file) + "\n";
}

base::Result<PublicKey> PeekKeyFilePublicKey(std::string_view text) {
  json::value holder;
  const json::object* file = ParseObject(text, holder);
  if (file == nullptr) return base::Error(base::Status::InvalidArgument("not a key file"));
  const json::value* key = file->if_contains("public_key");
  if (key == nullptr || !key->is_string()) {
    return base::Error(base::Status::InvalidArgument("key file: public_key missing"));
  }
  return PublicKey::FromText(key->get_string());
}

base::Result<KeyFileContents> OpenKeyFile(std::string_view text, std::string_view password) {
  json::value holder;
  const json::object* file = ParseObject(text, holder);
  if (file == nullptr) return base::Error(base::Status::InvalidArgument("not a key file"));
  const json::value* version = file->if_contains("version");
  if (version == nullptr || !version->is_int64() || version->as_int64() != kKeyFileVersion) {
    return base::Error(base::Status::InvalidArgument("key file: unknown version"));
  }
  auto public_key = PeekKeyFilePublicKey(text);
  if (!public_key) return base::Error(public_key.error());
  const json::value* label = file->if_contains("label");
  const json::object* kdf = file->contains("kdf") ? file->at("kdf").if_object() : nullptr;
  if (label == nullptr || !label->is_string() || kdf == nullptr) {
    return base::Error(base::Status::InvalidArgument("key file: label or kdf missing"));
  }
  const auto salt = HexField(*kdf, "salt");
  const auto nonce = HexField(*file, "nonce");
  const auto sealed = HexField(*file, "ciphertext");
  const json::value* ops = kdf->if_contains("opslimit");
  const json::value* mem = kdf->if_contains("memlimit");
  if (!salt || salt->size() != crypto_pwhash_SALTBYTES || !nonce ||
      nonce->size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES || !sealed ||
      sealed->size() != kEd25519SeedSizeBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
      ops == nullptr || mem == nullptr || !ops->is_number() || !mem->is_number()) {
    return base::Error(base::Status::InvalidArgument("key file: a field is missing or malformed"));
  }
  boost::system::error_code error;
  const auto ops_value = ops->to_number<unsigned long long>(error);
  const auto mem_value = mem->to_number<std::size_t>(error);
  if (error || ops_value > crypto_pwhash_OPSLIMIT_SENSITIVE ||
      mem_value > crypto_pwhash_MEMLIMIT_SENSITIVE || ops_value < crypto_pwhash_OPSLIMIT_MIN ||
      mem_value < crypto_pwhash_MEMLIMIT_MIN) {
    return base::Error(base::Status::InvalidArgument("key file: Argon2id parameters out of range"));
  }
  auto key = DeriveKey(password, *salt, ops_value, mem_value);
  if (!key) return base::Error(key.error());
  const std::string label_text(label->get_string());
  const json::value* test_key = file->if_contains("test_key");
  const bool is_test_key = test_key != nullptr && test_key->is_bool() && test_key->get_bool();
  const std::string associated = AssociatedData(label_text, *public_key, is_test_key);
  std::string seed(kEd25519SeedSizeBytes, '\0');
  unsigned long long seed_size = 0;
  const int opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<unsigned char*>(seed.data()), &seed_size, nullptr,
      reinterpret_cast<const unsigned char*>(sealed->data()), sealed->size(),
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(),
      reinterpret_cast<const unsigned char*>(nonce->data()),
      reinterpret_cast<const unsigned char*>(key->data()));
  sodium_memzero(key->data(), key->size());
  if (opened != 0) {
    return base::Error(
        base::Status::PermissionDenied("key file: wrong password or the file was altered"));
  }
  KeyFileContents contents;
  contents.label = label_text;
  contents.secret = SecretKey::FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  if (contents.secret.public_key() != *public_key) {
    return base::Error(base::Status::Corruption("key file: public key does not match the secret"));
  }
  contents.test_key = is_test_key;
  return contents;
}

SecretKey DeriveTestKey(std::string_view label) {
  const Hash seed = Sha256("nuri-test-key:" + std::string(label));
  return SecretKey::FromSeed(seed.view());
}

}  // namespace nuri::crypto
