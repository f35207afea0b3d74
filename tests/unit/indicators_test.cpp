// The dashboard's caseload and program indicators against a fixture whose figures were
// computed by hand (see the comments beside each expectation).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <optional>

#include "memory_row_store.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/indicators/indicators.h"

namespace {
using namespace passerelle;
using namespace passerelle::indicators;
namespace json = boost::json;

json::object obj(const char* text) { return json::parse(text).as_object(); }

// "now" is 2027-06-15 12:00 UTC.
Timestamp now() { return *parse_rfc3339("2027-06-15T12:00:00.000Z"); }

ProgramRows fixture() {
  ProgramRows r;
  // A: coached from 2027-01-10, already arrived (2026-12-01): not "coached abroad".
  r.profiles.push_back(obj(R"({"id":"a","role":"candidate","name":"Amina","country":"MA","time_zone":"UTC",
      "planned_arrival":"2026-12-01","coach_id":"c1","coach_thread_id":"ta","plan_id":"pa"})"));
  // B: coached from 2027-02-01, arrives 2027-09-01: coached abroad.
  r.profiles.push_back(obj(R"({"id":"b","role":"candidate","name":"Nguyen, \"Bao\"","country":"VN",
      "time_zone":"Asia/Manila","planned_arrival":"2027-09-01","coach_id":"c1","coach_thread_id":"tb","plan_id":"pb"})"));
  // C: coached from 2027-03-01 but no message yet; no plan.
  r.profiles.push_back(obj(R"({"id":"c","role":"candidate","name":"Carlos","planned_arrival":"2027-08-01",
      "coach_id":"c1","coach_thread_id":"tc"})"));
  // D: coached from 2026-11-01 (before the range used below).
  r.profiles.push_back(obj(R"({"id":"d","role":"candidate","name":"Dana","planned_arrival":"2027-07-01",
      "coach_id":"c1","coach_thread_id":"td"})"));
  // F: no coach, no thread: never counted. M: a mentor: ignored.
  r.profiles.push_back(obj(R"({"id":"f","role":"candidate","name":"Farid"})"));
  r.profiles.push_back(obj(R"({"id":"m","role":"mentor","name":"Isabelle"})"));
  r.coach_names["c1"] = "Marc";

  r.threads.push_back(obj(R"({"id":"ta","kind":"coaching","candidate_id":"a","created_at":"2027-01-10T00:00:00.000Z","last_n":4,"last_message_at":"2027-06-12T09:00:00.000Z"})"));
  r.threads.push_back(obj(R"({"id":"tb","kind":"coaching","candidate_id":"b","created_at":"2027-02-01T00:00:00.000Z","last_n":2})"));
  r.threads.push_back(obj(R"({"id":"tc","kind":"coaching","candidate_id":"c","created_at":"2027-03-01T00:00:00.000Z","last_n":0})"));
  r.threads.push_back(obj(R"({"id":"td","kind":"coaching","candidate_id":"d","created_at":"2026-11-01T00:00:00.000Z","last_n":1})"));

  // A's plan: done, done, skipped, todo (due 2027-06-01: overdue) -> 2 of 3 counted = 66 %.
  r.plans.push_back(obj(R"({"id":"pa","candidate_id":"a","created_at":"2027-01-10T00:00:00.000Z","step_ids":["s1","s2","s3","s4"]})"));
  r.plan_steps.push_back(obj(R"({"id":"s1","plan_id":"pa","status":"done","due_date":"2027-02-01","last_activity_at":"2027-06-10T00:00:00.000Z"})"));
  r.plan_steps.push_back(obj(R"({"id":"s2","plan_id":"pa","status":"done","due_date":"2027-03-01"})"));
  r.plan_steps.push_back(obj(R"({"id":"s3","plan_id":"pa","status":"skipped","due_date":"2027-04-01"})"));
  r.plan_steps.push_back(obj(R"({"id":"s4","plan_id":"pa","status":"todo","due_date":"2027-06-01"})"));
  // B's plan: all done -> 100 %.
  r.plans.push_back(obj(R"({"id":"pb","candidate_id":"b","created_at":"2027-02-01T00:00:00.000Z","step_ids":["t1","t2","t3"]})"));
  for (const char* id : {"t1", "t2", "t3"}) {
    auto s = obj(R"({"plan_id":"pb","status":"done","due_date":"2027-05-01"})");
    s["id"] = id;
    r.plan_steps.push_back(s);
  }

  // A: an older declined mentorship and an active one; two held meetings (the first 10 days
  // after first contact), one cancelled. B: one held 4.5 days after, one no-show.
  r.mentorships.push_back(obj(R"({"id":"0190-1","candidate_id":"a","status":"declined"})"));
  r.mentorships.push_back(obj(R"({"id":"0190-2","candidate_id":"a","status":"active"})"));
  r.meetings.push_back(obj(R"({"id":"m1","candidate_id":"a","status":"scheduled","outcome":"held","start":"2027-01-20T00:00:00.000Z"})"));
  r.meetings.push_back(obj(R"({"id":"m2","candidate_id":"a","status":"scheduled","outcome":"held","start":"2027-02-01T00:00:00.000Z"})"));
  r.meetings.push_back(obj(R"({"id":"m3","candidate_id":"a","status":"cancelled","start":"2027-01-25T00:00:00.000Z"})"));
  r.meetings.push_back(obj(R"({"id":"m4","candidate_id":"b","status":"scheduled","outcome":"held","start":"2027-02-05T12:00:00.000Z"})"));
  r.meetings.push_back(obj(R"({"id":"m5","candidate_id":"b","status":"scheduled","outcome":"no_show_candidate","start":"2027-02-12T12:00:00.000Z"})"));

  // A: introduced + met direct referrals count (2); a suggested one and an onward one do not.
  r.referrals.push_back(obj(R"({"id":"r1","candidate_id":"a","status":"introduced"})"));
  r.referrals.push_back(obj(R"({"id":"r2","candidate_id":"a","status":"met"})"));
  r.referrals.push_back(obj(R"({"id":"r3","candidate_id":"a","status":"suggested"})"));
  r.referrals.push_back(obj(R"({"id":"r4","candidate_id":"a","status":"met","parent_id":"r2"})"));

  // A arrived 2026-12-01: at 3 months (2027-03-01) searching, at 6 months (2027-06-01)
  // employed in field; 12 months (2027-12-01) is not reached yet.
  r.outcomes.push_back(obj(R"({"id":"o1","candidate_id":"a","status":"searching","date":"2027-02-15"})"));
  r.outcomes.push_back(obj(R"({"id":"o2","candidate_id":"a","status":"employed_in_field","date":"2027-05-10","sector":"health"})"));
  r.unread_by_candidate["a"] = 3;
  return r;
}

TEST(Indicators, HandComputedFixtureForAYear) {
  IndicatorQuery q;
  q.from = parse_date("2027-01-01");
  q.to = parse_date("2027-12-31");
  auto i = compute_indicators(fixture(), q, now());
  EXPECT_EQ(i.candidates, 3);          // A, B, C (D started before, F has no coach)
  EXPECT_EQ(i.coached_abroad, 1);      // B only (A arrived before, C has no message)
  EXPECT_EQ(i.plan_none, 1);           // C
  EXPECT_EQ(i.plan_50_74, 1);          // A: 66 %
  EXPECT_EQ(i.plan_100, 1);            // B
  EXPECT_EQ(i.plan_0_24 + i.plan_25_49 + i.plan_75_99, 0);
  EXPECT_EQ(i.with_two_meetings, 1);   // A
  EXPECT_DOUBLE_EQ(i.share_two_meetings, 1.0 / 3);
  EXPECT_EQ(i.referrals, 2);
  EXPECT_DOUBLE_EQ(i.referrals_per_candidate, 2.0 / 3);
  ASSERT_TRUE(i.median_days_to_first_meeting);
  EXPECT_DOUBLE_EQ(*i.median_days_to_first_meeting, 7.25);  // median of 10 and 4.5
  EXPECT_EQ(i.meetings_with_outcome, 4);  // m1, m2, m4, m5 (m3 cancelled)
  EXPECT_EQ(i.no_shows, 1);
  EXPECT_DOUBLE_EQ(i.no_show_rate, 0.25);
  ASSERT_EQ(i.employment.size(), 3u);
  EXPECT_EQ(i.employment[0].months, 3);
  EXPECT_EQ(i.employment[0].eligible, 1);
  EXPECT_EQ(i.employment[0].searching, 1);
  EXPECT_EQ(i.employment[0].employed_in_field, 0);
  EXPECT_EQ(i.employment[1].eligible, 1);
  EXPECT_EQ(i.employment[1].employed_in_field, 1);
  EXPECT_EQ(i.employment[2].eligible, 0);
}

TEST(Indicators, CohortAndOpenRange) {
  IndicatorQuery cohort;
  cohort.cohort = "2027";  // planned arrival in 2027: B, C, D (A arrived in 2026)
  EXPECT_EQ(compute_indicators(fixture(), cohort, now()).candidates, 3);
  auto all = compute_indicators(fixture(), {}, now());
  EXPECT_EQ(all.candidates, 4);      // A, B, C, D
  EXPECT_EQ(all.coached_abroad, 2);  // B and D
  auto none = compute_indicators(ProgramRows{}, {}, now());
  EXPECT_EQ(none.candidates, 0);
  EXPECT_FALSE(none.median_days_to_first_meeting);
  EXPECT_DOUBLE_EQ(none.no_show_rate, 0);
}

TEST(Indicators, CohortLabelOrArrivalYear) {
  // B and C get the label "2027-Q1 Casablanca"; A and D keep their arrival year.
  auto rows = fixture();
  rows.profiles[1]["cohort"] = "2027-Q1 Casablanca";
  rows.profiles[2]["cohort"] = "2027-Q1 Casablanca";
  IndicatorQuery q;
  q.cohort = "2027-Q1 Casablanca";
  auto labelled = compute_indicators(rows, q, now());
  EXPECT_EQ(labelled.candidates, 2);      // B and C
  EXPECT_EQ(labelled.coached_abroad, 1);  // B (C has no message)
  EXPECT_EQ(labelled.plan_100, 1);        // B
  EXPECT_EQ(labelled.plan_none, 1);       // C
  EXPECT_EQ(labelled.no_shows, 1);        // B's m5
  EXPECT_EQ(labelled.meetings_with_outcome, 2);  // m4, m5
  q.cohort = "2027";  // the arrival year still selects every 2027 arrival, labelled or not
  EXPECT_EQ(compute_indicators(rows, q, now()).candidates, 3);  // B, C, D
  q.cohort = "2027-q1 casablanca";  // labels are compared exactly
  EXPECT_EQ(compute_indicators(rows, q, now()).candidates, 0);

  EXPECT_EQ(cohort_of(rows.profiles[1]), "2027-Q1 Casablanca");
  EXPECT_EQ(cohort_of(rows.profiles[0]), "2026");  // A: no label, arrival 2026-12-01
  EXPECT_EQ(cohort_of(rows.profiles[4]), "");      // F: neither
  auto list = caseload(rows, now());
  auto labelled_rows = only_cohort(list, "2027-Q1 Casablanca");
  ASSERT_EQ(labelled_rows.size(), 2u);
  EXPECT_EQ(labelled_rows[0].name, "Carlos");
  EXPECT_EQ(labelled_rows[0].cohort, "2027-Q1 Casablanca");
  EXPECT_EQ(only_cohort(list, "2027").size(), 3u);
  EXPECT_EQ(only_cohort(list, "2026").size(), 1u);  // A
  EXPECT_EQ(only_cohort(list, "").size(), 0u);
  auto text = caseload_csv(labelled_rows);
  EXPECT_NE(text.find(",off_track,cohort\r\n"), std::string::npos);
  EXPECT_NE(text.find(",2027-Q1 Casablanca\r\n"), std::string::npos);

  EXPECT_TRUE(is_cohort_label("2027-Q1 Casablanca"));
  EXPECT_TRUE(is_cohort_label("Cohorte d’hiver — Montréal"));
  EXPECT_FALSE(is_cohort_label(""));
  EXPECT_FALSE(is_cohort_label(" 2027"));
  EXPECT_FALSE(is_cohort_label("a\tb"));
  EXPECT_FALSE(is_cohort_label(std::string(kMaxCohortBytes + 1, 'x')));
  EXPECT_FALSE(is_cohort_label("\xff\xfe"));
}

TEST(CandidateSetCohort, CoachOrAdminSetsItCandidateCannot) {
  using protocol::Role;
  passerelle::testing::MemoryRowStore store;
  std::string cand = new_id(), coach = new_id(), other = new_id(), admin = new_id();
  store.add_person(cand, Role::candidate, "amina");
  store.add_person(coach, Role::coach, "linh");
  store.add_person(other, Role::coach, "marc");
  store.add_person(admin, Role::admin, "sophie");
  auto profile = *store.get("profiles", cand);
  profile["coach_id"] = coach;
  profile["planned_arrival"] = "2027-03-01";
  store.put("profiles", cand, profile, {cand, coach});
  json::object set{{"candidate_id", cand}, {"cohort", " 2027-Q1 Casablanca "}};
  EXPECT_EQ(store.run_as(cand, Role::candidate, "candidate.set_cohort", set).error().code, ErrorCode::forbidden);
  EXPECT_EQ(store.run_as(other, Role::coach, "candidate.set_cohort", set).error().code, ErrorCode::not_found);
  ASSERT_TRUE(store.run_as(coach, Role::coach, "candidate.set_cohort", set).ok());
  auto row = *store.get("profiles", cand);
  EXPECT_EQ(row.at("cohort"), "2027-Q1 Casablanca");  // trimmed
  EXPECT_EQ(store.audience("profiles", cand), (std::vector<std::string>{cand, coach}));  // readers unchanged
  EXPECT_EQ(cohort_of(row), "2027-Q1 Casablanca");
  // The candidate cannot set it through their own profile either.
  EXPECT_EQ(store.run_as(cand, Role::candidate, "profile.update", {{"cohort", "mine"}}).error().code, ErrorCode::bad_request);
  ASSERT_TRUE(store.run_as(admin, Role::admin, "candidate.set_cohort", {{"candidate_id", cand}, {"cohort", ""}}).ok());
  row = *store.get("profiles", cand);
  EXPECT_FALSE(row.contains("cohort"));
  EXPECT_EQ(cohort_of(row), "2027");  // back to the arrival year
  auto bad = store.run_as(coach, Role::coach, "candidate.set_cohort", {{"candidate_id", cand}, {"cohort", "a\nb"}});
  EXPECT_EQ(bad.error().code, ErrorCode::bad_request);
  EXPECT_EQ(store.run_as(coach, Role::coach, "candidate.set_cohort", {{"candidate_id", new_id()}, {"cohort", "x"}}).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(store.run_as(admin, Role::admin, "candidate.set_cohort", {{"candidate_id", coach}, {"cohort", "x"}}).error().code,
            ErrorCode::not_found);  // a coach is not a candidate
}

TEST(Indicators, CaseloadRows) {
  auto rows = caseload(fixture(), now());
  ASSERT_EQ(rows.size(), 5u);  // every candidate profile, sorted by name
  const auto& a = rows[0];
  EXPECT_EQ(a.name, "Amina");
  ASSERT_TRUE(a.percent_done);
  EXPECT_EQ(*a.percent_done, 66);
  EXPECT_EQ(a.steps_total, 4);
  EXPECT_EQ(a.overdue, 1);
  EXPECT_FALSE(a.off_track);  // 1 overdue, active 5 days ago
  EXPECT_EQ(a.unread, 3);
  EXPECT_EQ(a.meetings_held, 2);
  EXPECT_EQ(a.meetings_upcoming, 0);
  EXPECT_EQ(a.referrals, 2);
  EXPECT_EQ(a.mentorship, "active");
  EXPECT_EQ(a.coach_name, "Marc");
  EXPECT_EQ(a.local_time, "2027-06-15 12:00");
  EXPECT_EQ(a.last_activity, "2027-06-12T09:00:00.000Z");  // the message is newer than the step
  const auto& c = rows[1];
  EXPECT_EQ(c.name, "Carlos");
  EXPECT_FALSE(c.percent_done);
  EXPECT_EQ(rows[4].name, "Nguyen, \"Bao\"");
  EXPECT_EQ(rows[4].local_time, "2027-06-15 20:00");  // Manila, UTC+8
  EXPECT_EQ(*rows[4].percent_done, 100);
}

// A profile that names no plan, or a plan that is gone, has the plan that names the candidate;
// of several, the greatest id (the latest UUIDv7). Many such candidates: found by key, not by
// scanning every plan for each (which made an admin's program quadratic).
TEST(Indicators, PlanFoundByItsCandidateWhenTheProfileNamesNone) {
  ProgramRows r;
  r.profiles.push_back(obj(R"({"id":"a","role":"candidate","name":"A"})"));
  r.profiles.push_back(obj(R"({"id":"b","role":"candidate","name":"B","plan_id":"gone"})"));
  r.profiles.push_back(obj(R"({"id":"c","role":"candidate","name":"C","plan_id":"p3"})"));
  r.plans.push_back(obj(R"({"id":"p2","candidate_id":"a","step_ids":["s1"]})"));
  r.plans.push_back(obj(R"({"id":"p1","candidate_id":"a","step_ids":[]})"));
  r.plans.push_back(obj(R"({"id":"p4","candidate_id":"b","step_ids":["s1"]})"));
  r.plans.push_back(obj(R"({"id":"p3","candidate_id":"b","step_ids":[]})"));
  r.plan_steps.push_back(obj(R"({"id":"s1","plan_id":"p2","status":"done"})"));
  auto rows = caseload(r, now());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].plan_id, "p2");  // greater than p1, whatever the order of the rows
  EXPECT_EQ(rows[0].steps_total, 1);
  EXPECT_EQ(rows[1].plan_id, "p4");  // its plan_id names no plan
  EXPECT_EQ(rows[2].plan_id, "p3");  // named by the profile, though it names b

