// The engine benchmark behind `nuri bench engine`: how many signed transfers, and how many
// program payments, one node admits, executes and commits per second on a real RocksDB store, against the raw Ed25519 verification
// rate of the same machine, which is the ceiling (docs: ARCHITECTURE.md, "Hot path").
//
// One run builds a chain whose genesis registers the accounts, mints to every one of them
// through real blocks, pre-signs the transfers (signing is the client's cost, not the ledger's)
// and then times submit-a-block's-worth + produce-a-block until all are committed, refusing to
// report a figure if any transaction was refused or rejected. A second run repeats the timing
// on a state of `large_accounts` funded accounts.
//
// RunEngineBench starts and joins its own threads and uses every core it is given; call it from
// one thread at a time.
#pragma once

#include <cstddef>
#include <string>

#include <boost/json.hpp>

#include "base/status.h"
#include "crypto/keys.h"
#include "ledger/genesis.h"

namespace nuri::cli {

struct EngineBenchOptions {
  int threads = 0;  // 0: all cores (std::thread::hardware_concurrency)
  std::size_t transactions = 200000;
  std::size_t accounts = 10000;  // funded accounts that send transfers
  std::size_t block_transactions = 1000;
  // Second run "at 1,000,000 funded accounts", timing min(transactions, 100,000) transfers;
  // 0 skips it.
  std::size_t large_accounts = 1000000;
  // A run where every transaction is a payment judged by a seven-rule program; false skips it.
  bool payments = true;
  // Where RocksDB goes: a fresh directory is made under it and removed afterwards. Empty: the
  // system's temporary directory.
  std::string directory;
};

// Runs the benchmark and returns one JSON object:
//   tps             transfers admitted, executed and committed per second
//   sig_verify_tps  Ed25519 verifications per second on the same threads
//   ratio           tps / sig_verify_tps: the share of the verification ceiling reached
//   rss_mb          peak resident set of the process so far (VmHWM), MiB
//   pay_tps         program payments (seven rules, docs/programs.md's example) admitted,
//                   judged, executed and committed per second, on a chain of its own with the
//                   same accounts and plan; pay_ratio = pay_tps / tps; pay_admit_ms, pay_block_ms
//   tps_1m, ratio_1m, rss_mb_1m  the same at large_accounts (rss_mb_1m: VmRSS once the large
//                   state is loaded, as VmHWM only grows)
//   accounts, transactions, threads, block_transactions, large_accounts, transactions_1m,
//   and how the timed run divides: admit_ms in Node::SubmitBatch, block_ms in
//   Node::ProduceBlock (which includes the node's full invariant scan every 100 blocks), and
//   invariant_check_ms, what one such scan costs at the end; each with its _1m twin.
// InvalidArgument for options out of range; Internal when any transaction was refused or
// rejected (a benchmark of failures is worthless); IoError when the store fails.
base::Result<boost::json::object> RunEngineBench(const EngineBenchOptions& options);

// The benchmarks' chain: a bank that issues the benchmark's deposit token, `accounts` holders
// (keys derived from their names, made on `threads` threads) and one validator, "bench-1", with
// `validator_key`.
base::Result<ledger::Genesis> BenchmarkGenesis(std::size_t accounts, int threads,
                                               const crypto::SecretKey& validator_key);

// Ed25519 verifications per second of distinct keys and messages on `threads` threads (the
// caller's among them), on the same kind of pool a node verifies admissions with: the ceiling
// every benchmark is measured against.
base::Result<double> MeasureVerifyRate(int threads);

}  // namespace nuri::cli
