// The PostgreSQL push path's shortcuts (docs/benchmarks.md, "PostgreSQL"): writes queued and
// sent in one libpq pipeline (storage::DeferredWrites), the op ledger read once per push, and
// the rows a push's arguments name read once per collection. Each must give what the one-by-one
// statements gave: the same rows, failures as SOCI's errors, exactly-once by (user, op_id).
// Run under tests/pg/run-pg.sh; skipped without it.
#include <gtest/gtest.h>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <future>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/test_server.h"
#include "storage/database.h"
#include "storage/db_error.h"
#include "storage/deferred_writes.h"
#include "storage/dialect.h"
#include "sync/change_log.h"
#include "sync/live.h"
#include "sync/push.h"

namespace st = passerelle::server::storage;
namespace sy = passerelle::server::sync;
using passerelle::Status;

namespace {

class PushPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!passerelle::test::test_postgresql_url())
      GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh (PASSERELLE_TEST_PG unset)";
    std::string error;
    url = passerelle::test::create_postgresql_database(&error);
    ASSERT_FALSE(url.empty()) << error;
    auto opened = st::Database::open(url, {});
    ASSERT_TRUE(opened) << opened.error().message;
    db = std::move(*opened);
  }

  long long count(const std::string& query) {
    return db->read([&](soci::session& sql) {
      long long n = 0;
      sql << query, soci::into(n);
      return n;
    });
  }

  std::string url;
  std::unique_ptr<st::Database> db;
};

constexpr const char* kPutMeta = "INSERT INTO sync_meta (key, value) VALUES (:k, :v)";

TEST_F(PushPipelineTest, QueuedWritesLandInOrderAndOnlyWhenFlushed) {
  Status s = db->writer().run([](soci::session& sql) -> Status {
    st::Cached<st::DeferredWrites> w(sql);
    EXPECT_TRUE(w->available());
    w->add(kPutMeta, {"pipeline_a", "1"});
    w->add("UPDATE sync_meta SET value = value + :v WHERE key = :k", {"41", "pipeline_a"});
    long long before = -1;
    sql << "SELECT COUNT(*) FROM sync_meta WHERE key = 'pipeline_a'", soci::into(before);
    EXPECT_EQ(before, 0);  // nothing sent yet
    w->flush();
    EXPECT_EQ(w->queued(), 0u);
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'pipeline_a'"), 42);
}

TEST_F(PushPipelineTest, AFailedWriteIsSociErrorAndTheConnectionStaysUsable) {
  std::string label, code;
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kPutMeta, {"pipeline_b", "1"});
    w->add(kPutMeta, {"seq", "7"});  // the counter exists: a unique violation
    w->add(kPutMeta, {"pipeline_c", "1"});
    try {
      w->flush();
      ADD_FAILURE() << "a duplicate key was accepted";
    } catch (const soci::postgresql_soci_error& e) {
      label = st::classify(e).label;
      code = e.sqlstate();
      throw;  // the writer rolls this item back
    }
    return Status::Ok();
  });
  EXPECT_FALSE(s);
  EXPECT_EQ(code, "23505");
  EXPECT_EQ(label, "constraint");
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_meta WHERE key IN ('pipeline_b', 'pipeline_c')"), 0);
  // The same prepared statements, on the same connection, work in the next transaction.
  s = db->writer().run([](soci::session& sql) -> Status {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kPutMeta, {"pipeline_d", "5"});
    w->flush();
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'pipeline_d'"), 5);
}

