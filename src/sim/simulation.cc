#include "sim/simulation.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "base/check.h"
#include "crypto/key_file.h"
#include "ledger/chain_check.h"
#include "ledger/signatures.h"
#include "ledger/state_view.h"
#include "net/wire.h"
#include "node/replica.h"
#include "node/test_chain.h"
#include "storage/memory_store.h"

namespace nuri::sim {

namespace {

constexpr std::string_view kChainId = "nuri-sim";
constexpr std::int64_t kClientIntervalMillis = 250;
constexpr std::int64_t kResubmitMillis = 3000;
constexpr std::int64_t kCrashDowntimeMaxMillis = 6000;
// Snapshots every few blocks, and a gap small enough that a node down for seconds, or started
// late, fetches one.
constexpr std::uint64_t kSnapshotIntervalBlocks = 4;
constexpr std::uint64_t kSnapshotGapBlocks = 10;

// Deterministic draws from the seed (no std:: distributions, whose results vary by library).
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t Below(std::uint64_t bound) { return bound == 0 ? 0 : engine_() % bound; }
  std::int64_t Between(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(Below(static_cast<std::uint64_t>(high - low + 1)));
  }
  // True with probability per_mille / 1000.
  bool Chance(std::uint64_t per_mille) { return Below(1000) < per_mille; }

 private:
  std::mt19937_64 engine_;
};

struct Faults {
  std::int64_t delay_min = 1;
  std::int64_t delay_max = 20;
  std::uint64_t loss_per_mille = 0;
  std::uint64_t duplicate_per_mille = 0;
  std::int64_t skew_max = 0;
  std::uint64_t crash_per_mille = 0;      // per second of fault time, per node
  std::uint64_t partition_per_mille = 0;  // per second of fault time
  std::uint32_t byzantine = 0;
  // A governor adds the first observer to the validators, and removes the last validator.
  bool reconfigure = false;

  std::string Describe() const {
    return "delay " + std::to_string(delay_min) + "-" + std::to_string(delay_max) + " ms, loss " +
           std::to_string(loss_per_mille) + "/1000, duplicates " +
           std::to_string(duplicate_per_mille) + "/1000, clock skew up to " +
           std::to_string(skew_max) + " ms, crashes " + std::to_string(crash_per_mille) +
           "/1000 per node-second, partitions " + std::to_string(partition_per_mille) +
           "/1000 per second, byzantine " + std::to_string(byzantine) +
           (reconfigure ? ", validator set changed" : "");
  }
};

class Simulation;

// What a simulated node's replica sees of the world.
class SimIo final : public node::ReplicaIo {
 public:
  SimIo(Simulation& sim, std::uint32_t index) : sim_(sim), index_(index) {}
  core::TimeMillis NowMillis() override;
  // Simulated work takes no time.
  std::int64_t MonotonicMicros() override { return 0; }
  void Broadcast(const std::string& message) override;
  void Send(node::PeerId peer, const std::string& message) override;
  void SetTimer(std::int64_t delay_millis, node::TimerId id) override;
  std::vector<bool> VerifySignatures(
      std::span<const core::SignedTransaction> transactions) override {
    std::vector<bool> verified;
    verified.reserve(transactions.size());
    for (const auto& tx : transactions) verified.push_back(ledger::SignaturesVerify(tx));
    return verified;
  }
  void Committed(const ledger::ProducedBlock& block) override;

 private:
  Simulation& sim_;
  std::uint32_t index_;
};

struct SimNode {
  std::string name;
  bool validator = false;
  bool byzantine = false;
  std::int64_t skew = 0;
  std::unique_ptr<storage::MemoryStore> store = std::make_unique<storage::MemoryStore>();
  std::unique_ptr<SimIo> io;
  std::unique_ptr<node::Replica> replica;  // null while crashed
  std::uint64_t incarnation = 0;           // timers of an earlier life are ignored
  bool late = false;                       // started at late_start_millis
};

struct Event {
  std::int64_t time = 0;
  std::uint64_t sequence = 0;
  std::function<void()> action;
  bool operator>(const Event& other) const {
    return std::tie(time, sequence) > std::tie(other.time, other.sequence);
  }
};

class Simulation {
 public:
  explicit Simulation(const SimulationOptions& options)
      : options_(options),
        draw_(options.seed),
        genesis_(node::TestChainGenesis(kChainId, options.validators)) {}

