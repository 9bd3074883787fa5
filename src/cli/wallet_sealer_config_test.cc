// The wallet sealing fields of a node's configuration (wallet_sealer_config.h); sealing itself
// is tested in src/wallet and, through a running node, in e2e.wallet_hsm.
#include "cli/wallet_sealer_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/json.h"

namespace nuri::cli {
namespace {

base::Result<WalletSealerConfig> Parse(std::string_view text) {
  return WalletSealerConfigFrom(core::ParseJsonText(text).value().as_object(), "/etc/nuri",
                                "node.json");
}

TEST(WalletSealerConfig, ReadsAKeyFileOrAnHsmWithPathsFromTheConfiguration) {
  const auto none = Parse(R"({"name": "v1"})");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->keeps_wallets());

  const auto file = Parse(R"({"wallet_key": "wallet.key"})");
  ASSERT_TRUE(file.has_value());
  EXPECT_TRUE(file->keeps_wallets());
  EXPECT_EQ(file->key_path, "/etc/nuri/wallet.key");
  EXPECT_FALSE(file->pkcs11.has_value());

  const auto hsm = Parse(R"({"wallet_pkcs11": {"module": "/usr/lib/softhsm/libsofthsm2.so",
      "token": "nuri-v1", "key": "wallet-seal", "pin_file": "secrets/hsm.pin"}})");
  ASSERT_TRUE(hsm.has_value()) << hsm.error().ToString();
  EXPECT_TRUE(hsm->keeps_wallets());
  ASSERT_TRUE(hsm->pkcs11.has_value());
  EXPECT_EQ(hsm->pkcs11->module_path, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(hsm->pkcs11->token_label, "nuri-v1");
  EXPECT_EQ(hsm->pkcs11->key_label, "wallet-seal");
  EXPECT_EQ(hsm->pin_path, "/etc/nuri/secrets/hsm.pin");
}

TEST(WalletSealerConfig, RefusesWhatItCannotUseSafely) {
  const std::string hsm = R"("wallet_pkcs11": {"module": "/m.so", "token": "t", "key": "k",
                              "pin_file": "p"})";
  for (const std::string& text :
       {R"({"wallet_key": "wallet.key", )" + hsm + "}", std::string(R"({"wallet_key": 7})"),
        std::string(R"({"wallet_key": ""})"), std::string(R"({"wallet_pkcs11": "softhsm"})"),
        std::string(R"({"wallet_pkcs11": {"module": "libsofthsm2.so", "token": "t", "key": "k",
                        "pin_file": "p"}})"),
        std::string(R"({"wallet_pkcs11": {"module": "/m.so", "token": "t", "key": "k"}})"),
        std::string(R"({"wallet_pkcs11": {"module": "/m.so", "token": "", "key": "k",
                        "pin_file": "p"}})"),
        std::string(R"({"wallet_pkcs11": {"module": "/m.so", "token": "t", "key": "k",
                        "pin_file": "p", "pin": "1234"}})")}) {
    const auto parsed = Parse(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code(), base::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(parsed.error().message().find("node.json"), std::string::npos);
  }
}

TEST(WalletSealerConfig, APinFileMustBeItsOwnersAlone) {
  const std::string path = ::testing::TempDir() + "/nuri-pin-" + std::to_string(::getpid());
  std::ofstream(path) << "1234\n";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(ReadPinFile(path).error().code(), base::StatusCode::kPermissionDenied);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(ReadPinFile(path).value(), "1234");
  std::remove(path.c_str());
  EXPECT_EQ(ReadPinFile(path).error().code(), base::StatusCode::kNotFound);
}

// A file in the test's temporary directory, removed when the test ends.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string_view name)
      : path_(::testing::TempDir() + "/nuri-" + std::string(name) + "-" +
              std::to_string(::getpid())) {
    std::remove(path_.c_str());
  }
  ~TemporaryFile() { std::remove(path_.c_str()); }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  // Writes `contents` with the mode `mode`.
  void Write(std::string_view contents, mode_t mode) const {
    std::ofstream(path_, std::ios::binary) << contents;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
};

TEST(WalletSealerConfig, APinFileIsReadWithoutItsLineBreaks) {
  const TemporaryFile pin("pin-line-breaks");
  pin.Write("12 34\r\n\n", 0600);
  EXPECT_EQ(ReadPinFile(pin.path()).value(), "12 34");
  pin.Write("1234", 0400);
  EXPECT_EQ(ReadPinFile(pin.path()).value(), "1234");
}

TEST(WalletSealerConfig, RefusesASymbolicLinkToAPinFile) {
  const TemporaryFile pin("pin-target");
  pin.Write("1234\n", 0600);
  const TemporaryFile link("pin-link");
  ASSERT_EQ(::symlink(pin.path().c_str(), link.path().c_str()), 0);
  const auto read = ReadPinFile(link.path());
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), base::StatusCode::kPermissionDenied);
  EXPECT_NE(read.error().message().find("symbolic link"), std::string::npos);
  EXPECT_EQ(ReadPinFile(pin.path()).value(), "1234");
}

TEST(WalletSealerConfig, RefusesAPinFileWithoutAPin) {
  const TemporaryFile pin("pin-empty");
  for (const std::string_view empty : {"", "\n", "\r\n", "\n\n"}) {
    pin.Write(empty, 0600);
    const auto read = ReadPinFile(pin.path());
    ASSERT_FALSE(read.has_value()) << "'" << empty << "'";
    EXPECT_EQ(read.error().code(), base::StatusCode::kInvalidArgument);
  }
}

TEST(WalletSealerConfig, RefusesWhatIsNoPinFile) {
  const TemporaryFile pin("pin-too-large");
  pin.Write(std::string(257, '7'), 0600);
  EXPECT_EQ(ReadPinFile(pin.path()).error().code(), base::StatusCode::kInvalidArgument);
  pin.Write(std::string(256, '7'), 0600);
  EXPECT_EQ(ReadPinFile(pin.path()).value(), std::string(256, '7'));
  pin.Write("1234", 0620);  // others may write it
  EXPECT_EQ(ReadPinFile(pin.path()).error().code(), base::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReadPinFile(::testing::TempDir()).error().code(), base::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nuri::cli
