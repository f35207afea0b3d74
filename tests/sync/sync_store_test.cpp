// The device's sync store: optimistic writes, outbox, rebase, rejections, resync.
#include <boost/json/serialize.hpp>

#include <fstream>
#include <map>

#include "sync_harness.h"

using namespace passerelle;
using namespace passerelle::testing;
using passerelle::protocol::Role;
namespace json = boost::json;

namespace {

class SyncStoreTest : public ::testing::Test {
 protected:
  FakeServer server;
  std::string admin = new_id(), coach = new_id(), coach2 = new_id(), cand = new_id();
  std::string thread = new_id();
  std::unique_ptr<Device> amina, claire;

  void SetUp() override {
    server.add_user(admin, Role::admin, "Ada");
    server.add_user(coach, Role::coach, "Claire");
    server.add_user(coach2, Role::coach, "Karim");
    server.add_user(cand, Role::candidate, "Amina");
    auto out = server.push({admin, Role::admin},
                           {{new_id(), "caseload.assign", {{"candidate_id", cand}, {"coach_id", coach}, {"thread_id", thread}}}});
    ASSERT_EQ(out.results[0].status, sync::OpStatus::applied);
    amina = std::make_unique<Device>(sync::Actor{cand, Role::candidate}, fresh_dir("amina"));
    claire = std::make_unique<Device>(sync::Actor{coach, Role::coach}, fresh_dir("claire"));
    amina->pull(server);
    claire->pull(server);
  }

  json::object send_args(const std::string& body, std::string id = new_id()) {
    return {{"id", id}, {"thread_id", thread}, {"body", body}};
  }
  std::size_t messages(Device& d) { return d.store->list(sync::collection::messages, "thread_id", thread)->size(); }
};

}  // namespace

TEST_F(SyncStoreTest, FreshDeviceSeesItsRows) {
  EXPECT_TRUE(amina->store->get("profiles", cand)->has_value());
  EXPECT_TRUE(amina->store->get("threads", thread)->has_value());
  EXPECT_TRUE(amina->store->get("profiles", coach)->has_value());
  EXPECT_FALSE(amina->store->get("profiles", coach2)->has_value());
  EXPECT_GT(*amina->store->cursor(), 0);
  EXPECT_TRUE(amina->store->last_synced_at()->has_value());
}

TEST_F(SyncStoreTest, WriteIsVisibleAtOnceAndQueued) {
  client::ChangedRows changed;
  std::string msg = new_id();
  auto op = amina->store->mutate("message.send", send_args("Bonjour !", msg), &changed);
  ASSERT_TRUE(op.ok()) << op.error().message;
  EXPECT_TRUE(changed.count({"messages", msg}));
  EXPECT_EQ(messages(*amina), 1u);
  EXPECT_EQ(*amina->store->pending_count(), 1);
  EXPECT_EQ(messages(*claire), 0u);
}

TEST_F(SyncStoreTest, InvalidWriteIsRefusedAndNotQueued) {
  auto r = amina->store->mutate("message.send", send_args("   "), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "field 'args.body' must not be empty");
  EXPECT_EQ(amina->store->mutate("nope", {}, nullptr).error().code, ErrorCode::bad_request);
  // Not a member on what the device sees: refused locally too.
  auto other = amina->store->mutate("message.send", {{"id", new_id()}, {"thread_id", new_id()}, {"body", "x"}}, nullptr);
  EXPECT_EQ(other.error().code, ErrorCode::not_found);
  EXPECT_EQ(*amina->store->pending_count(), 0);
  EXPECT_EQ(messages(*amina), 0u);
}

TEST_F(SyncStoreTest, QueuedWriteSurvivesAKillAndArrivesOnce) {
  std::string msg = new_id();
  amina->mutate("message.send", send_args("écrit hors ligne", msg));
  amina->reopen();  // kill -9 between the local write and its push
  EXPECT_EQ(*amina->store->pending_count(), 1);
  EXPECT_EQ(messages(*amina), 1u);
  // The push reaches the server but the answer is lost: the device pushes the same op again.
  auto ops = *amina->store->pending(10);
  server.push(amina->actor, ops);
  amina->sync(server);
  amina->sync(server);
  claire->sync(server);
  EXPECT_EQ(messages(*amina), 1u);
  EXPECT_EQ(messages(*claire), 1u);
  long long n = 0;
  *server.sql << "SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'", soci::into(n);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(*amina->store->pending_count(), 0);
}

