#include "ledger/executor.h"

#include <algorithm>

#include "base/check.h"
#include "base/limits.h"
#include "ledger/program_bodies.h"
#include "ledger/signatures.h"
#include "ledger/state_view.h"

namespace nuri::ledger {

using core::AccountId;
using core::Amount;
using core::ReasonCode;
using core::Receipt;
using core::ReceiptStatus;
using core::Role;

namespace {

constexpr auto& Reject = core::RejectedReceipt;

Receipt Ok() { return Receipt{}; }

std::string Won(Amount amount) { return amount.ToGrouped() + " won"; }

bool ValidKeys(const std::vector<crypto::PublicKey>& keys, std::uint8_t quorum) {
  if (keys.empty() || keys.size() > base::kAccountKeysMax) return false;
  if (quorum < 1 || quorum > keys.size()) return false;
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
}

}  // namespace

core::ReasonCode CheckIncludable(const State& state, const core::Transaction& tx,
                                 const BlockContext& context) {
  if (tx.chain_id != context.chain_id) return ReasonCode::kWrongChain;
  if (tx.valid_until < context.time) return ReasonCode::kExpired;
  if (tx.valid_until - context.time > base::kValidUntilAheadMillisMax) {
    return ReasonCode::kTooFarInFuture;
  }
  if (state.Find(AccountKey(tx.signer.str())) == nullptr) return ReasonCode::kUnknownSigner;
  if (state.Find(NonceKey(tx.signer.str(), tx.nonce)) != nullptr) return ReasonCode::kDuplicate;
  return ReasonCode::kOk;
}

// Applies one body for a signer (nullptr at genesis, where nothing is authorized) in the block
// at `height`.
class BodyApplier {
 public:
  BodyApplier(StateView& view, const AccountId* signer, const AccountRecord* signer_record,
              std::uint64_t height)
      : view_(view), signer_(signer), signer_record_(signer_record), height_(height) {}

  Receipt operator()(const core::RegisterOrg& b) {
    if (!IsGenesis() && !HasRole(Role::kGovernor)) {
      return NotAuthorized("only a governor registers organizations");
    }
    if (view_.Org(b.org.str())) {
      return Reject(ReasonCode::kAlreadyExists, "organization " + b.org.str() + " already exists");
    }
    view_.PutOrg(b.org.str(), OrgRecord{b.kind, b.name});
    return Ok();
  }

  Receipt operator()(const core::RegisterAccount& b) {
    if (auto refusal = AuthorizeAdministration(b.account, b.roles, core::RoleSet())) {
      return *refusal;
    }
    if (!view_.Org(b.account.org())) {
      return Reject(ReasonCode::kUnknownOrg,
                    "organization " + std::string(b.account.org()) + " is not registered");
    }
    if (view_.Account(b.account.str())) {
      return Reject(ReasonCode::kAlreadyExists, "account " + b.account.str() + " already exists");
    }
    if (!ValidKeys(b.keys, b.quorum)) {
      return Reject(ReasonCode::kInvalidArgument,
                    "an account needs 1 to 8 distinct keys and a quorum between 1 and their count");
    }
    if (b.roles.Has(Role::kMerchant) != b.merchant.has_value()) {
      return Reject(ReasonCode::kInvalidArgument,
                    "a merchant account, and only a merchant account, carries a merchant record");
    }
    view_.PutAccount(b.account.str(), AccountRecord{b.keys, b.quorum, b.roles, false, b.merchant});
    return Ok();
  }

  Receipt operator()(const core::SetRoles& b) {
    auto record = view_.Account(b.account.str());
    if (auto refusal =
            AuthorizeAdministration(b.account, b.roles, record ? record->roles : core::RoleSet())) {
      return *refusal;
    }
    if (!record) return UnknownAccount(b.account);
    if (b.roles.Has(Role::kMerchant) && !record->merchant) {
      return Reject(ReasonCode::kInvalidArgument,
                    "the merchant role needs a merchant record, given at registration");
    }
    record->roles = b.roles;
    view_.PutAccount(b.account.str(), *record);
    return Ok();
  }

