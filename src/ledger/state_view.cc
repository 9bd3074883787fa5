#include "ledger/state_view.h"

#include <algorithm>
#include <limits>

#include "base/check.h"
#include "codec/codec.h"

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

void StateView::PutBalance(std::string_view account, std::string_view token, core::Amount amount) {
  NURI_CHECK(!amount.negative());
  if (amount.won() == 0) {
    state_.Erase(BalanceKey(account, token));
  } else {
    state_.Put(BalanceKey(account, token), EncodeI64(amount.won()));
  }
}

std::shared_ptr<const core::ProgramDefinition> DefinitionCache::Get(const std::string& key,
                                                                    const std::string& bytes) {
  auto found = entries_.find(key);
  if (found != entries_.end() && found->second.bytes == bytes) return found->second.definition;
  auto definition = core::DecodeProgram(bytes);
  NURI_CHECK(definition.has_value());
  auto shared = std::make_shared<const core::ProgramDefinition>(std::move(*definition));
  entries_[key] = Entry{bytes, shared};
  return shared;
}

std::optional<ProgramRecord> StateView::Program(std::string_view program) const {
  return ReadProgram(state_, program);
}

void StateView::PutProgram(std::string_view program, const ProgramRecord& record) {
  state_.Put(ProgramKey(program), EncodeProgramRecord(record));
}

std::shared_ptr<const core::ProgramDefinition> StateView::Definition(std::string_view program,
                                                                     std::uint32_t version) const {
  if (cache_ == nullptr) return ReadDefinition(state_, program, version);
  const std::string key = ProgramVersionKey(program, version);
  const std::string* bytes = state_.Find(key);
  if (bytes == nullptr) return nullptr;
  return cache_->Get(key, *bytes);
}

void StateView::PutDefinition(std::uint32_t version, const core::ProgramDefinition& definition) {
  state_.Put(ProgramVersionKey(definition.id, version), core::EncodeProgram(definition));
}

HolderRecord StateView::Holder(std::string_view program, std::string_view holder) const {
  return ReadHolder(state_, program, holder).value_or(HolderRecord());
}

void StateView::PutHolder(std::string_view program, std::string_view holder,
                          const HolderRecord& record) {
  NURI_CHECK(!record.balance.negative());
  NURI_CHECK(!record.paid.negative());
  state_.Put(HolderKey(program, holder), EncodeHolder(record));
}

std::vector<std::pair<std::string, HolderRecord>> StateView::Holders(
    std::string_view program) const {
  std::vector<std::pair<std::string, HolderRecord>> holders;
  const std::string prefix = HolderPrefix(program);
  state_.Scan(prefix, [&](const std::string& key, const std::string& value) {
    auto record = DecodeHolder(value);
    NURI_CHECK(record.has_value());
    holders.emplace_back(key.substr(prefix.size()), std::move(*record));
    return true;
  });
  return holders;
}

std::optional<PaymentRecord> StateView::Payment(const crypto::Hash& payment) const {
  return Read<PaymentRecord>(state_, PaymentKey(payment), DecodePayment);
}

void StateView::PutPayment(const crypto::Hash& payment, const PaymentRecord& record) {
  state_.Put(PaymentKey(payment), EncodePayment(record));
}

std::vector<std::string> StateView::Milestones(std::string_view program,
                                               std::string_view holder) const {
  std::vector<std::string> milestones;
  const std::string prefix = MilestonePrefix(program, holder);
  state_.Scan(prefix, [&](const std::string& key, const std::string&) {
    milestones.push_back(key.substr(prefix.size()));
    return true;
  });
  return milestones;
}

bool StateView::HasMilestone(std::string_view program, std::string_view holder,
                             std::string_view milestone) const {
  return state_.Find(MilestoneKey(program, holder, milestone)) != nullptr;
}

void StateView::PutMilestone(std::string_view program, std::string_view holder,
                             std::string_view milestone, const MilestoneRecord& record) {
  state_.Put(MilestoneKey(program, holder, milestone), EncodeMilestone(record));
}

