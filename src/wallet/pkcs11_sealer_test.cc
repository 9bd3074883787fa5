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

// Last, as its compatibility macros rename words (iv_len, tag_bits...) in whatever follows it.
#include <p11-kit/pkcs11.h>

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

// A session with the test token, read-write, logged in with the right PIN.
std::unique_ptr<Pkcs11Session> LoggedInSession() {
  auto module = Pkcs11Module::Load(std::string(kModulePath)).value();
  auto session =
      Pkcs11Session::Open(module, module->FindToken(kTokenLabel).value(), /*read_write=*/true)
          .value();
  EXPECT_TRUE(session->LogIn(kPin).ok());
  return session;
}

// The flags of a 256-bit AES key made by a test, as CreateKey would make them unless changed.
struct KeyFlags {
  CK_BBOOL token = CK_TRUE;
  CK_BBOOL sensitive = CK_TRUE;
  CK_BBOOL extractable = CK_FALSE;
  CK_BBOOL encrypt = CK_TRUE;
  CK_BBOOL decrypt = CK_TRUE;
};

// Makes a 256-bit AES key labelled `label` with `flags` in `session`.
void MakeAes256Key(Pkcs11Session& session, std::string label, KeyFlags flags) {
  CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, nullptr, 0};
  CK_ULONG size = 32;
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE key_template[] = {
      {CKA_VALUE_LEN, &size, sizeof(size)},
      {CKA_LABEL, label.data(), label.size()},
      {CKA_PRIVATE, &yes, sizeof(yes)},
      {CKA_TOKEN, &flags.token, sizeof(flags.token)},
      {CKA_SENSITIVE, &flags.sensitive, sizeof(flags.sensitive)},
      {CKA_EXTRACTABLE, &flags.extractable, sizeof(flags.extractable)},
      {CKA_ENCRYPT, &flags.encrypt, sizeof(flags.encrypt)},
      {CKA_DECRYPT, &flags.decrypt, sizeof(flags.decrypt)},
  };
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_EQ(session.functions().C_GenerateKey(session.handle(), &mechanism, key_template,
                                              std::size(key_template), &key),
            CKR_OK)
      << label;
}

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

// SoftHSM2 answers a GCM tag that does not verify with CKR_GENERAL_ERROR, which counts as tampering
// only because the module's manufacturer is SoftHSM (Pkcs11Module::
// reports_tag_failure_as_general_error); from another module it would be the token's failure.
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

TEST(Pkcs11TagFailure, CountsTheCodesOfPkcs11TwoFortyAndThreeZero) {
  EXPECT_EQ(kCkrAeadDecryptFailed, 0x42u);  // PKCS#11 3.0, pkcs11t.h
  EXPECT_EQ(DescribePkcs11Failure("C_Decrypt", 0x42), "C_Decrypt: CKR_AEAD_DECRYPT_FAILED");
  for (const bool general_error_means_tag_failure : {false, true}) {
    SCOPED_TRACE(general_error_means_tag_failure);
    EXPECT_TRUE(DecryptFailsItsTag(CKR_ENCRYPTED_DATA_INVALID, general_error_means_tag_failure));
    EXPECT_TRUE(DecryptFailsItsTag(CKR_ENCRYPTED_DATA_LEN_RANGE, general_error_means_tag_failure));
    EXPECT_TRUE(DecryptFailsItsTag(0x42, general_error_means_tag_failure));
    // 0x35 names no code of either version: once taken for CKR_AEAD_DECRYPT_FAILED by mistake.
    EXPECT_FALSE(DecryptFailsItsTag(0x35, general_error_means_tag_failure));
    EXPECT_FALSE(DecryptFailsItsTag(CKR_OK, general_error_means_tag_failure));
    EXPECT_FALSE(DecryptFailsItsTag(CKR_DEVICE_ERROR, general_error_means_tag_failure));
    EXPECT_FALSE(DecryptFailsItsTag(CKR_FUNCTION_FAILED, general_error_means_tag_failure));
    EXPECT_FALSE(DecryptFailsItsTag(CKR_SESSION_HANDLE_INVALID, general_error_means_tag_failure));
    EXPECT_FALSE(DecryptFailsItsTag(CKR_OPERATION_ACTIVE, general_error_means_tag_failure));
  }
}

TEST(Pkcs11TagFailure, CountsAGeneralErrorOnlyFromAModuleKnownToReportTagsSo) {
  EXPECT_TRUE(DecryptFailsItsTag(CKR_GENERAL_ERROR, /*general_error_means_tag_failure=*/true));
  EXPECT_FALSE(DecryptFailsItsTag(CKR_GENERAL_ERROR, /*general_error_means_tag_failure=*/false));
  // From another module it is the token's failure, answered as such.
  EXPECT_EQ(Pkcs11Failure("C_Decrypt", CKR_GENERAL_ERROR).code(), base::StatusCode::kInternal);
  EXPECT_EQ(Pkcs11Failure("C_Decrypt", CKR_DEVICE_REMOVED).code(), base::StatusCode::kUnavailable);
}

