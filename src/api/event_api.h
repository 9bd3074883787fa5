// EventApi: GET /v1/events, the live feed of committed transactions as Server-Sent Events
// (event_hub.h), for the wallets' users: merchants watching their takings, officials their
// spending, organizations' admins their organization, auditors everything.
//
//   GET /v1/events?account=A&program=P&organization=O&from_height=H
//       Authorization: Bearer TOKEN        (a wallet session, wallet_api.h)
//       Last-Event-ID: H:I                 (resumes after that event; wins over from_height)
//   200 text/event-stream: "retry: 3000", then for each committed transaction that matches
//       every filter given: "id: H:I", "event: transaction", "data: {...}" (the transaction's
//       status as GET /v1/transactions/{id} shows it, with event_id, index, time, type, signer,
//       accounts and body); a ": heartbeat" comment when quiet. Without from_height or
//       Last-Event-ID the feed starts with the next block.
//
//   GET /v1/ws  (a WebSocket upgrade; else 426 UPGRADE_REQUIRED) the same feed with the same
//       query, and the last id also as ?last_event_id=H:I: each event is one text message
//       {"event":"transaction","id":"H:I","data":{...}}; {"event":"heartbeat"} when quiet,
//       {"event":"gap",...} as for the stream.
//
// Who may follow what: an auditor anything; an organization's admin anything confined to the
// organization (organization=O, an account of O, or a program O owns); anyone their own account
// (account=own), a frozen account no more than that. Checked again at each heartbeat: the
// stream ends when the session ends or the role is withdrawn.
//
// Refusals: 401 UNAUTHENTICATED, 403 FORBIDDEN, 400 MALFORMED (field: the parameter),
// 429 TOO_MANY_STREAMS (4 open per account, 16 per client address), 503 BUSY with Retry-After
// when the node has as many subscribers as it takes. A stream does not keep its session alive:
// it ends at the first heartbeat after the session idled out or ended.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "api/event_hub.h"
#include "api/http_server.h"
#include "api/wallet_api.h"
#include "node/node.h"

namespace nuri::api {

class EventApi {
 public:
  EventApi(node::Node& node, WalletApi& wallets, EventHub& hub)
      : node_(node), wallets_(wallets), hub_(hub) {}
  EventApi(const EventApi&) = delete;
  EventApi& operator=(const EventApi&) = delete;

  // Answers the request when it is for /v1/events; false, leaving `respond` untouched, when not.
  bool Handle(const HttpRequest& request, Responder& respond);

 private:
  void Subscribe(const HttpRequest& request, Responder respond, EventFormat format);
  // Whether `viewer` may follow events under `filter` now.
  bool MayFollow(const core::AccountId& viewer, const EventFilter& filter) const;
  // Counts `stream` against the caps per account and per address, or says which is reached.
  std::optional<HttpResponse> TakeStreamSlots(const core::AccountId& viewer,
                                              const std::string& address,
                                              const std::shared_ptr<ResponseStream>& stream);

  node::Node& node_;
  WalletApi& wallets_;
  EventHub& hub_;
  std::mutex streams_mutex_;
  // The open streams by "account ID" and "address IP"; guarded by streams_mutex_.
  std::map<std::string, std::vector<std::weak_ptr<ResponseStream>>> open_streams_;
};

}  // namespace nuri::api
