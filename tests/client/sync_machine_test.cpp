// The sync engine driven by hand, as a host drives it (no socket, no thread, no clock): events
// in, actions out, over a real SyncStore. The native driver and a real server are exercised by
// sync_integration_test.cpp, capi_transport and the faults tests; here each rule of the engine
// shows in the actions it answers with.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <mutex>

#include "passerelle/shared/ids.h"
#include "sqlite.h"
#include "sync/sync_machine.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using namespace std::chrono_literals;
using Kind = SyncAction::Kind;
using testing::TempDir;

struct Host {
  TempDir dir;
  std::unique_ptr<sqlite::Database> db;
  std::unique_ptr<SyncStore> store;
  std::mutex m;
  std::unique_ptr<SyncMachine> machine;

  explicit Host(bool once = false) {
    auto opened = sqlite::Database::open(dir / "a.sqlite", "the account file", SyncStore::migrations(1));
    EXPECT_TRUE(opened.ok());
    db = std::move(*opened);
    store = std::make_unique<SyncStore>(*db, passerelle::sync::Actor{new_id(), protocol::Role::candidate});
    SyncMachineConfig c;
    c.url = "ws://127.0.0.1:9/v1/ws";
    c.server = "ws://127.0.0.1:9";
    c.token = "tok";
    c.once = once;
    c.deadline = once ? 5s : 0s;
    c.backoff_min = 100ms;
    c.backoff_max = 1s;
    c.backoff_seed = 7;
    c.delivery_receipts = false;
    machine = std::make_unique<SyncMachine>(c, *store, m);
  }
  std::vector<SyncAction> feed(SyncEvent e) { return machine->feed(e); }
};

const SyncAction* find(const std::vector<SyncAction>& actions, Kind kind) {
  for (const auto& a : actions)
    if (a.kind == kind) return &a;
  return nullptr;
}

// The request a send_frame carries, parsed.
boost::json::object sent(const std::vector<SyncAction>& actions, std::string_view type) {
  for (const auto& a : actions)
    if (a.kind == Kind::send_frame) {
      auto o = boost::json::parse(a.frame).as_object();
      if (o.at("type").as_string() == type) return o;
    }
  ADD_FAILURE() << "no " << type << " request among the actions";
  return {};
}

std::string answer(std::int64_t id, std::string fields = "") {
  return "{\"re\":" + std::to_string(id) + ",\"ok\":true" + (fields.empty() ? "" : "," + fields) + "}";
}

// start → socket → hello → auth.resume → round; returns the pull request the round sends.
boost::json::object connect_and_resume(Host& h, std::string hello_fields = "") {
  auto a = h.feed(SyncEvent::simple(SyncEvent::Kind::start));
  const SyncAction* open = find(a, Kind::open_socket);
  EXPECT_TRUE(open);
  if (open) EXPECT_EQ(open->url, "ws://127.0.0.1:9/v1/ws");
  a = h.feed(SyncEvent::simple(SyncEvent::Kind::socket_opened));
  auto hello = sent(a, "hello");
  EXPECT_EQ(hello.at("live_rows"), true) << "the engine applies carried pokes: it asks for them";
  a = h.feed(SyncEvent::received(answer(hello.at("id").as_int64(), hello_fields)));
  auto resume = sent(a, "auth.resume");
  EXPECT_EQ(resume.at("token").as_string(), "tok");
  a = h.feed(SyncEvent::received(answer(resume.at("id").as_int64())));
  EXPECT_TRUE(h.machine->snapshot().online);
  EXPECT_EQ(h.machine->snapshot().state, SyncState::syncing);
  return sent(a, "pull");  // an empty outbox: straight to the pull
}

