// `nuri program check FILE` and `nuri program explain FILE|ID`: what a budget office runs while
// drafting a program, and what an auditor reads (docs/programs.md).
#include <filesystem>
#include <iostream>

#include "api/http_client.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/localnet.h"
#include "core/json.h"
#include "core/program.h"
#include "ledger/ledger.h"
#include "ledger/state_view.h"
#include "policy/explain.h"
#include "policy/validate.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view kUsage =
    "usage: nuri program check FILE [--genesis FILE | --url URL | --network DIR]\n"
    "       nuri program explain FILE|ID [--url URL | --network DIR]";

int PrintFaults(const std::string& file, const std::vector<core::JsonFault>& faults) {
  for (const auto& fault : faults) {
    std::cerr << file << ": " << fault.ToString() << " (" << core::ReasonName(fault.code) << ")\n";
  }
  return 2;
}

// A string field of a node's answer, or what to say when it has none: the answer comes from
// outside and may be anything.
std::string TextOf(const json::value& object, std::string_view name, std::string_view missing) {
  const json::object* fields = object.if_object();
  const json::value* field = fields ? fields->if_contains(name) : nullptr;
  if (field == nullptr || !field->is_string()) return std::string(missing);
  return std::string(field->get_string());
}

// Checks against a node: the API answers with every fault.
int CheckOnNode(const std::string& file, const std::string& text, const std::string& url) {
  auto client = api::HttpClient::FromUrl(url);
  if (!client) return Complain(client.error().ToString());
  auto response = client->Request("POST", "/v1/programs/check", text, "application/json");
  if (!response) return Complain(response.error().ToString());
  auto body = core::ParseJsonText(response->body);
  if (!body || !body->is_object()) return Complain("the node's answer is not JSON");
  if (response->status == 200) {
    std::cout << json::serialize(json::object{{"valid", true}}) << "\n";
    return 0;
  }
  const json::value* faults = body->as_object().if_contains("faults");
  if (faults == nullptr || !faults->is_array()) {
    return Complain(file + ": " + TextOf(*body, "message", "the node refused the definition"), 2);
  }
  for (const auto& fault : faults->as_array()) {
    std::cerr << file << ": " << TextOf(fault, "field", "?") << ": "
              << TextOf(fault, "message", "?") << " (" << TextOf(fault, "code", "?") << ")\n";
  }
  return 2;
}

// A genesis to check references against: a genesis file, or a scenario file's genesis.
// Accounts listed without keys get test keys, as in scenarios: only their roles matter here.
base::Result<ledger::Genesis> ReadCheckGenesis(const std::string& file) {
  auto text = ReadFile(file);
  if (!text) return base::Error(text.error());
  auto value = core::ParseJsonText(*text);
  if (!value)
    return base::Error(base::Status::InvalidArgument(file + ": " + value.error().message()));
  const json::value* genesis =
      value->is_object() ? value->as_object().if_contains("genesis") : nullptr;
  auto parsed = ledger::ParseGenesis(genesis ? *genesis : *value, genesis ? "genesis" : "",
                                     ledger::GenesisOptions{.derive_missing_keys = true});
  if (!parsed) {
    return base::Error(base::Status::InvalidArgument(file + ": " + parsed.error().ToString()));
  }
  return std::move(*parsed);
}

int Check(const Args& args) {
  if (args.positional().size() != 2) return Complain(std::string(kUsage), 2);
  const std::string& file = args.positional()[1];
  auto text = ReadFile(file);
  if (!text) return Complain(text.error().ToString(), 2);
  if (args.Option("url") || args.Option("network")) {
    auto url = NodeUrl(args);
    if (!url) return Complain(url.error().message(), 2);
    return CheckOnNode(file, *text, *url);
  }
  auto value = core::ParseJsonText(*text);
  if (!value) return Complain(file + ": " + value.error().message(), 2);
  policy::CheckedDefinition checked;
  if (auto genesis_file = args.Option("genesis")) {
    auto genesis = ReadCheckGenesis(*genesis_file);
    if (!genesis) return Complain(genesis.error().ToString(), 2);
    ledger::State state;
    if (auto header = ledger::BuildGenesisState(*genesis, state); !header) {
      return Complain(header.error().ToString(), 2);
    }
    const ledger::StateDirectory directory(state);
    checked = policy::CheckDefinition(*value, &directory);
  } else {
    checked = policy::CheckDefinition(*value, nullptr);
  }
  if (!checked.faults.empty()) return PrintFaults(file, checked.faults);
  std::cout << json::serialize(json::object{{"valid", true}, {"id", checked.program->id}}) << "\n";
  return 0;
}

int Explain(const Args& args) {
  if (args.positional().size() != 2) return Complain(std::string(kUsage), 2);
  const std::string& what = args.positional()[1];
  if (std::filesystem::exists(what)) {
    auto text = ReadFile(what);
    if (!text) return Complain(text.error().ToString(), 2);
    auto value = core::ParseJsonText(*text);
    if (!value) return Complain(what + ": " + value.error().message(), 2);
    const auto checked = policy::CheckDefinition(*value, nullptr);
    if (!checked.program) return PrintFaults(what, checked.faults);
    for (const auto& line : policy::ExplainProgram(*checked.program)) std::cout << line << "\n";
    return checked.faults.empty() ? 0 : PrintFaults(what, checked.faults);
  }
  if (!core::IsProgramId(what)) return Complain(what + " is neither a file nor a program id", 2);
  if (!args.Option("url") && !args.Option("network")) {
    return Complain(
        what + " is not a file; name a node (--url or --network) to read program " + what, 2);
  }
  const auto url = NodeUrl(args);
  if (!url) return Complain(url.error().message(), 2);
  auto client = api::HttpClient::FromUrl(*url);
  if (!client) return Complain(client.error().ToString());
  auto response = client->Request("GET", "/v1/programs/" + what);
  if (!response) return Complain(response.error().ToString());
  auto body = core::ParseJsonText(response->body);
  if (!body || !body->is_object()) return Complain("the node's answer is not JSON");
  if (response->status != 200) {
    return Complain(TextOf(*body, "message", "the node could not show program " + what));
  }
  const json::value* explanation = body->as_object().if_contains("explanation");
  if (explanation == nullptr || !explanation->is_array()) {
    return Complain("the node's answer has no explanation");
  }
  for (const auto& line : explanation->get_array()) {
    if (line.is_string()) std::cout << std::string_view(line.get_string()) << "\n";
  }
  return 0;
}

}  // namespace

int ProgramCommand(const Words& words) {
  auto args = Args::Parse(words, {}, {"genesis", "url", "network"});
  if (!args || args->positional().empty()) return Complain(std::string(kUsage), 2);
  if (args->positional()[0] == "check") return Check(*args);
  if (args->positional()[0] == "explain") return Explain(*args);
  return Complain(std::string(kUsage), 2);
}

}  // namespace nuri::cli
