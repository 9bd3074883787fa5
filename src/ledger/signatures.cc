#include "ledger/signatures.h"

#include <algorithm>

namespace nuri::ledger {

bool SignaturesValid(const core::SignedTransaction& signed_tx, const AccountRecord& signer) {
  const core::Transaction& tx = signed_tx.tx;
  if (tx.signatures.empty()) return false;
  const std::string message = core::SigningMessage(signed_tx.id);
  std::vector<const crypto::PublicKey*> signer_keys_used;
  for (const auto& signature : tx.signatures) {
    if (!crypto::Verify(signature.key, message, signature.signature)) return false;
    if (signature.account != tx.signer) continue;
    if (std::find(signer.keys.begin(), signer.keys.end(), signature.key) == signer.keys.end()) {
      return false;
    }
    const bool repeated =
        std::any_of(signer_keys_used.begin(), signer_keys_used.end(),
                    [&](const crypto::PublicKey* key) { return *key == signature.key; });
    if (!repeated) signer_keys_used.push_back(&signature.key);
  }
  return signer_keys_used.size() >= signer.quorum;
}

}  // namespace nuri::ledger
