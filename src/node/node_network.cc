// Node in a network: the replica's driver thread, its io, and the transport to peers.
#include <algorithm>
#include <future>
#include <utility>

#include "base/check.h"
#include "base/log.h"
#include "ledger/invariants.h"
#include "ledger/signatures.h"
#include "node/node.h"

namespace nuri::node {

namespace {
// The driver wakes at least this often to expire waiters, with or without work.
constexpr std::int64_t kDriverIdleWakeMillis = 100;
// Peers' messages waiting for the driver, at most: beyond it they are dropped (consensus
// messages are sent again while a height makes no progress, and transactions are resubmitted).
constexpr std::size_t kPeerMessagesWaitingMax = 100000;
}  // namespace

// What the replica asks of the world, answered by this node: its clock, its transport, its
// timers and its verifier pool. Called on the driver thread only.
class Node::NetworkIo final : public ReplicaIo {
 public:
  explicit NetworkIo(Node& node) : node_(node) {}

  core::TimeMillis NowMillis() override { return node_.clock_.NowMillis(); }
  std::int64_t MonotonicMicros() override { return node_.clock_.MonotonicMicros(); }
  void Broadcast(const std::string& message) override {
    if (node_.transport_) node_.transport_->Broadcast(message);
  }
  void Send(PeerId peer, const std::string& message) override {
    if (node_.transport_ && peer < node_.peer_names_.size()) {
      node_.transport_->Send(node_.peer_names_[peer], message);
    }
  }
  void SetTimer(std::int64_t delay_millis, TimerId id) override {
    node_.timers_.emplace(node_.clock_.MonotonicMicros() / 1000 + delay_millis, id);
  }
  std::vector<bool> VerifySignatures(
      std::span<const core::SignedTransaction> transactions) override {
    // Client transactions were verified at submission (SubmitBatch). The driver helps with the
    // rest: it has nothing else to do until they are checked.
    return node_.verifiers_.Run(
        transactions.size(),
        [&](std::size_t i) {
          return node_.preverified_.contains(transactions[i].id) ||
                 ledger::SignaturesVerify(transactions[i]);
        },
        mempool::VerifierPool::Caller::kHelps);
  }
  void Committed(const ledger::ProducedBlock& block) override {
    const std::uint64_t interval = node_.options_.invariant_check_interval_blocks;
    if (interval > 0 && block.block.header.height % interval == 0) {
      // A broken invariant means the executor is wrong: stop before anything else is built on it.
      const base::Status invariants = ledger::CheckInvariants(node_.reader_->state());
      if (!invariants.ok()) base::LogError("node", invariants.message());
      NURI_CHECK(invariants.ok());
    }
    node_.metrics_.blocks += 1;
    node_.metrics_.block_commit_micros_total =
        static_cast<std::uint64_t>(node_.replica_->block_work_micros());
    for (const auto& receipt : block.receipts) {
      (receipt.status == core::ReceiptStatus::kOk ? node_.metrics_.committed_ok
                                                  : node_.metrics_.committed_rejected) += 1;
    }
    node_.committed_.push_back(block);
  }

 private:
  Node& node_;
};

base::Result<std::unique_ptr<Node>> Node::OpenInNetwork(
    std::shared_ptr<storage::KvStore> store, const ledger::Genesis& genesis, std::string name,
    std::optional<crypto::SecretKey> validator_key, const base::Clock& clock, NodeOptions options,
    NetworkOptions network) {
  // The signer signs blocks alone only; in a network the replica holds the consensus key, and an
  // observer has none (this one is never used).
  ledger::ValidatorSigner signer{name, validator_key ? *validator_key : crypto::SecretKey::Generate()};
  std::unique_ptr<Node> node(new Node(std::move(store), std::move(signer), clock, options));
  node->io_ = std::make_unique<NetworkIo>(*node);
  ReplicaOptions replica_options;
  replica_options.name = name;
  replica_options.validator_key = std::move(validator_key);
  replica_options.timeouts = network.timeouts;
  replica_options.block_transactions_max = options.block_transactions_max;
  replica_options.mempool_capacity = options.mempool_capacity;
  replica_options.snapshot_interval = network.snapshot_interval;
  replica_options.snapshot_gap = network.snapshot_gap;
  auto replica = Replica::Open(*node->store_, genesis, std::move(replica_options), *node->io_);
  if (!replica) return base::Error(replica.error());
  node->replica_ = *std::move(replica);
  node->reader_ = &node->replica_->ledger();
  if (auto status = ledger::CheckInvariants(node->reader_->state()); !status.ok()) {
    return base::Error(base::Status::Corruption("stored state breaks an invariant: " +
                                                status.message()));
  }
  for (const auto& member : network.transport.members) {
    if (member.name != name) node->peer_names_.push_back(member.name);
  }
  node->network_ = std::move(network);
  return node;
}

// Here, where NetworkIo is complete.
Node::Node(std::shared_ptr<storage::KvStore> store, ledger::ValidatorSigner signer,
           const base::Clock& clock, NodeOptions options)
    : store_(std::move(store)),
      signer_(std::move(signer)),
      clock_(clock),
      options_(options),
      verifiers_(std::max(1, options.verifier_threads)),
      mempool_(options.mempool_capacity) {}

Node::~Node() { Stop(); }

std::vector<std::string> Node::peers() const {
  return transport_ ? transport_->connected_peers() : std::vector<std::string>{};
}

void Node::OnPeerMessage(const std::string& peer, std::string message) {
  {
    std::lock_guard lock(wake_mutex_);
    if (tasks_.size() >= kPeerMessagesWaitingMax) return;
  }
  Post([this, peer, message = std::move(message)] {
    const auto index = std::find(peer_names_.begin(), peer_names_.end(), peer);
    if (index == peer_names_.end()) return;
    const base::Status status =
        replica_->OnMessage(static_cast<PeerId>(index - peer_names_.begin()), message);
    if (!status.ok() && transport_) transport_->Drop(peer, status.message());
  });
}

namespace {

// Runs a submitter's reply. A reply that throws fails its own request, not the node: it runs on
// the thread that runs consensus, or in a destructor.
void RunReply(const std::function<void()>& reply) {
  try {
    reply();
  } catch (const std::exception& error) {
    base::LogError("node", std::string("an admission's reply failed: ") + error.what());
  }
}

// What a submitter hears: the admissions, once; or, when the task that decides them is dropped
// unrun (the node stopping), that the node stopped.
class AdmissionReply {
 public:
  AdmissionReply(std::vector<Admission> results, std::function<void(std::vector<Admission>)> done)
      : results_(std::move(results)), done_(std::move(done)) {}
  AdmissionReply(const AdmissionReply&) = delete;
  AdmissionReply& operator=(const AdmissionReply&) = delete;
  ~AdmissionReply() {
    if (!done_) return;
    for (auto& result : results_) {
      if (result.code == core::ReasonCode::kOk) {
        result = Refuse(core::ReasonCode::kMempoolFull, result.id, "the node is stopping");
      }
    }
    RunReply([done = std::exchange(done_, nullptr), results = std::move(results_)]() mutable {
      done(std::move(results));
    });
  }

