// Local networks of real nurid processes on loopback, for development, demos and end-to-end
// tests (docs/operations.md, "Localnet"). A localnet directory holds everything: the password
// that seals its key files, the sealed validator keys, the seed of its accounts' demo keys, the
// genesis, and each node's configuration, database, log and pid file. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "crypto/keys.h"

namespace nuri::cli {

struct LocalnetNode {
  std::string name;
  std::string role;  // validator | observer
  std::string api;   // base URL
  std::string directory;
};

// Reads DIR/network.json.
base::Result<std::vector<LocalnetNode>> ReadLocalnet(const std::string& directory);
// The demo signing key of an account of the localnet in `directory` (sealed seed + account id).
base::Result<crypto::SecretKey> LocalnetAccountKey(const std::string& directory,
                                                   const std::string& account);

}  // namespace nuri::cli
