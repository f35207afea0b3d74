// The PostgreSQL push path's shortcuts (docs/benchmarks.md, "PostgreSQL"): writes queued and
// sent in one libpq pipeline (storage::DeferredWrites), the op ledger read once per push, and
// the rows a push's arguments name read once per collection. Each must give what the one-by-one
// statements gave: the same rows, failures as SOCI's errors, exactly-once by (user, op_id).
// Run under tests/pg/run-pg.sh; skipped without it.
#include <gtest/gtest.h>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <future>
#include <set>
#include <thread>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/test_server.h"
#include "auth/accounts.h"
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

// The op ledger's read probes (user, op_id) once per id, also before PostgreSQL has statistics
// for sync_ops (a burst of pushes: the bench's case). Written as a plain LATERAL join it was
// planned as a hash join over every op the user had pushed, so each push's read grew with the
// user's history (storage/dialect.cpp, op_outcomes_sql; docs/benchmarks.md, "PostgreSQL").
TEST_F(PushPipelineTest, TheOpLedgersReadProbesEachIdWithoutStatistics) {
  static constexpr int kOps = 5000;
  Status s = db->writer().run([](soci::session& sql) -> Status {
    sql << "INSERT INTO sync_ops (user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms)"
           " SELECT 'ledger-user', 'op' || i, 'message.send', 'applied', NULL, NULL, i, 0"
           " FROM generate_series(1, " << kOps << ") AS i";
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  auto index_reads = [&] {
    return db->read([](soci::session& sql) {
      long long n = 0;
      sql << "SELECT pg_stat_clear_snapshot()";
      sql << "SELECT idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'sync_ops_pkey'", soci::into(n);
      return n;
    });
  };
  const long long before = index_reads();
  // A push's worth of ids (100 ops), half of them recorded: a handful is planned as probes anyway.
  std::vector<std::string> ids;
  std::set<std::string> expected, found;
  for (int i = 1; i <= 50; ++i) {
    ids.push_back("op" + std::to_string(i * 97));
    expected.insert(ids.back());
    ids.push_back("missing" + std::to_string(i));
  }
  s = db->writer().run([&](soci::session& sql) -> Status {
    std::string arr = st::text_array(ids), user = "ledger-user";
    soci::rowset<soci::row> rows = (sql.prepare << st::op_outcomes_sql(), soci::use(arr, "ids"), soci::use(user, "u"));
    for (const auto& r : rows)
      if (r.get_indicator(0) == soci::i_ok) found.insert(r.get<std::string>(0));
    sql << "SELECT pg_stat_force_next_flush()";
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(found, expected);
  long long read = 0;
  for (int i = 0; i < 50 && read == 0; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    read = index_reads() - before;
  }
  EXPECT_GT(read, 0);
  EXPECT_LE(read, 2 * static_cast<long long>(ids.size())) << "the ledger's read went through " << read
                                                          << " entries of sync_ops' key, not one per id";
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

// The one-row writes of a push as their owners queue them (change_log.cpp, projections.cpp,
// push.cpp); the dialect sends those of one pipeline as one statement (dialect.h: ManyRows).
constexpr const char* kAudienceRow =
    "INSERT INTO sync_audience (user_id, collection, row_id, seq, visible, changed_at_ms)"
    " VALUES (:u, :c, :i, :s, :v, :t)"
    " ON CONFLICT (user_id, collection, row_id) DO UPDATE SET"
    " seq = excluded.seq, visible = excluded.visible, changed_at_ms = excluded.changed_at_ms";
constexpr const char* kInboxRow =
    "INSERT INTO message_inbox (user_id, message_id, thread_id, n, sent_at_ms)"
    " VALUES (:u, :m, :t, :n, :s) ON CONFLICT DO NOTHING";
constexpr const char* kOpRow =
    "INSERT INTO sync_ops (user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms)"
    " VALUES (:u, :o, :n, :st, :c, :m, :s, :t)";
constexpr const char* kCounterRow = "UPDATE sync_meta SET value = :s WHERE key = 'seq'";

// Row writes of several tables, with keys queued twice, go as one statement and leave what
// running them one by one leaves: an upsert's last row of a key, DO NOTHING's first, every op.
TEST_F(PushPipelineTest, RowWritesOfOnePipelineGoAsOneStatementAndEndAsOneByOne) {
  for (const char* sql : {kAudienceRow, kInboxRow, kOpRow, kCounterRow})
    ASSERT_NE(st::many_rows_form(sql), nullptr) << "the dialect no longer knows " << sql;
  const std::string odd = "say \"no\", {then} \\ stop; 'quoted' NULL";
  std::uint64_t statements = 0;
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kAudienceRow, {"mr_u1", "threads", "t1", "5", "1", "100"});
    w->add(kInboxRow, {"mr_u1", "m1", "t1", "1", "100"});
    w->add(kAudienceRow, {"mr_u2", "threads", "t1", "5", "1", "100"});
    w->add(kAudienceRow, {"mr_u1", "threads", "t1", "7", "0", "200"});  // the same key: the last wins
    w->add(kInboxRow, {"mr_u1", "m1", "t9", "2", "200"});                // DO NOTHING: the first stays
    w->add(kOpRow, {"mr_u1", "op1", "message.send", "rejected", "conflict", odd, "0", "100"});
    w->add(kOpRow, {"mr_u1", "op2", "message.send", "applied", std::nullopt, std::nullopt, "7", "100"});
    w->add(kCounterRow, {"6"});
    w->add(kCounterRow, {"7"});
    const std::uint64_t before = w->statements_sent();
    w->flush();
    statements = w->statements_sent() - before;
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(statements, 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_audience WHERE user_id = 'mr_u1' AND seq = 7 AND visible = 0"
                  " AND changed_at_ms = 200"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_audience WHERE user_id = 'mr_u2' AND seq = 5 AND visible = 1"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM message_inbox WHERE user_id = 'mr_u1' AND thread_id = 't1' AND n = 1"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM message_inbox WHERE user_id = 'mr_u1'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE user_id = 'mr_u1' AND op_id = 'op2' AND error_code IS NULL"
                  " AND error_message IS NULL AND seq = 7"), 1);
  std::string message;
  db->read([&](soci::session& sql) {
    sql << "SELECT error_message FROM sync_ops WHERE user_id = 'mr_u1' AND op_id = 'op1'", soci::into(message);
    return 0;
  });
  EXPECT_EQ(message, odd);
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'seq'"), 7);
}

// A merged statement fails whole, with its SQLSTATE, and the next one on the connection works.
TEST_F(PushPipelineTest, AMergedWriteFailsWholeWithItsSqlstate) {
  std::string code;
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kAudienceRow, {"mf_u1", "threads", "t1", "5", "1", "100"});
    w->add(kOpRow, {"mf_u1", "op1", "message.send", "applied", std::nullopt, std::nullopt, "5", "100"});
    w->add(kOpRow, {"mf_u1", "op1", "message.send", "applied", std::nullopt, std::nullopt, "5", "100"});
    try {
      w->flush();
      ADD_FAILURE() << "an op recorded twice was accepted";
    } catch (const soci::postgresql_soci_error& e) {
      code = e.sqlstate();
      throw;
    }
    return Status::Ok();
  });
  EXPECT_FALSE(s);
  EXPECT_EQ(code, "23505");
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_audience WHERE user_id = 'mf_u1'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE user_id = 'mf_u1'"), 0);
  s = db->writer().run([&](soci::session& sql) -> Status {
    st::Cached<st::DeferredWrites> w(sql);
    w->add(kAudienceRow, {"mf_u1", "threads", "t1", "5", "1", "100"});
    w->add(kOpRow, {"mf_u1", "op1", "message.send", "applied", std::nullopt, std::nullopt, "5", "100"});
    w->add(kOpRow, {"mf_u1", "op2", "message.send", "applied", std::nullopt, std::nullopt, "5", "100"});
    w->flush();
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_audience WHERE user_id = 'mf_u1'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE user_id = 'mf_u1'"), 2);
}

// A candidate and her coach with a thread, as the chat bench has them.
struct ChatPair {
  std::string coach = passerelle::new_id(), cand = passerelle::new_id(), thread = passerelle::new_id();
};
ChatPair make_chat_pair(st::Database& db) {
  using passerelle::protocol::Role;
  ChatPair p;
  std::string admin = passerelle::new_id();
  Status s = db.writer().run([&](soci::session& sql) -> Status {
    sy::ChangeLog log(sql, passerelle::now_utc());
    for (const auto& [id, role] :
         std::vector<std::pair<std::string, Role>>{{admin, Role::admin}, {p.coach, Role::coach}, {p.cand, Role::candidate}})
      log.put(passerelle::sync::collection::profiles, id,
              passerelle::sync::new_profile_row({id, role, id + "@x.org", "N", passerelle::protocol::Locale::fr},
                                                passerelle::now_utc()),
              {id});
    auto assigned = sy::run_push(sql, {admin, Role::admin},
                                 {{passerelle::new_id(), "caseload.assign",
                                   {{"candidate_id", p.cand}, {"coach_id", p.coach}, {"thread_id", p.thread}}}},
                                 passerelle::now_utc());
    EXPECT_EQ(assigned.results.at(0).status, passerelle::sync::OpStatus::applied);
    return Status::Ok();
  });
  EXPECT_TRUE(s) << s.error().message;
  return p;
}

sy::PushOutcome send_message(soci::session& sql, const ChatPair& p, const std::string& op_id, const std::string& id) {
  return sy::run_push(sql, {p.cand, passerelle::protocol::Role::candidate},
                      {{op_id, "message.send", {{"id", id}, {"thread_id", p.thread}, {"body", "Bonjour"}}}},
                      passerelle::now_utc());
}

// One message in its own batch: the connection then knows what message.send reads (ReadHints).
bool send_a_first_message(st::Database& db, const ChatPair& p) {
  return static_cast<bool>(db.writer().run([&](soci::session& sql) -> Status {
    send_message(sql, p, passerelle::new_id(), passerelle::new_id());
    return Status::Ok();
  }));
}

// Several one-message pushes in one writer batch, each pipeline's row writes as one statement:
// a push refused after its writes, and one whose item failed on a later statement, leave
// nothing (no message, no reader, no inbox entry, no op record); the others commit.
TEST_F(PushPipelineTest, MessagesInOneBatchWithMergedWritesFailAlone) {
  ChatPair pair = make_chat_pair(*db);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::vector<std::promise<Status>> done(5);
  std::vector<std::string> ops, ids;
  for (int n = 0; n < 5; ++n) ops.push_back(passerelle::new_id()), ids.push_back(passerelle::new_id());
  for (int n = 0; n < 5; ++n) {
    db->writer().submit(
        [&, n](soci::session& sql) -> Status {
          if (n == 0) gate.wait();
          auto out = send_message(sql, pair, ops[n], ids[n]);
          EXPECT_EQ(out.results.at(0).status, passerelle::sync::OpStatus::applied);
          if (n == 2) return Status(passerelle::ErrorCode::conflict, "refused after its writes");
          if (n == 4) {
            st::Cached<st::DeferredWrites> w(sql);
            w->add(kPutMeta, {"seq", "1"});  // the counter exists: a unique violation
            w->flush();
          }
          return Status::Ok();
        },
        [&done, n](Status s) { done[n].set_value(std::move(s)); }, true);
  }
  release.set_value();
  std::vector<Status> s;
  for (auto& d : done) s.push_back(d.get_future().get());
  for (int n : {0, 1, 3}) {
    EXPECT_TRUE(s[n]) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND id = '" + ids[n] + "'"), 1) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE op_id = '" + ops[n] + "' AND status = 'applied'"), 1) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_readable WHERE collection = 'messages' AND row_id = '" + ids[n] +
                    "' AND visible = 1"), 2) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM message_inbox WHERE user_id = '" + pair.coach + "' AND message_id = '" +
                    ids[n] + "'"), 1) << n;
  }
  for (int n : {2, 4}) {
    EXPECT_FALSE(s[n]) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE id = '" + ids[n] + "'"), 0) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE op_id = '" + ops[n] + "'"), 0) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_readable WHERE row_id = '" + ids[n] + "'"), 0) << n;
    EXPECT_EQ(count("SELECT COUNT(*) FROM message_inbox WHERE message_id = '" + ids[n] + "'"), 0) << n;
  }
  // The counter is the last seq that committed: no seq of an undone push was kept.
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'seq'"), count("SELECT MAX(seq) FROM sync_rows"));
  // The undone ops run again later and apply once.
  Status again = db->writer().run([&](soci::session& sql) -> Status {
    for (int n : {2, 4}) EXPECT_EQ(send_message(sql, pair, ops[n], ids[n]).results.at(0).status, passerelle::sync::OpStatus::applied);
    EXPECT_TRUE(send_message(sql, pair, ops[2], ids[2]).replayed.at(0));
    return Status::Ok();
  });
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE op_id IN ('" + ops[2] + "', '" + ops[4] + "')"), 2);
}