TEST_F(Pkcs11SealerTest, KnowsSoftHsmReportsTagFailuresAsGeneralErrors) {
  auto module = Pkcs11Module::Load(std::string(kModulePath)).value();
  EXPECT_EQ(module->manufacturer(), "SoftHSM");
  EXPECT_TRUE(module->reports_tag_failure_as_general_error());
}

TEST_F(Pkcs11SealerTest, SealsAnEmptyPlaintextGivenByANullPointer) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  const std::string_view nothing;  // data() is null
  ASSERT_EQ(nothing.data(), nullptr);
  const auto sealed = sealer->Seal(nothing, kAssociated);
  ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
  EXPECT_EQ(sealed->size(), 1u + 12 + 16);
  EXPECT_EQ(sealer->Open(*sealed, kAssociated).value(), "");
  EXPECT_EQ(sealer->Open(*sealed, nothing).error().code(), base::StatusCode::kPermissionDenied);
}

// The failure a session's replacement guards against: SoftHSM2 leaves an operation under way
// after C_Encrypt refuses its arguments, and the session refuses the next one. A session opened
// beside it keeps the login when it closes.
TEST_F(Pkcs11SealerTest, AFailedOperationCanBlockItsSessionButNotAFreshOne) {
  auto failed = LoggedInSession();
  const CK_OBJECT_HANDLE key = failed->FindSecretKeys(kKeyLabel).value().at(0);
  unsigned char iv[12] = {};
  CK_GCM_PARAMS parameters{iv, sizeof(iv), sizeof(iv) * 8, nullptr, 0, 128};
  CK_MECHANISM mechanism = {CKM_AES_GCM, &parameters, sizeof(parameters)};
  const CK_FUNCTION_LIST& functions = failed->functions();
  ASSERT_EQ(functions.C_EncryptInit(failed->handle(), &mechanism, key), CKR_OK);
  unsigned char output[16];
  CK_ULONG output_size = sizeof(output);
  EXPECT_NE(functions.C_Encrypt(failed->handle(), nullptr, 0, output, &output_size), CKR_OK);
  EXPECT_EQ(functions.C_EncryptInit(failed->handle(), &mechanism, key), CKR_OPERATION_ACTIVE);

  auto module = Pkcs11Module::Load(std::string(kModulePath)).value();
  auto fresh = Pkcs11Session::Open(module, module->FindToken(kTokenLabel).value(),
                                   /*read_write=*/false)
                   .value();
  failed.reset();
  EXPECT_TRUE(fresh->IsLoggedIn().value());
  EXPECT_EQ(fresh->functions().C_EncryptInit(fresh->handle(), &mechanism, key), CKR_OK);
  output_size = sizeof(output);
  unsigned char nothing = 0;
  EXPECT_EQ(fresh->functions().C_Encrypt(fresh->handle(), &nothing, 0, output, &output_size),
            CKR_OK);
}

TEST_F(Pkcs11SealerTest, KeepsWorkingAfterAFailedOperation) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  // Once answered CKR_ARGUMENTS_BAD, and left its session blocked for every later operation.
  ASSERT_TRUE(sealer->Seal(std::string_view(), kAssociated).has_value());
  const std::string sealed = sealer->Seal("secret", kAssociated).value();
  // A C_Decrypt that fails: its session is closed and a fresh one takes its place.
  ASSERT_EQ(sealer->Open(Altered(sealed, 20), kAssociated).error().code(),
            base::StatusCode::kPermissionDenied);
  for (int round = 0; round < 40; ++round) {
    const std::string secret = "secret " + std::to_string(round);
    const auto again = sealer->Seal(secret, kAssociated);
    ASSERT_TRUE(again.has_value()) << round << ": " << again.error().ToString();
    const auto opened = sealer->Open(*again, kAssociated);
    ASSERT_TRUE(opened.has_value()) << round << ": " << opened.error().ToString();
    EXPECT_EQ(*opened, secret);
    EXPECT_EQ(sealer->Open(sealed, kAssociated).value(), "secret") << round;
  }
  // The replacement kept the process logged in.
  auto module = Pkcs11Module::Load(std::string(kModulePath)).value();
  auto session = Pkcs11Session::Open(module, module->FindToken(kTokenLabel).value(),
                                     /*read_write=*/false)
                     .value();
  EXPECT_TRUE(session->IsLoggedIn().value());
}

