// Test helpers of the ledger's tests: a small chain (nuri-test: a central bank's governor, two
// banks' issuers, a ministry's admin, treasury and holders, an auditor and a merchant; validator
// v1), its signed transactions, and commits certified by chosen validators. Test keys only: never
// for real money.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "crypto/key_file.h"
#include "ledger/ledger.h"

namespace nuri::ledger {

inline constexpr std::string_view kTestGenesis = R"({
  "chain_id": "nuri-test",
  "start": "2026-03-02T09:00:00+09:00",
  "orgs": [
    {"id": "bok", "kind": "central_bank", "name": "Bank of Korea"},
    {"id": "moef", "kind": "ministry", "name": "Ministry of Economy and Finance"},
    {"id": "bnk", "kind": "bank", "name": "BNK Busan Bank"},
    {"id": "shinhan", "kind": "bank", "name": "Shinhan Bank"},
    {"id": "bai", "kind": "auditor", "name": "Board of Audit and Inspection"},
    {"id": "merchants", "kind": "merchants", "name": "Registered merchants"}
  ],
  "accounts": [
    {"id": "governor@bok", "roles": ["governor"]},
    {"id": "issuer@bnk", "roles": ["issuer"]},
    {"id": "issuer@shinhan", "roles": ["issuer"]},
    {"id": "admin@moef", "roles": ["admin"]},
    {"id": "auditor@bai", "roles": ["auditor"]},
    {"id": "treasury@moef", "roles": ["treasury"]},
    {"id": "kim@moef", "roles": ["holder"]},
    {"id": "lee@moef", "roles": ["holder"]},
    {"id": "shop@merchants", "roles": ["merchant"],
     "merchant": {"mcc": "5411", "business_no": "220-81-00005", "name": "Corner Grocery"}}
  ],
  "tokens": [
    {"id": "KRW-BNK", "issuer": "issuer@bnk", "name": "BNK deposit token"},
    {"id": "KRW-SHINHAN", "issuer": "issuer@shinhan", "name": "Shinhan deposit token"}
  ],
  "validators": [{"name": "v1", "key": "KEY"}]
})";

inline Genesis TestGenesis() {
  std::string text(kTestGenesis);
  text.replace(text.find("KEY"), 3, crypto::DeriveTestKey("v1").public_key().ToText());
  auto genesis = ParseGenesis(core::ParseJsonText(text).value(), "genesis",
                              GenesisOptions{.derive_missing_keys = true});
  EXPECT_TRUE(genesis.has_value()) << genesis.error().ToString();
  return *genesis;
}

// A transaction of nuri-test signed with `signer`'s test key.
inline core::SignedTransaction TestTransaction(std::string_view signer, core::Body body,
                                               std::uint64_t nonce, core::TimeMillis valid_until) {
  core::Transaction tx;
  tx.chain_id = "nuri-test";
  tx.signer = core::AccountId::Parse(signer).value();
  tx.nonce = nonce;
  tx.valid_until = valid_until;
  tx.body = std::move(body);
  core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(signer));
  return core::Seal(std::move(tx));
}

// The transactions a block holds, decoded, in block order.
inline std::vector<core::SignedTransaction> BlockTransactions(const core::Block& block) {
  std::vector<core::SignedTransaction> decoded;
  for (const auto& bytes : block.transactions) decoded.push_back(*core::DecodeTransaction(bytes));
  return decoded;
}

// Builds the next block from `txs` and commits it with the precommits of `signers` (test keys
// by validator name, indexed in the set that certifies the block).
inline base::Result<ProducedBlock> CommitSignedBy(Ledger& ledger, core::TimeMillis time,
                                                  const std::vector<core::SignedTransaction>& txs,
                                                  const std::vector<std::string>& signers) {
  const ProducedBlock* built = ledger.BuildBlock(time, txs, signers.front()).value();
  const crypto::Hash hash = built->hash;
  const core::BlockHeader header = built->block.header;
  core::CommitCertificate certificate;
  for (const auto& name : signers) {
    const auto index = ledger.validators().IndexOf(name).value_or(0);
    certificate.signatures.push_back(
        {name, crypto::DeriveTestKey(name).Sign(core::VoteSigningMessage(
                   "nuri-test", core::CommitVote(header, hash, 0, index)))});
  }
  return ledger.CommitExecuted(hash, std::move(certificate));
}

}  // namespace nuri::ledger
