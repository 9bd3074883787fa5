#include "audit/sql_database.h"

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

std::string RedactedDatabaseUrl(std::string_view url) {
  // postgresql://user:secret@host/db: the password sits between the first ':' after the scheme
  // and the '@' of the authority.
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_begin = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?", authority_begin);
  const std::string_view authority = url.substr(
      authority_begin, authority_end == std::string_view::npos ? std::string_view::npos
                                                               : authority_end - authority_begin);
  const auto at = authority.rfind('@');
  const auto colon = authority.find(':');
  std::string redacted(url);
  if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
    redacted.replace(authority_begin + colon + 1, at - colon - 1, "***");
  }
  // A password may also come as a query parameter.
  if (const auto password = redacted.find("password="); password != std::string::npos) {
    const auto end = redacted.find('&', password);
    redacted.replace(password + 9,
                     (end == std::string::npos ? redacted.size() : end) - password - 9, "***");
  }
  return redacted;
}

}  // namespace nuri::audit
