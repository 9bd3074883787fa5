#include "cli/scenario.h"

#include <filesystem>
#include <map>
#include <set>

#include "api/views.h"
#include "base/clock.h"
#include "cli/args.h"
#include "core/json.h"
#include "crypto/key_file.h"
#include "ledger/invariants.h"
#include "ledger/state_view.h"
#include "node/node.h"
#include "storage/kv_store.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view kScenarioValidator = "scenario-validator";

struct Fault {
  std::string path;
  std::string message;
};

struct Step {
  std::string id;
  bool is_query = false;
  // Transaction steps.
  core::AccountId signer;
  core::Body body;
  core::TimeMillis time = 0;
  std::optional<std::uint64_t> nonce;
  std::optional<core::TimeMillis> valid_until;
  std::vector<core::AccountId> cosigners;
  std::string refunded_step;  // a refund naming its payment by step id
  // Query steps.
  json::object query;
  std::optional<json::object> expect;
};

struct Scenario {
  std::string file;
  ledger::Genesis genesis;
  std::vector<Step> steps;
};

using ScenarioResult = std::expected<Scenario, Fault>;

std::unexpected<Fault> Bad(std::string path, std::string message) {
  return std::unexpected(Fault{std::move(path), std::move(message)});
}

const json::string* StringField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value ? value->if_string() : nullptr;
}

std::expected<std::optional<json::object>, Fault> ReadExpect(const json::object& step,
                                                             const std::string& path,
                                                             bool is_query) {
  const json::value* expect = step.if_contains("expect");
  if (expect == nullptr) return std::optional<json::object>();
  if (!expect->is_object()) return Bad(path + ".expect", "expected an object");
  const json::object& object = expect->get_object();
  if (!is_query) {
    const json::string* status = StringField(object, "status");
    if (status == nullptr || (*status != "ok" && *status != "rejected" && *status != "refused")) {
      return Bad(path + ".expect.status", "expected ok, rejected or refused");
    }
    if (const json::value* code = object.if_contains("code")) {
      if (!code->is_string() || !core::ReasonFromName(code->get_string())) {
        return Bad(path + ".expect.code", "unknown reason code");
      }
    }
  }
  return std::optional<json::object>(object);
}

std::expected<Step, Fault> ReadQueryStep(const json::object& object, const std::string& path) {
  Step step;
  step.is_query = true;
  const json::value* query = object.if_contains("query");
  if (!query->is_object()) return Bad(path + ".query", "expected an object");
  step.query = query->get_object();
  const json::string* type = StringField(step.query, "type");
  if (type == nullptr) return Bad(path + ".query.type", "required");
  if (*type == "balance") {
    if (!StringField(step.query, "account")) return Bad(path + ".query.account", "required");
    const bool names_token = step.query.contains("token");
    const bool names_program = step.query.contains("program");
    if (names_token == names_program) {
      return Bad(path + ".query", "a balance names either a token (plain) or a program");
    }
    const char* name = names_token ? "token" : "program";
    if (!StringField(step.query, name)) {
      return Bad(path + ".query." + name, "expected a string");
    }
  } else if (*type == "program") {
    if (!StringField(step.query, "id")) return Bad(path + ".query.id", "required");
  } else if (*type == "supply") {
    if (!StringField(step.query, "token")) return Bad(path + ".query.token", "required");
  } else {
    return Bad(path + ".query.type", "unknown query '" + std::string(*type) + "'");
  }
  return step;
}

// A refund names its payment by the id of the step that paid, or by transaction id (hex). A
// step id is replaced by a placeholder here and by the payment's id when the step runs.
std::expected<std::string, Fault> ReadRefundedStep(json::object& body, const std::string& path,
                                                   const std::set<std::string>& earlier_steps) {
  const json::string* type = StringField(body, "type");
  const json::string* payment = StringField(body, "payment");
  if (type == nullptr || *type != "refund" || payment == nullptr) return std::string();
  if (crypto::Hash::FromHex(*payment)) return std::string();
  if (!earlier_steps.contains(std::string(*payment))) {
    return Bad(path + ".tx.payment", "no earlier transaction step '" + std::string(*payment) + "'");
  }
  std::string step(*payment);
  body["payment"] = crypto::Hash().ToHex();
  return step;
}

