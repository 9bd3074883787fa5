// StateView: typed reads and writes of the records in a State (records.h), so that the executor
// speaks of accounts and balances rather than keys and bytes. A stored record that fails to
// decode is a broken invariant (the state is only written through this view) and aborts.
// Not thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "ledger/records.h"
#include "ledger/state.h"

namespace nuri::ledger {

class StateView {
 public:
  explicit StateView(State& state) : state_(state) {}

  std::optional<OrgRecord> Org(std::string_view org) const;
  std::optional<AccountRecord> Account(std::string_view account) const;
  std::optional<TokenRecord> Token(std::string_view token) const;
  core::Amount Balance(std::string_view account, std::string_view token) const;

  void PutOrg(std::string_view org, const OrgRecord& record);
  void PutAccount(std::string_view account, const AccountRecord& record);
  void PutToken(std::string_view token, const TokenRecord& record);
  // A zero balance is erased, so that state holds only what is there.
  void PutBalance(std::string_view account, std::string_view token, core::Amount amount);

 private:
  State& state_;
};

// Read-only typed access for queries.
std::optional<AccountRecord> ReadAccount(const State& state, std::string_view account);
std::optional<TokenRecord> ReadToken(const State& state, std::string_view token);
core::Amount ReadBalance(const State& state, std::string_view account, std::string_view token);

}  // namespace nuri::ledger
