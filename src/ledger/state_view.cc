#include "ledger/state_view.h"

#include "base/check.h"

namespace nuri::ledger {

namespace {
template <typename Record>
std::optional<Record> Read(const State& state, const std::string& key,
                           base::Result<Record> (*decode)(std::string_view)) {
  const std::string* bytes = state.Find(key);
  if (bytes == nullptr) return std::nullopt;
  auto record = decode(*bytes);
  NURI_CHECK(record.has_value());
  return std::move(*record);
}
}  // namespace

std::optional<OrgRecord> StateView::Org(std::string_view org) const {
  return Read<OrgRecord>(state_, OrgKey(org), DecodeOrg);
}

std::optional<AccountRecord> StateView::Account(std::string_view account) const {
  return ReadAccount(state_, account);
}

std::optional<TokenRecord> StateView::Token(std::string_view token) const {
  return ReadToken(state_, token);
}

core::Amount StateView::Balance(std::string_view account, std::string_view token) const {
  return ReadBalance(state_, account, token);
}

void StateView::PutOrg(std::string_view org, const OrgRecord& record) {
  state_.Put(OrgKey(org), EncodeOrg(record));
}

void StateView::PutAccount(std::string_view account, const AccountRecord& record) {
  state_.Put(AccountKey(account), EncodeAccount(record));
}

void StateView::PutToken(std::string_view token, const TokenRecord& record) {
  state_.Put(TokenKey(token), EncodeToken(record));
}

void StateView::PutBalance(std::string_view account, std::string_view token,
                           core::Amount amount) {
  NURI_CHECK(!amount.negative());
  if (amount.won() == 0) {
    state_.Erase(BalanceKey(account, token));
  } else {
    state_.Put(BalanceKey(account, token), EncodeI64(amount.won()));
  }
}

std::optional<AccountRecord> ReadAccount(const State& state, std::string_view account) {
  return Read<AccountRecord>(state, AccountKey(account), DecodeAccount);
}

std::optional<TokenRecord> ReadToken(const State& state, std::string_view token) {
  return Read<TokenRecord>(state, TokenKey(token), DecodeToken);
}

core::Amount ReadBalance(const State& state, std::string_view account, std::string_view token) {
  const std::string* bytes = state.Find(BalanceKey(account, token));
  if (bytes == nullptr) return core::Amount();
  const auto value = DecodeI64(*bytes);
  NURI_CHECK(value.has_value());
  return core::Amount::Won(*value);
}

}  // namespace nuri::ledger
