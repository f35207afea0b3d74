// The sync engine driven by hand, as a host drives it (no socket, no thread, no clock): events
// in, actions out, over a real SyncStore. The native driver and a real server are exercised by
// sync_integration_test.cpp, capi_transport and the faults tests; here each rule of the engine
// shows in the actions it answers with.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <mutex>

#include "passerelle/shared/ids.h"
#include "sqlite.h"
#include "sync/pull_answer.h"
#include "sync/sync_machine.h"
#include "passerelle/shared/sync/wire.h"
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

  explicit Host(bool once = false, std::int64_t max_push_window = passerelle::sync::kPushWindow) {
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
    c.max_push_window = max_push_window;
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

// A page with more to come: the next page is asked for in the same actions, and this page is
// stored only at the next event (its 0 ms timer, or anything that comes first), so the host
// sends the request before the page's storing begins. Either way it is stored once, in order.
TEST(SyncMachine, APageWithMoreIsStoredAfterTheNextPageIsAskedFor) {
  auto page = [](std::int64_t re, int cursor, bool more, const std::string& id) {
    return answer(re, "\"changes\":[{\"collection\":\"profiles\",\"id\":\"" + id + "\",\"seq\":" +
                          std::to_string(cursor) + ",\"data\":{\"id\":\"" + id + "\"}}],\"cursor\":" +
                          std::to_string(cursor) + ",\"more\":" + (more ? "true" : "false") +
                          ",\"horizon\":9,\"epoch\":\"e\"");
  };
  {
    Host h;
    auto pull = connect_and_resume(h);
    auto a = h.feed(SyncEvent::received(page(pull.at("id").as_int64(), 3, true, "p1")));
    auto ahead = sent(a, "pull");
    EXPECT_EQ(ahead.at("cursor").as_int64(), 3);
    const SyncAction* timer = nullptr;
    for (const auto& action : a)
      if (action.kind == Kind::arm_timer && action.delay == 0ms) timer = &action;
    ASSERT_TRUE(timer) << "a 0 ms timer to store the page";
    const std::int64_t store_timer = timer->timer;
    EXPECT_FALSE(find(a, Kind::rows_changed)) << "not stored yet";
    EXPECT_EQ(*h.store->cursor(), 0);
    a = h.feed(SyncEvent::fired(store_timer));
    EXPECT_EQ(*h.store->cursor(), 3);
    ASSERT_TRUE(find(a, Kind::rows_changed));
    EXPECT_EQ(find(a, Kind::rows_changed)->rows.count({"profiles", "p1"}), 1u);
    EXPECT_FALSE(find(a, Kind::send_frame)) << "the page asked for ahead is the one the store wants";
    a = h.feed(SyncEvent::received(page(ahead.at("id").as_int64(), 5, false, "p2")));
    EXPECT_EQ(*h.store->cursor(), 5);
    EXPECT_EQ(h.machine->snapshot().state, SyncState::up_to_date);
    a = h.feed(SyncEvent::fired(store_timer));
    EXPECT_TRUE(a.empty()) << "a timer with no page held does nothing";
  }
  {
    // The next page comes before the timer fired: the page held is stored first.
    Host h;
    auto pull = connect_and_resume(h);
    auto a = h.feed(SyncEvent::received(page(pull.at("id").as_int64(), 3, true, "p1")));
    auto ahead = sent(a, "pull");
    a = h.feed(SyncEvent::received(page(ahead.at("id").as_int64(), 5, false, "p2")));
    int observed = 0;
    for (const auto& action : a)
      if (action.kind == Kind::rows_changed) ++observed;
    EXPECT_EQ(observed, 2) << "each page observed once";
    EXPECT_EQ(*h.store->cursor(), 5);
    EXPECT_TRUE(h.store->get("profiles", "p1")->has_value());
    EXPECT_TRUE(h.store->get("profiles", "p2")->has_value());
    EXPECT_EQ(h.machine->snapshot().state, SyncState::up_to_date);
  }
  {
    // The socket closes before the timer fired: the page held is still stored, then the failure.
    Host h;
    auto pull = connect_and_resume(h);
    h.feed(SyncEvent::received(page(pull.at("id").as_int64(), 3, true, "p1")));
    auto a = h.feed(SyncEvent::closed(network_failure("gone")));
    EXPECT_EQ(*h.store->cursor(), 3);
    EXPECT_TRUE(find(a, Kind::rows_changed));
    EXPECT_EQ(h.machine->snapshot().state, SyncState::offline);
  }
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

TEST(SyncMachine, ALocalWriteDuringABackoffTriesTheLinkNowAndAFailedTryBacksOffFurther) {
  Host h;
  h.feed(SyncEvent::simple(SyncEvent::Kind::start));
  auto a = h.feed(SyncEvent::closed(network_failure("connection refused")));
  const SyncAction* first = find(a, Kind::arm_timer);
  ASSERT_TRUE(first);
  const auto timer = first->timer;
  const auto first_delay = first->delay;
  // The user writes while offline: the engine does not wait for the timer.
  a = h.feed(SyncEvent::simple(SyncEvent::Kind::local_write));
  const SyncAction* cancel = find(a, Kind::cancel_timer);
  ASSERT_TRUE(cancel) << "the backoff timer is cancelled";
  EXPECT_EQ(cancel->timer, timer);
  ASSERT_TRUE(find(a, Kind::open_socket)) << "a local write during the backoff opens a socket now";
  EXPECT_EQ(h.machine->snapshot().state, SyncState::connecting);
  // A second write while that socket is opening opens no other.
  EXPECT_FALSE(find(h.feed(SyncEvent::simple(SyncEvent::Kind::local_write)), Kind::open_socket));
  // The try fails: offline again, with a longer backoff (the link is really down).
  a = h.feed(SyncEvent::closed(network_failure("connection refused")));
  const SyncAction* second = find(a, Kind::arm_timer);
  ASSERT_TRUE(second);
  EXPECT_GT(second->delay, first_delay / 2);
  EXPECT_EQ(h.machine->snapshot().state, SyncState::offline);
  // The next write's try gets through: a round begins (nothing queued in this store: its pull).
  a = h.feed(SyncEvent::simple(SyncEvent::Kind::local_write));
  ASSERT_TRUE(find(a, Kind::open_socket));
  a = h.feed(SyncEvent::simple(SyncEvent::Kind::socket_opened));
  auto hello = sent(a, "hello");
  a = h.feed(SyncEvent::received(answer(hello.at("id").as_int64())));
  auto resume = sent(a, "auth.resume");
  a = h.feed(SyncEvent::received(answer(resume.at("id").as_int64())));
  EXPECT_FALSE(sent(a, "pull").empty());
  EXPECT_EQ(h.machine->snapshot().state, SyncState::syncing);
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


// Pull answers read without building their objects (pull_answer.h): the same page as the
// usual reading, each row's data the text json::serialize writes; anything unusual left to it.
constexpr const char* kAwkwardRows =
    R"([{"collection":"messages","id":"m1","seq":3,"deleted":false,"data":{"id":"m1","thread_id":"t1",)"
    R"("body":"caf\u00e9 \"quoted\" \\ back\/slash\n\ttab \u0001 ✓","n":-42,"big":18446744073709551615,)"
    R"("ratio":0.1,"exp":1e2,"none":null,"yes":true,"no":false,"empty":{},"list":[],)"
    R"("nested":[1,[2,{"a":[{}]}],"x"],"obj":{"k":{"z":"\u00e9"}}}},)"
    R"({"extra":[1,{"ignored":true}],"collection":"threads","id":"t\u0031","seq":4,"data":{"id":"t1"}},)"
    R"({"collection":"messages","id":"m0","seq":5,"deleted":true}])";

TEST(PullAnswer, ReadsAPageAsTheUsualReadingDoesWithEachRowAsSerializedText) {
  std::string frame = std::string(R"({"re":12,"ok":true,"changes":)") + kAwkwardRows +
                      R"(,"cursor":5,"more":true,"epoch":"ep\u00e9","horizon":2,"unknown":{"a":[1]}})";
  auto fast = read_pull_answer(frame);
  ASSERT_TRUE(fast) << "the usual answer is read the quick way";
  EXPECT_EQ(fast->re, 12);
  auto message = boost::json::parse(frame).as_object();
  auto usual = passerelle::sync::pull_page_from_json(message);
  ASSERT_TRUE(usual.ok());
  PulledPage expected = pulled_page_text(*usual);
  const PulledPage& got = fast->page;
  EXPECT_EQ(got.cursor, 5);
  EXPECT_TRUE(got.more);
  EXPECT_FALSE(got.resync);
  EXPECT_EQ(got.epoch, expected.epoch);
  EXPECT_EQ(got.horizon, 2);
  ASSERT_EQ(got.rows.size(), 3u);
  ASSERT_EQ(expected.rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const auto &g = got.rows[i], &e = expected.rows[i];
    EXPECT_EQ(got[g.collection], expected[e.collection]);
    EXPECT_EQ(got[g.id], expected[e.id]);
    EXPECT_EQ(g.seq, e.seq);
    EXPECT_EQ(g.deleted, e.deleted);
    EXPECT_EQ(got[g.data], expected[e.data]) << "byte for byte what json::serialize writes";
    EXPECT_EQ(got[g.thread_id], expected[e.thread_id]);
  }
  EXPECT_EQ(got[got.rows[0].thread_id], "t1");
  EXPECT_EQ(got[got.rows[1].id], "t1") << "an escaped name is read as itself";
  EXPECT_EQ(got[got.rows[0].data],
            boost::json::serialize(message.at("changes").as_array()[0].as_object().at("data")));
}

// Rows' text is scanned eight bytes at a time: a character to escape at every position of a
// word, at the ends, alone and in runs, comes out as json::serialize writes it.
TEST(PullAnswer, EscapesACharacterWhereverItFallsInALongString) {
  // As the server sends them (JSON escapes); DEL and é need no escape when written again.
  for (const std::string special : {R"(\")", R"(\\)", R"(\n)", R"(\u0001)", R"(\u001f)", R"(\u007f)", R"(\u00e9)",
                                     R"(\"\"\\)", R"(\t\b\f\r)"}) {
    for (int before = 0; before <= 17; ++before) {
      std::string body = std::string(before, 'a') + special + std::string(17 - before, 'b');
      std::string frame = R"({"re":1,"ok":true,"changes":[{"collection":"messages","id":"m","seq":1,"data":{"body":")" +
                          body + R"(","end":"x"}}],"cursor":1,"more":false,"horizon":1,"epoch":"e"})";
      auto fast = read_pull_answer(frame);
      ASSERT_TRUE(fast) << frame;
      auto data = boost::json::parse(frame).as_object().at("changes").as_array()[0].as_object().at("data");
      EXPECT_EQ(fast->page[fast->page.rows.at(0).data], boost::json::serialize(data)) << frame;
    }
  }
}