TEST_F(SyncStoreTest, PendingWritesStayOnTopOfPulledChanges) {
  amina->mutate("profile.update", {{"bio", "Infirmière, 8 ans d'expérience"}});
  // Meanwhile the server changes other rows the device can see.
  claire->mutate("message.send", send_args("Bienvenue Amina"));
  claire->sync(server);
  amina->pull(server);
  EXPECT_EQ(messages(*amina), 1u);
  EXPECT_EQ((*amina->store->get("profiles", cand))->at("bio").as_string(), "Infirmière, 8 ans d'expérience");
  EXPECT_EQ(*amina->store->pending_count(), 1);
  amina->sync(server);
  claire->sync(server);
  EXPECT_EQ((*claire->store->get("profiles", cand))->at("bio").as_string(), "Infirmière, 8 ans d'expérience");
}

TEST_F(SyncStoreTest, RejectedWriteLeavesTheQueueAndItsEffectDisappears) {
  // Karim's device cannot see that Amina already has a coach: it takes her optimistically.
  Device karim(sync::Actor{coach2, Role::coach}, fresh_dir("karim"));
  karim.pull(server);
  std::string t = new_id();
  karim.mutate("caseload.assign", {{"candidate_id", cand}, {"coach_id", coach2}, {"thread_id", t}});
  karim.mutate("profile.update", {{"bio", "Coach en génie civil"}});  // queued behind it
  EXPECT_TRUE(karim.store->get("threads", t)->has_value());
  client::ChangedRows changed;
  auto ops = *karim.store->pending(10);
  auto out = server.push(karim.actor, ops);
  ASSERT_TRUE(karim.store->apply_push_results(out.results, &changed).ok());
  EXPECT_FALSE(karim.store->get("threads", t)->has_value()) << "the rejected op's effect must go";
  EXPECT_TRUE(changed.count({"threads", t}));
  auto rejected = *karim.store->rejections();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].name, "caseload.assign");
  EXPECT_EQ(rejected[0].error.code, ErrorCode::not_found);
  EXPECT_EQ(*karim.store->pending_count(), 0) << "the op behind the rejected one was not stalled";
  karim.pull(server);
  EXPECT_EQ((*karim.store->get("profiles", coach2))->at("bio").as_string(), "Coach en génie civil");
  ASSERT_TRUE(karim.store->dismiss_rejection(rejected[0].op_id).ok());
  EXPECT_TRUE(karim.store->rejections()->empty());
}

TEST_F(SyncStoreTest, TheOutboxReadsAfterAnOpAndAnAnswerEmptiesItOfTheAnsweredOps) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(*amina->store->mutate("message.send", send_args("m" + std::to_string(i)), nullptr));
  auto op_ids = [](const std::vector<sync::Op>& ops) {
    std::vector<std::string> out;
    for (const auto& op : ops) out.push_back(op.op_id);
    return out;
  };
  EXPECT_EQ(op_ids(*amina->store->pending(2)), (std::vector<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(op_ids(*amina->store->pending(2, ids[1])), (std::vector<std::string>{ids[2], ids[3]}));
  EXPECT_TRUE(amina->store->pending(10, ids[4])->empty());
  EXPECT_EQ((*amina->store->pending(1, ids[0]))[0].args.at("body").as_string(), "m1");

  // An answer longer than one push (unknown ids are ignored), naming three of the queued ops,
  // one of them rejected: those three leave the outbox, the rest stay in order.
  std::vector<sync::OpResult> results;
  for (std::size_t i = 0; i < sync::kMaxOpsPerPush + 20; ++i) results.push_back({new_id(), sync::OpStatus::applied, {}});
  results.push_back({ids[0], sync::OpStatus::applied, {}});
  results.push_back({ids[2], sync::OpStatus::rejected, Error{ErrorCode::forbidden, "no"}});
  results.insert(results.begin() + 7, {ids[1], sync::OpStatus::applied, {}});
  ASSERT_TRUE(amina->store->apply_push_results(results, nullptr).ok());
  EXPECT_EQ(op_ids(*amina->store->pending(10)), (std::vector<std::string>{ids[3], ids[4]}));
  // The op a caller read after is answered: nothing after it (the caller starts again).
  EXPECT_TRUE(amina->store->pending(10, ids[1])->empty());
  auto rejected = *amina->store->rejections();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].op_id, ids[2]);
  EXPECT_EQ(rejected[0].args.at("body").as_string(), "m2");
  // Answered again (a retried push's answer): nothing changes.
  ASSERT_TRUE(amina->store->apply_push_results(results, nullptr).ok());
  EXPECT_EQ(*amina->store->pending_count(), 2);
  EXPECT_EQ(amina->store->rejections()->size(), 1u);
}

