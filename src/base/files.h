// Whole files: read at once, and written so that a crash leaves the old contents or the new,
// never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nuri::base {

// Reads a whole file; NotFound or IoError naming the path.
Result<std::string> ReadFile(const std::string& path);
// Reads a password file: its text without the newlines that end it.
Result<std::string> ReadPasswordFile(const std::string& path);
// Writes a file atomically (temporary file, fsync, rename), with the given permission bits.
Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           unsigned mode = 0644);

// Raises this process's soft limit of open files to `wanted`, or as near as the hard limit
// allows; false when it stays below `wanted`.
bool RaiseOpenFilesLimit(std::uint64_t wanted);

}  // namespace nuri::base
