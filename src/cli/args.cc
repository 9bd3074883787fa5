#include "cli/args.h"

namespace nuri::cli {

base::Result<Args> Args::Parse(const std::vector<std::string>& words,
                               const std::set<std::string>& flags,
                               const std::set<std::string>& options) {
  Args args;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (!word.starts_with("--")) {
      args.positional_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> inline_value;
    if (const auto equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    if (flags.contains(name) && !inline_value) {
      args.flags_.insert(name);
    } else if (options.contains(name)) {
      if (inline_value) {
        args.options_[name] = *inline_value;
      } else if (i + 1 < words.size()) {
        args.options_[name] = words[++i];
      } else {
        return base::Error(base::Status::InvalidArgument("--" + name + " needs a value"));
      }
    } else {
      return base::Error(base::Status::InvalidArgument("unknown option --" + name));
    }
  }
  return args;
}

std::optional<std::string> Args::Option(const std::string& name) const {
  const auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

std::string Args::OptionOr(const std::string& name, std::string fallback) const {
  return Option(name).value_or(std::move(fallback));
}

base::Result<long long> Args::IntegerOr(const std::string& name, long long fallback) const {
  const auto text = Option(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    const long long value = std::stoll(*text, &used);
    if (used == text->size()) return value;
  } catch (const std::exception&) {
  }
  return base::Error(base::Status::InvalidArgument("--" + name + " expects an integer"));
}

}  // namespace nuri::cli
