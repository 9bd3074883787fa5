// Replica: one node's part in consensus (docs/consensus.md, "The driver"): its ledger, its
// mempool and a Tendermint state machine, driven by what peers send, by timers and by
// transactions clients submit. It judges proposals by executing them, builds blocks when it
// proposes, commits decided blocks with their certificates, gossips transactions, and catches
// up by block sync when it finds itself behind, or from a peer's state snapshot when it is far
// behind (replica_state_sync.cc).
//
// Everything it needs from the world comes through ReplicaIo: clock, peers, timers, signature
// verification. The node runs it on real sockets and clocks; the simulator (src/sim) on
// simulated ones, so that a whole network of replicas runs reproducibly in one thread.
//
// Crash safety: blocks are committed in one synced write each (ledger.h). Before a validator
// sends a proposal or vote, it records what it signed in the same store, synced, and never signs
// a different message for that height, round and step after a restart; the consensus messages
// of the height in progress are kept too, and replayed at restart, so that a restarted validator
// comes back with the locks it had.
//
// Not thread-safe: one thread drives a replica.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "consensus/tendermint.h"
#include "ledger/genesis.h"
#include "ledger/ledger.h"
#include "mempool/mempool.h"
#include "net/wire.h"
#include "node/admission.h"
#include "node/state_sync.h"
#include "storage/kv_store.h"

namespace nuri::node {

// A peer as the io knows it; only passed back to Send.
using PeerId = std::uint32_t;
// The sender of messages the replica kept itself (replayed at restart).
inline constexpr PeerId kNoPeer = ~PeerId{0};
using TimerId = std::uint64_t;

class ReplicaIo {
 public:
  virtual ~ReplicaIo() = default;
  // Wall time (proposers' block times, and judging others').
  virtual core::TimeMillis NowMillis() = 0;
  // A clock for measuring how long work takes (block_work_micros()).
  virtual std::int64_t MonotonicMicros() = 0;
  virtual void Broadcast(const std::string& message) = 0;
  virtual void Send(PeerId peer, const std::string& message) = 0;
  // Replica::OnTimer(id) is to be called once delay_millis have passed.
  virtual void SetTimer(std::int64_t delay_millis, TimerId id) = 0;
  // Whether every signature of each transaction verifies (ledger::SignaturesVerify), computed
  // however the io likes: on a verifier pool in a node.
  virtual std::vector<bool> VerifySignatures(
      std::span<const core::SignedTransaction> transactions) = 0;
  virtual void Committed(const ledger::ProducedBlock& block) = 0;
};

struct ReplicaOptions {
  std::string name;  // a validator's name in the validator set, or an observer's
  // A validator's consensus key; observers have none and follow without voting.
  std::optional<crypto::SecretKey> validator_key;
  consensus::TendermintConfig timeouts;  // validators and self are filled in from the set
  std::size_t block_transactions_max = 1000;
  std::size_t mempool_capacity = base::kMempoolTransactionsMax;
  // A fresh proposal's block time must be within this of the judging validator's clock.
  std::int64_t block_time_drift_millis = 2000;
  // How often a replica tells its peers its height, so that one behind learns it.
  std::int64_t status_interval_millis = 2000;
  // Every this many blocks a node keeps its state as the snapshot it offers peers far behind
  // (0: it offers none).
  std::uint64_t snapshot_interval = 1000;
  // A node more than this many blocks behind a peer asks it for its snapshot instead of
  // syncing block by block (0: never).
  std::uint64_t snapshot_gap = 2000;
};

class Replica {
 public:
  static base::Result<std::unique_ptr<Replica>> Open(storage::KvStore& store,
                                                     const ledger::Genesis& genesis,
                                                     ReplicaOptions options, ReplicaIo& io);
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Replays the consensus messages kept from before a restart and starts talking to peers.
  void Start();
  // A message from a peer. An error means the peer sent what no correct node sends: the
  // caller drops it. Anything merely late, early or duplicated is ignored without error.
  base::Status OnMessage(PeerId from, std::string_view bytes);
  void OnTimer(TimerId id);
  // Client transactions, decoded: signatures verified (through the io), checked against the
  // head, pooled and gossiped.
  std::vector<Admission> Submit(std::vector<core::SignedTransaction> transactions);
  // A turn groups what a node's driver does at once: the admissions, messages and timers that
  // queued while it was busy. Within a turn no height starts; EndTurn starts the next one, so
  // that its block gathers everything the turn admitted instead of the first transaction alone.
  // Outside a turn (the simulator) heights start as soon as there is something to decide.
  void BeginTurn() { in_turn_ = true; }
  void EndTurn();