TEST(PullAnswer, LeavesEverythingUnusualToTheUsualReading) {
  auto page = [](std::string fields) { return R"({"re":3,"ok":true,)" + fields + "}"; };
  const std::string rows = R"("changes":[{"collection":"c","id":"i","seq":1,"data":{}}])";
  ASSERT_TRUE(read_pull_answer(page(rows + R"(,"cursor":1,"more":false)")));
  for (const std::string& frame : {
           std::string(R"({"re":3,"ok":false,"error":{"code":"internal","message":"no"}})"),
           page(R"("resync":true,"changes":[],"cursor":0)"),
           page(R"("cursor":1)"),                                      // no changes
           page(R"("changes":{},"cursor":1)"),                         // changes not an array
           page(R"("changes":[1],"cursor":1)"),                        // a change not an object
           page(R"("changes":[{"collection":"c","id":"i","seq":"1","data":{}}])"),  // seq a string
           page(R"("changes":[{"collection":"c","id":"i","seq":1,"data":[]}])"),    // data an array
           page(R"("changes":[{"collection":"c","id":"i","seq":1}])"),              // no data
           page(R"("changes":[{"collection":"c","collection":"d","id":"i","seq":1,"data":{}}])"),
           page(rows + R"(,"cursor":1,"cursor":2)"),                   // a field given twice
           page(rows + R"(,"cursor":1.5)"),
           page(rows + R"(,"cursor":null)"),
           std::string(R"({"re":null,"ok":true,)") + rows + "}",
           std::string(R"({"ok":true,)") + rows + "}",                 // no re
           std::string(R"({"re":3,)") + rows + "}",                    // no ok
           page(rows) + "x",                                           // not JSON
           page(rows).substr(0, 30),                                   // cut short
           std::string("[") + page(rows) + "]",
       })
    EXPECT_FALSE(read_pull_answer(frame)) << frame;
}

