#include "api/node_api.h"

#include <boost/asio/post.hpp>
#include <charconv>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "api/json_response.h"
#include "api/openapi.h"
#include "api/views.h"
#include "audit/evidence.h"
#include "audit/evidence_json.h"
#include "base/limits.h"
#include "base/log.h"
#include "codec/codec.h"
#include "core/committed_block.h"
#include "core/json.h"
#include "ledger/ledger.h"
#include "ledger/records.h"
#include "ledger/state_view.h"
#include "policy/explain.h"
#include "policy/validate.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

// A body of committed blocks stops growing past this (it always holds its first block): well
// under what HttpClient reads, and a few seconds of a busy chain.
constexpr std::size_t kCommittedBytesMax = 16 * 1024 * 1024;

// Splits "/v1/blocks/12" into {"v1","blocks","12"}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto end = path.find('/');
    segments.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return segments;
}

// Parses ?wait_ms=; absent is 0, anything malformed is nullopt.
std::optional<int> WaitMillis(const HttpRequest& request) {
  const std::string text = request.QueryParameter("wait_ms");
  if (text.empty()) return 0;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return std::min(value, kWaitMillisMax);
}

}  // namespace

void NodeApi::Handle(HttpRequest request, Responder respond) {
  const auto segments = Segments(request.path);
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/metrics" && get) {
    const auto reader = access_.ReaderOrRefuse(request, respond);
    if (!reader) return;
    if (!reader->MaySeeEverything()) return respond(NotYoursResponse(*reader, "the metrics"));
    return respond(GetMetrics());
  }
  if (request.path == "/openapi.json" && get) {
    HttpResponse response;
    response.body = std::string(OpenApiDocument());
    return respond(std::move(response));
  }
  if (request.path == "/docs" && get) {
    HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = OpenApiPage();
    return respond(std::move(response));
  }
  if (segments.size() < 2 || segments[0] != "v1") {
    return respond(ErrorResponse(404, "NOT_FOUND", "no such endpoint: " + request.path));
  }
  const std::string_view resource = segments[1];
  if (public_.Handle(request, respond)) return;
  if (parts_.wallets != nullptr && parts_.wallets->Handle(request, respond)) return;
  if (parts_.payments != nullptr && parts_.payments->Handle(request, respond)) return;
  if (parts_.approvals != nullptr && parts_.approvals->Handle(request, respond)) return;
  if (parts_.events != nullptr && parts_.events->Handle(request, respond)) return;
  if (parts_.evidence_records != nullptr && parts_.evidence_records->Handle(request, respond)) {
    return;
  }
  if ((resource == "sessions" && parts_.wallets == nullptr) ||
      (resource == "evidence-records" && parts_.evidence_records == nullptr) ||
      (resource == "payment-requests" && parts_.payments == nullptr) ||
      (resource == "approvals" && parts_.approvals == nullptr) ||
      ((resource == "events" || resource == "ws") && parts_.events == nullptr)) {
    return respond(ErrorResponse(404, "NOT_FOUND", "this node keeps no wallets"));
  }
  if (request.method == "POST" && resource == "transactions") {
    if (segments.size() == 2) return SubmitTransaction(request, respond);
    if (segments.size() == 3 && segments[2] == "batch") return SubmitBatch(request, respond);
    if (segments.size() == 3 && segments[2] == "statuses") {
      const auto reader = access_.ReaderOrRefuse(request, respond);
      if (!reader) return;
      return GetTransactionStatuses(request, *reader, std::move(respond));
    }
  } else if (get && segments.size() == 2 && resource == "status") {
    return respond(GetStatus());
  } else if (get && segments.size() == 2 && resource == "validators") {
    return respond(GetValidators());
  } else if (resource == "alerts") {
    if (parts_.alerts == nullptr) {
      return respond(ErrorResponse(404, "NOT_FOUND", "this node runs no compliance monitor"));
    }
    if (AlertApi::Serves(request.method, segments)) {
      // An action is a person's, whatever address the auditor comes from: the session decides.
      if (request.method == "POST" && parts_.wallets != nullptr) {
        const auto session = parts_.wallets->SessionOrRefuse(request, respond);
        if (!session) return;
        const Reader reader = node_.Read([&](const ledger::Ledger& ledger) {
          return ReaderOf(ledger.state(), session->account);
        });
        return parts_.alerts->Handle(request, segments, reader, std::move(respond));
      }
      const auto reader = access_.ReaderOrRefuse(request, respond);
      if (!reader) return;
      return parts_.alerts->Handle(request, segments, *reader, std::move(respond));
    }
  } else if (ReadsLedger(request, segments)) {
    const auto reader = access_.ReaderOrRefuse(request, respond);
    if (!reader) return;
    return ReadLedger(request, segments, *reader, std::move(respond));
  }
  respond(
      ErrorResponse(404, "NOT_FOUND", "no such endpoint: " + request.method + " " + request.path));
}

