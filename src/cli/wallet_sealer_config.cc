#include "cli/wallet_sealer_config.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/files.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

base::Status Invalid(const std::string& path, std::string_view message) {
  return base::Status::InvalidArgument(path + ": " + std::string(message));
}

}  // namespace

base::Result<WalletSealerConfig> WalletSealerConfigFrom(const json::object& config,
                                                        const std::filesystem::path& base,
                                                        const std::string& path) {
  WalletSealerConfig sealer;
  auto absolute = [&](std::string_view file) {
    const std::filesystem::path given(file);
    return (given.is_relative() ? base / given : given).lexically_normal().string();
  };
  const json::value* key = config.if_contains("wallet_key");
  const json::value* hsm = config.if_contains("wallet_pkcs11");
  if (key != nullptr && hsm != nullptr) {
    return base::Error(Invalid(path, "wallet_key and wallet_pkcs11 exclude each other"));
  }
  if (key != nullptr) {
    if (!key->is_string() || key->get_string().empty()) {
      return base::Error(Invalid(path, "wallet_key: expected a file name"));
    }
    sealer.key_path = absolute(key->get_string());
  }
  if (hsm == nullptr) return sealer;
  if (!hsm->is_object()) return base::Error(Invalid(path, "wallet_pkcs11: expected an object"));
  const json::object& fields = hsm->get_object();
  static constexpr std::string_view kFields[] = {"module", "token", "key", "pin_file"};
  for (const auto& [name, value] : fields) {
    if (std::ranges::find(kFields, std::string_view(name)) == std::end(kFields)) {
      return base::Error(Invalid(path, "wallet_pkcs11." + std::string(name) + ": unknown field"));
    }
  }
  std::string values[std::size(kFields)];
  for (std::size_t i = 0; i < std::size(kFields); ++i) {
    const json::value* value = fields.if_contains(kFields[i]);
    if (value == nullptr || !value->is_string() || value->get_string().empty()) {
      return base::Error(Invalid(
          path, "wallet_pkcs11." + std::string(kFields[i]) + ": expected a non-empty string"));
    }
    values[i] = std::string(value->get_string());
  }
  // A module found on the library search path could be anyone's: it is named in full.
  if (!std::filesystem::path(values[0]).is_absolute()) {
    return base::Error(Invalid(path, "wallet_pkcs11.module: expected an absolute path"));
  }
  sealer.pkcs11 = wallet::Pkcs11Config{values[0], values[1], values[2]};
  sealer.pin_path = absolute(values[3]);
  return sealer;
}

base::Result<std::string> ReadPinFile(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    return base::Error(base::Status::NotFound("cannot read the PIN file " + path));
  }
  if ((status.st_mode & 077) != 0) {
    return base::Error(base::Status::PermissionDenied(
        "the PIN file " + path + " may be read by others than its owner: chmod 600 it"));
  }
  auto pin = base::ReadPasswordFile(path);
  if (!pin) return base::Error(base::Status::NotFound("cannot read the PIN file " + path));
  return pin;
}

base::Result<std::unique_ptr<wallet::Sealer>> OpenWalletSealer(const WalletSealerConfig& config,
                                                               std::string_view key_password) {
  if (config.pkcs11) {
    auto pin = ReadPinFile(config.pin_path);
    if (!pin) return base::Error(pin.error());
    auto sealer = wallet::Pkcs11Sealer::FromToken(*config.pkcs11, *pin);
    sodium_memzero(pin->data(), pin->size());
    if (!sealer) return base::Error(sealer.error());
    return std::unique_ptr<wallet::Sealer>(*std::move(sealer));
  }
  auto key_text = base::ReadFile(config.key_path);
  if (!key_text) return base::Error(base::Status::NotFound("cannot read the wallet key"));
  auto sealer = wallet::FileKeySealer::FromKeyFile(*key_text, key_password);
  if (!sealer) return base::Error(sealer.error());
  return std::unique_ptr<wallet::Sealer>(*std::move(sealer));
}

}  // namespace nuri::cli