  std::vector<Admission>& results() { return results_; }
  // The reply to make, taken out so that the destructor makes none.
  std::function<void()> Take() {
    return [results = std::exchange(results_, {}), done = std::exchange(done_, nullptr)]() mutable {
      done(std::move(results));
    };
  }

 private:
  std::vector<Admission> results_;
  std::function<void(std::vector<Admission>)> done_;
};

}  // namespace

void Node::SubmitToReplica(std::vector<Admission> results,
                           std::vector<core::SignedTransaction> verified,
                           std::vector<std::size_t> index,
                           std::function<void(std::vector<Admission>)> done) {
  std::uint64_t refused_early = 0;
  for (const auto& result : results) refused_early += result.code != core::ReasonCode::kOk;
  metrics_.refused += refused_early;
  if (verified.empty()) return done(std::move(results));
  // Until the task runs, the verified ones stand as admitted in `results`, so that a reply made
  // by a dropped task turns exactly those into "the node is stopping".
  auto reply = std::make_shared<AdmissionReply>(std::move(results), std::move(done));
  Post([this, reply, index = std::move(index), transactions = std::move(verified)]() mutable {
    for (const auto& tx : transactions) preverified_.insert(tx.id);
    std::vector<crypto::Hash> ids;
    for (const auto& tx : transactions) ids.push_back(tx.id);
    const std::vector<Admission> admissions = replica_->Submit(std::move(transactions));
    for (const auto& id : ids) preverified_.erase(id);
    std::uint64_t accepted = 0;
    for (std::size_t k = 0; k < admissions.size(); ++k) {
      reply->results()[index[k]] = admissions[k];
      accepted += admissions[k].code == core::ReasonCode::kOk;
    }
    metrics_.admitted += accepted;
    metrics_.refused += admissions.size() - accepted;
    after_tasks_.push_back(reply->Take());
  });
}

void Node::Post(std::function<void()> task) {
  {
    std::lock_guard lock(wake_mutex_);
    if (stopping_) return;  // dropped, and with it what it owns
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void Node::DriverLoop() {
  bool halt_logged = false;
  for (;;) {
    std::deque<std::function<void()>> tasks;
    {
      std::unique_lock lock(wake_mutex_);
      const std::int64_t now = clock_.MonotonicMicros() / 1000;
      const std::int64_t next_timer =
          timers_.empty() ? now + kDriverIdleWakeMillis : timers_.begin()->first;
      const std::int64_t wait = std::clamp<std::int64_t>(next_timer - now, 0, kDriverIdleWakeMillis);
      wake_.wait_for(lock, std::chrono::milliseconds(wait),
                     [&] { return stopping_ || !tasks_.empty(); });
      tasks.swap(tasks_);
      // Unrun, the tasks are dropped below, with the lock released: their submitters hear
      // that the node stopped, and may post again.
      if (stopping_) break;
    }
    {
      std::unique_lock ledger_lock(ledger_mutex_);
      replica_->BeginTurn();
      for (auto& task : tasks) task();
      const std::int64_t now = clock_.MonotonicMicros() / 1000;
      while (!timers_.empty() && timers_.begin()->first <= now) {
        const TimerId id = timers_.begin()->second;
        timers_.erase(timers_.begin());
        replica_->OnTimer(id);
      }
      replica_->EndTurn();
    }
    // Submitters and waiters are told with the ledger lock released: they may read.
    auto replies = std::move(after_tasks_);
    after_tasks_.clear();
    for (auto& reply : replies) RunReply(reply);
    auto committed = std::move(committed_);
    committed_.clear();
    for (const auto& block : committed) Notify(block);
    ExpireWaiters();
    if (!replica_->halted().ok() && !halt_logged) {
      base::LogError("node", "consensus stopped: " + replica_->halted().ToString());
      halt_logged = true;
    }
  }
}

}  // namespace nuri::node