bool NodeApi::ReadsLedger(const HttpRequest& request,
                          const std::vector<std::string_view>& segments) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  const std::string_view resource = segments[1];
  if (resource == "programs") {
    return (get && segments.size() <= 3) ||
           (request.method == "POST" && segments.size() == 3 && segments[2] == "check");
  }
  if (resource == "accounts") {
    return get && (segments.size() == 3 || (segments.size() == 4 && segments[3] == "transactions"));
  }
  if (resource == "evidence") {
    return get && ((segments.size() == 4 && segments[2] == "transactions") ||
                   (segments.size() == 5 && segments[2] == "balances"));
  }
  if (resource == "exports") {
    return get && segments.size() == 3 &&
           (segments[2] == "payments" || segments[2] == "reconciliation" ||
            segments[2] == "statement");
  }
  if (resource == "blocks") {
    return get && (segments.size() == 3 || (segments.size() == 4 && segments[3] == "committed"));
  }
  return get && segments.size() == 3 && (resource == "transactions" || resource == "tokens");
}

void NodeApi::ReadLedger(const HttpRequest& request, const std::vector<std::string_view>& segments,
                         const Reader& reader, Responder respond) {
  const std::string_view resource = segments[1];
  if (resource == "transactions") return GetTransaction(request, segments[2], reader, respond);
  if (resource == "exports" && segments[2] == "payments") {
    return respond(exports_.Payments(request, reader));
  }
  if (resource == "exports" && segments[2] == "statement") {
    return respond(exports_.Statement(request, reader));
  }
  if (resource == "exports") return respond(exports_.Reconciliation(request, reader));
  if (resource == "evidence") {
    // The proofs of validator set changes hold whole buckets of the state, and with them
    // entries of other accounts: evidence is for those who may see everything.
    if (!reader.MaySeeEverything()) {
      return respond(NotYoursResponse(reader, "evidence (it is for auditors)"));
    }
    if (segments[2] == "balances") return respond(GetBalanceEvidence(segments[3], segments[4]));
    return respond(GetTransactionEvidence(segments[3]));
  }
  if (resource == "blocks") {
    if (!reader.MaySeeEverything()) return respond(NotYoursResponse(reader, "blocks"));
    return respond(segments.size() == 3 ? GetBlock(segments[2])
                                        : GetCommittedBlocks(request, segments[2]));
  }
  if (resource == "accounts") {
    if (!reader.MaySeeAccount(segments[2])) {
      return respond(NotYoursResponse(reader, "account " + std::string(segments[2])));
    }
    return respond(segments.size() == 3 ? GetAccount(segments[2])
                                        : GetAccountHistory(request, segments[2]));
  }
  if (resource == "tokens") return respond(GetToken(segments[2]));
  if (resource == "programs" && segments.size() == 2) return respond(ListPrograms());
  if (resource == "programs" && request.method == "POST") {
    // A definition is checked against the accounts it names, so the answer says which exist
    // and what roles they hold: for those who draft programs and those who audit them.
    if (!reader.MaySeeEverything() && !reader.IsAdministrator()) {
      return respond(NotYoursResponse(reader, "program checks: they are for admins and auditors"));
    }
    return respond(CheckProgram(request));
  }
  if (resource == "programs") return respond(GetProgram(segments[2]));
  respond(ErrorResponse(404, "NOT_FOUND", "no such endpoint: " + request.path));
}