// How many statements a one-message push sends once the connection knows what message.send
// reads: its savepoint and reads in one pipeline, and its row writes as ONE statement (the
// message, its readers, the thread, its readers, the thread's index row, the coach's inbox,
// the op's record and the seq counter) before the release and the readers' latest read.
TEST_F(PushPipelineTest, AOneMessagePushSendsItsRowWritesAsOneStatement) {
  ChatPair pair = make_chat_pair(*db);
  std::vector<std::uint64_t> sent;
  for (int n = 0; n < 3; ++n) {
    Status s = db->writer().run([&](soci::session& sql) -> Status {
      st::Cached<st::DeferredWrites> w(sql);
      const std::uint64_t before = w->statements_sent();
      auto out = send_message(sql, pair, passerelle::new_id(), passerelle::new_id());
      EXPECT_EQ(out.results.at(0).status, passerelle::sync::OpStatus::applied);
      sent.push_back(w->statements_sent() - before);
      return Status::Ok();
    });
    ASSERT_TRUE(s) << s.error().message;
  }
  // SAVEPOINT passerelle_push, the ledger with the seq counter, the thread and message rows;
  // then the row writes, RELEASE, the readers' latest: 6. It was 17: the counter and each
  // collection read apart, and a statement per row written (2 rows, 4 readers, the thread's
  // index row, the coach's inbox, the op's record, the counter).
  EXPECT_EQ(sent.back(), 6u);
}

