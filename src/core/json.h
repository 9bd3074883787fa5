// The JSON form of transactions, as the API, the CLI and scenario files speak it.
//
// A body is an object with `type` and the fields of docs/ledger.md
// ({"type":"transfer","token":"KRW-BNK","to":"kim@moef","amount":1000}). Amounts are integers
// or decimal strings of whole won. Faults name the JSON path of the field
// ("tx.amount: expected an integer amount of won"). A full envelope adds chain_id, signer,
// nonce, valid_until (RFC 3339 or milliseconds) and signatures (hex). Conversions are lossless:
// FromJson(ToJson(tx)) encodes to the same bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "base/status.h"
#include "core/program.h"
#include "core/receipt.h"
#include "core/transaction.h"

namespace nuri::core {

// A JSON fault: the path of the field and what is wrong with it.
struct JsonFault {
  std::string field;
  std::string message;
  ReasonCode code = ReasonCode::kMalformed;  // INVALID_AMOUNT for an amount out of range
  std::string ToString() const { return field.empty() ? message : field + ": " + message; }
};

template <typename T>
using JsonResult = std::expected<T, JsonFault>;

// `path` prefixes field names in faults ("steps[3].tx").
JsonResult<Body> BodyFromJson(const boost::json::value& value, std::string_view path);
boost::json::object BodyToJson(const Body& body);

JsonResult<Transaction> TransactionFromJson(const boost::json::value& value);
boost::json::object TransactionToJson(const Transaction& tx);

// A receipt's verdict as the API shows it: status; code, rule and message when rejected; the
// program, its version and budget code; the rules passed only by justification.
boost::json::object ReceiptToJson(const Receipt& receipt);

// Program definitions (docs/programs.md): every fault found, each with its path. `allow_type`
// lets the object also carry "type" (a define_program body).
std::expected<ProgramDefinition, std::vector<JsonFault>> ProgramFromJson(
    const boost::json::value& value, std::string_view path, bool allow_type = false);
std::expected<std::vector<Rule>, std::vector<JsonFault>> RulesFromJson(
    const boost::json::value& value, std::string_view path);
boost::json::object ProgramToJson(const ProgramDefinition& program);
boost::json::array RulesToJson(const std::vector<Rule>& rules);
boost::json::object RuleToJson(const Rule& rule);

// Reads an amount of won: an integer, or a string of decimal digits; out of range is
// INVALID_AMOUNT.
JsonResult<Amount> AmountFromJson(const boost::json::value& value, std::string_view path);

// JSON text for people to read: two spaces a level, one member or element a line, a final
// newline.
std::string SerializeIndented(const boost::json::value& value);

// Parses JSON text with the size and depth limits of external input.
base::Result<boost::json::value> ParseJsonText(std::string_view text);

}  // namespace nuri::core
