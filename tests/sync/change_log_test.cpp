// The server's change log, push and pull, against a real SQLite database through SOCI.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
#include "plans/template_store.h"
#include "storage/connection_cache.h"
#include "sync/change_log.h"
#include "sync/live.h"
#include "sync/pull.h"
#include "sync/push.h"
#include "sync/files_schema.h"
#include "sync/row_keys_schema.h"
#include "sync/sync_schema.h"

using namespace passerelle;
using namespace passerelle::sync;
using namespace passerelle::server::sync;
using passerelle::protocol::Role;
namespace json = boost::json;

namespace {

class ChangeLogTest : public ::testing::Test {
 protected:
  soci::session sql{soci::sqlite3, "db=:memory:"};
  std::string admin = new_id(), coach = new_id(), coach2 = new_id(), cand = new_id(), cand2 = new_id();

  void SetUp() override {
    // The change log and the projections its writes keep (files, unread messages).
    for (const char* stmt : kSyncSchemaSql) sql << stmt;
    for (const char* stmt : kFilesSchemaSql) sql << stmt;
    for (const char* stmt : kRowKeysSchemaSql) sql << stmt;
    for (const char* stmt : kStepSummariesSchemaSql) sql << stmt;
    for (const char* stmt : kClusteredPerReaderTablesSql) sql << stmt;  // migration 15, as SQLite serves it
    for (const char* stmt : kClusteredRowsSql) sql << stmt;  // migration 16, likewise
    sql << kScopeColumnSql;  // migration 17
    for (const char* stmt : kScopesSql) sql << stmt;
    init_sync_state(sql);
    add_user(admin, Role::admin, "Ada");
    add_user(coach, Role::coach, "Claire");
    add_user(coach2, Role::coach, "Karim");
    add_user(cand, Role::candidate, "Amina");
    add_user(cand2, Role::candidate, "Juan");
  }

  void add_user(const std::string& id, Role role, const std::string& name) {
    ChangeLog log(sql, now_utc());
    log.put(collection::profiles, id, new_profile_row({id, role, name + "@x.org", name, protocol::Locale::fr}, now_utc()),
            {id});
  }

  PushOutcome push(const std::string& user, Role role, std::vector<Op> ops) {
    soci::transaction tx(sql);
    auto out = run_push(sql, Actor{user, role}, ops, now_utc());
    tx.commit();
    return out;
  }

  Op op(std::string name, json::object args) { return Op{new_id(), std::move(name), std::move(args)}; }

  std::string assign(const std::string& candidate, const std::string& to) {
    std::string thread = new_id();
    auto out = push(admin, Role::admin,
                    {op("caseload.assign", {{"candidate_id", candidate}, {"coach_id", to}, {"thread_id", thread}})});
    EXPECT_EQ(out.results.at(0).status, OpStatus::applied);
    return thread;
  }

  // Everything `user` can see, by pulling from 0 in pages of `limit`.
  std::map<std::string, json::object> pull_all(const std::string& user, std::int64_t limit = 1000,
                                               std::int64_t* cursor_out = nullptr) {
    std::map<std::string, json::object> rows;
    std::int64_t cursor = 0;
    for (int guard = 0; guard < 10000; ++guard) {
      PullPage page = run_pull(sql, user, cursor, limit);
      EXPECT_FALSE(page.resync);
      for (auto& c : page.changes) {
        EXPECT_GT(c.seq, cursor);
        if (c.deleted)
          rows.erase(c.collection + "/" + c.id);
        else
          rows[c.collection + "/" + c.id] = c.data;
      }
      cursor = page.cursor;
      if (!page.more) break;
    }
    if (cursor_out) *cursor_out = cursor;
    return rows;
  }
};

}  // namespace

TEST_F(ChangeLogTest, ReplayedOpAppliesOnce) {
  std::string thread = assign(cand, coach);
  Op send = op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "Bonjour"}});
  for (int i = 0; i < 3; ++i) {
    auto out = push(cand, Role::candidate, {send});
    ASSERT_EQ(out.results.size(), 1u);
    EXPECT_EQ(out.results[0].status, OpStatus::applied);
    if (i > 0) EXPECT_EQ(out.last_seq, 0) << "a replay must write nothing";
  }
  long long n = 0;
  sql << "SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'", soci::into(n);
  EXPECT_EQ(n, 1);
}

TEST_F(ChangeLogTest, RejectedOpIsRecordedAndDoesNotStallTheRest) {
  std::string thread = assign(cand, coach);
  Op bad = op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", ""}});
  Op good = op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "ok"}});
  auto out = push(cand, Role::candidate, {bad, good});
  ASSERT_EQ(out.results.size(), 2u);
  EXPECT_EQ(out.results[0].status, OpStatus::rejected);
  EXPECT_EQ(out.results[0].error->code, ErrorCode::bad_request);
  EXPECT_EQ(out.results[1].status, OpStatus::applied);
  // The same rejected op again: same answer, from the record.
  auto again = push(cand, Role::candidate, {bad});
  EXPECT_EQ(again.results[0].status, OpStatus::rejected);
  EXPECT_EQ(again.results[0].error->message, out.results[0].error->message);
}