  Receipt operator()(const core::SetKeys& b) {
    auto record = view_.Account(b.account.str());
    if (auto refusal = AuthorizeAdministration(b.account, core::RoleSet(), core::RoleSet())) {
      return *refusal;
    }
    if (auto refusal = GuardNetworkRoles(record)) return *refusal;
    if (!record) return UnknownAccount(b.account);
    if (!ValidKeys(b.keys, b.quorum)) {
      return Reject(ReasonCode::kInvalidArgument,
                    "an account needs 1 to 8 distinct keys and a quorum between 1 and their count");
    }
    record->keys = b.keys;
    record->quorum = b.quorum;
    view_.PutAccount(b.account.str(), *record);
    return Ok();
  }

  Receipt operator()(const core::Freeze& b) { return SetFrozen(b.account, true); }
  Receipt operator()(const core::Unfreeze& b) { return SetFrozen(b.account, false); }

  Receipt operator()(const core::DefineToken& b) {
    if (!IsGenesis() && !HasRole(Role::kGovernor)) {
      return NotAuthorized("only a governor defines deposit tokens");
    }
    if (view_.Token(b.token.str())) {
      return Reject(ReasonCode::kAlreadyExists, "token " + b.token.str() + " already exists");
    }
    const auto issuer = view_.Account(b.issuer.str());
    if (!issuer) return UnknownAccount(b.issuer);
    if (!issuer->roles.Has(Role::kIssuer)) {
      return Reject(ReasonCode::kInvalidArgument,
                    b.issuer.str() + " does not have the issuer role");
    }
    view_.PutToken(b.token.str(), TokenRecord{b.issuer, b.name, {}, {}});
    return Ok();
  }

  Receipt operator()(const core::Mint& b) {
    auto token = view_.Token(b.token.str());
    if (!token) return UnknownToken(b.token);
    if (!IsGenesis() && (*signer_ != token->issuer || !HasRole(Role::kIssuer))) {
      return NotAuthorized("only " + token->issuer.str() + ", its issuer, mints " + b.token.str());
    }
    auto recipient = view_.Account(b.to.str());
    if (!recipient) return UnknownAccount(b.to);
    if (recipient->frozen) return Frozen(b.to);
    if (!b.amount.positive()) return InvalidAmount(b.amount);
    const Amount balance = view_.Balance(b.to.str(), b.token.str());
    const auto minted = token->minted.Plus(b.amount);
    const auto new_balance = balance.Plus(b.amount);
    if (!minted || !new_balance) return Overflow(b.amount);
    token->minted = *minted;
    view_.PutToken(b.token.str(), *token);
    view_.PutBalance(b.to.str(), b.token.str(), *new_balance);
    return Ok();
  }

  Receipt operator()(const core::Burn& b) {
    if (IsGenesis()) return NotAuthorized("a genesis has no holder to burn from");
    auto token = view_.Token(b.token.str());
    if (!token) return UnknownToken(b.token);
    if (!b.amount.positive()) return InvalidAmount(b.amount);
    const Amount balance = view_.Balance(signer_->str(), b.token.str());
    if (balance < b.amount) return Insufficient(balance, b.amount, b.token);
    const auto burned = token->burned.Plus(b.amount);
    if (!burned) return Overflow(b.amount);
    token->burned = *burned;
    view_.PutToken(b.token.str(), *token);
    view_.PutBalance(signer_->str(), b.token.str(), *balance.Minus(b.amount));
    return Ok();
  }

  Receipt operator()(const core::Transfer& b) {
    if (IsGenesis()) return NotAuthorized("a genesis has no holder to transfer from");
    if (!b.program.empty()) {
      return Reject(ReasonCode::kTransferNotAllowed,
                    "money of program " + b.program +
                        " can't be transferred; it can only pay an eligible merchant");
    }
    if (!view_.Token(b.token.str())) return UnknownToken(b.token);
    auto recipient = view_.Account(b.to.str());
    if (!recipient) return UnknownAccount(b.to);
    if (recipient->frozen) return Frozen(b.to);
    if (!b.amount.positive()) return InvalidAmount(b.amount);
    const Amount balance = view_.Balance(signer_->str(), b.token.str());
    if (balance < b.amount) return Insufficient(balance, b.amount, b.token);
    if (b.to == *signer_) return Ok();
    const auto received = view_.Balance(b.to.str(), b.token.str()).Plus(b.amount);
    if (!received) return Overflow(b.amount);
    view_.PutBalance(signer_->str(), b.token.str(), *balance.Minus(b.amount));
    view_.PutBalance(b.to.str(), b.token.str(), *received);
    return Ok();
  }

