// nuri bench snapshot: how long a node takes to start over from a peer's state snapshot of a
// chain with many accounts, on real RocksDB stores. The serving side keeps the snapshot and reads
// its chunks, the fetching side decodes and checks the offer and every chunk as they would come
// over the wire, then installs the state in one synced write. The rate is reported against
// SHA-256 on the same machine: checking a snapshot is hashing every entry twice (its bucket, its
// leaf), so the ratio says how close the whole path comes to that floor.
#include <chrono>
#include <cmath>
#include <iostream>

#include <boost/json.hpp>

#include "cli/args.h"
#include "cli/bench_engine.h"
#include "cli/bench_support.h"
#include "cli/commands.h"
#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "net/wire.h"
#include "node/state_sync.h"

namespace nuri::cli {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

// SHA-256 of 100-byte messages per second, on one thread: about what a state entry hashes.
double MeasureHashRate() {
  std::string message(100, 'x');
  std::size_t count = 0;
  const Clock::time_point start = Clock::now();
  while (SecondsSince(start) < 0.5) {
    for (int i = 0; i < 1000; ++i, ++count) {
      message[count % message.size()] = static_cast<char>(crypto::Sha256(message).bytes[0]);
    }
  }
  return static_cast<double>(count) / SecondsSince(start);
}

base::Result<boost::json::object> RunSnapshotBench(std::size_t accounts, const std::string& dir) {
  crypto::Initialize();
  const double hash_rate = MeasureHashRate();
  const crypto::SecretKey validator_key = crypto::SecretKey::Generate();
  auto genesis = BenchmarkGenesis(accounts, 0, validator_key);
  if (!genesis) return base::Error(genesis.error());
  auto scratch = ScratchDirectory::Make(dir);
  if (!scratch) return base::Error(scratch.error());
  auto source_store = storage::OpenRocksDb((*scratch)->path() + "/source");
  auto fetching_store = storage::OpenRocksDb((*scratch)->path() + "/fetching");
  if (!source_store) return base::Error(source_store.error());
  if (!fetching_store) return base::Error(fetching_store.error());
  auto source = ledger::Ledger::Open(**source_store, *genesis);
  if (!source) return base::Error(source.error());
  auto fetching = ledger::Ledger::Open(**fetching_store, *genesis);
  if (!fetching) return base::Error(fetching.error());
  // A snapshot is of a block past the genesis.
  const auto block = (*source)->ProduceBlock(genesis->start_time + 1000, {},
                                             ledger::ValidatorSigner{"bench-1", validator_key});
  if (!block) return base::Error(block.error());

  const Clock::time_point start = Clock::now();
  double serve_seconds = 0;
  double check_seconds = 0;
  Clock::time_point phase = Clock::now();
  (*source)->KeepSnapshot();
  auto offered = (*source)->SnapshotOffered();
  if (!offered) return base::Error(offered.error());
  const std::string offer_bytes =
      net::EncodeMessage(net::SnapshotOfferMessage{ledger::EncodeSnapshotOffer(*offered)});
  serve_seconds += SecondsSince(phase);
  phase = Clock::now();
  auto message = net::DecodeMessage(offer_bytes);
  if (!message) return base::Error(message.error());
  auto offer = ledger::DecodeSnapshotOffer(std::get<net::SnapshotOfferMessage>(*message).offer);
  if (!offer) return base::Error(offer.error());
  if (auto status = ledger::VerifySnapshotOffer(*offer, genesis->chain_id, genesis->validators);
      !status.ok()) {
    return base::Error(status);
  }
  node::StateSync sync;
  sync.Start(*std::move(offer));
  check_seconds += SecondsSince(phase);
  std::size_t chunks = 0;
  std::size_t bytes = 0;
  while (!sync.complete()) {
    phase = Clock::now();
    net::StateChunkMessage chunk;
    chunk.height = sync.height();
    chunk.first_bucket = sync.next_bucket();
    chunk.entries = (*source)->ReadSnapshotBuckets(chunk.first_bucket, net::kSyncBytesMax,
                                                   chunk.end_bucket);
    const std::string chunk_bytes = net::EncodeMessage(chunk);
    serve_seconds += SecondsSince(phase);
    phase = Clock::now();
    auto received = net::DecodeMessage(chunk_bytes);
    if (!received) return base::Error(received.error());
    auto& got = std::get<net::StateChunkMessage>(*received);
    if (auto status = sync.Add(got.first_bucket, got.end_bucket, std::move(got.entries));
        !status.ok()) {
      return base::Error(status);
    }
    check_seconds += SecondsSince(phase);
    ++chunks;
    bytes += chunk_bytes.size();
  }
  phase = Clock::now();
  auto [taken_offer, entries] = sync.Take();
  const std::size_t entry_count = entries.size();
  if (auto status = (*fetching)->InstallSnapshot(taken_offer, std::move(entries)); !status.ok()) {
    return base::Error(status);
  }
  const double install_seconds = SecondsSince(phase);
  const double total_seconds = SecondsSince(start);
  if ((*fetching)->head_hash() != (*source)->head_hash()) {
    return base::Error(base::Status::Internal("the installed snapshot is not the source's head"));
  }
  const double entries_per_second = static_cast<double>(entry_count) / total_seconds;
  return boost::json::object{
      {"accounts", accounts},
      {"state_entries", entry_count},
      {"offer_mb", Rounded(static_cast<double>(offer_bytes.size()) / (1 << 20))},
      {"chunks", chunks},
      {"chunk_mb", Rounded(static_cast<double>(bytes) / (1 << 20))},
      {"seconds", Rounded(total_seconds)},
      {"serve_s", Rounded(serve_seconds)},
      {"check_s", Rounded(check_seconds)},
      {"install_s", Rounded(install_seconds)},
      {"entries_per_s", std::llround(entries_per_second)},
      {"sha256_per_s", std::llround(hash_rate)},
      {"ratio", Rounded(entries_per_second / hash_rate)},
      {"rss_mb", ProcessMemoryMebibytes("VmHWM")}};
}

}  // namespace

int BenchSnapshotCommand(const Args& args) {
  const auto accounts = args.IntegerOr("accounts", 1000000);
  if (!accounts || *accounts < 1 || *accounts > 10000000) {
    return Complain("--accounts takes 1 to 10,000,000", 2);
  }
  auto report = RunSnapshotBench(static_cast<std::size_t>(*accounts), args.OptionOr("dir", ""));
  if (!report) return Complain("bench snapshot: " + report.error().ToString());
  std::cout << boost::json::serialize(*report) << "\n";
  return 0;
}

}  // namespace nuri::cli
