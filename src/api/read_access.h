// ReadAccess: who may read which of the ledger's records over the API.
//
// The ledger holds every official's spending, so reads are not open to whoever reaches the
// port. A caller from one of the node's operator addresses (its own tools, monitoring and the
// finance systems beside it; loopback unless configured) reads everything. Anyone else reads
// with a wallet session and sees what the session's account may see:
//   - its own account and that account's history: an official's spending, a merchant's takings;
//   - with the admin role, every account of its organization, and every payment under a program
//     its organization owns;
//   - with the auditor role, everything, blocks and metrics included;
//   - with any session, programs and tokens: the rules it spends under, the money it holds.
// Roles are read from the ledger at each request, so a revoked role stops at once; a frozen
// account still sees its own records, never more.
//
// Submitting a signed transaction needs no session: its signature is its authority (the
// admission's reason codes, as spec/ledger.md has them, do say whether a signer exists).
//
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "api/wallet_api.h"
#include "ledger/state.h"
#include "node/node.h"

namespace nuri::api {

// What one caller may read.
class Reader {
 public:
  static Reader Operator() { return Reader(true, {}, {}); }
  static Reader Auditor(std::string account) { return Reader(true, std::move(account), {}); }
  static Reader Admin(std::string account, std::string organization) {
    return Reader(false, std::move(account), std::move(organization));
  }
  static Reader Own(std::string account) { return Reader(false, std::move(account), {}); }

  // Blocks, metrics, and any record.
  bool MaySeeEverything() const { return everything_; }
  bool MaySeeAccount(std::string_view account) const;
  // Every account of the organization, and the payments under its programs.
  bool MaySeeOrganization(std::string_view organization) const {
    return everything_ || (!organization_.empty() && organization == organization_);
  }
  // An organization's admin, who drafts its programs.
  bool IsAdministrator() const { return !organization_.empty(); }
  // A transaction is seen by whoever may see one of the accounts it involves.
  bool MaySeeAnyOf(const std::vector<std::string>& accounts) const;
  // The account the caller signed in as; "" for an operator.
  const std::string& account() const { return account_; }

 private:
  Reader(bool everything, std::string account, std::string organization)
      : everything_(everything),
        account_(std::move(account)),
        organization_(std::move(organization)) {}

  bool everything_;
  std::string account_;
  std::string organization_;  // an admin's, whose accounts it sees
};

// What `account` may read, by its roles on the ledger now.
Reader ReaderOf(const ledger::State& state, const core::AccountId& account);
// Whether the reader may see the payments under `program`: those of an organization it sees.
bool MaySeeProgram(const Reader& reader, const ledger::State& state, std::string_view program);

// The addresses whose callers read as the node's operator, as the server reports them.
inline const std::vector<std::string> kOperatorAddressesDefault{"127.0.0.1", "::1"};

class ReadAccess {
 public:
  // `wallets`: null when the node keeps none, and then only operators read.
  ReadAccess(node::Node& node, WalletApi* wallets,
             std::vector<std::string> operator_addresses = kOperatorAddressesDefault)
      : node_(node), wallets_(wallets), operator_addresses_(std::move(operator_addresses)) {}

  // The reader of a request, or nullopt after answering it 401 UNAUTHENTICATED.
  std::optional<Reader> ReaderOrRefuse(const HttpRequest& request, Responder& respond);

 private:
  bool FromOperator(const std::string& remote_address) const;

  node::Node& node_;
  WalletApi* wallets_;
  const std::vector<std::string> operator_addresses_;
};

// The 403 answer to a reader who may not see what it asked for.
HttpResponse NotYoursResponse(const Reader& reader, std::string_view what);

}  // namespace nuri::api