  // Validator set changes apply from kValidatorSetChangeDelay blocks on; several in one block,
  // or in blocks close together, build on each other in order.
  Receipt operator()(const core::AddValidator& b) {
    if (IsGenesis()) return NotAuthorized("a genesis lists its validators");
    if (!HasRole(Role::kGovernor)) return NotAuthorized("only a governor adds validators");
    core::ValidatorSet set = view_.LatestValidatorSet();
    if (set.Find(b.name) != nullptr) {
      return Reject(ReasonCode::kAlreadyExists, "validator " + b.name + " already exists");
    }
    for (const auto& validator : set.validators) {
      if (validator.key == b.key) {
        return Reject(ReasonCode::kAlreadyExists,
                      "validator " + validator.name + " already holds this key");
      }
    }
    if (set.validators.size() >= core::kValidatorsMax) {
      return Reject(
          ReasonCode::kInvalidArgument,
          "a network has at most " + std::to_string(core::kValidatorsMax) + " validators");
    }
    set.validators.push_back({b.name, b.key});
    view_.PutValidatorSet(height_ + core::kValidatorSetChangeDelay, set);
    return Ok();
  }

  Receipt operator()(const core::RemoveValidator& b) {
    if (IsGenesis()) return NotAuthorized("a genesis lists its validators");
    if (!HasRole(Role::kGovernor)) return NotAuthorized("only a governor removes validators");
    core::ValidatorSet set = view_.LatestValidatorSet();
    const auto index = set.IndexOf(b.name);
    if (!index) {
      return Reject(ReasonCode::kUnknownValidator, b.name + " is not a validator");
    }
    if (set.validators.size() == 1) {
      return Reject(ReasonCode::kInvalidArgument,
                    "validator " + b.name + " is the last one; a network needs one");
    }
    set.validators.erase(set.validators.begin() + *index);
    view_.PutValidatorSet(height_ + core::kValidatorSetChangeDelay, set);
    return Ok();
  }

 private:
  bool IsGenesis() const { return signer_ == nullptr; }
  bool HasRole(Role role) const { return signer_record_ && signer_record_->roles.Has(role); }

  // Governors administer every organization; an admin only its own, and neither grants nor
  // removes the network-wide roles (governor, auditor), which only governors hand out.
  std::optional<Receipt> AuthorizeAdministration(const AccountId& account, core::RoleSet wanted,
                                                 core::RoleSet current) {
    if (IsGenesis() || HasRole(Role::kGovernor)) return std::nullopt;
    if (!HasRole(Role::kAdmin) || signer_->org() != account.org()) {
      return NotAuthorized("only a governor or an admin of " + std::string(account.org()) +
                           " manages its accounts");
    }
    for (Role role : {Role::kGovernor, Role::kAuditor}) {
      if (wanted.Has(role) != current.Has(role)) {
        return NotAuthorized("only a governor grants or removes the " +
                             std::string(core::RoleName(role)) + " role");
      }
    }
    return std::nullopt;
  }

  // An admin may not take over, or lock out, an account holding a network-wide role (governor,
  // auditor) by rotating its keys or freezing it: only governors (and, for freezing, auditors) may.
  std::optional<Receipt> GuardNetworkRoles(const std::optional<AccountRecord>& record) {
    if (IsGenesis() || HasRole(Role::kGovernor) || !record) return std::nullopt;
    for (Role role : {Role::kGovernor, Role::kAuditor}) {
      if (record->roles.Has(role)) {
        return NotAuthorized("only a governor manages an account with the " +
                             std::string(core::RoleName(role)) + " role");
      }
    }
    return std::nullopt;
  }