  const ledger::Ledger& ledger() const { return *ledger_; }
  std::size_t mempool_size() const { return mempool_.size(); }
  const mempool::Mempool& mempool() const { return mempool_; }
  bool is_validator() const { return self_.has_value(); }
  // Where consensus stands, in words, for logs and diagnostics.
  std::string Describe() const;
  // A store write failed: the replica stopped and must be restarted.
  const base::Status& halted() const { return halted_; }
  // Time spent building, executing and committing blocks, for a node's metrics.
  std::int64_t block_work_micros() const { return block_work_micros_; }

 private:
  // A proposed block, decoded; `usable` when every transaction decoded and verified.
  struct Candidate {
    core::BlockHeader header;
    std::vector<core::SignedTransaction> transactions;
    bool usable = false;
  };
  enum class SignStep : std::uint8_t { kProposal = 1, kPrevote = 2, kPrecommit = 3 };
  // What this validator last signed, kept in the store (key cs/last_signed).
  struct LastSigned {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    SignStep step = SignStep::kProposal;
    std::string message;  // the signing message
    std::string signature;
    crypto::Hash value;  // of a proposal or vote for a block; zero for nil
  };
  // A proposal or vote of a height not started yet, delivered when it starts.
  struct EarlyMessage {
    std::uint64_t height = 0;
    std::optional<core::Proposal> proposal;
    std::optional<core::Vote> vote;
  };
  struct TimerTarget {
    bool status = false;  // the periodic status, else a consensus timeout
    consensus::TimeoutKind kind = consensus::TimeoutKind::kPropose;
    std::uint64_t height = 0;
    std::uint32_t round = 0;
  };

  Replica(storage::KvStore& store, ReplicaOptions options, ReplicaIo& io,
          std::unique_ptr<ledger::Ledger> ledger);
  std::uint64_t next_height() const { return ledger_->head().height + 1; }
  const std::string& chain_id() const { return ledger_->chain_id(); }
  // The validator set of the next height, and of the height `height` (the next or the one after).
  const core::ValidatorSet& validators() const { return ledger_->validators(); }
  const core::ValidatorSet& SignersAt(std::uint64_t height) const;
  void ResetConsensus();

  void Settle();
  void StartHeight();
  void Route(EarlyMessage message);
  void Deliver(const EarlyMessage& message);
  void Apply(std::vector<consensus::Action> actions);
  void BuildValue(std::uint64_t height, std::uint32_t round, std::vector<consensus::Action>& out);
  void Propose(const core::Proposal& proposal);
  // Signs, records and sends this validator's vote, and delivers it to the state machine.
  void CastVote(const core::Vote& vote, std::vector<consensus::Action>& out);
  void ScheduleTimeout(consensus::TimeoutKind kind, std::uint64_t height, std::uint32_t round,
                       std::int64_t delay_millis);
  // The signature of `message` for (height, round, step), unless this validator already signed
  // a later step, or another message for this one.
  std::optional<std::string> Sign(std::uint64_t height, std::uint32_t round, SignStep step,
                                  const std::string& message);
  bool RecordSigned(LastSigned record, std::uint64_t height, std::string_view bytes);
  void Commit(const consensus::Decide& decision);
  void AfterCommit(const ledger::ProducedBlock& block, bool by_sync);
  // Forgets what was kept for heights up to `height`, now committed.
  void ForgetThrough(std::uint64_t height);

  base::Status OnProposal(PeerId from, const net::ProposalMessage& message, std::string_view bytes);
  base::Status OnVote(PeerId from, const net::VoteMessage& message, std::string_view bytes);
  base::Status OnTransactions(const net::TransactionsMessage& message);
  void OnStatus(PeerId from, const net::StatusMessage& message);
  void OnBlocksRequest(PeerId from, const net::BlocksRequest& request);
  base::Status OnBlocks(const net::BlocksMessage& message);

  // State snapshots (replica_state_sync.cc).
  void KeepSnapshot();
  // The snapshot kept, encoded for peers; nullptr when none.
  const std::string* SnapshotOffered();
  // For a node far behind: asks `from` for its snapshot, unless a request went out lately or
  // `from` let the last download stall (it is passed over once). Whether to wait for an answer
  // rather than sync blocks.
  bool AwaitSnapshot(PeerId from);
  // An offer from `from` is welcome for a while: it was asked for one, or for blocks.
  void ExpectOffer(PeerId from);
  void PauseStateSync(std::string_view why);
  // Whether `from` may be sent one more offer or chunk this second.
  bool TakeSnapshotAnswer(PeerId from);
  void OnSnapshotRequest(PeerId from);
  base::Status OnSnapshotOffer(PeerId from, const net::SnapshotOfferMessage& message);
  void OnStateChunkRequest(PeerId from, const net::StateChunkRequest& request);
  base::Status OnStateChunk(PeerId from, net::StateChunkMessage message);
  void RequestStateChunk();
  void InstallSnapshot();
  // Gives up a download that made no progress for a while.
  void CheckStateSyncProgress();

