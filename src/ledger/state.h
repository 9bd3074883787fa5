// State: the ledger's current state as an ordered map of byte keys to byte values, with a
// Merkle commitment.
//
// The commitment: every key falls in one of 65,536 buckets by the first two bytes of its
// SHA-256. A leaf is SHA-256(0x00 || u32 key length || key || value); a bucket's hash is
// SHA-256(0x02 || its leaves in key order), or zero when empty; the root is the binary Merkle
// tree (merkle.h node hashing) over the buckets in order. A proof of an entry is its bucket's
// leaves and 16 sibling hashes (docs/formats/state.md). Only buckets changed since the last
// Root() are rehashed, so the cost of a block's root follows the keys it touched.
//
// Most entries are also kept in key order, for Scan. Nonces and payment records are not: each
// transaction adds one or two, and they are only ever found by key, so adding one costs a hash
// insert instead of a walk down an ordered tree of every entry. A Scan that reaches them
// (startup, snapshots) gathers them from their buckets and sorts them.
//
// Not thread-safe: owned by the thread that executes blocks, and read by others under the
// node's shared lock only through const methods that change nothing, cached hashes included
// (ProveReadOnly computes what the cache lacks aside).
#pragma once

#include <array>
#include <boost/unordered/unordered_flat_set.hpp>  // lookup only, never iterated
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/hash.h"

namespace nuri::ledger {

inline constexpr int kStateBucketBits = 16;
inline constexpr std::size_t kStateBucketCount = std::size_t{1} << kStateBucketBits;

struct StateChange {
  std::string key;
  std::optional<std::string> value;  // nullopt: erased
};

class State {
 public:
  State();
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  const std::string* Find(std::string_view key) const;
  void Put(std::string_view key, std::string value);
  void Erase(std::string_view key);
  // Visits entries whose key starts with prefix, in key order, until visit returns false.
  void Scan(
      std::string_view prefix,
      const std::function<bool(const std::string& key, const std::string& value)>& visit) const;
  std::size_t size() const { return ordered_.size() + unordered_count_; }

  // Speculation: between BeginUndo() and Rollback(), the state remembers what each key it
  // changes held before, so that a block executed to judge it is taken back whole. BeginUndo
  // needs every earlier change taken (TakeChanges); Rollback also forgets the changes made
  // since.
  void BeginUndo();
  void Rollback();
  bool undoing() const { return undoing_; }

  // The commitment over the current entries.
  crypto::Hash Root();
  // Keys changed since the last call, each once, with their final value.
  std::vector<StateChange> TakeChanges();

  // Proof material for one key: the leaves of its bucket and the path to the root.
  struct Proof {
    std::uint32_t bucket = 0;
    std::vector<std::pair<std::string, std::string>> bucket_entries;  // key, value in key order
    std::vector<crypto::Hash> siblings;                               // from the bucket level up
    bool operator==(const Proof&) const = default;
  };
  Proof Prove(std::string_view key);
  // The same proof, for readers that share the state with others: the cached tree is left as it
  // is, and the hashes it has not caught up on are computed aside.
  Proof ProveReadOnly(std::string_view key) const;
  static crypto::Hash RootFromProof(const Proof& proof);
  // What a proof says of `key` in the state whose root is `root`: its value, or nullopt when the
  // key is absent (the proof holds its whole bucket); an error saying what does not hold.
  static base::Result<std::optional<std::string>> ValueFromProof(const Proof& proof,
                                                                 std::string_view key,
                                                                 const crypto::Hash& root);

  // The commitment's parts, for whoever checks a state it received in pieces (a snapshot):
  // the bucket a key falls in, a bucket's hash from its entries in key order, and the root over
  // all kStateBucketCount bucket hashes.
  static std::uint32_t BucketOf(std::string_view key);
  static crypto::Hash HashBucket(std::span<const std::pair<std::string, std::string>> entries);
  static crypto::Hash RootOfBuckets(std::span<const crypto::Hash> bucket_hashes);

  // A frozen copy: the entries as they were at Freeze(), kept while the state goes on, for a
  // node to serve to peers that start from a snapshot. A bucket is copied just before its first
  // change after Freeze(), so keeping the copy costs what changed since, not the whole state.
  // Freeze() needs every change taken (TakeChanges) and no speculation; it replaces any
  // earlier copy.
  void Freeze();
  bool frozen() const { return frozen_; }
  // The bucket hashes at Freeze(), kStateBucketCount of them.
  std::vector<crypto::Hash> FrozenBucketHashes() const;
  // Visits the entries of `bucket` as they were at Freeze(), in key order.
  void VisitFrozenBucket(
      std::uint32_t bucket,
      const std::function<void(const std::string& key, const std::string& value)>& visit) const;

