// EvidenceRecordApi: the personal data behind payments, off the ledger (wallet/evidence_store.h,
// docs/audit.md, "Personal data").
//
//   POST /v1/evidence-records   holder session: {"attendees": [names], "purpose",
//                               "document" (base64, at most 2 MiB), "document_type"}
//        201 {"id","hash","holder","created","erase_after"}: the holder pays with
//        "evidence": hash (or, paying a payment request, "evidence_record": id)
//   GET  /v1/evidence-records/{id}
//        200 {"id","hash","holder","created","erase_after","salt","attendees","purpose",
//        "document_type","document"}; 410 GONE {"code","message","record":{"id","hash",
//        "holder","created","erase_after","erased"}} once erased
//
// A record is read by its holder, an admin of the holder's organization and auditors, each
// signed in with a wallet: never by a node operator's address alone, since the record holds
// other people's names. Refusals: 401, 403 FORBIDDEN (another's record; filing without the
// holder role or frozen), 404 NOT_FOUND, 400 MALFORMED with the field, 429 TOO_MANY_RECORDS
// (a holder's filings of a day, wallet/evidence_store.h).
//
// Thread-safe.
#pragma once

#include "api/http_server.h"
#include "api/wallet_api.h"
#include "node/node.h"
#include "wallet/evidence_store.h"

namespace nuri::api {

class EvidenceRecordApi {
 public:
  EvidenceRecordApi(node::Node& node, WalletApi& sessions, wallet::EvidenceStore& store)
      : node_(node), sessions_(sessions), store_(store) {}
  EvidenceRecordApi(const EvidenceRecordApi&) = delete;
  EvidenceRecordApi& operator=(const EvidenceRecordApi&) = delete;

  // Answers the request when it is for an evidence-record endpoint; false, leaving `respond`
  // untouched, when it is not.
  bool Handle(const HttpRequest& request, Responder& respond);

 private:
  HttpResponse File(const HttpRequest& request, const core::AccountId& holder);
  HttpResponse Show(std::string_view id, const core::AccountId& reader);

  node::Node& node_;
  WalletApi& sessions_;
  wallet::EvidenceStore& store_;
};

// RFC 4648 base64 with padding; nullopt for anything else (whitespace included).
std::string EncodeBase64(std::string_view bytes);
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace nuri::api
