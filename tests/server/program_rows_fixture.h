// The dashboard's rows read by key (dashboard/program_rows.h, sync/row_keys_schema.h) give the
// same caseload and indicators as reading every row of the program and keeping the viewer's,
// on a random program, and stay so through the writes that move rows between coaches,
// candidates and plans (the index is kept by the same writes as the change log).
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <set>

#include "dashboard/program_rows.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/sync/row_fields.h"
#include "sync/change_log.h"
#include "sync/files_schema.h"
#include "sync/pull.h"
#include "sync/row_keys_schema.h"
#include "sync/sync_schema.h"

namespace passerelle::program_rows_test {
namespace dashboard = passerelle::server::dashboard;
namespace json = boost::json;

// The program scan this index replaces: every live row, parsed, then the viewer's kept.
inline indicators::ProgramRows scan_everything(soci::session& sql, const protocol::UserInfo& viewer) {
  auto only = [](std::vector<json::object> rows, const std::set<std::string>& ids, std::string_view key) {
    std::vector<json::object> out;
    for (auto& r : rows)
      if (ids.count(passerelle::sync::row_string(r, key))) out.push_back(std::move(r));
    return out;
  };
  indicators::ProgramRows rows;
  std::set<std::string> candidates;
  for (auto& p : dashboard::live_rows(sql, "profiles")) {
    std::string role = passerelle::sync::row_string(p, "role");
    if (role == "coach") rows.coach_names[passerelle::sync::row_string(p, "id")] = passerelle::sync::row_string(p, "name");
    if (role != "candidate") continue;
    if (viewer.role != protocol::Role::admin && passerelle::sync::row_string(p, "coach_id") != viewer.id) continue;
    candidates.insert(passerelle::sync::row_string(p, "id"));
    rows.profiles.push_back(std::move(p));
  }
  rows.plans = only(dashboard::live_rows(sql, "plans"), candidates, "candidate_id");
  std::set<std::string> plan_ids;
  for (const auto& p : rows.plans) plan_ids.insert(passerelle::sync::row_string(p, "id"));
  rows.plan_steps = only(dashboard::live_rows(sql, "plan_steps"), plan_ids, "plan_id");
  for (auto [c, into] : {std::pair{"threads", &rows.threads}, {"mentorships", &rows.mentorships},
                         {"meetings", &rows.meetings}, {"referrals", &rows.referrals}, {"outcomes", &rows.outcomes}})
    *into = only(dashboard::live_rows(sql, c), candidates, "candidate_id");
  std::map<std::string, std::string> thread_candidate;
  for (const auto& t : rows.threads) thread_candidate[passerelle::sync::row_string(t, "id")] = passerelle::sync::row_string(t, "candidate_id");
  soci::rowset<soci::row> rs = (sql.prepare << "SELECT thread_id FROM message_inbox WHERE user_id = :u", soci::use(viewer.id));
  for (const auto& r : rs)
    if (auto it = thread_candidate.find(r.get<std::string>(0)); it != thread_candidate.end()) ++rows.unread_by_candidate[it->second];
  return rows;
}

// The fixture over a session on the schema (SQLite in memory, or a PostgreSQL database:
// tests/pg/program_rows_pg_test.cpp), set by the concrete test's SetUp.
class ProgramRowsFixture : public ::testing::Test {
 protected:
  std::unique_ptr<soci::session> session = std::make_unique<soci::session>();
  soci::session& sql = *session;
  std::mt19937 rng{20261206};
  Timestamp now = *parse_rfc3339("2027-09-15T12:00:00Z");
  std::vector<std::string> coaches, candidates, plans, threads;

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
  template <class T>
  const T& any(const std::vector<T>& v) { return v[pick(static_cast<int>(v.size()))]; }
  std::string day(int from_year) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", from_year + pick(3), 1 + pick(12), 1 + pick(28));
    return buf;
  }
  std::string instant(int from_year) { return day(from_year) + "T0" + std::to_string(pick(10)) + ":30:00Z"; }
  // Sometimes a candidate that is not one (a stranger's id) or nobody.
  std::string some_candidate() { return pick(10) == 0 ? new_id() : any(candidates); }

  // Plain: each write its own transaction. Batched or coalesced (as a push): the writes go
  // into one transaction until commit(), which flushes (the deferred step summaries) first.
  passerelle::server::sync::ChangeLog::Mode mode = passerelle::server::sync::ChangeLog::Mode::plain;
  std::unique_ptr<soci::transaction> batch_tx;
  std::unique_ptr<passerelle::server::sync::ChangeLog> batch_log;

