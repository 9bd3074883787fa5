#include "base/files.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace nuri::base {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error(Status::NotFound("cannot read " + path));
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return Error(Status::IoError("error reading " + path));
  return contents.str();
}

Result<std::string> ReadPasswordFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return text;
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  return text;
}

Status WriteFileAtomically(const std::string& path, std::string_view contents,
                                 unsigned mode) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  // A temporary file left by an earlier crash keeps its mode through O_CREAT: set it again.
  if (::fchmod(fd, mode) != 0) {
    ::close(fd);
    return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      ::close(fd);
      return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

bool RaiseOpenFilesLimit(std::uint64_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= wanted) return true;
  limit.rlim_cur = std::min<rlim_t>(wanted, limit.rlim_max);
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= wanted;
}

}  // namespace nuri::base