  base::Result<SimulationReport> Run();

  // For SimIo.
  core::TimeMillis NodeNow(std::uint32_t index) const {
    return genesis_.start_time + now_ + nodes_[index].skew;
  }
  void Send(std::uint32_t from, std::uint32_t to, const std::string& message);
  void Broadcast(std::uint32_t from, const std::string& message);
  void SetTimer(std::uint32_t index, std::int64_t delay, node::TimerId id) {
    const std::uint64_t incarnation = nodes_[index].incarnation;
    At(now_ + delay, [this, index, incarnation, id] {
      SimNode& node = nodes_[index];
      if (node.replica && node.incarnation == incarnation) node.replica->OnTimer(id);
    });
  }
  void Committed(std::uint32_t index, const ledger::ProducedBlock& block);

 private:
  void At(std::int64_t time, std::function<void()> action) {
    events_.push(Event{time, next_sequence_++, std::move(action)});
  }
  void Deliver(std::uint32_t from, std::uint32_t to, std::string message);
  void ChooseFaults();
  base::Status StartNode(std::uint32_t index);
  void Crash(std::uint32_t index);
  void ClientTick();
  // A governor's change to the validator set, submitted as clients submit theirs.
  void Govern(core::Body change);
  void SubmitTo(std::uint32_t index, const core::SignedTransaction& tx);
  std::vector<std::uint32_t> LiveHonestNodes() const;
  // What a Byzantine validator sends instead of `message` to one peer.
  std::string Mutate(std::uint32_t from, const std::string& message);
  base::Status Check();
  void Violate(base::Status status) {
    if (violation_.ok() && !status.ok()) violation_ = std::move(status);
  }
  // The broken property, with what it takes to replay and understand it.
  base::Status Fail(std::string what) {
    std::string nodes;
    for (const SimNode& node : nodes_) {
      nodes += "\n  " + (node.replica ? node.replica->Describe() : node.name + ": down") +
               (node.byzantine ? " (byzantine)" : "");
    }
    return base::Status::Internal("seed " + std::to_string(options_.seed) + " (" +
                                  faults_.Describe() + "): " + std::move(what) + " at " +
                                  std::to_string(now_) + " ms" + nodes);
  }