  passerelle::server::sync::ChangeLog* batch() {
    if (mode == passerelle::server::sync::ChangeLog::Mode::plain) return nullptr;
    if (!batch_log) {
      batch_tx = std::make_unique<soci::transaction>(sql);
      batch_log = std::make_unique<passerelle::server::sync::ChangeLog>(sql, now, mode);
    }
    return batch_log.get();
  }
  void commit() {
    if (!batch_log) return;
    batch_log->flush();
    batch_tx->commit();
    batch_log.reset();
    batch_tx.reset();
  }

  void put(const std::string& c, const std::string& id, const json::object& row) {
    if (auto* log = batch()) return log->put(c, id, row, {"role:admin"});
    soci::transaction tx(sql);
    passerelle::server::sync::ChangeLog log(sql, now);
    log.put(c, id, row, {"role:admin"});
    tx.commit();
  }
  void remove(const std::string& c, const std::string& id) {
    if (auto* log = batch()) return log->remove(c, id);
    soci::transaction tx(sql);
    passerelle::server::sync::ChangeLog log(sql, now);
    log.remove(c, id);
    tx.commit();
  }

  json::object profile(const std::string& id, const std::string& role) {
    json::object p{{"id", id}, {"role", role}, {"name", "P" + std::to_string(pick(50))}, {"time_zone", pick(2) ? "America/Toronto" : "Africa/Casablanca"},
                   {"planned_arrival", day(2026)}, {"country", "MA"}};
    if (role == "candidate") {
      if (pick(8)) p["coach_id"] = any(coaches);
      if (pick(3) == 0) p["cohort"] = "2027-Q" + std::to_string(1 + pick(4));
      if (!plans.empty() && pick(2)) p["plan_id"] = any(plans);
    }
    return p;
  }

  void seed(int n_coaches, int n_candidates) {
    for (int i = 0; i < n_coaches; ++i) {
      coaches.push_back(new_id());
      put("profiles", coaches.back(), profile(coaches.back(), "coach"));
    }
    for (int i = 0; i < n_candidates; ++i) {
      candidates.push_back(new_id());
      put("profiles", candidates.back(), profile(candidates.back(), "candidate"));
    }
    for (int i = 0; i < n_candidates; ++i) add_plan();
    for (int i = 0; i < n_candidates * 2; ++i) add_thread();
    for (int i = 0; i < n_candidates * 3; ++i) add_other();
    for (int i = 0; i < n_candidates; ++i) {  // profiles naming their plan and coaching thread
      const auto& id = candidates[i];
      auto p = profile(id, "candidate");
      if (pick(2)) p["coach_thread_id"] = any(threads);
      put("profiles", id, p);
    }
  }

  void add_plan() {
    std::string id = new_id();
    plans.push_back(id);
    json::array step_ids;
    for (int k = 0, n = pick(8); k < n; ++k) {
      std::string sid = pick(12) ? new_id() : any(plans);  // now and then a step id that is no step
      step_ids.push_back(json::value(sid));
      static const char* statuses[] = {"todo", "in_progress", "done", "skipped"};
      json::object step{{"id", sid}, {"plan_id", pick(10) ? id : any(plans)}, {"status", statuses[pick(4)]},
                        {"due_date", day(2026)}};
      if (pick(2)) step["last_activity_at"] = instant(2026);
      put("plan_steps", sid, step);
    }
    put("plans", id, json::object{{"id", id}, {"candidate_id", some_candidate()}, {"step_ids", step_ids},
                                  {"created_at", instant(2026)}});
  }

  void add_thread() {
    std::string id = new_id();
    threads.push_back(id);
    json::object t{{"id", id}, {"kind", pick(3) ? "coaching" : "mentorship"}, {"candidate_id", some_candidate()},
                   {"created_at", instant(2025)}, {"last_n", pick(4)}};
    if (pick(2)) t["last_message_at"] = instant(2026);
    put("threads", id, t);
    if (pick(2)) {  // unread messages for some coach
      long long n = 1 + pick(3);
      std::string user = any(coaches), mid = new_id(), thread = id;
      sql << "INSERT INTO message_inbox (user_id, message_id, thread_id, n, sent_at_ms) VALUES (:u, :m, :t, :n, 0)",
          soci::use(user), soci::use(mid), soci::use(thread), soci::use(n);
    }
  }