void NodeApi::SubmitTransaction(const HttpRequest& request, Responder respond) {
  const auto wait = WaitMillis(request);
  if (!wait)
    return respond(ErrorResponse(400, "MALFORMED", "wait_ms must be a non-negative integer"));
  std::string bytes;
  if (request.Header("content-type").starts_with("application/octet-stream")) {
    bytes = request.body;
  } else {
    auto value = core::ParseJsonText(request.body);
    if (!value) return respond(ErrorResponse(400, "MALFORMED", value.error().message()));
    auto tx = core::TransactionFromJson(*value);
    if (!tx) {
      return respond(ErrorResponse(400, core::ReasonName(tx.error().code), tx.error().message,
                                   tx.error().field));
    }
    bytes = core::Encode(*tx);
  }
  node_.SubmitBatchAsync({std::move(bytes)}, [this, wait = *wait, respond = std::move(respond)](
                                                 std::vector<node::Admission> admissions) mutable {
    const node::Admission& admission = admissions.front();
    if (admission.code != core::ReasonCode::kOk) {
      return respond(JsonResponse(HttpStatusForRefusal(admission.code), AdmissionView(admission)));
    }
    // The submitter holds the transaction already: its outcome is theirs to see.
    if (wait > 0) return WaitThenRespond(admission.id, wait, std::nullopt, std::move(respond));
    respond(JsonResponse(202, json::object{{"id", admission.id.ToHex()}, {"status", "pending"}}));
  });
}

void NodeApi::SubmitBatch(const HttpRequest& request, Responder respond) {
  codec::Reader reader(request.body);
  std::vector<std::string> items;
  while (reader.ok() && reader.remaining() > 0) {
    if (items.size() >= base::kHttpBatchTransactionsMax) {
      return respond(ErrorResponse(413, "TOO_LARGE",
                                   "a batch holds at most " +
                                       std::to_string(base::kHttpBatchTransactionsMax) +
                                       " transactions"));
    }
    items.push_back(reader.GetBytes(base::kTransactionSizeBytesMax, "transaction"));
  }
  if (!reader.ok()) return respond(ErrorResponse(400, "MALFORMED", reader.status().message()));
  node_.SubmitBatchAsync(
      std::move(items), [respond = std::move(respond)](std::vector<node::Admission> admissions) {
        json::array results;
        for (const auto& admission : admissions) {
          json::object item = AdmissionView(admission);
          if (admission.code == core::ReasonCode::kOk) item.erase("message");
          results.push_back(std::move(item));
        }
        respond(JsonResponse(200, json::object{{"results", std::move(results)}}));
      });
}

void NodeApi::WaitThenRespond(const crypto::Hash& id, int wait_millis, std::optional<Reader> reader,
                              Responder respond) {
  const std::int64_t deadline = clock_.MonotonicMicros() + std::int64_t{wait_millis} * 1000;
  node_.WhenFinal(id, deadline,
                  [this, reader = std::move(reader),
                   respond = std::move(respond)](const node::TxStatus& status) {
                    if (reader) {
                      if (auto hidden = HiddenFrom(*reader, status))
                        return respond(*std::move(hidden));
                    }
                    respond(JsonResponse(status.state == node::TxState::kPending ? 202 : 200,
                                         TxStatusView(status)));
                  });
}

void NodeApi::GetTransaction(const HttpRequest& request, std::string_view id_text,
                             const Reader& reader, Responder& respond) {
  const auto id = crypto::Hash::FromHex(id_text);
  if (!id) return respond(ErrorResponse(400, "MALFORMED", "a transaction id is 64 hex digits"));
  const auto wait = WaitMillis(request);
  if (!wait)
    return respond(ErrorResponse(400, "MALFORMED", "wait_ms must be a non-negative integer"));
  const node::TxStatus status = node_.GetTransaction(*id);
  if (status.state == node::TxState::kPending && *wait > 0) {
    return WaitThenRespond(*id, *wait, reader, std::move(respond));
  }
  if (status.state == node::TxState::kUnknown) {
    return respond(ErrorResponse(404, "NOT_FOUND", "no transaction " + std::string(id_text)));
  }
  if (auto hidden = HiddenFrom(reader, status)) return respond(*std::move(hidden));
  respond(JsonResponse(200, TxStatusView(status)));
}

