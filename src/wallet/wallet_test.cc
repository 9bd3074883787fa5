#include <gtest/gtest.h>
#include <qrencode.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "base/clock.h"
#include "base/files.h"
#include "base/hex.h"
#include "crypto/key_file.h"
#include "crypto/keys.h"
#include "storage/memory_store.h"
#include "wallet/approval_book.h"
#include "wallet/authenticator.h"
#include "wallet/credential.h"
#include "wallet/password.h"
#include "wallet/payment_request.h"
#include "wallet/sealer.h"
#include "wallet/totp.h"

namespace nuri::wallet {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPassword = "correct horse battery";
constexpr std::string_view kNodePassword = "node password";
// 2026-03-02 09:00:00 KST, the middle of a TOTP step.
constexpr std::int64_t kStartMillis = 1'772'409'615'000;

core::AccountId Account(std::string_view text) { return core::AccountId::Parse(text).value(); }

std::unique_ptr<FileKeySealer> NewSealer() {
  return FileKeySealer::FromKeyFile(FileKeySealer::NewKeyFile("v1", kNodePassword).value(),
                                    kNodePassword)
      .value();
}

class WalletTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crypto::Initialize(); }

  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("nuri-wallet-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    sealer_ = NewSealer();
  }
  void TearDown() override { fs::remove_all(directory_); }

  WalletDirectory Wallets() const { return WalletDirectory((directory_ / "wallets").string()); }

  // Enrols `account` and returns its TOTP secret.
  std::string EnrolSaved(std::string_view account) {
    auto enrolment = Enrol(Account(account), kPassword, *sealer_, clock_.NowMillis());
    EXPECT_TRUE(enrolment.has_value());
    EXPECT_TRUE(Wallets().Save(enrolment->credential).ok());
    return enrolment->totp_secret;
  }

  std::string CodeAt(const std::string& secret, std::int64_t millis) const {
    return TotpCode(secret, millis / 1000);
  }
  std::string CodeNow(const std::string& secret) const { return CodeAt(secret, clock_.NowMillis()); }
  // Six digits that are no code of the steps accepted now.
  std::string WrongCode(const std::string& secret) const {
    for (int candidate = 0;; ++candidate) {
      std::string code = std::to_string(candidate);
      code.insert(0, kTotpDigits - code.size(), '0');
      if (!MatchTotp(secret, code, clock_.NowMillis() / 1000)) return code;
    }
  }
  // Moves the clock to the next TOTP step, so that a fresh code exists.
  void NextStep() { clock_.AdvanceMillis(kTotpStepSeconds * 1000); }

  fs::path directory_;
  std::unique_ptr<FileKeySealer> sealer_;
  base::ManualClock clock_{kStartMillis};
  storage::MemoryStore store_;
};

TEST(Totp, MatchesTheCodesOfRfc6238) {
  // RFC 6238, Appendix B: the SHA-1 secret, the 8-digit codes' last six digits.
  const std::string secret = "12345678901234567890";
  EXPECT_EQ(TotpCode(secret, 59), "287082");
  EXPECT_EQ(TotpCode(secret, 1111111109), "081804");
  EXPECT_EQ(TotpCode(secret, 1234567890), "005924");
  EXPECT_EQ(TotpCode(secret, 2000000000), "279037");
}

TEST(Totp, AcceptsTheStepsBesideNowAndNothingFurther) {
  const std::string secret = NewTotpSecret();
  ASSERT_EQ(secret.size(), kTotpSecretSizeBytes);
  const std::int64_t now = 1'772'409'615;
  const std::uint64_t step = now / kTotpStepSeconds;
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now), now), step);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now - kTotpStepSeconds), now), step - 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now + kTotpStepSeconds), now), step + 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now - 2 * kTotpStepSeconds), now), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now + 2 * kTotpStepSeconds), now), std::nullopt);
}

TEST(Totp, RefusesWhatIsNotSixDigits) {
  const std::string secret = NewTotpSecret();
  const std::int64_t now = 1'772'409'615;
  const std::string code = TotpCode(secret, now);
  EXPECT_EQ(MatchTotp(secret, code.substr(0, 5), now), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, code + "0", now), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, "12345a", now), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, " " + code.substr(1), now), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, "", now), std::nullopt);
}