 private:
  struct Entry {
    std::string value;
    bool changed = false;  // listed in changed_entries_ since the last TakeChanges()
    bool journaled = false;  // its earlier value is in undo_ (while undoing_)
    std::uint32_t bucket = 0;
  };
  using Item = std::pair<const std::string, Entry>;
  // Finds an entry by hashing its key instead of comparing it down the ordered map: keys share
  // long prefixes ("b/", an account id), which made each comparison a long memcmp. It holds
  // pointers to the entries, looked up by key, so that it adds 8 bytes a slot and no second copy.
  struct ItemKey {
    using is_transparent = void;
    static std::string_view Of(std::string_view key) { return key; }
    static std::string_view Of(const Item* item) { return item->first; }
    template <typename K>
    std::size_t operator()(const K& key) const {
      return std::hash<std::string_view>()(Of(key));
    }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Of(a) == Of(b);
    }
  };
  using ItemIndex = boost::unordered_flat_set<  // lookup only, never iterated
      const Item*, ItemKey, ItemKey>;
  // Nonces and payment records: kept out of ordered_ (see the top of this file).
  static bool IsUnordered(std::string_view key);
  // The unordered entries whose key starts with prefix, in key order.
  std::vector<const Item*> UnorderedUnder(std::string_view prefix) const;

  // Sets or inserts, and removes, keeping buckets and dirty marks: no change tracking.
  Item* Upsert(std::string_view key, std::string value);
  void Remove(Item* item);
  // nullptr when absent.
  Item* FindEntry(std::string_view key);
  const Item* FindEntry(std::string_view key) const;
  void Journal(std::string_view key, const std::string* value);
  void ClearJournalMarks();

  static crypto::Hash LeafHash(std::string_view key, std::string_view value);
  void MarkDirty(std::uint32_t bucket);
  // Copies the bucket for the frozen copy before it first changes.
  void PreserveFrozen(std::uint32_t bucket);
  // With `fill_cache`, stale leaf hashes are stored for next time: only the thread that owns the
  // state may; readers sharing it compute them aside.
  crypto::Hash BucketHash(std::uint32_t bucket, bool fill_cache) const;
  // The hash of tree node `node` as Root() would leave it, without changing the tree.
  crypto::Hash CurrentNodeHash(std::size_t node, const std::vector<std::uint32_t>& dirty) const;

  // Every entry is in index_, and is either a node of ordered_ or, for nonces and payment
  // records, allocated on its own: index_ already finds those by key, so owning them in a hash
  // table of their own hashed and probed each new nonce a second time. Remove and ~State free
  // them.
  std::map<std::string, Entry, std::less<>> ordered_;
  std::size_t unordered_count_ = 0;
  ItemIndex index_;
  // An entry as its bucket lists it, with its leaf hash. Root() computes the leaf only for
  // entries put since the last Root(), so that a key put many times in one block (a program's
  // running totals) is hashed once; the leaves stay beside the bucket's other leaves, so that
  // hashing a bucket again reads one array instead of following a pointer to each entry (at a
  // million accounts a bucket has about fifty). A leaf of zeros is one not computed yet: SHA-256
  // gives it for no input anyone can find, and a flag would add 8 bytes to every entry.
  struct Member {
    const Item* item;
    mutable crypto::Hash leaf;
  };
  // Each bucket's entries in key order.
  std::vector<std::vector<Member>> buckets_;
  // tree_[1] is the root, tree_[kStateBucketCount + b] bucket b's hash.
  std::vector<crypto::Hash> tree_;
  std::vector<std::uint32_t> dirty_buckets_;
  std::vector<bool> bucket_is_dirty_;
  // What TakeChanges() reports: entries put (pointing at the entries themselves, so that
  // reporting them needs no second lookup) and keys erased since the last call.
  std::vector<Item*> changed_entries_;
  std::vector<std::string> erased_keys_;
  // What keys held before the speculation began, first change first (nullopt: absent).
  bool undoing_ = false;
  std::vector<std::pair<std::string, std::optional<std::string>>> undo_;
  // The frozen copy: the buckets changed since Freeze(), as they were. The others are as they
  // were, and so are their hashes in tree_.
  bool frozen_ = false;
  std::vector<bool> frozen_preserved_;
  std::map<std::uint32_t, std::vector<std::pair<std::string, std::string>>> frozen_buckets_;
};

}  // namespace nuri::ledger
