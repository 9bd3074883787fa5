// Signature checks of a transaction against its signer's account: every signature must verify,
// and distinct current keys of the signer, at least its quorum, must have signed. Co-signatures
// by other accounts are checked for validity here and for meaning by the rules that need them.
// Thread-safe (pure).
#pragma once

#include "core/transaction.h"
#include "ledger/records.h"

namespace nuri::ledger {

bool SignaturesValid(const core::SignedTransaction& tx, const AccountRecord& signer);

}  // namespace nuri::ledger