  Receipt SetFrozen(const AccountId& account, bool frozen) {
    const bool admin_of_org = HasRole(Role::kAdmin) && signer_->org() == account.org();
    if (!IsGenesis() && !admin_of_org && !HasRole(Role::kAuditor) && !HasRole(Role::kGovernor)) {
      return NotAuthorized("only an admin of " + std::string(account.org()) +
                           ", an auditor or a governor freezes or unfreezes its accounts");
    }
    auto record = view_.Account(account.str());
    if (!HasRole(Role::kAuditor)) {
      if (auto refusal = GuardNetworkRoles(record)) return *refusal;
    }
    if (!record) return UnknownAccount(account);
    record->frozen = frozen;
    view_.PutAccount(account.str(), *record);
    return Ok();
  }

  Receipt NotAuthorized(std::string why) {
    return Reject(ReasonCode::kNotAuthorized, (signer_ ? signer_->str() : std::string("genesis")) +
                                                  " is not authorized: " + why);
  }
  static Receipt UnknownAccount(const AccountId& account) {
    return Reject(ReasonCode::kUnknownAccount, "account " + account.str() + " does not exist");
  }
  static Receipt UnknownToken(const core::TokenId& token) {
    return Reject(ReasonCode::kUnknownToken, "token " + token.str() + " is not defined");
  }
  static Receipt Frozen(const AccountId& account) {
    return Reject(ReasonCode::kAccountFrozen,
                  "account " + account.str() + " is frozen pending review");
  }
  static Receipt InvalidAmount(Amount amount) {
    return Reject(ReasonCode::kInvalidAmount,
                  "the amount must be a positive number of won, not " + amount.ToGrouped());
  }
  static Receipt Overflow(Amount amount) {
    return Reject(ReasonCode::kInvalidAmount,
                  "an amount of " + Won(amount) + " would overflow the ledger's counters");
  }
  Receipt Insufficient(Amount balance, Amount needed, const core::TokenId& token) {
    return Reject(ReasonCode::kInsufficientFunds, signer_->str() + " holds " + Won(balance) +
                                                      " in " + token.str() + "; " + Won(needed) +
                                                      " is needed");
  }

