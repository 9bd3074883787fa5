// The localnet's demo account keys (localnet.h), derived from the seed sealed in the localnet's
// directory: `nuri load` asks for them from many threads.
#include "cli/localnet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/hex.h"
#include "crypto/key_file.h"

namespace nuri::cli {
namespace {

class LocalnetKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A directory of its own for each test: the seed is cached by directory.
    directory_ = std::filesystem::temp_directory_path() /
                 ("nuri-localnet-keys-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    Write("password", "correct horse\n");
    Write("accounts.key",
          crypto::SealKeyFile({"localnet-accounts", seed_, true}, "correct horse").value());
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void Write(const std::string& name, const std::string& contents) {
    std::ofstream(directory_ / name) << contents;
  }

  std::filesystem::path directory_;
  crypto::SecretKey seed_ = crypto::SecretKey::Generate();
};

TEST_F(LocalnetKeysTest, ThreadsAskingAtOnceEachGetTheAccountsOwnKey) {
  const std::vector<std::string> accounts = {"kim@moef", "lee@moef", "issuer@bnk",
                                             "cafe@merchants"};
  constexpr int kThreads = 8;
  std::vector<std::vector<crypto::PublicKey>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& account : accounts) {
        auto key = LocalnetAccountKey(directory_.string(), account);
        if (key) seen[t].push_back(key->public_key());
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::vector<crypto::PublicKey> expected;
  const std::string seed_hex = base::ToHex(seed_.seed());
  for (const auto& account : accounts) {
    expected.push_back(crypto::DeriveTestKey(seed_hex + "/" + account).public_key());
  }
  EXPECT_NE(expected[0], expected[1]);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(seen[t], expected) << "thread " << t;
}

TEST_F(LocalnetKeysTest, AWrongPasswordOrAMissingDirectoryIsAnError) {
  EXPECT_FALSE(LocalnetAccountKey((directory_ / "absent").string(), "kim@moef").has_value());
  const std::filesystem::path other = directory_ / "other";
  std::filesystem::create_directories(other);
  std::filesystem::copy_file(directory_ / "accounts.key", other / "accounts.key");
  std::ofstream(other / "password") << "wrong\n";
  EXPECT_FALSE(LocalnetAccountKey(other.string(), "kim@moef").has_value());
}

}  // namespace
}  // namespace nuri::cli
