#include "node/test_chain.h"

#include "base/check.h"
#include "crypto/key_file.h"

namespace nuri::node {

ledger::Genesis TestChainGenesis(std::string_view chain_id) {
  boost::json::object description{
      {"chain_id", chain_id},
      {"start", "2026-03-02T09:00:00+09:00"},
      {"orgs",
       boost::json::array{
           boost::json::object{{"id", "bnk"}, {"kind", "bank"}, {"name", "BNK Busan Bank"}},
           boost::json::object{{"id", "moef"},
                               {"kind", "ministry"},
                               {"name", "Ministry of Economy and Finance"}}}},
      {"accounts",
       boost::json::array{
           boost::json::object{{"id", "issuer@bnk"}, {"roles", boost::json::array{"issuer"}}},
           boost::json::object{{"id", "kim@moef"}, {"roles", boost::json::array{"holder"}}}}},
      {"tokens", boost::json::array{boost::json::object{
                     {"id", "KRW-BNK"}, {"issuer", "issuer@bnk"}, {"name", "BNK deposit token"}}}},
      {"validators",
       boost::json::array{boost::json::object{
           {"name", "v1"}, {"key", crypto::DeriveTestKey("v1").public_key().ToText()}}}}};
  auto genesis = ledger::ParseGenesis(description, "genesis",
                                      ledger::GenesisOptions{.derive_missing_keys = true});
  NURI_CHECK(genesis.has_value());
  return std::move(*genesis);
}

}  // namespace nuri::node
