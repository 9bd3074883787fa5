// SqlIndexer: committed blocks into SQL tables that auditors query with the tools they know
// (docs/audit-sql.md has the schema and example queries): blocks, transactions, receipts,
// payments, organizations, accounts, merchants, tokens, programs and their versions, and the
// compliance monitor's alerts.
//
// Each block is written in one SQL transaction together with the height it brings the index to
// (table nuri_index), so an indexer stopped at any moment, kill -9 included, resumes after the
// last block it wrote, with no block missing and none written twice.
//
// Before a block is written it is checked against what the index already holds: it is the next
// height of the same chain, links to the last block's hash, and its transactions and receipts
// hash to the roots its header commits to; its commit certificate is the node's to check (the
// indexer follows a node its institution runs). The tables that hold the ledger's records as
// they now stand (accounts, programs, ...) are kept from the bodies of accepted transactions, so
// they are a function of the chain up to the indexed height, whichever node served it.
//
// Not thread-safe: one indexer per database connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/monitor.h"
#include "audit/sql_database.h"
#include "base/status.h"
#include "core/block.h"
#include "core/receipt.h"
#include "core/transaction.h"
#include "ledger/genesis.h"

namespace nuri::audit {

// The version of the tables' layout that nuri_index records; a database of another version is
// refused rather than written wrongly.
inline constexpr int kSqlSchemaVersion = 1;

class SqlIndexer {
 public:
  // Creates the tables when they are missing and writes the genesis as block 0. Refuses
  // (FailedPrecondition) a database that indexes another chain, or a schema of another version.
  static base::Result<std::unique_ptr<SqlIndexer>> Open(SqlDatabase& db,
                                                        const ledger::Genesis& genesis);
  SqlIndexer(const SqlIndexer&) = delete;
  SqlIndexer& operator=(const SqlIndexer&) = delete;

  // The last block written: 0 when only the genesis is.
  std::uint64_t height() const { return height_; }

  // Writes `block`, which must be height() + 1, with its receipts and the alerts the monitor
  // raised on it. Corruption when the block is not the chain's next one or does not hash to
  // its header; the database's error otherwise. Either way nothing of it is written.
  base::Status AddBlock(const core::Block& block, const std::vector<core::Receipt>& receipts,
                        const std::vector<Alert>& alerts);

 private:
  // What payments need of a program, looked up once per program.
  struct ProgramFacts {
    std::string token;
    std::string ministry;  // the owner's organization
    std::string budget_code;
  };

  SqlIndexer(SqlDatabase& db, std::string chain_id, std::uint64_t height, crypto::Hash hash)
      : db_(db), chain_id_(std::move(chain_id)), height_(height), block_hash_(hash) {}

  base::Status WriteGenesis(const ledger::Genesis& genesis, const core::BlockHeader& header);
  base::Status WriteBlock(const core::Block& block, const crypto::Hash& hash,
                          const std::vector<core::SignedTransaction>& transactions,
                          const std::vector<core::Receipt>& receipts,
                          const std::vector<Alert>& alerts);
  base::Status WriteHeader(const core::BlockHeader& header, const crypto::Hash& hash,
                           const core::CommitCertificate& certificate);
  base::Status WriteTransaction(const core::BlockHeader& header, std::uint32_t position,
                                const core::SignedTransaction& tx, const core::Receipt& receipt);
  base::Status WritePayment(const core::BlockHeader& header, std::uint32_t position,
                            const core::SignedTransaction& tx, const core::Receipt& receipt);
  // The records an accepted body changes: accounts, programs, ...
  base::Status ApplyBody(const core::Body& body, std::uint64_t height);
  base::Status WriteAlert(const Alert& alert);
  base::Status WriteProgress(std::uint64_t height, const crypto::Hash& hash);

  base::Result<std::optional<ProgramFacts>> FactsOf(const std::string& program);
  base::Result<std::optional<std::string>> CategoryOf(const std::string& merchant);

  SqlDatabase& db_;
  std::string chain_id_;
  std::uint64_t height_;
  crypto::Hash block_hash_;
  // Read from the tables, kept while they hold; dropped whenever a block's write fails, since
  // what that block added is gone with it.
  std::map<std::string, std::optional<ProgramFacts>> programs_;
  std::map<std::string, std::optional<std::string>> categories_;
};

}  // namespace nuri::audit
