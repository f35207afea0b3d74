// Action plans: template format and expansion, plan mutators, transitions, sharing, progress.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "memory_row_store.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/plans/plan_template.h"
#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/mutator.h"

using namespace passerelle;
using namespace passerelle::sync;
using passerelle::protocol::Role;
using passerelle::testing::MemoryRowStore;
namespace json = boost::json;

namespace {

const char* kTemplate = R"({
  "key": "test-plan", "version": 3,
  "title": {"fr": "Plan d'essai", "en": "Test plan"},
  "steps": [
    {"key": "csq", "category": "immigration", "title": {"fr": "Obtenir le CSQ", "en": "Get the CSQ"},
     "description": {"fr": "d", "en": "d"}, "due_offset_days": -180},
    {"key": "french", "category": "language", "title": {"fr": "Test de français", "en": "French test"},
     "due_offset_days": -14},
    {"key": "ramq", "category": "settling_in", "title": {"fr": "Carte RAMQ", "en": "RAMQ card"},
     "due_offset_days": 7}
  ]})";

struct PlanWorld {
  MemoryRowStore store;
  std::string admin = new_id(), coach = new_id(), coach2 = new_id(), cand = new_id(), mentor = new_id();
  std::string plan = new_id();

  PlanWorld() {
    add(admin, Role::admin, "Ada");
    add(coach, Role::coach, "Claire");
    add(coach2, Role::coach, "Karim");
    add(cand, Role::candidate, "Amina");
    add(mentor, Role::mentor, "Isabelle");
    store.put(collection::templates, "test-plan", json::parse(kTemplate).as_object(), {});
    EXPECT_TRUE(run(admin, Role::admin, "caseload.assign",
                    {{"candidate_id", cand}, {"coach_id", coach}, {"thread_id", new_id()}}).ok());
    EXPECT_TRUE(run(cand, Role::candidate, "profile.update", {{"planned_arrival", "2027-03-20"}}).ok());
  }
  void add(const std::string& id, Role role, const std::string& name) { store.add_person(id, role, name); }
  Status run(const std::string& who, Role role, std::string_view name, const json::object& args) {
    return store.run_as(who, role, name, args);
  }
  Status create() {
    return run(coach, Role::coach, "plan.create", {{"plan_id", plan}, {"candidate_id", cand}, {"template_key", "test-plan"}});
  }
  json::object plan_row() { return *store.get(collection::plans, plan); }
  std::vector<std::string> step_ids() {
    std::vector<std::string> ids;
    json::object row = plan_row();  // a range-for over a temporary's member would dangle
    for (auto& v : row.at("step_ids").as_array()) ids.emplace_back(v.as_string());
    return ids;
  }
  json::object step(const std::string& id) { return *store.get(collection::plan_steps, id); }
  bool sees(const std::string& user, std::string_view c, const std::string& id) {
    auto a = store.audience(c, id);
    return std::find(a.begin(), a.end(), user) != a.end();
  }
  ErrorCode code(const Status& s) { return s.ok() ? ErrorCode::internal : s.error().code; }
};

}  // namespace

TEST(PlanTemplate, DecodesAndNamesBadFields) {
  auto t = plans::template_from_json(json::parse(kTemplate));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->version, 3);
  EXPECT_EQ(t->steps.size(), 3u);
  EXPECT_EQ(t->steps[0].title.en, "Get the CSQ");
  auto bad = [](const char* text) { return plans::template_from_json(json::parse(text)).error().message; };
  EXPECT_EQ(bad(R"({"key":"k","title":{"fr":"a","en":"b"},"steps":[]})"), "field 'template.steps' must hold 1 to 200 steps");
  EXPECT_EQ(bad(R"({"key":"k","title":{"fr":"a"},"steps":[]})"), "field 'template.title' is invalid: field 'template.title.en' is missing");
  EXPECT_EQ(bad(R"({"key":"k","title":{"fr":"a","en":"b"},"steps":[{"key":"a","category":"astrology","title":{"fr":"a","en":"b"},"due_offset_days":1}]})"),
            "field 'template.steps[0].category' is not a known category");
  EXPECT_EQ(bad(R"({"key":"k","title":{"fr":"a","en":"b"},"steps":[{"key":"a","category":"regions","title":{"fr":"a","en":"b"},"due_offset_days":1},{"key":"a","category":"regions","title":{"fr":"a","en":"b"},"due_offset_days":2}]})"),
            "field 'template.steps[1].key' repeats another step's key");
}