namespace {

// The answers to one statuses request as they come in, from the threads that commit blocks and
// expire waits; the last one to come in answers the request.
class StatusGathering {
 public:
  using Answer = std::function<void(std::vector<node::TxStatus>)>;
  StatusGathering(std::size_t count, Answer answer)
      : statuses_(count), remaining_(count), answer_(std::move(answer)) {}

  void Set(std::size_t index, const node::TxStatus& status) {
    {
      std::lock_guard lock(mutex_);
      statuses_[index] = status;
      if (--remaining_ > 0) return;
    }
    answer_(std::move(statuses_));
  }

 private:
  std::mutex mutex_;
  std::vector<node::TxStatus> statuses_;  // guarded by mutex_
  std::size_t remaining_;                 // guarded by mutex_
  Answer answer_;
};

// The ids of a statuses request: {"ids": [64 hex digits, ...]}, at most a batch's worth.
base::Result<std::vector<crypto::Hash>> ParseStatusIds(std::string_view body) {
  auto value = core::ParseJsonText(body);
  if (!value) return base::Error(value.error());
  const json::object* object = value->if_object();
  const json::value* ids = object == nullptr ? nullptr : object->if_contains("ids");
  if (ids == nullptr || !ids->is_array()) {
    return base::Error(base::Status::InvalidArgument("the body is {\"ids\": [...]}"));
  }
  if (ids->as_array().size() > base::kHttpBatchTransactionsMax) {
    return base::Error(base::Status::ResourceExhausted(
        "at most " + std::to_string(base::kHttpBatchTransactionsMax) + " ids at once"));
  }
  std::vector<crypto::Hash> parsed;
  parsed.reserve(ids->as_array().size());
  for (const json::value& id : ids->as_array()) {
    const auto hash = id.is_string() ? crypto::Hash::FromHex(id.as_string()) : std::nullopt;
    if (!hash) {
      return base::Error(base::Status::InvalidArgument("a transaction id is 64 hex digits"));
    }
    parsed.push_back(*hash);
  }
  return parsed;
}

}  // namespace

void NodeApi::GetTransactionStatuses(const HttpRequest& request, const Reader& reader,
                                     Responder respond) {
  const auto wait = WaitMillis(request);
  if (!wait)
    return respond(ErrorResponse(400, "MALFORMED", "wait_ms must be a non-negative integer"));
  auto ids = ParseStatusIds(request.body);
  if (!ids) {
    return respond(ids.error().code() == base::StatusCode::kResourceExhausted
                       ? ErrorResponse(413, "TOO_LARGE", ids.error().message())
                       : ErrorResponse(400, "MALFORMED", ids.error().message()));
  }
  auto answer = [this, reader, respond = std::move(respond)](std::vector<node::TxStatus> statuses) {
    json::array results;
    results.reserve(statuses.size());
    for (const node::TxStatus& status : statuses) {
      // One the reader may not see is answered as one unknown, as GET answers it.
      if (status.state == node::TxState::kUnknown || HiddenFrom(reader, status)) {
        results.push_back(json::object{{"id", status.id.ToHex()}, {"status", "unknown"}});
      } else {
        results.push_back(TxStatusView(status));
      }
    }
    respond(JsonResponse(200, json::object{{"results", std::move(results)}}));
  };
  if (*wait == 0 || ids->empty()) {
    std::vector<node::TxStatus> statuses;
    statuses.reserve(ids->size());
    for (const crypto::Hash& id : *ids) statuses.push_back(node_.GetTransaction(id));
    return answer(std::move(statuses));
  }
  const std::int64_t deadline = clock_.MonotonicMicros() + std::int64_t{*wait} * 1000;
  const auto gathering = std::make_shared<StatusGathering>(ids->size(), std::move(answer));
  for (std::size_t i = 0; i < ids->size(); ++i) {
    node_.WhenFinal((*ids)[i], deadline,
                    [gathering, i](const node::TxStatus& status) { gathering->Set(i, status); });
  }
}