TEST(SyncMachine, ConnectsResumesAndAsksForTheNextPageAheadThenWaits) {
  Host h;
  auto pull = connect_and_resume(h);
  EXPECT_EQ(pull.at("cursor").as_int64(), 0);
  // A page with more: the next page is asked for at once, before anything else comes in.
  auto a = h.feed(SyncEvent::received(
      answer(pull.at("id").as_int64(), "\"changes\":[],\"cursor\":7,\"more\":true,\"horizon\":7,\"epoch\":\"e\"")));
  auto ahead = sent(a, "pull");
  EXPECT_EQ(ahead.at("cursor").as_int64(), 7);
  a = h.feed(SyncEvent::received(
      answer(ahead.at("id").as_int64(), "\"changes\":[],\"cursor\":7,\"more\":false,\"horizon\":7,\"epoch\":\"e\"")));
  EXPECT_EQ(h.machine->snapshot().state, SyncState::up_to_date);
  EXPECT_FALSE(find(a, Kind::send_frame)) << "up to date: nothing more is sent";
  // A local write wakes it: a new round, which (empty outbox) pulls from the stored cursor.
  a = h.feed(SyncEvent::simple(SyncEvent::Kind::local_write));
  EXPECT_EQ(sent(a, "pull").at("cursor").as_int64(), 7);
}

TEST(SyncMachine, AFailedSocketMeansOfflineCloseAndABackoffTimerThenAnotherSocket) {
  Host h;
  h.feed(SyncEvent::simple(SyncEvent::Kind::start));
  auto a = h.feed(SyncEvent::closed(network_failure("cannot reach the server at ws://127.0.0.1:9: connection refused")));
  EXPECT_TRUE(find(a, Kind::close_socket));
  const SyncAction* timer = find(a, Kind::arm_timer);
  ASSERT_TRUE(timer);
  EXPECT_GE(timer->delay, 50ms);  // equal jitter: within [min/2, min] the first time
  EXPECT_LE(timer->delay, 100ms);
  auto snap = h.machine->snapshot();
  EXPECT_EQ(snap.state, SyncState::offline);
  ASSERT_TRUE(snap.last_error);
  EXPECT_NE(snap.last_error->error.message.find("connection refused"), std::string::npos);
  // A frame from the dead socket changes nothing; the timer opens a new one.
  EXPECT_TRUE(h.feed(SyncEvent::received(answer(1))).empty());
  a = h.feed(SyncEvent::fired(timer->timer));
  EXPECT_TRUE(find(a, Kind::open_socket));
  // stop: the socket goes, and the engine answers nothing after.
  a = h.feed(SyncEvent::simple(SyncEvent::Kind::stop));
  EXPECT_TRUE(find(a, Kind::close_socket));
  EXPECT_TRUE(h.machine->ended());
  EXPECT_TRUE(h.feed(SyncEvent::simple(SyncEvent::Kind::local_write)).empty());
}

TEST(SyncMachine, ARefusedTokenEndsTheSessionWithoutRetrying) {
  Host h;
  h.feed(SyncEvent::simple(SyncEvent::Kind::start));
  auto a = h.feed(SyncEvent::simple(SyncEvent::Kind::socket_opened));
  a = h.feed(SyncEvent::received(answer(sent(a, "hello").at("id").as_int64())));
  auto resume = sent(a, "auth.resume");
  a = h.feed(SyncEvent::received("{\"re\":" + std::to_string(resume.at("id").as_int64()) +
                                 ",\"ok\":false,\"error\":{\"code\":\"unauthenticated\",\"message\":\"session expired\"}}"));
  EXPECT_TRUE(find(a, Kind::session_ended));
  EXPECT_FALSE(find(a, Kind::arm_timer)) << "no retry with a refused token";
  EXPECT_EQ(h.machine->snapshot().state, SyncState::error);
  EXPECT_TRUE(h.machine->ended());
}

TEST(SyncMachine, OnceFinishesWithATimeoutWhenTheServerNeverAnswers) {
  Host h(/*once=*/true);
  auto a = h.feed(SyncEvent::simple(SyncEvent::Kind::start));
  const SyncAction* deadline = find(a, Kind::arm_timer);
  ASSERT_TRUE(deadline);
  EXPECT_EQ(deadline->delay, 5s);
  a = h.feed(SyncEvent::fired(deadline->timer));
  const SyncAction* done = find(a, Kind::finished);
  ASSERT_TRUE(done);
  ASSERT_TRUE(done->failure);
  EXPECT_EQ(done->failure->origin, Origin::network);
  EXPECT_EQ(done->failure->error.message, "timed out waiting for the server (connect)");
}