TEST(PlanTemplate, DueDatesAreCalendarDaysAcrossDst) {
  // Arrival 2027-03-20; Québec moves to summer time on 2027-03-14. Calendar arithmetic keeps
  // "14 days before" on 03-06, never drifting by the hour the clocks jumped.
  auto arrival = *parse_date("2027-03-20");
  EXPECT_EQ(format_date(plans::resolve_due_date(arrival, -14)), "2027-03-06");
  EXPECT_EQ(format_date(plans::resolve_due_date(arrival, 7)), "2027-03-27");
  EXPECT_EQ(format_date(plans::resolve_due_date(*parse_date("2028-03-01"), -1)), "2028-02-29");
}

TEST(Plans, CoachCreatesFromTemplateForTheCandidatesArrival) {
  PlanWorld w;
  ASSERT_TRUE(w.create().ok());
  auto plan = w.plan_row();
  EXPECT_EQ(plan.at("template_version").as_int64(), 3);
  EXPECT_EQ(plan.at("title").at("en").as_string(), "Test plan");
  EXPECT_EQ(plan.at("arrival_date").as_string(), "2027-03-20");
  auto ids = w.step_ids();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(w.step(ids[0]).at("due_date").as_string(), "2026-09-21");
  EXPECT_EQ(w.step(ids[1]).at("due_date").as_string(), "2027-03-06");
  EXPECT_EQ(w.step(ids[2]).at("status").as_string(), "todo");
  EXPECT_EQ(ids[0], Uuid::derived(w.plan + "/csq").str()) << "device and server derive the same step ids";
  EXPECT_TRUE(w.sees(w.cand, collection::plan_steps, ids[0]));
  EXPECT_TRUE(w.sees(w.coach, collection::plans, w.plan));
  EXPECT_FALSE(w.sees(w.mentor, collection::plans, w.plan));
  EXPECT_TRUE(w.sees(role_audience(Role::admin), collection::plan_steps, ids[0])) << "admins read every plan";
  EXPECT_FALSE(w.sees(role_audience(Role::coach), collection::plan_steps, ids[0])) << "not every coach";
  EXPECT_FALSE(w.sees(w.coach2, collection::plan_steps, ids[0]));
  EXPECT_EQ(w.store.get(collection::profiles, w.cand)->at("plan_id").as_string(), w.plan);
}

TEST(Plans, WhoMayCreate) {
  PlanWorld w;
  json::object args{{"plan_id", w.plan}, {"candidate_id", w.cand}, {"template_key", "test-plan"}};
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "plan.create", args)), ErrorCode::forbidden);
  EXPECT_EQ(w.code(w.run(w.coach2, Role::coach, "plan.create", args)), ErrorCode::not_found);
  EXPECT_EQ(w.code(w.run(w.coach, Role::coach, "plan.create",
                         {{"plan_id", new_id()}, {"candidate_id", w.cand}, {"template_key", "nope"}})), ErrorCode::not_found);
  ASSERT_TRUE(w.create().ok());
  EXPECT_EQ(w.code(w.run(w.admin, Role::admin, "plan.create",
                         {{"plan_id", new_id()}, {"candidate_id", w.cand}, {"template_key", "test-plan"}})), ErrorCode::conflict);
}

