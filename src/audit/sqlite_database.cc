// SqlDatabase on SQLite: the embedded default, one file. Journal in WAL mode with synchronous
// FULL, so that a committed block survives a crash of the machine, not only of the indexer.
#include <sqlite3.h>

#include <map>

#include "audit/sql_database.h"

namespace nuri::audit {

namespace {

class SqliteDatabase final : public SqlDatabase {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), name_(std::move(path)) {}
  ~SqliteDatabase() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  const std::string& name() const override { return name_; }

  base::Status ExecuteScript(std::string_view sql) override {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return base::Status::Ok();
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Failure(rc, text);
  }

  base::Status Begin() override { return ExecuteScript("BEGIN IMMEDIATE"); }
  base::Status Commit() override { return ExecuteScript("COMMIT"); }
  void Rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  base::Status Execute(std::string_view sql, const std::vector<SqlValue>& values) override {
    auto rows = Run(sql, values, false);
    return rows ? base::Status::Ok() : rows.error();
  }

  base::Result<std::vector<SqlRow>> Query(std::string_view sql,
                                          const std::vector<SqlValue>& values) override {
    return Run(sql, values, true);
  }

 private:
  base::Status Failure(int rc, const std::string& message) const {
    const std::string text = name_ + ": " + message;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return base::Status::Unavailable(text);
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) return base::Status::Corruption(text);
    if (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_CANTOPEN) {
      return base::Status::IoError(text);
    }
    return base::Status::Internal(text);
  }

  base::Result<sqlite3_stmt*> Prepared(std::string_view sql) {
    const std::string key(sql);
    if (auto found = statements_.find(key); found != statements_.end()) return found->second;
    sqlite3_stmt* statement = nullptr;
    const int rc =
        sqlite3_prepare_v2(db_, key.c_str(), static_cast<int>(key.size()), &statement, nullptr);
    if (rc != SQLITE_OK) return base::Error(Failure(rc, sqlite3_errmsg(db_)));
    statements_.emplace(key, statement);
    return statement;
  }

  base::Result<std::vector<SqlRow>> Run(std::string_view sql, const std::vector<SqlValue>& values,
                                        bool want_rows) {
    auto prepared = Prepared(sql);
    if (!prepared) return base::Error(prepared.error());
    sqlite3_stmt* statement = *prepared;
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    if (static_cast<std::size_t>(sqlite3_bind_parameter_count(statement)) != values.size()) {
      return base::Error(base::Status::Internal(
          "statement takes " + std::to_string(sqlite3_bind_parameter_count(statement)) +
          " values, given " + std::to_string(values.size())));
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (const auto* number = std::get_if<std::int64_t>(&values[i])) {
        rc = sqlite3_bind_int64(statement, index, *number);
      } else if (const auto* text = std::get_if<std::string>(&values[i])) {
        rc = sqlite3_bind_text(statement, index, text->data(), static_cast<int>(text->size()),
                               SQLITE_STATIC);
      } else {
        rc = sqlite3_bind_null(statement, index);
      }
      if (rc != SQLITE_OK) return base::Error(Failure(rc, sqlite3_errmsg(db_)));
    }
    std::vector<SqlRow> rows;
    for (;;) {
      const int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        const std::string message = sqlite3_errmsg(db_);
        sqlite3_reset(statement);
        return base::Error(Failure(rc, message));
      }
      if (!want_rows) continue;
      SqlRow row;
      const int columns = sqlite3_column_count(statement);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(statement, c) == SQLITE_NULL) {
          row.emplace_back();
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, c));
          row.emplace_back(
              std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(statement);
    return rows;
  }

  sqlite3* db_;
  std::string name_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

}  // namespace

base::Result<std::unique_ptr<SqlDatabase>> OpenSqlite(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return base::Error(base::Status::Unavailable(path + ": " + message));
  }
  // Auditors' queries read while the indexer writes; a reader waits up to 5 s for a writer.
  sqlite3_busy_timeout(db, 5000);
  auto database = std::make_unique<SqliteDatabase>(db, path);
  if (auto set = database->ExecuteScript(
          "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
      !set.ok()) {
    return base::Error(set);
  }
  return database;
}

}  // namespace nuri::audit