TEST_F(SyncStoreTest, TombstonesRemoveRows) {
  std::string msg = new_id();
  amina->mutate("message.send", send_args("oups", msg));
  amina->sync(server);
  claire->sync(server);
  EXPECT_EQ(messages(*claire), 1u);
  amina->mutate("message.delete", {{"id", msg}});
  EXPECT_EQ(messages(*amina), 0u);
  amina->sync(server);
  claire->sync(server);
  EXPECT_EQ(messages(*claire), 0u);
  EXPECT_EQ(messages(*amina), 0u);
}

TEST_F(SyncStoreTest, ResyncAfterCompactionKeepsPendingWrites) {
  std::string gone = new_id();
  claire->mutate("message.send", send_args("à effacer", gone));
  claire->sync(server);
  amina->sync(server);
  // Amina goes offline for a long time; meanwhile the message is deleted and the log compacted.
  amina->mutate("message.send", send_args("écrit pendant la panne"));
  claire->mutate("message.delete", {{"id", gone}});
  claire->mutate("message.send", send_args("nouveau"));
  claire->sync(server);
  { soci::transaction tx(*server.sql);
    server::sync::compact_change_log(*server.sql, now_utc() + std::chrono::hours(1));
    tx.commit(); }
  auto page = server::sync::run_pull(*server.sql, cand, *amina->store->cursor(), 100);
  ASSERT_TRUE(page.resync);
  amina->sync(server);
  EXPECT_FALSE(amina->store->get("messages", gone)->has_value());
  EXPECT_EQ(messages(*amina), 2u);
  EXPECT_EQ(*amina->store->pending_count(), 0);
  claire->sync(server);
  EXPECT_EQ(messages(*claire), 2u);
}

TEST_F(SyncStoreTest, AnotherDatabaseMeansResync) {
  amina->mutate("message.send", send_args("avant la restauration"));
  FakeServer other;  // e.g. the server restored from an old backup: another epoch
  other.add_user(cand, Role::candidate, "Amina");
  amina->pull(other);
  EXPECT_FALSE(amina->store->get("threads", thread)->has_value());
  EXPECT_TRUE(amina->store->get("profiles", cand)->has_value());
  EXPECT_EQ(*amina->store->pending_count(), 1) << "pending writes survive a resync";
}

TEST_F(SyncStoreTest, ADamagedFileIsAClearError) {
  auto dir = fresh_dir("damaged");
  {
    std::ofstream f(dir / "account.sqlite");
    f << "this is not a database, just some text that is long enough to be a header.......";
  }
  auto opened = client::sqlite::Database::open(dir / "account.sqlite", "the account file", client::SyncStore::migrations(1));
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("is damaged or is not a Passerelle database"), std::string::npos)
      << opened.error().message;
  std::filesystem::remove_all(dir);
}