  void add_other() {
    std::string id = new_id();
    static const char* outcomes[] = {"", "held", "no_show_candidate", "no_show_mentor"};
    static const char* referral[] = {"introduced", "met", "declined", "proposed"};
    static const char* employment[] = {"employed_in_field", "employed_out_of_field", "studying", "searching"};
    switch (pick(4)) {
      case 0:
        put("meetings", id, json::object{{"id", id}, {"candidate_id", some_candidate()}, {"status", pick(5) ? "booked" : "cancelled"},
                                         {"outcome", outcomes[pick(4)]}, {"start", instant(2026)}});
        break;
      case 1:
        put("referrals", id, json::object{{"id", id}, {"candidate_id", some_candidate()}, {"status", referral[pick(4)]},
                                          {"parent_id", pick(4) ? "" : new_id()}});
        break;
      case 2:
        put("outcomes", id, json::object{{"id", id}, {"candidate_id", some_candidate()}, {"status", employment[pick(4)]},
                                         {"date", day(2026)}});
        break;
      default:
        put("mentorships", id, json::object{{"id", id}, {"candidate_id", some_candidate()}, {"status", pick(2) ? "active" : "ended"}});
    }
  }

  // Every coach, an admin and a stranger see by key what the scan gives them.
  void expect_same_answers() {
    commit();
    std::vector<protocol::UserInfo> viewers;
    for (const auto& c : coaches) viewers.push_back({c, protocol::Role::coach, "", "", protocol::Locale::fr});
    viewers.push_back({new_id(), protocol::Role::coach, "", "", protocol::Locale::fr});
    viewers.push_back({new_id(), protocol::Role::admin, "", "", protocol::Locale::fr});
    std::vector<indicators::IndicatorQuery> queries(3);
    queries[1].from = parse_date("2025-06-01");
    queries[2].cohort = "2027";
    for (const auto& v : viewers) {
      auto keyed = dashboard::load_program_rows(sql, v);
      auto scanned = scan_everything(sql, v);
      json::array a, b;
      for (const auto& r : indicators::caseload(keyed, now)) a.push_back(indicators::to_json(r));
      for (const auto& r : indicators::caseload(scanned, now)) b.push_back(indicators::to_json(r));
      EXPECT_EQ(json::serialize(a), json::serialize(b)) << "caseload of " << v.id;
      for (const auto& q : queries)
        EXPECT_EQ(json::serialize(indicators::to_json(indicators::compute_indicators(keyed, q, now))),
                  json::serialize(indicators::to_json(indicators::compute_indicators(scanned, q, now))))
            << "indicators of " << v.id;
      if (v.role == protocol::Role::coach && v.id == coaches.front()) EXPECT_FALSE(a.empty());
      // The same rows in pages (dashboard.caseload with `limit`): in id order, each candidate once.
      for (std::size_t limit : {1, 7, 1000}) {
        std::vector<indicators::CaseloadRow> paged;
        std::string after;
        for (bool more = true; more;) {
          auto page = indicators::caseload(dashboard::load_program_rows_page(sql, v, after, limit, more), now);
          ASSERT_LE(page.size(), limit);
          std::sort(page.begin(), page.end(), [](const auto& x, const auto& y) { return x.candidate_id < y.candidate_id; });
          if (more) {
            ASSERT_FALSE(page.empty());
            EXPECT_GT(page.back().candidate_id, after);
            after = page.back().candidate_id;
          }
          paged.insert(paged.end(), page.begin(), page.end());
        }
        std::sort(paged.begin(), paged.end(), [](const auto& x, const auto& y) {
          return x.name != y.name ? x.name < y.name : x.candidate_id < y.candidate_id;
        });
        json::array c;
        for (const auto& r : paged) c.push_back(indicators::to_json(r));
        EXPECT_EQ(json::serialize(c), json::serialize(b)) << "caseload of " << v.id << " in pages of " << limit;
      }
      EXPECT_EQ(dashboard::count_candidates(sql, v), v.role == protocol::Role::admin ? scan_everything(sql, v).profiles.size() : a.size());
    }
  }

