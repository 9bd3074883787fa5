// Evidence of an account's balance of one deposit token at a height (docs/audit.md, "Balance
// proofs"), checked like transaction evidence with no node, from the genesis alone: the state
// proof of the balance entry against the certified state root of that height's block.
//
// A node proves the balance at its head: it keeps the current state only. Value types and pure
// functions, but BalanceEvidenceOf, which reads a ledger.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/block.h"
#include "ledger/ledger.h"
#include "ledger/snapshot.h"

namespace nuri::audit {

struct BalanceEvidence {
  core::BlockHeader header;
  core::CommitCertificate certificate;
  std::vector<ledger::SetChangeProof> set_changes;
  std::string account;
  std::string token;
  ledger::State::Proof proof;  // of the entry ledger::BalanceKey(account, token)
  bool operator==(const BalanceEvidence&) const = default;
};

// The evidence of `account`'s balance of `token` at the ledger's head. NotFound before the first
// block, or for an unknown account or token.
base::Result<BalanceEvidence> BalanceEvidenceOf(const ledger::Ledger& ledger,
                                                std::string_view account, std::string_view token);

struct ProvenBalance {
  std::string account;
  std::string token;
  std::int64_t won = 0;
  core::BlockHeader header;
  core::CommitCertificate certificate;
};

// The balance the state proof shows under the evidence's header, whether or not that header is
// certified (VerifyBalanceEvidence checks that too).
base::Result<ProvenBalance> BalanceUnderHeader(const BalanceEvidence& evidence);

// Checks the evidence against the chain `chain_id` that begins with `genesis_set`; the error
// says which part does not hold.
base::Result<ProvenBalance> VerifyBalanceEvidence(const BalanceEvidence& evidence,
                                                  std::string_view chain_id,
                                                  const core::ValidatorSet& genesis_set);

}  // namespace nuri::audit
