#include "api/views.h"

#include "core/json.h"
#include "core/transaction.h"
#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace json = boost::json;

json::object TxStatusView(const node::TxStatus& status) {
  json::object view;
  view["id"] = status.id.ToHex();
  switch (status.state) {
    case node::TxState::kUnknown:
      view["status"] = "unknown";
      break;
    case node::TxState::kPending:
      view["status"] = "pending";
      break;
    case node::TxState::kRefused:
      view["status"] = "refused";
      view["code"] = core::ReasonName(status.refusal);
      break;
    case node::TxState::kCommitted:
      for (auto& [key, value] : core::ReceiptToJson(status.receipt)) view[key] = std::move(value);
      view["height"] = status.height;
      break;
  }
  return view;
}

json::object BlockView(const core::Block& block) {
  const core::BlockHeader& h = block.header;
  json::object view;
  view["height"] = h.height;
  view["hash"] = core::HeaderHash(h).ToHex();
  view["prev_hash"] = h.prev_hash.ToHex();
  view["time"] = core::FormatKoreaTime(h.time);
  view["time_ms"] = h.time;
  view["proposer"] = h.proposer;
  view["tx_root"] = h.tx_root.ToHex();
  view["receipts_root"] = h.receipts_root.ToHex();
  view["state_root"] = h.state_root.ToHex();
  view["validator_set_hash"] = h.validator_set_hash.ToHex();
  json::array ids;
  for (const auto& bytes : block.transactions) {
    auto tx = core::DecodeTransaction(bytes);
    ids.emplace_back(tx ? tx->id.ToHex() : std::string("undecodable"));
  }
  view["transactions"] = std::move(ids);
  json::array certificate;
  for (const auto& signature : block.certificate.signatures) {
    certificate.emplace_back(signature.validator);
  }
  view["signed_by"] = std::move(certificate);
  view["commit_round"] = block.certificate.round;
  return view;
}

json::value AccountView(const ledger::State& state, std::string_view account) {
  const auto record = ledger::ReadAccount(state, account);
  if (!record) return nullptr;
  json::object view;
  view["id"] = account;
  view["roles"] = RolesView(record->roles);
  view["frozen"] = record->frozen;
  json::array keys;
  for (const auto& key : record->keys) keys.emplace_back(key.ToText());
  view["keys"] = std::move(keys);
  view["quorum"] = record->quorum;
  if (record->merchant) {
    view["merchant"] = json::object{{"mcc", record->merchant->mcc},
                                    {"business_no", record->merchant->business_no},
                                    {"name", record->merchant->name}};
  }
  json::object balances;
  const std::string prefix = ledger::BalanceKey(account, "");
  state.Scan(prefix, [&](const std::string& key, const std::string& value) {
    const auto amount = ledger::DecodeI64(value);
    if (amount) balances[key.substr(prefix.size())] = *amount;
    return true;
  });
  view["balances"] = std::move(balances);
  json::object programs;
  for (const auto& program : ledger::ListPrograms(state)) {
    if (const auto holder = ledger::ReadHolder(state, program, account)) {
      programs[program] = json::object{{"balance", holder->balance.won()},
                                       {"granted", holder->granted.won()},
                                       {"paid", holder->paid.won()}};
    }
  }
  view["programs"] = std::move(programs);
  return view;
}

json::object ProgramTotalsView(const ledger::ProgramRecord& record) {
  return json::object{{"funded", record.funded.won()},
                      {"unallocated", record.unallocated.won()},
                      {"granted", record.granted.won()},
                      {"spent", record.spent.won()},
                      {"refunded", record.refunded.won()},
                      {"reclaimed", record.reclaimed.won()},
                      {"returned", record.returned.won()},
                      {"escrow", record.Escrow().value_or(core::Amount()).won()}};
}

json::value ProgramView(const ledger::State& state, std::string_view program) {
  const auto record = ledger::ReadProgram(state, program);
  if (!record) return nullptr;
  const auto definition = ledger::ReadDefinition(state, program, record->version);
  json::object view;
  view["id"] = program;
  view["version"] = record->version;
  view["closed"] = record->closed;
  view["totals"] = ProgramTotalsView(*record);
  view["definition"] = core::ProgramToJson(*definition);
  json::array versions;
  for (std::uint32_t version = 1; version <= record->version; ++version) {
    const auto at = ledger::ReadDefinition(state, program, version);
    versions.push_back(json::object{{"version", version}, {"rules", core::RulesToJson(at->rules)}});
  }
  view["versions"] = std::move(versions);
  return view;
}

json::value TokenView(const ledger::State& state, std::string_view token) {
  const auto record = ledger::ReadToken(state, token);
  if (!record) return nullptr;
  return json::object{{"id", token},
                      {"issuer", record->issuer.str()},
                      {"name", record->name},
                      {"minted", record->minted.won()},
                      {"burned", record->burned.won()},
                      {"supply", record->minted.won() - record->burned.won()}};
}

json::object AdmissionView(const node::Admission& admission) {
  json::object view{{"code", core::ReasonName(admission.code)}, {"message", admission.message}};
  if (!admission.id.IsZero()) view["id"] = admission.id.ToHex();
  return view;
}

json::array RolesView(core::RoleSet roles) {
  json::array names;
  for (const std::string& name : roles.Names()) names.emplace_back(name);
  return names;
}

int HttpStatusForRefusal(core::ReasonCode code) {
  switch (code) {
    case core::ReasonCode::kBadSignature:
      return 401;
    case core::ReasonCode::kUnknownSigner:
      return 403;
    case core::ReasonCode::kDuplicate:
      return 409;
    case core::ReasonCode::kWrongChain:
    case core::ReasonCode::kExpired:
    case core::ReasonCode::kTooFarInFuture:
      return 422;
    case core::ReasonCode::kMempoolFull:
      return 503;
    default:
      return 400;
  }
}

}  // namespace nuri::api