TEST_F(ChangeLogTest, RejectedOpLeavesNoPartialWrites) {
  // Another coach may not take an assigned candidate: nothing of that op may remain.
  assign(cand, coach);
  std::int64_t before = current_seq(sql);
  auto out = push(coach2, Role::coach,
                  {op("caseload.assign", {{"candidate_id", cand}, {"coach_id", coach2}, {"thread_id", new_id()}})});
  EXPECT_EQ(out.results[0].status, OpStatus::rejected);
  EXPECT_EQ(out.results[0].error->code, ErrorCode::not_found);  // like an unknown id (docs/security.md)
  EXPECT_EQ(current_seq(sql), before);
  EXPECT_TRUE(out.touched_users.empty());
}

TEST_F(ChangeLogTest, SameOpIdFromAnotherUserIsAnotherOp) {
  std::string thread = assign(cand, coach);
  std::string op_id = new_id();
  auto a = push(cand, Role::candidate, {Op{op_id, "message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "a"}}}});
  auto b = push(coach, Role::coach, {Op{op_id, "message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "b"}}}});
  EXPECT_EQ(a.results[0].status, OpStatus::applied);
  EXPECT_EQ(b.results[0].status, OpStatus::applied);
  EXPECT_GT(b.last_seq, 0);
}

TEST_F(ChangeLogTest, PullIsScopedToTheAudience) {
  std::string t1 = assign(cand, coach);
  std::string t2 = assign(cand2, coach2);
  push(cand, Role::candidate, {op("message.send", {{"id", new_id()}, {"thread_id", t1}, {"body", "secret 1"}})});
  push(cand2, Role::candidate, {op("message.send", {{"id", new_id()}, {"thread_id", t2}, {"body", "secret 2"}})});

  auto seen_by = [&](const std::string& user) { return pull_all(user); };
  auto c1 = seen_by(cand), c2 = seen_by(cand2), k1 = seen_by(coach), k2 = seen_by(coach2);
  auto has = [](const auto& rows, const std::string& key) { return rows.count(key) > 0; };
  EXPECT_TRUE(has(c1, "threads/" + t1));
  EXPECT_FALSE(has(c1, "threads/" + t2));
  EXPECT_FALSE(has(c1, "profiles/" + cand2));
  EXPECT_TRUE(has(k1, "profiles/" + cand));
  EXPECT_FALSE(has(k1, "profiles/" + cand2));
  EXPECT_FALSE(has(k2, "threads/" + t1));
  for (const auto& [key, row] : c2) {
    auto body = row.find("body");
    if (body != row.end()) EXPECT_NE(body->value().as_string(), "secret 1");
  }
  EXPECT_EQ(std::count_if(k1.begin(), k1.end(), [](auto& kv) { return kv.first.rfind("messages/", 0) == 0; }), 1);
}

TEST_F(ChangeLogTest, PagesCoverEverythingOnceWithLatestState) {
  std::string thread = assign(cand, coach);
  for (int i = 0; i < 37; ++i)
    push(cand, Role::candidate, {op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "m" + std::to_string(i)}})});
  for (int i = 0; i < 5; ++i)
    push(cand, Role::candidate, {op("profile.update", {{"bio", "v" + std::to_string(i)}})});
  std::int64_t cursor = 0;
  auto rows = pull_all(coach, 4, &cursor);
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(), [](auto& kv) { return kv.first.rfind("messages/", 0) == 0; }), 37);
  EXPECT_EQ(rows.at("profiles/" + cand).at("bio").as_string(), "v4");
  EXPECT_EQ(cursor, current_seq(sql));
  // Latest state per row: the profile changed 6 times but comes once in a fresh pull.
  PullPage all = run_pull(sql, coach, 0, 1000);
  EXPECT_EQ(std::count_if(all.changes.begin(), all.changes.end(),
                          [&](const Change& c) { return c.collection == "profiles" && c.id == cand; }),
            1);
  // Nothing new: an empty final page.
  PullPage none = run_pull(sql, coach, cursor, 10);
  EXPECT_TRUE(none.changes.empty());
  EXPECT_FALSE(none.more);
  EXPECT_EQ(none.cursor, cursor);
}

TEST_F(ChangeLogTest, DeletesAndLostAccessAreTombstones) {
  std::string thread = assign(cand, coach);
  std::string msg = new_id();
  push(cand, Role::candidate, {op("message.send", {{"id", msg}, {"thread_id", thread}, {"body", "oops"}})});
  std::int64_t coach_cursor = 0;
  pull_all(coach, 1000, &coach_cursor);
  push(cand, Role::candidate, {op("message.delete", {{"id", msg}})});
  assign(cand, coach2);  // the admin reassigns: the first coach loses the profile
  PullPage page = run_pull(sql, coach, coach_cursor, 1000);
  auto find = [&](const std::string& c, const std::string& id) {
    return std::find_if(page.changes.begin(), page.changes.end(),
                        [&](const Change& ch) { return ch.collection == c && ch.id == id; });
  };
  ASSERT_NE(find("messages", msg), page.changes.end());
  EXPECT_TRUE(find("messages", msg)->deleted);
  EXPECT_TRUE(find("messages", msg)->data.empty());
  ASSERT_NE(find("profiles", cand), page.changes.end());
  EXPECT_TRUE(find("profiles", cand)->deleted);
  std::string data;
  sql << "SELECT data FROM sync_rows WHERE id = :i", soci::use(msg), soci::into(data);
  EXPECT_EQ(data, "{}") << "a deleted message keeps no content";
}

TEST_F(ChangeLogTest, CompactionPurgesOldTombstonesAndOldCursorsResync) {
  std::string thread = assign(cand, coach);
  std::string msg = new_id();
  push(cand, Role::candidate, {op("message.send", {{"id", msg}, {"thread_id", thread}, {"body", "x"}})});
  push(cand, Role::candidate, {op("message.delete", {{"id", msg}})});
  std::int64_t end = current_seq(sql);
  std::int64_t horizon = compact_change_log(sql, now_utc() + std::chrono::hours(1));
  EXPECT_GT(horizon, 0);
  EXPECT_LE(horizon, end);
  long long n = 0;
  sql << "SELECT COUNT(*) FROM sync_rows WHERE id = :i", soci::use(msg), soci::into(n);
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(run_pull(sql, coach, 1, 100).resync);
  EXPECT_FALSE(run_pull(sql, coach, 0, 100).resync);
  EXPECT_FALSE(run_pull(sql, coach, horizon, 100).resync);
  // A cursor from a future this database never had (another database, a restored backup).
  EXPECT_TRUE(run_pull(sql, coach, end + 50, 100).resync);
}

TEST_F(ChangeLogTest, EpochIsStable) {
  std::string e = sync_epoch(sql);
  EXPECT_TRUE(is_uuid(e));
  init_sync_state(sql);
  EXPECT_EQ(sync_epoch(sql), e);
  EXPECT_EQ(run_pull(sql, cand, 0, 10).epoch, e);
}

TEST_F(ChangeLogTest, PushTellsWhomToPoke) {
  std::string thread = assign(cand, coach);
  auto out = push(cand, Role::candidate, {op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "x"}})});
  EXPECT_EQ(out.touched_users, (std::set<std::string>{cand, coach}));
  EXPECT_EQ(out.last_seq, current_seq(sql));
}