  // A step of a plan, written again as the plan's mutators would change it (or not: now and
  // then moved to another plan, which its first plan still lists).
  void change_a_step() {
    std::vector<std::string> steps;
    soci::rowset<std::string> rs = (sql.prepare << "SELECT id FROM sync_rows WHERE collection = 'plan_steps' AND deleted = 0 ORDER BY id");
    for (const auto& id : rs) steps.push_back(id);
    if (steps.empty()) return;
    const std::string& id = any(steps);
    if (pick(5) == 0) return remove("plan_steps", id);
    auto row = *passerelle::server::sync::find_row(sql, "plan_steps", id);
    static const char* statuses[] = {"todo", "in_progress", "done", "skipped"};
    row["status"] = statuses[pick(4)];
    if (pick(2)) row["due_date"] = day(2026);
    if (pick(2)) row["last_activity_at"] = instant(2027);
    if (pick(6) == 0) row["plan_id"] = any(plans);
    put("plan_steps", id, row);
  }

  // A plan's step list reordered, shortened or given a step of its own back.
  void change_a_plan_list() {
    const auto& id = any(plans);
    auto row = passerelle::server::sync::find_row(sql, "plans", id);
    if (!row) return;
    json::array ids = (*row)["step_ids"].as_array();
    std::shuffle(ids.begin(), ids.end(), rng);
    if (!ids.empty() && pick(3) == 0) ids.pop_back();
    if (pick(3) == 0) {  // a new step at the end
      std::string sid = new_id();
      put("plan_steps", sid, json::object{{"id", sid}, {"plan_id", id}, {"status", "todo"}, {"due_date", day(2026)}});
      ids.push_back(json::value(sid));
    }
    (*row)["step_ids"] = ids;
    put("plans", id, *row);
  }

  void keyed_reads_give_the_scans_answers_on_a_random_program() {
    seed(4, 60);
    expect_same_answers();
  }

  // The step summaries kept on write (plan_step_summaries) are what the steps add up to now,
  // through status changes, moves between plans, removals and reordered step lists.
  void step_summaries_follow_every_step_write() {
    seed(2, 20);
    for (int round = 0; round < 40; ++round) {
      if (pick(3)) change_a_step();
      else if (pick(2)) change_a_plan_list();
      else remove("plans", any(plans));
      if (round % 8 == 7) expect_same_answers();
    }
    commit();
    // Every entry is the summary computed again from the rows; gone plans have none.
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT plan_id, summary FROM plan_step_summaries");
    std::size_t n = 0;
    for (const auto& r : rs) {
      ++n;
      auto plan = passerelle::server::sync::find_row(sql, "plans", r.get<std::string>(0));
      ASSERT_TRUE(plan) << "a summary of a gone plan";
      std::vector<json::object> steps;
      for (const auto& sid : (*plan)["step_ids"].as_array())
        if (auto step = passerelle::server::sync::find_row(sql, "plan_steps", std::string(sid.as_string()));
            step && passerelle::sync::row_string(*step, "plan_id") == r.get<std::string>(0))
          steps.push_back(*step);
      std::vector<const json::object*> pointers;
      for (const auto& st : steps) pointers.push_back(&st);
      EXPECT_EQ(r.get<std::string>(1), json::serialize(plans::to_json(plans::summarize_steps(pointers))));
    }
    EXPECT_GT(n, 0u);
  }

  void keyed_reads_follow_every_write_that_moves_a_row() {
    seed(3, 40);
    for (int round = 0; round < 60; ++round) {
      switch (pick(9)) {
        case 0: {  // a candidate changes coach (or loses one)
          const auto& id = any(candidates);
          put("profiles", id, profile(id, "candidate"));
          break;
        }
        case 1: {  // a candidate profile becomes another role, and back later
          const auto& id = any(candidates);
          put("profiles", id, profile(id, pick(2) ? "mentor" : "coach"));
          break;
        }
        case 2: {  // a plan moves to another candidate
          const auto& id = any(plans);
          put("plans", id, json::object{{"id", id}, {"candidate_id", some_candidate()}, {"step_ids", json::array{}}, {"created_at", instant(2026)}});
          break;
        }
        case 3:
          remove(pick(2) ? "plans" : "threads", pick(2) ? any(plans) : any(threads));
          break;
        case 4:
          remove("profiles", any(candidates));
          break;
        case 5:
          add_plan();
          break;
        case 6:
          for (int k = 0; k < 5; ++k) change_a_step();
          break;
        case 7:
          change_a_plan_list();
          break;
        default:
          add_other();
      }
      if (round % 10 == 9) expect_same_answers();
    }
  }
};

}  // namespace passerelle::program_rows_test
