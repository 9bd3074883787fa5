#include "ledger/chain_check.h"

#include <optional>

#include "codec/codec.h"
#include "core/json.h"
#include "ledger/invariants.h"
#include "ledger/ledger.h"
#include "ledger/signatures.h"
#include "ledger/snapshot.h"
#include "ledger/state_view.h"

namespace nuri::ledger {

namespace {

base::Status AtHeight(std::uint64_t height, const std::string& what) {
  return base::Status::Corruption("block " + std::to_string(height) + ": " + what);
}

base::Result<Genesis> StoredGenesis(const storage::KvStore& store) {
  auto text = store.Get("meta/genesis");
  if (!text) return base::Error(base::Status::Corruption("no genesis in the store"));
  auto value = core::ParseJsonText(*text);
  if (!value) return base::Error(value.error());
  auto genesis = ParseGenesis(*value, "genesis", GenesisOptions{});
  if (!genesis) return base::Error(base::Status::Corruption(genesis.error().ToString()));
  return std::move(*genesis);
}

base::Result<core::Block> LoadBlock(const storage::KvStore& store, std::uint64_t height) {
  auto bytes = store.Get("blk/" + codec::EncodeKeyU64(height));
  if (!bytes) return base::Error(AtHeight(height, "missing"));
  auto block = core::DecodeBlock(*bytes);
  if (!block) return base::Error(AtHeight(height, block.error().message()));
  return block;
}

// Re-executes one block and compares everything it committed to.
base::Status CheckBlock(const storage::KvStore& store, const core::Block& block,
                        const core::BlockHeader& previous, const core::ValidatorSet& validators,
                        State& state, Executor& executor) {
  const core::BlockHeader& header = block.header;
  const std::uint64_t height = header.height;
  if (header.prev_hash != core::HeaderHash(previous)) return AtHeight(height, "does not link");
  if (header.time < previous.time) return AtHeight(height, "time goes backwards");
  if (header.chain_id != previous.chain_id) return AtHeight(height, "wrong chain id");
  if (header.validator_set_hash != validators.Hash()) {
    return AtHeight(height, "unknown validator set");
  }
  if (auto status = core::VerifyCertificate(block.certificate, header, validators); !status.ok()) {
    return AtHeight(height, status.message());
  }
  auto stored_receipts = store.Get("rcp/" + codec::EncodeKeyU64(height));
  if (!stored_receipts) return AtHeight(height, "receipts missing");
  auto receipts = core::DecodeReceipts(*stored_receipts);
  if (!receipts) return AtHeight(height, "receipts: " + receipts.error().message());
  if (receipts->size() != block.transactions.size()) return AtHeight(height, "receipt count");

  const BlockContext context{header.chain_id, height, header.time};
  executor.BeginBlock(context);
  std::vector<crypto::Hash> ids;
  for (std::size_t i = 0; i < block.transactions.size(); ++i) {
    auto tx = core::DecodeTransaction(block.transactions[i]);
    if (!tx)
      return AtHeight(height, "transaction " + std::to_string(i) + ": " + tx.error().message());
    // A signature that does not verify is a forgery. Keys rotated after admission are the
    // executor's to judge (rejected in the block), which the receipt comparison below checks.
    if (!SignaturesVerify(*tx)) {
      return AtHeight(height, "transaction " + std::to_string(i) + " has a forged signature");
    }
    const auto executed = executor.Execute(*tx);
    if (!executed) {
      return AtHeight(height, "transaction " + std::to_string(i) + " was not includable");
    }
    const core::Receipt& receipt = *executed;
    if (receipt != (*receipts)[i]) {
      return AtHeight(height,
                      "transaction " + std::to_string(i) + " re-executes to a different receipt");
    }
    ids.push_back(tx->id);
  }
  if (core::TransactionsRoot(ids) != header.tx_root) return AtHeight(height, "tx root differs");
  if (core::ReceiptsRoot(*receipts) != header.receipts_root) {
    return AtHeight(height, "receipts root differs");
  }
  if (state.Root() != header.state_root) return AtHeight(height, "state root differs");
  if (auto status = CheckInvariants(state); !status.ok()) return AtHeight(height, status.message());
  return base::Status::Ok();
}

// A node that started from a snapshot (ledger.h, meta/base) is checked from that base: its
// evidence must certify the base block from the genesis set, and the base state kept beside it
// must be the state that block's root commits to. Then `state` (empty before) holds that state
// and the result is the base block's header; without a base, nullopt.
base::Result<std::optional<core::BlockHeader>> StartFromBase(const storage::KvStore& store,
                                                             const Genesis& genesis, State& state) {
  auto base = store.Get("meta/base");
  if (!base) {
    if (base.error().code() == base::StatusCode::kNotFound) return std::nullopt;
    return base::Error(base.error());
  }
  if (base->size() != 8) return base::Error(base::Status::Corruption("meta/base is malformed"));
  const std::uint64_t height = codec::DecodeKeyU64(*base);
  auto evidence_bytes = store.Get("meta/base_evidence");
  if (!evidence_bytes) return base::Error(AtHeight(height, "the snapshot's evidence is missing"));
  auto evidence = DecodeSnapshotEvidence(*evidence_bytes);
  if (!evidence) return base::Error(AtHeight(height, evidence.error().message()));
  const core::BlockHeader& header = evidence->block.header;
  if (header.height != height) return base::Error(AtHeight(height, "evidence of another block"));
  if (auto status = VerifySnapshotEvidence(*evidence, genesis.chain_id, genesis.validators);
      !status.ok()) {
    return base::Error(AtHeight(height, status.message()));
  }
  // The block and receipts stored at the base are the evidence's, signatures and all.
  auto stored = LoadBlock(store, height);
  if (!stored) return base::Error(stored.error());
  auto stored_receipts = store.Get("rcp/" + codec::EncodeKeyU64(height));
  if (core::EncodeBlock(*stored) != core::EncodeBlock(evidence->block) || !stored_receipts ||
      *stored_receipts != core::EncodeReceipts(evidence->receipts)) {
    return base::Error(AtHeight(height, "differs from the snapshot's evidence"));
  }
  base::Status pieces;
  auto scan = store.Scan("sb/", [&](std::string_view, std::string_view value) {
    auto entries = DecodeStatePiece(value);
    if (!entries) {
      pieces = AtHeight(height, "the snapshot's state: " + entries.error().message());
      return false;
    }
    for (auto& [key, entry_value] : *entries) state.Put(key, std::move(entry_value));
    return true;
  });
  if (!scan.ok()) return base::Error(scan);
  if (!pieces.ok()) return base::Error(pieces);
  state.TakeChanges();
  if (state.Root() != header.state_root) {
    return base::Error(AtHeight(height, "the snapshot's state differs from the block's root"));
  }
  return header;
}

// The state stored (st/) must be `state`, that of block `height`.
base::Status CheckStoredState(const storage::KvStore& store, State& state, std::uint64_t height) {
  State stored;
  auto scan = store.Scan("st/", [&](std::string_view key, std::string_view value) {
    stored.Put(key.substr(3), std::string(value));
    return true;
  });
  if (!scan.ok()) return scan;
  if (stored.Root() != state.Root() || stored.size() != state.size()) {
    return AtHeight(height, "the stored state differs from the re-executed chain");
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<ChainCheckSummary> CheckChain(const storage::KvStore& store) {
  auto genesis = StoredGenesis(store);
  if (!genesis) return base::Error(genesis.error());
  State genesis_state;
  auto genesis_header = BuildGenesisState(*genesis, genesis_state);
  if (!genesis_header) return base::Error(genesis_header.error());
  auto block0 = LoadBlock(store, 0);
  if (!block0) return base::Error(block0.error());
  if (core::HeaderHash(block0->header) != core::HeaderHash(*genesis_header)) {
    return base::Error(AtHeight(0, "does not match the stored genesis"));
  }
  auto head = store.Get("meta/head");
  if (!head || head->size() != 8) return base::Error(base::Status::Corruption("no head"));
  const std::uint64_t head_height = codec::DecodeKeyU64(*head);

  ChainCheckSummary summary;
  State base_state;
  auto base = StartFromBase(store, *genesis, base_state);
  if (!base) return base::Error(base.error());
  State& state = *base ? base_state : genesis_state;
  core::BlockHeader previous = *base ? **base : block0->header;
  summary.base_height = previous.height;
  // The state on disk is of block meta/state_height; the blocks after it are executed again
  // when the node opens (ledger.h). It must be exactly the state the chain leads to there.
  auto state_height = StoredStateHeight(store, head_height);
  if (!state_height) return base::Error(state_height.error());
  if (*state_height < previous.height) {
    return base::Error(base::Status::Corruption("the stored state is older than the base"));
  }
  Executor executor(state);
  for (std::uint64_t height = previous.height + 1; height <= head_height; ++height) {
    if (height - 1 == *state_height) {
      if (auto status = CheckStoredState(store, state, *state_height); !status.ok()) {
        return base::Error(status);
      }
    }
    auto block = LoadBlock(store, height);
    if (!block) return base::Error(block.error());
    if (block->header.height != height) return base::Error(AtHeight(height, "wrong height"));
    // The set in force at a height follows from the state before it (the genesis set, then
    // the governors' changes).
    const core::ValidatorSet validators = ReadValidatorSet(state, height);
    if (auto status = CheckBlock(store, *block, previous, validators, state, executor);
        !status.ok()) {
      return base::Error(status);
    }
    summary.transactions += block->transactions.size();
    previous = block->header;
  }
  if (*state_height == head_height) {
    if (auto status = CheckStoredState(store, state, head_height); !status.ok()) {
      return base::Error(status);
    }
  }
  summary.height = head_height;
  summary.state_entries = state.size();
  return summary;
}

}  // namespace nuri::ledger