TEST_F(ChangeLogTest, RoleAudiencesReachEveryUserOfTheRole) {
  {
    soci::transaction tx(sql);
    ChangeLog log(sql, now_utc());
    log.put(collection::templates, "t", {{"key", "t"}}, {role_audience(Role::coach)});
    tx.commit();
  }
  auto has_template = [&](const std::string& user, Role role) {
    auto page = run_pull(sql, user, 0, 1000, std::nullopt, role_audience(role));
    return std::any_of(page.changes.begin(), page.changes.end(), [](const Change& c) { return c.collection == "templates"; });
  };
  EXPECT_TRUE(has_template(coach, Role::coach));
  EXPECT_TRUE(has_template(coach2, Role::coach));
  EXPECT_FALSE(has_template(cand, Role::candidate));
  EXPECT_FALSE(has_template(admin, Role::admin));
}

TEST_F(ChangeLogTest, ShippedTemplatesImportOnceAndVersionOnChange) {
  auto imported = passerelle::server::plans::import_template_dir(sql, PASSERELLE_TEMPLATES_DIR, now_utc());
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  ASSERT_FALSE(imported->empty());
  EXPECT_TRUE((*imported)[0].changed);
  EXPECT_EQ((*imported)[0].version, 1);
  std::int64_t seq = current_seq(sql);
  auto again = passerelle::server::plans::import_template_dir(sql, PASSERELLE_TEMPLATES_DIR, now_utc());
  EXPECT_FALSE((*again)[0].changed) << "a restart publishes nothing new";
  EXPECT_EQ(current_seq(sql), seq);
  auto tpl = passerelle::server::plans::read_template_file(std::string(PASSERELLE_TEMPLATES_DIR) + "/quebec-skilled-worker.json");
  ASSERT_TRUE(tpl.ok());
  tpl->steps[0].title.en += " (updated)";
  auto edition = passerelle::server::plans::import_template(sql, *tpl, now_utc());
  EXPECT_TRUE(edition.changed);
  EXPECT_EQ(edition.version, 2);
  auto bad = passerelle::server::plans::read_template_file("/nonexistent/plan.json");
  EXPECT_EQ(bad.error().code, ErrorCode::not_found);
}

TEST_F(ChangeLogTest, PagesStayUnderTheByteBudget) {
  std::string thread = assign(cand, coach);
  std::string body(8000, 'x');
  const int messages = static_cast<int>(2 * kPullPageBytes / body.size());  // two pages' worth
  for (int i = 0; i < messages; ++i)
    push(cand, Role::candidate, {op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", body}})});
  PullPage page = run_pull(sql, coach, 0, kMaxPullLimit);
  EXPECT_TRUE(page.more);
  EXPECT_LT(page.changes.size(), static_cast<std::size_t>(messages) * 3 / 4);
  EXPECT_GE(page.changes.size(), 1u);
  std::size_t bytes = 0;
  for (const auto& c : page.changes) bytes += json::serialize(c.data).size();
  EXPECT_LE(bytes, kPullPageBytes);
  auto rows = pull_all(coach, kMaxPullLimit);
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(), [](auto& kv) { return kv.first.rfind("messages/", 0) == 0; }),
            messages);
}

