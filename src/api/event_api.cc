#include "api/event_api.h"

#include <charconv>

#include "api/json_response.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace {

constexpr std::string_view kEventsPath = "/v1/events";
// How long a client waits before it reconnects, sent at the start of each stream.
constexpr std::string_view kStreamPreamble = "retry: 3000\n\n";
constexpr std::size_t kFilterSizeBytesMax = 128;

std::string_view OrganizationOf(std::string_view account) {
  const std::size_t at = account.find('@');
  return at == std::string_view::npos ? std::string_view() : account.substr(at + 1);
}

}  // namespace

bool EventApi::Handle(const HttpRequest& request, Responder& respond) {
  if (request.path != kEventsPath) return false;
  if (request.method != "GET") {
    respond(ErrorResponse(405, "METHOD_NOT_ALLOWED", "events are read with GET"));
    return true;
  }
  Subscribe(request, std::move(respond));
  return true;
}

bool EventApi::MayFollow(const core::AccountId& viewer, const EventFilter& filter) const {
  const std::string viewer_id = viewer.str();
  if (filter.account == viewer_id) return true;
  return node_.Read([&](const ledger::Ledger& ledger) {
    const auto record = ledger::ReadAccount(ledger.state(), viewer_id);
    if (!record || record->frozen) return false;
    if (record->roles.Has(core::Role::kAuditor)) return true;
    if (!record->roles.Has(core::Role::kAdmin)) return false;
    const std::string_view organization = OrganizationOf(viewer_id);
    if (filter.organization == organization) return true;
    if (!filter.account.empty() && OrganizationOf(filter.account) == organization) return true;
    if (filter.program.empty()) return false;
    const auto program = ledger::ReadProgram(ledger.state(), filter.program);
    if (!program) return false;
    const auto definition =
        ledger::ReadDefinition(ledger.state(), filter.program, program->version);
    return definition != nullptr && OrganizationOf(definition->owner.str()) == organization;
  });
}

void EventApi::Subscribe(const HttpRequest& request, Responder respond) {
  const auto session = wallets_.SessionOf(request);
  if (!session) return respond(NoSessionResponse());
  EventFilter filter;
  for (auto [target, name] : {std::pair{&filter.account, "account"},
                              {&filter.program, "program"},
                              {&filter.organization, "organization"}}) {
    *target = request.QueryParameter(name);
    if (target->size() > kFilterSizeBytesMax) {
      return respond(ErrorResponse(400, "MALFORMED", "too long", name));
    }
  }
  const std::uint64_t head =
      node_.Read([](const ledger::Ledger& ledger) { return ledger.head().height; });
  EventPosition from{head + 1, 0};
  if (const std::string last = request.Header("last-event-id"); !last.empty()) {
    const auto seen = ParseEventId(last);
    if (!seen) {
      return respond(ErrorResponse(400, "MALFORMED", "expected HEIGHT:INDEX", "Last-Event-ID"));
    }
    from = {seen->height, seen->index + 1};
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
    return respond(ErrorResponse(
        403, "FORBIDDEN",
        viewer.str() + " may not follow these events; follow ?account=" + viewer.str()));
  }
  auto stream = std::make_shared<ResponseStream>();
  stream->Write(kStreamPreamble);
  // The session's token stays with the check, so that the stream ends with the session.
  HttpRequest credentials;
  credentials.headers.emplace_back("authorization", request.Header("authorization"));
  auto still_allowed = [this, credentials = std::move(credentials), viewer, filter] {
    const auto alive = wallets_.SessionOf(credentials);
    return alive && alive->account == viewer && MayFollow(viewer, filter);
  };
  if (!hub_.Subscribe(stream, filter, from, std::move(still_allowed))) {
    HttpResponse busy =
        ErrorResponse(503, "BUSY", "this node has as many event subscribers as it takes");
    busy.headers.emplace_back("Retry-After", "10");
    return respond(std::move(busy));
  }
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("Cache-Control", "no-store");
  response.stream = std::move(stream);
  respond(std::move(response));
}

}  // namespace nuri::api
