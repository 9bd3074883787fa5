#include "audit/reconciliation.h"

#include "ledger/records.h"

namespace nuri::audit {

IssuanceTally::IssuanceTally(std::vector<std::string> tokens) {
  for (auto& token : tokens) issued_.emplace(std::move(token), Issued{});
}

void IssuanceTally::AddBlock(const core::Block& block, const std::vector<core::Receipt>& receipts) {
  for (std::size_t i = 0; i < block.transactions.size() && i < receipts.size(); ++i) {
    if (receipts[i].status != core::ReceiptStatus::kOk) continue;
    auto tx = core::DecodeTransaction(block.transactions[i]);
    if (!tx) continue;  // committed blocks decode: the ledger wrote them
    if (const auto* mint = std::get_if<core::Mint>(&tx->tx.body)) {
      if (auto found = issued_.find(mint->token.str()); found != issued_.end()) {
        ++found->second.mints;
        found->second.minted_won += mint->amount.won();
      }
    } else if (const auto* burn = std::get_if<core::Burn>(&tx->tx.body)) {
      if (auto found = issued_.find(burn->token.str()); found != issued_.end()) {
        ++found->second.burns;
        found->second.burned_won += burn->amount.won();
      }
    }
  }
}

std::vector<std::string> TokensIssuedBy(const ledger::State& state, std::string_view bank) {
  std::vector<std::string> tokens;
  state.Scan(ledger::kTokenPrefix, [&](const std::string& key, const std::string& value) {
    const auto record = ledger::DecodeToken(value);
    if (record && record->issuer.org() == bank) {
      tokens.push_back(key.substr(ledger::kTokenPrefix.size()));
    }
    return true;
  });
  return tokens;
}

std::vector<TokenDay> ReconcileDay(const IssuanceTally& day, const IssuanceTally& after,
                                   const std::map<std::string, std::int64_t>& supply_now) {
  std::vector<TokenDay> days;
  for (const auto& [token, issued] : day.issued()) {
    TokenDay result{.token = token,
                    .mints = issued.mints,
                    .burns = issued.burns,
                    .minted_won = issued.minted_won,
                    .burned_won = issued.burned_won};
    const auto later = after.issued().find(token);
    const auto now = supply_now.find(token);
    const std::int64_t supply = now == supply_now.end() ? 0 : now->second;
    const std::int64_t issued_later =
        later == after.issued().end() ? 0 : later->second.minted_won - later->second.burned_won;
    result.outstanding_end_won = supply - issued_later;
    result.outstanding_start_won =
        result.outstanding_end_won - issued.minted_won + issued.burned_won;
    days.push_back(std::move(result));
  }
  return days;
}

}  // namespace nuri::audit