// Pushes run all their ops first without a savepoint each and start again with them when one
// is rejected (sync/push.cpp): the outcome must be what running them one by one gives.
TEST_F(ChangeLogTest, RejectionInTheMiddleOfAPushKeepsTheOthersInOrder) {
  std::string thread = assign(cand, coach);
  std::string first = new_id(), last = new_id();
  auto out = push(cand, Role::candidate,
                  {op("message.send", {{"id", first}, {"thread_id", thread}, {"body", "un"}}),
                   op("message.send", {{"id", new_id()}, {"thread_id", new_id()}, {"body", "nowhere"}}),
                   op("message.send", {{"id", last}, {"thread_id", thread}, {"body", "deux"}})});
  ASSERT_EQ(out.results.size(), 3u);
  EXPECT_EQ(out.results[0].status, OpStatus::applied);
  EXPECT_EQ(out.results[1].status, OpStatus::rejected);
  EXPECT_EQ(out.results[2].status, OpStatus::applied);
  auto rows = pull_all(coach);
  EXPECT_EQ(rows.at("messages/" + first).at("n").as_int64(), 1);
  EXPECT_EQ(rows.at("messages/" + last).at("n").as_int64(), 2);
  EXPECT_EQ(rows.at("threads/" + thread).at("last_n").as_int64(), 2);
  // The counter is where the last write left it: the next write gets a fresh seq.
  long long top = 0;
  sql << "SELECT MAX(seq) FROM sync_rows", soci::into(top);
  EXPECT_EQ(current_seq(sql), top);
  EXPECT_EQ(out.last_seq, top);
}

TEST_F(ChangeLogTest, ManyMessagesToOneThreadInOnePushNumberInOrder) {
  std::string thread = assign(cand, coach);
  std::vector<Op> ops;
  for (int i = 0; i < 100; ++i)
    ops.push_back(op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "m" + std::to_string(i)}}));
  auto out = push(cand, Role::candidate, ops);
  for (const auto& r : out.results) EXPECT_EQ(r.status, OpStatus::applied);
  auto rows = pull_all(coach);
  std::set<long long> numbers;
  for (const auto& [key, row] : rows)
    if (key.rfind("messages/", 0) == 0) numbers.insert(row.at("n").as_int64());
  EXPECT_EQ(numbers.size(), 100u);
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), 100);
  EXPECT_EQ(rows.at("threads/" + thread).at("last_n").as_int64(), 100);
  long long unread = 0;
  sql << "SELECT COUNT(*) FROM message_inbox WHERE user_id = :u", soci::use(coach), soci::into(unread);
  EXPECT_EQ(unread, 100);
  long long distinct = 0, all = 0;
  sql << "SELECT COUNT(DISTINCT seq), COUNT(*) FROM sync_rows", soci::into(distinct), soci::into(all);
  EXPECT_EQ(distinct, all) << "every row write has its own seq";
}

TEST_F(ChangeLogTest, BatchedLogWritesTheCounterOnFlushOnly) {
  std::int64_t start = current_seq(sql);
  soci::transaction tx(sql);
  ChangeLog log(sql, now_utc(), ChangeLog::Mode::batched);
  log.put(collection::templates, "a", {{"key", "a"}}, {coach});
  log.put(collection::templates, "b", {{"key", "b"}}, {coach});
  EXPECT_EQ(log.last_seq(), start + 2);
  EXPECT_EQ(current_seq(sql), start) << "kept in memory until flush()";
  log.flush();
  EXPECT_EQ(current_seq(sql), start + 2);
  ChangeLog plain(sql, now_utc());
  plain.put(collection::templates, "c", {{"key", "c"}}, {coach});
  EXPECT_EQ(plain.last_seq(), start + 3);
  tx.commit();
}

TEST_F(ChangeLogTest, BatchedLogReadsItsOwnWritesAndForgetsThemOnRewind) {
  soci::transaction tx(sql);
  ChangeLog log(sql, now_utc(), ChangeLog::Mode::batched);
  EXPECT_FALSE(log.get(collection::templates, "t"));  // remembered as absent...
  log.put(collection::templates, "t", {{"key", "v1"}}, {coach2, coach, coach});
  auto row = log.get(collection::templates, "t");  // ...and then as written
  ASSERT_TRUE(row);
  EXPECT_EQ(row->at("key").as_string(), "v1");
  std::vector<std::string> readers{coach, coach2};
  std::sort(readers.begin(), readers.end());
  EXPECT_EQ(log.audience(collection::templates, "t"), readers) << "as the database lists them";

  sql << "SAVEPOINT s";
  auto mark = log.mark();
  log.remove(collection::templates, "t");
  EXPECT_FALSE(log.get(collection::templates, "t"));
  EXPECT_TRUE(log.audience(collection::templates, "t").empty());
  sql << "ROLLBACK TO SAVEPOINT s";
  log.rewind(mark);
  row = log.get(collection::templates, "t");
  ASSERT_TRUE(row) << "the removal was rolled back";
  EXPECT_EQ(log.audience(collection::templates, "t"), readers);
  sql << "RELEASE SAVEPOINT s";
  log.flush();
  tx.commit();
  EXPECT_EQ(current_seq(sql), log.last_seq());
}

