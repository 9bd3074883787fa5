// JSON views of ledger objects, shared by the API and the CLI so both speak the same shapes.
// Pure functions over values; thread-safe.
#pragma once

#include <boost/json.hpp>

#include "core/block.h"
#include "core/receipt.h"
#include "ledger/ledger.h"
#include "node/node.h"

namespace nuri::api {

// {"id","status":"pending|ok|rejected|refused|unknown","code","rule","message","height",
//  and for program transactions "program","program_version","budget_code","justified"}
boost::json::object TxStatusView(const node::TxStatus& status);
// {"height","hash","prev_hash","time","proposer","tx_root","receipts_root","state_root",
//  "validator_set_hash","transactions":[ids]}
boost::json::object BlockView(const core::Block& block);
// ["approver","holder"]: the names of the roles, in the order of their numbers.
boost::json::array RolesView(core::RoleSet roles);
// {"id","roles","frozen","keys","quorum","merchant","balances":{"KRW-BNK":n},
//  "programs":{"bpe-2026":{"balance","granted","paid"}}} or null when absent.
boost::json::value AccountView(const ledger::State& state, std::string_view account);
// A program's running totals: {"funded","unallocated","granted","spent","refunded",
// "reclaimed","returned","escrow"}.
boost::json::object ProgramTotalsView(const ledger::ProgramRecord& record);
// {"id","version","closed","totals","definition","versions":[{"version","rules"}]} or null.
boost::json::value ProgramView(const ledger::State& state, std::string_view program);
// {"id","issuer","name","minted","burned","supply"} or null.
boost::json::value TokenView(const ledger::State& state, std::string_view token);
// An admission refusal: {"code","message","id"}.
boost::json::object AdmissionView(const node::Admission& admission);
// HTTP status for an admission refusal.
int HttpStatusForRefusal(core::ReasonCode code);

}  // namespace nuri::api