TEST(Plans, StatusTransitions) {
  PlanWorld w;
  ASSERT_TRUE(w.create().ok());
  std::string s = w.step_ids()[0];
  auto set = [&](const std::string& who, Role role, const char* status, std::optional<std::string> reason = {}) {
    json::object args{{"id", s}, {"status", status}};
    if (reason) args["reason"] = *reason;
    return w.run(who, role, "step.set_status", args);
  };
  EXPECT_TRUE(set(w.cand, Role::candidate, "in_progress").ok());
  EXPECT_TRUE(set(w.cand, Role::candidate, "done").ok());
  EXPECT_EQ(w.code(set(w.cand, Role::candidate, "todo")), ErrorCode::forbidden) << "done → todo is the coach's";
  EXPECT_EQ(w.code(set(w.coach2, Role::coach, "todo")), ErrorCode::not_found);
  EXPECT_EQ(w.code(set(w.mentor, Role::mentor, "todo")), ErrorCode::not_found);
  EXPECT_TRUE(set(w.coach, Role::coach, "todo").ok());
  EXPECT_EQ(w.run(w.cand, Role::candidate, "step.set_status", {{"id", s}, {"status", "skipped"}}).error().message,
            "field 'args.reason' is required to skip a step");
  EXPECT_TRUE(set(w.cand, Role::candidate, "skipped", "already done before the program").ok());
  EXPECT_EQ(w.code(set(w.cand, Role::candidate, "in_progress")), ErrorCode::forbidden);
  EXPECT_EQ(w.run(w.cand, Role::candidate, "step.set_status", {{"id", s}, {"status", "finished"}}).error().message,
            "field 'args.status' must be todo, in_progress, done or skipped");
  auto history = w.step(s).at("history").as_array();
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[2].at("by").as_string(), w.coach);
  EXPECT_EQ(history[2].at("from").as_string(), "done");
  EXPECT_EQ(history[3].at("reason").as_string(), "already done before the program");
}

TEST(Plans, CoachEditsStepsCandidateCannot) {
  PlanWorld w;
  ASSERT_TRUE(w.create().ok());
  auto ids = w.step_ids();
  std::string added = new_id();
  json::object add{{"plan_id", w.plan}, {"step_id", added}, {"category", "networking"},
                   {"title", "Speed-jobbing à Québec"}, {"due_date", "2027-04-10"}, {"index", 1}};
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "step.add", add)), ErrorCode::forbidden);
  ASSERT_TRUE(w.run(w.coach, Role::coach, "step.add", add).ok());
  EXPECT_EQ(w.step_ids()[1], added);
  ASSERT_TRUE(w.run(w.coach, Role::coach, "step.move", {{"id", ids[2]}, {"index", 0}}).ok());
  EXPECT_EQ(w.step_ids()[0], ids[2]);
  ASSERT_TRUE(w.run(w.coach, Role::coach, "step.reschedule", {{"id", ids[0]}, {"due_date", "2026-10-01"}}).ok());
  EXPECT_EQ(w.step(ids[0]).at("due_date").as_string(), "2026-10-01");
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "step.remove", {{"id", ids[1]}})), ErrorCode::forbidden);
  ASSERT_TRUE(w.run(w.coach, Role::coach, "step.remove", {{"id", ids[1]}}).ok());
  EXPECT_EQ(w.step_ids().size(), 3u);
  EXPECT_FALSE(w.store.get(collection::plan_steps, ids[1]));
  EXPECT_EQ(w.run(w.coach, Role::coach, "step.reschedule", {{"id", ids[0]}, {"due_date", "2026-02-30"}}).error().message,
            "field 'args.due_date' must be a date YYYY-MM-DD");
}

TEST(Plans, CoachRenamesAStepOthersCannot) {
  PlanWorld w;
  ASSERT_TRUE(w.create().ok());
  std::string s = w.step_ids()[1];
  ASSERT_TRUE(w.run(w.cand, Role::candidate, "step.set_status", {{"id", s}, {"status", "in_progress"}}).ok());
  json::object rename{{"id", s}, {"title", "  TCF Canada, session de mars  "}};
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "step.rename", rename)), ErrorCode::forbidden);
  EXPECT_EQ(w.code(w.run(w.coach2, Role::coach, "step.rename", rename)), ErrorCode::not_found);
  EXPECT_EQ(w.code(w.run(w.mentor, Role::mentor, "step.rename", rename)), ErrorCode::not_found);
  ASSERT_TRUE(w.run(w.coach, Role::coach, "step.rename", rename).ok());
  auto step = w.step(s);
  EXPECT_EQ(step.at("title").at("fr").as_string(), "TCF Canada, session de mars");  // trimmed
  EXPECT_EQ(step.at("title").at("en").as_string(), "TCF Canada, session de mars");
  EXPECT_EQ(step.at("status").as_string(), "in_progress");  // the candidate's progress is kept
  ASSERT_TRUE(w.run(w.admin, Role::admin, "step.rename", {{"id", s}, {"title", "TCF"}, {"description", "Voir le site"}}).ok());
  EXPECT_EQ(w.step(s).at("description").at("en").as_string(), "Voir le site");
  EXPECT_EQ(w.run(w.coach, Role::coach, "step.rename", {{"id", s}, {"title", "   "}}).error().message,
            "field 'args.title' must not be empty");
  EXPECT_EQ(w.run(w.coach, Role::coach, "step.rename", {{"id", s}, {"title", std::string(201, 'x')}}).error().message,
            "field 'args.title' is longer than 200 bytes");
  EXPECT_EQ(w.code(w.run(w.coach, Role::coach, "step.rename", {{"id", new_id()}, {"title", "x"}})), ErrorCode::not_found);
}

