#include "ledger/invariants.h"

#include <map>

#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::ledger {

namespace {

// For each program: escrow (funded - spent + refunded - returned) = unallocated budget + the
// holders' program balances, none negative, and nothing left once closed. Adds each escrow to
// its token's sum, since escrowed tokens are part of what was minted.
base::Status AddProgramEscrows(const State& state,
                               std::map<std::string, core::Amount>& balance_sums) {
  for (const std::string& id : ListPrograms(state)) {
    const auto record = ReadProgram(state, id);
    if (!record) return base::Status::Internal("malformed program record " + id);
    const auto definition = ReadDefinition(state, id, record->version);
    if (definition == nullptr) {
      return base::Status::Internal("program " + id + " has no definition of its version");
    }
    const auto escrow = record->Escrow();
    if (!escrow || escrow->negative() || record->unallocated.negative()) {
      return base::Status::Internal("program " + id + " holds a negative amount");
    }
    core::Amount held = record->unallocated;
    base::Status fault;
    state.Scan(HolderPrefix(id), [&](const std::string& key, const std::string& value) {
      const auto holder = DecodeHolder(value);
      if (!holder || holder->balance.negative() || holder->paid.negative()) {
        fault = base::Status::Internal("holder entry " + key + " is malformed or negative");
        return false;
      }
      const auto sum = held.Plus(holder->balance);
      if (!sum) {
        fault = base::Status::Internal("program " + id + " balances overflow");
        return false;
      }
      held = *sum;
      return true;
    });
    if (!fault.ok()) return fault;
    if (held != *escrow) {
      return base::Status::Internal("escrow of program " + id + " is " + escrow->ToGrouped() +
                                    " but its budget and holders hold " + held.ToGrouped());
    }
    if (record->closed && escrow->positive()) {
      return base::Status::Internal("closed program " + id + " still holds " + escrow->ToGrouped());
    }
    const auto sum = balance_sums[definition->token.str()].Plus(*escrow);
    if (!sum) return base::Status::Internal("escrows of " + definition->token.str() + " overflow");
    balance_sums[definition->token.str()] = *sum;
  }
  return base::Status::Ok();
}

}  // namespace

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
  if (base::Status status = AddProgramEscrows(state, balance_sums); !status.ok()) return status;
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
      fault = base::Status::Internal("conservation broken for " + id +
                                     ": minted - burned = " + outstanding->ToGrouped() +
                                     " but balances hold " + held.ToGrouped());
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