// A coalesced log holds row writes until flush(): the database must end as the same writes
// made one by one leave it (same rows, same last seq per row, same readers and tombstones).
TEST(ChangeLogModes, CoalescedWritesEndInTheSameStateAsPlainOnes) {
  auto run = [](ChangeLog::Mode mode) {
    auto sql = std::make_unique<soci::session>(soci::sqlite3, "db=:memory:");
    for (const char* stmt : kSyncSchemaSql) *sql << stmt;
    for (const char* stmt : kFilesSchemaSql) *sql << stmt;
    for (const char* stmt : kRowKeysSchemaSql) *sql << stmt;
    for (const char* stmt : kStepSummariesSchemaSql) *sql << stmt;
    for (const char* stmt : kClusteredPerReaderTablesSql) *sql << stmt;
    for (const char* stmt : kClusteredRowsSql) *sql << stmt;
    *sql << kScopeColumnSql;
    for (const char* stmt : kScopesSql) *sql << stmt;
    init_sync_state(*sql);
    soci::transaction tx(*sql);
    ChangeLog log(*sql, now_utc(), mode);
    log.put(collection::templates, "a", {{"v", 1}}, {"ana", "ben"});
    log.put(collection::templates, "b", {{"v", 1}}, {"ana"});
    log.put(collection::templates, "a", {{"v", 2}}, {"ben", "cleo"});  // ana loses sight of it
    log.put(collection::templates, "a", {{"v", 3}}, {"cleo", "dan"});  // so does ben
    log.put(collection::templates, "c", {{"v", 1}}, {"ana"});
    EXPECT_EQ(log.get(collection::templates, "a")->at("v").as_int64(), 3);
    log.remove(collection::templates, "c");
    log.put(collection::templates, "b", {{"v", 2}}, {"ana"});
    log.flush();
    std::set<std::string> touched = log.touched_users();
    tx.commit();
    std::vector<std::string> state;
    soci::rowset<soci::row> rows = (sql->prepare << "SELECT collection, id, data, deleted, seq FROM sync_rows ORDER BY id");
    for (const auto& r : rows)
      state.push_back(r.get<std::string>(1) + " " + r.get<std::string>(2) + " deleted=" +
                      std::to_string(r.get<int>(3)) + " seq=" + std::to_string(r.get<long long>(4)));
    soci::rowset<soci::row> readers =
        (sql->prepare << "SELECT user_id, row_id, CASE WHEN visible = 1 THEN 'yes' ELSE 'tombstone' END"
                         " FROM sync_readable ORDER BY row_id, user_id");
    for (const auto& r : readers)
      state.push_back(r.get<std::string>(0) + " reads " + r.get<std::string>(1) + " " + r.get<std::string>(2));
    state.push_back("seq counter " + std::to_string(current_seq(*sql)));
    for (const auto& u : touched) state.push_back("poke " + u);
    return state;
  };
  auto plain = run(ChangeLog::Mode::plain);
  auto coalesced = run(ChangeLog::Mode::coalesced);
  EXPECT_EQ(coalesced, plain);
  EXPECT_NE(std::find(plain.begin(), plain.end(), "ana reads a tombstone"), plain.end());
}

// A carried poke's `prev` per reader (docs/sync.md, "Live") is read in one statement per list
// of at most 32 names: a commit seen by more readers than that spans several, and every reader
// must still get the seq of their own latest entry before the commit.
TEST_F(ChangeLogTest, EachReadersPrevIsTheirLatestEntryBeforeTheCommitWhateverTheirNumber) {
  std::vector<std::string> readers;
  std::map<std::string, std::int64_t> latest;
  for (int i = 0; i < 45; ++i) {
    std::string reader = new_id(), row = new_id();
    ChangeLog log(sql, now_utc());
    log.put("notes", row, {{"id", row}}, {reader});
    readers.push_back(reader);
    latest[reader] = log.last_seq();
  }
  std::string newcomer = new_id();  // no entry before the commit, no role rows here: 0
  readers.push_back(newcomer);
  std::vector<WrittenRow> written;
  std::int64_t last = 0;
  {
    ChangeLog log(sql, now_utc());
    log.capture_into(&written);
    std::string shared = new_id();
    log.put("notes", shared, {{"id", shared}}, readers);
    last = log.last_seq();
  }
  auto poke = live_poke(sql, written, last, readers);
  ASSERT_TRUE(poke.carried());
  ASSERT_EQ(poke.readers.size(), readers.size());
  for (const auto& [reader, seq] : latest) EXPECT_EQ(poke.readers.at(reader).prev, seq) << reader;
  EXPECT_EQ(poke.readers.at(newcomer).prev, 0);
}

