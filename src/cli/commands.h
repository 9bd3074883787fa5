// The subcommands of `nuri`, each taking its words after the subcommand name and returning the
// process exit status (0 ok, 1 failure, 2 usage or invalid input).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "cli/args.h"
#include "ledger/genesis.h"

namespace nuri::cli {

using Words = std::vector<std::string>;

int KeysCommand(const Words& words);
int GenesisCommand(const Words& words);
int TxCommand(const Words& words);
int QueryCommand(const Words& words);
int NodeCommand(const Words& words);
int LocalnetCommand(const Words& words);
int LoadCommand(const Words& words);
// Funds a localnet's officials and its programs as `nuri load` does before it sends, and returns
// each official that pays from a business-promotion program, with the program.
base::Result<std::vector<std::pair<std::string, std::string>>> FundLocalnet(
    const std::string& directory);
int BenchCommand(const Words& words);
int SimCommand(const Words& words);
int BenchClusterCommand(const Args& args);
int BenchSnapshotCommand(const Args& args);
int BenchApiCommand(const Args& args);
int ProgramCommand(const Words& words);
int WalletCommand(const Words& words);
int EvidenceCommand(const Words& words);
int VerifyCommand(const Words& words);
int ExportCommand(const Words& words);
int IndexerCommand(const Words& words);

// Reads a genesis file written by `nuri genesis` or `nuri localnet up`.
base::Result<ledger::Genesis> LoadGenesisFile(const std::string& path);
// The node a command asks: --url, or the localnet in --network: its node --node, or its first.
base::Result<std::string> NodeUrl(const Args& args);
// Prints "nuri: <message>" to standard error and returns `status`.
int Complain(const std::string& message, int status = 1);

}  // namespace nuri::cli
