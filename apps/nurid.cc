// nurid: one Nuri node (validator), configured by a file: nurid --config FILE.
#include "cli/main.h"

int main(int argc, char** argv) { return nuri::cli::RunNurid(argc, argv); }
