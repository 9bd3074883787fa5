// PublicApi: what anyone may read, with no session (docs/api.md, "The public's numbers").
//
//   GET /v1/public/spending?by=ministry|program|category|month[&format=json|csv]
//       program payments totalled per cell, net of refunds, from every committed block this
//       node holds; cells of too few payments or holders suppressed (audit/spending_totals.h).
//       CSV also when the request accepts text/csv.
//
// Each answer is current to the head at that moment: the totals follow the committed blocks,
// a bounded number under each read of the ledger, before answering. Thread-safe.
#pragma once

#include <mutex>

#include "api/http_server.h"
#include "audit/spending_totals.h"
#include "node/node.h"

namespace nuri::api {

class PublicApi {
 public:
  explicit PublicApi(node::Node& node) : node_(node) {}
  PublicApi(const PublicApi&) = delete;
  PublicApi& operator=(const PublicApi&) = delete;

  // Answers requests under /v1/public and returns true; false for any other path.
  bool Handle(const HttpRequest& request, Responder& respond);

 private:
  HttpResponse Spending(const HttpRequest& request);
  // Adds the blocks committed since the last call; an error when the store fails.
  base::Status CatchUp();

  node::Node& node_;
  std::mutex mutex_;
  audit::SpendingTotals totals_;     // guarded by mutex_
  std::uint64_t totals_height_ = 0;  // guarded by mutex_: the last block added
  std::uint64_t from_height_ = 1;    // guarded by mutex_: the first block added
};

}  // namespace nuri::api
