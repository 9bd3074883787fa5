#include "node/node.h"

#include <algorithm>
#include <future>

#include "base/check.h"
#include "base/log.h"
#include "ledger/invariants.h"
#include "ledger/signatures.h"
#include "ledger/state_view.h"

namespace nuri::node {

namespace {
constexpr std::size_t kRecentlyRefusedMax = 100000;
constexpr std::size_t kRecentBlocksOfReceipts = 32;
constexpr int kProducerIdleWakeMillis = 100;

}  // namespace

base::Result<std::unique_ptr<Node>> Node::Open(std::shared_ptr<storage::KvStore> store,
                                               const ledger::Genesis& genesis,
                                               ledger::ValidatorSigner signer,
                                               const base::Clock& clock, NodeOptions options) {
  std::unique_ptr<Node> node(new Node(std::move(store), std::move(signer), clock, options));
  auto ledger = ledger::Ledger::Open(*node->store_, genesis);
  if (!ledger) return base::Error(ledger.error());
  // Alone, a node certifies its blocks by itself: the set in force must be just this validator.
  const core::ValidatorSet& set = (*ledger)->validators();
  const core::Validator* self = set.Find(node->signer_.name);
  if (self == nullptr || self->key != node->signer_.key.public_key() ||
      set.validators.size() != 1) {
    return base::Error(base::Status::InvalidArgument(
        "node '" + node->signer_.name +
        "' runs alone only while the validator set in force is this node with this key; run it "
        "as a member of a network"));
  }
  node->ledger_ = std::move(*ledger);
  node->reader_ = node->ledger_.get();
  if (auto status = ledger::CheckInvariants(node->ledger_->state()); !status.ok()) {
    return base::Error(
        base::Status::Corruption("stored state breaks an invariant: " + status.message()));
  }
  return node;
}

Admission Node::Submit(std::string_view bytes) { return SubmitBatch({std::string(bytes)}).front(); }

// A batch decoded and its signatures checked, before any look at the ledger.
struct Node::CheckedBatch {
  std::vector<Admission> results;                // one per item; refusals filled in already
  std::vector<core::SignedTransaction> decoded;  // per item; empty where it did not decode
  std::vector<std::size_t> decodable;            // the items that decoded
  std::vector<bool> verified;                    // per decodable item
};

// Signatures are verified first, in parallel and without the ledger lock, so that admission goes
// on while a block executes; the checks against the head, which need the lock, are cheap.
Node::CheckedBatch Node::DecodeAndVerify(const std::vector<std::string>& bytes) {
  CheckedBatch batch;
  batch.results.resize(bytes.size());
  batch.decoded.resize(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto tx = core::DecodeTransaction(bytes[i]);
    if (!tx) {
      batch.results[i] = Refuse(core::ReasonCode::kMalformed, {}, tx.error().message());
      continue;
    }
    batch.decoded[i] = std::move(*tx);
    batch.results[i].id = batch.decoded[i].id;
    batch.decodable.push_back(i);
  }
  batch.verified = verifiers_.Run(
      batch.decodable.size(),
      [&](std::size_t k) { return ledger::SignaturesVerify(batch.decoded[batch.decodable[k]]); },
      mempool::VerifierPool::Caller::kWaits);
  return batch;
}

void Node::SubmitBatchAsync(std::vector<std::string> bytes,
                            std::function<void(std::vector<Admission>)> done) {
  if (!replica_) return done(SubmitBatch(bytes));
  CheckedBatch batch = DecodeAndVerify(bytes);
  std::vector<core::SignedTransaction> good;
  std::vector<std::size_t> index;
  for (std::size_t k = 0; k < batch.decodable.size(); ++k) {
    const std::size_t i = batch.decodable[k];
    if (!batch.verified[k]) {
      batch.results[i] = Refuse(core::ReasonCode::kBadSignature, batch.results[i].id);
      continue;
    }
    good.push_back(std::move(batch.decoded[i]));
    index.push_back(i);
  }
  SubmitToReplica(std::move(batch.results), std::move(good), std::move(index), std::move(done));
}

std::vector<Admission> Node::SubmitBatch(const std::vector<std::string>& bytes) {
  if (replica_) {
    // Shared: the reply may still be returning from set_value when this caller goes on.
    auto answer = std::make_shared<std::promise<std::vector<Admission>>>();
    auto admitted = answer->get_future();
    SubmitBatchAsync(
        bytes, [answer](std::vector<Admission> results) { answer->set_value(std::move(results)); });
    return admitted.get();
  }
  CheckedBatch batch = DecodeAndVerify(bytes);
  std::vector<Admission>& results = batch.results;
  std::vector<core::SignedTransaction>& decoded = batch.decoded;
  const std::vector<std::size_t>& to_verify = batch.decodable;
  const std::vector<bool>& verified = batch.verified;
  std::vector<std::size_t> admissible;
  {
    std::shared_lock lock(ledger_mutex_);
    const ledger::BlockContext context{ledger_->chain_id(), ledger_->head().height + 1,
                                       ledger_->NextBlockTime(clock_.NowMillis())};
    for (std::size_t k = 0; k < to_verify.size(); ++k) {
      const std::size_t i = to_verify[k];
      core::ReasonCode code = ledger::CheckIncludable(ledger_->state(), decoded[i].tx, context);
      if (code == core::ReasonCode::kOk && !verified[k]) code = core::ReasonCode::kBadSignature;
      if (code == core::ReasonCode::kOk) {
        const auto signer = ledger::ReadAccount(ledger_->state(), decoded[i].tx.signer.str());
        if (!ledger::SignedByQuorum(decoded[i].tx, *signer)) code = core::ReasonCode::kBadSignature;
      }
      if (code == core::ReasonCode::kOk) {
        admissible.push_back(i);
      } else {
        results[i] = Refuse(code, decoded[i].id);
      }
    }
  }
  for (const std::size_t i : admissible) {
    const core::ReasonCode code = mempool_.Add(std::move(decoded[i]));
    if (code != core::ReasonCode::kOk) results[i] = Refuse(code, results[i].id);
  }
  std::uint64_t admitted = 0;
  for (const auto& result : results) admitted += result.code == core::ReasonCode::kOk;
  metrics_.admitted += admitted;
  metrics_.refused += results.size() - admitted;
  if (admitted > 0) wake_.notify_one();
  return results;
}

base::Result<ledger::ProducedBlock> Node::ProduceBlock(core::TimeMillis time) {
  NURI_CHECK(!replica_);
  std::lock_guard produce_lock(produce_mutex_);
  const auto candidates = mempool_.Peek(options_.block_transactions_max);
  const std::int64_t started = clock_.MonotonicMicros();
  base::Result<ledger::ProducedBlock> produced;
  {
    std::unique_lock lock(ledger_mutex_);
    produced = ledger_->ProduceBlock(ledger_->NextBlockTime(time), candidates, signer_);
    if (produced && options_.invariant_check_interval_blocks > 0 &&
        produced->block.header.height % options_.invariant_check_interval_blocks == 0) {
      // A broken invariant means the executor is wrong: stop before anything else is built on it.
      const base::Status invariants = ledger::CheckInvariants(ledger_->state());
      if (!invariants.ok()) base::LogError("node", invariants.message());
      NURI_CHECK(invariants.ok());
    }
  }
  if (!produced) return produced;
  std::vector<crypto::Hash> finished = produced->transaction_ids;
  for (const auto& [id, code] : produced->dropped) finished.push_back(id);
  mempool_.Remove(finished);
  metrics_.blocks += 1;
  metrics_.block_commit_micros_total += clock_.MonotonicMicros() - started;
  for (const auto& receipt : produced->receipts) {
    (receipt.status == core::ReceiptStatus::kOk ? metrics_.committed_ok
                                                : metrics_.committed_rejected) += 1;
  }
  Notify(*produced);
  return produced;
}

std::shared_ptr<const std::vector<core::Receipt>> Node::Receipts(std::uint64_t height) const {
  {
    std::lock_guard lock(receipts_mutex_);
    if (const auto it = recent_receipts_.find(height); it != recent_receipts_.end()) {
      return it->second;
    }
  }
  auto receipts = reader_->ReadReceipts(height);
  if (!receipts) return nullptr;
  return RememberReceipts(height, *std::move(receipts));
}

std::shared_ptr<const std::vector<core::Receipt>> Node::RememberReceipts(
    std::uint64_t height, std::vector<core::Receipt> receipts) const {
  auto shared = std::make_shared<const std::vector<core::Receipt>>(std::move(receipts));
  std::lock_guard lock(receipts_mutex_);
  recent_receipts_[height] = shared;
  // The oldest go first: questions are about what just committed.
  while (recent_receipts_.size() > kRecentBlocksOfReceipts) {
    recent_receipts_.erase(recent_receipts_.begin());
  }
  return shared;
}

void Node::Notify(const ledger::ProducedBlock& block) {
  RememberReceipts(block.block.header.height, block.receipts);
  std::vector<std::pair<std::function<void(const TxStatus&)>, TxStatus>> calls;
  {
    std::lock_guard lock(waiters_mutex_);
    for (const auto& [id, code] : block.dropped) {
      if (recently_refused_.size() >= kRecentlyRefusedMax) recently_refused_.clear();
      recently_refused_[id] = code;
    }
    auto fire = [&](const crypto::Hash& id, const TxStatus& status) {
      auto [begin, end] = waiters_.equal_range(id);
      for (auto it = begin; it != end; ++it) calls.emplace_back(std::move(it->second.done), status);
      waiters_.erase(begin, end);
    };
    for (std::size_t i = 0; i < block.receipts.size(); ++i) {
      TxStatus status{TxState::kCommitted, block.receipts[i].tx_id, block.receipts[i],
                      block.block.header.height, core::ReasonCode::kOk};
      fire(block.receipts[i].tx_id, status);
    }
    for (const auto& [id, code] : block.dropped) {
      fire(id, TxStatus{TxState::kRefused, id, {}, 0, code});
    }
  }
  for (auto& [done, status] : calls) done(status);
  std::vector<std::function<void(std::uint64_t)>> listeners;
  {
    std::lock_guard lock(waiters_mutex_);
    listeners = commit_listeners_;
  }
  for (const auto& listener : listeners) listener(block.block.header.height);
}

void Node::OnCommitted(std::function<void(std::uint64_t height)> listener) {
  std::lock_guard lock(waiters_mutex_);
  commit_listeners_.push_back(std::move(listener));
}

void Node::ExpireWaiters() {
  const std::int64_t now = clock_.MonotonicMicros();
  std::vector<std::pair<std::function<void(const TxStatus&)>, crypto::Hash>> expired;
  {
    std::lock_guard lock(waiters_mutex_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline_micros <= now) {
        expired.emplace_back(std::move(it->second.done), it->first);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [done, id] : expired) done(GetTransaction(id));
}

void Node::WhenFinal(const crypto::Hash& id, std::int64_t deadline_micros,
                     std::function<void(const TxStatus&)> done) {
  {
    // Registered before looking, so a commit between the look and the registration is not missed.
    std::lock_guard lock(waiters_mutex_);
    waiters_.emplace(id, Waiter{deadline_micros, std::move(done)});
  }
  const TxStatus status = GetTransaction(id);
  if (status.state == TxState::kCommitted || status.state == TxState::kRefused ||
      status.state == TxState::kUnknown) {
    std::function<void(const TxStatus&)> call;
    {
      std::lock_guard lock(waiters_mutex_);
      auto [begin, end] = waiters_.equal_range(id);
      for (auto it = begin; it != end; ++it) {
        if (it->second.deadline_micros == deadline_micros) {
          call = std::move(it->second.done);
          waiters_.erase(it);
          break;
        }
      }
    }
    if (call) call(status);
  }
}

TxStatus Node::GetTransaction(const crypto::Hash& id) const {
  TxStatus status;
  status.id = id;
  // The pool first: a transaction leaves it only after its block is in the ledger, so one not
  // in the pool and not in the ledger never went into a block. Asked the other way round, a
  // block committed between the two looks would hide the transaction from both.
  if (pool().Contains(id)) {
    status.state = TxState::kPending;
    return status;
  }
  {
    std::shared_lock lock(ledger_mutex_);
    auto location = reader_->FindTransaction(id);
    if (location) {
      const auto receipts = Receipts(location->height);
      if (receipts && location->index < receipts->size()) {
        status.state = TxState::kCommitted;
        status.height = location->height;
        status.receipt = (*receipts)[location->index];
        return status;
      }
    }
  }
  std::lock_guard lock(waiters_mutex_);
  if (auto it = recently_refused_.find(id); it != recently_refused_.end()) {
    status.state = TxState::kRefused;
    status.refusal = it->second;
  }
  return status;
}

base::Status Node::StartProducing() {
  NURI_CHECK(!producer_.joinable() && !driver_.joinable());
  if (replica_) {
    auto transport = net::Transport::Start(
        network_->transport,
        [this](const std::string& peer, std::string message) {
          OnPeerMessage(peer, std::move(message));
        },
        [](const std::string& peer, bool connected) {
          base::LogInfo("node", (connected ? "connected to " : "disconnected from ") + peer);
        });
    if (!transport) return transport.error();
    transport_ = *std::move(transport);
    driver_ = std::thread([this] { DriverLoop(); });
    Post([this] { replica_->Start(); });
  } else {
    producer_ = std::thread([this] { ProducerLoop(); });
  }
  return base::Status::Ok();
}

void Node::Stop() {
  // The transport first: its thread posts to the driver.
  transport_.reset();
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (producer_.joinable()) producer_.join();
  if (driver_.joinable()) driver_.join();
  // Tasks posted before the driver started, or as it stopped: dropped here, outside the lock,
  // so that their submitters hear the node stopped before Stop returns.
  std::deque<std::function<void()>> unrun;
  {
    std::lock_guard lock(wake_mutex_);
    unrun.swap(tasks_);
  }
}

void Node::ProducerLoop() {
  for (;;) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(kProducerIdleWakeMillis),
                     [&] { return stopping_ || mempool_.size() > 0; });
      if (stopping_) return;
    }
    ExpireWaiters();
    if (mempool_.size() == 0) continue;
    if (mempool_.size() < options_.block_transactions_max && options_.block_gather_millis > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.block_gather_millis));
    }
    auto produced = ProduceBlock(clock_.NowMillis());
    if (!produced) {
      // The ledger refuses every block after a storage failure: stop making them, loudly.
      base::LogError("node", "block production stopped: " + produced.error().ToString());
      return;
    }
  }
}

}  // namespace nuri::node
