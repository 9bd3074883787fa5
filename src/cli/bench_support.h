// What the benchmarks share: a scratch directory for their stores, the process's memory, and
// the benchmark chain's genesis.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace nuri::cli {

// Runs this same program with `words`, and returns what it printed on standard output (its
// standard error goes on to ours); Unavailable when it did not exit 0.
base::Result<std::string> RunNuri(const std::vector<std::string>& words);

// A run of this same program with `words` in the background, its standard output and error
// appended to `log_path`; stopped with SIGTERM (and waited for) when this goes out of scope.
class BackgroundNuri {
 public:
  static base::Result<std::unique_ptr<BackgroundNuri>> Start(const std::vector<std::string>& words,
                                                             const std::string& log_path);
  ~BackgroundNuri();
  BackgroundNuri(const BackgroundNuri&) = delete;
  BackgroundNuri& operator=(const BackgroundNuri&) = delete;

 private:
  explicit BackgroundNuri(int pid) : pid_(pid) {}
  int pid_;
};

// A field of /proc/self/status ("VmHWM", "VmRSS") in MiB; 0 where the kernel has no such file.
std::int64_t ProcessMemoryMebibytes(std::string_view field);
// Hands memory the program freed back to the system, whichever allocator holds it (glibc's, or
// jemalloc's, with which `nuri` is built), so that VmRSS then shows what is in use.
void ReturnFreedMemory();

// A fresh directory, removed with all it holds when this goes out of scope.
class ScratchDirectory {
 public:
  // Under `parent`, or the system's temporary directory when it is empty.
  static base::Result<std::unique_ptr<ScratchDirectory>> Make(std::string parent);
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace nuri::cli
