#include "cli/bench_support.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace nuri::cli {

std::int64_t ProcessMemoryMebibytes(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':') {
      return std::strtoll(line.c_str() + field.size() + 1, nullptr, 10) / 1024;  // from kB
    }
  }
  return 0;
}

base::Result<std::unique_ptr<ScratchDirectory>> ScratchDirectory::Make(std::string parent) {
  if (parent.empty()) {
    std::error_code error;
    parent = std::filesystem::temp_directory_path(error).string();
    if (error) {
      return base::Error(base::Status::IoError("no temporary directory: " + error.message()));
    }
  }
  std::string path_template = parent + "/nuri-bench-XXXXXX";
  if (::mkdtemp(path_template.data()) == nullptr) {
    return base::Error(base::Status::IoError("cannot make a directory under " + parent));
  }
  return std::unique_ptr<ScratchDirectory>(new ScratchDirectory(std::move(path_template)));
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace nuri::cli