// Pushes queued behind each other in one writer batch, as the handler submits them: each push
// reads the next one's op ledger, seq counter and rows after its own writes, in its last
// pipeline (sync/push.h, PushReadAhead), so every push after the batch's first sends ONE
// pipeline (its savepoints, its writes, the release, the readers' latest, the next one's
// reads) instead of two. `fail`: items that return an error after their push ran (rolled back
// to their savepoint alone); `ops` and `threads`: each item's op id and thread.
struct QueuedPushes {
  std::vector<Status> status;
  std::vector<std::uint64_t> pipelines;  // DeferredWrites::sends() during each item
  std::vector<sy::PushOutcome> out;
};
QueuedPushes push_queued(st::Database& db, const ChatPair& p, const std::vector<std::string>& ops,
                         const std::vector<std::string>& ids, const std::vector<std::string>& threads,
                         const std::set<int>& fail) {
  const std::size_t n = ops.size();
  QueuedPushes r;
  r.status.resize(n), r.pipelines.resize(n), r.out.resize(n);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::vector<std::promise<Status>> done(n);
  const passerelle::sync::Actor actor{p.cand, passerelle::protocol::Role::candidate};
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<passerelle::sync::Op> push{
        {ops[k], "message.send", {{"id", ids[k]}, {"thread_id", threads[k]}, {"body", "Bonjour"}}}};
    auto ahead = sy::read_ahead_of(actor.user_id, push);
    db.writer().submit(
        [&, k, actor, push](soci::session& sql) -> Status {
          if (k == 0) gate.wait();
          st::Cached<st::DeferredWrites> w(sql);
          const std::uint64_t before = w->sends();
          r.out[k] = sy::run_push(sql, actor, push, passerelle::now_utc());
          r.pipelines[k] = w->sends() - before;
          if (fail.count(static_cast<int>(k))) return Status(passerelle::ErrorCode::conflict, "refused after its writes");
          return Status::Ok();
        },
        [&done, k](Status s) { done[k].set_value(std::move(s)); }, true, std::move(ahead));
  }
  release.set_value();
  for (std::size_t k = 0; k < n; ++k) r.status[k] = done[k].get_future().get();
  return r;
}

