#include "node/test_chain.h"

#include "base/check.h"
#include "crypto/key_file.h"

namespace nuri::node {

ledger::Genesis TestChainGenesis(std::string_view chain_id, std::size_t validators) {
  boost::json::array validator_list;
  for (std::size_t i = 1; i <= validators; ++i) {
    const std::string name = "v" + std::to_string(i);
    validator_list.push_back(boost::json::object{
        {"name", name}, {"key", crypto::DeriveTestKey(name).public_key().ToText()}});
  }
  boost::json::object description{
      {"chain_id", chain_id},
      {"start", "2026-03-02T09:00:00+09:00"},
      {"orgs",
       boost::json::array{
           boost::json::object{{"id", "bok"}, {"kind", "central_bank"}, {"name", "Bank of Korea"}},
           boost::json::object{{"id", "bnk"}, {"kind", "bank"}, {"name", "BNK Busan Bank"}},
           boost::json::object{{"id", "moef"},
                               {"kind", "ministry"},
                               {"name", "Ministry of Economy and Finance"}},
           boost::json::object{
               {"id", "merchants"}, {"kind", "merchants"}, {"name", "Registered merchants"}}}},
      {"accounts",
       boost::json::array{
           boost::json::object{{"id", "governor@bok"}, {"roles", boost::json::array{"governor"}}},
           boost::json::object{{"id", "issuer@bnk"}, {"roles", boost::json::array{"issuer"}}},
           boost::json::object{{"id", "kim@moef"}, {"roles", boost::json::array{"holder"}}},
           boost::json::object{{"id", "treasury@moef"}, {"roles", boost::json::array{"treasury"}}},
           boost::json::object{{"id", "budget@moef"}, {"roles", boost::json::array{"manager"}}},
           boost::json::object{{"id", "hanok@merchants"},
                               {"roles", boost::json::array{"merchant"}},
                               {"merchant", boost::json::object{{"mcc", "5812"},
                                                                {"business_no", "101-81-00001"},
                                                                {"name", "Hanok"}}}}}},
      {"tokens", boost::json::array{boost::json::object{
                     {"id", "KRW-BNK"}, {"issuer", "issuer@bnk"}, {"name", "BNK deposit token"}}}},
      {"programs",
       boost::json::array{boost::json::object{
           {"id", "bpe-test"},
           {"name", "Business promotion expenses (test)"},
           {"kind", "expense"},
           {"token", "KRW-BNK"},
           {"owner", "treasury@moef"},
           {"managers", boost::json::array{"budget@moef"}},
           {"valid_from", "2026-01-01T00:00:00+09:00"},
           {"valid_until", "2026-12-31T23:59:59+09:00"},
           {"budget_code", "203-01"},
           {"rules", boost::json::array{boost::json::object{
                         {"id", "R1"}, {"rule", "hours"}, {"from", "06:00"}, {"to", "23:00"}}}}}}},
      {"validators", std::move(validator_list)}};
  auto genesis = ledger::ParseGenesis(description, "genesis",
                                      ledger::GenesisOptions{.derive_missing_keys = true});
  NURI_CHECK(genesis.has_value());
  return std::move(*genesis);
}

}  // namespace nuri::node