std::expected<Step, Fault> ReadTransactionStep(const json::object& object, const std::string& path,
                                               core::TimeMillis& previous_time,
                                               const std::set<std::string>& earlier_steps) {
  Step step;
  const json::string* signer = StringField(object, "signer");
  if (signer == nullptr) return Bad(path + ".signer", "required");
  auto signer_id = core::AccountId::Parse(*signer);
  if (!signer_id) return Bad(path + ".signer", signer_id.error().message());
  step.signer = *signer_id;
  json::value tx = object.at("tx");
  // A register_account step without keys gets the account's derived test key.
  if (json::object* body = tx.if_object()) {
    const json::string* type = StringField(*body, "type");
    const json::string* id = StringField(*body, "id");
    if (type && *type == "register_account" && id && !body->contains("keys")) {
      (*body)["keys"] = json::array{crypto::DeriveTestKey(*id).public_key().ToText()};
    }
    auto refunded = ReadRefundedStep(*body, path, earlier_steps);
    if (!refunded) return std::unexpected(refunded.error());
    step.refunded_step = std::move(*refunded);
  }
  auto body = core::BodyFromJson(tx, path + ".tx");
  if (!body) return Bad(body.error().field, body.error().message);
  step.body = std::move(*body);
  step.time = previous_time + core::kMillisPerSecond;
  if (const json::value* at = object.if_contains("at")) {
    auto time = at->is_string() ? core::ParseTime(at->get_string())
                                : base::Result<core::TimeMillis>(base::Error(
                                      base::Status::InvalidArgument("expected an RFC 3339 time")));
    if (!time) return Bad(path + ".at", time.error().message());
    if (*time < previous_time) return Bad(path + ".at", "earlier than the previous step");
    step.time = *time;
  }
  previous_time = step.time;
  if (const json::value* nonce = object.if_contains("nonce")) {
    if (!nonce->is_int64() || nonce->get_int64() < 0) {
      if (!nonce->is_uint64()) return Bad(path + ".nonce", "expected a non-negative integer");
      step.nonce = nonce->get_uint64();
    } else {
      step.nonce = static_cast<std::uint64_t>(nonce->get_int64());
    }
  }
  if (const json::value* valid_until = object.if_contains("valid_until")) {
    auto time = valid_until->is_string() ? core::ParseTime(valid_until->get_string())
                                         : base::Result<core::TimeMillis>(base::Error(
                                               base::Status::InvalidArgument("expected a time")));
    if (!time) return Bad(path + ".valid_until", time.error().message());
    step.valid_until = *time;
  }
  if (const json::value* cosigners = object.if_contains("cosigners")) {
    if (!cosigners->is_array()) return Bad(path + ".cosigners", "expected a list of accounts");
    for (std::size_t i = 0; i < cosigners->get_array().size(); ++i) {
      const json::value& item = cosigners->get_array()[i];
      auto id = item.is_string() ? core::AccountId::Parse(item.get_string())
                                 : base::Result<core::AccountId>(base::Error(
                                       base::Status::InvalidArgument("expected an account")));
      if (!id) return Bad(path + ".cosigners[" + std::to_string(i) + "]", id.error().message());
      step.cosigners.push_back(*id);
    }
  }
  return step;
}