TEST(Plans, ReorderAndDoneConcurrentlyBothSurvive) {
  // The coach reorders while the candidate, offline, marks the same step done: whichever the
  // server applies first, both changes remain.
  for (int order = 0; order < 2; ++order) {
    PlanWorld w;
    ASSERT_TRUE(w.create().ok());
    auto ids = w.step_ids();
    auto move = [&] { return w.run(w.coach, Role::coach, "step.move", {{"id", ids[2]}, {"index", 0}}); };
    auto done = [&] { return w.run(w.cand, Role::candidate, "step.set_status", {{"id", ids[2]}, {"status", "done"}}); };
    if (order == 0) {
      ASSERT_TRUE(move().ok());
      ASSERT_TRUE(done().ok());
    } else {
      ASSERT_TRUE(done().ok());
      ASSERT_TRUE(move().ok());
    }
    EXPECT_EQ(w.step_ids()[0], ids[2]);
    EXPECT_EQ(w.step(ids[2]).at("status").as_string(), "done");
  }
}

TEST(Plans, NotesCommentsEvidence) {
  PlanWorld w;
  ASSERT_TRUE(w.create().ok());
  std::string s = w.step_ids()[1];
  std::string note = new_id();
  json::object note_args{{"id", s}, {"entry_id", note}, {"text", "Inscrite au TCF Canada le 12 janvier"}};
  EXPECT_EQ(w.code(w.run(w.coach, Role::coach, "step.note", note_args)), ErrorCode::forbidden);
  ASSERT_TRUE(w.run(w.cand, Role::candidate, "step.note", note_args).ok());
  ASSERT_TRUE(w.run(w.cand, Role::candidate, "step.note", note_args).ok());  // the same note again
  EXPECT_EQ(w.step(s).at("notes").as_array().size(), 1u);
  ASSERT_TRUE(w.run(w.coach, Role::coach, "step.comment", {{"id", s}, {"entry_id", new_id()}, {"text", "Bravo !"}}).ok());
  EXPECT_EQ(w.code(w.run(w.coach2, Role::coach, "step.comment", {{"id", s}, {"entry_id", new_id()}, {"text", "x"}})),
            ErrorCode::not_found);
  ASSERT_TRUE(w.run(w.cand, Role::candidate, "step.attach",
                    {{"id", s}, {"entry_id", new_id()}, {"kind", "link"}, {"url", "https://www.quebec.ca/immigration"}}).ok());
  EXPECT_EQ(w.run(w.cand, Role::candidate, "step.attach",
                  {{"id", s}, {"entry_id", new_id()}, {"kind", "link"}, {"url", "javascript:alert(1)"}}).error().message,
            "field 'args.url' must be an http(s) link");
  EXPECT_EQ(w.run(w.cand, Role::candidate, "step.attach",
                  {{"id", s}, {"entry_id", new_id()}, {"kind", "file"}, {"sha256", "xyz"}, {"name", "cv.pdf"}, {"size", 10}})
                .error().message,
            "field 'args.sha256' must be 64 lower-case hex digits");
  EXPECT_TRUE(w.step(s).contains("last_activity_at"));
}

