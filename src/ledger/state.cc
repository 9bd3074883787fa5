#include "ledger/state.h"

#include <algorithm>
#include <memory>

#include "base/check.h"
#include "codec/codec.h"
#include "crypto/merkle.h"
#include "ledger/program_records.h"
#include "ledger/records.h"

namespace nuri::ledger {

State::State()
    : buckets_(kStateBucketCount),
      tree_(2 * kStateBucketCount),
      bucket_is_dirty_(kStateBucketCount, false) {
  // Over empty buckets every node of a level has the same hash: one hash per level.
  crypto::Hash empty_below;  // the empty bucket
  for (std::size_t first = kStateBucketCount / 2; first >= 1; first /= 2) {
    empty_below = crypto::MerkleNodeHash(empty_below, empty_below);
    std::fill(tree_.begin() + static_cast<std::ptrdiff_t>(first),
              tree_.begin() + static_cast<std::ptrdiff_t>(2 * first), empty_below);
  }
}

State::~State() {
  for (const Item* item : index_) {
    if (IsUnordered(item->first)) delete item;
  }
}

std::uint32_t State::BucketOf(std::string_view key) {
  const crypto::Hash hash = crypto::Sha256(key);
  return (std::uint32_t{hash.bytes[0]} << 8) | hash.bytes[1];
}

crypto::Hash State::LeafHash(std::string_view key, std::string_view value) {
  codec::Writer prefix;
  prefix.PutU8(0x00);
  prefix.PutU32(static_cast<std::uint32_t>(key.size()));
  crypto::Sha256Builder builder;
  builder.Add(prefix.bytes());
  builder.Add(key);
  builder.Add(value);
  return builder.Finish();
}

bool State::IsUnordered(std::string_view key) {
  return key.starts_with(kNoncePrefix) || key.starts_with(kPaymentPrefix);
}

State::Item* State::FindEntry(std::string_view key) {
  const auto found = index_.find(key);
  return found == index_.end() ? nullptr : const_cast<Item*>(*found);
}

const State::Item* State::FindEntry(std::string_view key) const {
  const auto found = index_.find(key);
  return found == index_.end() ? nullptr : *found;
}

const std::string* State::Find(std::string_view key) const {
  const Item* item = FindEntry(key);
  return item == nullptr ? nullptr : &item->second.value;
}

void State::MarkDirty(std::uint32_t bucket) {
  if (!bucket_is_dirty_[bucket]) {
    bucket_is_dirty_[bucket] = true;
    dirty_buckets_.push_back(bucket);
  }
}

void State::PreserveFrozen(std::uint32_t bucket) {
  if (!frozen_ || frozen_preserved_[bucket]) return;
  frozen_preserved_[bucket] = true;
  auto& copy = frozen_buckets_[bucket];
  for (const Member& member : buckets_[bucket]) {
    copy.emplace_back(member.item->first, member.item->second.value);
  }
}

State::Item* State::Upsert(std::string_view key, std::string value) {
  Item* item = FindEntry(key);
  if (item == nullptr) {
    const std::uint32_t bucket = BucketOf(key);
    PreserveFrozen(bucket);
    Entry entry{.value = std::move(value), .bucket = bucket};
    if (IsUnordered(key)) {
      auto owned = std::make_unique<Item>(std::string(key), std::move(entry));
      index_.insert(owned.get());
      item = owned.release();
      ++unordered_count_;
    } else {
      item = &*ordered_.emplace(std::string(key), std::move(entry)).first;
      index_.insert(item);
    }
    auto& members = buckets_[bucket];
    const auto at = std::lower_bound(
        members.begin(), members.end(), key,
        [](const Member& member, std::string_view k) { return member.item->first < k; });
    members.insert(at, Member{item});
  } else {
    PreserveFrozen(item->second.bucket);
    item->second.value = std::move(value);
    // Found by address, which reads no entry of the bucket.
    for (Member& member : buckets_[item->second.bucket]) {
      if (member.item == item) {
        member.leaf = crypto::Hash{};
        break;
      }
    }
  }
  MarkDirty(item->second.bucket);
  return item;
}

void State::Remove(Item* item) {
  const std::uint32_t bucket = item->second.bucket;
  PreserveFrozen(bucket);
  auto& members = buckets_[bucket];
  const auto at = std::find_if(members.begin(), members.end(),
                               [&](const Member& member) { return member.item == item; });
  NURI_CHECK(at != members.end());
  members.erase(at);
  MarkDirty(bucket);
  index_.erase(item);
  if (IsUnordered(item->first)) {
    delete item;
    --unordered_count_;
  } else {
    ordered_.erase(ordered_.find(item->first));
  }
}

void State::Journal(std::string_view key, const std::string* value) {
  undo_.emplace_back(std::string(key),
                     value == nullptr ? std::nullopt : std::optional<std::string>(*value));
}

void State::Put(std::string_view key, std::string value) {
  if (undoing_) {
    const Item* existing = FindEntry(key);
    if (existing == nullptr) {
      Journal(key, nullptr);
    } else if (!existing->second.journaled) {
      Journal(key, &existing->second.value);
    }
  }
  Item* item = Upsert(key, std::move(value));
  if (undoing_) item->second.journaled = true;
  if (!item->second.changed) {
    item->second.changed = true;
    changed_entries_.push_back(item);
  }
}

void State::Erase(std::string_view key) {
  Item* item = FindEntry(key);
  if (item == nullptr) return;
  // A key erased and put again is journaled twice; Rollback applies the journal last first, so
  // the earliest value is the one restored.
  if (undoing_ && !item->second.journaled) Journal(key, &item->second.value);
  if (item->second.changed) {
    const auto listed = std::find(changed_entries_.begin(), changed_entries_.end(), item);
    NURI_CHECK(listed != changed_entries_.end());
    changed_entries_.erase(listed);
  }
  erased_keys_.emplace_back(key);
  Remove(item);
}

void State::BeginUndo() {
  NURI_CHECK(!undoing_);
  NURI_CHECK(changed_entries_.empty() && erased_keys_.empty());
  undoing_ = true;
}

void State::ClearJournalMarks() {
  for (const auto& [key, value] : undo_) {
    if (Item* item = FindEntry(key); item != nullptr) item->second.journaled = false;
  }
  undo_.clear();
  undoing_ = false;
}

void State::Rollback() {
  NURI_CHECK(undoing_);
  for (auto* entry : changed_entries_) entry->second.changed = false;
  changed_entries_.clear();
  erased_keys_.clear();
  for (auto record = undo_.rbegin(); record != undo_.rend(); ++record) {
    if (record->second) {
      Upsert(record->first, *record->second);
    } else if (Item* item = FindEntry(record->first); item != nullptr) {
      Remove(item);
    }
  }
  ClearJournalMarks();
}

void State::Scan(std::string_view prefix,
                 const std::function<bool(const std::string&, const std::string&)>& visit) const {
  const std::vector<const Item*> unordered = UnorderedUnder(prefix);
  auto next_unordered = unordered.begin();
  auto next_ordered = ordered_.lower_bound(prefix);
  for (;;) {
    const bool ordered_left =
        next_ordered != ordered_.end() && std::string_view(next_ordered->first).starts_with(prefix);
    const bool unordered_left = next_unordered != unordered.end();
    const Item* item = nullptr;
    if (ordered_left && (!unordered_left || next_ordered->first < (*next_unordered)->first)) {
      item = &*next_ordered++;
    } else if (unordered_left) {
      item = *next_unordered++;
    } else {
      return;
    }
    if (!visit(item->first, item->second.value)) return;
  }
}

std::vector<const State::Item*> State::UnorderedUnder(std::string_view prefix) const {
  std::vector<const Item*> found;
  const auto reaches = [&](std::string_view family) {
    return family.starts_with(prefix) || prefix.starts_with(family);
  };
  if (!reaches(kNoncePrefix) && !reaches(kPaymentPrefix)) return found;
  for (const auto& members : buckets_) {
    for (const Member& bucket_member : members) {
      const Item* member = bucket_member.item;
      if (IsUnordered(member->first) && std::string_view(member->first).starts_with(prefix)) {
        found.push_back(member);
      }
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Item* a, const Item* b) { return a->first < b->first; });
  return found;
}

crypto::Hash State::HashBucket(std::span<const std::pair<std::string, std::string>> entries) {
  if (entries.empty()) return crypto::Hash{};
  crypto::Sha256Builder builder;
  builder.Add(std::string_view("\x02", 1));
  for (const auto& [key, value] : entries) builder.Add(LeafHash(key, value).view());
  return builder.Finish();
}

crypto::Hash State::RootOfBuckets(std::span<const crypto::Hash> bucket_hashes) {
  NURI_CHECK(bucket_hashes.size() == kStateBucketCount);
  std::vector<crypto::Hash> level(bucket_hashes.begin(), bucket_hashes.end());
  while (level.size() > 1) {
    std::vector<crypto::Hash> parents(level.size() / 2);
    for (std::size_t i = 0; i < parents.size(); ++i) {
      parents[i] = crypto::MerkleNodeHash(level[2 * i], level[2 * i + 1]);
    }
    level = std::move(parents);
  }
  return level.front();
}

void State::Freeze() {
  NURI_CHECK(!undoing_ && changed_entries_.empty() && erased_keys_.empty());
  Root();
  frozen_ = true;
  frozen_preserved_.assign(kStateBucketCount, false);
  frozen_buckets_.clear();
}

std::vector<crypto::Hash> State::FrozenBucketHashes() const {
  NURI_CHECK(frozen_);
  std::vector<crypto::Hash> hashes(tree_.begin() + static_cast<std::ptrdiff_t>(kStateBucketCount),
                                   tree_.end());
  for (const auto& [bucket, entries] : frozen_buckets_) hashes[bucket] = HashBucket(entries);
  return hashes;
}

void State::VisitFrozenBucket(
    std::uint32_t bucket,
    const std::function<void(const std::string&, const std::string&)>& visit) const {
  NURI_CHECK(frozen_ && bucket < kStateBucketCount);
  if (frozen_preserved_[bucket]) {
    for (const auto& [key, value] : frozen_buckets_.at(bucket)) visit(key, value);
    return;
  }
  for (const Member& member : buckets_[bucket])
    visit(member.item->first, member.item->second.value);
}

crypto::Hash State::BucketHash(std::uint32_t bucket, bool fill_cache) const {
  const auto& members = buckets_[bucket];
  if (members.empty()) return crypto::Hash{};
  crypto::Sha256Builder builder;
  builder.Add(std::string_view("\x02", 1));
  for (const Member& member : members) {
    if (!member.leaf.IsZero()) {
      builder.Add(member.leaf.view());
      continue;
    }
    const crypto::Hash leaf = LeafHash(member.item->first, member.item->second.value);
    if (fill_cache) member.leaf = leaf;
    builder.Add(leaf.view());
  }
  return builder.Finish();
}

crypto::Hash State::Root() {
  std::sort(dirty_buckets_.begin(), dirty_buckets_.end());
  for (const std::uint32_t bucket : dirty_buckets_) {
    tree_[kStateBucketCount + bucket] = BucketHash(bucket, /*fill_cache=*/true);
    bucket_is_dirty_[bucket] = false;
  }
  // Rehash each dirty path once, level by level.
  std::vector<std::size_t> level;
  level.reserve(dirty_buckets_.size());
  for (const std::uint32_t bucket : dirty_buckets_) level.push_back(kStateBucketCount + bucket);
  dirty_buckets_.clear();
  while (!level.empty() && level.front() > 1) {
    std::vector<std::size_t> parents;
    parents.reserve(level.size());
    for (const std::size_t node : level) {
      const std::size_t parent = node / 2;
      if (parents.empty() || parents.back() != parent) parents.push_back(parent);
    }
    for (const std::size_t parent : parents) {
      tree_[parent] = crypto::MerkleNodeHash(tree_[2 * parent], tree_[2 * parent + 1]);
    }
    level = std::move(parents);
  }
  return tree_[1];
}

std::vector<StateChange> State::TakeChanges() {
  std::vector<StateChange> changes;
  changes.reserve(changed_entries_.size() + erased_keys_.size());
  for (auto* entry : changed_entries_) {
    entry->second.changed = false;
    changes.push_back({entry->first, entry->second.value});
  }
  // A key erased and then put again is reported once, with its value, from the list above.
  std::sort(erased_keys_.begin(), erased_keys_.end());
  erased_keys_.erase(std::unique(erased_keys_.begin(), erased_keys_.end()), erased_keys_.end());
  for (auto& key : erased_keys_) {
    if (FindEntry(key) == nullptr) changes.push_back({std::move(key), std::nullopt});
  }
  changed_entries_.clear();
  erased_keys_.clear();
  std::sort(changes.begin(), changes.end(),
            [](const StateChange& a, const StateChange& b) { return a.key < b.key; });
  return changes;
}

State::Proof State::Prove(std::string_view key) {
  Root();
  Proof proof;
  proof.bucket = BucketOf(key);
  for (const Member& member : buckets_[proof.bucket]) {
    proof.bucket_entries.emplace_back(member.item->first, member.item->second.value);
  }
  for (std::size_t node = kStateBucketCount + proof.bucket; node > 1; node /= 2) {
    proof.siblings.push_back(tree_[node ^ 1]);
  }
  return proof;
}

crypto::Hash State::CurrentNodeHash(std::size_t node,
                                    const std::vector<std::uint32_t>& dirty) const {
  // The buckets under `node`: [first, first + width).
  std::size_t first = node;
  std::size_t width = 1;
  while (first < kStateBucketCount) {
    first *= 2;
    width *= 2;
  }
  first -= kStateBucketCount;
  const auto under = std::lower_bound(dirty.begin(), dirty.end(), first);
  if (under == dirty.end() || *under >= first + width) return tree_[node];
  if (node >= kStateBucketCount)
    return BucketHash(static_cast<std::uint32_t>(first), /*fill_cache=*/false);
  return crypto::MerkleNodeHash(CurrentNodeHash(2 * node, dirty),
                                CurrentNodeHash(2 * node + 1, dirty));
}

State::Proof State::ProveReadOnly(std::string_view key) const {
  std::vector<std::uint32_t> dirty = dirty_buckets_;
  std::sort(dirty.begin(), dirty.end());
  Proof proof;
  proof.bucket = BucketOf(key);
  for (const Member& member : buckets_[proof.bucket]) {
    proof.bucket_entries.emplace_back(member.item->first, member.item->second.value);
  }
  for (std::size_t node = kStateBucketCount + proof.bucket; node > 1; node /= 2) {
    proof.siblings.push_back(CurrentNodeHash(node ^ 1, dirty));
  }
  return proof;
}

base::Result<std::optional<std::string>> State::ValueFromProof(const Proof& proof,
                                                               std::string_view key,
                                                               const crypto::Hash& root) {
  if (proof.bucket != BucketOf(key) || proof.siblings.size() != kStateBucketBits) {
    return base::Error(base::Status::InvalidArgument("the proof is not of its entry"));
  }
  std::optional<std::string> value;
  for (std::size_t i = 0; i < proof.bucket_entries.size(); ++i) {
    const auto& [entry_key, entry_value] = proof.bucket_entries[i];
    if ((i > 0 && proof.bucket_entries[i - 1].first >= entry_key) ||
        BucketOf(entry_key) != proof.bucket) {
      return base::Error(base::Status::InvalidArgument("the proof's bucket is malformed"));
    }
    if (entry_key == key) value = entry_value;
  }
  if (RootFromProof(proof) != root) {
    return base::Error(
        base::Status::InvalidArgument("the proof does not lead to the block's state root"));
  }
  return value;
}

crypto::Hash State::RootFromProof(const Proof& proof) {
  crypto::Hash current = HashBucket(proof.bucket_entries);
  std::size_t node = kStateBucketCount + proof.bucket;
  for (const crypto::Hash& sibling : proof.siblings) {
    current = (node % 2 == 0) ? crypto::MerkleNodeHash(current, sibling)
                              : crypto::MerkleNodeHash(sibling, current);
    node /= 2;
  }
  return current;
}

}  // namespace nuri::ledger
