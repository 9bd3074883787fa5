#include "crypto/merkle.h"

#include <array>
#include <cstring>

#include "base/check.h"

namespace nuri::crypto {

Hash MerkleLeafHash(std::string_view leaf) {
  Sha256Builder builder;
  builder.Add(std::string_view("\x00", 1));
  builder.Add(leaf);
  return builder.Finish();
}

Hash MerkleNodeHash(const Hash& left, const Hash& right) {
  // One piece instead of three: state roots hash some fourteen nodes per transaction.
  std::array<char, 1 + 2 * kHashSizeBytes> node;
  node[0] = '\x01';
  std::memcpy(node.data() + 1, left.bytes.data(), kHashSizeBytes);
  std::memcpy(node.data() + 1 + kHashSizeBytes, right.bytes.data(), kHashSizeBytes);
  Sha256Builder builder;
  builder.Add(std::string_view(node.data(), node.size()));
  return builder.Finish();
}

namespace {
std::vector<Hash> NextLevel(const std::vector<Hash>& level) {
  std::vector<Hash> next;
  next.reserve((level.size() + 1) / 2);
  for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
    next.push_back(MerkleNodeHash(level[i], level[i + 1]));
  }
  if (level.size() % 2 == 1) next.push_back(level.back());
  return next;
}
}  // namespace

Hash MerkleRoot(std::vector<Hash> leaf_hashes) {
  if (leaf_hashes.empty()) return Hash{};
  while (leaf_hashes.size() > 1) leaf_hashes = NextLevel(leaf_hashes);
  return leaf_hashes.front();
}

MerkleProof MerkleProve(const std::vector<Hash>& leaf_hashes, std::uint64_t leaf_index) {
  NURI_CHECK(leaf_index < leaf_hashes.size());
  MerkleProof proof{leaf_index, leaf_hashes.size(), {}};
  std::vector<Hash> level = leaf_hashes;
  std::uint64_t index = leaf_index;
  while (level.size() > 1) {
    const std::uint64_t sibling = index ^ 1;
    if (sibling < level.size()) {
      proof.steps.push_back({level[sibling], sibling < index});
    }
    level = NextLevel(level);
    index /= 2;
  }
  return proof;
}

Hash MerkleRootFromProof(const Hash& leaf_hash, const MerkleProof& proof) {
  Hash current = leaf_hash;
  for (const MerkleProofStep& step : proof.steps) {
    current = step.sibling_on_left ? MerkleNodeHash(step.sibling, current)
                                   : MerkleNodeHash(current, step.sibling);
  }
  return current;
}

bool MerklePathMatchesIndex(const MerkleProof& proof) {
  if (proof.leaf_index >= proof.leaf_count) return false;
  std::uint64_t index = proof.leaf_index;
  std::size_t step = 0;
  for (std::uint64_t size = proof.leaf_count; size > 1; size = size / 2 + size % 2, index /= 2) {
    const std::uint64_t sibling = index ^ 1;
    if (sibling >= size) continue;  // the last node of an odd level goes up alone
    if (step == proof.steps.size() || proof.steps[step].sibling_on_left != (sibling < index)) {
      return false;
    }
    ++step;
  }
  return step == proof.steps.size();
}

}  // namespace nuri::crypto