TEST(PullAnswer, ReadsAnEventsTypeAlone) {
  EXPECT_EQ(read_event_type(R"({"type":"poke","seq":9,"prev":5,"changes":[{"a":[1,{"type":2}]}]})"), "poke");
  EXPECT_FALSE(read_event_type(R"({"re":1,"ok":true,"type":"poke"})")) << "an answer, not an event";
  EXPECT_FALSE(read_event_type(R"({"type":3})"));
  EXPECT_FALSE(read_event_type(R"({"type":"poke","type":"other"})"));
  EXPECT_FALSE(read_event_type(R"({"type":"poke")"));
  EXPECT_FALSE(read_event_type(R"({"seq":9})"));
}

TEST(PullAnswer, ReadableFramesAreTheOnesTheUsualReadingReads) {
  for (const std::string& frame : {
           std::string(R"({"re":1,"ok":true,"changes":[{"a":{"re":"x"}}]})"), std::string(R"({"re":null,"ok":true})"),
           std::string(R"({"type":"poke","seq":3})"), std::string(R"({"re":1,"ok":false,"error":{"code":"internal","message":"m"}})"),
           std::string(R"({"re":1,"ok":false})"), std::string(R"({"re":1,"ok":"yes"})"), std::string(R"({"re":"1","ok":true})"),
           std::string(R"({"re":1.0,"ok":true})"), std::string(R"({"re":1,"re":2,"ok":true})"), std::string(R"({"type":1})"),
           std::string(R"({"type":null})"), std::string(R"({"seq":1})"), std::string("[1]"), std::string("5"),
           std::string(R"({"re":1,"ok":true)"), std::string(R"({"re":1,"ok":true}x)"), std::string(""),
       })
    EXPECT_EQ(server_message_readable(frame), protocol::parse_server_message(frame).ok()) << frame;
}

