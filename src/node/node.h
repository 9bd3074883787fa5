// Node: one node's ledger with admission, mempool and blocks, in one of two modes.
//
// Alone (Open): a single validator makes a block whenever transactions wait (StartProducing), or
// when told (ProduceBlock, for the scenario runner and the engine benchmark).
//
// In a network (OpenInNetwork): a validator or an observer runs a consensus Replica
// (replica.h) on a driver thread of its own, connected to its peers by the TLS transport
// (src/net/transport.h). Peers' messages, timers and client transactions become tasks of that
// thread; readers share the ledger lock with it and only ever see committed state.
//
// Submit() admits a transaction: decode, signatures verified once on the verifier pool (without
// the ledger lock, so admission goes on while a block executes), then the checks against the
// head (chain, expiry, signer, nonce, the signer's keys and quorum), then the mempool. Blocks are made
// from the mempool in arrival order, at a block time that never goes backwards, and committed
// durably before anyone is told of them. Callers may wait for a transaction to be final.
//
// Thread-safe: any thread may submit, query and wait. Block production holds the ledger lock
// exclusively while it executes and commits; queries share it.
#pragma once

#include <atomic>
#include <boost/unordered/unordered_flat_set.hpp>  // lookup only, never iterated
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/limits.h"
#include "ledger/ledger.h"
#include "mempool/mempool.h"
#include "mempool/verifier_pool.h"
#include "net/transport.h"
#include "node/admission.h"
#include "node/replica.h"
#include "storage/kv_store.h"

namespace nuri::node {

// How a node in a network reaches its peers and takes part in consensus.
struct NetworkOptions {
  net::TransportOptions transport;
  consensus::TendermintConfig timeouts;
  // State snapshots (ReplicaOptions): how often one is kept for peers, and how far behind a
  // node fetches one instead of syncing block by block.
  std::uint64_t snapshot_interval = 1000;
  std::uint64_t snapshot_gap = 2000;
};

struct NodeOptions {
  int verifier_threads = 2;  // the signature verifier pool's (VerifierPool)
  std::size_t mempool_capacity = base::kMempoolTransactionsMax;
  std::size_t block_transactions_max = 1000;
  // How long the producer lets transactions gather after the first arrives, to batch them.
  int block_gather_millis = 5;
  // Invariants are checked by a full scan every this many blocks (and at startup).
  std::uint64_t invariant_check_interval_blocks = 100;
};

enum class TxState { kUnknown, kPending, kCommitted, kRefused };

struct TxStatus {
  TxState state = TxState::kUnknown;
  crypto::Hash id;
  core::Receipt receipt;  // when committed
  std::uint64_t height = 0;
  core::ReasonCode refusal = core::ReasonCode::kOk;  // when refused after admission
};

struct NodeMetrics {
  std::atomic<std::uint64_t> admitted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> committed_ok{0};
  std::atomic<std::uint64_t> committed_rejected{0};
  std::atomic<std::uint64_t> blocks{0};
  std::atomic<std::uint64_t> block_commit_micros_total{0};
};

class Node {
 public:
  static base::Result<std::unique_ptr<Node>> Open(std::shared_ptr<storage::KvStore> store,
                                                  const ledger::Genesis& genesis,
                                                  ledger::ValidatorSigner signer,
                                                  const base::Clock& clock, NodeOptions options);
  // A validator (with its consensus key) or an observer (without) of a network; it connects to
  // its peers once StartProducing is called.
  static base::Result<std::unique_ptr<Node>> OpenInNetwork(
      std::shared_ptr<storage::KvStore> store, const ledger::Genesis& genesis, std::string name,
      std::optional<crypto::SecretKey> validator_key, const base::Clock& clock,
      NodeOptions options, NetworkOptions network);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Admission Submit(std::string_view bytes);
  // Admits many at once, verifying their signatures in parallel.
  std::vector<Admission> SubmitBatch(const std::vector<std::string>& bytes);
  // The same without waiting for the node: signatures are verified on the calling thread (with
  // the verifier pool), then `done` hears the admissions once they are decided: at once, on
  // this thread, for a node alone; on the thread that runs consensus, with the ledger lock
  // released, in a network, so that a server's threads never wait for a block to commit. Keep
  // `done` short. If the node stops first, done hears MEMPOOL_FULL "the node is stopping".
  void SubmitBatchAsync(std::vector<std::string> bytes,
                        std::function<void(std::vector<Admission>)> done);

  // Makes one block now from what waits, at block time max(time, last block time). Alone only.
  base::Result<ledger::ProducedBlock> ProduceBlock(core::TimeMillis time);
  // Alone: starts making blocks. In a network: connects to peers and starts the replica.
  base::Status StartProducing();
  void Stop();