bool StateView::IsHoliday(const core::LocalDate& date) const {
  const std::string* bytes = state_.Find(HolidaysKey(date.year));
  if (bytes == nullptr) return false;
  auto dates = DecodeHolidays(date.year, *bytes);
  NURI_CHECK(dates.has_value());
  return std::binary_search(dates->begin(), dates->end(), date);
}

void StateView::PutHolidays(int year, const std::vector<core::LocalDate>& dates) {
  if (dates.empty()) {
    state_.Erase(HolidaysKey(year));
  } else {
    state_.Put(HolidaysKey(year), EncodeHolidays(dates));
  }
}

core::ValidatorSet StateView::LatestValidatorSet() const {
  return ReadValidatorSet(state_, std::numeric_limits<std::uint64_t>::max());
}

void StateView::PutValidatorSet(std::uint64_t from_height, const core::ValidatorSet& set) {
  state_.Put(ValidatorSetKey(from_height), core::EncodeValidatorSet(set));
}

std::vector<std::pair<std::uint64_t, core::ValidatorSet>> ReadValidatorSchedule(
    const State& state) {
  std::vector<std::pair<std::uint64_t, core::ValidatorSet>> schedule;
  state.Scan(kValidatorSetPrefix, [&](const std::string& key, const std::string& value) {
    NURI_CHECK(key.size() == kValidatorSetPrefix.size() + 8);
    auto set = core::DecodeValidatorSet(value);
    NURI_CHECK(set.has_value());
    schedule.emplace_back(
        codec::DecodeKeyU64(std::string_view(key).substr(kValidatorSetPrefix.size())),
        *std::move(set));
    return true;
  });
  return schedule;
}

core::ValidatorSet ReadValidatorSet(const State& state, std::uint64_t height) {
  const std::string* in_force = nullptr;
  state.Scan(kValidatorSetPrefix, [&](const std::string& key, const std::string& value) {
    NURI_CHECK(key.size() == kValidatorSetPrefix.size() + 8);
    if (codec::DecodeKeyU64(std::string_view(key).substr(kValidatorSetPrefix.size())) > height) {
      return false;
    }
    in_force = &value;
    return true;
  });
  if (in_force == nullptr) return core::ValidatorSet();
  auto set = core::DecodeValidatorSet(*in_force);
  NURI_CHECK(set.has_value());
  return *std::move(set);
}

std::optional<ProgramRecord> ReadProgram(const State& state, std::string_view program) {
  return Read<ProgramRecord>(state, ProgramKey(program), DecodeProgramRecord);
}

std::shared_ptr<const core::ProgramDefinition> ReadDefinition(const State& state,
                                                              std::string_view program,
                                                              std::uint32_t version) {
  const std::string* bytes = state.Find(ProgramVersionKey(program, version));
  if (bytes == nullptr) return nullptr;
  auto definition = core::DecodeProgram(*bytes);
  NURI_CHECK(definition.has_value());
  return std::make_shared<const core::ProgramDefinition>(std::move(*definition));
}

std::optional<HolderRecord> ReadHolder(const State& state, std::string_view program,
                                       std::string_view holder) {
  return Read<HolderRecord>(state, HolderKey(program, holder), DecodeHolder);
}

std::vector<std::string> ListPrograms(const State& state) {
  std::vector<std::string> programs;
  state.Scan(kProgramPrefix, [&](const std::string& key, const std::string&) {
    programs.push_back(key.substr(kProgramPrefix.size()));
    return true;
  });
  return programs;
}

bool StateDirectory::HasToken(std::string_view token) const {
  return state_.Find(TokenKey(token)) != nullptr;
}

std::optional<core::RoleSet> StateDirectory::AccountRoles(std::string_view account) const {
  const auto record = ReadAccount(state_, account);
  if (!record) return std::nullopt;
  if (record->merchant || !record->roles.Has(core::Role::kMerchant)) return record->roles;
  const std::uint32_t merchant_bit = 1u << static_cast<unsigned>(core::Role::kMerchant);
  return core::RoleSet::FromBits(record->roles.bits() & ~merchant_bit).value();
}

bool StateDirectory::HasProgram(std::string_view program) const {
  return state_.Find(ProgramKey(program)) != nullptr;
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
