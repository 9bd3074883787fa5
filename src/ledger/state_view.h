// StateView: typed reads and writes of the records in a State (records.h), so that the executor
// speaks of accounts and balances rather than keys and bytes. A stored record that fails to
// decode is a broken invariant (the state is only written through this view) and aborts.
// Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/block.h"
#include "core/program.h"
#include "ledger/program_records.h"
#include "ledger/records.h"
#include "ledger/state.h"
#include "policy/validate.h"

namespace nuri::ledger {

// Decoded program definitions, kept across blocks so that judging a payment does not decode its
// program each time. An entry serves only while the stored bytes it came from are unchanged.
class DefinitionCache {
 public:
  std::shared_ptr<const core::ProgramDefinition> Get(const std::string& key,
                                                     const std::string& bytes);

 private:
  struct Entry {
    std::string bytes;
    std::shared_ptr<const core::ProgramDefinition> definition;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

class StateView {
 public:
  explicit StateView(State& state, DefinitionCache* cache = nullptr)
      : state_(state), cache_(cache) {}
  const State& state() const { return state_; }

  std::optional<OrgRecord> Org(std::string_view org) const;
  std::optional<AccountRecord> Account(std::string_view account) const;
  std::optional<TokenRecord> Token(std::string_view token) const;
  core::Amount Balance(std::string_view account, std::string_view token) const;

  void PutOrg(std::string_view org, const OrgRecord& record);
  void PutAccount(std::string_view account, const AccountRecord& record);
  void PutToken(std::string_view token, const TokenRecord& record);
  // A zero balance is erased, so that state holds only what is there.
  void PutBalance(std::string_view account, std::string_view token, core::Amount amount);

  // Programs (program_records.h).
  std::optional<ProgramRecord> Program(std::string_view program) const;
  void PutProgram(std::string_view program, const ProgramRecord& record);
  std::shared_ptr<const core::ProgramDefinition> Definition(std::string_view program,
                                                            std::uint32_t version) const;
  void PutDefinition(std::uint32_t version, const core::ProgramDefinition& definition);
  // A holder without a record has all zeros.
  HolderRecord Holder(std::string_view program, std::string_view holder) const;
  void PutHolder(std::string_view program, std::string_view holder, const HolderRecord& record);
  // The holders of a program with their records, in key order.
  std::vector<std::pair<std::string, HolderRecord>> Holders(std::string_view program) const;
  std::optional<PaymentRecord> Payment(const crypto::Hash& payment) const;
  void PutPayment(const crypto::Hash& payment, const PaymentRecord& record);
  std::vector<std::string> Milestones(std::string_view program, std::string_view holder) const;
  bool HasMilestone(std::string_view program, std::string_view holder,
                    std::string_view milestone) const;
  void PutMilestone(std::string_view program, std::string_view holder, std::string_view milestone,
                    const MilestoneRecord& record);
  bool IsHoliday(const core::LocalDate& date) const;
  void PutHolidays(int year, const std::vector<core::LocalDate>& dates);

  // The validator set scheduled last: in force from the greatest height any change names.
  core::ValidatorSet LatestValidatorSet() const;
  void PutValidatorSet(std::uint64_t from_height, const core::ValidatorSet& set);

 private:
  State& state_;
  DefinitionCache* cache_;
};

// Read-only typed access for queries.
std::optional<AccountRecord> ReadAccount(const State& state, std::string_view account);
std::optional<TokenRecord> ReadToken(const State& state, std::string_view token);
core::Amount ReadBalance(const State& state, std::string_view account, std::string_view token);
std::optional<ProgramRecord> ReadProgram(const State& state, std::string_view program);
std::shared_ptr<const core::ProgramDefinition> ReadDefinition(const State& state,
                                                              std::string_view program,
                                                              std::uint32_t version);
std::optional<HolderRecord> ReadHolder(const State& state, std::string_view program,
                                       std::string_view holder);
// Every program's id, in order.
std::vector<std::string> ListPrograms(const State& state);
// The validator set that certifies block `height`: known for every height up to
// core::kValidatorSetChangeDelay past the state's block.
core::ValidatorSet ReadValidatorSet(const State& state, std::uint64_t height);
// Every set with the height it applies from, in height order.
std::vector<std::pair<std::uint64_t, core::ValidatorSet>> ReadValidatorSchedule(const State& state);

// What validating a program definition needs to know of the state: tokens, accounts with their
// roles (a merchant counts as one only with its merchant record), programs.
class StateDirectory final : public policy::Directory {
 public:
  explicit StateDirectory(const State& state) : state_(state) {}
  bool HasToken(std::string_view token) const override;
  std::optional<core::RoleSet> AccountRoles(std::string_view account) const override;
  bool HasProgram(std::string_view program) const override;

 private:
  const State& state_;
};

}  // namespace nuri::ledger