// On the writer's connection (one with a ConnectionCache) the readers' `prev` come from memory,
// not a statement per push (sync/live.cpp, PrevMemory). They must stay what the statement reads:
// never lower (a device would take a poke over a change it never got). Each step below is one
// way the memory could fall behind the database: a commit that built no poke, a poke built and
// then rolled back with its seqs used again by a write that built none, the compaction horizon.
TEST_F(ChangeLogTest, ThePrevsTheWritersConnectionRemembersAreThoseOfTheDatabase) {
  passerelle::server::storage::ConnectionCache cache(sql);
  std::string a = new_id(), b = new_id(), c = new_id();
  auto write = [&](const std::vector<std::string>& readers, std::vector<WrittenRow>* written) {
    ChangeLog log(sql, now_utc());
    if (written) log.capture_into(written);
    std::string id = new_id();
    log.put("notes", id, {{"id", id}}, readers);
    return log.last_seq();
  };
  auto poke_of = [&](const std::vector<std::string>& readers) {
    std::vector<WrittenRow> written;
    std::int64_t last = write(readers, &written);
    return live_poke(sql, written, last, readers);
  };
  auto prev = [](const passerelle::server::sync::LivePoke& p, const std::string& user) {
    auto it = p.readers.find(user);
    return it == p.readers.end() ? std::int64_t{-1} : it->second.prev;
  };

  auto p1 = poke_of({a, b});
  EXPECT_EQ(prev(p1, a), 0);
  auto p2 = poke_of({b, c});
  EXPECT_EQ(prev(p2, b), p1.last);
  EXPECT_EQ(prev(p2, c), 0);
  auto p3 = poke_of({a, c});
  EXPECT_EQ(prev(p3, a), p1.last) << "remembered across commits";
  EXPECT_EQ(prev(p3, c), p2.last);

  // A commit that built no poke (a command, another handler).
  std::int64_t quiet = write({a}, nullptr);
  auto p4 = poke_of({a, b});
  EXPECT_EQ(prev(p4, a), quiet) << "a commit the memory never saw";
  EXPECT_EQ(prev(p4, b), p2.last);

  // A poke built, then undone (the writer notes the rollback); its seq is then used by a write
  // that builds no poke, so the next poke's first seq is the one the memory expects.
  sql << "SAVEPOINT undone";
  auto undone = poke_of({c});
  sql << "ROLLBACK TO SAVEPOINT undone";
  sql << "RELEASE SAVEPOINT undone";
  cache.note_rollback();
  std::int64_t reused = write({b}, nullptr);
  ASSERT_EQ(reused, undone.last) << "the seq was used again";
  auto p5 = poke_of({b, c});
  EXPECT_EQ(prev(p5, b), reused) << "what the undone poke left in memory hid a change";
  EXPECT_EQ(prev(p5, c), p3.last);

  // The compaction horizon (a device below it must resync) counts for everyone.
  std::int64_t horizon = p5.last;
  sql << "UPDATE sync_meta SET value = :h WHERE key = 'horizon'", soci::use(horizon);
  auto p6 = poke_of({a, c});
  EXPECT_EQ(prev(p6, a), horizon);
  EXPECT_EQ(prev(p6, c), horizon);
}

// A pull answer carries each row's data as the text it was stored with, not parsed and written
// again (sync/change_text.h): a stored text the server would never write (spaces, keys out of
// order, an escape kept as is) comes back byte for byte, and the answer is still the JSON a
// device reads.
TEST_F(ChangeLogTest, APullAnswersRowsAreTheirStoredTextsByteForByte) {
  std::string reader = new_id(), kept = new_id(), odd = new_id(), gone = new_id();
  {
    ChangeLog log(sql, now_utc());
    log.put("notes", kept, {{"id", kept}, {"body", "Bonjour \"Linh\" \\ ✓\n"}, {"n", 1.5}}, {reader});
    log.put("notes", odd, {{"id", odd}}, {reader});
    log.put("notes", gone, {{"id", gone}}, {reader});
    log.remove("notes", gone);
  }
  std::string odd_text = R"({ "z" : [1, {}],"id":")" + odd + R"(",  "body":"caf\u00e9 é" })";
  sql << "UPDATE sync_rows SET data = :d WHERE collection = 'notes' AND id = :i", soci::use(odd_text), soci::use(odd);

  auto answer = read_pull(sql, reader, 0, 100);
  ASSERT_EQ(answer.count, 3u);
  std::string text = "{" + answer.members() + "}";
  for (const std::string& id : {kept, odd}) {
    std::string stored;
    long long seq = 0;
    sql << "SELECT data, seq FROM sync_rows WHERE collection = 'notes' AND id = :i", soci::use(id), soci::into(stored),
        soci::into(seq);
    std::string expected = R"({"collection":"notes","id":")" + id + R"(","seq":)" + std::to_string(seq) +
                           R"(,"deleted":false,"data":)" + stored + "}";
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\nin " << text;
  }
  EXPECT_NE(text.find(R"("id":")" + gone + R"(","seq":)"), std::string::npos);
  auto page = pull_page_from_json(json::parse(text).as_object());
  ASSERT_TRUE(page.ok()) << text;
  ASSERT_EQ(page->changes.size(), 3u);
  EXPECT_EQ(page->changes[1].data, json::parse(odd_text).as_object());
  EXPECT_TRUE(page->changes[2].deleted);
  EXPECT_FALSE(page->changes[2].data.contains("id"));
  EXPECT_EQ(page->cursor, answer.cursor);
  EXPECT_EQ(page->epoch, answer.epoch);
  // The same page read through run_pull (the device's decoding of that text).
  auto pulled = run_pull(sql, reader, 0, 100);
  ASSERT_EQ(pulled.changes.size(), 3u);
  EXPECT_EQ(json::serialize(to_json(pulled)), json::serialize(to_json(*page)));
}