// Only a committed transaction is checked: a pending or refused one shows no more than its
// status, to a caller who already holds its id, a hash no one guesses. One hidden is answered
// as one unknown, so that the answer does not say it exists.
std::optional<HttpResponse> NodeApi::HiddenFrom(const Reader& reader,
                                                const node::TxStatus& status) const {
  if (status.state != node::TxState::kCommitted || reader.MaySeeEverything()) return std::nullopt;
  const bool visible = node_.Read([&](const ledger::Ledger& ledger) {
    if (MaySeeProgram(reader, ledger.state(), status.receipt.program)) return true;
    const auto location = ledger.FindTransaction(status.id);
    if (!location) return false;
    const auto block = ledger.ReadBlock(location->height);
    if (!block || location->index >= block->transactions.size()) return false;
    const auto signed_tx = core::DecodeTransaction(block->transactions[location->index]);
    return signed_tx && reader.MaySeeAnyOf(ledger::InvolvedAccounts(signed_tx->tx, ledger.state()));
  });
  if (visible) return std::nullopt;
  return ErrorResponse(404, "NOT_FOUND", "no transaction " + status.id.ToHex());
}

HttpResponse NodeApi::GetTransactionEvidence(std::string_view id_text) {
  const auto id = crypto::Hash::FromHex(id_text);
  if (!id) return ErrorResponse(400, "MALFORMED", "a transaction id is 64 hex digits");
  const node::TxStatus status = node_.GetTransaction(*id);
  if (status.state != node::TxState::kCommitted) {
    return ErrorResponse(
        404, "NOT_FOUND",
        "no committed transaction " + std::string(id_text) +
            (status.state == node::TxState::kPending ? " yet: it is pending" : ""));
  }
  auto evidence = node_.Read(
      [&](const ledger::Ledger& ledger) { return audit::TransactionEvidenceOf(ledger, *id); });
  if (!evidence) {
    if (evidence.error().code() == base::StatusCode::kNotFound) {
      return ErrorResponse(404, "NOT_FOUND", evidence.error().message());
    }
    return ErrorResponse(500, "INTERNAL", evidence.error().message());
  }
  return JsonResponse(200, audit::EvidenceToJson(*evidence));
}

HttpResponse NodeApi::GetBalanceEvidence(std::string_view account, std::string_view token) {
  if (!core::AccountId::Parse(account)) {
    return ErrorResponse(400, "MALFORMED", "expected an account name@org");
  }
  if (!core::TokenId::Parse(token)) return ErrorResponse(400, "MALFORMED", "expected a token id");
  auto evidence = node_.Read([&](const ledger::Ledger& ledger) {
    return audit::BalanceEvidenceOf(ledger, account, token);
  });
  if (!evidence) {
    if (evidence.error().code() == base::StatusCode::kNotFound) {
      return ErrorResponse(404, "NOT_FOUND", evidence.error().message());
    }
    return ErrorResponse(500, "INTERNAL", evidence.error().message());
  }
  return JsonResponse(200, audit::BalanceEvidenceToJson(*evidence));
}

HttpResponse NodeApi::GetBlock(std::string_view which) {
  std::uint64_t height = 0;
  if (which == "latest") {
    height = node_.Read([](const ledger::Ledger& ledger) { return ledger.head().height; });
  } else {
    const auto [end, error] = std::from_chars(which.data(), which.data() + which.size(), height);
    if (error != std::errc() || end != which.data() + which.size()) {
      return ErrorResponse(400, "MALFORMED", "a block is named by its height or 'latest'");
    }
  }
  auto block = node_.Read([&](const ledger::Ledger& ledger) { return ledger.ReadBlock(height); });
  if (!block) return ErrorResponse(404, "NOT_FOUND", block.error().message());
  return JsonResponse(200, BlockView(*block));
}

