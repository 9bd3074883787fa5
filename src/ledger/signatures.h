// Signature checks of a transaction against its signer's account: every signature must verify,
// and distinct current keys of the signer, at least its quorum, must have signed. Co-signatures
// by other accounts are checked for validity here and for meaning by the rules that need them.
// Thread-safe (pure).
#pragma once

#include "core/transaction.h"
#include "ledger/records.h"

namespace nuri::ledger {

// Every signature verifies over the transaction's id. Needs no state, so admission does it
// without waiting for the ledger; this is the expensive part.
bool SignaturesVerify(const core::SignedTransaction& tx);
// Distinct current keys of the signer, at least its quorum, are among the signatures (cheap).
bool SignedByQuorum(const core::Transaction& tx, const AccountRecord& signer);

}  // namespace nuri::ledger
