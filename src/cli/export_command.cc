// `nuri export payments`: a period's program payments and refunds from a node, as CSV or JSON
// Lines, for a ministry's accounting system or an auditor; `nuri export reconciliation`: an
// issuing bank's day; `nuri export statement`: an account's camt.053 statement of one deposit
// token (docs/audit.md, "Exports", "Reconciliation", "Statements").
#include <iostream>

#include "api/http_client.h"
#include "base/hex.h"
#include "cli/commands.h"
#include "core/json.h"

namespace nuri::cli {

namespace {

constexpr std::string_view kUsage =
    "usage: nuri export payments (--network DIR [--node NAME] | --url URL) --from YYYY-MM-DD "
    "--to YYYY-MM-DD [--program ID | --org ORG] [--format csv|jsonl]\n"
    "       nuri export reconciliation (--network DIR [--node NAME] | --url URL) --bank ORG "
    "--date YYYY-MM-DD\n"
    "       nuri export statement (--network DIR [--node NAME] | --url URL) --account ID "
    "--token TOKEN --from YYYY-MM-DD --to YYYY-MM-DD";

}  // namespace

int ExportCommand(const Words& words) {
  auto args = Args::Parse(words, {},
                          {"network", "node", "url", "from", "to", "program", "org", "format",
                           "bank", "date", "account", "token"});
  if (!args || args->positional().size() != 1) return Complain(std::string(kUsage), 2);
  const std::string& what = args->positional().front();
  const bool payments = what == "payments" && args->Option("from") && args->Option("to");
  const bool reconciliation =
      what == "reconciliation" && args->Option("bank") && args->Option("date");
  const bool statement = what == "statement" && args->Option("account") && args->Option("token") &&
                         args->Option("from") && args->Option("to");
  if (!payments && !reconciliation && !statement) return Complain(std::string(kUsage), 2);
  const auto url = NodeUrl(*args);
  if (!url) return Complain(url.error().message(), 2);
  std::string target = "/v1/exports/" + what + "?";
  for (const char* name :
       {"account", "token", "from", "to", "program", "org", "format", "bank", "date"}) {
    if (auto value = args->Option(name)) {
      if (target.back() != '?') target += '&';
      target += std::string(name) + "=" + base::PercentEncode(*value);
    }
  }
  auto client = api::HttpClient::FromUrl(*url);
  if (!client) return Complain(client.error().ToString());
  auto response = client->Request("GET", target);
  if (!response) return Complain(response.error().ToString());
  if (response->status != 200) {
    auto body = core::ParseJsonText(response->body);
    const boost::json::object* error = body ? body->if_object() : nullptr;
    const boost::json::value* message = error ? error->if_contains("message") : nullptr;
    return Complain(message != nullptr && message->is_string()
                        ? std::string(message->get_string())
                        : *url + " answered " + std::to_string(response->status),
                    response->status == 400 ? 2 : 1);
  }
  std::cout << response->body << (reconciliation ? "\n" : "");
  return 0;
}

}  // namespace nuri::cli
