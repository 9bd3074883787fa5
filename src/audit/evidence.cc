#include "audit/evidence.h"

#include "ledger/signatures.h"
#include "ledger/snapshot.h"

namespace nuri::audit {

using ledger::Ledger;

namespace {

base::Status Fault(std::string why) { return base::Status::InvalidArgument(std::move(why)); }

base::Result<std::vector<crypto::Hash>> TransactionLeaves(const core::Block& block) {
  std::vector<crypto::Hash> leaves;
  leaves.reserve(block.transactions.size());
  for (const auto& bytes : block.transactions) {
    auto tx = core::DecodeTransaction(bytes);
    if (!tx) {
      return base::Error(base::Status::Corruption("block " + std::to_string(block.header.height) +
                                                  ": " + tx.error().message()));
    }
    leaves.push_back(crypto::MerkleLeafHash(tx->id.view()));
  }
  return leaves;
}

std::vector<crypto::Hash> ReceiptLeaves(const std::vector<core::Receipt>& receipts) {
  std::vector<crypto::Hash> leaves;
  leaves.reserve(receipts.size());
  for (const auto& receipt : receipts) {
    leaves.push_back(crypto::MerkleLeafHash(core::EncodeReceipt(receipt)));
  }
  return leaves;
}

}  // namespace

base::Result<TransactionEvidence> TransactionEvidenceOf(const Ledger& ledger,
                                                        const crypto::Hash& id) {
  auto location = ledger.FindTransaction(id);
  if (!location) return base::Error(location.error());
  auto block = ledger.ReadBlock(location->height);
  if (!block) return base::Error(block.error());
  auto receipts = ledger.ReadReceipts(location->height);
  if (!receipts) return base::Error(receipts.error());
  auto set_changes = ledger.SetChangesUpTo(location->height);
  if (!set_changes) return base::Error(set_changes.error());
  const std::uint32_t index = location->index;
  if (index >= block->transactions.size() || index >= receipts->size()) {
    return base::Error(
        base::Status::Corruption("transaction " + id.ToHex() + ": its index is past its block"));
  }
  auto leaves = TransactionLeaves(*block);
  if (!leaves) return base::Error(leaves.error());
  TransactionEvidence evidence;
  evidence.header = block->header;
  evidence.certificate = block->certificate;
  evidence.set_changes = *std::move(set_changes);
  evidence.transaction = block->transactions[index];
  evidence.transaction_proof = crypto::MerkleProve(*leaves, index);
  evidence.receipt = (*receipts)[index];
  evidence.receipt_proof = crypto::MerkleProve(ReceiptLeaves(*receipts), index);
  return evidence;
}

base::Result<ProvenTransaction> VerifyTransactionEvidence(const TransactionEvidence& evidence,
                                                          std::string_view chain_id,
                                                          const core::ValidatorSet& genesis_set) {
  const core::BlockHeader& header = evidence.header;
  if (header.height == 0) return base::Error(Fault("the genesis holds no transactions"));
  if (base::Status status = ledger::VerifyCertifiedHeader(
          header, evidence.certificate, evidence.set_changes, chain_id, genesis_set);
      !status.ok()) {
    return base::Error(status);
  }
  auto tx = core::DecodeTransaction(evidence.transaction);
  if (!tx) return base::Error(Fault("the transaction: " + tx.error().message()));
  if (tx->tx.chain_id != chain_id) return base::Error(Fault("the transaction is of another chain"));
  if (!ledger::SignaturesVerify(*tx)) {
    return base::Error(Fault("the transaction: a signature does not verify"));
  }
  const crypto::MerkleProof& tx_proof = evidence.transaction_proof;
  const crypto::MerkleProof& receipt_proof = evidence.receipt_proof;
  if (crypto::MerkleRootFromProof(crypto::MerkleLeafHash(tx->id.view()), tx_proof) !=
      header.tx_root) {
    return base::Error(Fault("the transaction's proof does not lead to the block's tx root"));
  }
  if (crypto::MerkleRootFromProof(crypto::MerkleLeafHash(core::EncodeReceipt(evidence.receipt)),
                                  receipt_proof) != header.receipts_root) {
    return base::Error(Fault("the receipt's proof does not lead to the block's receipts root"));
  }
  if (!crypto::MerklePathMatchesIndex(tx_proof) || !crypto::MerklePathMatchesIndex(receipt_proof)) {
    return base::Error(Fault("a proof's path is not the one of the place it claims"));
  }
  // A block has one receipt per transaction, in the same order.
  if (tx_proof.leaf_index != receipt_proof.leaf_index ||
      tx_proof.leaf_count != receipt_proof.leaf_count || tx_proof.leaf_count != header.tx_count) {
    return base::Error(Fault("the receipt is not at the transaction's place in the block"));
  }
  if (evidence.receipt.tx_id != tx->id) {
    return base::Error(Fault("the receipt is of another transaction"));
  }
  return ProvenTransaction{*std::move(tx), evidence.receipt, header, evidence.certificate,
                           static_cast<std::uint32_t>(tx_proof.leaf_index)};
}

}  // namespace nuri::audit
