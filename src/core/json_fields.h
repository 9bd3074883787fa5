// Reading JSON objects field by field with faults that name each field's path. Internal to
// src/core (the JSON of transactions and of program definitions).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "core/json.h"
#include "core/program.h"
#include "core/text.h"
#include "crypto/hash.h"

namespace nuri::core::json_fields {

namespace json = boost::json;

inline std::unexpected<JsonFault> Fault(std::string field, std::string message,
                                        ReasonCode code = ReasonCode::kMalformed) {
  return std::unexpected(JsonFault{std::move(field), std::move(message), code});
}

inline std::string Join(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return std::string(path) + "." + std::string(name);
}

// Reads the fields of one JSON object, naming each fault by its path.
class Fields {
 public:
  Fields(const json::object& object, std::string_view path) : object_(object), path_(path) {}

  std::string Path(std::string_view name) const { return Join(path_, name); }
  const std::string& path() const { return path_; }
  const json::object& object() const { return object_; }
  const json::value* Find(std::string_view name) const { return object_.if_contains(name); }

  JsonResult<std::string> String(std::string_view name, std::size_t size_max,
                                 bool required = true) const {
    const json::value* value = Find(name);
    if (value == nullptr || value->is_null()) {
      if (required) return Fault(Path(name), "required");
      return std::string();
    }
    if (!value->is_string()) return Fault(Path(name), "expected a string");
    std::string text(value->get_string());
    if (!IsDisplayText(text, size_max)) {
      return Fault(Path(name), "expected text of at most " + std::to_string(size_max) +
                                   " bytes without control characters");
    }
    return text;
  }

  template <typename Id>
  JsonResult<Id> Identifier(std::string_view name) const {
    auto text = String(name, 128);
    if (!text) return std::unexpected(text.error());
    auto id = Id::Parse(*text);
    if (!id) return Fault(Path(name), id.error().message());
    return *id;
  }

  JsonResult<Amount> AmountField(std::string_view name) const {
    const json::value* value = Find(name);
    if (value == nullptr) return Fault(Path(name), "required");
    return AmountFromJson(*value, Path(name));
  }

  JsonResult<RoleSet> Roles(std::string_view name) const {
    RoleSet roles;
    const json::value* value = Find(name);
    if (value == nullptr) return roles;
    if (!value->is_array()) return Fault(Path(name), "expected a list of roles");
    const auto& array = value->get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string at = Path(name) + "[" + std::to_string(i) + "]";
      if (!array[i].is_string()) return Fault(at, "expected a role name");
      auto role = RoleFromName(array[i].get_string());
      if (!role) return Fault(at, "unknown role '" + std::string(array[i].get_string()) + "'");
      roles.Add(*role);
    }
    return roles;
  }

  JsonResult<std::vector<crypto::PublicKey>> Keys(std::string_view name) const {
    std::vector<crypto::PublicKey> keys;
    const json::value* value = Find(name);
    if (value == nullptr) return keys;
    if (!value->is_array()) return Fault(Path(name), "expected a list of public keys");
    const auto& array = value->get_array();
    if (array.size() > base::kAccountKeysMax) {
      return Fault(Path(name), "at most " + std::to_string(base::kAccountKeysMax) + " keys");
    }
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string at = Path(name) + "[" + std::to_string(i) + "]";
      if (!array[i].is_string()) return Fault(at, "expected ed25519:<hex>");
      auto key = crypto::PublicKey::FromText(array[i].get_string());
      if (!key) return Fault(at, key.error().message());
      keys.push_back(*key);
    }
    return keys;
  }

  JsonResult<bool> Bool(std::string_view name, bool fallback) const {
    const json::value* value = Find(name);
    if (value == nullptr) return fallback;
    if (!value->is_bool()) return Fault(Path(name), "expected true or false");
    return value->get_bool();
  }

  // A SHA-256 in hex; absent is nullopt unless required.
  JsonResult<std::optional<crypto::Hash>> HashField(std::string_view name, bool required) const {
    const json::value* value = Find(name);
    if (value == nullptr || value->is_null()) {
      if (required) return Fault(Path(name), "required");
      return std::optional<crypto::Hash>();
    }
    if (value->is_string()) {
      if (auto hash = crypto::Hash::FromHex(value->get_string())) return hash;
    }
    return Fault(Path(name), "expected a SHA-256 in hex (64 hex digits)");
  }

  JsonResult<std::string> ProgramId(std::string_view name) const {
    auto text = String(name, base::kProgramIdLengthMax + 1);
    if (!text) return std::unexpected(text.error());
    if (!IsProgramId(*text)) {
      return Fault(Path(name), "expected a program id: lower-case letters, digits, '-', '_', '.'");
    }
    return *text;
  }

  JsonResult<std::uint64_t> Unsigned(std::string_view name, std::uint64_t value_max,
                                     std::uint64_t fallback) const {
    const json::value* value = Find(name);
    if (value == nullptr) return fallback;
    if (value->is_int64() && value->get_int64() >= 0 &&
        static_cast<std::uint64_t>(value->get_int64()) <= value_max) {
      return static_cast<std::uint64_t>(value->get_int64());
    }
    if (value->is_uint64() && value->get_uint64() <= value_max) return value->get_uint64();
    if (value->is_string()) {
      const auto& text = value->get_string();
      std::uint64_t parsed = 0;
      bool valid = !text.empty() && text.size() <= 20;
      for (char c : text) {
        valid = valid && c >= '0' && c <= '9' && !__builtin_mul_overflow(parsed, 10u, &parsed) &&
                !__builtin_add_overflow(parsed, static_cast<unsigned>(c - '0'), &parsed);
      }
      if (valid && parsed <= value_max) return parsed;
    }
    return Fault(Path(name), "expected an integer from 0 to " + std::to_string(value_max));
  }

 private:
  const json::object& object_;
  std::string path_;
};

#define NURI_JSON_CONCAT_INNER(a, b) a##b
#define NURI_JSON_CONCAT(a, b) NURI_JSON_CONCAT_INNER(a, b)
#define NURI_JSON_TRY(target, expr) \
  NURI_JSON_TRY_AS(NURI_JSON_CONCAT(json_result_, __LINE__), target, expr)
#define NURI_JSON_TRY_AS(result, target, expr)         \
  auto result = (expr);                                \
  if (!result) return std::unexpected(result.error()); \
  target = std::move(*result)

}  // namespace nuri::core::json_fields