// The web binding ends the socket on a frame the engine found unreadable (it no longer reads
// every frame before feeding it): the engine says so for exactly the frames
// parse_server_message refuses, whichever way it read them, and such a frame changes nothing.
TEST(SyncMachine, SaysWhichFrameItCouldNotReadAndChangesNothingForIt) {
  Host h;
  auto pull = connect_and_resume(h);
  const std::int64_t id = pull.at("id").as_int64();
  for (const std::string& bad : {
           std::string(R"({"re":)") + std::to_string(id) + R"(,"ok":true,"changes":[)",  // a page cut short
           std::string(R"({"type":"poke","seq":3)"), std::string(R"({"re":"1","ok":true})"), std::string("[1]"),
           std::string(""), std::string(R"({"re":1,"ok":true}x)"),
       }) {
    auto a = h.feed(SyncEvent::received(bad));
    EXPECT_TRUE(h.machine->last_frame_unreadable()) << bad;
    EXPECT_FALSE(protocol::parse_server_message(bad).ok()) << bad;
    EXPECT_TRUE(a.empty()) << bad;
    EXPECT_EQ(h.machine->snapshot().state, SyncState::syncing) << bad;
  }
  for (const std::string& good : {
           std::string(R"({"re":999,"ok":false,"error":{"code":"internal","message":"m"}})"),
           std::string(R"({"re":998,"ok":true})"),
           std::string(R"({"type":"poke","seq":3})"),  // read for its type alone: no carried pokes here
       }) {
    h.feed(SyncEvent::received(good));
    EXPECT_FALSE(h.machine->last_frame_unreadable()) << good;
  }
  h.feed(SyncEvent::received(answer(id, R"("changes":[],"cursor":4,"more":false,"horizon":4,"epoch":"e")")));
  EXPECT_FALSE(h.machine->last_frame_unreadable()) << "a page read by the shortcut";
  EXPECT_EQ(*h.store->cursor(), 4);
  h.feed(SyncEvent::simple(SyncEvent::Kind::local_write));
  EXPECT_FALSE(h.machine->last_frame_unreadable()) << "an event that is no frame";
}

