// Entry points of the two programs; apps/ calls only these.
#pragma once

namespace nuri::cli {

int RunNuri(int argc, char** argv);
int RunNurid(int argc, char** argv);

}  // namespace nuri::cli
