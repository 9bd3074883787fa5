// The daily reconciliation of an issuing bank (docs/audit.md, "Reconciliation"): for each
// deposit token the bank issues, what it minted and burned on one Korea calendar day and the
// tokens outstanding at the day's start and end, for the bank to match against the deposits it
// holds for them. Single-threaded value, fed with committed blocks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/block.h"
#include "core/receipt.h"
#include "ledger/state.h"

namespace nuri::audit {

struct TokenDay {
  std::string token;
  std::uint64_t mints = 0;
  std::uint64_t burns = 0;
  std::int64_t minted_won = 0;
  std::int64_t burned_won = 0;
  std::int64_t outstanding_start_won = 0;
  std::int64_t outstanding_end_won = 0;
};

// Minted less burned, per token, over the blocks added.
class IssuanceTally {
 public:
  // Only these tokens are counted.
  explicit IssuanceTally(std::vector<std::string> tokens);

  void AddBlock(const core::Block& block, const std::vector<core::Receipt>& receipts);

  struct Issued {
    std::uint64_t mints = 0;
    std::uint64_t burns = 0;
    std::int64_t minted_won = 0;
    std::int64_t burned_won = 0;
  };
  const std::map<std::string, Issued>& issued() const { return issued_; }

 private:
  std::map<std::string, Issued> issued_;
};

// The tokens whose issuer is an account of organization `bank`, in id order.
std::vector<std::string> TokensIssuedBy(const ledger::State& state, std::string_view bank);

// The reconciliation of one day from the tally of that day's blocks, the tally of every block
// committed after it, and each token's supply now (minted less burned since the genesis).
std::vector<TokenDay> ReconcileDay(const IssuanceTally& day, const IssuanceTally& after,
                                   const std::map<std::string, std::int64_t>& supply_now);

}  // namespace nuri::audit
