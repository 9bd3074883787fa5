// Pkcs11Sealer against SoftHSM2, a required test dependency (tools/setup.sh installs it): each
// test process makes its own token in a temporary directory, and a sealing key on it.
#include "wallet/pkcs11_sealer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/keys.h"
#include "wallet/credential.h"
#include "wallet/pkcs11_module.h"

namespace nuri::wallet {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kModulePath = "/usr/lib/softhsm/libsofthsm2.so";
constexpr std::string_view kTokenLabel = "nuri-test";
constexpr std::string_view kPin = "user-pin-1234";
constexpr std::string_view kSoPin = "so-pin-5678";
constexpr std::string_view kKeyLabel = "wallet-sealing-key";
constexpr std::string_view kAssociated = "nuri-wallet-v1\nkim@moef\n...\ntotp-secret";

Pkcs11Config Config(std::string_view key_label = kKeyLabel) {
  return {std::string(kModulePath), std::string(kTokenLabel), std::string(key_label)};
}

std::unique_ptr<Pkcs11Sealer> NewSealer(std::string_view key_label = kKeyLabel) {
  auto sealer = Pkcs11Sealer::FromToken(Config(key_label), kPin);
  EXPECT_TRUE(sealer.has_value()) << sealer.error().ToString();
  return sealer ? *std::move(sealer) : nullptr;
}

class Pkcs11SealerTest : public ::testing::Test {
 protected:
  // SoftHSM2 reads SOFTHSM2_CONF when the module is initialized, so it is set before any load.
  static void SetUpTestSuite() {
    crypto::Initialize();
    ASSERT_TRUE(fs::exists(kModulePath))
        << "SoftHSM2 is needed to test the PKCS#11 sealer: run tools/setup.sh";
    directory_ = fs::temp_directory_path() / ("nuri-pkcs11-test-" + std::to_string(::getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_ / "tokens");
    const fs::path config = directory_ / "softhsm2.conf";
    std::ofstream(config) << "directories.tokendir = " << (directory_ / "tokens").string()
                          << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    ASSERT_EQ(::setenv("SOFTHSM2_CONF", config.c_str(), 1), 0);
    const std::string init_token = "softhsm2-util --init-token --free --label " +
                                   std::string(kTokenLabel) + " --so-pin " + std::string(kSoPin) +
                                   " --pin " + std::string(kPin) + " > " +
                                   (directory_ / "init-token.log").string() + " 2>&1";
    ASSERT_EQ(std::system(init_token.c_str()), 0) << "softhsm2-util failed: " << init_token;
    const base::Status created = Pkcs11Sealer::CreateKey(Config(), kPin);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }
  static void TearDownTestSuite() { fs::remove_all(directory_); }

  static inline fs::path directory_;
};

// Flips one bit of byte `index`.
std::string Altered(std::string sealed, std::size_t index) {
  sealed[index] = static_cast<char>(sealed[index] ^ 0x01);
  return sealed;
}

TEST_F(Pkcs11SealerTest, OpensWhatItSealedForTheSameAssociatedData) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  const std::string sealed = sealer->Seal("secret", kAssociated).value();
  EXPECT_EQ(sealed.size(), 1 + 12 + std::string("secret").size() + 16);
  EXPECT_EQ(sealed[0], '\x01');  // the format's number
  EXPECT_EQ(sealer->Open(sealed, kAssociated).value(), "secret");
  EXPECT_EQ(sealer->Open(sealer->Seal("", kAssociated).value(), kAssociated).value(), "");
  const std::string binary("\0\xff\x80 seed", 8);
  EXPECT_EQ(sealer->Open(sealer->Seal(binary, "").value(), "").value(), binary);
}

TEST_F(Pkcs11SealerTest, SealsTheSamePlaintextDifferentlyEachTime) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  const std::string first = sealer->Seal("secret", kAssociated).value();
  const std::string second = sealer->Seal("secret", kAssociated).value();
  EXPECT_NE(first, second);
  EXPECT_NE(first.substr(1, 12), second.substr(1, 12));  // another IV
}

TEST_F(Pkcs11SealerTest, RefusesOtherAssociatedData) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  const std::string sealed = sealer->Seal("secret", "kim@moef totp").value();
  for (const std::string_view other : {"lee@moef totp", "kim@moef totp ", "", "kim@moef signing"}) {
    const auto opened = sealer->Open(sealed, other);
    ASSERT_FALSE(opened.has_value()) << other;
    EXPECT_EQ(opened.error().code(), base::StatusCode::kPermissionDenied) << other;
  }
}

