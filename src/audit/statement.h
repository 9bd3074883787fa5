// Account statements for banks and the treasury's accounting system (docs/audit.md,
// "Statements"): the movements of one account's plain balance of one deposit token over a
// period of Korea days, with its balance at the period's start and end, as an ISO 20022
// camt.053 bank-to-customer statement. Program balances are not plain money (spec/ledger.md)
// and have no statement: what a holder spends is in the payments export.
//
// Pure functions of committed transactions, their receipts and a state at or after them (for
// what a transaction does not say: a program's token, what a closed program returned, which
// program a refunded payment was under).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/receipt.h"
#include "core/time.h"
#include "core/transaction.h"
#include "ledger/state.h"

namespace nuri::audit {

struct StatementEntry {
  std::string tx_id;
  std::uint64_t height = 0;
  std::uint32_t index = 0;  // in its block
  core::TimeMillis time = 0;
  // mint | burn | transfer | fund_program | close_program | pay | refund
  std::string kind;
  bool credit = false;
  std::int64_t amount_won = 0;
  // The other side: an account, or "program ID" for money into or out of a program's escrow.
  std::string counterparty;
  std::string memo;  // a transfer's memo; for a program's movements, "program ID"
};

// How an accepted `tx` moved `account`'s plain balance of `token`; nullopt when it did not.
std::optional<StatementEntry> MovementOf(const core::SignedTransaction& tx,
                                         const core::Receipt& receipt, std::string_view account,
                                         std::string_view token, const ledger::State& state);

struct Statement {
  std::string chain_id;
  std::string account;
  std::string token;
  std::string bank;       // the organization of the token's issuer
  std::string bank_name;  // its name on the ledger
  core::LocalDate from;
  core::LocalDate to;
  std::uint64_t first_height = 1;  // the blocks of the period (first > last: none)
  std::uint64_t last_height = 0;
  std::uint64_t as_of_height = 0;  // the last block read
  core::TimeMillis as_of_time = 0;
  // The period is over: a block of a later day is committed. Until then the closing balance is
  // an interim one.
  bool complete = false;
  std::int64_t opening_won = 0;
  std::int64_t closing_won = 0;
  std::vector<StatementEntry> entries;  // oldest first
};

// The period's credits and debits, each summed; nullopt when a sum overflows.
struct StatementTotals {
  std::int64_t credits_won = 0;
  std::int64_t debits_won = 0;
  std::size_t credit_count = 0;
};
std::optional<StatementTotals> TotalsOf(const std::vector<StatementEntry>& entries);

// camt.053.001.08, UTF-8. Everything in it is derived from the statement, its creation time
// included (the period's end, or for an interim statement its last block's time), so that any
// node renders the same bytes for the same statement. Needs TotalsOf(entries).
std::string StatementCamt053(const Statement& statement);

// The statement's identifier (at most 35 characters, as ISO 20022 allows): a digest of the
// chain, account, token, period and its last block (for an interim statement, the last block
// read), so that a complete statement keeps its id however often it is read.
std::string StatementId(const Statement& statement);

}  // namespace nuri::audit