TEST_F(PushPipelineTest, PushesQueuedInOneBatchSendOnePipelineEach) {
  ChatPair pair = make_chat_pair(*db);
  ASSERT_TRUE(send_a_first_message(*db, pair));
  std::vector<std::string> ops, ids;
  for (int k = 0; k < 6; ++k) ops.push_back(passerelle::new_id()), ids.push_back(passerelle::new_id());
  auto r = push_queued(*db, pair, ops, ids, std::vector<std::string>(6, pair.thread), {});
  EXPECT_EQ(r.pipelines[0], 2u);  // nothing ran before it in its batch
  for (int k = 1; k < 6; ++k) {
    ASSERT_TRUE(r.status[k]) << k;
    EXPECT_EQ(r.pipelines[k], 1u) << k;  // 2 without the read ahead
    EXPECT_EQ(r.out[k].results.at(0).status, passerelle::sync::OpStatus::applied) << k;
    EXPECT_FALSE(r.out[k].replayed.at(0)) << k;
    EXPECT_GT(r.out[k].last_seq, r.out[k - 1].last_seq) << k;  // the counter read after the push before's writes
  }
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND id = '" + ids[k] + "'"), 1) << k;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE op_id = '" + ops[k] + "' AND status = 'applied'"), 1) << k;
  }
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'seq'"), count("SELECT MAX(seq) FROM sync_rows"));
}