TEST(SyncMachine, APulledPageIsStoredAsItsRowsTextAndObservedOnce) {
  Host h;
  auto pull = connect_and_resume(h);
  std::string frame = "{\"re\":" + std::to_string(pull.at("id").as_int64()) + ",\"ok\":true,\"changes\":" +
                      kAwkwardRows + ",\"cursor\":5,\"more\":false,\"horizon\":5,\"epoch\":\"e\"}";
  auto a = h.feed(SyncEvent::received(frame));
  int observed = 0;
  for (const auto& action : a)
    if (action.kind == Kind::rows_changed) {
      ++observed;
      EXPECT_EQ(action.rows.count({"messages", "m1"}), 1u);
      EXPECT_EQ(action.rows.count({"threads", "t1"}), 1u);
    }
  EXPECT_EQ(observed, 1);
  EXPECT_EQ(h.machine->snapshot().state, SyncState::up_to_date);
  EXPECT_EQ(*h.store->cursor(), 5);
  auto row = h.store->get("messages", "m1");
  ASSERT_TRUE(row.ok() && row->has_value());
  auto sent = boost::json::parse(frame).as_object().at("changes").as_array()[0].as_object().at("data");
  EXPECT_EQ(boost::json::value(**row), sent) << "the row as the server sent it";
  EXPECT_FALSE(h.store->get("messages", "m0")->has_value());
}

TEST(SyncMachine, APageOfTheWrongShapeIsStillAClearError) {
  Host h(true);
  auto pull = connect_and_resume(h);
  auto a = h.feed(SyncEvent::received(answer(pull.at("id").as_int64(), R"("changes":[{"collection":"c","id":"i","seq":"x","data":{}}],"cursor":1)")));
  const SyncAction* done = find(a, Kind::finished);
  ASSERT_TRUE(done);
  ASSERT_TRUE(done->failure);
  EXPECT_NE(done->failure->error.message.find("unexpected answer"), std::string::npos) << done->failure->error.message;
  EXPECT_NE(done->failure->error.message.find("seq"), std::string::npos) << done->failure->error.message;
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

TEST(SyncMachineLive, ACarriedPokeTooEarlyToStoreStillMeansAPullAfterTheRound) {
  Host h;
  auto pull = connect_and_resume(h, "\"live_rows\":true");
  auto a = h.feed(SyncEvent::received(carried(0)));  // read for its type only: it cannot be stored yet
  EXPECT_FALSE(find(a, Kind::send_frame)) << "one pull at a time";
  a = h.feed(SyncEvent::received(
      answer(pull.at("id").as_int64(), "\"changes\":[],\"cursor\":7,\"more\":false,\"horizon\":0,\"epoch\":\"e\"")));
  auto again = sent(a, "pull");
  EXPECT_EQ(again.at("cursor").as_int64(), 7) << "the poke said something changed: the next round pulls it";
}

// --- the push window (docs/protocol.md, `push`) ----------------------------------------------

std::vector<boost::json::object> all_sent(const std::vector<SyncAction>& actions, std::string_view type) {
  std::vector<boost::json::object> out;
  for (const auto& a : actions)
    if (a.kind == Kind::send_frame) {
      auto o = boost::json::parse(a.frame).as_object();
      if (o.at("type").as_string() == type) out.push_back(std::move(o));
    }
  return out;
}

// `n` ops queued while offline, their ids in the order written.
std::vector<std::string> queue_ops(Host& h, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    auto op = h.store->mutate("profile.update", {{"bio", "b" + std::to_string(i)}}, nullptr);
    EXPECT_TRUE(op.ok());
    ids.push_back(*op);
  }
  return ids;
}