TEST_F(SyncStoreTest, CompactionDuringAFullPullRestartsIt) {
  // Amina's fresh device re-reads from 0 in small pages. After her first page (which holds the
  // message), the message is deleted and the log compacted: the tombstone she needs is gone,
  // so her next page must restart the full pull rather than keep the deleted message.
  std::string msg = new_id();
  claire->mutate("message.send", send_args("supprimé bientôt", msg));
  claire->mutate("profile.update", {{"bio", "Conseillère en emploi"}});  // a later change Amina sees
  claire->sync(server);
  Device fresh(sync::Actor{cand, Role::candidate}, fresh_dir("fresh"));
  bool saw_message = false;
  while (!saw_message) {
    auto page = server::sync::run_pull(*server.sql, cand, *fresh.store->cursor(), 1, fresh.store->full_pull_horizon());
    ASSERT_TRUE(fresh.store->apply_pull_page(page, nullptr).ok());
    ASSERT_TRUE(page.more);
    saw_message = fresh.store->get("messages", msg)->has_value();
  }
  claire->mutate("message.delete", {{"id", msg}});
  claire->mutate("message.send", send_args("après"));  // so the tombstone is not the log's end
  claire->sync(server);
  { soci::transaction tx(*server.sql);
    server::sync::compact_change_log(*server.sql, now_utc() + std::chrono::hours(1));
    tx.commit(); }
  auto page = server::sync::run_pull(*server.sql, cand, *fresh.store->cursor(), 1, fresh.store->full_pull_horizon());
  EXPECT_TRUE(page.resync);
  fresh.pull(server);
  EXPECT_FALSE(fresh.store->get("messages", msg)->has_value());
  EXPECT_EQ(messages(fresh), 1u);
}