  TxStatus GetTransaction(const crypto::Hash& id) const;
  // Calls done once the transaction is committed or refused, or with its status at the
  // deadline (monotonic micros of the node's clock). done runs on the producer thread: keep it
  // short.
  void WhenFinal(const crypto::Hash& id, std::int64_t deadline_micros,
                 std::function<void(const TxStatus&)> done);

  // Calls listener with the height of each block committed from now on, on the thread that
  // committed it, after the block's waiters (WhenFinal) were told: keep it short. Listeners
  // cannot be removed: they must outlive the node's production (Stop).
  void OnCommitted(std::function<void(std::uint64_t height)> listener);

  // Runs read with the ledger under the shared lock.
  template <typename Function>
  auto Read(Function&& read) const {
    std::shared_lock lock(ledger_mutex_);
    return read(*reader_);
  }

  const NodeMetrics& metrics() const { return metrics_; }
  std::size_t mempool_size() const { return pool().size(); }
  const std::string& name() const { return signer_.name; }
  // Peers connected now (in a network).
  std::vector<std::string> peers() const;

 private:
  Node(std::shared_ptr<storage::KvStore> store, ledger::ValidatorSigner signer,
       const base::Clock& clock, NodeOptions options);
  void ProducerLoop();
  void Notify(const ledger::ProducedBlock& block);
  void ExpireWaiters();
  const mempool::Mempool& pool() const { return replica_ ? replica_->mempool() : mempool_; }
  // The receipts of a block: recent blocks' from memory (clients ask about what just committed,
  // and decoding a block's receipts for each question would cost more than the block itself).
  std::shared_ptr<const std::vector<core::Receipt>> Receipts(std::uint64_t height) const;
  std::shared_ptr<const std::vector<core::Receipt>> RememberReceipts(
      std::uint64_t height, std::vector<core::Receipt> receipts) const;

  struct CheckedBatch;
  CheckedBatch DecodeAndVerify(const std::vector<std::string>& bytes);

  // In a network (node_network.cc).
  class NetworkIo;
  // Hands verified transactions to the replica; done hears every admission, `results` with
  // those of `verified` (at `index`) filled in.
  void SubmitToReplica(std::vector<Admission> results,
                       std::vector<core::SignedTransaction> verified,
                       std::vector<std::size_t> index,
                       std::function<void(std::vector<Admission>)> done);
  // Runs task on the driver thread with the ledger lock held, then tells waiters of the blocks
  // it committed.
  void Post(std::function<void()> task);
  void DriverLoop();
  void OnPeerMessage(const std::string& peer, std::string message);

  std::shared_ptr<storage::KvStore> store_;
  ledger::ValidatorSigner signer_;
  const base::Clock& clock_;
  NodeOptions options_;
  mutable std::shared_mutex ledger_mutex_;
  std::unique_ptr<ledger::Ledger> ledger_;  // alone; guarded by ledger_mutex_
  const ledger::Ledger* reader_ = nullptr;   // the ledger readers see, alone or the replica's
  mempool::VerifierPool verifiers_;
  mempool::Mempool mempool_;
  NodeMetrics metrics_;

  std::mutex produce_mutex_;  // one block at a time
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by wake_mutex_
  std::thread producer_;

  mutable std::mutex waiters_mutex_;
  struct Waiter {
    std::int64_t deadline_micros;
    std::function<void(const TxStatus&)> done;
  };
  mutable std::mutex receipts_mutex_;
  // The latest blocks' receipts, by height; guarded by receipts_mutex_.
  mutable std::map<std::uint64_t, std::shared_ptr<const std::vector<core::Receipt>>>
      recent_receipts_;
  std::multimap<crypto::Hash, Waiter> waiters_;           // guarded by waiters_mutex_
  std::map<crypto::Hash, core::ReasonCode> recently_refused_;  // guarded by waiters_mutex_
  std::vector<std::function<void(std::uint64_t)>> commit_listeners_;  // guarded by waiters_mutex_

  // In a network.
  // Client transactions verified at submission, while the replica admits them.
  using PreverifiedIds = boost::unordered_flat_set<  // lookup only, never iterated
      crypto::Hash, crypto::DigestHash>;
  std::unique_ptr<NetworkIo> io_;
  std::unique_ptr<Replica> replica_;  // driven by driver_ with ledger_mutex_ held
  std::optional<NetworkOptions> network_;
  std::unique_ptr<net::Transport> transport_;
  std::vector<std::string> peer_names_;  // PeerId -> member name
  std::thread driver_;
  std::deque<std::function<void()>> tasks_;  // guarded by wake_mutex_
  std::multimap<std::int64_t, TimerId> timers_;  // monotonic ms -> timer; driver thread only
  std::vector<ledger::ProducedBlock> committed_;  // driver thread only, until told
  PreverifiedIds preverified_;                    // driver thread only
  // What the driver's tasks leave to run once the ledger lock is released: driver thread only.
  std::vector<std::function<void()>> after_tasks_;
};

}  // namespace nuri::node
