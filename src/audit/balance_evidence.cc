#include "audit/balance_evidence.h"

#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::audit {

namespace {

base::Status Fault(std::string why) { return base::Status::InvalidArgument(std::move(why)); }

}  // namespace

base::Result<BalanceEvidence> BalanceEvidenceOf(const ledger::Ledger& ledger,
                                                std::string_view account, std::string_view token) {
  const std::uint64_t height = ledger.head().height;
  if (height == 0) {
    return base::Error(base::Status::NotFound("no block is committed yet"));
  }
  if (!ledger::ReadAccount(ledger.state(), account)) {
    return base::Error(base::Status::NotFound("no account " + std::string(account)));
  }
  if (!ledger::ReadToken(ledger.state(), token)) {
    return base::Error(base::Status::NotFound("no token " + std::string(token)));
  }
  auto block = ledger.ReadBlock(height);
  if (!block) return base::Error(block.error());
  auto set_changes = ledger.SetChangesUpTo(height);
  if (!set_changes) return base::Error(set_changes.error());
  return BalanceEvidence{.header = block->header,
                         .certificate = block->certificate,
                         .set_changes = *std::move(set_changes),
                         .account = std::string(account),
                         .token = std::string(token),
                         .proof = ledger.state().ProveReadOnly(ledger::BalanceKey(account, token))};
}

base::Result<ProvenBalance> BalanceUnderHeader(const BalanceEvidence& evidence) {
  if (!core::AccountId::Parse(evidence.account) || !core::TokenId::Parse(evidence.token)) {
    return base::Error(Fault("not an account and a token"));
  }
  auto value = ledger::State::ValueFromProof(evidence.proof,
                                             ledger::BalanceKey(evidence.account, evidence.token),
                                             evidence.header.state_root);
  if (!value) return base::Error(Fault("the balance: " + value.error().message()));
  std::int64_t won = 0;  // an absent entry is a balance of nothing
  if (*value) {
    auto decoded = ledger::DecodeI64(**value);
    if (!decoded || *decoded <= 0) {
      return base::Error(Fault("the balance: the entry is not an amount of won"));
    }
    won = *decoded;
  }
  return ProvenBalance{evidence.account, evidence.token, won, evidence.header,
                       evidence.certificate};
}

base::Result<ProvenBalance> VerifyBalanceEvidence(const BalanceEvidence& evidence,
                                                  std::string_view chain_id,
                                                  const core::ValidatorSet& genesis_set) {
  if (evidence.header.height == 0) return base::Error(Fault("the genesis has no certificate"));
  if (base::Status status = ledger::VerifyCertifiedHeader(
          evidence.header, evidence.certificate, evidence.set_changes, chain_id, genesis_set);
      !status.ok()) {
    return base::Error(status);
  }
  return BalanceUnderHeader(evidence);
}

}  // namespace nuri::audit
