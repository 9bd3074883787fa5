#include "core/ids.h"

#include "base/limits.h"

namespace nuri::core {

namespace {
bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool ValidName(std::string_view text, std::size_t length_max, bool allow_dot) {
  if (text.empty() || text.size() > length_max) return false;
  if (!IsLowerOrDigit(text.front())) return false;
  for (char c : text) {
    if (IsLowerOrDigit(c) || c == '-' || c == '_') continue;
    if (allow_dot && c == '.') continue;
    return false;
  }
  return true;
}

base::Status Invalid(std::string_view what, std::string_view text, std::string_view rule) {
  return base::Status::InvalidArgument("invalid " + std::string(what) + " '" +
                                       std::string(text.substr(0, 80)) + "': " +
                                       std::string(rule));
}
}  // namespace

base::Result<OrgId> OrgId::Parse(std::string_view text) {
  if (!ValidName(text, base::kOrgIdLengthMax, false)) {
    return base::Error(Invalid("organization id", text,
                               "use 1-24 lower-case letters, digits, '-' or '_'"));
  }
  OrgId id;
  id.text_ = std::string(text);
  return id;
}

base::Result<AccountId> AccountId::Parse(std::string_view text) {
  const auto at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos ||
      !ValidName(text.substr(0, at), base::kAccountNameLengthMax, true) ||
      !ValidName(text.substr(at + 1), base::kOrgIdLengthMax, false)) {
    return base::Error(Invalid("account id", text, "expected name@org in lower case"));
  }
  AccountId id;
  id.text_ = std::string(text);
  return id;
}

std::string_view AccountId::name() const {
  return std::string_view(text_).substr(0, text_.find('@'));
}

std::string_view AccountId::org() const {
  return std::string_view(text_).substr(text_.find('@') + 1);
}

base::Result<TokenId> TokenId::Parse(std::string_view text) {
  bool valid = !text.empty() && text.size() <= base::kTokenIdLengthMax && text.front() >= 'A' &&
               text.front() <= 'Z';
  for (char c : text) {
    valid = valid && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!valid) {
    return base::Error(Invalid("token id", text, "use 1-24 upper-case letters, digits or '-'"));
  }
  TokenId id;
  id.text_ = std::string(text);
  return id;
}

}  // namespace nuri::core
