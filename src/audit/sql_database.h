// SqlDatabase: the SQL database the indexer writes auditors' tables to (docs/audit-sql.md):
// SQLite, embedded, by default, or an institution's PostgreSQL server.
//
// Statements use $1, $2, ... for their parameters in both (SQLite reads "$1" as a parameter's
// name, numbered in order of first use, so each statement names its parameters once, in order).
// Each distinct statement text is prepared once per connection and reused.
//
// Not thread-safe: one connection, used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace nuri::audit {

enum class SqlDialect { kSqlite, kPostgres };

// A statement's parameter: NULL, an integer, or text.
using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;
// One row of a query's answer, each column as text; NULL is nullopt.
using SqlRow = std::vector<std::optional<std::string>>;

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;

  virtual SqlDialect dialect() const = 0;
  // Where it is, for messages: the file, or host, port and database (never a password).
  virtual const std::string& name() const = 0;

  // Statements without parameters, separated by ';' (the schema).
  virtual base::Status ExecuteScript(std::string_view sql) = 0;

  // One transaction at a time: what runs between Begin and Commit is written all or nothing.
  virtual base::Status Begin() = 0;
  virtual base::Status Commit() = 0;
  // Undoes what the open transaction did; nothing when none is open.
  virtual void Rollback() = 0;

  virtual base::Status Execute(std::string_view sql, const std::vector<SqlValue>& values) = 0;
  virtual base::Result<std::vector<SqlRow>> Query(std::string_view sql,
                                                  const std::vector<SqlValue>& values) = 0;
};

// "sqlite:PATH" (the file is made when missing) or "postgresql://..." / "postgres://..." (a
// libpq connection URI). InvalidArgument for any other form, Unavailable when the database
// cannot be opened or reached.
base::Result<std::unique_ptr<SqlDatabase>> OpenSqlDatabase(std::string_view url);

base::Result<std::unique_ptr<SqlDatabase>> OpenSqlite(const std::string& path);
base::Result<std::unique_ptr<SqlDatabase>> OpenPostgres(const std::string& uri);

// The URI without its passwords, for logs and messages.
std::string RedactedDatabaseUrl(std::string_view url);
// `message` with any password of `url` in it replaced: libpq quotes parts of a URI it cannot
// read, which may be a password.
std::string WithoutPasswords(std::string message, std::string_view url);

}  // namespace nuri::audit