TEST_F(SyncStoreTest, DeviceClocksDecideNothing) {
  // Two coaches, one device a day ahead, one a day behind, race for the same new candidate and
  // write in the same thread. The server's arrival order decides both, never the device clocks.
  std::string newcomer = new_id();
  server.add_user(newcomer, Role::candidate, "Yassine");
  auto ahead = [] { return now_utc() + std::chrono::hours(24); };
  auto behind = [] { return now_utc() - std::chrono::hours(24); };
  Device fast(sync::Actor{coach, Role::coach}, fresh_dir("ahead"), ahead);
  Device slow(sync::Actor{coach2, Role::coach}, fresh_dir("behind"), behind);
  fast.pull(server);
  slow.pull(server);
  // The device a day behind writes later but pushes first: it wins the candidate.
  fast.mutate("caseload.assign", {{"candidate_id", newcomer}, {"coach_id", coach}, {"thread_id", new_id()}});
  slow.mutate("caseload.assign", {{"candidate_id", newcomer}, {"coach_id", coach2}, {"thread_id", new_id()}});
  slow.sync(server);
  fast.sync(server);
  ASSERT_EQ(fast.store->rejections()->size(), 1u);
  // Another coach's candidate is answered like an unknown id (docs/security.md).
  EXPECT_EQ((*fast.store->rejections())[0].error.code, ErrorCode::not_found);
  EXPECT_TRUE(slow.store->rejections()->empty());
  // Messages: server time orders them, device-written times are only shown.
  Device amina_ahead(sync::Actor{cand, Role::candidate}, fresh_dir("amina-ahead"), ahead);
  amina_ahead.pull(server);
  std::string first = new_id(), second = new_id();
  amina_ahead.mutate("message.send", send_args("premier", first));
  amina_ahead.sync(server);
  claire->mutate("message.send", send_args("deuxième", second));
  claire->sync(server);
  amina_ahead.pull(server);
  auto a = *(*amina_ahead.store->get("messages", first));
  auto b = *(*amina_ahead.store->get("messages", second));
  EXPECT_LE(a.at("sent_at").as_string(), b.at("sent_at").as_string());
  long long seq_a = 0, seq_b = 0;
  *server.sql << "SELECT seq FROM sync_rows WHERE id = :i", soci::use(first), soci::into(seq_a);
  *server.sql << "SELECT seq FROM sync_rows WHERE id = :i", soci::use(second), soci::into(seq_b);
  EXPECT_LT(seq_a, seq_b);
  EXPECT_LT(std::abs(to_unix_ms(*parse_rfc3339(std::string(a.at("sent_at").as_string()))) - to_unix_ms(now_utc())),
            60'000) << "sent_at is the server's time, not the device's";
}

// A first sync has nothing to drop at its end, so it does not track the rows it sees; a
// resync of a device that holds rows does (and drops what the server no longer sends).
TEST_F(SyncStoreTest, FirstSyncTracksNothingAndAResyncTracksWhatItHeld) {
  for (int i = 0; i < 3; ++i) claire->mutate("message.send", send_args("m" + std::to_string(i)));
  claire->sync(server);
  auto tracked = [](Device& d) {
    auto st = d.db->prepare("SELECT COUNT(*) FROM resync_seen");
    EXPECT_TRUE(st.ok() && *st->step());
    return st->integer(0);
  };
  Device fresh(sync::Actor{cand, Role::candidate}, fresh_dir("first"));
  for (;;) {
    auto page = server::sync::run_pull(*server.sql, cand, *fresh.store->cursor(), 1, fresh.store->full_pull_horizon());
    ASSERT_TRUE(fresh.store->apply_pull_page(page, nullptr).ok());
    EXPECT_EQ(tracked(fresh), 0);
    if (!page.more) break;
  }
  EXPECT_FALSE(fresh.store->needs_resync());
  EXPECT_EQ(messages(fresh), 3u);

  ASSERT_TRUE(fresh.store->begin_resync().ok());
  auto page = server::sync::run_pull(*server.sql, cand, 0, 1, fresh.store->full_pull_horizon());
  ASSERT_TRUE(page.more);
  ASSERT_TRUE(fresh.store->apply_pull_page(page, nullptr).ok());
  EXPECT_EQ(tracked(fresh), 1) << "a device holding rows tracks what its resync re-reads";
  fresh.pull(server);
  EXPECT_EQ(tracked(fresh), 0);
  EXPECT_FALSE(fresh.store->needs_resync());
  EXPECT_EQ(messages(fresh), 3u);
}

// Push answers and pull pages commit without an fsync (replayable); everything after them must
// be durable again, or a device write acknowledged to the app could vanish in a power cut.
TEST_F(SyncStoreTest, ReplayableCommitsLeaveTheFileDurable) {
  auto synchronous = [](Device& d) {
    auto st = d.db->prepare("PRAGMA synchronous");
    EXPECT_TRUE(st.ok() && *st->step());
    return st->integer(0);
  };
  const std::int64_t kFull = 2;
  EXPECT_EQ(synchronous(*amina), kFull);
  amina->mutate("message.send", send_args("durable"));
  amina->sync(server);  // applies a push answer and pull pages
  EXPECT_EQ(synchronous(*amina), kFull);
  // And when the replayable transaction fails to begin (another writer holds the file).
  auto other = client::sqlite::Database::open(amina->dir / "account.sqlite", "the account file",
                                              client::SyncStore::migrations(1));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->exec("PRAGMA busy_timeout=0").ok());
  ASSERT_TRUE((*other)->exec("BEGIN IMMEDIATE").ok());
  sqlite3_busy_timeout(amina->db->handle(), 0);
  EXPECT_FALSE(amina->store->apply_push_results({}, nullptr).ok());
  EXPECT_EQ(synchronous(*amina), kFull);
  ASSERT_TRUE((*other)->exec("ROLLBACK").ok());
}

// Two processes on one device file pull from the same cursor (issue #22): the page read later
// is stored first; the older one, stored after it, must not bring rows back to older states or
// the cursor backwards. It is dropped and the cursor stays.
TEST_F(SyncStoreTest, APageAskedFromACursorNoLongerStoredIsDropped) {
  std::int64_t from = *amina->store->cursor();
  claire->mutate("profile.update", {{"bio", "avant"}});
  claire->sync(server);
  auto older = server::sync::run_pull(*server.sql, cand, from, 500, std::nullopt);
  claire->mutate("profile.update", {{"bio", "après"}});
  claire->sync(server);
  auto newer = server::sync::run_pull(*server.sql, cand, from, 500, std::nullopt);
  ASSERT_GT(newer.cursor, older.cursor);
  ASSERT_TRUE(amina->store->apply_pull_page(newer, nullptr, from).ok());
  ASSERT_TRUE(amina->store->apply_pull_page(older, nullptr, from).ok());
  EXPECT_EQ(*amina->store->cursor(), newer.cursor);
  auto profile = amina->store->get("profiles", coach);
  ASSERT_TRUE(profile.ok() && profile->has_value());
  EXPECT_EQ((**profile).at("bio"), "après");
}