// A row damaged in the database never makes a frame that is not JSON. Some JSON value other
// than an object goes out as an empty object (as when rows were parsed); text that is not JSON
// fails the pull (the client is answered `internal` and pulls again later), and a carried poke
// holding either is sent plain, so the devices pull.
TEST_F(ChangeLogTest, ADamagedStoredRowMakesNoInvalidFrame) {
  std::string reader = new_id(), row = new_id(), other = new_id();
  std::int64_t first = 0, last = 0;
  {
    ChangeLog log(sql, now_utc());
    log.put("notes", row, {{"id", row}}, {reader});
    first = log.last_seq();
    log.put("notes", other, {{"id", other}}, {reader});
    last = log.last_seq();
  }
  std::map<std::string, std::int64_t> prevs{{reader, 0}};
  ASSERT_TRUE(load_live_poke(sql, first, last, prevs).carried()) << "the poke carries sound rows";
  auto damage = [&](const std::string& text) {
    sql << "UPDATE sync_rows SET data = :d WHERE collection = 'notes' AND id = :i", soci::use(text), soci::use(row);
  };

  for (const std::string& not_an_object : {std::string("[1,2]"), std::string("\"text\""), std::string("12")}) {
    SCOPED_TRACE(not_an_object);
    damage(not_an_object);
    auto answer = read_pull(sql, reader, 0, 100);
    std::string text = "{" + answer.members() + "}";
    auto page = pull_page_from_json(json::parse(text).as_object());
    ASSERT_TRUE(page.ok()) << text;
    ASSERT_EQ(page->changes.size(), 2u);
    EXPECT_EQ(page->changes[0].id, row);
    EXPECT_TRUE(page->changes[0].data.empty());
    EXPECT_EQ(page->changes[1].data.at("id").as_string(), other) << "the rows after it are sent as usual";
    EXPECT_FALSE(load_live_poke(sql, first, last, prevs).carried());
  }
  for (const std::string& not_json : {std::string(R"({"id":"cut)"), std::string(R"({"id":1}})"), std::string(""),
                                      std::string("{\"id\":\"\xff\"}")}) {
    SCOPED_TRACE(not_json);
    damage(not_json);
    EXPECT_THROW(read_pull(sql, reader, 0, 100), std::runtime_error);
    EXPECT_THROW(run_pull(sql, reader, 0, 100), std::runtime_error);
    EXPECT_EQ(read_pull(sql, reader, first, 100).count, 1u) << "a page after it is read as usual";
    EXPECT_FALSE(load_live_poke(sql, first, last, prevs).carried());
  }
  damage(R"({"id":")" + row + R"("})");
  EXPECT_EQ(read_pull(sql, reader, 0, 100).count, 2u);
}

// The audience once per row (docs/sync.md, "Scopes"): a message between two people is one row
// naming their scope, with no entry per reader, and each of them pulls it; nobody else does.
TEST_F(ChangeLogTest, ARowSeenByTwoReadersNamesTheirScopeInsteadOfAnEntryEach) {
  std::string thread = assign(cand, coach);
  std::string msg = new_id();
  push(cand, Role::candidate, {op("message.send", {{"id", msg}, {"thread_id", thread}, {"body", "hello"}})});
  long long entries = -1, members = -1;
  std::string scope;
  soci::indicator scope_ind = soci::i_null;
  sql << "SELECT COUNT(*) FROM sync_audience WHERE row_id = :i OR row_id = :t", soci::use(msg), soci::use(thread),
      soci::into(entries);
  EXPECT_EQ(entries, 0);
  sql << "SELECT scope FROM sync_rows WHERE collection = 'messages' AND id = :i", soci::use(msg),
      soci::into(scope, scope_ind);
  ASSERT_EQ(scope_ind, soci::i_ok);
  std::vector<std::string> both{cand, coach};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(scope, scope_key(both));
  sql << "SELECT COUNT(*) FROM sync_scope_members WHERE scope = :s", soci::use(scope), soci::into(members);
  EXPECT_EQ(members, 2);
  EXPECT_TRUE(pull_all(cand).count("messages/" + msg));
  EXPECT_TRUE(pull_all(coach).count("messages/" + msg));
  EXPECT_FALSE(pull_all(coach2).count("messages/" + msg));
  EXPECT_FALSE(pull_all(cand2).count("messages/" + msg));
  ChangeLog log(sql, now_utc());
  EXPECT_EQ(log.audience(collection::messages, msg), both);
}

