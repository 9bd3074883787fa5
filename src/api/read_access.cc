#include "api/read_access.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "api/json_response.h"
#include "ledger/state_view.h"

namespace nuri::api {

bool Reader::MaySeeAccount(std::string_view account) const {
  if (everything_ || account == account_) return true;
  if (organization_.empty()) return false;
  const auto id = core::AccountId::Parse(account);
  return id && id->org() == organization_;
}

bool Reader::MaySeeAnyOf(const std::vector<std::string>& accounts) const {
  return std::ranges::any_of(accounts,
                             [this](const std::string& account) { return MaySeeAccount(account); });
}

Reader ReaderOf(const ledger::State& state, const core::AccountId& account) {
  std::string id = account.str();
  const auto record = ledger::ReadAccount(state, id);
  if (!record || record->frozen) return Reader::Own(std::move(id));
  if (record->roles.Has(core::Role::kAuditor)) return Reader::Auditor(std::move(id));
  if (record->roles.Has(core::Role::kAdmin)) {
    return Reader::Admin(std::move(id), std::string(account.org()));
  }
  return Reader::Own(std::move(id));
}

bool MaySeeProgram(const Reader& reader, const ledger::State& state, std::string_view program) {
  if (reader.MaySeeEverything()) return true;
  if (!reader.IsAdministrator() || program.empty()) return false;
  const auto record = ledger::ReadProgram(state, program);
  if (!record) return false;
  const auto definition = ledger::ReadDefinition(state, program, record->version);
  return definition != nullptr && reader.MaySeeOrganization(definition->owner.org());
}

// A listener on "::" reports an IPv4 client as "::ffff:127.0.0.1": the operator list names it
// as "127.0.0.1".
bool ReadAccess::FromOperator(const std::string& remote_address) const {
  boost::system::error_code error;
  auto address = boost::asio::ip::make_address(remote_address, error);
  if (error) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return std::ranges::find(operator_addresses_, address.to_string()) != operator_addresses_.end();
}

std::optional<Reader> ReadAccess::ReaderOrRefuse(const HttpRequest& request, Responder& respond) {
  if (FromOperator(request.remote_address)) return Reader::Operator();
  if (wallets_ == nullptr) {
    respond(ErrorResponse(401, "UNAUTHENTICATED",
                          "this node serves the ledger to its operator only: read it with a "
                          "session at a node that keeps wallets"));
    return std::nullopt;
  }
  const auto session = wallets_->SessionOrRefuse(request, respond);
  if (!session) return std::nullopt;
  return node_.Read(
      [&](const ledger::Ledger& ledger) { return ReaderOf(ledger.state(), session->account); });
}

HttpResponse NotYoursResponse(const Reader& reader, std::string_view what) {
  return ErrorResponse(403, "FORBIDDEN", reader.account() + " may not see " + std::string(what));
}

}  // namespace nuri::api
