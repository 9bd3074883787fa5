#include "cli/pilot_programs.h"

namespace nuri::cli {

namespace json = boost::json;

namespace {

constexpr const char* kRecipients[] = {"haeundae-apt", "sejong-hansol-apt", "suwon-gwanggyo-apt"};
// Installers chosen by bidding for the EV-charger subsidy.
constexpr const char* kEligibleInstallers[] = {"chargepoint@merchants"};

json::object Account(const std::string& id, const char* role) {
  return json::object{{"id", id}, {"roles", json::array{role}}};
}

// Business promotion expenses (DOMAIN.md): banned categories (bars, escort and massage
// services, gambling, amusement, pawn shops, golf), no spending after 23:00, on weekends or
// holidays unless justified, attendees and evidence from 500,000 won, the anti-graft cap of
// 50,000 won a head for meals, and an approver's co-signature from 1,000,000 won.
json::array BusinessPromotionRules() {
  return json::array{
      json::object{{"id", "R1"},
                   {"rule", "deny_categories"},
                   {"mcc", json::array{"5813", "7273", "7297", "7995", "7996", "5933", "7992"}}},
      json::object{{"id", "R2"},
                   {"rule", "hours"},
                   {"from", "06:00"},
                   {"to", "23:00"},
                   {"justifiable", true}},
      json::object{{"id", "R3"}, {"rule", "business_days"}, {"justifiable", true}},
      json::object{{"id", "R4"}, {"rule", "max_per_payment"}, {"amount", 3000000}},
      json::object{{"id", "R5"}, {"rule", "attendees_required_from"}, {"amount", 500000}},
      json::object{{"id", "R6"},
                   {"rule", "max_per_attendee"},
                   {"amount", 50000},
                   {"mcc", json::array{"5812", "5814"}}},
      json::object{
          {"id", "R7"}, {"rule", "approval_from"}, {"amount", 1000000}, {"role", "approver"}}};
}

}  // namespace

json::array PilotHolidays() {
  return json::array{"2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-03-01",
                     "2026-03-02", "2026-05-05", "2026-05-24", "2026-05-25", "2026-06-03",
                     "2026-06-06", "2026-08-15", "2026-08-17", "2026-09-24", "2026-09-25",
                     "2026-09-26", "2026-10-03", "2026-10-05", "2026-10-09", "2026-12-25",
                     "2027-01-01"};
}

json::array PilotProgramOrgs() {
  return json::array{
      json::object{{"id", "recipients"}, {"kind", "recipients"}, {"name", "Subsidy recipients"}}};
}

json::array PilotProgramAccounts(const std::vector<PilotMinistry>& ministries) {
  json::array accounts;
  for (const auto& ministry : ministries) {
    accounts.push_back(Account("budget@" + ministry.id, "manager"));
    accounts.push_back(Account("director@" + ministry.id, "approver"));
  }
  accounts.push_back(Account("officer@me", "manager"));
  accounts.push_back(Account("inspector@me", "inspector"));
  for (const char* recipient : kRecipients) {
    accounts.push_back(Account(std::string(recipient) + "@recipients", "holder"));
  }
  return accounts;
}

json::array PilotPrograms(const std::vector<PilotMinistry>& ministries, core::TimeMillis start) {
  const core::TimeMillis day = core::kMillisPerDay;
  // Midnight in Korea of the day the network starts.
  const core::TimeMillis local = start + core::kKoreaOffsetMillis;
  const core::TimeMillis midnight = local - local % day - core::kKoreaOffsetMillis;
  const std::string valid_from = core::FormatKoreaTime(midnight - day);
  const std::string valid_until = core::FormatKoreaTime(midnight + 366 * day - 1000);
  json::array programs;
  for (const auto& ministry : ministries) {
    programs.push_back(json::object{{"id", "bpe-" + ministry.id},
                                    {"name", "Business promotion expenses, " + ministry.id},
                                    {"kind", "expense"},
                                    {"token", ministry.token},
                                    {"owner", "treasury@" + ministry.id},
                                    {"managers", json::array{"budget@" + ministry.id}},
                                    {"valid_from", valid_from},
                                    {"valid_until", valid_until},
                                    {"budget_code", ministry.budget_code},
                                    {"rules", BusinessPromotionRules()}});
  }
  json::array installers;
  for (const char* installer : kEligibleInstallers) installers.emplace_back(installer);
  // 30-50 kW chargers: paid only to installers chosen by bidding, half on order and half once
  // an inspector confirms the installation.
  programs.push_back(json::object{
      {"id", "ev-charger"},
      {"name", "EV charging station installation subsidy"},
      {"kind", "subsidy"},
      {"token", "KRW-BNK"},
      {"owner", "treasury@me"},
      {"managers", json::array{"officer@me"}},
      {"valid_from", valid_from},
      {"valid_until", valid_until},
      {"budget_code", "330-02"},
      {"rules",
       json::array{
           json::object{{"id", "E1"}, {"rule", "allow_merchants"}, {"merchants", installers}},
           json::object{{"id", "E2"}, {"rule", "max_per_payment"}, {"amount", 40000000}},
           json::object{{"id", "E3"}, {"rule", "evidence_required_from"}, {"amount", 1}},
           json::object{{"id", "E4"},
                        {"rule", "tranches"},
                        {"tranches", json::array{json::object{{"percent", 50}},
                                                 json::object{{"percent", 50},
                                                              {"milestone", "installation"}}}}}}}});
  return programs;
}

}  // namespace nuri::cli