ScenarioResult ReadScenario(const std::string& file) {
  auto text = ReadFile(file);
  if (!text) return Bad("", text.error().message());
  auto value = core::ParseJsonText(*text);
  if (!value) return Bad("", value.error().message());
  const json::object* root = value->if_object();
  if (root == nullptr) return Bad("", "expected a JSON object");
  Scenario scenario;
  scenario.file = file;
  const json::value* genesis_value = root->if_contains("genesis");
  if (genesis_value == nullptr) return Bad("genesis", "required");
  auto genesis = ledger::ParseGenesis(*genesis_value, "genesis",
                                      ledger::GenesisOptions{.derive_missing_keys = true});
  if (!genesis) return Bad(genesis.error().field, genesis.error().message);
  scenario.genesis = std::move(*genesis);
  scenario.genesis.validators.validators = {
      {std::string(kScenarioValidator), crypto::DeriveTestKey(kScenarioValidator).public_key()}};
  const json::value* steps = root->if_contains("steps");
  if (steps == nullptr || !steps->is_array()) return Bad("steps", "expected a list of steps");
  core::TimeMillis previous_time = scenario.genesis.start_time;
  std::set<std::string> ids;
  std::set<std::string> transaction_ids;  // what a refund may name as its payment
  for (std::size_t i = 0; i < steps->get_array().size(); ++i) {
    const std::string path = "steps[" + std::to_string(i) + "]";
    const json::object* object = steps->get_array()[i].if_object();
    if (object == nullptr) return Bad(path, "expected an object");
    const json::string* id = StringField(*object, "id");
    if (id == nullptr || id->empty()) return Bad(path + ".id", "required");
    if (ids.contains(std::string(*id))) return Bad(path + ".id", "duplicate step id");
    const bool is_query = object->contains("query");
    if (is_query == object->contains("tx")) {
      return Bad(path, "a step has either tx (with signer) or query");
    }
    auto step = is_query ? ReadQueryStep(*object, path)
                         : ReadTransactionStep(*object, path, previous_time, transaction_ids);
    if (!step) return std::unexpected(step.error());
    auto expect = ReadExpect(*object, path, is_query);
    if (!expect) return std::unexpected(expect.error());
    step->id = std::string(*id);
    step->expect = std::move(*expect);
    ids.insert(step->id);
    if (!is_query) transaction_ids.insert(step->id);
    scenario.steps.push_back(std::move(*step));
  }
  return scenario;
}

// Runs one scenario on a fresh node; prints its steps and adds to the counts.
class ScenarioRun {
 public:
  ScenarioRun(const Scenario& scenario, std::ostream& out) : scenario_(scenario), out_(out) {}

