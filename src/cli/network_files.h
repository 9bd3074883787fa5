// The files that make a network of institutions' nodes (docs/network.md): each organization's
// TLS certificate authority, each node's TLS certificate and consensus key, and network.json,
// which lists every member with its organization, addresses and TLS key fingerprint. `nuri
// genesis --nodes` and `nuri localnet up` write them. Every private key is sealed under the
// password at rest (mode 0600).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "crypto/keys.h"

namespace nuri::cli {

struct NodePlan {
  std::string name;  // core::IsValidatorName
  std::string org;
  std::string role;  // validator | observer
  std::string api;   // base URL, e.g. http://127.0.0.1:7101
  std::string p2p;   // host:port
  // The HTTPS API's base URL, e.g. https://127.0.0.1:7301; empty when the node serves none.
  std::string https_api;
};

struct NodeMade {
  NodePlan plan;
  crypto::PublicKey consensus_key;
  std::string tls_key_fingerprint;  // hex
};

// Checks the plans: node names unique and valid, roles known, at least one validator, addresses
// present.
base::Status CheckNodePlans(const std::vector<NodePlan>& nodes);

// Writes, under `directory`: tls/<org>-ca.pem and tls/<org>-ca.key (an existing CA of an
// organization is reused, its key opened with the password), nodes/<name>/tls.pem, tls.key and
// validator.key (observers get a consensus key too, so that a governor can add them to the
// validators), for a node with an HTTPS API nodes/<name>/api_tls.pem and api_tls.key (a P-256
// certificate its organization's CA issues for the URL's host and "localhost", followed by the
// CA's certificate), and network.json. Refuses to overwrite a node's files.
base::Result<std::vector<NodeMade>> WriteNetworkFiles(const std::string& directory,
                                                      const std::vector<NodePlan>& nodes,
                                                      const std::string& password);

}  // namespace nuri::cli