  SimulationOptions options_;
  Draw draw_;
  ledger::Genesis genesis_;
  Faults faults_;
  std::vector<SimNode> nodes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t next_sequence_ = 0;
  std::int64_t now_ = 0;
  bool healed_ = false;
  // Partition: side of each node; messages cross only between equal sides.
  std::vector<int> side_;
  // Every block any node committed, by height: the agreement check.
  std::map<std::uint64_t, crypto::Hash> committed_;
  base::Status violation_;
  // Client transactions: id -> the signed transaction, until seen committed.
  std::map<crypto::Hash, core::SignedTransaction> outstanding_;
  std::uint64_t next_nonce_ = 1;
  std::uint64_t next_governor_nonce_ = 1;
  SimulationReport report_;
};

core::TimeMillis SimIo::NowMillis() { return sim_.NodeNow(index_); }
void SimIo::Broadcast(const std::string& message) { sim_.Broadcast(index_, message); }
void SimIo::Send(node::PeerId peer, const std::string& message) {
  sim_.Send(index_, peer, message);
}
void SimIo::SetTimer(std::int64_t delay_millis, node::TimerId id) {
  sim_.SetTimer(index_, delay_millis, id);
}
void SimIo::Committed(const ledger::ProducedBlock& block) { sim_.Committed(index_, block); }

void Simulation::ChooseFaults() {
  faults_.delay_min = draw_.Between(1, 10);
  faults_.delay_max = faults_.delay_min + draw_.Between(0, 200);
  faults_.loss_per_mille = draw_.Chance(500) ? draw_.Between(0, 100) : 0;
  faults_.duplicate_per_mille = draw_.Chance(500) ? draw_.Between(0, 50) : 0;
  faults_.skew_max = draw_.Chance(500) ? draw_.Between(0, 500) : 0;
  faults_.crash_per_mille = draw_.Chance(500) ? draw_.Between(0, 60) : 0;
  faults_.partition_per_mille = draw_.Chance(400) ? draw_.Between(0, 150) : 0;
  const std::uint32_t f = (options_.validators - 1) / 3;
  faults_.byzantine = options_.byzantine >= 0 ? static_cast<std::uint32_t>(options_.byzantine)
                                              : static_cast<std::uint32_t>(draw_.Below(f + 1));
  // The last validator is removed: it is never a Byzantine one (those come first), and at
  // least one validator stays.
  const bool possible = options_.observers > 0 && options_.validators > faults_.byzantine + 1;
  faults_.reconfigure =
      possible && (options_.reconfigure >= 0 ? options_.reconfigure == 1 : draw_.Chance(500));
}

base::Result<SimulationReport> Simulation::Run() {
  crypto::Initialize();
  ChooseFaults();
  report_.seed = options_.seed;
  report_.byzantine = faults_.byzantine;
  report_.faults = faults_.Describe();
  const std::uint32_t count = options_.validators + options_.observers;
  nodes_.resize(count);
  side_.assign(count, 0);
  for (std::uint32_t i = 0; i < count; ++i) {
    SimNode& node = nodes_[i];
    node.validator = i < options_.validators;
    node.name = node.validator ? "v" + std::to_string(i + 1)
                               : "o" + std::to_string(i - options_.validators + 1);
    node.byzantine = node.validator && i < faults_.byzantine;
    node.skew = faults_.skew_max == 0 ? 0 : draw_.Between(-faults_.skew_max, faults_.skew_max);
    node.io = std::make_unique<SimIo>(*this, i);
    node.late = options_.late_start_millis > 0 && !node.validator && i + 1 == count;
    if (node.late) {
      At(options_.late_start_millis, [this, i] { Violate(StartNode(i)); });
      continue;
    }
    if (auto status = StartNode(i); !status.ok()) return base::Error(status);
  }
  // Faults, a second at a time, until the network heals.
  for (std::int64_t second = 0; second * 1000 < options_.fault_millis; ++second) {
    const std::int64_t time = second * 1000 + draw_.Between(0, 999);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!nodes_[i].byzantine && !nodes_[i].late && draw_.Chance(faults_.crash_per_mille)) {
        const std::int64_t downtime = draw_.Between(10, kCrashDowntimeMaxMillis);
        At(time, [this, i] { Crash(i); });
        At(std::min(time + downtime, options_.fault_millis), [this, i] { Violate(StartNode(i)); });
      }
    }
    if (draw_.Chance(faults_.partition_per_mille)) {
      std::vector<int> sides(count);
      for (auto& side : sides) side = static_cast<int>(draw_.Below(2));
      const std::int64_t length = draw_.Between(100, 5000);
      At(time, [this, sides] {
        side_ = sides;
        ++report_.partitions;
      });
      At(std::min(time + length, options_.fault_millis), [this] { side_.assign(side_.size(), 0); });
    }
  }
  At(options_.fault_millis, [this] {
    healed_ = true;
    side_.assign(side_.size(), 0);
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      const bool late = options_.late_start_millis > options_.fault_millis && nodes_[i].late;
      if (!nodes_[i].replica && !late) Violate(StartNode(i));
    }
  });
  At(0, [this] { ClientTick(); });
  if (faults_.reconfigure) {
    const std::string joining = nodes_[options_.validators].name;
    const std::string leaving = nodes_[options_.validators - 1].name;
    At(options_.fault_millis / 3, [this, joining] {
      Govern(core::AddValidator{joining, crypto::DeriveTestKey(joining).public_key()});
    });
    At(2 * options_.fault_millis / 3, [this, leaving] { Govern(core::RemoveValidator{leaving}); });
  }
  const std::int64_t end = options_.fault_millis + options_.heal_millis;
  while (!events_.empty() && violation_.ok()) {
    Event event = events_.top();
    if (event.time > end) break;
    events_.pop();
    now_ = event.time;
    event.action();
  }
  if (!violation_.ok()) return base::Error(violation_);
  if (auto status = Check(); !status.ok()) return base::Error(status);
  return report_;
}

