// The file form of transaction evidence (docs/formats/evidence.md), as `nuri evidence export`
// writes it and `nuri verify` reads it: the proven parts as hex of their canonical bytes, so that
// what is checked is exactly what was signed and hashed, and beside them a readable statement of
// what they prove (the transaction, its receipt, its block) for the auditor who reads the file.
// Verification recomputes the statement from the proven bytes and refuses a file whose statement
// says anything else: a reader can trust every word of a file that verifies.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "audit/balance_evidence.h"
#include "audit/evidence.h"
#include "base/status.h"
#include "core/block.h"

namespace nuri::audit {

inline constexpr std::string_view kEvidenceFormat = "nuri-transaction-evidence/1";
inline constexpr std::string_view kBalanceEvidenceFormat = "nuri-balance-evidence/1";

boost::json::object EvidenceToJson(const TransactionEvidence& evidence);

// Reads the proven parts of a file; the error names the field at fault ("receipt_proof.count:
// ..."). It checks their form only: VerifyEvidenceJson checks what they prove.
base::Result<TransactionEvidence> EvidenceFromJson(const boost::json::value& value);

// Everything a file claims, checked against the chain `chain_id` that begins with `genesis_set`:
// the proofs (VerifyTransactionEvidence), then the file's chain, id, height and statement against
// what they proved. The error says which part does not hold.
base::Result<ProvenTransaction> VerifyEvidenceJson(const boost::json::value& value,
                                                   std::string_view chain_id,
                                                   const core::ValidatorSet& genesis_set);

// The same for a balance (docs/formats/evidence.md, "Balance evidence").
boost::json::object BalanceEvidenceToJson(const BalanceEvidence& evidence);
base::Result<BalanceEvidence> BalanceEvidenceFromJson(const boost::json::value& value);
base::Result<ProvenBalance> VerifyBalanceEvidenceJson(const boost::json::value& value,
                                                      std::string_view chain_id,
                                                      const core::ValidatorSet& genesis_set);

}  // namespace nuri::audit
