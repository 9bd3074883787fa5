// AlertApi: the compliance monitor's alerts for auditors (docs/audit.md, "Alerts").
//
//   GET  /v1/alerts?status=open|escalated|resolved&severity=info|warning|high&check=C
//                  &program=P&account=A&before=SEQUENCE&limit=N
//        newest first, a page at a time: {"alerts": [...], "next_before": N or null,
//        "monitor": {"followed_height", "head_height", "behind_blocks", "failed"}}
//   GET  /v1/alerts/{id}
//   POST /v1/alerts/{id}/resolve   {"note"}           closes an open or escalated alert
//   POST /v1/alerts/{id}/escalate  {"note"}           an open alert
//   POST /v1/alerts/{id}/freeze    {"note", "totp"}   freezes the alert's account on the ledger
//        with a freeze transaction signed by the auditor's wallet (a fresh authenticator code
//        needed), answers once it is final, and records it on the alert when it took effect
//
// Reading is for auditors and the node's operator; acting is for an auditor signed in with
// its wallet, whose name goes on the action: an operator's address is nobody in particular.
// Refusals: 401, 403 FORBIDDEN, 404 NOT_FOUND, 409 NOT_ALLOWED_NOW (the alert's status does not
// allow the action), 400 MALFORMED (field named), 422 with the receipt when the ledger refused
// the freeze, 202 when it was not final within the wait (the alert then records the freeze if it
// takes effect while it is valid and the node runs).
//
// Thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "api/read_access.h"
#include "audit/alert_store.h"
#include "audit/monitor_follower.h"
#include "base/clock.h"
#include "node/node.h"
#include "wallet/authenticator.h"

namespace nuri::api {

class AlertApi {
 public:
  // `authenticator`: null when the node keeps no wallets, and then nobody acts on alerts here.
  AlertApi(node::Node& node, audit::AlertStore& store, const audit::MonitorFollower& follower,
           wallet::Authenticator* authenticator, const base::Clock& clock)
      : node_(node),
        store_(store),
        follower_(follower),
        authenticator_(authenticator),
        clock_(clock) {}
  AlertApi(const AlertApi&) = delete;
  AlertApi& operator=(const AlertApi&) = delete;

  // Whether `method` on /v1/alerts/... (segments of the path) is an endpoint of this API.
  static bool Serves(std::string_view method, const std::vector<std::string_view>& segments);
  void Handle(const HttpRequest& request, const std::vector<std::string_view>& segments,
              const Reader& reader, Responder respond);

  // The monitor's progress, for /metrics.
  audit::MonitorProgress progress() const { return follower_.progress(); }

 private:
  HttpResponse List(const HttpRequest& request);
  // ?height=H: the alerts one block raised, in the order raised, with how far the monitor is.
  HttpResponse ListBlock(const HttpRequest& request);
  HttpResponse Act(const HttpRequest& request, std::string_view id, std::string_view action,
                   const std::string& auditor);
  void Freeze(const HttpRequest& request, std::string_view id, const std::string& auditor,
              Responder respond);
  // Records on the alert a freeze that took effect; logs what could not be recorded.
  base::Result<audit::StoredAlert> RecordFreeze(const std::string& id, const std::string& auditor,
                                                const std::string& note,
                                                const crypto::Hash& freeze);

  node::Node& node_;
  audit::AlertStore& store_;
  const audit::MonitorFollower& follower_;
  wallet::Authenticator* authenticator_;
  const base::Clock& clock_;
};

}  // namespace nuri::api
