#include "api/event_api.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "api/json_response.h"
#include "api/read_access.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace {

constexpr std::string_view kEventsPath = "/v1/events";
constexpr std::string_view kWebSocketPath = "/v1/ws";
// How long a client waits before it reconnects, sent at the start of each stream.
constexpr std::string_view kStreamPreamble = "retry: 3000\n\n";
constexpr std::size_t kFilterSizeBytesMax = 128;
// Streams one account, or one client address, may hold open at once: a stream holds a
// connection for as long as it lasts, and a node's connections are few.
constexpr std::size_t kStreamsPerAccountMax = 4;
constexpr std::size_t kStreamsPerAddressMax = 16;

}  // namespace

bool EventApi::Handle(const HttpRequest& request, Responder& respond) {
  const bool websocket = request.path == kWebSocketPath;
  if (request.path != kEventsPath && !websocket) return false;
  if (request.method != "GET") {
    respond(ErrorResponse(405, "METHOD_NOT_ALLOWED", "events are read with GET"));
    return true;
  }
  if (websocket && !request.IsWebSocketUpgrade()) {
    respond(ErrorResponse(426, "UPGRADE_REQUIRED", "/v1/ws speaks WebSocket only"));
    return true;
  }
  Subscribe(request, std::move(respond),
            websocket ? EventFormat::kJsonLines : EventFormat::kServerSentEvents);
  return true;
}

// The same reach as reading the ledger (read_access.h): one filter the viewer may see is enough,
// for every filter given narrows the feed. Alerts, the audit board's findings about named
// officials and merchants, are for auditors alone.
bool EventApi::MayFollow(const core::AccountId& viewer, const EventFilter& filter) const {
  return node_.Read([&](const ledger::Ledger& ledger) {
    const Reader reader = ReaderOf(ledger.state(), viewer);
    if (reader.MaySeeEverything()) return true;
    if (filter.alerts) return false;
    if (!filter.account.empty() && reader.MaySeeAccount(filter.account)) return true;
    if (!filter.organization.empty() && reader.MaySeeOrganization(filter.organization)) {
      return true;
    }
    return !filter.program.empty() && MaySeeProgram(reader, ledger.state(), filter.program);
  });
}

void EventApi::Subscribe(const HttpRequest& request, Responder respond, EventFormat format) {
  const auto session = wallets_.SessionOrRefuse(request, respond);
  if (!session) return;
  EventFilter filter;
  for (auto [target, name] : {std::pair{&filter.account, "account"},
                              {&filter.program, "program"},
                              {&filter.organization, "organization"}}) {
    *target = request.QueryParameter(name);
    if (target->size() > kFilterSizeBytesMax) {
      return respond(ErrorResponse(400, "MALFORMED", "too long", name));
    }
  }
  if (const std::string kinds = request.QueryParameter("events"); !kinds.empty()) {
    filter.transactions = filter.alerts = false;
    for (std::string_view rest = kinds; !rest.empty();) {
      const std::size_t comma = rest.find(',');
      const std::string_view kind = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (kind == "transaction") {
        filter.transactions = true;
      } else if (kind == "alert") {
        filter.alerts = true;
      } else {
        return respond(
            ErrorResponse(400, "MALFORMED", "events: transaction, alert or both", "events"));
      }
    }
  }
  if (filter.alerts && !hub_.follows_alerts()) {
    return respond(ErrorResponse(404, "NOT_FOUND",
                                 "this node runs no compliance monitor: follow the alerts of the "
                                 "audit board's observer"));
  }
  const std::uint64_t head =
      node_.Read([](const ledger::Ledger& ledger) { return ledger.head().height; });
  // A stream with alerts starts where the monitor is, so that none it stores later is missed.
  EventPosition from{(filter.alerts ? std::min(head, hub_.alerts_height()) : head) + 1, 0};
  // A WebSocket client in a browser cannot set headers: it may give the last id in the query.
  std::string last = request.Header("last-event-id");
  if (last.empty()) last = request.QueryParameter("last_event_id");
  if (!last.empty()) {
    const auto seen = ParseEventId(last);
    if (!seen) {
      return respond(ErrorResponse(400, "MALFORMED", "expected HEIGHT:INDEX", "Last-Event-ID"));
    }
    from = seen->index == std::numeric_limits<std::uint32_t>::max()
               ? EventPosition{seen->height + 1, 0}
               : EventPosition{seen->height, seen->index + 1};
  } else if (const std::string text = request.QueryParameter("from_height"); !text.empty()) {
    std::uint64_t height = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), height);
    if (error != std::errc() || end != text.data() + text.size()) {
      return respond(ErrorResponse(400, "MALFORMED", "expected a height", "from_height"));
    }
    from = {height, 0};
  }
  const core::AccountId viewer = session->account;
  if (!MayFollow(viewer, filter)) {
    return respond(ErrorResponse(403, "FORBIDDEN",
                                 viewer.str() + " may not follow these events" +
                                     (filter.alerts ? std::string(" (alerts are for auditors)")
                                                    : "; follow ?account=" + viewer.str())));
  }
  auto stream = std::make_shared<ResponseStream>();
  if (auto refusal = TakeStreamSlots(viewer, request.remote_address, stream)) {
    return respond(*refusal);
  }
  if (format == EventFormat::kServerSentEvents) stream->Write(kStreamPreamble);
  // The check holds the session's token, so that the stream ends with the session; it does not
  // keep the session alive.
  auto still_allowed = [this, token = WalletApi::BearerToken(request), viewer, filter] {
    const auto alive = wallets_.PeekSession(token);
    return alive && alive->account == viewer && MayFollow(viewer, filter);
  };
  if (!hub_.Subscribe(stream, filter, from, std::move(still_allowed), format)) {
    stream->Cancel();
    HttpResponse busy =
        ErrorResponse(503, "BUSY", "this node has as many event subscribers as it takes");
    busy.headers.emplace_back("Retry-After", "10");
    return respond(std::move(busy));
  }
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("Cache-Control", "no-store");
  response.stream = std::move(stream);
  response.websocket = format == EventFormat::kJsonLines;
  respond(std::move(response));
}

std::optional<HttpResponse> EventApi::TakeStreamSlots(
    const core::AccountId& viewer, const std::string& address,
    const std::shared_ptr<ResponseStream>& stream) {
  std::lock_guard lock(streams_mutex_);
  auto open_count = [&](const std::string& key) {
    auto& streams = open_streams_[key];
    std::erase_if(streams, [](const auto& weak) {
      const auto open = weak.lock();
      return open == nullptr || open->closed();
    });
    return streams.size();
  };
  const std::string account_key = "account " + viewer.str();
  const std::string address_key = "address " + address;
  if (open_count(account_key) >= kStreamsPerAccountMax) {
    return ErrorResponse(429, "TOO_MANY_STREAMS",
                         viewer.str() + " already follows " +
                             std::to_string(kStreamsPerAccountMax) + " event streams");
  }
  if (open_count(address_key) >= kStreamsPerAddressMax) {
    return ErrorResponse(
        429, "TOO_MANY_STREAMS",
        "this address already follows " + std::to_string(kStreamsPerAddressMax) + " event streams");
  }
  open_streams_[account_key].push_back(stream);
  open_streams_[address_key].push_back(stream);
  // Keys whose streams all closed go, so that the table holds only what is open.
  std::erase_if(open_streams_, [](const auto& entry) { return entry.second.empty(); });
  return std::nullopt;
}

}  // namespace nuri::api
