// A small chain for tests of the node and of what stands on it: the central bank's governor@bok,
// a bank whose issuer@bnk issues KRW-BNK, a ministry with the holder kim@moef, its treasury@moef
// and budget@moef (manager), the restaurant hanok@merchants (5812), the program bpe-test
// (payments 06:00-23:00, budget item 203-01), derived test keys, and the validators v1..vN
// (keys: crypto::DeriveTestKey("v<i>")).
// Test keys only: never for real money.
#pragma once

#include <cstddef>
#include <string_view>

#include "ledger/genesis.h"

namespace nuri::node {

ledger::Genesis TestChainGenesis(std::string_view chain_id, std::size_t validators = 1);

}  // namespace nuri::node
