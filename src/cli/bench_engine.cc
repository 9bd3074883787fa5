// The engine benchmark: a real node on a real RocksDB store, driven one block at a time with a
// ManualClock, so that what is timed is admission (decode, state checks, signatures on the
// verifier pool), execution and the one synced write per block, and nothing else: no network,
// no producer thread, no waiting for a gathering window.
//
// Threads: RunEngineBench runs on the caller's thread; it starts helper threads to derive keys,
// sign and verify, and joins them before returning. The node's verifier pool has `threads`
// threads, like the pool that measures the verification ceiling, so the two figures are
// comparable.
#include "cli/bench_engine.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/check.h"
#include "base/clock.h"
#include "base/limits.h"
#include "cli/bench_support.h"
#include "core/example_program.h"
#include "core/json.h"
#include "core/time.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "crypto/keys.h"
#include "ledger/genesis.h"
#include "ledger/invariants.h"
#include "mempool/verifier_pool.h"
#include "node/node.h"
#include "node/system_clock.h"
#include "storage/kv_store.h"

namespace nuri::cli {

namespace {

namespace json = boost::json;

constexpr std::string_view kChainId = "nuri-bench";
constexpr std::string_view kGenesisStart = "2026-03-02T09:00:00+09:00";
constexpr std::string_view kTokenId = "KRW-BNK";
constexpr std::string_view kIssuer = "issuer@bnk";
constexpr std::string_view kValidatorName = "bench-1";
// Every funded account receives this much, far more than all the transfers it may send.
constexpr std::int64_t kMintWon = 1'000'000'000;
constexpr std::int64_t kTransferWonMax = 1000;
// The ManualClock steps this much per block: block times move forward, nothing expires.
constexpr std::int64_t kBlockIntervalMillis = 1;
// Mints are not timed: they go in the largest blocks the ledger takes.
constexpr std::size_t kMintBlockTransactions = base::kBlockTransactionsMax;
// Mints are signed and committed a window at a time, so that a million signed mints never sit
// in memory together.
constexpr std::size_t kMintWindowTransactions = 64 * kMintBlockTransactions;
constexpr std::size_t kLargeRunTransactionsMax = 100000;
// Up to this many accounts, their secret keys are kept for signing transfers; beyond it each
// sender's key is derived again as it signs, as a million secret keys would weigh on the memory
// that the large run measures.
constexpr std::size_t kCachedSecretKeysMax = 100000;
constexpr std::size_t kVerifySamples = 4096;
constexpr std::int64_t kVerifyMeasureMicros = 1'500'000;
// Fixed, so that two runs send the same transfers.
constexpr std::uint64_t kTransferPlanSeed = 20260302;
// The payments run: holders of a seven-rule business-promotion program pay merchants.
constexpr std::string_view kProgramId = "bench-bpe";
constexpr std::string_view kTreasury = "treasury@load";
constexpr std::string_view kManager = "budget@load";
constexpr std::int64_t kGrantWon = 100'000'000;
constexpr std::size_t kBenchMerchants = 64;
constexpr const char* kBenchMerchantCategories[] = {"5812", "5814", "5411", "5943"};
constexpr std::int64_t kPaymentWonMax = 40'000;
constexpr std::size_t kParallelChunkSize = 64;
// Client threads submitting batches concurrently, and how much they let wait in the mempool.
constexpr int kSubmitters = 2;
constexpr std::size_t kPendingTransactionsMax = 4 * base::kBlockTransactionsMax;

using Batches = std::vector<std::vector<std::string>>;

// Runs body(i) for every i in [0, count) on `threads` threads, the caller's among them.
void ParallelFor(std::size_t count, int threads, const std::function<void(std::size_t)>& body) {
  std::atomic<std::size_t> next{0};
  auto drain = [&] {
    for (std::size_t begin = next.fetch_add(kParallelChunkSize); begin < count;
         begin = next.fetch_add(kParallelChunkSize)) {
      const std::size_t end = std::min(count, begin + kParallelChunkSize);
      for (std::size_t i = begin; i < end; ++i) body(i);
    }
  };
  std::vector<std::jthread> helpers;
  for (int i = 1; i < threads; ++i) helpers.emplace_back(drain);
  drain();
}

std::string LoadAccountName(std::size_t index) { return "a" + std::to_string(index) + "@load"; }

core::AccountId ParseAccount(std::string_view text) {
  auto id = core::AccountId::Parse(text);
  NURI_CHECK(id.has_value());
  return *std::move(id);
}

core::TokenId Token() {
  auto token = core::TokenId::Parse(kTokenId);
  NURI_CHECK(token.has_value());
  return *std::move(token);
}

json::object AccountEntry(std::string_view id, std::string_view role, std::string key_text) {
  return json::object{{"id", id},
                      {"roles", json::array{json::string(role)}},
                      {"keys", json::array{json::string(std::move(key_text))}}};
}

// The genesis: a bank whose issuer issues KRW-BNK, and `accounts` holders a<i>@load with their
// test keys. The keys are derived here on every thread and written into the description, as
// ParseGenesis would derive them one by one on a single thread.
std::string MerchantName(std::size_t index) { return "m" + std::to_string(index) + "@merchants"; }

// What the payments run adds to the genesis: the ministry's treasury and budget office, the
// merchants, and a program with the seven rules of docs/programs.md's example.
void AddProgram(json::object& description) {
  json::array& orgs = description["orgs"].as_array();
  orgs.push_back(json::object{{"id", "merchants"}, {"kind", "merchants"}, {"name", "Merchants"}});
  json::array& accounts = description["accounts"].as_array();
  for (std::string_view id : {kTreasury, kManager}) {
    accounts.push_back(AccountEntry(id, id == kTreasury ? "treasury" : "manager",
                                    crypto::DeriveTestKey(id).public_key().ToText()));
  }
  for (std::size_t i = 0; i < kBenchMerchants; ++i) {
    json::object merchant = AccountEntry(
        MerchantName(i), "merchant", crypto::DeriveTestKey(MerchantName(i)).public_key().ToText());
    merchant["merchant"] =
        json::object{{"mcc", kBenchMerchantCategories[i % std::size(kBenchMerchantCategories)]},
                     {"business_no", "101-81-" + std::to_string(10000 + i)},
                     {"name", "Merchant " + std::to_string(i)}};
    accounts.push_back(std::move(merchant));
  }
  // The seven rules of the specification's example, owned by the benchmark's ministry.
  json::object program = core::SpecExampleProgram();
  program["id"] = kProgramId;
  program["name"] = "Benchmark business promotion expenses";
  program["owner"] = kTreasury;
  program["managers"] = json::array{json::string(kManager)};
  description["programs"] = json::array{std::move(program)};
}

base::Result<ledger::Genesis> BuildGenesis(std::size_t accounts, int threads,
                                           const crypto::SecretKey& validator_key,
                                           bool with_program) {
  std::vector<std::string> key_texts(accounts);
  ParallelFor(accounts, threads, [&](std::size_t i) {
    key_texts[i] = crypto::DeriveTestKey(LoadAccountName(i)).public_key().ToText();
  });
  json::object description;
  description["chain_id"] = kChainId;
  description["start"] = kGenesisStart;
  description["orgs"] = json::array{
      json::object{{"id", "bnk"}, {"kind", "bank"}, {"name", "Benchmark bank"}},
      json::object{{"id", "load"}, {"kind", "ministry"}, {"name", "Benchmark ministry"}}};
  json::array& account_list = description["accounts"].emplace_array();
  account_list.reserve(accounts + 1);
  account_list.push_back(
      AccountEntry(kIssuer, "issuer", crypto::DeriveTestKey(kIssuer).public_key().ToText()));
  for (std::size_t i = 0; i < accounts; ++i) {
    account_list.push_back(AccountEntry(LoadAccountName(i), "holder", std::move(key_texts[i])));
  }
  key_texts = {};
  description["tokens"] = json::array{
      json::object{{"id", kTokenId}, {"issuer", kIssuer}, {"name", "Benchmark deposit token"}}};
  description["validators"] = json::array{
      json::object{{"name", kValidatorName}, {"key", validator_key.public_key().ToText()}}};
  if (with_program) AddProgram(description);
  auto genesis = ledger::ParseGenesis(description, "genesis", ledger::GenesisOptions{});
  if (!genesis) {
    return base::Error(base::Status::Internal("benchmark genesis: " + genesis.error().ToString()));
  }
  return *std::move(genesis);
}

// Makes transactions [0, count) with make(i) on every thread, in batches of batch_size in order.
Batches SignInBatches(std::size_t count, std::size_t batch_size, int threads,
                      const std::function<std::string(std::size_t)>& make) {
  Batches batches((count + batch_size - 1) / batch_size);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    batches[b].resize(std::min(batch_size, count - b * batch_size));
  }
  ParallelFor(count, threads,
              [&](std::size_t i) { batches[i / batch_size][i % batch_size] = make(i); });
  return batches;
}

std::string SignedBytes(core::Transaction tx, const crypto::SecretKey& key) {
  core::AddSignature(tx, tx.signer, key);
  return core::Encode(tx);
}

core::Transaction Envelope(core::AccountId signer, std::uint64_t nonce,
                           core::TimeMillis valid_until, core::Body body) {
  core::Transaction tx;
  tx.chain_id = std::string(kChainId);
  tx.signer = std::move(signer);
  tx.nonce = nonce;
  tx.valid_until = valid_until;
  tx.body = std::move(body);
  return tx;
}

struct CommitTimes {
  std::int64_t admit_micros = 0;  // in Node::SubmitBatch
  std::int64_t block_micros = 0;  // in Node::ProduceBlock
};

// Checks a produced block: every transaction in it executed ok, none was left out.
base::Result<std::size_t> CheckBlock(const base::Result<ledger::ProducedBlock>& produced) {
  if (!produced) return base::Error(produced.error());
  if (!produced->dropped.empty()) {
    return base::Error(
        base::Status::Internal("a benchmark transaction was dropped from its block: " +
                               std::string(core::ReasonName(produced->dropped.front().second))));
  }
  for (const auto& receipt : produced->receipts) {
    if (receipt.status != core::ReceiptStatus::kOk) {
      return base::Error(base::Status::Internal(
          "a benchmark transaction was rejected: " + std::string(core::ReasonName(receipt.code)) +
          ": " + receipt.message));
    }
  }
  return produced->receipts.size();
}

// Submits the batches while the node makes blocks of what it admitted, as a running node does:
// clients submit concurrently (here `kSubmitters` threads, each verifying its batch on the node's
// verifier pool) while one producer turns whatever is pending into the next block, so that
// signature verification and block execution keep every core busy. Every transaction must be
// admitted and executed ok: anything else is an error, so that a figure never counts failures.
// admit and block times overlap, so they may add up to more than the run.
base::Result<std::size_t> CommitBatches(node::Node& node, base::ManualClock& clock,
                                        const Batches& batches, CommitTimes& times) {
  const node::SystemClock timer;
  std::size_t total = 0;
  for (const auto& batch : batches) total += batch.size();
  std::atomic<std::size_t> next_batch{0};
  std::atomic<std::int64_t> admit_micros{0};
  // Submitters and the producer wait for each other on `progress` rather than spinning: a
  // spinning thread would take the cores that verification and execution are measured on.
  std::mutex progress_mutex;
  std::condition_variable progress;
  int submitting = kSubmitters;  // guarded by progress_mutex
  bool failed = false;           // guarded by progress_mutex
  base::Status fault;            // guarded by progress_mutex
  auto announce = [&](const std::function<void()>& change) {
    {
      std::lock_guard lock(progress_mutex);
      change();
    }
    progress.notify_all();
  };
  auto fail = [&](base::Status status) {
    announce([&] {
      if (fault.ok()) fault = std::move(status);
      failed = true;
    });
  };
  auto submit = [&] {
    for (std::size_t b = next_batch.fetch_add(1); b < batches.size(); b = next_batch.fetch_add(1)) {
      {
        // Keep a few blocks' worth waiting, as clients that wait for their receipts would.
        std::unique_lock lock(progress_mutex);
        progress.wait(lock,
                      [&] { return failed || node.mempool_size() <= kPendingTransactionsMax; });
        if (failed) break;
      }
      const std::int64_t started = timer.MonotonicMicros();
      const std::vector<node::Admission> admissions = node.SubmitBatch(batches[b]);
      admit_micros += timer.MonotonicMicros() - started;
      const auto refused = std::find_if(admissions.begin(), admissions.end(), [](const auto& a) {
        return a.code != core::ReasonCode::kOk;
      });
      if (refused != admissions.end()) {
        fail(base::Status::Internal("a benchmark transaction was refused at admission: " +
                                    std::string(core::ReasonName(refused->code)) + ": " +
                                    refused->message));
        break;
      }
      announce([] {});
    }
    announce([&] { --submitting; });
  };
  std::vector<std::jthread> submitters;
  for (int i = 0; i < kSubmitters; ++i) submitters.emplace_back(submit);
  std::size_t committed = 0;
  while (committed < total) {
    {
      std::unique_lock lock(progress_mutex);
      progress.wait(lock, [&] { return failed || submitting == 0 || node.mempool_size() > 0; });
      if (failed) break;
      if (node.mempool_size() == 0) {
        // Every submitter is done and nothing waits: what was admitted should all be in blocks.
        lock.unlock();
        fail(base::Status::Internal("admitted transactions never reached a block"));
        break;
      }
    }
    const std::int64_t started = timer.MonotonicMicros();
    clock.AdvanceMillis(kBlockIntervalMillis);
    auto count = CheckBlock(node.ProduceBlock(clock.NowMillis()));
    times.block_micros += timer.MonotonicMicros() - started;
    if (!count) {
      fail(count.error());
      break;
    }
    committed += *count;
    announce([] {});
  }
  submitters.clear();  // joins them
  times.admit_micros += admit_micros.load();
  std::lock_guard lock(progress_mutex);
  if (!fault.ok()) return base::Error(fault);
  return committed;
}

// Commits body(i) for i in [0, count), signed by `signer` with nonces first_nonce + i, through
// blocks.
base::Status CommitAll(node::Node& node, base::ManualClock& clock, std::size_t count, int threads,
                       std::string_view signer, std::uint64_t first_nonce,
                       const std::function<core::Body(std::size_t)>& body) {
  const crypto::SecretKey key = crypto::DeriveTestKey(signer);
  const core::AccountId account = ParseAccount(signer);
  for (std::size_t window = 0; window < count; window += kMintWindowTransactions) {
    const std::size_t size = std::min(kMintWindowTransactions, count - window);
    const core::TimeMillis valid_until = clock.NowMillis() + core::kMillisPerHour;
    const Batches batches =
        SignInBatches(size, kMintBlockTransactions, threads, [&](std::size_t i) {
          const std::size_t index = window + i;
          return SignedBytes(Envelope(account, first_nonce + index, valid_until, body(index)), key);
        });
    CommitTimes ignored;
    auto committed = CommitBatches(node, clock, batches, ignored);
    if (!committed) return committed.error();
  }
  return base::Status::Ok();
}

// Funds every load account with one mint from issuer@bnk (nonces 1..accounts).
base::Status MintToAll(node::Node& node, base::ManualClock& clock, std::size_t accounts,
                       int threads) {
  return CommitAll(node, clock, accounts, threads, kIssuer, 1, [&](std::size_t index) {
    return core::Mint{Token(), ParseAccount(LoadAccountName(index)), core::Amount::Won(kMintWon)};
  });
}

// Gives every load account a grant of the benchmark program: the treasury is minted the budget
// and funds the program, then the budget office grants.
base::Status GrantToAll(node::Node& node, base::ManualClock& clock, std::size_t accounts,
                        int threads) {
  const core::Amount budget = core::Amount::Won(kGrantWon * static_cast<std::int64_t>(accounts));
  base::Status status = CommitAll(node, clock, 1, threads, kIssuer, accounts + 1, [&](std::size_t) {
    return core::Mint{Token(), ParseAccount(kTreasury), budget};
  });
  if (status.ok()) {
    status = CommitAll(node, clock, 1, threads, kTreasury, 1, [&](std::size_t) {
      return core::FundProgram{std::string(kProgramId), budget};
    });
  }
  if (!status.ok()) return status;
  return CommitAll(node, clock, accounts, threads, kManager, 1, [&](std::size_t index) {
    return core::Grant{std::string(kProgramId), ParseAccount(LoadAccountName(index)),
                       core::Amount::Won(kGrantWon)};
  });
}

struct PlannedTransfer {
  std::uint32_t from = 0;
  std::uint32_t to = 0;  // never from
  std::uint64_t nonce = 0;
  std::int64_t won = 0;
};

// Senders and receivers drawn at random over all accounts, each sender with fresh nonces.
std::vector<PlannedTransfer> PlanTransfers(std::size_t accounts, std::size_t count) {
  std::mt19937_64 random(kTransferPlanSeed);
  std::vector<std::uint64_t> nonces_used(accounts, 0);
  std::vector<PlannedTransfer> plan(count);
  for (auto& transfer : plan) {
    transfer.from = static_cast<std::uint32_t>(random() % accounts);
    transfer.to = static_cast<std::uint32_t>(random() % (accounts - 1));
    if (transfer.to >= transfer.from) ++transfer.to;
    transfer.nonce = ++nonces_used[transfer.from];
    transfer.won = 1 + static_cast<std::int64_t>(random() % kTransferWonMax);
  }
  return plan;
}

// Signs the planned transfers with the senders' test keys: from `cached_keys` when it holds
// them, derived again otherwise.
Batches SignTransfers(const std::vector<PlannedTransfer>& plan,
                      const std::vector<crypto::SecretKey>& cached_keys,
                      core::TimeMillis valid_until, std::size_t block_transactions, int threads) {
  const core::TokenId token = Token();
  return SignInBatches(plan.size(), block_transactions, threads, [&](std::size_t k) {
    const PlannedTransfer& planned = plan[k];
    const std::string sender = LoadAccountName(planned.from);
    core::Transfer transfer{token, ParseAccount(LoadAccountName(planned.to)),
                            core::Amount::Won(planned.won), "", ""};
    core::Transaction tx =
        Envelope(ParseAccount(sender), planned.nonce, valid_until, std::move(transfer));
    if (cached_keys.empty()) return SignedBytes(std::move(tx), crypto::DeriveTestKey(sender));
    return SignedBytes(std::move(tx), cached_keys[planned.from]);
  });
}

// Payments by the planned senders to merchants, each within every rule of the program: meals
// and supplies of up to 40,000 won for 1-4 attendees on a weekday morning.
Batches SignPayments(const std::vector<PlannedTransfer>& plan,
                     const std::vector<crypto::SecretKey>& cached_keys,
                     core::TimeMillis valid_until, std::size_t block_transactions, int threads) {
  return SignInBatches(plan.size(), block_transactions, threads, [&](std::size_t k) {
    const PlannedTransfer& planned = plan[k];
    const std::string sender = LoadAccountName(planned.from);
    core::Pay pay;
    pay.program = std::string(kProgramId);
    pay.to = ParseAccount(MerchantName(planned.to % kBenchMerchants));
    pay.amount =
        core::Amount::Won(1 + planned.won * kPaymentWonMax / kTransferWonMax % kPaymentWonMax);
    pay.attendees = 1 + planned.to % 4;
    core::Transaction tx =
        Envelope(ParseAccount(sender), planned.nonce, valid_until, std::move(pay));
    if (cached_keys.empty()) return SignedBytes(std::move(tx), crypto::DeriveTestKey(sender));
    return SignedBytes(std::move(tx), cached_keys[planned.from]);
  });
}

struct LedgerRunOptions {
  std::size_t accounts = 0;
  std::size_t transactions = 0;
  std::size_t block_transactions = 0;
  int threads = 0;
  std::string directory;
  bool payments = false;  // time program payments instead of transfers
};

struct LedgerRun {
  double tps = 0;
  std::int64_t loaded_rss_mebibytes = 0;  // VmRSS once the accounts are funded
  CommitTimes times;
  std::int64_t invariant_check_micros = 0;  // one full scan, as the node makes every 100 blocks
};

base::Result<std::unique_ptr<node::Node>> OpenNode(const LedgerRunOptions& run,
                                                   std::shared_ptr<storage::KvStore> store,
                                                   const base::Clock& clock,
                                                   const ledger::Genesis& genesis,
                                                   const crypto::SecretKey& validator_key) {
  node::NodeOptions options;
  options.verifier_threads = run.threads;
  options.block_transactions_max = std::max(run.block_transactions, kMintBlockTransactions);
  return node::Node::Open(std::move(store), genesis,
                          ledger::ValidatorSigner{std::string(kValidatorName), validator_key},
                          clock, options);
}

// One chain from genesis: fund the accounts, then time the transfers.
base::Result<LedgerRun> RunLedger(const LedgerRunOptions& run) {
  const crypto::SecretKey validator_key = crypto::DeriveTestKey("bench-validator");
  auto opened_store = storage::OpenRocksDb(run.directory);
  if (!opened_store) return base::Error(opened_store.error());
  std::shared_ptr<storage::KvStore> store = std::move(*opened_store);
  std::optional<base::ManualClock> clock;
  std::unique_ptr<node::Node> node;
  {
    // The description is dropped once the node has built its state from it.
    auto genesis = BuildGenesis(run.accounts, run.threads, validator_key, run.payments);
    if (!genesis) return base::Error(genesis.error());
    clock.emplace(genesis->start_time);
    auto opened = OpenNode(run, store, *clock, *genesis, validator_key);
    if (!opened) return base::Error(opened.error());
    node = std::move(*opened);
  }
  base::Status funded = run.payments ? GrantToAll(*node, *clock, run.accounts, run.threads)
                                     : MintToAll(*node, *clock, run.accounts, run.threads);
  if (!funded.ok()) return base::Error(std::move(funded));
  LedgerRun result;
  // Hands memory freed by the genesis back to the system, so VmRSS shows what the node holds.
  ReturnFreedMemory();
  result.loaded_rss_mebibytes = ProcessMemoryMebibytes("VmRSS");

  std::vector<crypto::SecretKey> cached_keys;
  if (run.accounts <= kCachedSecretKeysMax) {
    cached_keys.resize(run.accounts);
    ParallelFor(run.accounts, run.threads,
                [&](std::size_t i) { cached_keys[i] = crypto::DeriveTestKey(LoadAccountName(i)); });
  }
  const auto plan = PlanTransfers(run.accounts, run.transactions);
  const core::TimeMillis valid_until = clock->NowMillis() + core::kMillisPerHour;
  const Batches batches =
      run.payments
          ? SignPayments(plan, cached_keys, valid_until, run.block_transactions, run.threads)
          : SignTransfers(plan, cached_keys, valid_until, run.block_transactions, run.threads);
  const node::SystemClock timer;
  const std::int64_t started = timer.MonotonicMicros();
  auto committed = CommitBatches(*node, *clock, batches, result.times);
  const std::int64_t elapsed = timer.MonotonicMicros() - started;
  if (!committed) return base::Error(committed.error());
  NURI_CHECK(*committed == run.transactions);
  result.tps = static_cast<double>(*committed) * 1e6 / static_cast<double>(elapsed);

  const std::int64_t scan_started = timer.MonotonicMicros();
  const base::Status invariants = node->Read(
      [](const ledger::Ledger& ledger) { return ledger::CheckInvariants(ledger.state()); });
  result.invariant_check_micros = timer.MonotonicMicros() - scan_started;
  if (!invariants.ok()) return base::Error(invariants);
  return result;
}

// A ratio to three decimals, for a report a person reads.
double RoundedRatio(double value) { return std::round(value * 1000.0) / 1000.0; }

base::Status CheckOptions(const EngineBenchOptions& options) {
  if (options.threads < 0) return base::Status::InvalidArgument("threads must not be negative");
  if (options.transactions == 0) {
    return base::Status::InvalidArgument("transactions must be at least 1");
  }
  if (options.block_transactions == 0 || options.block_transactions > base::kBlockTransactionsMax) {
    return base::Status::InvalidArgument("block_transactions must be 1.." +
                                         std::to_string(base::kBlockTransactionsMax));
  }
  // Account indexes are planned as 32-bit numbers; transfers need a sender and a receiver.
  for (std::size_t accounts : {options.accounts, options.large_accounts}) {
    if (accounts > UINT32_MAX) return base::Status::InvalidArgument("too many accounts");
  }
  if (options.accounts < 2) return base::Status::InvalidArgument("accounts must be at least 2");
  if (options.large_accounts == 1) {
    return base::Status::InvalidArgument("large_accounts must be 0 (skip) or at least 2");
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<ledger::Genesis> BenchmarkGenesis(std::size_t accounts, int threads,
                                               const crypto::SecretKey& validator_key) {
  return BuildGenesis(accounts, threads, validator_key, false);
}

base::Result<double> MeasureVerifyRate(int threads) {
  struct Sample {
    crypto::PublicKey key;
    std::string message;
    std::string signature;
  };
  std::vector<Sample> samples(kVerifySamples);
  ParallelFor(samples.size(), threads, [&](std::size_t i) {
    const crypto::SecretKey key = crypto::DeriveTestKey("bench-verify-" + std::to_string(i));
    samples[i].message = core::SigningMessage(crypto::Sha256("sample " + std::to_string(i)));
    samples[i].signature = key.Sign(samples[i].message);
    samples[i].key = key.public_key();
  });
  mempool::VerifierPool pool(threads);
  const node::SystemClock timer;
  const std::int64_t started = timer.MonotonicMicros();
  std::size_t verified = 0;
  std::int64_t elapsed = 0;
  do {
    const std::vector<bool> valid = pool.Run(
        samples.size(),
        [&](std::size_t i) {
          return crypto::Verify(samples[i].key, samples[i].message, samples[i].signature);
        },
        mempool::VerifierPool::Caller::kWaits);
    if (std::find(valid.begin(), valid.end(), false) != valid.end()) {
      return base::Error(base::Status::Internal("a good signature failed to verify"));
    }
    verified += samples.size();
    elapsed = timer.MonotonicMicros() - started;
  } while (elapsed < kVerifyMeasureMicros);
  return static_cast<double>(verified) * 1e6 / static_cast<double>(elapsed);
}

base::Result<json::object> RunEngineBench(const EngineBenchOptions& options) {
  if (base::Status valid = CheckOptions(options); !valid.ok()) return base::Error(std::move(valid));
  crypto::Initialize();
  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  auto scratch = ScratchDirectory::Make(options.directory);
  if (!scratch) return base::Error(scratch.error());

  // The verification rate is measured just before the transfers and again just after, and the
  // two averaged: this machine's speed drifts by a tenth and more from one minute to the next,
  // and a reference taken on one side only would carry that drift into the ratio.
  auto rate_before = MeasureVerifyRate(threads);
  if (!rate_before) return base::Error(rate_before.error());
  LedgerRunOptions run{options.accounts, options.transactions, options.block_transactions, threads,
                       (*scratch)->path() + "/small"};
  auto small = RunLedger(run);
  if (!small) return base::Error(small.error());
  auto rate_after = MeasureVerifyRate(threads);
  if (!rate_after) return base::Error(rate_after.error());
  const double verify_rate = (*rate_before + *rate_after) / 2;

  json::object report;
  report["tps"] = std::llround(small->tps);
  report["sig_verify_tps"] = std::llround(verify_rate);
  report["ratio"] = RoundedRatio(small->tps / verify_rate);
  report["rss_mb"] = ProcessMemoryMebibytes("VmHWM");
  report["admit_ms"] = small->times.admit_micros / 1000;
  report["block_ms"] = small->times.block_micros / 1000;
  report["invariant_check_ms"] = small->invariant_check_micros / 1000;
  if (options.payments) {
    run.payments = true;
    run.directory = (*scratch)->path() + "/payments";
    auto payments = RunLedger(run);
    if (!payments) return base::Error(payments.error());
    run.payments = false;
    report["pay_tps"] = std::llround(payments->tps);
    report["pay_ratio"] = RoundedRatio(payments->tps / small->tps);
    report["pay_admit_ms"] = payments->times.admit_micros / 1000;
    report["pay_block_ms"] = payments->times.block_micros / 1000;
  } else {
    for (std::string_view field : {"pay_tps", "pay_ratio", "pay_admit_ms", "pay_block_ms"}) {
      report[field] = nullptr;
    }
  }
  report["accounts"] = options.accounts;
  report["transactions"] = options.transactions;
  report["threads"] = threads;
  report["block_transactions"] = options.block_transactions;
  report["large_accounts"] = options.large_accounts;
  for (std::string_view field : {"tps_1m", "ratio_1m", "rss_mb_1m", "transactions_1m",
                                 "admit_ms_1m", "block_ms_1m", "invariant_check_ms_1m"}) {
    report[field] = nullptr;
  }
  if (options.large_accounts == 0) return report;

  run.accounts = options.large_accounts;
  run.transactions = std::min(options.transactions, kLargeRunTransactionsMax);
  run.directory = (*scratch)->path() + "/large";
  auto large = RunLedger(run);
  if (!large) return base::Error(large.error());
  report["tps_1m"] = std::llround(large->tps);
  report["ratio_1m"] = RoundedRatio(large->tps / verify_rate);
  report["rss_mb_1m"] = large->loaded_rss_mebibytes;
  report["transactions_1m"] = run.transactions;
  report["admit_ms_1m"] = large->times.admit_micros / 1000;
  report["block_ms_1m"] = large->times.block_micros / 1000;
  report["invariant_check_ms_1m"] = large->invariant_check_micros / 1000;
  return report;
}

}  // namespace nuri::cli
