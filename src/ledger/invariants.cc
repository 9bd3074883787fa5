#include "ledger/invariants.h"

#include <map>

#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::ledger {

base::Status CheckInvariants(const State& state) {
  std::map<std::string, core::Amount> balance_sums;
  base::Status fault;
  state.Scan(kBalancePrefix, [&](const std::string& key, const std::string& value) {
    const auto parts = ParseBalanceKey(key);
    const auto amount = DecodeI64(value);
    if (!parts || !amount) {
      fault = base::Status::Internal("malformed balance entry " + key);
      return false;
    }
    if (*amount <= 0) {
      fault = base::Status::Internal("balance " + key + " is " + std::to_string(*amount));
      return false;
    }
    if (state.Find(AccountKey(parts->first)) == nullptr ||
        state.Find(TokenKey(parts->second)) == nullptr) {
      fault = base::Status::Internal("balance " + key + " has no account or token");
      return false;
    }
    const auto sum = balance_sums[parts->second].Plus(core::Amount::Won(*amount));
    if (!sum) {
      fault = base::Status::Internal("balances of " + parts->second + " overflow");
      return false;
    }
    balance_sums[parts->second] = *sum;
    return true;
  });
  if (!fault.ok()) return fault;
  state.Scan(kTokenPrefix, [&](const std::string& key, const std::string& value) {
    const auto token = DecodeToken(value);
    const std::string id = key.substr(kTokenPrefix.size());
    if (!token) {
      fault = base::Status::Internal("malformed token entry " + key);
      return false;
    }
    const auto outstanding = token->minted.Minus(token->burned);
    if (!outstanding || outstanding->negative() || token->burned.negative()) {
      fault = base::Status::Internal("token " + id + " burned more than it minted");
      return false;
    }
    const core::Amount held = balance_sums[id];
    if (held != *outstanding) {
      fault = base::Status::Internal("conservation broken for " + id + ": minted - burned = " +
                                     outstanding->ToGrouped() + " but balances hold " +
                                     held.ToGrouped());
      return false;
    }
    balance_sums.erase(id);
    return true;
  });
  if (!fault.ok()) return fault;
  if (!balance_sums.empty()) {
    return base::Status::Internal("balances of undefined token " + balance_sums.begin()->first);
  }
  return base::Status::Ok();
}

}  // namespace nuri::ledger
