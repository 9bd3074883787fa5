// A custodial wallet's credential: what a node keeps to let an official in and sign for them.
//
// Enrol() makes one: a new signing key for the account, a TOTP secret and the password's
// Argon2id hash. The TOTP secret and the signing key are sealed (sealer.h), each bound to the
// account, the enrolment and its purpose. The credential is a JSON file, one per account, in the
// node's wallet directory (docs/formats/wallet.md); enrolling again replaces it, and the new
// enrolment id starts the account's login record afresh (authenticator.h).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "core/ids.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "wallet/sealer.h"

namespace nuri::wallet {

struct WalletCredential {
  core::AccountId account;
  std::string enrolment;  // 16 random bytes, hex
  core::TimeMillis enrolled_at = 0;
  crypto::PublicKey public_key;  // of the signing key: the account's key on the ledger
  std::string password_hash;
  std::string sealed_totp_secret;
  std::string sealed_signing_key;
};

// What enrolment hands out once: the official's TOTP secret for their authenticator app and the
// public key the organization's admin sets on the account (set_keys).
struct Enrolment {
  WalletCredential credential;
  std::string totp_secret;
};

base::Result<Enrolment> Enrol(const core::AccountId& account, std::string_view password,
                              const Sealer& sealer, core::TimeMillis now);

base::Result<std::string> OpenTotpSecret(const WalletCredential& credential,
                                         const Sealer& sealer);
base::Result<crypto::SecretKey> OpenSigningKey(const WalletCredential& credential,
                                               const Sealer& sealer);

std::string EncodeCredential(const WalletCredential& credential);
// InvalidArgument naming the fault for anything that is not a credential this version wrote.
base::Result<WalletCredential> DecodeCredential(std::string_view text);

// The credential files of a node: DIRECTORY/<account>.json, readable by the node's user only.
class WalletDirectory {
 public:
  explicit WalletDirectory(std::string directory) : directory_(std::move(directory)) {}

  base::Status Save(const WalletCredential& credential) const;
  // NotFound when the account has no wallet here.
  base::Result<WalletCredential> Load(const core::AccountId& account) const;
  base::Status Remove(const core::AccountId& account) const;
  const std::string& directory() const { return directory_; }

 private:
  std::string PathOf(const core::AccountId& account) const;
  std::string directory_;
};

}  // namespace nuri::wallet
