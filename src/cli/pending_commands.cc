#include "cli/commands.h"

namespace nuri::cli {
int LocalnetCommand(const Words&) { return Complain("localnet: not built yet", 2); }
int LoadCommand(const Words&) { return Complain("load: not built yet", 2); }
int BenchCommand(const Words&) { return Complain("bench: not built yet", 2); }
}  // namespace nuri::cli
