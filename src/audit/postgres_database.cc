// SqlDatabase on PostgreSQL through libpqxx: an institution's own server, where its auditors
// already run their queries. Parameters travel as text, and the server reads each as the type
// its column or expression needs.
#include <libpq-fe.h>

#include <map>
#include <pqxx/pqxx>

#include "audit/sql_database.h"

namespace nuri::audit {

namespace {

class PostgresDatabase final : public SqlDatabase {
 public:
  PostgresDatabase(std::unique_ptr<pqxx::connection> connection, std::string uri)
      : connection_(std::move(connection)),
        uri_(std::move(uri)),
        name_(RedactedDatabaseUrl(uri_)) {}
  ~PostgresDatabase() override { Rollback(); }

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  const std::string& name() const override { return name_; }

  base::Status ExecuteScript(std::string_view sql) override {
    return Guarded([&] {
      if (work_) {
        work_->exec(std::string(sql));
      } else {
        pqxx::nontransaction once(*connection_);
        once.exec(std::string(sql));
      }
    });
  }

  base::Status Begin() override {
    if (work_) return base::Status::Internal(name_ + ": a transaction is already open");
    return Guarded([&] { work_ = std::make_unique<pqxx::work>(*connection_); });
  }

  base::Status Commit() override {
    if (!work_) return base::Status::Internal(name_ + ": no transaction is open");
    auto status = Guarded([&] { work_->commit(); });
    work_.reset();
    return status;
  }

  void Rollback() override {
    if (!work_) return;
    try {
      work_->abort();
    } catch (const std::exception&) {
      // The connection is gone; so is the transaction.
    }
    work_.reset();
  }

  base::Status Execute(std::string_view sql, const std::vector<SqlValue>& values) override {
    auto rows = Run(sql, values);
    return rows ? base::Status::Ok() : rows.error();
  }

  base::Result<std::vector<SqlRow>> Query(std::string_view sql,
                                          const std::vector<SqlValue>& values) override {
    return Run(sql, values);
  }

 private:
  template <typename Action>
  base::Status Guarded(const Action& action) {
    try {
      action();
      return base::Status::Ok();
    } catch (const pqxx::broken_connection& e) {
      return base::Status::Unavailable(Described(e.what()));
    } catch (const pqxx::in_doubt_error& e) {
      // The connection broke during COMMIT: whether the block went in, the index's own
      // height says once the database is back.
      return base::Status::Unavailable(Described(e.what()));
    } catch (const pqxx::sql_error& e) {
      return base::Status::Internal(
          Described(std::string(e.what()) + " (SQLSTATE " + e.sqlstate() + ")"));
    } catch (const std::exception& e) {
      return base::Status::Internal(Described(e.what()));
    }
  }

  std::string Described(const std::string& message) const {
    return name_ + ": " + WithoutPasswords(message, uri_);
  }

  // The name a statement is prepared under on this connection.
  const std::string& Prepared(std::string_view sql) {
    const std::string key(sql);
    if (auto found = statements_.find(key); found != statements_.end()) return found->second;
    std::string statement = "nuri_" + std::to_string(statements_.size() + 1);
    connection_->prepare(statement, key);
    return statements_.emplace(key, std::move(statement)).first->second;
  }

  base::Result<std::vector<SqlRow>> Run(std::string_view sql, const std::vector<SqlValue>& values) {
    std::vector<std::string> texts(values.size());
    std::vector<const char*> parameters(values.size(), nullptr);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (const auto* number = std::get_if<std::int64_t>(&values[i])) {
        texts[i] = std::to_string(*number);
        parameters[i] = texts[i].c_str();
      } else if (const auto* text = std::get_if<std::string>(&values[i])) {
        parameters[i] = text->c_str();
      }
    }
    std::vector<SqlRow> rows;
    auto status = Guarded([&] {
      const std::string& statement = Prepared(sql);
      const auto parameter_list = pqxx::prepare::make_dynamic_params(parameters);
      pqxx::result result;
      if (work_) {
        result = work_->exec_prepared(statement, parameter_list);
      } else {
        pqxx::nontransaction once(*connection_);
        result = once.exec_prepared(statement, parameter_list);
      }
      for (const auto& found : result) {
        SqlRow row;
        for (const auto& field : found) {
          if (field.is_null()) {
            row.emplace_back();
          } else {
            row.emplace_back(std::string(field.c_str(), field.size()));
          }
        }
        rows.push_back(std::move(row));
      }
    });
    if (!status.ok()) return base::Error(status);
    return rows;
  }

  std::unique_ptr<pqxx::connection> connection_;
  std::string uri_;   // kept to scrub its password out of libpq's messages
  std::string name_;  // without the password
  std::unique_ptr<pqxx::work> work_;
  std::map<std::string, std::string, std::less<>> statements_;
};

}  // namespace

base::Result<std::unique_ptr<SqlDatabase>> OpenPostgres(const std::string& uri) {
  const std::string name = RedactedDatabaseUrl(uri);
  // A URI libpq cannot read is the caller's to fix, not a server to wait for.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error);
  if (options == nullptr) {
    const std::string message = parse_error != nullptr ? parse_error : "out of memory";
    PQfreemem(parse_error);
    return base::Error(base::Status::InvalidArgument(name + ": " + WithoutPasswords(message, uri)));
  }
  PQconninfoFree(options);
  try {
    auto connection = std::make_unique<pqxx::connection>(uri);
    // Quiet the server's notices ("relation already exists, skipping") in the indexer's log.
    pqxx::nontransaction(*connection).exec("SET client_min_messages TO WARNING");
    return std::unique_ptr<SqlDatabase>(
        std::make_unique<PostgresDatabase>(std::move(connection), uri));
  } catch (const pqxx::broken_connection& e) {
    return base::Error(base::Status::Unavailable(name + ": " + WithoutPasswords(e.what(), uri)));
  } catch (const std::exception& e) {
    return base::Error(
        base::Status::InvalidArgument(name + ": " + WithoutPasswords(e.what(), uri)));
  }
}

}  // namespace nuri::audit