  ProgramRows big;
  for (int i = 0; i < 20000; ++i) {
    std::string id = "c" + std::to_string(i);
    big.profiles.push_back(json::object{{"id", id}, {"role", "candidate"}, {"name", id}});
    if (i % 2) big.plans.push_back(json::object{{"id", "p" + std::to_string(i)}, {"candidate_id", id}, {"step_ids", json::array{}}});
  }
  auto all = caseload(big, now());
  ASSERT_EQ(all.size(), 20000u);
  int with_plan = 0;
  for (const auto& row : all) with_plan += !row.plan_id.empty();
  EXPECT_EQ(with_plan, 10000);
}

TEST(Indicators, CsvIsRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  auto text = caseload_csv(caseload(fixture(), now()));
  EXPECT_EQ(text.rfind("candidate_id,name,country,", 0), 0u);
  EXPECT_NE(text.find("\r\nb,\"Nguyen, \"\"Bao\"\"\",VN,"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  auto ind = indicators_csv(compute_indicators(fixture(), {}, now()));
  EXPECT_EQ(ind.rfind("indicator,value\r\ncandidates,4\r\n", 0), 0u);
  EXPECT_NE(ind.find("\r\nemployment_6m_employed_in_field,1\r\n"), std::string::npos);
}

TEST(OutcomeRecord, WhoRecordsWhatAndWhoReadsIt) {
  using protocol::Role;
  passerelle::testing::MemoryRowStore store;
  std::string cand = new_id(), coach = new_id(), other = new_id(), admin = new_id();
  store.add_person(cand, Role::candidate, "amina");
  store.add_person(coach, Role::coach, "linh");
  store.add_person(other, Role::coach, "marc");
  store.add_person(admin, Role::admin, "sophie");
  auto profile = *store.get("profiles", cand);
  profile["coach_id"] = coach;
  store.put("profiles", cand, profile, {cand, coach});
  auto args = [&](std::string status, std::string date = "2027-12-01") {
    return json::object{{"id", new_id()}, {"candidate_id", cand}, {"status", status}, {"date", date}, {"sector", "santé"}};
  };
  auto ok = args("employed_in_field");
  ASSERT_TRUE(store.run_as(coach, Role::coach, "outcome.record", ok).ok());
  auto row = *store.get("outcomes", std::string(ok.at("id").as_string()));
  EXPECT_EQ(row.at("status"), "employed_in_field");
  EXPECT_EQ(row.at("sector"), "santé");
  EXPECT_EQ(row.at("recorded_by").as_string(), coach);
  auto audience = store.audience("outcomes", std::string(ok.at("id").as_string()));
  EXPECT_EQ(audience, (std::vector<std::string>{cand, coach, "role:admin"}));
  EXPECT_TRUE(store.run_as(cand, Role::candidate, "outcome.record", args("searching")).ok());
  EXPECT_TRUE(store.run_as(admin, Role::admin, "outcome.record", args("studying")).ok());
  // Outsiders cannot read the candidate: answered like an unknown id (docs/security.md).
  EXPECT_EQ(store.run_as(other, Role::coach, "outcome.record", args("searching")).error().code, ErrorCode::not_found);
  EXPECT_EQ(store.run_as(other, Role::candidate, "outcome.record", args("searching")).error().code, ErrorCode::not_found);
  EXPECT_EQ(store.run_as(coach, Role::coach, "outcome.record", ok).error().code, ErrorCode::conflict);
  EXPECT_EQ(store.run_as(coach, Role::coach, "outcome.record", args("retired")).error().code, ErrorCode::bad_request);
  EXPECT_EQ(store.run_as(coach, Role::coach, "outcome.record", args("searching", "2027-02-30")).error().code,
            ErrorCode::bad_request);
}


// Employers and activities (issue 21, docs/dashboard.md "Indicators"). "now" is 2027-06-15.
// Candidates: a (label "2027-Q1 Casablanca", coached from 2027-01-05, NOC 21231), b (arrives
// 2028: cohort "2028", coached from 2027-02-10, NOC 21231), c (coached from 2026-12-01, NOC
// 41200), d (coached from 2027-03-10, no career profile), e (coached from 2027-01-20).
// Employers e1 (seeks 21231), e2 (72100), e3 (41200), e4 (only in a cancelled and a future
// activity), e5 (hosts a conference).
ProgramRows employment_fixture() {
  ProgramRows r;
  auto person = [&](const char* id, const char* arrival, const char* thread_created, const char* label = nullptr) {
    auto p = obj(R"({"role":"candidate","coach_id":"c1"})");
    p["id"] = id;
    p["name"] = std::string("Candidate ") + id;
    p["planned_arrival"] = arrival;
    p["coach_thread_id"] = std::string("t") + id;
    if (label) p["cohort"] = label;
    r.profiles.push_back(p);
    auto t = obj(R"({"kind":"coaching","last_n":1})");
    t["id"] = std::string("t") + id;
    t["candidate_id"] = id;
    t["created_at"] = thread_created;
    r.threads.push_back(t);
  };
  person("a", "2027-03-01", "2027-01-05T00:00:00Z", "2027-Q1 Casablanca");
  person("b", "2028-01-10", "2027-02-10T00:00:00Z");
  person("c", "2027-04-01", "2026-12-01T00:00:00Z");
  person("d", "2027-05-01", "2027-03-10T00:00:00Z");
  person("e", "2027-05-01", "2027-01-20T00:00:00Z");
  for (const char* json_text : {R"({"id":"a","occupation_code":"21231"})", R"({"id":"b","occupation_code":"21231"})",
                                R"({"id":"c","occupation_code":"41200"})"}) {
    auto c = obj(json_text);
    r.career_profiles[std::string(c.at("id").as_string())] = c;
  }
  r.employer_profiles["e1"] = obj(R"({"id":"e1","occupation_codes":["21231"]})");
  r.employer_profiles["e2"] = obj(R"({"id":"e2","occupation_codes":["72100"]})");
  r.employer_profiles["e3"] = obj(R"({"id":"e3","occupation_codes":["41200"]})");
  r.needs["n1"] = obj(R"({"id":"n1","employer_id":"e1","occupation_code":"21234"})");
  r.needs["n2"] = obj(R"({"id":"n2","employer_id":"e2","occupation_code":"72100"})");
  r.proposals.push_back(obj(R"({"id":"p1","candidate_id":"a","employer_id":"e1","need_id":"n1","status":"accepted","proposed_at":"2027-02-15T10:00:00Z"})"));
  r.proposals.push_back(obj(R"({"id":"p2","candidate_id":"b","employer_id":"e2","need_id":"n2","status":"declined","proposed_at":"2026-10-01T10:00:00Z"})"));
  // i1: a hired with PRIIME on a 21234 need (major group 21 = hers): in field.
  r.internships.push_back(obj(R"({"id":"i1","candidate_id":"a","employer_id":"e1","need_id":"n1","start":"2027-03-10T13:00:00Z","outcome":"hired_priime","outcome_at":"2027-04-08T15:00:00Z"})"));
  // i2: c hired on a 72100 need (she is 41200): out of field.
  r.internships.push_back(obj(R"({"id":"i2","candidate_id":"c","employer_id":"e2","need_id":"n2","start":"2027-04-01T13:00:00Z","outcome":"hired","outcome_at":"2027-04-29T15:00:00Z"})"));
  r.internships.push_back(obj(R"({"id":"i3","candidate_id":"b","employer_id":"e3","start":"2027-05-01T13:00:00Z","outcome":"not_hired","outcome_at":"2027-05-29T15:00:00Z"})"));
  r.internships.push_back(obj(R"({"id":"i4","candidate_id":"d","employer_id":"e1","start":"2027-06-01T13:00:00Z","status":"planned"})"));
  r.internships.push_back(obj(R"({"id":"i5","candidate_id":"b","employer_id":"e2","start":"2026-11-01T13:00:00Z","outcome":"ended_early","outcome_at":"2026-11-10T15:00:00Z"})"));
  r.activities["act1"] = obj(R"({"id":"act1","kind":"conference","status":"open","start":"2027-03-05T14:00:00Z","employer_ids":["e5"]})");
  r.activities["act2"] = obj(R"({"id":"act2","kind":"speed_jobbing","status":"open","start":"2027-05-20T13:00:00Z","employer_ids":["e1","e3"]})");
  r.activities["act3"] = obj(R"({"id":"act3","kind":"conference","status":"cancelled","start":"2027-04-01T14:00:00Z","employer_ids":["e4"]})");
  r.activities["act4"] = obj(R"({"id":"act4","kind":"conference","status":"open","start":"2027-07-01T14:00:00Z","employer_ids":["e4"]})");
  auto reg = [&](const char* activity, const char* cand, const char* status, std::optional<bool> attended) {
    auto g = obj("{}");
    g["id"] = std::string(activity) + cand;
    g["activity_id"] = activity;
    g["candidate_id"] = cand;
    g["status"] = status;
    if (attended) g["attended"] = *attended;
    r.registrations.push_back(g);
  };
  reg("act1", "a", "confirmed", true);
  reg("act1", "b", "confirmed", false);
  reg("act1", "c", "waitlisted", true);  // a walk-in from the waiting list
  reg("act1", "d", "cancelled", std::nullopt);
  reg("act2", "b", "confirmed", std::nullopt);  // attendance not recorded
  reg("act2", "d", "confirmed", true);
  reg("act3", "a", "cancelled", std::nullopt);
  reg("act4", "a", "confirmed", std::nullopt);
  // Outcome records: b employed in field after her internship i3 began; d out of field after the
  // speed jobbing she attended; c in field on 04-15 after act1, but hired out of field on 04-29
  // (the later counts); a searching (not a hire); e employed with no activity nor internship.
  r.outcomes.push_back(obj(R"({"id":"o1","candidate_id":"b","status":"employed_in_field","date":"2027-06-01"})"));
  r.outcomes.push_back(obj(R"({"id":"o2","candidate_id":"d","status":"employed_out_of_field","date":"2027-06-10"})"));
  r.outcomes.push_back(obj(R"({"id":"o3","candidate_id":"c","status":"employed_in_field","date":"2027-04-15"})"));
  r.outcomes.push_back(obj(R"({"id":"o4","candidate_id":"a","status":"searching","date":"2027-05-01"})"));
  r.outcomes.push_back(obj(R"({"id":"o5","candidate_id":"e","status":"employed_in_field","date":"2027-05-01"})"));
  return r;
}

std::chrono::sys_days day(const char* d) { return *parse_date(d); }

TEST(EmploymentIndicators, ByCohortAndPeriodTable) {
  struct Case {
    const char* what;
    IndicatorQuery q;
    int admitted, companies, employed, in_field, out_of_field;
    int held, seats, attended, absent, unrecorded, participants;
    double rate;
    int internships, priime, hired, not_hired, ended_early, no_outcome;
  };
  std::vector<Case> cases = {
      {"2027", {day("2027-01-01"), day("2027-12-31"), std::nullopt}, 4, 4, 4, 2, 2, 2, 4, 3, 1, 1, 3, 0.75, 4, 1, 1, 1, 0, 1},
      {"April 2027", {day("2027-04-01"), day("2027-04-30"), std::nullopt}, 0, 1, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0},
      {"cohort label, 2027", {day("2027-01-01"), day("2027-12-31"), "2027-Q1 Casablanca"}, 1, 2, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1.0, 1, 1, 0, 0, 0, 0},
      {"cohort of arrival year 2028, 2027", {day("2027-01-01"), day("2027-12-31"), "2028"}, 1, 3, 1, 1, 0, 2, 2, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0},
      {"all time", {}, 5, 4, 4, 2, 2, 2, 4, 3, 1, 1, 3, 0.75, 5, 1, 1, 1, 1, 1},
  };
  auto rows = employment_fixture();
  for (const auto& c : cases) {
    auto i = compute_indicators(rows, c.q, now());
    EXPECT_EQ(i.candidates_admitted, c.admitted) << c.what;
    EXPECT_EQ(i.candidates_admitted, i.candidates) << c.what;
    EXPECT_EQ(i.companies_supported, c.companies) << c.what;
    EXPECT_EQ(i.employed_after_support, c.employed) << c.what;
    EXPECT_EQ(i.employed_in_field, c.in_field) << c.what;
    EXPECT_EQ(i.employed_out_of_field, c.out_of_field) << c.what;
    EXPECT_EQ(i.activities_held, c.held) << c.what;
    EXPECT_EQ(i.activity_seats, c.seats) << c.what;
    EXPECT_EQ(i.attended, c.attended) << c.what;
    EXPECT_EQ(i.absent, c.absent) << c.what;
    EXPECT_EQ(i.attendance_unrecorded, c.unrecorded) << c.what;
    EXPECT_EQ(i.participants, c.participants) << c.what;
    EXPECT_DOUBLE_EQ(i.attendance_rate, c.rate) << c.what;
    EXPECT_EQ(i.internships, c.internships) << c.what;
    EXPECT_EQ(i.internships_hired_priime, c.priime) << c.what;
    EXPECT_EQ(i.internships_hired, c.hired) << c.what;
    EXPECT_EQ(i.internships_not_hired, c.not_hired) << c.what;
    EXPECT_EQ(i.internships_ended_early, c.ended_early) << c.what;
    EXPECT_EQ(i.internships_no_outcome, c.no_outcome) << c.what;
  }
  // The caseload's rows alone (no employers or activities read) count none of it.
  ProgramRows plain = rows;
  plain.proposals.clear(), plain.internships.clear(), plain.registrations.clear(), plain.activities.clear();
  auto i = compute_indicators(plain, {}, now());
  EXPECT_EQ(i.companies_supported, 0);
  EXPECT_EQ(i.employed_after_support, 0) << "outcome records alone are not 'after an activity or internship'";
}

TEST(EmploymentIndicators, InFieldIsTheSameNocMajorGroup) {
  EXPECT_TRUE(same_field("21231", {"21234"}));
  EXPECT_TRUE(same_field("21231", {"72100", "21300"}));
  EXPECT_FALSE(same_field("21231", {"72100"}));
  EXPECT_FALSE(same_field("41200", {"4"}));
  EXPECT_FALSE(same_field("", {"21231"})) << "her occupation unknown";
  EXPECT_FALSE(same_field("21231", {})) << "the job's occupation unknown";
}

// The CSV parsed back (RFC 4180: header, CRLF, two fields a line) holds every new figure with
// the value of the JSON answer.
TEST(EmploymentIndicators, CsvParsedBack) {
  auto ind = compute_indicators(employment_fixture(), {day("2027-01-01"), day("2027-12-31"), std::nullopt}, now());
  std::string text = indicators_csv(ind);
  std::map<std::string, std::string> values;
  std::size_t at = 0, lines = 0;
  while (at < text.size()) {
    auto end = text.find("\r\n", at);
    ASSERT_NE(end, std::string::npos) << "every line ends with CRLF";
    std::string line = text.substr(at, end - at);
    at = end + 2;
    auto comma = line.find(',');
    ASSERT_NE(comma, std::string::npos) << line;
    ASSERT_EQ(line.find(',', comma + 1), std::string::npos) << "two fields: " << line;
    if (lines++ == 0) {
      EXPECT_EQ(line, "indicator,value");
      continue;
    }
    EXPECT_TRUE(values.emplace(line.substr(0, comma), line.substr(comma + 1)).second) << "twice: " << line;
  }
  std::map<std::string, std::string> expected = {
      {"candidates_admitted", "4"}, {"companies_supported", "4"},
      {"employed_after_activity_or_internship", "4"}, {"employed_after_activity_or_internship_in_field", "2"},
      {"employed_after_activity_or_internship_out_of_field", "2"}, {"activities_held", "2"}, {"activity_seats", "4"},
      {"activity_attended", "3"}, {"activity_absent", "1"}, {"activity_attendance_unrecorded", "1"},
      {"activity_participants", "3"}, {"activity_attendance_rate", "0.7500"}, {"internships_started", "4"},
      {"internships_hired_priime", "1"}, {"internships_hired", "1"}, {"internships_not_hired", "1"},
      {"internships_ended_early", "0"}, {"internships_no_outcome", "1"}, {"candidates", "4"}};
  for (const auto& [k, v] : expected) EXPECT_EQ(values[k], v) << k;
  auto j = to_json(ind);
  EXPECT_EQ(j.at("companies_supported").as_int64(), 4);
  EXPECT_EQ(j.at("employed_after_support").at("in_field").as_int64(), 2);
  EXPECT_EQ(j.at("activities").at("attended").as_int64(), 3);
  EXPECT_EQ(j.at("internships").at("hired_priime").as_int64(), 1);
}

}  // namespace