HttpResponse NodeApi::GetCommittedBlocks(const HttpRequest& request, std::string_view from) {
  std::uint64_t height = 0;
  const auto [end, error] = std::from_chars(from.data(), from.data() + from.size(), height);
  if (error != std::errc() || end != from.data() + from.size() || height == 0) {
    return ErrorResponse(400, "MALFORMED", "committed blocks start at a height of 1 or more",
                         "height");
  }
  std::size_t count = 1;
  if (const std::string text = request.QueryParameter("count"); !text.empty()) {
    const auto [count_end, count_error] =
        std::from_chars(text.data(), text.data() + text.size(), count);
    if (count_error != std::errc() || count_end != text.data() + text.size() || count == 0 ||
        count > base::kBlocksPerLockMax) {
      return ErrorResponse(400, "MALFORMED",
                           "count is 1 to " + std::to_string(base::kBlocksPerLockMax), "count");
    }
  }
  // Blocks are read under one lock and sent as one body, of at most kCommittedBytesMax past its
  // first block. A follower waits for a block not committed yet, and must look elsewhere for
  // one this node does not keep: the two answers differ.
  std::optional<HttpResponse> refusal;
  auto body = node_.Read([&](const ledger::Ledger& ledger) -> base::Result<std::string> {
    std::string bytes;
    if (height > ledger.head().height) {
      refusal = ErrorResponse(404, "NOT_FOUND",
                              "block " + std::to_string(height) + " is not committed yet");
      return bytes;
    }
    if (height <= ledger.base_height()) {
      refusal = ErrorResponse(410, "GONE",
                              "this node started from a state snapshot at height " +
                                  std::to_string(ledger.base_height()) +
                                  " and keeps no block at or below it: ask a node that keeps "
                                  "the whole chain");
      return bytes;
    }
    const std::uint64_t last = std::min(ledger.head().height, height + count - 1);
    for (std::uint64_t h = height; h <= last && (h == height || bytes.size() < kCommittedBytesMax);
         ++h) {
      auto block = ledger.ReadBlock(h);
      if (!block) return base::Error(block.error());
      auto receipts = ledger.ReadReceipts(h);
      if (!receipts) return base::Error(receipts.error());
      core::AppendCommittedBlock(bytes, *block, *receipts);
    }
    return bytes;
  });
  if (refusal) return *std::move(refusal);
  if (!body) {
    base::LogError(
        "api", "committed blocks from " + std::to_string(height) + ": " + body.error().ToString());
    return ErrorResponse(500, "INTERNAL", "block " + std::to_string(height) + " cannot be read");
  }
  HttpResponse response;
  response.content_type = "application/octet-stream";
  response.body = *std::move(body);
  return response;
}

HttpResponse NodeApi::GetAccount(std::string_view id) {
  if (!core::AccountId::Parse(id))
    return ErrorResponse(400, "MALFORMED", "expected an account name@org");
  const json::value view =
      node_.Read([&](const ledger::Ledger& ledger) { return AccountView(ledger.state(), id); });
  if (view.is_null()) return ErrorResponse(404, "UNKNOWN_ACCOUNT", "no account " + std::string(id));
  return JsonResponse(200, view);
}