// A device file written by the first schema (every row in server_rows and again in view_rows,
// view_overlay naming the rows queued ops wrote) is upgraded in place on open: the same view,
// the same queue, and its ops still arrive once.
TEST_F(SyncStoreTest, AFileOfTheFirstSchemaKeepsItsViewAndQueueWhenUpgraded) {
  std::string sent = new_id(), queued = new_id();
  amina->mutate("message.send", send_args("envoyé", sent));
  amina->sync(server);
  amina->mutate("message.send", send_args("en attente", queued));  // a row only the device has
  amina->mutate("message.delete", {{"id", sent}});                  // a server row deleted locally
  amina->mutate("profile.update", {{"bio", "Infirmière"}});         // a server row changed locally

  auto rows_of = [](client::sqlite::Database& db, const std::string& sql) {
    std::map<std::string, std::string> rows;
    auto st = db.prepare(sql);
    EXPECT_TRUE(st.ok());
    while (*st->step()) rows[st->text(0) + "/" + st->text(1)] = st->text(2);
    return rows;
  };
  auto view = rows_of(*amina->db, "SELECT collection, id, data FROM view_rows");
  auto local = rows_of(*amina->db, "SELECT collection, id, coalesce(data, '') FROM local_rows");
  ASSERT_EQ(local.count("messages/" + sent), 1u);
  auto ops = *amina->store->pending(100);
  ASSERT_EQ(ops.size(), 3u);

  // What the first schema's code held for the same state, written by its own schema step.
  auto dir = fresh_dir("upgraded");
  {
    auto first = client::SyncStore::migrations(1);
    first.resize(1);
    auto old = client::sqlite::Database::open(dir / "account.sqlite", "the account file", first);
    ASSERT_TRUE(old.ok()) << old.error().message;
    auto& db = **old;
    std::string from = (amina->dir / "account.sqlite").string();
    ASSERT_TRUE(db.exec("ATTACH DATABASE '" + from + "' AS now").ok());
    for (const char* sql : {
             "INSERT INTO server_rows SELECT * FROM now.server_rows",
             "INSERT INTO view_rows (collection, id, data) SELECT collection, id, data FROM now.view_rows",
             "INSERT INTO view_overlay (collection, id) SELECT collection, id FROM now.local_rows",
             "INSERT INTO outbox SELECT * FROM now.outbox",
             "INSERT INTO sync_state SELECT * FROM now.sync_state",
         })
      ASSERT_TRUE(db.exec(sql).ok()) << sql;
    ASSERT_TRUE(db.exec("DETACH DATABASE now").ok());
  }

  Device upgraded(amina->actor, dir);
  EXPECT_EQ(rows_of(*upgraded.db, "SELECT collection, id, data FROM view_rows"), view);
  EXPECT_EQ(rows_of(*upgraded.db, "SELECT collection, id, coalesce(data, '') FROM local_rows"), local);
  EXPECT_FALSE(upgraded.store->get("messages", sent)->has_value());
  EXPECT_EQ((*upgraded.store->get("profiles", cand))->at("bio").as_string(), "Infirmière");
  auto listed = *upgraded.store->list_rows(sync::collection::messages, "thread_id", thread);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].data.at("id").as_string(), queued);
  EXPECT_FALSE(listed[0].from_server);
  auto upgraded_ops = *upgraded.store->pending(100);
  ASSERT_EQ(upgraded_ops.size(), ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) EXPECT_EQ(upgraded_ops[i].op_id, ops[i].op_id);

  upgraded.sync(server);
  EXPECT_EQ(*upgraded.store->pending_count(), 0);
  EXPECT_TRUE(rows_of(*upgraded.db, "SELECT collection, id, data FROM local_rows").empty());
  claire->sync(server);
  auto at_claire = *claire->store->list(sync::collection::messages, "thread_id", thread);
  ASSERT_EQ(at_claire.size(), 1u) << "the queued message arrived once, the deleted one went";
  EXPECT_EQ(at_claire[0].at("id").as_string(), queued);
  EXPECT_EQ((*claire->store->get("profiles", cand))->at("bio").as_string(), "Infirmière");
}
