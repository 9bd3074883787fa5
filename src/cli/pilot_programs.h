// The programs of the localnet's pilot (docs/operations.md, "Localnet"): a business-promotion
// expense program for each ministry, with the rules officials live with today (DOMAIN.md), and
// the EV-charger installation subsidy of the Ministry of Environment. With them come the
// accounts the programs need: each ministry's budget office (manager) and director (approver),
// the environment ministry's subsidy officer and inspector, and recipient apartment complexes.
// Pure functions.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/time.h"

namespace nuri::cli {

struct PilotMinistry {
  std::string id;
  std::string token;        // the deposit token its programs are funded in
  std::string budget_code;  // the budget item of its business-promotion expenses
};

// Organizations the programs add (recipients).
boost::json::array PilotProgramOrgs();
// Accounts the programs add, without keys.
boost::json::array PilotProgramAccounts(const std::vector<PilotMinistry>& ministries);
// Korea's public holidays of 2026, with substitute holidays and the local election day, and New
// Year's Day 2027 (local dates).
boost::json::array PilotHolidays();
// Program definitions, valid from midnight (Korea time) of the day before `start`, for a year.
boost::json::array PilotPrograms(const std::vector<PilotMinistry>& ministries,
                                 core::TimeMillis start);

}  // namespace nuri::cli