HttpResponse NodeApi::GetAccountHistory(const HttpRequest& request, std::string_view id) {
  if (!core::AccountId::Parse(id))
    return ErrorResponse(400, "MALFORMED", "expected an account name@org");
  const std::string limit_text = request.QueryParameter("limit");
  std::size_t limit = kHistoryLimitDefault;
  if (!limit_text.empty()) {
    const auto [end, error] =
        std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), limit);
    if (error != std::errc() || end != limit_text.data() + limit_text.size() || limit == 0 ||
        limit > kHistoryLimitMax) {
      return ErrorResponse(400, "MALFORMED", "limit is 1 to " + std::to_string(kHistoryLimitMax),
                           "limit");
    }
  }
  auto ids =
      node_.Read([&](const ledger::Ledger& ledger) -> base::Result<std::vector<crypto::Hash>> {
        if (ledger.state().Find(ledger::AccountKey(id)) == nullptr) {
          return base::Error(base::Status::NotFound("no account " + std::string(id)));
        }
        return ledger.AccountHistory(id, limit);
      });
  if (!ids) {
    if (ids.error().code() == base::StatusCode::kNotFound) {
      return ErrorResponse(404, "UNKNOWN_ACCOUNT", ids.error().message());
    }
    return ErrorResponse(500, "INTERNAL", "the history could not be read");
  }
  json::array transactions;
  for (const auto& tx_id : *ids) transactions.push_back(TxStatusView(node_.GetTransaction(tx_id)));
  return JsonResponse(200,
                      json::object{{"account", id}, {"transactions", std::move(transactions)}});
}

HttpResponse NodeApi::GetToken(std::string_view id) {
  if (!core::TokenId::Parse(id)) return ErrorResponse(400, "MALFORMED", "expected a token id");
  const json::value view =
      node_.Read([&](const ledger::Ledger& ledger) { return TokenView(ledger.state(), id); });
  if (view.is_null()) return ErrorResponse(404, "UNKNOWN_TOKEN", "no token " + std::string(id));
  return JsonResponse(200, view);
}

HttpResponse NodeApi::ListPrograms() {
  json::array programs = node_.Read([&](const ledger::Ledger& ledger) {
    json::array list;
    for (const auto& id : ledger::ListPrograms(ledger.state())) {
      json::value view = ProgramView(ledger.state(), id);
      json::object& program = view.as_object();
      list.push_back(json::object{{"id", id},
                                  {"name", program["definition"].at("name")},
                                  {"version", program["version"]},
                                  {"closed", program["closed"]},
                                  {"totals", program["totals"]}});
    }
    return list;
  });
  return JsonResponse(200, json::object{{"programs", std::move(programs)}});
}

HttpResponse NodeApi::GetProgram(std::string_view id) {
  if (!core::IsProgramId(id)) return ErrorResponse(400, "MALFORMED", "expected a program id");
  json::value view = node_.Read([&](const ledger::Ledger& ledger) -> json::value {
    json::value program = ProgramView(ledger.state(), id);
    if (program.is_null()) return program;
    const auto record = ledger::ReadProgram(ledger.state(), id);
    const auto definition = ledger::ReadDefinition(ledger.state(), id, record->version);
    json::array explanation;
    for (const auto& line : policy::ExplainProgram(*definition)) explanation.emplace_back(line);
    program.as_object()["explanation"] = std::move(explanation);
    return program;
  });
  if (view.is_null()) return ErrorResponse(404, "UNKNOWN_PROGRAM", "no program " + std::string(id));
  return JsonResponse(200, view);
}

HttpResponse NodeApi::CheckProgram(const HttpRequest& request) {
  auto value = core::ParseJsonText(request.body);
  if (!value) return ErrorResponse(400, "MALFORMED", value.error().message());
  const policy::CheckedDefinition checked = node_.Read([&](const ledger::Ledger& ledger) {
    const ledger::StateDirectory directory(ledger.state());
    return policy::CheckDefinition(*value, &directory);
  });
  if (!checked.faults.empty()) {
    json::array faults;
    for (const auto& fault : checked.faults) {
      faults.push_back(json::object{{"field", fault.field},
                                    {"code", core::ReasonName(fault.code)},
                                    {"message", fault.message}});
    }
    const core::JsonFault& first = checked.faults.front();
    json::object body{{"code", core::ReasonName(first.code)},
                      {"message", first.ToString()},
                      {"field", first.field},
                      {"valid", false},
                      {"faults", std::move(faults)}};
    return JsonResponse(422, body);
  }
  json::array explanation;
  for (const auto& line : policy::ExplainProgram(*checked.program)) explanation.emplace_back(line);
  return JsonResponse(200, json::object{{"valid", true}, {"explanation", std::move(explanation)}});
}