base::Status Simulation::StartNode(std::uint32_t index) {
  SimNode& node = nodes_[index];
  if (node.replica) return base::Status::Ok();
  node::ReplicaOptions options;
  options.name = node.name;
  options.timeouts.timeout_propose_millis = 1000;
  options.timeouts.timeout_vote_millis = 500;
  options.timeouts.timeout_delta_millis = 250;
  options.block_transactions_max = 50;
  options.status_interval_millis = 1000;
  options.snapshot_interval = kSnapshotIntervalBlocks;
  options.snapshot_gap = kSnapshotGapBlocks;
  // Observers hold keys too: one may be made a validator, and then votes.
  options.validator_key = crypto::DeriveTestKey(node.name);
  ++node.incarnation;
  auto replica = node::Replica::Open(*node.store, genesis_, options, *node.io);
  if (!replica) return Fail(node.name + " does not open: " + replica.error().ToString());
  node.replica = *std::move(replica);
  node.replica->Start();
  return base::Status::Ok();
}

void Simulation::Crash(std::uint32_t index) {
  SimNode& node = nodes_[index];
  if (!node.replica) return;
  node.replica.reset();
  node.store->CrashLosingUnsynced();
  ++report_.crashes;
}

void Simulation::Broadcast(std::uint32_t from, const std::string& message) {
  for (std::uint32_t to = 0; to < nodes_.size(); ++to) {
    if (to != from) Send(from, to, message);
  }
}

void Simulation::Send(std::uint32_t from, std::uint32_t to, const std::string& message) {
  if (to >= nodes_.size()) return;
  std::string bytes = nodes_[from].byzantine ? Mutate(from, message) : message;
  if (!healed_) {
    if (side_[from] != side_[to]) return;
    if (draw_.Chance(faults_.loss_per_mille)) return;
    if (draw_.Chance(faults_.duplicate_per_mille)) Deliver(from, to, bytes);
  }
  Deliver(from, to, std::move(bytes));
}

void Simulation::Deliver(std::uint32_t from, std::uint32_t to, std::string message) {
  const std::int64_t delay = draw_.Between(faults_.delay_min, faults_.delay_max);
  At(now_ + delay, [this, from, to, message = std::move(message)] {
    SimNode& node = nodes_[to];
    if (!node.replica) return;
    ++report_.messages;
    const base::Status status = node.replica->OnMessage(from, message);
    if (!status.ok() && !nodes_[from].byzantine) {
      Violate(Fail(node.name + " refused a message from honest " + nodes_[from].name + ": " +
                   status.message()));
    }
  });
}

