// nuri: the command-line tool for Nuri ledgers (see `nuri help`).
#include "cli/main.h"

int main(int argc, char** argv) { return nuri::cli::RunNuri(argc, argv); }