HttpResponse NodeApi::GetStatus() {
  json::object status = node_.Read([&](const ledger::Ledger& ledger) {
    return json::object{{"chain_id", ledger.chain_id()},
                        {"node", node_.name()},
                        {"height", ledger.head().height},
                        {"block_hash", ledger.head_hash().ToHex()},
                        {"time", core::FormatKoreaTime(ledger.head().time)},
                        {"state_root", ledger.head().state_root.ToHex()},
                        {"base_height", ledger.base_height()}};
  });
  status["mempool"] = node_.mempool_size();
  json::array peers;
  for (const auto& peer : node_.peers()) peers.emplace_back(peer);
  status["peers"] = std::move(peers);
  return JsonResponse(200, status);
}

HttpResponse NodeApi::GetValidators() {
  const auto set_view = [](const core::ValidatorSet& set) {
    json::array validators;
    for (const auto& validator : set.validators) {
      validators.push_back(json::object{{"name", validator.name}, {"key", validator.key.ToText()}});
    }
    return validators;
  };
  return JsonResponse(200, node_.Read([&](const ledger::Ledger& ledger) {
    json::array schedule;
    for (const auto& [from_height, set] : ledger::ReadValidatorSchedule(ledger.state())) {
      schedule.push_back(
          json::object{{"from_height", from_height}, {"validators", set_view(set)}});
    }
    return json::object{{"next_height", ledger.head().height + 1},
                        {"validators", set_view(ledger.validators())},
                        {"schedule", std::move(schedule)}};
  }));
}

HttpResponse NodeApi::GetMetrics() {
  const node::NodeMetrics& m = node_.metrics();
  const std::uint64_t height =
      node_.Read([](const ledger::Ledger& ledger) { return ledger.head().height; });
  std::string text;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                    std::uint64_t value) {
    text += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " +
            std::string(name) + " " + std::string(type) + "\n" + std::string(name) + " " +
            std::to_string(value) + "\n";
  };
  metric("nuri_block_height", "gauge", "Height of the last committed block.", height);
  metric("nuri_mempool_transactions", "gauge", "Transactions waiting for a block.",
         node_.mempool_size());
  metric("nuri_transactions_admitted_total", "counter", "Transactions admitted.", m.admitted);
  metric("nuri_transactions_refused_total", "counter", "Transactions refused at admission.",
         m.refused);
  metric("nuri_transactions_committed_ok_total", "counter", "Committed with status ok.",
         m.committed_ok);
  metric("nuri_transactions_committed_rejected_total", "counter", "Committed with status rejected.",
         m.committed_rejected);
  metric("nuri_blocks_total", "counter", "Blocks produced.", m.blocks);
  metric("nuri_block_commit_microseconds_total", "counter",
         "Time spent executing and committing blocks.", m.block_commit_micros_total);
  if (parts_.guard != nullptr) {
    metric("nuri_api_rate_limited_total", "counter", "Requests refused with 429.",
           parts_.guard->rate_limited);
    metric("nuri_api_idempotent_replays_total", "counter",
           "POSTs answered again from their Idempotency-Key.", parts_.guard->idempotent_replays);
  }
  if (parts_.alerts != nullptr) {
    const audit::MonitorProgress progress = parts_.alerts->progress();
    metric("nuri_monitor_followed_height", "gauge",
           "Last block whose compliance alerts are stored.", progress.followed_height);
    metric("nuri_monitor_behind_blocks", "gauge", "Committed blocks the monitor has yet to check.",
           height > progress.followed_height ? height - progress.followed_height : 0);
    metric("nuri_monitor_lag_p99_milliseconds", "gauge",
           "From a block's commit to its alerts stored, 99th percentile of the latest blocks.",
           static_cast<std::uint64_t>(progress.lag_p99_millis));
    metric("nuri_monitor_alerts_raised_total", "counter", "Alerts raised since the node started.",
           progress.alerts_raised);
    metric("nuri_monitor_failed", "gauge", "1 when the monitor stopped on a store failure.",
           progress.failed ? 1 : 0);
  }
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4";
  response.body = std::move(text);
  return response;
}

}  // namespace nuri::api