std::string Simulation::Mutate(std::uint32_t from, const std::string& message) {
  if (draw_.Chance(500)) return message;
  auto decoded = net::DecodeMessage(message);
  if (!decoded) return message;
  const crypto::SecretKey key = crypto::DeriveTestKey(nodes_[from].name);
  if (auto* vote = std::get_if<net::VoteMessage>(&*decoded); vote && vote->vote.voter == from) {
    // Equivocation: another value (nil, or a block that does not exist) for the same round.
    core::Vote other = vote->vote;
    other.value = other.value ? std::nullopt
                              : std::optional<crypto::Hash>(crypto::Sha256(
                                    "no such block " + std::to_string(draw_.Below(1000))));
    return net::EncodeMessage(
        net::VoteMessage{other, key.Sign(core::VoteSigningMessage(kChainId, other))});
  }
  if (auto* proposal = std::get_if<net::ProposalMessage>(&*decoded);
      proposal && proposal->proposal.proposer == from) {
    // Another block for the same round: a valid one (a later time), or an invalid one (a
    // state root no execution gives).
    net::ProposalMessage other = *proposal;
    if (draw_.Chance(500)) {
      other.block.header.time += 1;
    } else {
      other.block.header.state_root = crypto::Sha256("forged state " + std::to_string(now_));
    }
    other.proposal.value = core::HeaderHash(other.block.header);
    other.signature = key.Sign(core::ProposalSigningMessage(kChainId, other.proposal));
    return net::EncodeMessage(other);
  }
  return message;
}

void Simulation::Committed(std::uint32_t index, const ledger::ProducedBlock& block) {
  const std::uint64_t height = block.block.header.height;
  const auto [it, fresh] = committed_.emplace(height, block.hash);
  if (!fresh && it->second != block.hash) {
    Violate(Fail("fork at height " + std::to_string(height) + ": " + nodes_[index].name +
                 " committed " + block.hash.ToHex() + ", another node " + it->second.ToHex()));
  }
  for (const auto& id : block.transaction_ids) outstanding_.erase(id);
}

std::vector<std::uint32_t> Simulation::LiveHonestNodes() const {
  std::vector<std::uint32_t> live;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].replica && !nodes_[i].byzantine) live.push_back(i);
  }
  return live;
}

void Simulation::SubmitTo(std::uint32_t index, const core::SignedTransaction& tx) {
  const auto admissions = nodes_[index].replica->Submit({tx});
  const core::ReasonCode code = admissions.front().code;
  // A node that has it waiting, or committed, answers DUPLICATE; anything else is a fault.
  if (code != core::ReasonCode::kOk && code != core::ReasonCode::kDuplicate) {
    Violate(Fail(nodes_[index].name +
                 " refused a client's transaction: " + admissions.front().message));
  }
}

void Simulation::Govern(core::Body change) {
  core::Transaction tx;
  tx.chain_id = std::string(kChainId);
  tx.signer = core::AccountId::Parse("governor@bok").value();
  tx.nonce = next_governor_nonce_++;
  tx.valid_until =
      genesis_.start_time + options_.fault_millis + options_.heal_millis + core::kMillisPerHour;
  tx.body = std::move(change);
  core::AddSignature(tx, tx.signer, crypto::DeriveTestKey("governor@bok"));
  core::SignedTransaction signed_tx = core::Seal(std::move(tx));
  outstanding_.emplace(signed_tx.id, signed_tx);
  ++report_.transactions;
  const auto live = LiveHonestNodes();
  if (!live.empty()) SubmitTo(live[draw_.Below(live.size())], signed_tx);
}