TEST(Plans, SharingWithAMentorAndChangingCoach) {
  PlanWorld w;
  ASSERT_TRUE(w.create().ok());
  std::string s = w.step_ids()[0];
  json::object share{{"plan_id", w.plan}, {"mentor_id", w.mentor}, {"shared", true}};
  EXPECT_EQ(w.code(w.run(w.coach, Role::coach, "plan.share", share)), ErrorCode::forbidden);
  ASSERT_TRUE(w.run(w.cand, Role::candidate, "plan.share", share).ok());
  EXPECT_TRUE(w.sees(w.mentor, collection::plan_steps, s));
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "plan.share", {{"plan_id", w.plan}, {"mentor_id", w.coach2}, {"shared", true}})),
            ErrorCode::not_found);
  share["shared"] = false;
  ASSERT_TRUE(w.run(w.cand, Role::candidate, "plan.share", share).ok());
  EXPECT_FALSE(w.sees(w.mentor, collection::plan_steps, s));
  ASSERT_TRUE(w.run(w.admin, Role::admin, "caseload.assign", {{"candidate_id", w.cand}, {"coach_id", w.coach2}, {"thread_id", new_id()}}).ok());
  EXPECT_TRUE(w.sees(w.coach2, collection::plan_steps, s));
  EXPECT_FALSE(w.sees(w.coach, collection::plan_steps, s));
  EXPECT_TRUE(w.run(w.coach2, Role::coach, "step.reschedule", {{"id", s}, {"due_date", "2026-12-01"}}).ok());
  EXPECT_EQ(w.code(w.run(w.coach, Role::coach, "step.reschedule", {{"id", s}, {"due_date", "2026-12-02"}})), ErrorCode::not_found);
}

TEST(Progress, OverdueIsJudgedInTheCandidatesZone) {
  // One UTC instant: already Nov 29 in Manila, still Nov 28 in Bogotá.
  json::object plan{{"created_at", "2026-11-01T00:00:00.000Z"}};
  std::vector<json::object> steps{
      {{"id", "a"}, {"status", "done"}, {"due_date", "2026-11-01"}},
      {{"id", "b"}, {"status", "todo"}, {"due_date", "2026-11-28"}},
      {{"id", "c"}, {"status", "skipped"}, {"due_date", "2026-11-01"}},
      {{"id", "d"}, {"status", "in_progress"}, {"due_date", "2027-01-10"}}};
  Timestamp now = *parse_rfc3339("2026-11-28T20:00:00Z");
  auto manila = plans::compute_progress(plan, steps, now, "Asia/Manila");
  auto bogota = plans::compute_progress(plan, steps, now, "America/Bogota");
  EXPECT_EQ(manila.overdue, 1);
  EXPECT_EQ(bogota.overdue, 0);
  EXPECT_EQ(manila.percent_done, 33);  // 1 done of 3 counted (the skipped one is not)
  EXPECT_EQ(manila.next_step_id, "b");
  EXPECT_EQ(manila.days_since_activity, 27);
  EXPECT_TRUE(manila.off_track) << "27 idle days is past the 21-day rule";
  plans::ProgressRules patient{60, 3};
  EXPECT_FALSE(plans::compute_progress(plan, steps, now, "Asia/Manila", patient).off_track);
}

TEST(Progress, ActivityAndCompletion) {
  json::object plan{{"created_at", "2026-11-01T00:00:00.000Z"}};
  std::vector<json::object> steps{{{"id", "a"}, {"status", "done"}, {"due_date", "2026-11-01"},
                                   {"last_activity_at", "2026-11-27T10:00:00.000Z"}}};
  auto p = plans::compute_progress(plan, steps, *parse_rfc3339("2026-11-28T12:00:00Z"), "");
  EXPECT_EQ(p.percent_done, 100);
  EXPECT_EQ(p.days_since_activity, 1);
  EXPECT_FALSE(p.off_track);
  EXPECT_FALSE(p.next_step_id.has_value());
}

TEST(PlanTemplate, TheShippedTemplateIsValidAndCoversEveryCategory) {
  std::ifstream f(std::string(PASSERELLE_TEMPLATES_DIR) + "/quebec-skilled-worker.json");
  ASSERT_TRUE(f.good());
  std::stringstream text;
  text << f.rdbuf();
  auto t = plans::template_from_json(json::parse(text.str()));
  ASSERT_TRUE(t.ok()) << t.error().message;
  for (const char* c : plans::kCategories)
    EXPECT_TRUE(std::any_of(t->steps.begin(), t->steps.end(), [&](const auto& s) { return s.category == c; })) << c;
  for (const auto& s : t->steps) {
    EXPECT_FALSE(s.description.fr.empty()) << s.key;
    EXPECT_FALSE(s.description.en.empty()) << s.key;
  }
}