TEST_F(Pkcs11SealerTest, RefusesAValueAlteredAnywhere) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  const std::string sealed = sealer->Seal("a TOTP secret", kAssociated).value();
  for (std::size_t index = 0; index < sealed.size(); ++index) {
    const auto opened = sealer->Open(Altered(sealed, index), kAssociated);
    ASSERT_FALSE(opened.has_value()) << "byte " << index;
    EXPECT_EQ(opened.error().code(), base::StatusCode::kPermissionDenied) << "byte " << index;
  }
  for (std::size_t size = 0; size < sealed.size(); ++size) {
    const auto opened = sealer->Open(sealed.substr(0, size), kAssociated);
    ASSERT_FALSE(opened.has_value()) << "first " << size << " bytes";
    EXPECT_EQ(opened.error().code(), base::StatusCode::kPermissionDenied) << size;
  }
  EXPECT_EQ(sealer->Open(sealed + "x", kAssociated).error().code(),
            base::StatusCode::kPermissionDenied);
  // The sealer still works after all those refusals: no session was left mid-operation.
  EXPECT_EQ(sealer->Open(sealed, kAssociated).value(), "a TOTP secret");
}

TEST_F(Pkcs11SealerTest, AnotherKeyCannotOpenTheValuesOfTheFirst) {
  ASSERT_TRUE(Pkcs11Sealer::CreateKey(Config("another-key"), kPin).ok());
  const auto first = NewSealer();
  const auto second = NewSealer("another-key");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const std::string sealed = first->Seal("secret", kAssociated).value();
  EXPECT_EQ(second->Open(sealed, kAssociated).error().code(), base::StatusCode::kPermissionDenied);
  EXPECT_EQ(first->Open(second->Seal("secret", kAssociated).value(), kAssociated).error().code(),
            base::StatusCode::kPermissionDenied);
  EXPECT_EQ(first->Open(sealed, kAssociated).value(), "secret");
}

TEST_F(Pkcs11SealerTest, RefusesAWrongPinWithoutSayingIt) {
  const auto sealer = Pkcs11Sealer::FromToken(Config(), "wrong-pin-0000");
  ASSERT_FALSE(sealer.has_value());
  EXPECT_EQ(sealer.error().code(), base::StatusCode::kPermissionDenied);
  EXPECT_NE(sealer.error().message().find("CKR_PIN_INCORRECT"), std::string::npos)
      << sealer.error().ToString();
  EXPECT_EQ(sealer.error().message().find("wrong-pin"), std::string::npos);
  EXPECT_EQ(Pkcs11Sealer::CreateKey(Config("key-of-a-wrong-pin"), "wrong-pin-0000").code(),
            base::StatusCode::kPermissionDenied);
  // The right PIN still works: a wrong one does not lock SoftHSM2's token.
  EXPECT_NE(NewSealer(), nullptr);
}

TEST_F(Pkcs11SealerTest, NamesWhatItCannotFind) {
  auto code = [](const Pkcs11Config& config) {
    const auto sealer = Pkcs11Sealer::FromToken(config, kPin);
    return sealer.has_value() ? base::StatusCode::kOk : sealer.error().code();
  };
  Pkcs11Config config = Config();
  config.token_label = "no-such-token";
  EXPECT_EQ(code(config), base::StatusCode::kNotFound);
  EXPECT_EQ(code(Config("no-such-key")), base::StatusCode::kNotFound);
  config = Config();
  config.module_path = "/usr/lib/softhsm/no-such-module.so";
  EXPECT_EQ(code(config), base::StatusCode::kNotFound);
  config.module_path = "libsofthsm2.so";  // found on the search path only: refused
  EXPECT_EQ(code(config), base::StatusCode::kInvalidArgument);
  config.module_path = (directory_ / "softhsm2.conf").string();  // a file, but no library
  EXPECT_EQ(code(config), base::StatusCode::kInvalidArgument);
  config.module_path = "/lib/x86_64-linux-gnu/libc.so.6";  // a library, but no PKCS#11 module
  if (fs::exists(config.module_path)) {
    EXPECT_EQ(code(config), base::StatusCode::kInvalidArgument);
  }
  config = Config();
  config.token_label = std::string(33, 't');
  EXPECT_EQ(code(config), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Config("")), base::StatusCode::kInvalidArgument);
}

