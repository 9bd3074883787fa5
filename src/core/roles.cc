#include "core/roles.h"

#include <array>

namespace nuri::core {

namespace {
constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "governor", "admin",    "issuer",    "treasury", "manager",
    "holder",   "approver", "inspector", "merchant", "auditor"};

struct OrgKindEntry {
  OrgKind kind;
  std::string_view name;
};
constexpr std::array<OrgKindEntry, 6> kOrgKinds = {{{OrgKind::kMinistry, "ministry"},
                                                    {OrgKind::kBank, "bank"},
                                                    {OrgKind::kCentralBank, "central_bank"},
                                                    {OrgKind::kAuditor, "auditor"},
                                                    {OrgKind::kMerchants, "merchants"},
                                                    {OrgKind::kRecipients, "recipients"}}};
}  // namespace

std::string_view RoleName(Role role) { return kRoleNames[static_cast<std::size_t>(role)]; }

std::optional<Role> RoleFromName(std::string_view name) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return std::nullopt;
}

std::optional<RoleSet> RoleSet::FromBits(std::uint32_t bits) {
  if (bits >> kRoleCount != 0) return std::nullopt;
  RoleSet roles;
  roles.bits_ = bits;
  return roles;
}

std::vector<std::string> RoleSet::Names() const {
  std::vector<std::string> names;
  for (int i = 0; i < kRoleCount; ++i) {
    if (Has(static_cast<Role>(i))) names.emplace_back(kRoleNames[i]);
  }
  return names;
}

std::string_view OrgKindName(OrgKind kind) {
  for (const auto& entry : kOrgKinds) {
    if (entry.kind == kind) return entry.name;
  }
  return "unknown";
}

std::optional<OrgKind> OrgKindFromName(std::string_view name) {
  for (const auto& entry : kOrgKinds) {
    if (entry.name == name) return entry.kind;
  }
  return std::nullopt;
}

std::optional<OrgKind> OrgKindFromValue(std::uint8_t value) {
  for (const auto& entry : kOrgKinds) {
    if (static_cast<std::uint8_t>(entry.kind) == value) return entry.kind;
  }
  return std::nullopt;
}

}  // namespace nuri::core
