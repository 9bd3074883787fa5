#include "node/admission.h"

namespace nuri::node {

namespace {

std::string AdmissionMessage(core::ReasonCode code) {
  switch (code) {
    case core::ReasonCode::kWrongChain: return "the transaction is for another chain";
    case core::ReasonCode::kExpired: return "valid_until has passed";
    case core::ReasonCode::kTooFarInFuture:
      return "valid_until is more than 24 hours ahead of the ledger's time";
    case core::ReasonCode::kUnknownSigner: return "the signer has no account on this ledger";
    case core::ReasonCode::kDuplicate: return "this signer has already used this nonce";
    case core::ReasonCode::kBadSignature:
      return "the signatures do not verify against the signer's keys";
    case core::ReasonCode::kMempoolFull: return "the node is at capacity; retry later";
    default: return std::string(core::ReasonName(code));
  }
}

}  // namespace

Admission Refuse(core::ReasonCode code, const crypto::Hash& id, std::string message) {
  return Admission{code, message.empty() ? AdmissionMessage(code) : std::move(message), id};
}

}  // namespace nuri::node
