#include "audit/sql_database.h"

#include <algorithm>
#include <utility>

namespace nuri::audit {

base::Result<std::unique_ptr<SqlDatabase>> OpenSqlDatabase(std::string_view url) {
  if (url.starts_with("sqlite:")) {
    const std::string path(url.substr(7));
    if (path.empty())
      return base::Error(base::Status::InvalidArgument("sqlite: needs a file path"));
    return OpenSqlite(path);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return OpenPostgres(std::string(url));
  }
  return base::Error(base::Status::InvalidArgument(
      "a database is sqlite:PATH or postgresql://USER@HOST:PORT/DATABASE, not '" +
      RedactedDatabaseUrl(url) + "'"));
}

namespace {

// Where the URI's password is: [begin, end) of the user information's password (libpq, like
// this, reads user information up to an '@' before the first '/', so a '?' may be in it), and
// of a "password=" parameter's value.
std::vector<std::pair<std::size_t, std::size_t>> PasswordSpans(std::string_view url) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return spans;
  const auto authority_begin = scheme_end + 3;
  const auto slash = url.find('/', authority_begin);
  const auto at = url.substr(0, slash).rfind('@');
  if (at != std::string_view::npos && at > authority_begin) {
    const auto colon = url.find(':', authority_begin);
    if (colon != std::string_view::npos && colon < at) spans.emplace_back(colon + 1, at);
  }
  for (auto found = url.find("password=", authority_begin); found != std::string_view::npos;
       found = url.find("password=", found + 9)) {
    if (url[found - 1] != '?' && url[found - 1] != '&') continue;
    const auto end = url.find('&', found);
    spans.emplace_back(found + 9, end == std::string_view::npos ? url.size() : end);
  }
  return spans;
}

}  // namespace

std::string RedactedDatabaseUrl(std::string_view url) {
  std::string redacted(url);
  auto spans = PasswordSpans(url);
  // From the last, so that earlier positions hold.
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a > b; });
  for (const auto& [begin, end] : spans) redacted.replace(begin, end - begin, "***");
  return redacted;
}

std::string WithoutPasswords(std::string message, std::string_view url) {
  for (const auto& [begin, end] : PasswordSpans(url)) {
    const std::string_view password = url.substr(begin, end - begin);
    if (password.empty()) continue;
    for (auto found = message.find(password); found != std::string::npos;
         found = message.find(password, found + 3)) {
      message.replace(found, password.size(), "***");
    }
  }
  return message;
}

}  // namespace nuri::audit
