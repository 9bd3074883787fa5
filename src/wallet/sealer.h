// Sealer: keeps wallet secrets (TOTP secrets, officials' signing keys) encrypted at rest.
//
// Every sealed secret is bound to associated data naming its account, enrolment and purpose, so
// that a sealed value moved to another account, or from one field to another, fails to open.
// FileKeySealer seals with XChaCha20-Poly1305 under the node's wallet key, a key file sealed
// with the node's password like every node key (docs/formats/key-file.md).
//
// Thread-safe once constructed.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nuri::wallet {

class Sealer {
 public:
  virtual ~Sealer() = default;
  virtual base::Result<std::string> Seal(std::string_view plaintext,
                                         std::string_view associated) const = 0;
  // PermissionDenied when the value was altered, sealed under another key or for other
  // associated data.
  virtual base::Result<std::string> Open(std::string_view sealed,
                                         std::string_view associated) const = 0;
};

class FileKeySealer final : public Sealer {
 public:
  // A new wallet key file's text, for the node `node`.
  static base::Result<std::string> NewKeyFile(std::string_view node, std::string_view password);
  // Opens a wallet key file (wrong password: PermissionDenied).
  static base::Result<std::unique_ptr<FileKeySealer>> FromKeyFile(std::string_view text,
                                                                  std::string_view password);
  ~FileKeySealer() override;

  base::Result<std::string> Seal(std::string_view plaintext,
                                 std::string_view associated) const override;
  base::Result<std::string> Open(std::string_view sealed,
                                 std::string_view associated) const override;

 private:
  explicit FileKeySealer(std::string key) : key_(std::move(key)) {}
  std::string key_;  // 32 bytes
};

}  // namespace nuri::wallet
