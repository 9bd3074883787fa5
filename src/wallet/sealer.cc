#include "wallet/sealer.h"

#include <sodium.h>

#include "crypto/hash.h"
#include "crypto/key_file.h"

namespace nuri::wallet {

namespace {

constexpr std::string_view kKeyFileLabelPrefix = "wallet-key:";

// The key file holds a random Ed25519 seed, sealed as every node key is; the sealing key is
// derived from the seed with its own domain, so it is never used as a signing key's seed.
std::string SealingKeyFrom(const crypto::SecretKey& secret) {
  std::string seed = secret.seed();
  const crypto::Hash key = crypto::Sha256("nuri-wallet-sealing-key-v1\n" + seed);
  sodium_memzero(seed.data(), seed.size());
  return std::string(key.view());
}

}  // namespace

base::Result<std::string> FileKeySealer::NewKeyFile(std::string_view node,
                                                    std::string_view password) {
  return crypto::SealKeyFile(
      {std::string(kKeyFileLabelPrefix) + std::string(node), crypto::SecretKey::Generate(), false},
      password);
}

base::Result<std::unique_ptr<FileKeySealer>> FileKeySealer::FromKeyFile(
    std::string_view text, std::string_view password) {
  auto contents = crypto::OpenKeyFile(text, password);
  if (!contents) return base::Error(contents.error());
  if (!contents->label.starts_with(kKeyFileLabelPrefix)) {
    return base::Error(base::Status::InvalidArgument("not a wallet key file: its label is " +
                                                     contents->label));
  }
  return std::unique_ptr<FileKeySealer>(new FileKeySealer(SealingKeyFrom(contents->secret)));
}

FileKeySealer::~FileKeySealer() { sodium_memzero(key_.data(), key_.size()); }

base::Result<std::string> FileKeySealer::Seal(std::string_view plaintext,
                                              std::string_view associated) const {
  std::string sealed(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                         crypto_aead_xchacha20poly1305_ietf_ABYTES,
                     '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long size = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &size,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr,
      nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  return sealed;
}

base::Result<std::string> FileKeySealer::Open(std::string_view sealed,
                                              std::string_view associated) const {
  constexpr std::size_t kOverhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kOverhead) {
    return base::Error(base::Status::PermissionDenied("a sealed wallet secret is truncated"));
  }
  std::string plaintext(sealed.size() - kOverhead, '\0');
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  unsigned long long size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &size, nullptr,
          nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nonce,
          reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return base::Error(base::Status::PermissionDenied(
        "a sealed wallet secret does not open: altered, moved, or sealed under another key"));
  }
  return plaintext;
}

}  // namespace nuri::wallet