TEST(SyncMachine, ARequestUnansweredInTimeFailsTheRound) {
  Host h;
  h.feed(SyncEvent::simple(SyncEvent::Kind::start));
  auto a = h.feed(SyncEvent::simple(SyncEvent::Kind::socket_opened));
  auto hello = sent(a, "hello");
  a = h.feed(SyncEvent::fired(hello.at("id").as_int64()));
  EXPECT_TRUE(find(a, Kind::close_socket));
  ASSERT_TRUE(h.machine->snapshot().last_error);
  EXPECT_EQ(h.machine->snapshot().last_error->error.message, "the server at ws://127.0.0.1:9 did not answer within 30 s");
}


// Pokes that carry the change (docs/sync.md, "Live").
// Connected to a server that carries changes (or not), caught up at cursor 7.
void caught_up_at_7(Host& h, bool server_carries = true) {
  auto pull = connect_and_resume(h, server_carries ? "\"live_rows\":true" : "");
  h.feed(SyncEvent::received(
      answer(pull.at("id").as_int64(), "\"changes\":[],\"cursor\":7,\"more\":false,\"horizon\":0,\"epoch\":\"e\"")));
  EXPECT_EQ(h.machine->snapshot().state, SyncState::up_to_date);
}

std::string carried(int prev) {
  return "{\"type\":\"poke\",\"seq\":9,\"prev\":" + std::to_string(prev) +
         ",\"changes\":[{\"collection\":\"profiles\",\"id\":\"p1\",\"seq\":9,\"deleted\":false,"
         "\"data\":{\"id\":\"p1\",\"name\":\"Nadia\"}}]}";
}

TEST(SyncMachineLive, ACarriedPokeThatFollowsOnIsStoredWithoutAPull) {
  Host h;
  caught_up_at_7(h);
  auto a = h.feed(SyncEvent::received(carried(5)));
  EXPECT_FALSE(find(a, Kind::send_frame)) << "no pull: the poke brought the change";
  const SyncAction* changed = find(a, Kind::rows_changed);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->rows.count({"profiles", "p1"}), 1u);
  EXPECT_EQ(*h.store->cursor(), 9);
  auto row = h.store->get("profiles", "p1");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((**row).at("name"), "Nadia");
  // The same poke again (relayed twice) changes nothing and pulls nothing.
  a = h.feed(SyncEvent::received(carried(5)));
  EXPECT_FALSE(find(a, Kind::send_frame));
  EXPECT_FALSE(find(a, Kind::rows_changed));
}

TEST(SyncMachineLive, AGapBeforeTheCarriedChangesIsPulled) {
  Host h;
  caught_up_at_7(h);
  auto a = h.feed(SyncEvent::received(carried(8)));  // a change at seq 8 never reached this device
  auto pull = sent(a, "pull");
  EXPECT_EQ(pull.at("cursor").as_int64(), 7);
  EXPECT_FALSE(find(a, Kind::rows_changed));
  EXPECT_EQ(*h.store->cursor(), 7) << "nothing stored past the gap";
}

TEST(SyncMachineLive, NothingIsStoredFromAServerThatDidNotOfferOrBeforeTheFirstPull) {
  Host old_server;
  caught_up_at_7(old_server, false);
  auto a = old_server.feed(SyncEvent::received(carried(5)));
  EXPECT_TRUE(find(a, Kind::send_frame)) << "the hello answer did not offer carried pokes: pull";
  EXPECT_EQ(*old_server.store->cursor(), 7);

  Host early;
  connect_and_resume(early, "\"live_rows\":true");
  a = early.feed(SyncEvent::received(carried(0)));  // this socket's first pull is still running
  EXPECT_FALSE(find(a, Kind::rows_changed));
  EXPECT_EQ(*early.store->cursor(), 0);
}

}  // namespace
}  // namespace passerelle::client