std::vector<std::string> op_ids(const boost::json::object& push) {
  std::vector<std::string> ids;
  for (const auto& op : push.at("ops").as_array()) ids.emplace_back(op.at("op_id").as_string());
  return ids;
}

std::string applied(const boost::json::object& push) {
  std::string results;
  for (const auto& id : op_ids(push))
    results += (results.empty() ? "" : ",") + std::string("{\"op_id\":\"") + id + "\",\"status\":\"applied\"}";
  return answer(push.at("id").as_int64(), "\"results\":[" + results + "]");
}

// start → socket → hello (answered with `hello_fields`) → resume; the actions of the resume's answer.
std::vector<SyncAction> resume_with(Host& h, std::string hello_fields) {
  h.feed(SyncEvent::simple(SyncEvent::Kind::start));
  auto a = h.feed(SyncEvent::simple(SyncEvent::Kind::socket_opened));
  a = h.feed(SyncEvent::received(answer(sent(a, "hello").at("id").as_int64(), std::move(hello_fields))));
  return h.feed(SyncEvent::received(answer(sent(a, "auth.resume").at("id").as_int64())));
}

TEST(SyncMachinePushWindow, SendsUpToTheServersWindowInOrderEachNamingThePushItFollows) {
  Host h;
  auto ids = queue_ops(h, 250);
  auto a = resume_with(h, "\"push_window\":2");
  auto pushes = all_sent(a, "push");
  ASSERT_EQ(pushes.size(), 2u) << "the server takes two at once";
  EXPECT_FALSE(pushes[0].contains("after")) << "the first follows nothing";
  EXPECT_EQ(pushes[1].at("after").as_int64(), pushes[0].at("id").as_int64());
  EXPECT_EQ(all_sent(a, "pull").size(), 0u);
  // The first answer: its ops leave the outbox and the third push goes out behind the second.
  a = h.feed(SyncEvent::received(applied(pushes[0])));
  auto third = all_sent(a, "push");
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].at("after").as_int64(), pushes[1].at("id").as_int64());
  EXPECT_EQ(*h.store->pending_count(), 150);
  // Every op exactly once, in the order written.
  std::vector<std::string> sent_ids;
  for (const auto* p : {&pushes[0], &pushes[1], &third[0]})
    for (auto& id : op_ids(*p)) sent_ids.push_back(id);
  EXPECT_EQ(sent_ids, ids);
  a = h.feed(SyncEvent::received(applied(pushes[1])));
  EXPECT_FALSE(find(a, Kind::send_frame)) << "nothing left to push; the pull waits for the last answer";
  a = h.feed(SyncEvent::received(applied(third[0])));
  EXPECT_EQ(all_sent(a, "pull").size(), 1u);
  EXPECT_EQ(*h.store->pending_count(), 0);
}

TEST(SyncMachinePushWindow, OnePushAtATimeWithAServerThatAnnouncesNoWindowOrADeviceLimitedToOne) {
  for (bool device_limited : {false, true}) {
    Host h(false, device_limited ? 1 : passerelle::sync::kPushWindow);
    queue_ops(h, 150);
    auto a = resume_with(h, device_limited ? "\"push_window\":4" : "");
    auto pushes = all_sent(a, "push");
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_FALSE(pushes[0].contains("after"));
    a = h.feed(SyncEvent::received(applied(pushes[0])));
    auto next = all_sent(a, "push");
    ASSERT_EQ(next.size(), 1u) << "the next only once the first is answered";
    EXPECT_FALSE(next[0].contains("after")) << "nothing in flight to follow";
  }
}