TEST_F(PushPipelineTest, CoalescedChangeLogReadsExpectedRowsAndWritesWhatPlainWould) {
  std::string a = passerelle::new_id(), b = passerelle::new_id(), absent = passerelle::new_id();
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    sy::ChangeLog log(sql, passerelle::now_utc());
    log.put("profiles", a, {{"id", a}, {"name", "first"}}, {"u1", "u2"});
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  s = db->writer().run([&](soci::session& sql) -> Status {
    sy::ChangeLog log(sql, passerelle::now_utc(), sy::ChangeLog::Mode::coalesced);
    EXPECT_NE(log.deferred(), nullptr);
    log.expect_reads({a, b, absent});
    auto row = log.get("profiles", a);
    EXPECT_TRUE(row && row->at("name").as_string() == "first");
    EXPECT_EQ(log.audience("profiles", a), (std::vector<std::string>{"u1", "u2"}));
    EXPECT_FALSE(log.get("profiles", absent));
    EXPECT_TRUE(log.audience("profiles", absent).empty());
    log.put("profiles", a, {{"id", a}, {"name", "second"}}, {"u2"});
    log.put("profiles", b, {{"id", b}}, {"u3"});
    EXPECT_EQ(log.get("profiles", a)->at("name").as_string(), "second");  // its own write, not the table
    log.flush();
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'profiles' AND data LIKE '%second%'"), 1);
  // u1 lost sight of a (a tombstone), u2 keeps it, u3 sees b.
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_audience WHERE user_id = 'u1' AND visible = 0"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_audience WHERE user_id = 'u2' AND visible = 1"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_audience WHERE user_id = 'u3' AND visible = 1"), 1);
  // The counter was written with the last seq handed out.
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'seq'"), count("SELECT MAX(seq) FROM sync_rows"));
}

TEST_F(PushPipelineTest, AnOpIdTwiceInOnePushAndAgainLaterIsRecordedOnce) {
  passerelle::sync::Actor actor{"pipeline-user", passerelle::protocol::Role::candidate};
  std::string op_id = passerelle::new_id();
  // A thread nobody has: the op is rejected (not_found), and its outcome is what is recorded.
  passerelle::sync::Op op{op_id, "message.send",
                          {{"id", passerelle::new_id()}, {"thread_id", passerelle::new_id()}, {"body", "hello"}}};
  std::vector<passerelle::sync::OpResult> first, again;
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    first = sy::run_push(sql, actor, {op, op}, passerelle::now_utc()).results;
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  s = db->writer().run([&](soci::session& sql) -> Status {
    again = sy::run_push(sql, actor, {op}, passerelle::now_utc()).results;
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(first.size(), 2u);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(first[0].status, passerelle::sync::OpStatus::rejected);
  EXPECT_EQ(first[1].status, passerelle::sync::OpStatus::rejected);
  EXPECT_EQ(again[0].status, passerelle::sync::OpStatus::rejected);
  ASSERT_TRUE(first[0].error && first[1].error && again[0].error);
  EXPECT_EQ(first[1].error->code, first[0].error->code);
  EXPECT_EQ(again[0].error->code, first[0].error->code);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE user_id = 'pipeline-user'"), 1);
}

TEST_F(PushPipelineTest, FlushAndReadSendsTheQueueThenEachReadInOrder) {
  std::vector<st::DeferredWrites::Rows> rows;
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kPutMeta, {"pipeline_r", "3"});
    w->add("SAVEPOINT pipeline_read", {});  // no values: sent unnamed
    rows = w->flush_and_read({{"SELECT value, NULL FROM sync_meta WHERE key = :k", {"pipeline_r"}},
                              {"SELECT key FROM sync_meta WHERE key = :k", {std::string("pipeline_none")}}});
    EXPECT_EQ(w->queued(), 0u);
    sql << "RELEASE SAVEPOINT pipeline_read";  // the savepoint was made
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_EQ(rows[0].size(), 1u);  // the queued write is seen by the read after it
  ASSERT_EQ(rows[0][0].size(), 2u);
  EXPECT_EQ(rows[0][0][0], std::optional<std::string>("3"));
  EXPECT_EQ(rows[0][0][1], std::nullopt);  // NULL
  EXPECT_TRUE(rows[1].empty());
}

TEST_F(PushPipelineTest, RowsReadInTheCallersPipelineAnswerGetsAsTheLazyReadWould) {
  std::string a = passerelle::new_id(), absent = passerelle::new_id();
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    sy::ChangeLog log(sql, passerelle::now_utc());
    log.put("profiles", a, {{"id", a}, {"name", "first"}}, {"u1", "u2"});
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  s = db->writer().run([&](soci::session& sql) -> Status {
    sy::ChangeLog log(sql, passerelle::now_utc(), sy::ChangeLog::Mode::coalesced);
    log.expect_reads({a, absent});
    auto rows = log.deferred()->flush_and_read(
        {{st::rows_and_audiences_sql(), {std::string("profiles"), std::string("profiles"), log.expected_ids_text()}}});
    log.take_expected("profiles", rows.at(0));
    EXPECT_EQ(log.expected_collections().count("profiles"), 1u);
    // Break the table's copy: what get() answers now can only come from the rows taken above.
    sql << "UPDATE sync_rows SET data = '{\"id\":\"x\",\"name\":\"changed\"}' WHERE id = :i", soci::use(a);
    auto row = log.get("profiles", a);
    EXPECT_TRUE(row && row->at("name").as_string() == "first");
    EXPECT_EQ(log.audience("profiles", a), (std::vector<std::string>{"u1", "u2"}));
    EXPECT_FALSE(log.get("profiles", absent));
    return Status(passerelle::ErrorCode::conflict, "roll back");
  });
  EXPECT_FALSE(s);
}

// The writer releases an item's savepoint with the next item's (one statement on PostgreSQL)
// or with the COMMIT: a failed item still undoes only itself, and an item that swallowed a
// failed statement (its transaction aborted) is failed and undone, not committed as nothing.
TEST_F(PushPipelineTest, WriterItemsInOneBatchFailAlone) {
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::vector<std::promise<Status>> done(5);
  auto put = [](soci::session& sql, const std::string& key) { sql << "INSERT INTO sync_meta (key, value) VALUES (:k, 1)", soci::use(key); };
  auto submit = [&](int n, st::Writer::Work work) {
    db->writer().submit(std::move(work), [&done, n](Status st) { done[n].set_value(std::move(st)); });
  };
  // The first item holds the writer until the others are queued: they run in its batch.
  submit(0, [&](soci::session& sql) { gate.wait(); put(sql, "batch_0"); return Status::Ok(); });
  submit(1, [&](soci::session& sql) { put(sql, "batch_1"); return Status::Ok(); });
  submit(2, [&](soci::session& sql) {
    put(sql, "batch_2");
    return Status(passerelle::ErrorCode::conflict, "refused");
  });
  submit(3, [&](soci::session& sql) {
    put(sql, "batch_3");
    try {
      sql << "SELECT 1 / 0";
    } catch (const std::exception&) {
      // swallowed: the transaction is aborted all the same
    }
    return Status::Ok();
  });
  submit(4, [&](soci::session& sql) { put(sql, "batch_4"); return Status::Ok(); });
  release.set_value();
  std::vector<Status> st;
  for (auto& d : done) st.push_back(d.get_future().get());
  EXPECT_TRUE(st[0]);
  EXPECT_TRUE(st[1]);
  EXPECT_FALSE(st[2]);
  EXPECT_FALSE(st[3]);
  EXPECT_TRUE(st[4]);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_meta WHERE key IN ('batch_0', 'batch_1', 'batch_4')"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_meta WHERE key IN ('batch_2', 'batch_3')"), 0);
}

// Items that promise to flush first (a push's) get their savepoint at the head of their first
// pipeline: one that failed after it is undone alone; one that failed before sending anything
// has no savepoint, and the item before it must not be undone in its place.
TEST_F(PushPipelineTest, PipelinedWriterItemsFailAlone) {
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::vector<std::promise<Status>> done(5);
  constexpr const char* kPut = "INSERT INTO sync_meta (key, value) VALUES (:k, 1)";
  auto put = [&](soci::session& sql, const char* key) {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kPut, {key});
    w->flush();
  };
  auto submit = [&](int n, st::Writer::Work work) {
    db->writer().submit(std::move(work), [&done, n](Status s) { done[n].set_value(std::move(s)); }, true);
  };
  submit(0, [&](soci::session& sql) { gate.wait(); put(sql, "lead_0"); return Status::Ok(); });
  submit(1, [&](soci::session& sql) { put(sql, "lead_1"); return Status::Ok(); });
  submit(2, [&](soci::session&) {  // refused before sending anything: lead_1 stays
    return Status(passerelle::ErrorCode::conflict, "refused early");
  });
  submit(3, [&](soci::session& sql) {  // refused after its pipeline: undone
    put(sql, "lead_2");
    return Status(passerelle::ErrorCode::conflict, "refused");
  });
  submit(4, [&](soci::session& sql) {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kPut, {"lead_4"});
    w->add(kPut, {"lead_0"});  // a duplicate key: the pipeline fails, the item is undone
    w->flush();
    return Status::Ok();
  });
  release.set_value();
  std::vector<Status> s;
  for (auto& d : done) s.push_back(d.get_future().get());
  EXPECT_TRUE(s[0]);
  EXPECT_TRUE(s[1]);
  EXPECT_FALSE(s[2]);
  EXPECT_FALSE(s[3]);
  EXPECT_FALSE(s[4]);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_meta WHERE key IN ('lead_0', 'lead_1')"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_meta WHERE key IN ('lead_2', 'lead_4')"), 0);
  // A later batch's plain item still works on the connection.
  EXPECT_TRUE(db->writer().run([&](soci::session& sql) { sql << "INSERT INTO sync_meta (key, value) VALUES ('lead_5', 1)"; return Status::Ok(); }));
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_meta WHERE key = 'lead_5'"), 1);
}