void Simulation::ClientTick() {
  const std::int64_t end = options_.fault_millis + options_.heal_millis;
  if (now_ >= end) return;
  const auto live = LiveHonestNodes();
  // New transfers while faults go on; after that, only what still has no answer.
  if (!healed_ && !live.empty()) {
    for (std::uint64_t i = draw_.Below(4); i > 0; --i) {
      core::Transaction tx;
      tx.chain_id = std::string(kChainId);
      tx.signer = core::AccountId::Parse("issuer@bnk").value();
      tx.nonce = next_nonce_++;
      tx.valid_until = genesis_.start_time + end + core::kMillisPerHour;
      tx.body = core::Mint{core::TokenId::Parse("KRW-BNK").value(),
                           core::AccountId::Parse("kim@moef").value(), core::Amount::Won(1000)};
      core::AddSignature(tx, tx.signer, crypto::DeriveTestKey("issuer@bnk"));
      core::SignedTransaction signed_tx = core::Seal(std::move(tx));
      outstanding_.emplace(signed_tx.id, signed_tx);
      ++report_.transactions;
      SubmitTo(live[draw_.Below(live.size())], signed_tx);
    }
  }
  if (now_ % kResubmitMillis < kClientIntervalMillis && !live.empty()) {
    // A copy: a submission may commit at once, and the commit takes it out of outstanding_.
    std::vector<core::SignedTransaction> again;
    for (const auto& [id, tx] : outstanding_) again.push_back(tx);
    for (const auto& tx : again) SubmitTo(live[draw_.Below(live.size())], tx);
  }
  At(now_ + kClientIntervalMillis, [this] { ClientTick(); });
}

base::Status Simulation::Check() {
  if (!outstanding_.empty()) {
    return Fail(std::to_string(outstanding_.size()) + " of " +
                std::to_string(report_.transactions) +
                " client transactions were never committed after the network healed");
  }
  // The validators every node ends with: the genesis set, changed as the governor said.
  std::vector<std::string> expected;
  for (std::uint32_t i = 0; i < options_.validators; ++i) expected.push_back(nodes_[i].name);
  if (faults_.reconfigure) {
    expected.pop_back();
    expected.push_back(nodes_[options_.validators].name);
  }
  const node::Replica* reference = nullptr;
  for (const SimNode& node : nodes_) {
    if (node.byzantine) continue;
    if (!node.replica) return Fail(node.name + " is not running at the end");
    if (!node.replica->halted().ok()) {
      return Fail(node.name + " stopped: " + node.replica->halted().message());
    }
    if (reference == nullptr) {
      reference = node.replica.get();
    } else if (node.replica->ledger().head_hash() != reference->ledger().head_hash()) {
      return Fail(node.name + " ends at height " +
                  std::to_string(node.replica->ledger().head().height) + ", others at " +
                  std::to_string(reference->ledger().head().height));
    }
    // The last set scheduled: one made in the last blocks applies from two blocks on, which an
    // idle network does not make.
    const auto schedule = ledger::ReadValidatorSchedule(node.replica->ledger().state());
    std::vector<std::string> names;
    for (const auto& validator : schedule.back().second.validators) names.push_back(validator.name);
    if (names != expected) {
      return Fail(node.name + " ends with another validator set (" + std::to_string(names.size()) +
                  " validators)");
    }
    auto chain = ledger::CheckChain(*node.store);
    if (!chain) return Fail(node.name + "'s chain does not check: " + chain.error().message());
    if (chain->base_height > 0) ++report_.from_snapshot;
  }
  if (reference != nullptr) report_.height = reference->ledger().head().height;
  return base::Status::Ok();
}

}  // namespace

base::Result<SimulationReport> RunSimulation(const SimulationOptions& options) {
  if (options.validators == 0 || options.validators > 64 || options.observers > 16) {
    return base::Error(base::Status::InvalidArgument("1 to 64 validators and 0 to 16 observers"));
  }
  if (options.reconfigure == 1 && options.observers == 0) {
    return base::Error(
        base::Status::InvalidArgument("changing the validator set needs an observer to add"));
  }
  if (options.late_start_millis < 0 ||
      options.late_start_millis >= options.fault_millis + options.heal_millis ||
      (options.late_start_millis > 0 && options.observers == 0)) {
    return base::Error(base::Status::InvalidArgument(
        "a late start needs an observer and must come before the run ends"));
  }
  if (options.byzantine > static_cast<int>((options.validators - 1) / 3)) {
    return base::Error(
        base::Status::InvalidArgument("at most (validators - 1) / 3 byzantine validators"));
  }
  Simulation simulation(options);
  return simulation.Run();
}

}  // namespace nuri::sim
