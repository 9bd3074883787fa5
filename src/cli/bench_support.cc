#include "cli/bench_support.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

extern char** environ;
// jemalloc's control interface, present when the program allocates with it (sanitizer builds
// keep the sanitizers' allocator and have none).
extern "C" int mallctl(const char* name, void* old_value, std::size_t* old_length, void* new_value,
                       std::size_t new_length) __attribute__((weak));

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

void ReturnFreedMemory() {
  ::malloc_trim(0);
  // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused pages.
  if (mallctl != nullptr) mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
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

namespace {

// Starts this same program with `words`, its file descriptors arranged by `actions`.
base::Result<pid_t> SpawnNuri(const std::vector<std::string>& words,
                              const posix_spawn_file_actions_t& actions) {
  std::error_code error;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
  if (error) return base::Error(base::Status::IoError("cannot find this program"));
  std::vector<std::string> argv_words = {self};
  argv_words.insert(argv_words.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (auto& word : argv_words) argv.push_back(word.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    return base::Error(base::Status::IoError("cannot run " + self));
  }
  return pid;
}

}  // namespace

base::Result<std::string> RunNuri(const std::vector<std::string>& words) {
  int pipe_ends[2];
  // Close-on-exec: only its standard output reaches the child, so that the nodes it starts do
  // not hold the pipe open.
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) {
    return base::Error(base::Status::IoError("cannot make a pipe"));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 1);
  posix_spawn_file_actions_addclose(&actions, pipe_ends[0]);
  const auto pid = SpawnNuri(words, actions);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_ends[1]);
  std::string output;
  char buffer[4096];
  for (ssize_t got; (got = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0;)
    output.append(buffer, got);
  ::close(pipe_ends[0]);
  if (!pid) return base::Error(pid.error());
  int status = 0;
  ::waitpid(*pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return base::Error(base::Status::Unavailable("nuri " + words.front() + " failed"));
  }
  return output;
}

base::Result<std::unique_ptr<BackgroundNuri>> BackgroundNuri::Start(
    const std::vector<std::string>& words, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const auto pid = SpawnNuri(words, actions);
  posix_spawn_file_actions_destroy(&actions);
  if (!pid) return base::Error(pid.error());
  return std::unique_ptr<BackgroundNuri>(new BackgroundNuri(*pid));
}

BackgroundNuri::~BackgroundNuri() {
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

}  // namespace nuri::cli
