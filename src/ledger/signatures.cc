#include "ledger/signatures.h"

#include <algorithm>

namespace nuri::ledger {

bool SignaturesVerify(const core::SignedTransaction& signed_tx) {
  if (signed_tx.tx.signatures.empty()) return false;
  const std::string message = core::SigningMessage(signed_tx.id);
  for (const auto& signature : signed_tx.tx.signatures) {
    if (!crypto::Verify(signature.key, message, signature.signature)) return false;
  }
  return true;
}

bool SignedByQuorum(const core::Transaction& tx, const AccountRecord& signer) {
  std::vector<const crypto::PublicKey*> used;
  for (const auto& signature : tx.signatures) {
    if (signature.account != tx.signer) continue;
    const bool current =
        std::find(signer.keys.begin(), signer.keys.end(), signature.key) != signer.keys.end();
    const bool repeated = std::any_of(used.begin(), used.end(), [&](const crypto::PublicKey* k) {
      return *k == signature.key;
    });
    if (current && !repeated) used.push_back(&signature.key);
  }
  return used.size() >= signer.quorum;
}

}  // namespace nuri::ledger
