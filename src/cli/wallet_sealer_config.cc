#include "cli/wallet_sealer_config.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>

#include "base/files.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

base::Status Invalid(const std::string& path, std::string_view message) {
  return base::Status::InvalidArgument(path + ": " + std::string(message));
}

// A PIN is a line of a few dozen bytes at most; a larger file is not a PIN file.
constexpr std::size_t kPinFileSizeBytesMax = 256;

// Closes a file descriptor when its scope ends.
class FileDescriptorCloser {
 public:
  explicit FileDescriptorCloser(int fd) : fd_(fd) {}
  ~FileDescriptorCloser() { ::close(fd_); }
  FileDescriptorCloser(const FileDescriptorCloser&) = delete;
  FileDescriptorCloser& operator=(const FileDescriptorCloser&) = delete;

 private:
  const int fd_;
};

// The PIN file opened for reading, refused when it is a symbolic link: whoever may change the
// link would choose the PIN file.
base::Result<int> OpenPinFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) return fd;
  if (errno == ELOOP) {
    return base::Error(base::Status::PermissionDenied("the PIN file " + path +
                                                      " is a symbolic link: name the file itself"));
  }
  return base::Error(
      base::Status::NotFound("cannot read the PIN file " + path + ": " + std::strerror(errno)));
}

// Whether the open PIN file `fd` is a regular file of this process's user that no one else may
// read or write. Checked on the descriptor that is read, so the file cannot be swapped between
// the check and the read.
base::Status CheckPinFileIsPrivate(int fd, const std::string& path) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    return base::Status::NotFound("cannot read the PIN file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(status.st_mode)) {
    return base::Status::InvalidArgument("the PIN file " + path + " is not a regular file");
  }
  if ((status.st_mode & 077) != 0) {
    return base::Status::PermissionDenied("the PIN file " + path +
                                          " may be read by others than its owner: chmod 600 it");
  }
  if (status.st_uid != ::geteuid()) {
    return base::Status::PermissionDenied("the PIN file " + path + " belongs to user " +
                                          std::to_string(status.st_uid) + ", not to this one");
  }
  return base::Status::Ok();
}

// Reads all of `fd` into `buffer`: its size in bytes, or InvalidArgument when it does not fit.
base::Result<std::size_t> ReadAll(int fd, std::span<char> buffer, const std::string& path) {
  std::size_t size = 0;
  for (;;) {
    if (size == buffer.size()) {
      return base::Error(base::Status::InvalidArgument(
          "the PIN file " + path + " is larger than a PIN file may be (" +
          std::to_string(kPinFileSizeBytesMax) + " bytes)"));
    }
    const ssize_t count = ::read(fd, buffer.data() + size, buffer.size() - size);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      return base::Error(
          base::Status::NotFound("cannot read the PIN file " + path + ": " + std::strerror(errno)));
    }
    if (count == 0) return size;
    size += static_cast<std::size_t>(count);
  }
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
  auto fd = OpenPinFile(path);
  if (!fd) return base::Error(fd.error());
  const FileDescriptorCloser closer(*fd);
  if (base::Status private_file = CheckPinFileIsPrivate(*fd, path); !private_file.ok()) {
    return base::Error(private_file);
  }
  // One byte more than the largest file, to tell a file of that size from a larger one.
  std::array<char, kPinFileSizeBytesMax + 1> buffer{};
  auto size = ReadAll(*fd, buffer, path);
  std::string_view pin(buffer.data(), size ? *size : 0);
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.remove_suffix(1);
  std::string copy(pin);
  // The buffer is wiped here; the copy returned is the caller's to wipe.
  sodium_memzero(buffer.data(), buffer.size());
  if (!size) return base::Error(size.error());
  if (copy.empty()) {
    return base::Error(base::Status::InvalidArgument("the PIN file " + path + " holds no PIN"));
  }
  return copy;
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