TEST(SyncMachinePushWindow, AFailedPushResendsEveryUnansweredOpInOrderOnTheNextSocket) {
  Host h;
  auto ids = queue_ops(h, 250);
  auto a = resume_with(h, "\"push_window\":4");
  auto pushes = all_sent(a, "push");
  ASSERT_EQ(pushes.size(), 3u);
  a = h.feed(SyncEvent::received(applied(pushes[0])));
  a = h.feed(SyncEvent::received("{\"re\":" + std::to_string(pushes[1].at("id").as_int64()) +
                                 ",\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"storage failure\"}}"));
  EXPECT_TRUE(find(a, Kind::close_socket));
  const SyncAction* backoff = find(a, Kind::arm_timer);
  ASSERT_TRUE(backoff);
  EXPECT_EQ(*h.store->pending_count(), 150) << "the answered push's ops only have left";
  // The third push's answer on the dead socket changes nothing.
  EXPECT_TRUE(h.feed(SyncEvent::received(applied(pushes[2]))).empty());
  h.feed(SyncEvent::fired(backoff->timer));
  a = h.feed(SyncEvent::simple(SyncEvent::Kind::socket_opened));
  a = h.feed(SyncEvent::received(answer(sent(a, "hello").at("id").as_int64(), "\"push_window\":4")));
  a = h.feed(SyncEvent::received(answer(sent(a, "auth.resume").at("id").as_int64())));
  auto again = all_sent(a, "push");
  ASSERT_EQ(again.size(), 2u);
  std::vector<std::string> resent;
  for (auto& p : again)
    for (auto& id : op_ids(p)) resent.push_back(id);
  EXPECT_EQ(resent, std::vector<std::string>(ids.begin() + 100, ids.end()));
}

TEST(SyncMachinePushWindow, AMalformedStoredOpFailsTheRoundWithAClearErrorAndIsNeverSent) {
  Host h(true);
  auto ids = queue_ops(h, 150);
  // The file damaged under the app: the 121st op's stored args are no longer JSON.
  ASSERT_TRUE(h.db->exec("UPDATE outbox SET args = '{\"bio\":' WHERE op_id = '" + ids[120] + "'").ok());
  auto a = resume_with(h, "\"push_window\":2");
  // Every frame sent parses (all_sent parses each); the batch holding the damaged op is not one.
  auto pushes = all_sent(a, "push");
  ASSERT_EQ(pushes.size(), 1u) << "the batch before the damaged op only";
  EXPECT_EQ(op_ids(pushes[0]), std::vector<std::string>(ids.begin(), ids.begin() + 100));
  const SyncAction* done = find(a, Kind::finished);
  ASSERT_TRUE(done && done->failure);
  EXPECT_EQ(done->failure->origin, Origin::local);
  EXPECT_NE(done->failure->message().find("local sync store failed"), std::string::npos) << done->failure->message();
  EXPECT_EQ(*h.store->pending_count(), 150) << "nothing leaves the outbox unanswered";
}

TEST(SyncMachinePushWindow, AnAnswerOutOfOrderFailsTheRound) {
  Host h;
  queue_ops(h, 200);
  auto pushes = all_sent(resume_with(h, "\"push_window\":2"), "push");
  ASSERT_EQ(pushes.size(), 2u);
  auto a = h.feed(SyncEvent::received(applied(pushes[1])));
  EXPECT_TRUE(find(a, Kind::close_socket));
  EXPECT_EQ(*h.store->pending_count(), 200) << "nothing stored from an answer out of order";
}

}  // namespace
}  // namespace passerelle::client
