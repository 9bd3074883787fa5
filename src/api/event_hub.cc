#include "api/event_hub.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "api/views.h"
#include "base/log.h"
#include "core/json.h"
#include "core/time.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kLogComponent = "api.events";
// A subscriber whose stream holds this much unsent is not given more until it drains: it
// catches up at the speed it reads, and a live one never loses its stream to a burst.
constexpr std::size_t kStreamBacklogBytesMax = 256 * 1024;
// How soon the hub looks again at subscribers it held back.
constexpr auto kBackoffDelay = std::chrono::milliseconds(10);

// No id: a client that reconnects after it resumes from its last event, and is told again.
std::string GapText(std::uint64_t from_height, std::uint64_t base_height, EventFormat format) {
  const std::string data = json::serialize(
      json::object{{"from_height", from_height},
                   {"to_height", base_height},
                   {"message", "this node started from a state snapshot at height " +
                                   std::to_string(base_height) +
                                   " and keeps no blocks up to it: ask a node that keeps them"}});
  if (format == EventFormat::kJsonLines) return R"({"event":"gap","data":)" + data + "}\n";
  return "event: gap\ndata: " + data + "\n\n";
}

std::string HeartbeatText(EventFormat format) {
  return format == EventFormat::kJsonLines ? "{\"event\":\"heartbeat\"}\n" : ": heartbeat\n\n";
}

std::string_view OrganizationOf(std::string_view account) {
  const std::size_t at = account.find('@');
  return at == std::string_view::npos ? std::string_view() : account.substr(at + 1);
}