TEST(PlanTemplate, AdminsPublishNewEditions) {
  PlanWorld w;
  json::object args{{"template", json::parse(kTemplate)}};
  EXPECT_EQ(w.code(w.run(w.coach, Role::coach, "template.put", args)), ErrorCode::forbidden);
  ASSERT_TRUE(w.run(w.admin, Role::admin, "template.put", args).ok());
  EXPECT_EQ(w.store.get(collection::templates, "test-plan")->at("version").as_int64(), 4);
  EXPECT_TRUE(w.sees(role_audience(Role::coach), collection::templates, "test-plan"));
  ASSERT_TRUE(w.create().ok());
  EXPECT_EQ(w.plan_row().at("template_version").as_int64(), 4);
  json::object bad = json::parse(kTemplate).as_object();
  bad["key"] = "Test Plan";
  EXPECT_EQ(w.run(w.admin, Role::admin, "template.put", {{"template", bad}}).error().message,
            "field 'template.key' may hold only a-z, 0-9 and '-'");
}

TEST(Plans, EveryRefusal) {
  // Each write of the plan model by someone the rules leave out, in one place.
  PlanWorld w;
  ASSERT_TRUE(w.create().ok());
  std::string s = w.step_ids()[0];
  std::string stranger = new_id();
  w.add(stranger, Role::candidate, "Juan");
  struct Attempt {
    std::string who;
    Role role;
    const char* name;
    json::object args;
    // Someone who cannot read the object gets what an unknown id gets (docs/security.md).
    ErrorCode want = ErrorCode::forbidden;
  };
  std::vector<Attempt> refused = {
      {w.cand, Role::candidate, "step.add", {{"plan_id", w.plan}, {"step_id", new_id()}, {"category", "regions"}, {"title", "x"}, {"due_date", "2027-01-01"}}},
      {w.cand, Role::candidate, "step.move", {{"id", s}, {"index", 2}}},
      {w.cand, Role::candidate, "step.reschedule", {{"id", s}, {"due_date", "2027-01-01"}}},
      {w.cand, Role::candidate, "step.remove", {{"id", s}}},
      {w.cand, Role::candidate, "step.rename", {{"id", s}, {"title", "x"}}},
      {w.mentor, Role::mentor, "step.set_status", {{"id", s}, {"status", "done"}}, ErrorCode::not_found},
      {stranger, Role::candidate, "step.set_status", {{"id", s}, {"status", "done"}}, ErrorCode::not_found},
      {w.coach2, Role::coach, "step.set_status", {{"id", s}, {"status", "done"}}, ErrorCode::not_found},
      {w.coach, Role::coach, "step.note", {{"id", s}, {"entry_id", new_id()}, {"text", "x"}}},
      {stranger, Role::candidate, "step.note", {{"id", s}, {"entry_id", new_id()}, {"text", "x"}}, ErrorCode::not_found},
      {w.mentor, Role::mentor, "step.comment", {{"id", s}, {"entry_id", new_id()}, {"text", "x"}}, ErrorCode::not_found},
      {w.coach, Role::coach, "step.attach", {{"id", s}, {"entry_id", new_id()}, {"kind", "link"}, {"url", "https://x.org"}}},
      {stranger, Role::candidate, "plan.share", {{"plan_id", w.plan}, {"mentor_id", w.mentor}, {"shared", true}}, ErrorCode::not_found},
      {w.mentor, Role::mentor, "plan.create", {{"plan_id", new_id()}, {"candidate_id", stranger}, {"template_key", "test-plan"}}, ErrorCode::not_found},
      {w.coach, Role::coach, "template.put", {{"template", json::parse(kTemplate)}}},
  };
  for (const auto& a : refused) {
    int before = w.store.writes;
    auto st = w.run(a.who, a.role, a.name, a.args);
    EXPECT_EQ(w.code(st), a.want) << a.name << " by " << protocol::to_string(a.role);
    EXPECT_EQ(w.store.writes, before) << a.name << " wrote something although refused";
  }
}
