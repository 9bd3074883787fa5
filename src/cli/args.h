// Args: the command line of a subcommand: positional words and --name value / --flag options.
// Unknown options are an error the caller reports with usage. Single-threaded value.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/files.h"
#include "base/status.h"

namespace nuri::cli {

class Args {
 public:
  // `flags` are options without a value (--json); every other --name takes the next word.
  static base::Result<Args> Parse(const std::vector<std::string>& words,
                                  const std::set<std::string>& flags,
                                  const std::set<std::string>& options);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Flag(const std::string& name) const { return flags_.contains(name); }
  std::optional<std::string> Option(const std::string& name) const;
  std::string OptionOr(const std::string& name, std::string fallback) const;
  base::Result<long long> IntegerOr(const std::string& name, long long fallback) const;

 private:
  std::vector<std::string> positional_;
  std::set<std::string> flags_;
  std::map<std::string, std::string> options_;
};

using base::ReadFile;
using base::WriteFileAtomically;

}  // namespace nuri::cli