// What a push read ahead for the next one was read after its writes: when that push is rolled
// back, the next one reads again. Here the next one is the same op pushed again (a retry that
// arrived in the same batch): read ahead, the ledger held the op as applied, and the retry
// would have been answered "applied" from a record that was rolled back: the op lost.
TEST_F(PushPipelineTest, APushAfterOneRolledBackInItsBatchReadsAgain) {
  ChatPair pair = make_chat_pair(*db);
  ASSERT_TRUE(send_a_first_message(*db, pair));
  const std::string op = passerelle::new_id(), id = passerelle::new_id(), other = passerelle::new_id();
  const std::string other_id = passerelle::new_id(), last = passerelle::new_id(), last_id = passerelle::new_id();
  auto r = push_queued(*db, pair, {other, op, op, last}, {other_id, id, id, last_id},
                       std::vector<std::string>(4, pair.thread), {1});
  EXPECT_TRUE(r.status[0]);
  EXPECT_FALSE(r.status[1]);
  ASSERT_TRUE(r.status[2]) << r.status[2].error().message;
  EXPECT_FALSE(r.out[2].replayed.at(0));  // ran, not answered from the undone record
  EXPECT_EQ(r.pipelines[2], 2u);          // read for itself
  EXPECT_EQ(r.pipelines[3], 1u);          // read ahead by the push before, which stood
  EXPECT_TRUE(r.status[3]);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE op_id = '" + op + "' AND status = 'applied'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND id = '" + id + "'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND id = '" + last_id + "'"), 1);
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'seq'"), count("SELECT MAX(seq) FROM sync_rows"));
}

// A push read ahead sent nothing before its op was rejected, not even its savepoints: it sends
// them before it runs again with a savepoint per op. Its rejection is recorded; the push
// before it and the one after stand.
TEST_F(PushPipelineTest, ARejectedOpInAPushReadAheadIsRecordedAndLeavesTheOthers) {
  ChatPair pair = make_chat_pair(*db);
  ASSERT_TRUE(send_a_first_message(*db, pair));
  std::vector<std::string> ops, ids;
  for (int k = 0; k < 3; ++k) ops.push_back(passerelle::new_id()), ids.push_back(passerelle::new_id());
  auto r = push_queued(*db, pair, ops, ids, {pair.thread, passerelle::new_id(), pair.thread}, {});
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(r.status[k]) << k << ": " << r.status[k].error().message;
  EXPECT_EQ(r.out[1].results.at(0).status, passerelle::sync::OpStatus::rejected);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_ops WHERE op_id = '" + ops[1] + "' AND status = 'rejected'"), 1);
  for (int k : {0, 2}) {
    EXPECT_EQ(r.out[k].results.at(0).status, passerelle::sync::OpStatus::applied) << k;
    EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND id = '" + ids[k] + "'"), 1) << k;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM sync_rows WHERE id = '" + ids[1] + "'"), 0);
  EXPECT_EQ(count("SELECT value FROM sync_meta WHERE key = 'seq'"), count("SELECT MAX(seq) FROM sync_rows"));
}

}  // namespace

