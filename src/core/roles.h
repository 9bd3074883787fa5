// Roles of accounts and kinds of organizations (docs/ledger.md, "Who").
//
// A RoleSet is a bit set; bit positions are persisted and never reused. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nuri::core {

enum class Role : std::uint8_t {
  kGovernor = 0,
  kAdmin = 1,
  kIssuer = 2,
  kTreasury = 3,
  kManager = 4,
  kHolder = 5,
  kApprover = 6,
  kInspector = 7,
  kMerchant = 8,
  kAuditor = 9,
};
inline constexpr int kRoleCount = 10;

std::string_view RoleName(Role role);
std::optional<Role> RoleFromName(std::string_view name);

class RoleSet {
 public:
  RoleSet() = default;
  static std::optional<RoleSet> FromBits(std::uint32_t bits);
  void Add(Role role) { bits_ |= 1u << static_cast<unsigned>(role); }
  bool Has(Role role) const { return (bits_ >> static_cast<unsigned>(role)) & 1u; }
  std::uint32_t bits() const { return bits_; }
  std::vector<std::string> Names() const;
  bool operator==(const RoleSet&) const = default;

 private:
  std::uint32_t bits_ = 0;
};

enum class OrgKind : std::uint8_t {
  kMinistry = 1,
  kBank = 2,
  kCentralBank = 3,
  kAuditor = 4,
  kMerchants = 5,
  kRecipients = 6,
};

std::string_view OrgKindName(OrgKind kind);
std::optional<OrgKind> OrgKindFromName(std::string_view name);
std::optional<OrgKind> OrgKindFromValue(std::uint8_t value);

}  // namespace nuri::core