TEST(Totp, WritesTheSecretAsAuthenticatorAppsReadIt) {
  EXPECT_EQ(Base32("foobar"), "MZXW6YTBOI");  // RFC 4648, section 10, without padding
  EXPECT_EQ(Base32("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(OtpauthUri("kim@moef", "12345678901234567890"),
            "otpauth://totp/Nuri:kim%40moef?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Nuri&algorithm=SHA1&digits=6&period=30");
}

TEST(Totp, ReadsTheSecretBackFromBase32) {
  EXPECT_EQ(FromBase32("MZXW6YTBOI"), "foobar");
  EXPECT_EQ(FromBase32("MZXW6YTBOI======"), "foobar");
  const std::string secret = NewTotpSecret();
  EXPECT_EQ(FromBase32(Base32(secret)), secret);
  EXPECT_EQ(FromBase32("MZXW6YTBO1"), std::nullopt);  // '1' is not in the alphabet
  EXPECT_EQ(FromBase32("not base32!"), std::nullopt);
}

TEST(Password, IsStoredAsAnArgon2idHashThatChecksOnlyItself) {
  EXPECT_FALSE(CheckPasswordPolicy("short").ok());
  EXPECT_FALSE(CheckPasswordPolicy(std::string(kPasswordSizeBytesMax + 1, 'x')).ok());
  EXPECT_TRUE(CheckPasswordPolicy(kPassword).ok());
  const std::string hash = HashPassword(kPassword).value();
  EXPECT_TRUE(hash.starts_with("$argon2id$"));
  EXPECT_EQ(hash.find(kPassword), std::string::npos);
  EXPECT_TRUE(PasswordMatches(hash, kPassword));
  EXPECT_FALSE(PasswordMatches(hash, "correct horse battery."));
  EXPECT_FALSE(PasswordMatches("not a hash", kPassword));
  EXPECT_NE(HashPassword(kPassword).value(), hash);  // a new salt each time
}

TEST(Sealer, OpensOnlyWhatItSealedForTheSameAssociatedData) {
  crypto::Initialize();
  const auto sealer = NewSealer();
  const std::string sealed = sealer->Seal("secret", "kim@moef totp").value();
  EXPECT_EQ(sealed.find("secret"), std::string::npos);
  EXPECT_EQ(sealer->Open(sealed, "kim@moef totp").value(), "secret");
  EXPECT_EQ(sealer->Open(sealed, "lee@moef totp").error().code(),
            base::StatusCode::kPermissionDenied);
  std::string tampered = sealed;
  tampered.back() ^= 1;
  EXPECT_FALSE(sealer->Open(tampered, "kim@moef totp").has_value());
  EXPECT_FALSE(sealer->Open(sealed.substr(0, 10), "kim@moef totp").has_value());
  EXPECT_FALSE(NewSealer()->Open(sealed, "kim@moef totp").has_value());  // another node's key
}

TEST(Sealer, TheKeyFileNeedsTheNodePasswordAndMustBeAWalletKey) {
  crypto::Initialize();
  const std::string file = FileKeySealer::NewKeyFile("v1", kNodePassword).value();
  EXPECT_EQ(FileKeySealer::FromKeyFile(file, "wrong").error().code(),
            base::StatusCode::kPermissionDenied);
  const std::string account_key =
      crypto::SealKeyFile({"kim@moef", crypto::SecretKey::Generate(), false}, kNodePassword)
          .value();
  EXPECT_EQ(FileKeySealer::FromKeyFile(account_key, kNodePassword).error().code(),
            base::StatusCode::kInvalidArgument);
  // The same file opened twice seals for each other.
  const auto first = FileKeySealer::FromKeyFile(file, kNodePassword).value();
  const auto second = FileKeySealer::FromKeyFile(file, kNodePassword).value();
  EXPECT_EQ(second->Open(first->Seal("x", "ad").value(), "ad").value(), "x");
}

TEST_F(WalletTest, AnEnrolmentSealsItsSecretsAndSurvivesItsFile) {
  auto enrolment = Enrol(Account("kim@moef"), kPassword, *sealer_, clock_.NowMillis()).value();
  const WalletCredential& credential = enrolment.credential;
  ASSERT_TRUE(Wallets().Save(credential).ok());
  const std::string path = Wallets().directory() + "/kim@moef.json";
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string text = base::ReadFile(path).value();
  EXPECT_EQ(text.find(base::ToHex(enrolment.totp_secret)), std::string::npos);
  EXPECT_EQ(text.find(std::string(kPassword)), std::string::npos);

  const WalletCredential loaded = Wallets().Load(Account("kim@moef")).value();
  EXPECT_EQ(EncodeCredential(loaded), EncodeCredential(credential));
  EXPECT_EQ(OpenTotpSecret(loaded, *sealer_).value(), enrolment.totp_secret);
  EXPECT_EQ(OpenSigningKey(loaded, *sealer_).value().public_key(), credential.public_key);
  EXPECT_TRUE(PasswordMatches(loaded.password_hash, kPassword));
  EXPECT_EQ(Wallets().Load(Account("lee@moef")).error().code(), base::StatusCode::kNotFound);
}

TEST_F(WalletTest, SealedSecretsDoNotOpenInAnotherPlace) {
  const WalletCredential kim =
      Enrol(Account("kim@moef"), kPassword, *sealer_, clock_.NowMillis()).value().credential;
  const WalletCredential lee =
      Enrol(Account("lee@moef"), kPassword, *sealer_, clock_.NowMillis()).value().credential;
  WalletCredential swapped = kim;
  swapped.sealed_totp_secret = kim.sealed_signing_key;
  EXPECT_FALSE(OpenTotpSecret(swapped, *sealer_).has_value());
  swapped = lee;
  swapped.sealed_signing_key = kim.sealed_signing_key;
  EXPECT_FALSE(OpenSigningKey(swapped, *sealer_).has_value());
  swapped = kim;
  swapped.account = Account("lee@moef");
  EXPECT_FALSE(OpenTotpSecret(swapped, *sealer_).has_value());
  swapped = kim;
  swapped.public_key = lee.public_key;
  EXPECT_FALSE(OpenSigningKey(swapped, *sealer_).has_value());
}

TEST_F(WalletTest, ACredentialFileIsCheckedFieldByField) {
  const WalletCredential credential =
      Enrol(Account("kim@moef"), kPassword, *sealer_, clock_.NowMillis()).value().credential;
  const std::string text = EncodeCredential(credential);
  ASSERT_TRUE(DecodeCredential(text).has_value());
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string changed = text;
    const auto at = changed.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    changed.replace(at, from.size(), to);
    return DecodeCredential(changed);
  };
  EXPECT_FALSE(replaced("\"version\":1", "\"version\":2").has_value());
  EXPECT_FALSE(replaced("\"nuri-wallet\"", "\"nuri-key-file\"").has_value());
  EXPECT_FALSE(replaced("\"kim@moef\"", "\"Kim\"").has_value());
  EXPECT_FALSE(replaced("$argon2id$", "$argon2i$").has_value());
  EXPECT_FALSE(replaced("\"totp_secret\":\"", "\"totp_secret\":\"zz").has_value());
  EXPECT_FALSE(replaced("\"enrolment\":\"", "\"enrolment\":\"00").has_value());
  EXPECT_FALSE(DecodeCredential("[]").has_value());
  EXPECT_FALSE(DecodeCredential(std::string(20000, ' ')).has_value());
  // A file renamed to another account's name is not that account's wallet.
  ASSERT_TRUE(Wallets().Save(credential).ok());
  fs::rename(Wallets().directory() + "/kim@moef.json", Wallets().directory() + "/lee@moef.json");
  EXPECT_EQ(Wallets().Load(Account("lee@moef")).error().code(), base::StatusCode::kCorruption);
}

