#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "crypto/keys.h"
#include "crypto/merkle.h"

namespace nuri::crypto {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Initialize(); }
};

TEST_F(CryptoTest, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(Sha256("abc").ToHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Builder builder;
  builder.Add("a");
  builder.Add("bc");
  EXPECT_EQ(builder.Finish(), Sha256("abc"));
}

TEST_F(CryptoTest, SignaturesVerifyOnlyForTheirMessageAndKey) {
  const SecretKey key = SecretKey::Generate();
  const SecretKey other = SecretKey::Generate();
  const std::string signature = key.Sign("pay 40000");
  EXPECT_TRUE(Verify(key.public_key(), "pay 40000", signature));
  EXPECT_FALSE(Verify(key.public_key(), "pay 40001", signature));
  EXPECT_FALSE(Verify(other.public_key(), "pay 40000", signature));
  EXPECT_FALSE(Verify(key.public_key(), "pay 40000", signature.substr(1)));
}

TEST_F(CryptoTest, TestKeysAreDeterministicPerLabel) {
  EXPECT_EQ(DeriveTestKey("kim@moef").public_key(), DeriveTestKey("kim@moef").public_key());
  EXPECT_NE(DeriveTestKey("kim@moef").public_key(), DeriveTestKey("lee@moef").public_key());
}

TEST_F(CryptoTest, PublicKeyTextRoundTrips) {
  const PublicKey key = DeriveTestKey("a@b").public_key();
  auto parsed = PublicKey::FromText(key.ToText());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, key);
  EXPECT_FALSE(PublicKey::FromText("ed25519:abcd").has_value());
  EXPECT_FALSE(PublicKey::FromText("rsa:00").has_value());
}

TEST_F(CryptoTest, KeyFileOpensOnlyWithItsPassword) {
  KeyFileContents contents{"issuer@bnk", SecretKey::Generate(), false};
  auto sealed = SealKeyFile(contents, "correct horse");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->find(base::ToHex(contents.secret.seed())), std::string::npos);
  auto opened = OpenKeyFile(*sealed, "correct horse");
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(opened->label, "issuer@bnk");
  EXPECT_EQ(opened->secret.public_key(), contents.secret.public_key());
  auto wrong = OpenKeyFile(*sealed, "wrong");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), base::StatusCode::kPermissionDenied);
  EXPECT_EQ(PeekKeyFilePublicKey(*sealed).value(), contents.secret.public_key());
}

TEST_F(CryptoTest, RelabelledKeyFileFailsToOpen) {
  KeyFileContents contents{"issuer@bnk", SecretKey::Generate(), false};
  std::string sealed = SealKeyFile(contents, "pw").value();
  const auto at = sealed.find("issuer@bnk");
  ASSERT_NE(at, std::string::npos);
  sealed.replace(at, 10, "issuer@kbk");
  EXPECT_FALSE(OpenKeyFile(sealed, "pw").has_value());
  std::string flipped = SealKeyFile(contents, "pw").value();
  const auto flag = flipped.find("\"test_key\":false");
  ASSERT_NE(flag, std::string::npos);
  flipped.replace(flag, 16, "\"test_key\":true");
  EXPECT_FALSE(OpenKeyFile(flipped, "pw").has_value());
}

std::vector<Hash> Leaves(int count) {
  std::vector<Hash> leaves;
  for (int i = 0; i < count; ++i) leaves.push_back(MerkleLeafHash(std::to_string(i)));
  return leaves;
}

TEST_F(CryptoTest, MerkleRootOfNothingIsZeroAndOfOneIsTheLeaf) {
  EXPECT_TRUE(MerkleRoot({}).IsZero());
  const auto one = Leaves(1);
  EXPECT_EQ(MerkleRoot(one), one[0]);
}

TEST_F(CryptoTest, MerkleProofsVerifyForEveryLeafOfManySizes) {
  for (int count = 1; count <= 17; ++count) {
    const auto leaves = Leaves(count);
    const Hash root = MerkleRoot(leaves);
    for (int index = 0; index < count; ++index) {
      const MerkleProof proof = MerkleProve(leaves, index);
      EXPECT_EQ(MerkleRootFromProof(leaves[index], proof), root) << count << " " << index;
      EXPECT_NE(MerkleRootFromProof(MerkleLeafHash("forged"), proof), root);
    }
  }
}

TEST_F(CryptoTest, OnlyThePathOfTheClaimedIndexMatchesIt) {
  for (int count = 1; count <= 17; ++count) {
    const auto leaves = Leaves(count);
    for (int index = 0; index < count; ++index) {
      MerkleProof proof = MerkleProve(leaves, index);
      EXPECT_TRUE(MerklePathMatchesIndex(proof)) << count << " " << index;
      if (count == 1) continue;
      proof.leaf_index = (index + 1) % count;
      EXPECT_FALSE(MerklePathMatchesIndex(proof)) << count << " " << index;
    }
  }
  // Leaf 6 of 7 goes up alone from the first level: two steps for three levels, and a proof
  // with a step too many does not fit.
  MerkleProof last = MerkleProve(Leaves(7), 6);
  ASSERT_EQ(last.steps.size(), 2u);
  last.steps.push_back(last.steps.front());
  EXPECT_FALSE(MerklePathMatchesIndex(last));
  EXPECT_FALSE(MerklePathMatchesIndex(MerkleProof{.leaf_index = 1, .leaf_count = 1}));
  EXPECT_FALSE(MerklePathMatchesIndex(MerkleProof{.leaf_index = 0, .leaf_count = 0}));
}

TEST_F(CryptoTest, OddLevelsPromoteRatherThanDuplicate) {
  auto three = Leaves(3);
  auto four = three;
  four.push_back(three[2]);
  EXPECT_NE(MerkleRoot(three), MerkleRoot(four));
}

}  // namespace
}  // namespace nuri::crypto
