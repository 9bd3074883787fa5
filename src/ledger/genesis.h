// Genesis: how a chain begins. The description is JSON (docs/formats/genesis.md, the genesis of
// a scenario file plus chain_id and validators): organizations, accounts with keys and roles,
// deposit tokens with their issuers, the holiday calendar, programs, the start time and the
// validator set. It becomes the
// ordered list of bodies that build the state of height 0, and the genesis header whose hash
// names the chain. Pure functions.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/block.h"
#include "core/json.h"
#include "core/transaction.h"

namespace nuri::ledger {

struct Genesis {
  std::string chain_id;
  core::TimeMillis start_time = 0;
  core::ValidatorSet validators;
  std::vector<core::Body> bodies;  // applied in order at height 0
  std::string text;                // the description, kept verbatim
};

struct GenesisOptions {
  // Give accounts listed without keys their derived test key (scenarios, localnets).
  bool derive_missing_keys = false;
  std::string default_chain_id = "nuri-scenario";
};

// Faults name the JSON path ("genesis.accounts[2].roles[0]: unknown role 'boss'").
core::JsonResult<Genesis> ParseGenesis(const boost::json::value& value, std::string_view path,
                                       const GenesisOptions& options);

}  // namespace nuri::ledger