TEST_F(WalletTest, ALoginNeedsThePasswordAndAFreshCode) {
  const std::string secret = EnrolSaved("kim@moef");
  Authenticator auth(Wallets(), *sealer_, store_, clock_);
  const auto token = auth.Login("kim@moef", kPassword, CodeNow(secret));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  const auto session = auth.Session(*token);
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->account.str(), "kim@moef");
  EXPECT_FALSE(auth.Session(*token + "x").has_value());

  // The same code again, even with the right password, is a failure.
  const auto replayed = auth.Login("kim@moef", kPassword, CodeNow(secret));
  ASSERT_FALSE(replayed.has_value());
  EXPECT_EQ(replayed.error().kind, Refusal::Kind::kWrongCredentials);
  // So is the code of the step before, once a later one was used.
  EXPECT_FALSE(
      auth.Login("kim@moef", kPassword, CodeAt(secret, clock_.NowMillis() - 30'000)).has_value());
  NextStep();
  EXPECT_FALSE(auth.Login("kim@moef", "correct horse batterx", CodeNow(secret)).has_value());
  EXPECT_FALSE(auth.Login("kim@moef", kPassword, WrongCode(secret)).has_value());
  // Every refusal reads the same, whatever was wrong, and whether or not there is a wallet.
  const auto unknown = auth.Login("lee@moef", kPassword, CodeNow(secret));
  const auto malformed = auth.Login("not an account", kPassword, CodeNow(secret));
  ASSERT_FALSE(unknown.has_value());
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(unknown.error().message, replayed.error().message);
  EXPECT_EQ(malformed.error().message, replayed.error().message);
  // Four failures so far on kim@moef: the next right attempt still gets in and resets them.
  EXPECT_TRUE(auth.Login("kim@moef", kPassword, CodeNow(secret)).has_value());
}

TEST_F(WalletTest, FiveFailuresLockTheWalletForAGrowingTimeEvenAcrossARestart) {
  const std::string secret = EnrolSaved("kim@moef");
  {
    Authenticator auth(Wallets(), *sealer_, store_, clock_);
    for (int i = 0; i < kFailuresBeforeLock; ++i) {
      const auto refused = auth.Login("kim@moef", "a wrong password", CodeNow(secret));
      ASSERT_FALSE(refused.has_value());
      EXPECT_EQ(refused.error().kind, Refusal::Kind::kWrongCredentials);
    }
  }
  Authenticator auth(Wallets(), *sealer_, store_, clock_);  // the node restarted
  NextStep();
  auto locked = auth.Login("kim@moef", kPassword, CodeNow(secret));
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().kind, Refusal::Kind::kLocked);
  EXPECT_GT(locked.error().retry_after_millis, 0);
  EXPECT_LE(locked.error().retry_after_millis, 60'000);
  // The lock ends; one more failure locks again, for twice as long.
  clock_.AdvanceMillis(60'000);
  ASSERT_FALSE(auth.Login("kim@moef", "a wrong password", CodeNow(secret)).has_value());
  NextStep();
  locked = auth.Login("kim@moef", kPassword, CodeNow(secret));
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().kind, Refusal::Kind::kLocked);
  EXPECT_GT(locked.error().retry_after_millis, 60'000);
  clock_.AdvanceMillis(120'000);
  EXPECT_TRUE(auth.Login("kim@moef", kPassword, CodeNow(secret)).has_value());
  // The count starts over after a success.
  NextStep();
  for (int i = 0; i < kFailuresBeforeLock - 1; ++i) {
    ASSERT_FALSE(auth.Login("kim@moef", "a wrong password", CodeNow(secret)).has_value());
  }
  EXPECT_TRUE(auth.Login("kim@moef", kPassword, CodeNow(secret)).has_value());
}

TEST_F(WalletTest, SessionsEndWhenIdleWhenOldAtLogoutAndAtReEnrolment) {
  std::string secret = EnrolSaved("kim@moef");
  Authenticator auth(Wallets(), *sealer_, store_, clock_,
                     AuthenticatorOptions{.session_idle_millis = 600'000,
                                          .session_lifetime_millis = 3'600'000});
  auto login = [&] {
    NextStep();
    return auth.Login("kim@moef", kPassword, CodeNow(secret)).value();
  };
  const std::string idle = login();
  clock_.AdvanceMillis(599'000);
  EXPECT_TRUE(auth.Session(idle).has_value());  // used: idle time starts again
  clock_.AdvanceMillis(599'000);
  EXPECT_TRUE(auth.Session(idle).has_value());
  clock_.AdvanceMillis(600'000);
  EXPECT_FALSE(auth.Session(idle).has_value());

  const std::string busy = login();
  for (int i = 0; i < 7; ++i) {
    clock_.AdvanceMillis(i < 6 ? 500'000 : 598'000);  // used last at 3,598 s
    EXPECT_TRUE(auth.Session(busy).has_value());
  }
  clock_.AdvanceMillis(3'000);
  EXPECT_FALSE(auth.Session(busy).has_value());  // used 3 s ago, but an hour since the login

  const std::string ended = login();
  EXPECT_TRUE(auth.Logout(ended));
  EXPECT_FALSE(auth.Logout(ended));
  EXPECT_FALSE(auth.Session(ended).has_value());

  const std::string before = login();
  secret = EnrolSaved("kim@moef");  // a new enrolment: new secret, sessions end
  EXPECT_FALSE(auth.Session(before).has_value());
  EXPECT_TRUE(auth.Session(login()).has_value());
}

TEST_F(WalletTest, AnAccountWithoutAWalletLocksLikeOneWithAWrongPassword) {
  const std::string secret = EnrolSaved("kim@moef");
  Authenticator auth(Wallets(), *sealer_, store_, clock_);
  for (const std::string account : {"kim@moef", "lee@moef"}) {
    for (int i = 0; i < kFailuresBeforeLock; ++i) {
      const auto refused = auth.Login(account, "a wrong password", CodeNow(secret));
      ASSERT_FALSE(refused.has_value());
      EXPECT_EQ(refused.error().kind, Refusal::Kind::kWrongCredentials) << account;
      EXPECT_EQ(refused.error().message, "wrong account, password or code");
    }
    const auto locked = auth.Login(account, kPassword, CodeNow(secret));
    ASSERT_FALSE(locked.has_value());
    EXPECT_EQ(locked.error().kind, Refusal::Kind::kLocked) << account;
    EXPECT_EQ(locked.error().retry_after_millis, 60'000) << account;
  }
  // Strangers' guesses leave nothing on disk but the one decoy record.
  std::vector<std::string> keys;
  ASSERT_TRUE(store_
                  .Scan("",
                        [&](std::string_view key, std::string_view) {
                          keys.emplace_back(key);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"wallet-login-decoy", "wallet-login/kim@moef"}));
}

TEST_F(WalletTest, AReEnrolmentClearsALock) {
  std::string secret = EnrolSaved("kim@moef");
  Authenticator auth(Wallets(), *sealer_, store_, clock_);
  for (int i = 0; i < kFailuresBeforeLock; ++i) {
    ASSERT_FALSE(auth.Login("kim@moef", "a wrong password", CodeNow(secret)).has_value());
  }
  NextStep();
  ASSERT_EQ(auth.Login("kim@moef", kPassword, CodeNow(secret)).error().kind,
            Refusal::Kind::kLocked);
  secret = EnrolSaved("kim@moef");
  EXPECT_TRUE(auth.Login("kim@moef", kPassword, CodeNow(secret)).has_value());
}

TEST_F(WalletTest, AStepUpNeedsAFreshCodeAndItsFailuresCount) {
  const std::string secret = EnrolSaved("kim@moef");
  Authenticator auth(Wallets(), *sealer_, store_, clock_);
  ASSERT_TRUE(auth.Login("kim@moef", kPassword, CodeNow(secret)).has_value());
  // The login's code was used.
  EXPECT_FALSE(auth.StepUp(Account("kim@moef"), CodeNow(secret)).has_value());
  NextStep();
  EXPECT_TRUE(auth.StepUp(Account("kim@moef"), CodeNow(secret)).has_value());
  EXPECT_FALSE(auth.StepUp(Account("kim@moef"), CodeNow(secret)).has_value());
  for (int i = 0; i < kFailuresBeforeLock - 1; ++i) {
    ASSERT_FALSE(auth.StepUp(Account("kim@moef"), WrongCode(secret)).has_value());
  }
  NextStep();
  EXPECT_EQ(auth.StepUp(Account("kim@moef"), CodeNow(secret)).error().kind,
            Refusal::Kind::kLocked);
}

TEST_F(WalletTest, TheSigningKeyIsTheEnrolledOne) {
  EnrolSaved("kim@moef");
  Authenticator auth(Wallets(), *sealer_, store_, clock_);
  const WalletCredential credential = Wallets().Load(Account("kim@moef")).value();
  const crypto::SecretKey key = auth.SigningKey(Account("kim@moef")).value();
  EXPECT_EQ(key.public_key(), credential.public_key);
  EXPECT_TRUE(crypto::Verify(key.public_key(), "message", key.Sign("message")));
  EXPECT_EQ(auth.SigningKey(Account("lee@moef")).error().code(), base::StatusCode::kNotFound);
  // Under another node's wallet key the file does not open.
  const auto other = NewSealer();
  Authenticator elsewhere(Wallets(), *other, store_, clock_);
  EXPECT_FALSE(elsewhere.SigningKey(Account("kim@moef")).has_value());
}

}  // namespace
}  // namespace nuri::wallet

namespace nuri::wallet {
namespace {

TEST(PaymentRequests, AreCheckedWhenMade) {
  PaymentRequestBook book;
  const core::AccountId cafe = core::AccountId::Parse("cafe@merchants").value();
  EXPECT_FALSE(book.Create(cafe, core::Amount::Won(0), "", 60'000, 0).has_value());
  EXPECT_FALSE(book.Create(cafe, core::Amount::Won(1), std::string(141, 'x'), 60'000, 0));
  EXPECT_FALSE(book.Create(cafe, core::Amount::Won(1), "a\nb", 60'000, 0));
  EXPECT_FALSE(book.Create(cafe, core::Amount::Won(1), "", 59'999, 0).has_value());
  EXPECT_FALSE(book.Create(cafe, core::Amount::Won(1), "", 86'400'001, 0).has_value());
  const auto request = book.Create(cafe, core::Amount::Won(30000), "lunch", 60'000, 1000);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->id.size(), 32u);
  // The id alone: what the payer is shown comes from the node, not from the picture.
  EXPECT_EQ(PaymentRequestUri(*request), "nuri:pay?request=" + request->id);
  EXPECT_NE(book.Create(cafe, core::Amount::Won(30000), "lunch", 60'000, 1000)->id, request->id);
}

TEST(PaymentRequests, ArePaidOnceAndNeverAfterTheyExpire) {
  PaymentRequestBook book;
  const core::AccountId cafe = core::AccountId::Parse("cafe@merchants").value();
  const core::AccountId kim = core::AccountId::Parse("kim@moef").value();
  const crypto::Hash payment = crypto::Sha256("payment");
  const std::string id = book.Create(cafe, core::Amount::Won(1000), "", 60'000, 0)->id;
  ASSERT_TRUE(book.BeginPaying(id, kim, payment, 9000, 1000).has_value());
  EXPECT_EQ(book.Find(id, 1000)->status, PaymentRequest::Status::kPaying);
  EXPECT_EQ(book.BeginPaying(id, kim, payment, 9000, 1000).error().code(),
            base::StatusCode::kAlreadyExists);
  book.FinishPaying(id, crypto::Sha256("another payment"), false);  // not the one holding it
  EXPECT_EQ(book.Find(id, 1000)->status, PaymentRequest::Status::kPaying);
  book.FinishPaying(id, payment, false);  // the payment did not commit: open again
  const auto reopened = book.Find(id, 1000);
  EXPECT_EQ(reopened->status, PaymentRequest::Status::kOpen);
  EXPECT_FALSE(reopened->payment.has_value());
  ASSERT_TRUE(book.BeginPaying(id, kim, payment, 9000, 2000).has_value());
  book.FinishPaying(id, payment, true);
  const auto paid = book.Find(id, 120'000);  // paid stays paid past the expiry
  EXPECT_EQ(paid->status, PaymentRequest::Status::kPaid);
  EXPECT_EQ(paid->payment, payment);
  EXPECT_EQ(paid->payer, kim);
  EXPECT_EQ(book.BeginPaying(id, kim, payment, 9000, 3000).error().code(),
            base::StatusCode::kAlreadyExists);

  const std::string late = book.Create(cafe, core::Amount::Won(1000), "", 60'000, 0)->id;
  EXPECT_EQ(book.Find(late, 60'000)->status, PaymentRequest::Status::kExpired);
  EXPECT_EQ(book.BeginPaying(late, kim, payment, 90'000, 60'000).error().code(),
            base::StatusCode::kInvalidArgument);
  EXPECT_EQ(book.BeginPaying("0123", kim, payment, 9000, 0).error().code(),
            base::StatusCode::kNotFound);
  EXPECT_FALSE(book.Find("0123", 0).has_value());
}

TEST(PaymentRequests, AMerchantMayHaveAThousandUnpaidAndBePaidWithoutEnd) {
  PaymentRequestBook book;
  const core::AccountId cafe = core::AccountId::Parse("cafe@merchants").value();
  const core::AccountId bar = core::AccountId::Parse("bar@merchants").value();
  const core::AccountId kim = core::AccountId::Parse("kim@moef").value();
  std::vector<std::string> unpaid;
  for (std::size_t i = 0; i < kPaymentRequestsPerMerchantMax; ++i) {
    unpaid.push_back(book.Create(cafe, core::Amount::Won(1000), "", 60'000, 0).value().id);
  }
  EXPECT_EQ(book.Create(cafe, core::Amount::Won(1000), "", 60'000, 0).error().code(),
            base::StatusCode::kResourceExhausted);
  EXPECT_TRUE(book.Create(bar, core::Amount::Won(1000), "", 60'000, 0).has_value());
  // Each request paid makes room for another, however many were paid before.
  for (std::size_t i = 0; i < 3 * kPaymentRequestsPerMerchantMax; ++i) {
    const std::string id = unpaid[i % unpaid.size()];
    const crypto::Hash payment = crypto::Sha256("payment " + std::to_string(i));
    ASSERT_TRUE(book.BeginPaying(id, kim, payment, 50'000, 1000).has_value()) << i;
    book.FinishPaying(id, payment, true);
    unpaid[i % unpaid.size()] =
        book.Create(cafe, core::Amount::Won(1000), "", 60'000, 1000).value().id;
  }
  // Past their time the unpaid go, and their places with them; the paid stay a day longer.
  const std::string paid = book.Create(cafe, core::Amount::Won(1000), "", 60'000, 70'000)->id;
  ASSERT_TRUE(book.BeginPaying(paid, kim, crypto::Sha256("paid"), 90'000, 70'000).has_value());
  book.FinishPaying(paid, crypto::Sha256("paid"), true);
  EXPECT_FALSE(book.Find(unpaid.front(), 70'000).has_value());
  EXPECT_EQ(book.Find(paid, 70'000 + kPaymentRequestLifetimeMillisMax)->status,
            PaymentRequest::Status::kPaid);
  book.Create(cafe, core::Amount::Won(1000), "", 60'000,
              130'000 + kPaymentRequestLifetimeMillisMax);
  EXPECT_FALSE(book.Find(paid, 130'000 + kPaymentRequestLifetimeMillisMax).has_value());
}

TEST(PaymentRequests, AnExpiredRequestWhosePaymentFailedGivesItsPlaceBackAtOnce) {
  PaymentRequestBook book;
  const core::AccountId cafe = core::AccountId::Parse("cafe@merchants").value();
  const core::AccountId kim = core::AccountId::Parse("kim@moef").value();
  std::vector<std::string> held;
  for (std::size_t i = 0; i < kPaymentRequestsPerMerchantMax; ++i) {
    const std::string id = book.Create(cafe, core::Amount::Won(1), "", 60'000, 0).value().id;
    ASSERT_TRUE(book.BeginPaying(id, kim, crypto::Sha256(id), 3'600'000, 0).has_value());
    held.push_back(id);
  }
  // Past their time while held (waiting for an approver, say): still counted while held.
  EXPECT_FALSE(book.Create(cafe, core::Amount::Won(1), "", 60'000, 120'000).has_value());
  for (const std::string& id : held) book.FinishPaying(id, crypto::Sha256(id), false);
  // Declined: expired and open, they go at once and give their places back.
  EXPECT_TRUE(book.Create(cafe, core::Amount::Won(1), "", 60'000, 130'000).has_value());
  EXPECT_FALSE(book.Find(held.front(), 130'000).has_value());
}

TEST(PaymentRequests, TheLongestPaidAreForgottenFirstBeyondTheMostKept) {
  PaymentRequestBook book;
  const core::AccountId kim = core::AccountId::Parse("kim@moef").value();
  std::vector<std::string> paid;
  for (std::size_t i = 0; i <= kPaidRequestsKeptMax; ++i) {
    // Spread over merchants, as a node's takings are.
    const core::AccountId merchant =
        core::AccountId::Parse("shop" + std::to_string(i % 200) + "@merchants").value();
    const std::string id = book.Create(merchant, core::Amount::Won(1), "", 60'000, 0).value().id;
    const crypto::Hash payment = crypto::Sha256(id);
    ASSERT_TRUE(book.BeginPaying(id, kim, payment, 50'000, 0).has_value());
    book.FinishPaying(id, payment, true);
    paid.push_back(id);
  }
  const auto cafe = core::AccountId::Parse("cafe@merchants").value();
  ASSERT_TRUE(book.Create(cafe, core::Amount::Won(1), "", 60'000, 0).has_value());
  EXPECT_FALSE(book.Find(paid.front(), 0).has_value());
  EXPECT_EQ(book.Find(paid[1], 0)->status, PaymentRequest::Status::kPaid);
  EXPECT_EQ(book.Find(paid.back(), 0)->status, PaymentRequest::Status::kPaid);
}

core::RoleSet ApproverRoles() {
  core::RoleSet roles;
  roles.Add(core::Role::kApprover);
  return roles;
}

// A payment by `payer` as a wallet signs it, waiting for a co-signature.
core::Transaction PaymentBy(const std::string& payer, std::uint64_t nonce) {
  core::Transaction tx;
  tx.chain_id = "nuri-test";
  tx.signer = core::AccountId::Parse(payer).value();
  tx.nonce = nonce;
  tx.valid_until = 10'000'000;
  tx.body = core::Pay{"bpe-moef", core::AccountId::Parse("cafe@merchants").value(),
                      core::Amount::Won(1'000'000)};
  core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(payer));
  return tx;
}

TEST(Approvals, WaitForOneApproverOfThePayersOrganizationUntilTheyExpire) {
  crypto::Initialize();
  ApprovalBook book;
  const auto first = book.Add("request-1", PaymentBy("kim@moef", 1), ApproverRoles(),
                              /*now=*/1000, /*expires=*/5000);
  const auto second = book.Add("request-2", PaymentBy("lee@moef", 2), ApproverRoles(), 2000, 9000);
  const auto elsewhere =
      book.Add("request-3", PaymentBy("park@me", 3), ApproverRoles(), 1500, 9000);
  ASSERT_TRUE(first && second && elsewhere);
  EXPECT_NE(first->id, second->id);
  EXPECT_EQ(first->payment_id, core::TransactionId(PaymentBy("kim@moef", 1)));
  auto ids = [](const std::vector<PendingApproval>& approvals) {
    std::vector<std::string> ids;
    for (const auto& approval : approvals) ids.push_back(approval.id);
    return ids;
  };
  EXPECT_EQ(ids(book.Waiting("moef", 3000)), (std::vector<std::string>{first->id, second->id}));
  EXPECT_EQ(ids(book.Waiting("me", 3000)), (std::vector<std::string>{elsewhere->id}));

  // One approver at a time: the second is told it is taken; a wrong code gives it back.
  ASSERT_TRUE(book.BeginApproving(first->id, 3000).has_value());
  EXPECT_EQ(book.BeginApproving(first->id, 3000).error().code(), base::StatusCode::kUnavailable);
  EXPECT_EQ(ids(book.Waiting("moef", 3000)), (std::vector<std::string>{second->id}));
  book.StopApproving(first->id);
  EXPECT_EQ(book.Waiting("moef", 3000).size(), 2u);

  // At its time an approval is gone, and handed back once so its request can be freed.
  EXPECT_FALSE(book.Find(first->id, 5000).has_value());
  EXPECT_EQ(book.BeginApproving(first->id, 5000).error().code(), base::StatusCode::kNotFound);
  const auto expired = book.TakeExpired(5000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].request, "request-1");
  EXPECT_TRUE(book.TakeExpired(5000).empty());
  book.Remove(second->id);
  EXPECT_TRUE(book.Waiting("moef", 3000).empty());
  EXPECT_FALSE(book.Find(second->id, 3000).has_value());
}

// The dark modules an SVG of QrCodeSvg paints, as (x, y) in its own coordinates (quiet zone
// included), read back from its path of horizontal runs "Mx yhNv1h-Nz".
std::set<std::pair<int, int>> PaintedModules(const std::string& svg) {
  std::set<std::pair<int, int>> painted;
  const std::size_t path = svg.find(" d=\"");
  EXPECT_NE(path, std::string::npos);
  std::istringstream commands(svg.substr(path + 4, svg.find('"', path + 4) - path - 4));
  char m = 0, h = 0, v = 0, back = 0, z = 0;
  int x = 0, y = 0, run = 0, up = 0, run_back = 0;
  while (commands >> m >> x >> y >> h >> run >> v >> up >> back >> run_back >> z) {
    EXPECT_TRUE(m == 'M' && h == 'h' && v == 'v' && up == 1 && back == 'h' && z == 'z');
    EXPECT_EQ(run_back, -run);
    EXPECT_GT(run, 0);
    for (int i = 0; i < run; ++i) EXPECT_TRUE(painted.emplace(x + i, y).second);
  }
  return painted;
}

TEST(PaymentRequests, QrCodeSvgPaintsExactlyTheCodesDarkModulesInsideAQuietZone) {
  const std::string text = "nuri:pay?request=00112233445566778899aabbccddeeff";
  const std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  ASSERT_TRUE(code);
  // 49 bytes at error correction M take version 4: 33 modules a side, 41 with the quiet zone.
  ASSERT_EQ(code->width, 33);
  const std::string svg = QrCodeSvg(text);
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 41 41\""));
  EXPECT_TRUE(svg.ends_with("</svg>"));
  std::set<std::pair<int, int>> dark;
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (code->data[y * code->width + x] & 1) dark.emplace(x + 4, y + 4);
    }
  }
  EXPECT_EQ(PaintedModules(svg), dark);
  // Whatever the library, a QR code's top-left finder: a dark 7 x 7 ring, a light ring, a dark
  // 3 x 3 centre, and a light separator row and column; here starting at (4, 4).
  const auto painted = PaintedModules(svg);
  for (int dy = 0; dy < 8; ++dy) {
    for (int dx = 0; dx < 8; ++dx) {
      const int ring = std::max(std::abs(dx - 3), std::abs(dy - 3));
      const bool finder_dark = dx < 7 && dy < 7 && ring != 2;
      EXPECT_EQ(painted.contains({4 + dx, 4 + dy}), finder_dark) << dx << "," << dy;
    }
  }
  // Runs join neighbours: far fewer rectangles than dark modules.
  std::size_t rectangles = 0;
  for (std::size_t at = svg.find('M'); at != std::string::npos; at = svg.find('M', at + 1)) {
    ++rectangles;
  }
  EXPECT_LT(rectangles, dark.size() * 2 / 3);
  // A longer text takes a larger version.
  EXPECT_FALSE(QrCodeSvg(std::string(200, 'x')).starts_with(svg.substr(0, 80)));
}

}  // namespace
}  // namespace nuri::wallet
