#include "cli/commands.h"

namespace nuri::cli {


int BenchCommand(const Words&) { return Complain("bench: not built yet", 2); }
}  // namespace nuri::cli
