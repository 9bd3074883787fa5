// EventHub: the outcomes of committed transactions as a feed of events that clients follow live
// (GET /v1/events, event_api.h).
//
// Each committed transaction is one event whose id is "HEIGHT:INDEX", its place in the chain. A
// subscriber gives a filter and the place to start from, and the hub writes every matching
// event from there on to the subscriber's stream: first those already committed, read back
// from the ledger block by block, then each new block's as it commits. A client that
// reconnects with the id of the last event it saw therefore misses nothing and sees nothing
// twice, however long it was away.
//
// One thread of the hub's own renders each block once (the latest blocks are kept rendered)
// and writes to the streams, a bounded number of blocks per subscriber per round so that one
// subscriber far behind does not hold up the others; a subscriber is given more only while
// little waits in its stream, so that it catches up at the speed it reads rather than losing
// its stream to a burst. A node that started from a state snapshot has no blocks below it: a
// subscriber that asks for them gets a "gap" event, then what follows. Quiet streams get a
// heartbeat comment, by which a client that left without a word is noticed.
//
// On a node that runs the compliance monitor, auditors' streams may also carry its alerts: a
// block's alerts follow its transactions, their ids going on from the block's transaction count
// ("12:40" after transactions 12:0 to 12:39), once the monitor has stored them, so that such a
// stream resumes as exactly as any other and goes no further than the monitor has.
//
// Thread-safe. Stop the hub before what its subscribers' `still_allowed` use, and destroy it
// before the node, once the node no longer commits (Node::Stop).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "audit/alert_store.h"
#include "node/node.h"

namespace nuri::api {

// The place of an event in the chain; events are ordered by it.
struct EventPosition {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  auto operator<=>(const EventPosition&) const = default;
};

// "12:3" -> {12, 3}; nullopt for anything else.
std::optional<EventPosition> ParseEventId(std::string_view text);

// What a subscriber follows: every field given must match; none given is everything.
struct EventFilter {
  std::string account;       // an account the transaction involves
  std::string program;       // the program the receipt names
  std::string organization;  // the organization of an account the transaction involves
  bool transactions = true;  // committed transactions' outcomes
  bool alerts = false;       // the compliance monitor's alerts (EventHub::FollowAlerts)
};

// How a subscriber's stream carries events.
enum class EventFormat {
  kServerSentEvents,  // "id: 12:3\nevent: transaction\ndata: {...}\n\n"
  kJsonLines,         // {"event":"transaction","id":"12:3","data":{...}}\n (WebSocket messages)
};

// One event as the hub keeps it: what filters look at, and its text in each format.
struct RenderedEvent {
  bool alert = false;  // a compliance alert, not a transaction
  std::vector<std::string> accounts;
  std::string program;
  std::string frame;  // kServerSentEvents
  std::string line;   // kJsonLines

  bool Matches(const EventFilter& filter) const;
  const std::string& Text(EventFormat format) const {
    return format == EventFormat::kJsonLines ? line : frame;
  }
};

struct EventHubOptions {
  std::size_t subscribers_max = 2'000;
  int heartbeat_seconds = 15;
  std::size_t blocks_per_round_max = 64;   // per subscriber catching up
  std::size_t rendered_blocks_kept = 256;  // the latest blocks' events, kept for new readers
};

class EventHub {
 public:
  EventHub(node::Node& node, EventHubOptions options = {});
  // Stops.
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Writes to `stream` every event matching `filter` at `from` or later, until the stream
  // closes or, asked at each heartbeat, `still_allowed` says no (the session ended, a role was
  // withdrawn): the stream is then ended. False, touching nothing, when subscribers_max follow
  // already.
  bool Subscribe(std::shared_ptr<ResponseStream> stream, EventFilter filter, EventPosition from,
                 std::function<bool()> still_allowed,
                 EventFormat format = EventFormat::kServerSentEvents);

  std::size_t subscribers() const;

  // Streams that ask for alerts get those kept in `alerts`, which the hub reads until it is
  // stopped. Call before the first Subscribe.
  void FollowAlerts(const audit::AlertStore& alerts);
  bool follows_alerts() const { return alerts_.load() != nullptr; }
  // The last block whose alerts the hub was told are stored.
  std::uint64_t alerts_height() const;
  // For the monitor follower's on_followed: wakes the hub when a block's alerts are stored. It
  // may be called after the hub is gone.
  std::function<void(std::uint64_t height)> AlertsListener();

  // Ends every stream and stops the hub's thread, after which no `still_allowed` is called.
  // Idempotent.
  void Stop();

 private:
  struct Subscriber {
    std::shared_ptr<ResponseStream> stream;
    EventFilter filter;
    EventPosition next;
    std::function<bool()> still_allowed;
    EventFormat format = EventFormat::kServerSentEvents;
  };
  // What the node's commit listener shares with the hub: it may outlive the hub.
  struct Signal {
    std::mutex mutex;
    std::condition_variable wake;
    std::uint64_t committed_height = 0;  // guarded by mutex
    std::uint64_t alerts_height = 0;     // the last block whose alerts are stored; guarded
    bool changed = false;                // guarded by mutex
    bool stopping = false;               // guarded by mutex
  };

  void Run();
  // Sends what `subscriber` has not seen up to `head`, or for a subscriber to alerts up to
  // `alerts_head` if lower (the node keeps no blocks at or below `base`), a bounded amount: true
  // when it has more to catch up.
  bool Advance(Subscriber& subscriber, std::uint64_t head, std::uint64_t alerts_head,
               std::uint64_t base);
  using Events = std::shared_ptr<const std::vector<RenderedEvent>>;
  // A block's transactions' events, kept for the latest blocks; null when they cannot be read
  // now (logged).
  Events Rendered(std::uint64_t height);
  std::optional<std::vector<RenderedEvent>> Render(std::uint64_t height) const;
  // A block's alerts, numbered on from `first_index`, its transaction count; null when they
  // cannot be read now (logged).
  Events RenderAlerts(std::uint64_t height, std::size_t first_index) const;

  node::Node& node_;
  const EventHubOptions options_;
  const std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
  mutable std::mutex subscribers_mutex_;
  std::vector<Subscriber> joining_;   // guarded by subscribers_mutex_
  std::size_t subscriber_count_ = 0;  // guarded by subscribers_mutex_
  // The hub thread's own.
  std::vector<Subscriber> following_;
  std::map<std::uint64_t, Events> rendered_;
  // Set once, before the first subscriber; read by the hub's thread and by API threads.
  std::atomic<const audit::AlertStore*> alerts_{nullptr};
  std::thread thread_;
};

}  // namespace nuri::api