// The readers' latest changes that a push reads in its last pipeline (for the live poke's
// `prev`) make the same poke as live_poke's own read.
TEST_F(PushPipelineTest, ReadersLatestFromThePushMakesTheSamePokeAsLivePokesOwnRead) {
  using passerelle::protocol::Role;
  namespace collection = passerelle::sync::collection;
  std::string admin = passerelle::new_id(), coach = passerelle::new_id(), cand = passerelle::new_id();
  std::string thread = passerelle::new_id();
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    sy::ChangeLog log(sql, passerelle::now_utc());
    for (const auto& [id, role] : std::vector<std::pair<std::string, Role>>{{admin, Role::admin}, {coach, Role::coach}, {cand, Role::candidate}})
      log.put(collection::profiles, id,
              passerelle::sync::new_profile_row({id, role, id + "@x.org", "N", passerelle::protocol::Locale::fr},
                                                passerelle::now_utc()),
              {id});
    auto assigned = sy::run_push(sql, {admin, Role::admin},
                                 {{passerelle::new_id(), "caseload.assign",
                                   {{"candidate_id", cand}, {"coach_id", coach}, {"thread_id", thread}}}},
                                 passerelle::now_utc());
    EXPECT_EQ(assigned.results.at(0).status, passerelle::sync::OpStatus::applied);
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  s = db->writer().run([&](soci::session& sql) -> Status {
    auto out = sy::run_push(sql, {cand, Role::candidate},
                            {{passerelle::new_id(), "message.send",
                              {{"id", passerelle::new_id()}, {"thread_id", thread}, {"body", "Bonjour"}}}},
                            passerelle::now_utc());
    EXPECT_EQ(out.results.at(0).status, passerelle::sync::OpStatus::applied);
    EXPECT_TRUE(out.readers_latest.has_value());
    if (!out.readers_latest) return Status::Ok();
    std::vector<std::string> users(out.touched_users.begin(), out.touched_users.end());
    auto own = sy::live_poke(sql, out.written, out.last_seq, users);
    auto given = sy::live_poke(sql, out.written, out.last_seq, users, &*out.readers_latest);
    EXPECT_TRUE(own.carried());
    EXPECT_EQ(given.readers.size(), own.readers.size());
    for (const auto& [user, reader] : own.readers) {
      EXPECT_GT(reader.prev, 0) << "the reader saw the thread before this message";
      EXPECT_EQ(given.frame_for(user), own.frame_for(user));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
}

}  // namespace