  consensus::Verdict JudgeProposal(const core::Proposal& proposal);
  Candidate DecodeCandidate(const core::Block& block);
  // Admission of transactions from clients or peers; those admitted are gossiped.
  std::vector<Admission> Admit(std::vector<core::SignedTransaction> transactions);
  void RequestBlocks(PeerId from);
  // Whether a message of this signer's slot may still be taken (kMessagesPerSlotMax).
  bool TakeSlot(std::uint64_t height, std::uint32_t round, std::uint8_t step,
                core::ValidatorIndex signer);
  // Whether votes of more than f validators back `value` in (height, round).
  bool Backed(std::uint64_t height, std::uint32_t round, const crypto::Hash& value) const;
  bool Seen(std::string_view bytes, std::uint64_t height) const;
  void MarkSeen(std::string_view bytes, std::uint64_t height);
  // Adds a consensus message of `height` to what is kept for a restart (store key cw/...).
  void Keep(storage::WriteBatch& batch, std::uint64_t height, std::string_view bytes);
  // A valid consensus message seen for the first time: kept for a restart, and relayed.
  void KeepAndRelay(std::string_view bytes, std::uint64_t height);
  // Sends every kept message of the height in progress again.
  void RepeatHeight();
  void Halt(const base::Status& status);
  // Runs `work` (building, executing or committing a block), adding its time to
  // block_work_micros_.
  template <typename Work>
  auto TimeBlockWork(Work&& work) {
    const std::int64_t started = io_.MonotonicMicros();
    auto result = work();
    block_work_micros_ += io_.MonotonicMicros() - started;
    return result;
  }

  storage::KvStore& store_;
  ReplicaOptions options_;
  ReplicaIo& io_;
  std::unique_ptr<ledger::Ledger> ledger_;
  mempool::Mempool mempool_;
  // This validator's index in the set of the height in progress; nullopt while it is not in it.
  std::optional<core::ValidatorIndex> self_;
  std::unique_ptr<consensus::Tendermint> tendermint_;
  crypto::Hash consensus_set_hash_;          // the set tendermint_ was made for
  core::ValidatorSet following_validators_;  // of the height after the next
  bool height_started_ = false;
  bool in_turn_ = false;
  bool replaying_ = false;
  base::Status halted_;
  std::optional<LastSigned> last_signed_;

  std::map<crypto::Hash, Candidate> candidates_;  // proposed blocks of heights not committed
  std::vector<EarlyMessage> early_messages_;
  // By height: encoded vote -> its signature, for certificates.
  std::map<std::uint64_t, std::map<std::string, std::string>> signatures_;
  std::map<std::uint64_t, std::set<crypto::Hash>> seen_;  // message hashes by height
  std::map<std::uint64_t,
           std::map<std::tuple<std::uint32_t, std::uint8_t, core::ValidatorIndex>, int>>
      slots_;
  // Who voted for each value, by height and (round, value).
  std::map<std::uint64_t,
           std::map<std::pair<std::uint32_t, crypto::Hash>, std::set<core::ValidatorIndex>>>
      backers_;
  // This validator's proposals by height and round, signed now or before a restart.
  std::map<std::uint64_t, std::map<std::uint32_t, crypto::Hash>> own_proposals_;
  // Equivocations already logged, by height: (round, validator).
  std::map<std::uint64_t, std::set<std::pair<std::uint32_t, core::ValidatorIndex>>> reported_;
  std::uint64_t highest_seen_height_ = 0;
  std::uint64_t kept_sequence_ = 0;
  // The store keys of the kept messages, by height, for forgetting them after a commit.
  std::map<std::uint64_t, std::vector<std::string>> kept_keys_;
  std::map<TimerId, TimerTarget> timers_;
  TimerId next_timer_ = 1;
  core::TimeMillis last_sync_request_ = 0;
  std::optional<std::string> snapshot_offered_;  // encoded once per snapshot kept
  bool snapshot_unavailable_ = false;            // the one kept cannot be offered
  StateSync state_sync_;
  PeerId state_sync_peer_ = kNoPeer;
  PeerId stalled_peer_ = kNoPeer;  // the last that let a download stall
  PeerId offer_expected_from_ = kNoPeer;
  core::TimeMillis offer_expected_since_ = 0;
  core::TimeMillis state_sync_progress_ = 0;  // when the download last advanced
  core::TimeMillis last_snapshot_request_ = 0;
  // By peer: the second it began, and the offers and chunks served to it in it.
  std::map<PeerId, std::pair<core::TimeMillis, int>> snapshot_answers_;
  std::uint64_t head_at_last_status_ = 0;
  bool awaiting_decided_block_ = false;
  std::int64_t block_work_micros_ = 0;
};

}  // namespace nuri::node
