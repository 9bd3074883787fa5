#include "api/read_access.h"

#include <algorithm>

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

std::optional<Reader> ReadAccess::ReaderOrRefuse(const HttpRequest& request, Responder& respond) {
  if (std::ranges::find(operator_addresses_, request.remote_address) != operator_addresses_.end()) {
    return Reader::Operator();
  }
  if (wallets_ == nullptr) {
    respond(ErrorResponse(401, "UNAUTHENTICATED",
                          "this node serves the ledger to its operator only: read it with a "
                          "session at a node that keeps wallets"));
    return std::nullopt;
  }
  const auto session = wallets_->SessionOrRefuse(request, respond);
  if (!session) return std::nullopt;
  return ReaderFor(session->account);
}

Reader ReadAccess::ReaderFor(const core::AccountId& account) const {
  const std::string id = account.str();
  const auto record = node_.Read(
      [&](const ledger::Ledger& ledger) { return ledger::ReadAccount(ledger.state(), id); });
  if (!record || record->frozen) return Reader::Own(id);
  if (record->roles.Has(core::Role::kAuditor)) return Reader::Auditor(id);
  if (record->roles.Has(core::Role::kAdmin)) return Reader::Admin(id, std::string(account.org()));
  return Reader::Own(id);
}

HttpResponse NotYoursResponse(const Reader& reader, std::string_view what) {
  return ErrorResponse(403, "FORBIDDEN", reader.account() + " may not see " + std::string(what));
}

}  // namespace nuri::api
