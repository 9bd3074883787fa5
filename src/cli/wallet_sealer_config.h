// How a node seals its wallets' secrets, from its configuration (docs/operations.md):
//   "wallet_key": "wallet.key"       a key file, sealed under the node's key password
//   "wallet_pkcs11": {"module": "/usr/lib/softhsm/libsofthsm2.so", "token": "nuri-v1",
//                     "key": "wallet-sealing-key", "pin_file": "hsm.pin"}
//                                    an AES-256 key in an HSM, reached through PKCS#11
//                                    (wallet/pkcs11_sealer.h); the PIN file readable by its owner
//                                    only
// At most one of the two; with neither, the node keeps no wallets. `nurid` and
// `nuri wallet enroll` read the same fields, so that both seal alike.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "wallet/pkcs11_sealer.h"
#include "wallet/sealer.h"

namespace nuri::cli {

struct WalletSealerConfig {
  std::string key_path;                        // "wallet_key", absolute
  std::optional<wallet::Pkcs11Config> pkcs11;  // "wallet_pkcs11"
  std::string pin_path;                        // its "pin_file", absolute

  bool keeps_wallets() const { return !key_path.empty() || pkcs11.has_value(); }
};

// The fields of a node's configuration `config`; relative paths are relative to `base`, and
// `path` (the file) names faults.
base::Result<WalletSealerConfig> WalletSealerConfigFrom(const boost::json::object& config,
                                                        const std::filesystem::path& base,
                                                        const std::string& path);

// The sealer the configuration names: the key file opened with `key_password`, or a login to
// the HSM with the PIN file's PIN (refused when others than its owner may read the file).
base::Result<std::unique_ptr<wallet::Sealer>> OpenWalletSealer(const WalletSealerConfig& config,
                                                               std::string_view key_password);

// A PIN from a file, without its final line breaks. The file must be a regular file, not a
// symbolic link, of this process's user, that no one else may read or write: PermissionDenied
// otherwise (InvalidArgument for one that is no regular file). NotFound: no file to read.
// InvalidArgument: the file holds no PIN, or more than a PIN file may. What was read is wiped
// but for the PIN returned, which the caller wipes after use.
base::Result<std::string> ReadPinFile(const std::string& path);

}  // namespace nuri::cli
