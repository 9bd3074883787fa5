// NodeApi: the /v1 HTTP/JSON API of one node.
//
//   POST /v1/transactions          a signed envelope as JSON, or its canonical bytes
//                                  (Content-Type: application/octet-stream); 202 {"id"} or 4xx
//                                  {"code","message","field"}; with ?wait_ms=N, answers once the
//                                  transaction is final (or N ms passed) with its status
//   POST /v1/transactions/batch    u32-length-prefixed canonical transactions; per-item results
//   GET  /v1/transactions/{id}     status pending|ok|rejected|refused, code, rule, message, height
//                                  (?wait_ms=N waits while pending)
//   GET  /v1/evidence/transactions/{id}   for auditors: the evidence of a committed transaction,
//                                  verified offline from the genesis (docs/formats/evidence.md)
//   GET  /v1/evidence/balances/{account}/{token}   for auditors: the evidence of a balance at
//                                  the head, verified the same way
//   GET  /v1/blocks/{height|latest}
//   GET  /v1/accounts/{id}         roles, frozen, keys, balances, program balances
//   GET  /v1/accounts/{id}/transactions?limit=N   the latest transactions involving it, newest
//                                  first, each with its status
//   GET  /v1/tokens/{id}           issuer, minted, burned, supply
//   GET  /v1/programs              every program: id, name, version, closed, totals
//   GET  /v1/programs/{id}         definition, every version's rules, totals, and the rules in
//                                  plain sentences
//   POST /v1/programs/check        validates a definition (JSON) against the current ledger
//                                  without submitting it: 200 {"valid":true,"explanation"} or
//                                  422 {"code","message","field","faults":[{field,code,message}]}
//   /v1/sessions...                a node's custodial wallets (wallet_api.h)
//   /v1/payment-requests...        merchants' payment requests, paid from wallets
//                                  (payment_request_api.h)
//   /v1/approvals...               payments waiting for an approver's co-signature
//                                  (approval_api.h)
//   GET  /v1/events, /v1/ws        committed transactions as Server-Sent Events or WebSocket
//                                  messages, for wallet sessions (event_api.h)
//   /v1/evidence-records...        the personal data behind payments, off the ledger
//                                  (evidence_record_api.h)
//   GET  /v1/exports/payments      payments and refunds of a period as CSV or JSON Lines, for
//                                  accounting systems and auditors (export_api.h)
//   GET  /v1/public/spending       the public's totals of program spending, with no session
//                                  (public_api.h)
//   GET  /v1/status                chain id, node, height, state_root, mempool size
//   GET  /metrics                  Prometheus text
//   GET  /openapi.json, /docs      the API's OpenAPI 3.1 document, and as a page (openapi.h)
//
// Reads are scoped by who asks (read_access.h): the node's operator addresses read everything,
// anyone else by the roles of their wallet session (401 UNAUTHENTICATED without one, 403
// FORBIDDEN for what is not theirs; a transaction not theirs is 404, as one that does not exist).
//
// Thread-safe: the server calls Handle from its threads. Destroy after the node has stopped:
// its waiters call back into this.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "api/alert_api.h"
#include "api/api_guard.h"
#include "api/approval_api.h"
#include "api/event_api.h"
#include "api/evidence_record_api.h"
#include "api/export_api.h"
#include "api/http_server.h"
#include "api/payment_request_api.h"
#include "api/public_api.h"
#include "api/read_access.h"
#include "api/wallet_api.h"
#include "node/node.h"

namespace nuri::api {

inline constexpr int kWaitMillisMax = 60000;
inline constexpr std::size_t kHistoryLimitDefault = 50;
inline constexpr std::size_t kHistoryLimitMax = 1000;

// The parts of the API a node may or may not have; null when it has not.
struct NodeApiParts {
  WalletApi* wallets = nullptr;            // when the node keeps wallets
  PaymentRequestApi* payments = nullptr;   // likewise
  ApprovalApi* approvals = nullptr;        // likewise
  EventApi* events = nullptr;              // likewise
  EvidenceRecordApi* evidence_records = nullptr;  // likewise
  AlertApi* alerts = nullptr;              // when the node runs the compliance monitor
  const ApiGuardMetrics* guard = nullptr;  // for /metrics
};

class NodeApi {
 public:
  // `operator_addresses`: the callers who read everything without a session (read_access.h).
  NodeApi(node::Node& node, const base::Clock& clock, NodeApiParts parts = {},
          std::vector<std::string> operator_addresses = kOperatorAddressesDefault)
      : node_(node),
        clock_(clock),
        parts_(parts),
        access_(node, parts.wallets, std::move(operator_addresses)),
        public_(node),
        exports_(node) {}
  NodeApi(const NodeApi&) = delete;
  NodeApi& operator=(const NodeApi&) = delete;

  void Handle(HttpRequest request, Responder respond);

 private:
  void SubmitTransaction(const HttpRequest& request, Responder respond);
  void SubmitBatch(const HttpRequest& request, Responder respond);
  static bool ReadsLedger(const HttpRequest& request,
                          const std::vector<std::string_view>& segments);
  void ReadLedger(const HttpRequest& request, const std::vector<std::string_view>& segments,
                  const Reader& reader, Responder respond);
  void GetTransaction(const HttpRequest& request, std::string_view id, const Reader& reader,
                      Responder& respond);
  // The statuses of many transactions at once, answered once none is pending or at wait_ms:
  // what a finance system that submitted a batch waits on, in one request instead of one each.
  void GetTransactionStatuses(const HttpRequest& request, const Reader& reader, Responder respond);
  // The 403 for a reader who may not see a transaction's status; nullopt when it may.
  std::optional<HttpResponse> HiddenFrom(const Reader& reader, const node::TxStatus& status) const;
  HttpResponse GetTransactionEvidence(std::string_view id);
  HttpResponse GetBalanceEvidence(std::string_view account, std::string_view token);
  HttpResponse GetBlock(std::string_view which);
  // Up to `count` committed blocks from a height, with their receipts, as bytes
  // (core/committed_block.h): what the audit indexer follows.
  HttpResponse GetCommittedBlocks(const HttpRequest& request, std::string_view from);
  HttpResponse GetAccount(std::string_view id);
  HttpResponse GetAccountHistory(const HttpRequest& request, std::string_view id);
  HttpResponse GetToken(std::string_view id);
  HttpResponse ListPrograms();
  HttpResponse GetProgram(std::string_view id);
  HttpResponse CheckProgram(const HttpRequest& request);
  HttpResponse GetStatus();
  HttpResponse GetValidators();
  HttpResponse GetMetrics();
  // `reader`: nullopt when whoever waits may see the outcome whatever it is.
  void WaitThenRespond(const crypto::Hash& id, int wait_millis, std::optional<Reader> reader,
                       Responder respond);

  node::Node& node_;
  const base::Clock& clock_;
  const NodeApiParts parts_;
  ReadAccess access_;
  PublicApi public_;
  ExportApi exports_;
  // Where a waiter's answer is checked against its reader, off the thread that makes blocks.
  boost::asio::thread_pool checks_after_waits_{1};
};

}  // namespace nuri::api
