// Admission: a node's answer to a submitted transaction, before any block: admitted (kOk, with
// its id), or refused with an admission code and a sentence for the client.
#pragma once

#include <string>

#include "core/reason.h"
#include "crypto/hash.h"

namespace nuri::node {

struct Admission {
  core::ReasonCode code = core::ReasonCode::kOk;
  std::string message;
  crypto::Hash id;
};

// A refusal with `message`, or the usual sentence for `code` when it is empty.
Admission Refuse(core::ReasonCode code, const crypto::Hash& id, std::string message = {});

}  // namespace nuri::node
