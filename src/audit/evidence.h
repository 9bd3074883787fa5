// Evidence that a transaction was committed, and what became of it, that an auditor checks with
// no node at all, trusting nothing but the chain's genesis (docs/audit.md, "Evidence").
//
// It holds the transaction as signed, its receipt, the Merkle proof of each against its block's
// header (the transaction's id under the tx root, the encoded receipt under the receipts root,
// both at the same index), the header with its commit certificate, and the proofs of every
// validator set change up to that block, so that the certificate is checked against sets learned
// only from the genesis set (ledger/snapshot.h VerifyCertifiedHeader). The tx root vouches for
// the transaction's id, which leaves its signatures out: which keys signed is not proven, only
// that the validators committed the transaction, which they do once its signatures satisfy its
// signer's keys. The signatures in the evidence are checked for form alone.
//
// Value types and pure functions, but TransactionEvidenceOf, which reads a ledger.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/block.h"
#include "core/receipt.h"
#include "core/transaction.h"
#include "crypto/merkle.h"
#include "ledger/ledger.h"
#include "ledger/snapshot.h"

namespace nuri::audit {

struct TransactionEvidence {
  core::BlockHeader header;
  core::CommitCertificate certificate;
  std::vector<ledger::SetChangeProof> set_changes;
  std::string transaction;  // encoded as signed (docs/formats/transaction.md)
  crypto::MerkleProof transaction_proof;
  core::Receipt receipt;
  crypto::MerkleProof receipt_proof;
  bool operator==(const TransactionEvidence&) const = default;
};

// The evidence of committed transaction `id`, from a ledger that holds its block. NotFound when
// the transaction is not committed here (or its block is older than the snapshot this node
// started from).
base::Result<TransactionEvidence> TransactionEvidenceOf(const ledger::Ledger& ledger,
                                                        const crypto::Hash& id);

// What evidence proves once verified.
struct ProvenTransaction {
  core::SignedTransaction transaction;
  core::Receipt receipt;
  core::BlockHeader header;
  core::CommitCertificate certificate;
  std::uint32_t index = 0;  // in its block
};

// Checks everything the evidence claims against the chain `chain_id` that begins with
// `genesis_set`; the error says exactly which part does not hold.
base::Result<ProvenTransaction> VerifyTransactionEvidence(const TransactionEvidence& evidence,
                                                          std::string_view chain_id,
                                                          const core::ValidatorSet& genesis_set);

}  // namespace nuri::audit