  base::Status Run(int& passed, int& failed) {
    const auto directory = std::filesystem::temp_directory_path() /
                           ("nuri-scenario-" + std::to_string(::getpid()) + "-" +
                            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::remove_all(directory);
    auto store = storage::OpenRocksDb(directory.string());
    if (!store) return store.error();
    clock_.SetMillis(scenario_.genesis.start_time);
    auto node = node::Node::Open(
        std::shared_ptr<storage::KvStore>(std::move(*store)), scenario_.genesis,
        ledger::ValidatorSigner{std::string(kScenarioValidator),
                                crypto::DeriveTestKey(kScenarioValidator)},
        clock_, node::NodeOptions{.verifier_threads = 1, .invariant_check_interval_blocks = 1});
    if (!node) {
      std::filesystem::remove_all(directory);
      return node.error();
    }
    node_ = std::move(*node);
    for (const Step& step : scenario_.steps) {
      json::object line = step.is_query ? RunQuery(step) : RunTransaction(step);
      if (step.expect) {
        const bool pass = Matches(step, line);
        line["pass"] = pass;
        (pass ? passed : failed) += 1;
      }
      out_ << json::serialize(line) << "\n";
    }
    node_.reset();
    std::filesystem::remove_all(directory);
    return base::Status::Ok();
  }

 private:
  std::uint64_t NextNonce(const core::AccountId& signer) {
    std::uint64_t nonce = 1;
    const auto& used = used_nonces_[signer.str()];
    while (used.contains(nonce)) ++nonce;
    return nonce;
  }

  json::object RunTransaction(const Step& step) {
    core::Transaction tx;
    tx.chain_id = scenario_.genesis.chain_id;
    tx.signer = step.signer;
    tx.nonce = step.nonce.value_or(NextNonce(step.signer));
    tx.valid_until = step.valid_until.value_or(step.time + core::kMillisPerHour);
    tx.body = step.body;
    if (!step.refunded_step.empty()) {
      std::get<core::Refund>(tx.body).payment = step_tx_ids_[step.refunded_step];
    }
    core::AddSignature(tx, tx.signer, crypto::DeriveTestKey(tx.signer.str()));
    for (const auto& cosigner : step.cosigners) {
      core::AddSignature(tx, cosigner, crypto::DeriveTestKey(cosigner.str()));
    }
    const core::SignedTransaction sealed = core::Seal(tx);
    json::object line{{"step", step.id}, {"tx", sealed.id.ToHex()}};
    step_tx_ids_[step.id] = sealed.id;
    clock_.SetMillis(step.time);
    const node::Admission admission = node_->Submit(sealed.bytes);
    if (admission.code != core::ReasonCode::kOk) {
      return Refused(std::move(line), admission.code, admission.message);
    }
    auto produced = node_->ProduceBlock(step.time);
    if (!produced)
      return Refused(std::move(line), core::ReasonCode::kMalformed, produced.error().ToString());
    for (const auto& [id, code] : produced->dropped) {
      if (id == sealed.id) return Refused(std::move(line), code, "left out of the block");
    }
    used_nonces_[tx.signer.str()].insert(tx.nonce);
    const auto status = node_->GetTransaction(sealed.id);
    json::object view = api::TxStatusView(status);
    line["status"] = view["status"];
    if (view.contains("code")) line["code"] = view["code"];
    if (view.contains("rule")) line["rule"] = view["rule"];
    if (view.contains("message")) line["message"] = view["message"];
    if (view.contains("justified")) line["justified"] = view["justified"];
    line["height"] = status.height;
    const base::Status invariants = node_->Read(
        [](const ledger::Ledger& ledger) { return ledger::CheckInvariants(ledger.state()); });
    if (!invariants.ok()) line["invariant_broken"] = invariants.message();
    return line;
  }

  static json::object Refused(json::object line, core::ReasonCode code, std::string message) {
    line["status"] = "refused";
    line["code"] = core::ReasonName(code);
    line["message"] = std::move(message);
    return line;
  }

  json::object RunQuery(const Step& step) {
    const std::string type(step.query.at("type").get_string());
    json::object result = node_->Read([&](const ledger::Ledger& ledger) {
      const ledger::State& state = ledger.state();
      if (type == "balance" && step.query.contains("program")) {
        const auto holder = ledger::ReadHolder(state, step.query.at("program").get_string(),
                                               step.query.at("account").get_string());
        return json::object{{"amount", holder ? holder->balance.won() : 0}};
      }
      if (type == "balance") {
        const auto amount = ledger::ReadBalance(state, step.query.at("account").get_string(),
                                                step.query.at("token").get_string());
        return json::object{{"amount", amount.won()}};
      }
      if (type == "program") {
        const auto record = ledger::ReadProgram(state, step.query.at("id").get_string());
        if (!record) return json::object{{"exists", false}};
        return api::ProgramTotalsView(*record);
      }
      const json::value token = api::TokenView(ledger.state(), step.query.at("token").get_string());
      return json::object{{"amount", token.is_null() ? 0 : token.at("supply").as_int64()}};
    });
    return json::object{{"step", step.id}, {"result", std::move(result)}};
  }

  static bool Matches(const Step& step, const json::object& line) {
    if (line.contains("invariant_broken")) return false;
    const json::object& actual = step.is_query ? line.at("result").get_object() : line;
    for (const auto& [key, expected] : *step.expect) {
      const json::value* value = actual.if_contains(key);
      if (value == nullptr || *value != expected) return false;
    }
    return true;
  }

  const Scenario& scenario_;
  std::ostream& out_;
  base::ManualClock clock_;
  std::unique_ptr<node::Node> node_;
  std::map<std::string, std::set<std::uint64_t>> used_nonces_;
  std::map<std::string, crypto::Hash> step_tx_ids_;
};

}  // namespace

int RunScenarios(const std::vector<std::string>& files, std::ostream& out, std::ostream& errors) {
  std::vector<Scenario> scenarios;
  bool valid = true;
  for (const auto& file : files) {
    auto scenario = ReadScenario(file);
    if (!scenario) {
      errors << file << ": " << (scenario.error().path.empty() ? "" : scenario.error().path + ": ")
             << scenario.error().message << "\n";
      valid = false;
      continue;
    }
    scenarios.push_back(std::move(*scenario));
  }
  if (!valid) return 2;
  int passed = 0;
  int failed = 0;
  for (const auto& scenario : scenarios) {
    ScenarioRun run(scenario, out);
    if (base::Status status = run.Run(passed, failed); !status.ok()) {
      errors << scenario.file << ": " << status.ToString() << "\n";
      return 2;
    }
  }
  out << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace nuri::cli