TEST_F(Pkcs11SealerTest, ReplacesEverySessionLeftWithAnOperationUnderWay) {
  const auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  // Leaves an encryption under way in every session of the process, the sealer's among them, as
  // a failed C_Encrypt may. SoftHSM2 numbers sessions and objects from 1 up.
  auto module = Pkcs11Module::Load(std::string(kModulePath)).value();
  auto own = Pkcs11Session::Open(module, module->FindToken(kTokenLabel).value(),
                                 /*read_write=*/false)
                 .value();
  const CK_OBJECT_HANDLE key = own->FindSecretKeys(kKeyLabel).value().at(0);
  unsigned char iv[12] = {};
  CK_GCM_PARAMS parameters{iv, sizeof(iv), sizeof(iv) * 8, nullptr, 0, 128};
  CK_MECHANISM mechanism = {CKM_AES_GCM, &parameters, sizeof(parameters)};
  int blocked_count = 0;
  for (CK_SESSION_HANDLE handle = 1; handle < (1 << 16); ++handle) {
    if (module->functions().C_EncryptInit(handle, &mechanism, key) == CKR_OK) blocked_count += 1;
  }
  ASSERT_GE(blocked_count, 1 + 4);  // this test's session and the sealer's
  own.reset();
  // Each blocked session fails one operation, and is replaced: the pool hands out the session
  // idle longest, so the blocked ones come up one after the other, never the same one again.
  int failure_count = 0;
  for (int round = 0; round < 40; ++round) {
    const auto sealed = sealer->Seal("secret", kAssociated);
    if (!sealed) {
      failure_count += 1;
      EXPECT_NE(sealed.error().message().find("CKR_OPERATION_ACTIVE"), std::string::npos)
          << sealed.error().ToString();
      continue;
    }
    EXPECT_EQ(sealer->Open(*sealed, kAssociated).value(), "secret") << round;
  }
  EXPECT_GE(failure_count, 1);
  EXPECT_LE(failure_count, 4);
}

TEST_F(Pkcs11SealerTest, ChecksThePinOfASecondLoginThatTheTokenDoesNot) {
  const auto first = NewSealer();
  ASSERT_NE(first, nullptr);
  // The token answers CKR_USER_ALREADY_LOGGED_IN without a look at the PIN.
  const auto wrong = Pkcs11Sealer::FromToken(Config(), "wrong-pin-0000");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), base::StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong.error().message().find("wrong-pin"), std::string::npos);
  EXPECT_EQ(Pkcs11Sealer::CreateKey(Config("key-of-a-wrong-pin"), "wrong-pin-0000").code(),
            base::StatusCode::kPermissionDenied);
  // The right PIN still works, and the refusal did not end the first sealer's login.
  const auto second = NewSealer();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->Open(second->Seal("secret", "").value(), "").value(), "secret");
}

TEST_F(Pkcs11SealerTest, RefusesALoginItCannotCheck) {
  // Code other than Pkcs11Session logs the process in: the PIN it used is unknown here.
  auto module = Pkcs11Module::Load(std::string(kModulePath)).value();
  const CK_FUNCTION_LIST& functions = module->functions();
  CK_SESSION_HANDLE other = CK_INVALID_HANDLE;
  ASSERT_EQ(functions.C_OpenSession(module->FindToken(kTokenLabel).value(), CKF_SERIAL_SESSION,
                                    nullptr, nullptr, &other),
            CKR_OK);
  std::string pin(kPin);
  ASSERT_EQ(
      functions.C_Login(other, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size()),
      CKR_OK);
  const auto sealer = Pkcs11Sealer::FromToken(Config(), kPin);
  ASSERT_FALSE(sealer.has_value());
  EXPECT_EQ(sealer.error().code(), base::StatusCode::kPermissionDenied);
  ASSERT_EQ(functions.C_CloseSession(other), CKR_OK);  // the login ends with it
  EXPECT_NE(NewSealer(), nullptr);
}

TEST_F(Pkcs11SealerTest, RefusesAKeyThatIsNotKeptSealedOnTheToken) {
  const auto session = LoggedInSession();
  MakeAes256Key(*session, "not-sensitive", {.sensitive = CK_FALSE});
  MakeAes256Key(*session, "extractable", {.extractable = CK_TRUE});
  MakeAes256Key(*session, "no-encrypt", {.encrypt = CK_FALSE});
  MakeAes256Key(*session, "no-decrypt", {.decrypt = CK_FALSE});
  // A session object, gone with the session that made it: kept open while it is looked for.
  MakeAes256Key(*session, "session-key", {.token = CK_FALSE});
  MakeAes256Key(*session, "as-hsm-key-makes-it", {});
  const std::pair<std::string_view, std::string_view> refusals[] = {
      {"not-sensitive", "CKA_SENSITIVE"}, {"extractable", "CKA_EXTRACTABLE"},
      {"no-encrypt", "CKA_ENCRYPT"},      {"no-decrypt", "CKA_DECRYPT"},
      {"session-key", "CKA_TOKEN"},
  };
  for (const auto& [label, reason] : refusals) {
    const auto sealer = Pkcs11Sealer::FromToken(Config(label), kPin);
    ASSERT_FALSE(sealer.has_value()) << label;
    EXPECT_EQ(sealer.error().code(), base::StatusCode::kInvalidArgument)
        << label << ": " << sealer.error().ToString();
    EXPECT_NE(sealer.error().message().find(reason), std::string::npos)
        << label << ": " << sealer.error().ToString();
  }
  EXPECT_NE(NewSealer("as-hsm-key-makes-it"), nullptr);
}

}  // namespace
}  // namespace nuri::wallet
