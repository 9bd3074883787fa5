// Binary Merkle trees over SHA-256 with inclusion proofs.
//
// Leaves and inner nodes are hashed in separate domains (0x00 || leaf, 0x01 || left || right), so
// that no leaf can pose as a node. A level with an odd count promotes its last node unchanged
// rather than duplicating it, which keeps two different leaf lists from sharing a root. The root
// of no leaves is the all-zero hash. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "crypto/hash.h"

namespace nuri::crypto {

Hash MerkleLeafHash(std::string_view leaf);
Hash MerkleNodeHash(const Hash& left, const Hash& right);

// Root over leaf hashes (already passed through MerkleLeafHash).
Hash MerkleRoot(std::vector<Hash> leaf_hashes);

struct MerkleProofStep {
  Hash sibling;
  bool sibling_on_left = false;
  bool operator==(const MerkleProofStep&) const = default;
};

struct MerkleProof {
  std::uint64_t leaf_index = 0;
  std::uint64_t leaf_count = 0;
  std::vector<MerkleProofStep> steps;
  bool operator==(const MerkleProof&) const = default;
};

MerkleProof MerkleProve(const std::vector<Hash>& leaf_hashes, std::uint64_t leaf_index);
// Recomputes the root from a leaf hash and its proof.
Hash MerkleRootFromProof(const Hash& leaf_hash, const MerkleProof& proof);
// Whether the proof's path is the one of leaf `leaf_index` in a tree of `leaf_count` leaves. The
// root alone vouches only for the path taken: checked with it, this keeps a proof from claiming
// another place in the tree than the one it proves.
bool MerklePathMatchesIndex(const MerkleProof& proof);

}  // namespace nuri::crypto