TEST_F(Pkcs11SealerTest, CreateKeyRefusesALabelInUse) {
  EXPECT_EQ(Pkcs11Sealer::CreateKey(Config(), kPin).code(), base::StatusCode::kAlreadyExists);
  // The key it refused to make again still seals.
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  EXPECT_EQ(sealer->Open(sealer->Seal("secret", "").value(), "").value(), "secret");
}

TEST_F(Pkcs11SealerTest, TheKeyStaysInTheToken) {
  auto module = Pkcs11Module::Load(std::string(kModulePath));
  ASSERT_TRUE(module.has_value()) << module.error().ToString();
  const CK_SLOT_ID slot = (*module)->FindToken(kTokenLabel).value();
  auto session = Pkcs11Session::Open(*module, slot, /*read_write=*/false).value();
  ASSERT_TRUE(session->LogIn(kPin).ok());
  const std::vector<CK_OBJECT_HANDLE> keys = session->FindSecretKeys(kKeyLabel).value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(session->BoolAttribute(keys[0], CKA_TOKEN).value());
  EXPECT_TRUE(session->BoolAttribute(keys[0], CKA_PRIVATE).value());
  EXPECT_TRUE(session->BoolAttribute(keys[0], CKA_SENSITIVE).value());
  EXPECT_FALSE(session->BoolAttribute(keys[0], CKA_EXTRACTABLE).value());
  EXPECT_FALSE(session->BoolAttribute(keys[0], CKA_WRAP).value());
  EXPECT_EQ(session->NumberAttribute(keys[0], CKA_VALUE_LEN).value(), 32u);
  std::string value(32, '\0');
  CK_ATTRIBUTE attribute = {CKA_VALUE, value.data(), value.size()};
  EXPECT_EQ(session->functions().C_GetAttributeValue(session->handle(), keys[0], &attribute, 1),
            CKR_ATTRIBUTE_SENSITIVE);
}

TEST_F(Pkcs11SealerTest, RefusesAKeyThatIsNotAes256) {
  {
    auto module = Pkcs11Module::Load(std::string(kModulePath)).value();
    auto session = Pkcs11Session::Open(module, module->FindToken(kTokenLabel).value(),
                                       /*read_write=*/true)
                       .value();
    ASSERT_TRUE(session->LogIn(kPin).ok());
    CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, nullptr, 0};
    CK_ULONG size = 16;
    CK_BBOOL yes = CK_TRUE;
    std::string label = "aes-128-key";
    CK_ATTRIBUTE key_template[] = {
        {CKA_VALUE_LEN, &size, sizeof(size)},
        {CKA_LABEL, label.data(), label.size()},
        {CKA_TOKEN, &yes, sizeof(yes)},
    };
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    ASSERT_EQ(session->functions().C_GenerateKey(session->handle(), &mechanism, key_template,
                                                 std::size(key_template), &key),
              CKR_OK);
  }
  const auto sealer = Pkcs11Sealer::FromToken(Config("aes-128-key"), kPin);
  ASSERT_FALSE(sealer.has_value());
  EXPECT_EQ(sealer.error().code(), base::StatusCode::kInvalidArgument);
}

TEST_F(Pkcs11SealerTest, SealsAndOpensFromManyThreadsAtOnce) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRoundsPerThread = 40;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < kRoundsPerThread; ++round) {
        const std::string secret = "secret " + std::to_string(thread) + "/" + std::to_string(round);
        const std::string associated = "account " + std::to_string(thread);
        auto sealed = sealer->Seal(secret, associated);
        auto opened = sealed ? sealer->Open(*sealed, associated) : base::Error(sealed.error());
        if (!opened || *opened != secret) failures += 1;
        if (sealed && sealer->Open(*sealed, "another account").has_value()) failures += 1;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(Pkcs11SealerTest, SealsAWalletsSecretsAtEnrolment) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  const auto account = core::AccountId::Parse("kim@moef").value();
  const Enrolment enrolment = Enrol(account, "correct horse battery", *sealer, 0).value();
  EXPECT_EQ(OpenTotpSecret(enrolment.credential, *sealer).value(), enrolment.totp_secret);
  EXPECT_EQ(OpenSigningKey(enrolment.credential, *sealer).value().public_key(),
            enrolment.credential.public_key);
}

}  // namespace
}  // namespace nuri::wallet