template <typename Integer>
bool ParseInteger(std::string_view text, Integer& value) {
  if (text.empty() || text.front() == '+' || text.front() == '-') return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<EventPosition> ParseEventId(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  EventPosition position;
  if (!ParseInteger(text.substr(0, colon), position.height) ||
      !ParseInteger(text.substr(colon + 1), position.index)) {
    return std::nullopt;
  }
  return position;
}

bool RenderedEvent::Matches(const EventFilter& filter) const {
  if (!(alert ? filter.alerts : filter.transactions)) return false;
  if (!filter.program.empty() && filter.program != program) return false;
  if (!filter.account.empty() &&
      std::find(accounts.begin(), accounts.end(), filter.account) == accounts.end()) {
    return false;
  }
  if (!filter.organization.empty() &&
      std::none_of(accounts.begin(), accounts.end(), [&](const std::string& account) {
        return OrganizationOf(account) == filter.organization;
      })) {
    return false;
  }
  return true;
}

EventHub::EventHub(node::Node& node, EventHubOptions options) : node_(node), options_(options) {
  signal_->committed_height =
      node_.Read([](const ledger::Ledger& ledger) { return ledger.head().height; });
  node_.OnCommitted([signal = signal_](std::uint64_t height) {
    {
      std::lock_guard lock(signal->mutex);
      signal->committed_height = std::max(signal->committed_height, height);
      signal->changed = true;
    }
    signal->wake.notify_one();
  });
  thread_ = std::thread([this] { Run(); });
}

EventHub::~EventHub() { Stop(); }

void EventHub::Stop() {
  {
    std::lock_guard lock(signal_->mutex);
    signal_->stopping = true;
  }
  signal_->wake.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool EventHub::Subscribe(std::shared_ptr<ResponseStream> stream, EventFilter filter,
                         EventPosition from, std::function<bool()> still_allowed,
                         EventFormat format) {
  {
    std::lock_guard lock(subscribers_mutex_);
    if (subscriber_count_ >= options_.subscribers_max) return false;
    ++subscriber_count_;
    joining_.push_back(
        Subscriber{std::move(stream), std::move(filter), from, std::move(still_allowed), format});
  }
  {
    std::lock_guard lock(signal_->mutex);
    signal_->changed = true;
  }
  signal_->wake.notify_one();
  return true;
}

std::size_t EventHub::subscribers() const {
  std::lock_guard lock(subscribers_mutex_);
  return subscriber_count_;
}

void EventHub::FollowAlerts(const audit::AlertStore& alerts) {
  {
    std::lock_guard lock(signal_->mutex);
    signal_->alerts_height = alerts.followed_height();
  }
  alerts_ = &alerts;
}

std::function<void(std::uint64_t height)> EventHub::AlertsListener() {
  return [signal = signal_](std::uint64_t height) {
    {
      std::lock_guard lock(signal->mutex);
      signal->alerts_height = std::max(signal->alerts_height, height);
      signal->changed = true;
    }
    signal->wake.notify_one();
  };
}

void EventHub::Run() {
  const auto heartbeat_interval = std::chrono::seconds(options_.heartbeat_seconds);
  auto next_heartbeat = std::chrono::steady_clock::now() + heartbeat_interval;
  bool held_back = false;
  for (;;) {
    std::uint64_t head = 0;
    std::uint64_t alerts_head = 0;
    std::uint64_t base = 0;
    {
      std::unique_lock lock(signal_->mutex);
      const auto deadline =
          held_back ? std::min(next_heartbeat, std::chrono::steady_clock::now() + kBackoffDelay)
                    : next_heartbeat;
      signal_->wake.wait_until(lock, deadline,
                               [&] { return signal_->stopping || signal_->changed; });
      if (signal_->stopping) break;
      signal_->changed = false;
      head = signal_->committed_height;
      alerts_head = signal_->alerts_height;
    }
    {
      std::lock_guard lock(subscribers_mutex_);
      for (Subscriber& subscriber : joining_) following_.push_back(std::move(subscriber));
      joining_.clear();
    }
    base = node_.Read([](const ledger::Ledger& ledger) { return ledger.base_height(); });
    held_back = false;
    for (Subscriber& subscriber : following_) {
      held_back |= Advance(subscriber, head, alerts_head, base);
    }
    if (std::chrono::steady_clock::now() >= next_heartbeat) {
      for (Subscriber& subscriber : following_) {
        if (subscriber.stream->closed()) continue;
        if (subscriber.still_allowed && !subscriber.still_allowed()) {
          subscriber.stream->End();
        } else {
          subscriber.stream->Write(HeartbeatText(subscriber.format));
        }
      }
      next_heartbeat = std::chrono::steady_clock::now() + heartbeat_interval;
    }
    const std::size_t removed = std::erase_if(
        following_, [](const Subscriber& subscriber) { return subscriber.stream->closed(); });
    if (removed > 0) {
      std::lock_guard lock(subscribers_mutex_);
      subscriber_count_ -= removed;
    }
  }
  // Ends every stream, so that its client sees the end of the body and reconnects elsewhere.
  std::lock_guard lock(subscribers_mutex_);
  for (Subscriber& subscriber : following_) subscriber.stream->End();
  for (Subscriber& subscriber : joining_) subscriber.stream->End();
}

bool EventHub::Advance(Subscriber& subscriber, std::uint64_t head, std::uint64_t alerts_head,
                       std::uint64_t base) {
  // Height 0 is the genesis state, which has no transactions. A node that started from a
  // snapshot has no blocks at or below its base: the subscriber is told of the gap.
  if (subscriber.next.height <= base) {
    if (base > 0 &&
        !subscriber.stream->Write(GapText(subscriber.next.height, base, subscriber.format))) {
      return false;
    }
    subscriber.next = {base + 1, 0};
  }
  const bool with_alerts = subscriber.filter.alerts;
  const std::uint64_t last = with_alerts ? std::min(head, alerts_head) : head;
  for (std::size_t blocks = 0; subscriber.next.height <= last; ++blocks) {
    if (blocks == options_.blocks_per_round_max) return true;
    const Events events = Rendered(subscriber.next.height);
    // Alerts are rendered as they stand at each read: a stream shows what auditors did since.
    const Events alerts = with_alerts && events != nullptr
                              ? RenderAlerts(subscriber.next.height, events->size())
                              : Events();
    if (events == nullptr || (with_alerts && alerts == nullptr)) {
      // Logged by Render. The client reconnects and resumes here, on this node or another.
      subscriber.stream->End();
      return false;
    }
    const std::size_t count = events->size() + (alerts ? alerts->size() : 0);
    for (std::size_t index = subscriber.next.index; index < count; ++index) {
      if (subscriber.stream->waiting_bytes() > kStreamBacklogBytesMax) {
        subscriber.next.index = static_cast<std::uint32_t>(index);
        return true;
      }
      const RenderedEvent& event =
          index < events->size() ? (*events)[index] : (*alerts)[index - events->size()];
      if (event.Matches(subscriber.filter) &&
          !subscriber.stream->Write(event.Text(subscriber.format))) {
        return false;
      }
    }
    subscriber.next = {subscriber.next.height + 1, 0};
  }
  return false;
}

EventHub::Events EventHub::Rendered(std::uint64_t height) {
  if (const auto found = rendered_.find(height); found != rendered_.end()) return found->second;
  auto events = Render(height);
  if (!events) return nullptr;
  auto shared = std::make_shared<const std::vector<RenderedEvent>>(*std::move(events));
  rendered_.emplace(height, shared);
  // The lowest heights go first: those are read only by subscribers catching up.
  while (rendered_.size() > options_.rendered_blocks_kept) rendered_.erase(rendered_.begin());
  return shared;
}

EventHub::Events EventHub::RenderAlerts(std::uint64_t height, std::size_t first_index) const {
  auto stored = alerts_.load()->AtHeight(height);
  if (!stored) {
    base::LogWarning(kLogComponent, "cannot read the alerts of block " + std::to_string(height) +
                                        ": " + stored.error().ToString());
    return nullptr;
  }
  std::vector<RenderedEvent> events;
  for (std::size_t k = 0; k < stored->size(); ++k) {
    const audit::StoredAlert& alert = (*stored)[k];
    RenderedEvent event;
    event.alert = true;
    event.accounts = {alert.alert.account};
    event.program = alert.alert.program;
    const std::string id = std::to_string(height) + ":" + std::to_string(first_index + k);
    json::object data = audit::StoredAlertToJson(alert);
    data["event_id"] = id;
    const std::string text = json::serialize(data);
    event.frame = "id: " + id + "\nevent: alert\ndata: " + text + "\n\n";
    event.line = R"({"event":"alert","id":")" + id + R"(","data":)" + text + "}\n";
    events.push_back(std::move(event));
  }
  return std::make_shared<const std::vector<RenderedEvent>>(std::move(events));
}

std::uint64_t EventHub::alerts_height() const {
  std::lock_guard lock(signal_->mutex);
  return signal_->alerts_height;
}

std::optional<std::vector<RenderedEvent>> EventHub::Render(std::uint64_t height) const {
  return node_.Read([&](const ledger::Ledger& ledger) -> std::optional<std::vector<RenderedEvent>> {
    auto unreadable = [&](const std::string& why) {
      base::LogWarning(kLogComponent, "cannot read block " + std::to_string(height) + ": " + why);
      return std::nullopt;
    };
    auto block = ledger.ReadBlock(height);
    if (!block) return unreadable(block.error().ToString());
    auto receipts = ledger.ReadReceipts(height);
    if (!receipts) return unreadable(receipts.error().ToString());
    if (receipts->size() != block->transactions.size()) {
      return unreadable("its receipts do not match its transactions");
    }
    std::vector<RenderedEvent> events;
    events.reserve(receipts->size());
    for (std::size_t index = 0; index < receipts->size(); ++index) {
      const core::Receipt& receipt = (*receipts)[index];
      auto signed_tx = core::DecodeTransaction(block->transactions[index]);
      if (!signed_tx) return unreadable("a transaction does not decode");
      RenderedEvent event;
      event.accounts = ledger::InvolvedAccounts(signed_tx->tx, ledger.state());
      event.program = receipt.program;
      const std::string id = std::to_string(height) + ":" + std::to_string(index);
      json::object data =
          TxStatusView(node::TxStatus{node::TxState::kCommitted, receipt.tx_id, receipt, height});
      data["event_id"] = id;
      data["index"] = index;
      data["time"] = core::FormatKoreaTime(block->header.time);
      data["type"] = core::BodyTypeName(signed_tx->tx.body);
      data["signer"] = signed_tx->tx.signer.str();
      json::array accounts;
      for (const std::string& account : event.accounts) accounts.emplace_back(account);
      data["accounts"] = std::move(accounts);
      data["body"] = core::BodyToJson(signed_tx->tx.body);
      const std::string text = json::serialize(data);
      event.frame = "id: " + id + "\nevent: transaction\ndata: " + text + "\n\n";
      event.line = R"({"event":"transaction","id":")" + id + R"(","data":)" + text + "}\n";
      events.push_back(std::move(event));
    }
    return events;
  });
}

}  // namespace nuri::api