  StateView& view_;
  const AccountId* signer_;
  const AccountRecord* signer_record_;
  std::uint64_t height_;
};

Executor::Executor(State& state) : state_(state) {
  state_.Scan(kNoncePrefix, [&](const std::string& key, const std::string& value) {
    const auto valid_until = DecodeI64(value);
    NURI_CHECK(valid_until.has_value());
    nonce_expiry_[*valid_until].push_back(key);
    return true;
  });
}

void Executor::AddNonceExpiry(core::TimeMillis valid_until, std::string key) {
  if (state_.undoing()) expiry_added_.emplace_back(valid_until, key);
  nonce_expiry_[valid_until].push_back(std::move(key));
}

void Executor::RemoveNonceExpiry(core::TimeMillis valid_until, std::string_view key) {
  const auto at = nonce_expiry_.find(valid_until);
  if (at == nonce_expiry_.end()) return;
  std::vector<std::string>& keys = at->second;
  // The latest added is the one taken back first (Rollback); any other is a linear search.
  const auto listed =
      keys.back() == key ? keys.end() - 1 : std::find(keys.begin(), keys.end(), key);
  if (listed == keys.end()) return;
  keys.erase(listed);
  if (keys.empty()) nonce_expiry_.erase(at);
}

std::vector<std::string> Executor::TakeExpiredNonces(core::TimeMillis time) {
  std::vector<std::string> expired;
  while (!nonce_expiry_.empty() && nonce_expiry_.begin()->first < time) {
    auto node = nonce_expiry_.extract(nonce_expiry_.begin());
    if (state_.undoing()) {
      std::vector<std::string>& kept = expiry_removed_[node.key()];
      kept.insert(kept.end(), node.mapped().begin(), node.mapped().end());
    }
    for (std::string& key : node.mapped()) expired.push_back(std::move(key));
  }
  return expired;
}

void Executor::BeginBlock(const BlockContext& context) {
  NURI_CHECK(context.time >= context_.time);
  context_ = context;
  for (const std::string& key : TakeExpiredNonces(context.time)) state_.Erase(key);
}

void Executor::BeginUndo() {
  state_.BeginUndo();
  context_before_undo_ = context_;
}

void Executor::Rollback() {
  state_.Rollback();
  context_ = context_before_undo_;
  for (auto it = expiry_added_.rbegin(); it != expiry_added_.rend(); ++it) {
    RemoveNonceExpiry(it->first, it->second);
  }
  // What was pruned had expired before anything added since: each time comes back whole.
  for (auto& [valid_until, keys] : expiry_removed_) {
    std::vector<std::string>& restored = nonce_expiry_[valid_until];
    keys.insert(keys.end(), std::make_move_iterator(restored.begin()),
                std::make_move_iterator(restored.end()));
    restored = std::move(keys);
  }
  expiry_added_.clear();
  expiry_removed_.clear();
}

void Executor::ApplyBlock(const BlockContext& context, const std::vector<StateChange>& changes) {
  NURI_CHECK(!state_.undoing());
  NURI_CHECK(context.time >= context_.time);
  context_ = context;
  // Executing the block began by pruning the nonces expired by its time: its changes erase them.
  TakeExpiredNonces(context.time);
  for (const StateChange& change : changes) {
    // Nonces are the executor's to prune: its index follows their entries.
    if (ParseNonceKey(change.key)) {
      if (const std::string* before = state_.Find(change.key)) {
        const auto valid_until = DecodeI64(*before);
        NURI_CHECK(valid_until.has_value());
        RemoveNonceExpiry(*valid_until, change.key);
      }
      if (change.value) {
        const auto valid_until = DecodeI64(*change.value);
        NURI_CHECK(valid_until.has_value());
        AddNonceExpiry(*valid_until, change.key);
      }
    }
    if (change.value) {
      state_.Put(change.key, *change.value);
    } else {
      state_.Erase(change.key);
    }
  }
  state_.TakeChanges();  // the block's write batch holds them already
}

std::expected<Receipt, ReasonCode> Executor::Execute(const core::SignedTransaction& signed_tx) {
  const core::Transaction& tx = signed_tx.tx;
  if (const ReasonCode includable = CheckIncludable(state_, tx, context_);
      includable != ReasonCode::kOk) {
    return std::unexpected(includable);
  }
  const std::string nonce_key = NonceKey(tx.signer.str(), tx.nonce);
  state_.Put(nonce_key, EncodeI64(tx.valid_until));
  AddNonceExpiry(tx.valid_until, nonce_key);

  StateView view(state_, &definitions_);
  const auto signer = view.Account(tx.signer.str());
  NURI_CHECK(signer.has_value());
  Receipt receipt;
  if (!SignedByQuorum(tx, *signer)) {
    // The keys were rotated between admission and this block.
    receipt = Reject(ReasonCode::kNotAuthorized, "the signatures are not by a quorum of " +
                                                     tx.signer.str() + "'s current keys");
  } else if (signer->frozen) {
    receipt = Reject(ReasonCode::kAccountFrozen,
                     "account " + tx.signer.str() + " is frozen pending review");
  } else {
    receipt = std::visit(
        [&](const auto& body) {
          if constexpr (kIsProgramBody<std::decay_t<decltype(body)>>) {
            return ProgramBodies(view, context_.time, Actor{&signed_tx, &*signer})(body);
          } else {
            return BodyApplier(view, &tx.signer, &*signer, context_.height)(body);
          }
        },
        tx.body);
  }
  receipt.tx_id = signed_tx.id;
  return receipt;
}

Receipt Executor::ApplyGenesis(const core::Body& body) {
  StateView view(state_, &definitions_);
  return std::visit(
      [&](const auto& b) {
        if constexpr (kIsProgramBody<std::decay_t<decltype(b)>>) {
          return ProgramBodies(view, context_.time, Actor{})(b);
        } else {
          return BodyApplier(view, nullptr, nullptr, 0)(b);
        }
      },
      body);
}

}  // namespace nuri::ledger