// A row moves between one reader's entry, a scope and tombstones as its audience changes; each
// reader's pull from any cursor ends in what they may read, each row once per page.
TEST_F(ChangeLogTest, ARowsAudienceMovesBetweenAnEntryAScopeAndTombstones) {
  const std::string c(collection::templates), row = new_id();
  std::set<std::string> ever;  // who has seen the row: they pull it once, as a row or a tombstone
  auto seen = [&](const std::string& user) {
    auto rows = pull_all(user);
    auto it = rows.find(c + "/" + row);
    return it == rows.end() ? std::int64_t{-1} : it->second.at("v").as_int64();
  };
  auto times_in_full_pull = [&](const std::string& user) {
    PullPage page = run_pull(sql, user, 0, 1000);
    return std::count_if(page.changes.begin(), page.changes.end(), [&](const Change& ch) { return ch.id == row; });
  };
  std::vector<std::pair<std::vector<std::string>, std::int64_t>> steps = {
      {{cand}, 1}, {{cand, coach}, 2}, {{coach, coach2}, 3}, {{coach2}, 4}, {{cand, coach2}, 5}, {{cand, coach, coach2}, 6}};
  std::int64_t cand_cursor = 0;
  std::map<std::string, json::object> cand_rows;
  for (const auto& [readers, v] : steps) {
    {
      soci::transaction tx(sql);
      ChangeLog log(sql, now_utc());
      log.put(c, row, {{"v", v}}, readers);
      tx.commit();
    }
    ever.insert(readers.begin(), readers.end());
    for (const std::string& u : {cand, coach, coach2, cand2}) {
      bool reads = std::find(readers.begin(), readers.end(), u) != readers.end();
      EXPECT_EQ(seen(u), reads ? v : -1) << u << " at v" << v;
      EXPECT_EQ(times_in_full_pull(u), ever.count(u) ? 1 : 0) << u << " at v" << v;
    }
    // The candidate's device, pulling after each change, follows along.
    PullPage page = run_pull(sql, cand, cand_cursor, 1000);
    for (auto& ch : page.changes)
      if (ch.deleted) cand_rows.erase(ch.id);
      else cand_rows[ch.id] = ch.data;
    cand_cursor = page.cursor;
    bool reads = std::find(readers.begin(), readers.end(), cand) != readers.end();
    EXPECT_EQ(cand_rows.count(row), reads ? 1u : 0u) << "v" << v;
    ChangeLog log(sql, now_utc());
    std::vector<std::string> sorted = readers;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(log.audience(c, row), sorted) << "v" << v;
  }
  {
    soci::transaction tx(sql);
    ChangeLog log(sql, now_utc());
    log.remove(c, row);
    tx.commit();
  }
  for (const std::string& u : {cand, coach, coach2}) {
    EXPECT_EQ(seen(u), -1) << u;
    PullPage page = run_pull(sql, u, 0, 1000);
    auto it = std::find_if(page.changes.begin(), page.changes.end(), [&](const Change& ch) { return ch.id == row; });
    ASSERT_NE(it, page.changes.end()) << u;
    EXPECT_TRUE(it->deleted) << u;
  }
  long long scoped = -1;
  sql << "SELECT COUNT(*) FROM sync_rows WHERE id = :i AND scope IS NOT NULL", soci::use(row), soci::into(scoped);
  EXPECT_EQ(scoped, 0) << "a removed row keeps its readers' tombstones, not its scope";
}

// Migration 17 moves the rows written with an entry per reader to their scope: every reader's
// pull, and every row's audience, are the same before and after.
TEST_F(ChangeLogTest, ScopingExistingRowsKeepsEveryPullAndAudience) {
  std::string thread = assign(cand, coach);
  for (int i = 0; i < 3; ++i)
    push(cand, Role::candidate, {op("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "m"}})});
  // Back to an entry per reader, as before migration 17.
  sql << "INSERT INTO sync_audience (user_id, collection, row_id, seq, visible, changed_at_ms)"
         " SELECT m.user_id, r.collection, r.id, r.seq, 1, 0 FROM sync_rows r JOIN sync_scope_members m"
         " ON m.scope = r.scope";
  sql << "UPDATE sync_rows SET scope = NULL";
  sql << "DELETE FROM sync_scope_members";
  std::map<std::string, PullPage> before;
  for (const std::string& u : {cand, coach, coach2, admin}) before[u] = run_pull(sql, u, 0, 1000);
  ChangeLog old_log(sql, now_utc());
  auto thread_readers = old_log.audience(collection::threads, thread);
  scope_existing_rows(sql);
  long long entries = -1;
  sql << "SELECT COUNT(*) FROM sync_audience WHERE collection IN ('messages', 'threads')", soci::into(entries);
  EXPECT_EQ(entries, 0);
  for (const std::string& u : {cand, coach, coach2, admin}) {
    PullPage after = run_pull(sql, u, 0, 1000);
    ASSERT_EQ(after.changes.size(), before[u].changes.size()) << u;
    for (std::size_t i = 0; i < after.changes.size(); ++i) {
      EXPECT_EQ(after.changes[i].id, before[u].changes[i].id) << u;
      EXPECT_EQ(after.changes[i].seq, before[u].changes[i].seq) << u;
    }
    EXPECT_EQ(after.cursor, before[u].cursor) << u;
  }
  ChangeLog log(sql, now_utc());
  EXPECT_EQ(log.audience(collection::threads, thread), thread_readers);
}