// auth.resume's batched lookup (auth::find_sessions): one statement for every token on
// PostgreSQL, and for each token exactly what the one-row lookup answers: a live session, a
// token asked twice, revoked, expired, a disabled account, an unknown token, a session without
// last_seen_at.
TEST_F(PushPipelineTest, SessionsLookedUpTogetherAnswerAsOneByOne) {
  namespace au = passerelle::server::auth;
  const std::string created = "2026-01-01T00:00:00.000Z", later = "2099-01-01T00:00:00.000Z";
  auto user = [&](const std::string& id, const std::string& email, bool disabled) {
    au::UserRecord u;
    u.info.id = id;
    u.info.email = email;
    u.info.name = "Name " + id;
    u.info.role = passerelle::protocol::Role::coach;
    u.info.locale = passerelle::protocol::Locale::en;
    u.password_hash = "x";
    u.disabled = disabled;
    u.created_at = created;
    return u;
  };
  Status s = db->writer().run([&](soci::session& sql) -> Status {
    au::insert_user(sql, user("u1", "one@example.org", false));
    au::insert_user(sql, user("u2", "two@example.org", true));
    au::insert_session(sql, {"live", "u1", created, later, "phone", "127.0.0.1"});
    au::insert_session(sql, {"revoked", "u1", created, later, "", "127.0.0.1"});
    au::revoke_session(sql, "revoked", created);
    au::insert_session(sql, {"expired", "u1", created, "2026-01-02T00:00:00.000Z", "", "127.0.0.1"});
    au::insert_session(sql, {"disabled", "u2", created, later, "", "127.0.0.1"});
    au::insert_session(sql, {"unseen", "u1", created, later, "", "127.0.0.1"});
    sql << "UPDATE sessions SET last_seen_at = NULL WHERE token_hash = 'unseen'";
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  const std::vector<std::string> tokens = {"live", "revoked", "nobody", "expired", "disabled", "live", "unseen"};
  const std::string now = "2026-06-01T00:00:00.000Z";
  std::uint64_t statements = 0;
  auto together = db->read([&](soci::session& sql) {
    st::Cached<st::DeferredWrites> w(sql);
    const std::uint64_t before = w->statements_sent();
    auto found = au::find_sessions(sql, tokens, now);
    statements = w->statements_sent() - before;
    return found;
  });
  EXPECT_EQ(statements, 1u);
  ASSERT_EQ(together.size(), tokens.size());
  std::size_t live = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    auto alone = db->read([&](soci::session& sql) { return au::find_session(sql, tokens[i], now); });
    ASSERT_EQ(together[i].has_value(), alone.has_value()) << tokens[i];
    if (!alone) continue;
    ++live;
    EXPECT_EQ(together[i]->user.id, alone->user.id) << tokens[i];
    EXPECT_EQ(together[i]->user.email, alone->user.email) << tokens[i];
    EXPECT_EQ(together[i]->user.name, alone->user.name) << tokens[i];
    EXPECT_EQ(together[i]->user.role, alone->user.role) << tokens[i];
    EXPECT_EQ(together[i]->user.locale, alone->user.locale) << tokens[i];
    EXPECT_EQ(together[i]->expires_at, alone->expires_at) << tokens[i];
    EXPECT_EQ(together[i]->session_id, alone->session_id) << tokens[i];
    EXPECT_EQ(together[i]->last_seen_at, alone->last_seen_at) << tokens[i];
  }
  EXPECT_EQ(live, 3u);  // "live" twice and "unseen"
}
