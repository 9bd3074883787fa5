#include "cli/main.h"

#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/scenario.h"
#include "crypto/keys.h"

namespace nuri::cli {

namespace {

constexpr std::string_view kUsage = R"(nuri: the command-line tool for Nuri ledgers

usage: nuri COMMAND ...
  scenario run FILE...                     run scenario files (docs/scenario.md)
  keys generate --label ACCOUNT --out FILE --password-file F
  keys show FILE | keys list --dir DIR
  genesis --in DESCRIPTION --out FILE      validate and normalize a genesis description
  genesis --in DESCRIPTION --nodes NODES --dir DIR --password-file F
                                           the same, with the organizations' CAs, the nodes'
                                           certificates and keys, and network.json
  program check FILE [--genesis FILE|--url URL|--network DIR]
                                           validate a program definition; exit 2 with each fault
  program explain FILE|ID [--url URL|--network DIR]
                                           a program's rules in plain sentences
  tx --url URL --key FILE --password-file F --body JSON [--nonce N] [--no-wait]
  tx --network DIR --as ACCOUNT --body JSON  sign with a localnet account's demo key
  query --url URL status|account ID|token ID|program ID|block H|latest|tx ID
  wallet enroll --network DIR --account ID --password-file F [--node NAME] [--json]
                                           a custodial wallet with TOTP for an official
  evidence export (--network DIR [--node NAME] | --url URL) (--tx ID | --account ID --token T)
                                           a committed transaction's, or a balance's, evidence
  verify FILE --genesis FILE [--json]      check evidence offline, from the genesis alone
  export payments (--network DIR [--node NAME] | --url URL) --from DATE --to DATE
         [--program ID | --org ORG] [--format csv|jsonl]
                                           a period's payments and refunds, with budget codes
  export reconciliation (--network DIR [--node NAME] | --url URL) --bank ORG --date DATE
                                           an issuing bank's day: minted, burned, outstanding
  export statement (--network DIR [--node NAME] | --url URL) --account ID --token T
         --from DATE --to DATE             an account's statement of a token, ISO 20022 camt.053
  indexer (--network DIR [--node NAME] | --url URL --genesis FILE) --db sqlite:PATH|postgresql://...
          [--once]                         follow committed blocks and alerts into SQL tables
  node check --data DIR                    re-verify a node's whole chain
  localnet up|status|stop-node|start-node|down --dir DIR ...
  load --network DIR --seconds S [--rate R] [--json]
  bench engine [--json]                    one node's engine against the verification ceiling
  bench cluster [--validators N] [--observers M] [--seconds S] [--json]
                                           a localnet of N validators under load, same ceiling
  sim --seed S [--validators N] [--observers M] [--byzantine B] [--json] [--forever]
                                           simulate a whole network with faults, from a seed
)";

}  // namespace

int Complain(const std::string& message, int status) {
  std::cerr << "nuri: " << message << "\n";
  return status;
}

int RunNuri(int argc, char** argv) {
  crypto::Initialize();
  const Words words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "help" || words[0] == "--help") {
    std::cout << kUsage;
    return words.empty() ? 2 : 0;
  }
  const std::string& command = words[0];
  const Words rest(words.begin() + 1, words.end());
  if (command == "scenario") {
    if (rest.size() < 2 || rest[0] != "run") return Complain("usage: nuri scenario run FILE...", 2);
    return RunScenarios(Words(rest.begin() + 1, rest.end()), std::cout, std::cerr);
  }
  if (command == "keys") return KeysCommand(rest);
  if (command == "genesis") return GenesisCommand(rest);
  if (command == "tx") return TxCommand(rest);
  if (command == "query") return QueryCommand(rest);
  if (command == "node") return NodeCommand(rest);
  if (command == "localnet") return LocalnetCommand(rest);
  if (command == "load") return LoadCommand(rest);
  if (command == "bench") return BenchCommand(rest);
  if (command == "sim") return SimCommand(rest);
  if (command == "program") return ProgramCommand(rest);
  if (command == "wallet") return WalletCommand(rest);
  if (command == "evidence") return EvidenceCommand(rest);
  if (command == "verify") return VerifyCommand(rest);
  if (command == "export") return ExportCommand(rest);
  if (command == "indexer") return IndexerCommand(rest);
  std::cerr << kUsage;
  return 2;
}

}  // namespace nuri::cli
