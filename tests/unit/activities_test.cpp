// Program activities (docs/activities.md): the speed-jobbing rotation, the seat rules, every
// mutator's rules and refusals, who reads what, the waiting list, and the schedules' .ics read
// by two real parsers (libical here, Python's icalendar through python3).
#include <gtest/gtest.h>

#include <libical/ical.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "memory_row_store.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/activities/rotation.h"
#include "passerelle/shared/activities/schedule.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/sync/row_fields.h"

using namespace passerelle;
using namespace passerelle::sync;
using passerelle::protocol::Role;
using passerelle::testing::MemoryRowStore;
namespace json = boost::json;
namespace act = passerelle::activities;
namespace ac = passerelle::activities::collection;

namespace {

Timestamp at(const char* t) { return *parse_rfc3339(t); }

// ---------------------------------------------------------------- rotation

// Independent of check_rotation: counts every pair and every (slot, person) itself.
void expect_sound(const std::vector<std::string>& employers, const std::vector<act::RotationCandidate>& cands,
                  const act::Rotation& r) {
  std::map<std::pair<std::string, std::string>, int> met;
  std::set<std::pair<int, std::string>> busy;
  for (const auto& m : r.meetings) {
    ++met[{m.candidate_id, m.employer_id}];
    EXPECT_TRUE(busy.insert({m.slot, m.candidate_id}).second) << m.candidate_id << " twice in slot " << m.slot;
    EXPECT_TRUE(busy.insert({m.slot, m.employer_id}).second) << m.employer_id << " twice in slot " << m.slot;
    EXPECT_GE(m.slot, 0);
    EXPECT_LT(m.slot, r.slots);
  }
  std::size_t wanted = 0;
  std::map<std::string, int> degree;
  for (const auto& c : cands)
    for (const auto& e : c.employer_ids) {
      ++wanted;
      ++degree[c.id];
      ++degree[e];
      EXPECT_EQ((met[{c.id, e}]), 1) << c.id << " meets " << e;
    }
  EXPECT_EQ(r.meetings.size(), wanted) << "no meeting that was not selected";
  int most = 0;
  for (const auto& [who, n] : degree) most = std::max(most, n);
  EXPECT_EQ(r.slots, most) << "the least number of slots: the busiest person's meetings";
  EXPECT_EQ(act::check_rotation(employers, cands, r), "");
}

std::vector<std::string> ids(const char* prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST(Rotation, TwelveEmployersFortyCandidatesRandomSelectionsHaveNoConflict) {
  auto employers = ids("E", 12);
  for (unsigned seed : {1u, 2u, 3u, 42u, 2027u}) {
    std::mt19937 rng(seed);
    std::vector<act::RotationCandidate> cands;
    for (const auto& c : ids("C", 40)) {
      auto pick = employers;
      std::shuffle(pick.begin(), pick.end(), rng);
      pick.resize(1 + rng() % 12);
      cands.push_back({c, pick});
    }
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_sound(employers, cands, act::build_rotation(employers, cands));
  }
}

TEST(Rotation, EveryoneMeetsEveryoneInFortySlots) {
  auto employers = ids("E", 12);
  std::vector<act::RotationCandidate> cands;
  for (const auto& c : ids("C", 40)) cands.push_back({c, employers});
  auto r = act::build_rotation(employers, cands);
  expect_sound(employers, cands, r);
  EXPECT_EQ(r.slots, 40);
  EXPECT_EQ(r.meetings.size(), 480u);
}

TEST(Rotation, APopularEmployerSetsTheNumberOfSlots) {
  // Everyone picks E0; a few pick others too: E0's 40 meetings need 40 slots, no more.
  auto employers = ids("E", 12);
  std::vector<act::RotationCandidate> cands;
  for (int i = 0; i < 40; ++i) cands.push_back({"C" + std::to_string(i), {"E0", "E" + std::to_string(1 + i % 11)}});
  auto r = act::build_rotation(employers, cands);
  expect_sound(employers, cands, r);
  EXPECT_EQ(r.slots, 40);
}

TEST(Rotation, EdgeCasesAndDeterminism) {
  EXPECT_EQ(act::build_rotation({}, {}).slots, 0);
  EXPECT_EQ(act::build_rotation({"E0"}, {{"C0", {}}}).meetings.size(), 0u);
  // Unknown and duplicate selections count once or not at all.
  std::vector<act::RotationCandidate> cands = {{"C0", {"E0", "E0", "E9"}}, {"C0", {"E1"}}, {"C1", {"E0"}}};
  auto r = act::build_rotation({"E0", "E1", "E0"}, cands);
  EXPECT_EQ(r.meetings.size(), 2u);  // C0-E0 and C1-E0 (the second C0 entry is a duplicate)
  EXPECT_EQ(r.slots, 2);
  auto again = act::build_rotation({"E0", "E1", "E0"}, cands);
  ASSERT_EQ(again.meetings.size(), r.meetings.size());
  for (std::size_t i = 0; i < r.meetings.size(); ++i) {
    EXPECT_EQ(again.meetings[i].slot, r.meetings[i].slot);
    EXPECT_EQ(again.meetings[i].candidate_id, r.meetings[i].candidate_id);
  }
}

TEST(Rotation, CheckFindsEveryKindOfFault) {
  std::vector<std::string> employers = {"E0", "E1"};
  std::vector<act::RotationCandidate> cands = {{"C0", {"E0", "E1"}}, {"C1", {"E0"}}};
  act::Rotation good = act::build_rotation(employers, cands);
  ASSERT_EQ(act::check_rotation(employers, cands, good), "");
  auto broken = [&](auto change) {
    act::Rotation r = good;
    change(r);
    return act::check_rotation(employers, cands, r);
  };
  EXPECT_NE(broken([](act::Rotation& r) { r.meetings.pop_back(); }), "");                       // a pair never meets
  EXPECT_NE(broken([](act::Rotation& r) { r.meetings.push_back(r.meetings[0]); }), "");         // meets twice
  EXPECT_NE(broken([](act::Rotation& r) { r.meetings.push_back({0, "E1", "C1"}); }), "");       // not selected
  EXPECT_NE(broken([](act::Rotation& r) { r.meetings[0].slot = 7; }), "");                       // out of range
  EXPECT_NE(broken([](act::Rotation& r) { for (auto& m : r.meetings) m.slot = 0; }), "");       // two places at once
}

// ---------------------------------------------------------------- seat rules

TEST(SeatRules, Table) {
  struct Case {
    act::SeatState state;
    bool seat;
    std::int64_t position, promote;
  } cases[] = {
      {{1, 0, 0}, true, 0, 0},  {{1, 1, 0}, false, 1, 0}, {{1, 1, 3}, false, 4, 0}, {{5, 4, 0}, true, 0, 0},
      {{5, 3, 4}, true, 0, 2},  {{5, 0, 2}, true, 0, 2},  {{2, 2, 2}, false, 3, 0},
  };
  for (const auto& c : cases) {
    auto d = act::decide_registration(c.state);
    EXPECT_EQ(d.seat, c.seat) << c.state.capacity << "/" << c.state.confirmed << "/" << c.state.waitlisted;
    EXPECT_EQ(d.position, c.position);
    EXPECT_EQ(act::promotions(c.state), c.promote);
  }
}

TEST(SeatRules, IdsAreTheSameEverywhereAndDistinct) {
  EXPECT_EQ(act::registration_id("a", "c"), act::registration_id("a", "c"));
  EXPECT_NE(act::registration_id("a", "c"), act::registration_id("a", "d"));
  EXPECT_NE(act::registration_id("a", "c"), act::agenda_id("a", "c"));
  EXPECT_TRUE(is_uuid(act::registration_id("a", "c")));
}

TEST(SeatRules, EveryStatusReadsInBothLanguages) {
  for (auto [status, reason, pos] : {std::tuple{"requested", "pending", 0}, {"confirmed", "seat", 0}, {"confirmed", "promoted", 0},
                                     {"waitlisted", "full", 3}, {"cancelled", "withdrawn", 0},
                                     {"cancelled", "activity_cancelled", 0}}) {
    json::object r{{"status", status}, {"reason", reason}, {"position", pos}};
    auto fr = act::registration_text(r, protocol::Locale::fr), en = act::registration_text(r, protocol::Locale::en);
    EXPECT_FALSE(fr.empty());
    EXPECT_FALSE(en.empty());
    EXPECT_NE(fr, en) << status << " " << reason;
    if (std::string(status) == "waitlisted") {
      EXPECT_NE(en.find("number 3"), std::string::npos) << en;
      EXPECT_NE(fr.find("3e"), std::string::npos) << fr;
    }
  }
}

// ---------------------------------------------------------------- mutators

struct World {
  MemoryRowStore store;
  std::string admin = new_id(), coach = new_id(), coach2 = new_id(), mentor = new_id();
  std::vector<std::string> cands, employers;
  Timestamp now = at("2027-03-01T12:00:00Z");

  World(int n_cands = 6, int n_employers = 3) {
    store.add_person(admin, Role::admin, "Ada");
    store.add_person(coach, Role::coach, "Claire");
    store.add_person(coach2, Role::coach, "Karim");
    store.add_person(mentor, Role::mentor, "Isabelle");
    for (int i = 0; i < n_cands; ++i) {
      cands.push_back(new_id());
      store.add_person(cands.back(), Role::candidate, "Candidate " + std::to_string(i));
      ok(run(admin, Role::admin, "caseload.assign",
             {{"candidate_id", cands.back()}, {"coach_id", i % 2 == 0 ? coach : coach2}, {"thread_id", new_id()}}));
    }
    for (int i = 0; i < n_employers; ++i) {
      // Employer accounts come from the employers feature: a profile row with role "employer".
      employers.push_back(new_id());
      store.put(collection::profiles, employers.back(),
                json::object{{"id", employers.back()}, {"role", "employer"}, {"name", "Employer " + std::to_string(i)}},
                {employers.back()});
    }
  }

  Status run(const std::string& who, Role role, std::string_view name, const json::object& args, bool authoritative = true) {
    MutationContext ctx{Actor{who, role}, store, now, new_id(), authoritative};
    return run_mutator(ctx, name, args);
  }
  void ok(const Status& s) { ASSERT_TRUE(s.ok()) << s.error().message; }

  json::object conference(const std::string& id, std::int64_t capacity = 2) {
    return {{"id", id},
            {"kind", "conference"},
            {"title", "Conférence TI"},
            {"start", "2027-03-10T14:00:00Z"},
            {"end", "2027-03-10T16:00:00Z"},
            {"time_zone", "America/Toronto"},
            {"place", "Palais des congrès, Montréal"},
            {"capacity", capacity},
            {"audience", "all"}};
  }
  json::object speed(const std::string& id, std::int64_t capacity = 40) {
    return {{"id", id},
            {"kind", "speed_jobbing"},
            {"title", "Speed jobbing TI"},
            {"start", "2027-03-10T13:00:00Z"},
            {"end", "2027-03-10T21:00:00Z"},
            {"time_zone", "America/Toronto"},
            {"video_url", "https://meet.example.org/sj"},
            {"capacity", capacity},
            {"audience", "all"},
            {"employer_ids", to_array(employers)},
            {"slot_minutes", 8},
            {"break_minutes", 2}};
  }
  static json::array to_array(const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  }
  json::object reg(const std::string& activity, const std::string& cand) {
    return *store.get(ac::registrations, act::registration_id(activity, cand));
  }
  std::vector<std::string> audience(std::string_view c, const std::string& id) { return store.audience(c, id); }
  static bool has(const std::vector<std::string>& a, const std::string& who) {
    return std::find(a.begin(), a.end(), who) != a.end();
  }
};

ErrorCode code(const Status& s) { return s.ok() ? ErrorCode::internal : s.error().code; }

TEST(ActivityCreate, RefusalsTable) {
  World w;
  struct Case {
    const char* what;
    std::function<void(json::object&)> change;
    Role role;
    ErrorCode code;
  };
  std::string cand_of_coach2 = w.cands[1];  // odd candidates are Karim's
  std::vector<Case> cases = {
      {"a candidate creates", [](json::object&) {}, Role::candidate, ErrorCode::forbidden},
      {"a mentor creates", [](json::object&) {}, Role::mentor, ErrorCode::forbidden},
      {"unknown kind", [](json::object& o) { o["kind"] = "party"; }, Role::coach, ErrorCode::bad_request},
      {"blank title", [](json::object& o) { o["title"] = "  "; }, Role::coach, ErrorCode::bad_request},
      {"end before start", [](json::object& o) { o["end"] = "2027-03-10T13:00:00Z"; }, Role::coach, ErrorCode::bad_request},
      {"longer than 7 days", [](json::object& o) { o["end"] = "2027-03-20T13:00:00Z"; }, Role::coach, ErrorCode::bad_request},
      {"seconds", [](json::object& o) { o["start"] = "2027-03-10T14:00:30Z"; }, Role::coach, ErrorCode::bad_request},
      {"bad zone", [](json::object& o) { o["time_zone"] = "Mars/Olympus"; }, Role::coach, ErrorCode::bad_request},
      {"nowhere", [](json::object& o) { o.erase("place"); }, Role::coach, ErrorCode::bad_request},
      {"http video", [](json::object& o) { o["video_url"] = "http://x.org"; }, Role::coach, ErrorCode::bad_request},
      {"capacity 0", [](json::object& o) { o["capacity"] = 0; }, Role::coach, ErrorCode::bad_request},
      {"capacity too big", [](json::object& o) { o["capacity"] = 5001; }, Role::coach, ErrorCode::bad_request},
      {"bad audience", [](json::object& o) { o["audience"] = "everyone"; }, Role::coach, ErrorCode::bad_request},
      {"invited without names", [](json::object& o) { o["audience"] = "invited"; }, Role::coach, ErrorCode::bad_request},
      {"names with all", [&](json::object& o) { o["candidate_ids"] = json::array{w.cands[0]}; }, Role::coach, ErrorCode::bad_request},
      {"exploration day open to all", [&](json::object& o) { o["kind"] = "exploration_day"; o["employer_ids"] = json::array{w.employers[0]}; },
       Role::coach, ErrorCode::bad_request},
      {"exploration day with two hosts", [&](json::object& o) {
         o["kind"] = "exploration_day"; o["audience"] = "invited"; o["candidate_ids"] = json::array{w.cands[0]};
         o["employer_ids"] = json::array{w.employers[0], w.employers[1]}; }, Role::coach, ErrorCode::bad_request},
      {"speed jobbing without employers", [](json::object& o) { o["kind"] = "speed_jobbing"; }, Role::coach, ErrorCode::bad_request},
      {"slot too short", [&](json::object& o) { o["kind"] = "speed_jobbing"; o["employer_ids"] = json::array{w.employers[0]}; o["slot_minutes"] = 2; },
       Role::coach, ErrorCode::bad_request},
      {"break too long", [&](json::object& o) { o["kind"] = "speed_jobbing"; o["employer_ids"] = json::array{w.employers[0]}; o["break_minutes"] = 30; },
       Role::coach, ErrorCode::bad_request},
      {"an id that is not an employer", [&](json::object& o) { o["employer_ids"] = json::array{w.mentor}; }, Role::coach, ErrorCode::not_found},
      {"an unknown employer", [&](json::object& o) { o["employer_ids"] = json::array{new_id()}; }, Role::coach, ErrorCode::not_found},
      {"another coach's candidate", [&](json::object& o) { o["audience"] = "invited"; o["candidate_ids"] = json::array{cand_of_coach2}; },
       Role::coach, ErrorCode::not_found},
      {"a mentor invited", [&](json::object& o) { o["audience"] = "invited"; o["candidate_ids"] = json::array{w.mentor}; },
       Role::admin, ErrorCode::not_found},
      {"in the past", [](json::object& o) { o["start"] = "2027-02-10T14:00:00Z"; o["end"] = "2027-02-10T16:00:00Z"; },
       Role::coach, ErrorCode::conflict},
  };
  for (const auto& c : cases) {
    auto args = w.conference(new_id());
    c.change(args);
    std::string who = c.role == Role::admin ? w.admin : c.role == Role::coach ? w.coach : w.cands[0];
    auto st = w.run(who, c.role, "activity.create", args);
    EXPECT_EQ(code(st), c.code) << c.what << ": " << (st.ok() ? "applied" : st.error().message);
  }
  std::string id = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(id)));
  EXPECT_EQ(code(w.run(w.coach, Role::coach, "activity.create", w.conference(id))), ErrorCode::conflict) << "id reused";
}

TEST(ActivityCreate, WhoReadsTheActivityAndTheRoster) {
  World w;
  std::string open = new_id(), invited = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.speed(open)));
  auto a = w.audience(ac::activities, open);
  EXPECT_TRUE(World::has(a, w.coach));
  EXPECT_TRUE(World::has(a, role_audience(Role::admin)));
  EXPECT_TRUE(World::has(a, role_audience(Role::candidate)));
  for (const auto& e : w.employers) EXPECT_TRUE(World::has(a, e));
  EXPECT_FALSE(World::has(a, w.coach2)) << "another coach does not see it";
  EXPECT_FALSE(World::has(a, role_audience(Role::coach)));
  auto row = *w.store.get(ac::activities, open);
  EXPECT_EQ(row.at("employer_names").at(w.employers[0]), "Employer 0");

  auto args = w.conference(invited);
  args["audience"] = "invited";
  args["candidate_ids"] = json::array{w.cands[0], w.cands[2]};
  w.ok(w.run(w.coach, Role::coach, "activity.create", args));
  a = w.audience(ac::activities, invited);
  EXPECT_TRUE(World::has(a, w.cands[0]));
  EXPECT_TRUE(World::has(a, w.cands[2]));
  EXPECT_FALSE(World::has(a, w.cands[4]));
  EXPECT_FALSE(World::has(a, role_audience(Role::candidate)));
  auto ra = w.audience(ac::rosters, invited);
  EXPECT_EQ(ra.size(), 2u) << "the roster: organizer and admins only";
  EXPECT_FALSE(w.store.get(ac::activities, invited)->contains("invited")) << "candidates do not learn who else is invited";
}

TEST(ActivityRegister, SeatThenWaitingListEachToldWhy) {
  World w;
  std::string id = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(id, 2)));
  for (int i = 0; i < 5; ++i) w.ok(w.run(w.cands[i], Role::candidate, "activity.register", {{"activity_id", id}}));
  for (int i = 0; i < 5; ++i) {
    auto r = w.reg(id, w.cands[i]);
    EXPECT_EQ(r.at("status"), i < 2 ? "confirmed" : "waitlisted") << i;
    EXPECT_EQ(r.at("reason"), i < 2 ? "seat" : "full");
    EXPECT_EQ(row_int(r, "position"), i < 2 ? 0 : i - 1);
    EXPECT_EQ(row_string(r, "candidate_name"), "Candidate " + std::to_string(i));
    auto aud = w.audience(ac::registrations, row_string(r, "id"));
    EXPECT_TRUE(World::has(aud, w.cands[i]));
    EXPECT_TRUE(World::has(aud, i % 2 == 0 ? w.coach : w.coach2)) << "her coach reads it";
    EXPECT_FALSE(World::has(aud, w.cands[(i + 1) % 5])) << "another candidate does not";
  }
  auto a = *w.store.get(ac::activities, id);
  EXPECT_EQ(row_int(a, "seats_taken"), 2);
  EXPECT_EQ(row_int(a, "waitlist_length"), 3);
  EXPECT_TRUE(World::has(w.audience(ac::activities, id), w.coach2)) << "the coach of a registered candidate reads it";
  // A second tap (or a second device) changes nothing.
  int writes = w.store.writes;
  w.ok(w.run(w.cands[3], Role::candidate, "activity.register", {{"activity_id", id}}));
  EXPECT_EQ(w.store.writes, writes);
  EXPECT_EQ(row_int(w.reg(id, w.cands[3]), "position"), 2);
}

TEST(ActivityRegister, TheLastSeatRacedByTenDevicesGivesOneSeat) {
  // The server applies racing pushes one after another: ten registrations for one seat.
  World w(10);
  std::string id = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(id, 1)));
  // Each device first applies its op offline: every one shows "requested".
  for (const auto& c : w.cands) {
    MemoryRowStore device;
    device.put(ac::activities, id, *w.store.get(ac::activities, id), {});
    MutationContext ctx{Actor{c, Role::candidate}, device, w.now, new_id(), false};
    ASSERT_TRUE(run_mutator(ctx, "activity.register", {{"activity_id", id}}).ok());
    auto mine = device.get(ac::registrations, act::registration_id(id, c));
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->at("status"), "requested");
  }
  for (const auto& c : w.cands) w.ok(w.run(c, Role::candidate, "activity.register", {{"activity_id", id}}));
  int seats = 0;
  std::set<std::int64_t> positions;
  for (const auto& c : w.cands) {
    auto r = w.reg(id, c);
    if (r.at("status") == "confirmed") ++seats;
    else {
      EXPECT_EQ(r.at("status"), "waitlisted");
      positions.insert(row_int(r, "position"));
      EXPECT_NE(act::registration_text(r, protocol::Locale::en).find("was full"), std::string::npos);
    }
  }
  EXPECT_EQ(seats, 1);
  EXPECT_EQ(positions, (std::set<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(ActivityRegister, RefusalsTable) {
  World w;
  std::string open = new_id(), invited = new_id(), speed = new_id(), gone = new_id(), past = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(open)));
  auto inv = w.conference(invited);
  inv["audience"] = "invited";
  inv["candidate_ids"] = json::array{w.cands[0]};
  w.ok(w.run(w.coach, Role::coach, "activity.create", inv));
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.speed(speed)));
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(gone)));
  w.ok(w.run(w.coach, Role::coach, "activity.cancel", {{"id", gone}}));
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(past)));
  struct Case {
    const char* what;
    std::string who;
    Role role;
    json::object args;
    ErrorCode code;
    Timestamp now;
  };
  Timestamp later = at("2027-03-10T14:30:00Z");
  std::vector<Case> cases = {
      {"no activity_id", w.cands[0], Role::candidate, {}, ErrorCode::bad_request, w.now},
      {"unknown activity", w.cands[0], Role::candidate, {{"activity_id", new_id()}}, ErrorCode::not_found, w.now},
      {"not invited (hidden)", w.cands[2], Role::candidate, {{"activity_id", invited}}, ErrorCode::not_found, w.now},
      {"staff names someone not invited", w.coach, Role::coach, {{"activity_id", invited}, {"candidate_id", w.cands[2]}},
       ErrorCode::conflict, w.now},
      {"for another candidate", w.cands[0], Role::candidate, {{"activity_id", open}, {"candidate_id", w.cands[2]}},
       ErrorCode::forbidden, w.now},
      {"staff without candidate_id", w.coach, Role::coach, {{"activity_id", open}}, ErrorCode::bad_request, w.now},
      {"a coach who is not the organizer", w.coach2, Role::coach, {{"activity_id", open}, {"candidate_id", w.cands[1]}},
       ErrorCode::not_found, w.now},
      {"a mentor", w.mentor, Role::mentor, {{"activity_id", open}, {"candidate_id", w.cands[1]}}, ErrorCode::not_found, w.now},
      {"cancelled activity", w.cands[0], Role::candidate, {{"activity_id", gone}}, ErrorCode::conflict, w.now},
      {"after the start", w.cands[0], Role::candidate, {{"activity_id", past}}, ErrorCode::conflict, later},
      {"an employer not at the session", w.cands[0], Role::candidate, {{"activity_id", speed}, {"employer_ids", json::array{new_id()}}},
       ErrorCode::conflict, w.now},
      {"an empty selection", w.cands[0], Role::candidate, {{"activity_id", speed}, {"employer_ids", json::array{}}},
       ErrorCode::bad_request, w.now},
      {"a selection at a conference", w.cands[0], Role::candidate, {{"activity_id", open}, {"employer_ids", json::array{w.employers[0]}}},
       ErrorCode::bad_request, w.now},
      {"staff names a mentor", w.coach, Role::coach, {{"activity_id", open}, {"candidate_id", w.mentor}}, ErrorCode::not_found, w.now},
  };
  for (const auto& c : cases) {
    MutationContext ctx{Actor{c.who, c.role}, w.store, c.now, new_id(), true};
    auto st = run_mutator(ctx, "activity.register", c.args);
    EXPECT_EQ(code(st), c.code) << c.what << ": " << (st.ok() ? "applied" : st.error().message);
  }
  // Staff register an invited candidate for her; the organizer is allowed.
  w.ok(w.run(w.coach, Role::coach, "activity.register", {{"activity_id", invited}, {"candidate_id", w.cands[0]}}));
  EXPECT_EQ(row_string(w.reg(invited, w.cands[0]), "registered_by"), w.coach);
}

TEST(ActivityUnregister, AFreedSeatGoesToTheFirstWhoWaits) {
  World w;
  std::string id = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(id, 2)));
  for (int i = 0; i < 5; ++i) w.ok(w.run(w.cands[i], Role::candidate, "activity.register", {{"activity_id", id}}));
  // Someone waiting leaves: those behind move up one place.
  w.ok(w.run(w.cands[3], Role::candidate, "activity.unregister", {{"activity_id", id}}));
  EXPECT_EQ(w.reg(id, w.cands[3]).at("status"), "cancelled");
  EXPECT_EQ(row_int(w.reg(id, w.cands[4]), "position"), 2);
  // A seat holder leaves: the first who waits gets the seat and is told why.
  w.ok(w.run(w.cands[0], Role::candidate, "activity.unregister", {{"activity_id", id}}));
  auto promoted = w.reg(id, w.cands[2]);
  EXPECT_EQ(promoted.at("status"), "confirmed");
  EXPECT_EQ(promoted.at("reason"), "promoted");
  EXPECT_NE(act::registration_text(promoted, protocol::Locale::fr).find("place s'est libérée"), std::string::npos);
  EXPECT_EQ(row_int(w.reg(id, w.cands[4]), "position"), 1);
  auto a = *w.store.get(ac::activities, id);
  EXPECT_EQ(row_int(a, "seats_taken"), 2);
  EXPECT_EQ(row_int(a, "waitlist_length"), 1);
  // Cancelling twice changes nothing; registering again goes to the end of the line.
  int writes = w.store.writes;
  w.ok(w.run(w.cands[0], Role::candidate, "activity.unregister", {{"activity_id", id}}));
  EXPECT_EQ(w.store.writes, writes);
  w.ok(w.run(w.cands[0], Role::candidate, "activity.register", {{"activity_id", id}}));
  EXPECT_EQ(w.reg(id, w.cands[0]).at("status"), "waitlisted");
  EXPECT_EQ(row_int(w.reg(id, w.cands[0]), "position"), 2);
  // Refusals: not registered, after the start, someone else's registration.
  EXPECT_EQ(code(w.run(w.cands[5], Role::candidate, "activity.unregister", {{"activity_id", id}})), ErrorCode::not_found);
  EXPECT_EQ(code(w.run(w.cands[1], Role::candidate, "activity.unregister", {{"activity_id", id}, {"candidate_id", w.cands[2]}})),
            ErrorCode::forbidden);
  MutationContext late{Actor{w.cands[1], Role::candidate}, w.store, at("2027-03-10T14:01:00Z"), new_id(), true};
  EXPECT_EQ(code(run_mutator(late, "activity.unregister", {{"activity_id", id}})), ErrorCode::conflict);
  // The organizer withdraws someone: promotion again.
  w.ok(w.run(w.coach, Role::coach, "activity.unregister", {{"activity_id", id}, {"candidate_id", w.cands[1]}}));
  EXPECT_EQ(w.reg(id, w.cands[4]).at("status"), "confirmed");
}

TEST(ActivityCancel, EveryRegistrationSaysTheActivityWasCancelled) {
  World w;
  std::string id = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(id, 1)));
  // Claire's candidates (even ones): Karim never gains sight of the activity.
  for (int i = 0; i < 3; ++i) w.ok(w.run(w.cands[2 * i], Role::candidate, "activity.register", {{"activity_id", id}}));
  EXPECT_EQ(code(w.run(w.coach2, Role::coach, "activity.cancel", {{"id", id}})), ErrorCode::not_found) << "hidden from other coaches";
  EXPECT_EQ(code(w.run(w.cands[0], Role::candidate, "activity.cancel", {{"id", id}})), ErrorCode::forbidden);
  w.ok(w.run(w.admin, Role::admin, "activity.cancel", {{"id", id}, {"reason", "Salle indisponible"}}));
  auto a = *w.store.get(ac::activities, id);
  EXPECT_EQ(a.at("status"), "cancelled");
  EXPECT_EQ(row_int(a, "sequence"), 1);
  EXPECT_EQ(row_int(a, "seats_taken"), 0) << "no seat is held at a cancelled activity";
  EXPECT_EQ(row_int(a, "waitlist_length"), 0);
  auto roster = *w.store.get(ac::rosters, id);
  EXPECT_TRUE(row_strings(roster, "confirmed").empty());
  EXPECT_TRUE(row_strings(roster, "waitlist").empty());
  for (int i = 0; i < 3; ++i) {
    auto r = w.reg(id, w.cands[2 * i]);
    EXPECT_EQ(r.at("status"), "cancelled");
    EXPECT_EQ(r.at("reason"), "activity_cancelled");
  }
  w.ok(w.run(w.coach, Role::coach, "activity.cancel", {{"id", id}}));  // again: nothing changes
  EXPECT_EQ(row_int(*w.store.get(ac::activities, id), "sequence"), 1);
  MutationContext after{Actor{w.coach, Role::coach}, w.store, at("2027-03-11T00:00:00Z"), new_id(), true};
  std::string other = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(other)));
  EXPECT_EQ(code(run_mutator(after, "activity.cancel", {{"id", other}})), ErrorCode::conflict) << "over";
}

// activity.attendance (docs/activities.md): the organizer or an admin records who came.
TEST(ActivityAttendance, RefusalsTable) {
  World w;
  std::string id = new_id(), gone = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(id, 1)));
  w.ok(w.run(w.cands[0], Role::candidate, "activity.register", {{"activity_id", id}}));
  w.ok(w.run(w.cands[2], Role::candidate, "activity.register", {{"activity_id", id}}));  // waitlisted
  w.ok(w.run(w.cands[3], Role::candidate, "activity.register", {{"activity_id", id}}));  // Karim's: he reads it
  w.ok(w.run(w.cands[4], Role::candidate, "activity.register", {{"activity_id", id}}));
  w.ok(w.run(w.cands[4], Role::candidate, "activity.unregister", {{"activity_id", id}}));
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(gone)));
  w.ok(w.run(w.cands[0], Role::candidate, "activity.register", {{"activity_id", gone}}));
  w.ok(w.run(w.coach, Role::coach, "activity.cancel", {{"id", gone}}));
  Timestamp during = at("2027-03-10T14:30:00Z");
  Timestamp door = at("2027-03-10T13:00:00Z");  // one hour before the start
  Timestamp early = at("2027-03-10T12:59:00Z");
  auto args = [&](const std::string& activity, const std::string& cand, bool attended = true) {
    return json::object{{"activity_id", activity}, {"candidate_id", cand}, {"attended", attended}};
  };
  struct Case {
    const char* what;
    std::string who;
    Role role;
    json::object args;
    ErrorCode code;
    Timestamp now;
  };
  std::vector<Case> cases = {
      {"no activity_id", w.coach, Role::coach, {{"candidate_id", w.cands[0]}, {"attended", true}}, ErrorCode::bad_request, during},
      {"no candidate_id", w.coach, Role::coach, {{"activity_id", id}, {"attended", true}}, ErrorCode::bad_request, during},
      {"no attended", w.coach, Role::coach, {{"activity_id", id}, {"candidate_id", w.cands[0]}}, ErrorCode::bad_request, during},
      {"attended not a boolean", w.coach, Role::coach, {{"activity_id", id}, {"candidate_id", w.cands[0]}, {"attended", "yes"}},
       ErrorCode::bad_request, during},
      {"unknown activity", w.coach, Role::coach, args(new_id(), w.cands[0]), ErrorCode::not_found, during},
      {"the candidate herself (non-staff)", w.cands[0], Role::candidate, args(id, w.cands[0]), ErrorCode::forbidden, during},
      {"a mentor", w.mentor, Role::mentor, args(id, w.cands[0]), ErrorCode::not_found, during},
      {"an employer", w.employers[0], Role::employer, args(id, w.cands[0]), ErrorCode::not_found, during},
      {"a coach who cannot read the activity", w.coach2, Role::coach, args(gone, w.cands[0]), ErrorCode::not_found, during},
      {"the coach of a registered candidate, not the organizer", w.coach2, Role::coach, args(id, w.cands[3]),
       ErrorCode::forbidden, during},
      {"unknown registration (made-up candidate)", w.coach, Role::coach, args(id, new_id()), ErrorCode::not_found, during},
      {"not registered", w.coach, Role::coach, args(id, w.cands[1]), ErrorCode::not_found, during},
      {"registration withdrawn", w.coach, Role::coach, args(id, w.cands[4]), ErrorCode::conflict, during},
      {"activity cancelled", w.coach, Role::coach, args(gone, w.cands[0]), ErrorCode::conflict, during},
      {"more than an hour before the start", w.coach, Role::coach, args(id, w.cands[0]), ErrorCode::conflict, early},
  };
  for (const auto& c : cases) {
    int writes = w.store.writes;
    MutationContext ctx{Actor{c.who, c.role}, w.store, c.now, new_id(), true};
    auto st = run_mutator(ctx, "activity.attendance", c.args);
    EXPECT_EQ(code(st), c.code) << c.what << ": " << (st.ok() ? "applied" : st.error().message);
    EXPECT_EQ(w.store.writes, writes) << c.what << " wrote";
  }
  EXPECT_FALSE(w.reg(id, w.cands[0]).contains("attended"));
  // At the door (an hour before), the organizer checks her in; an admin marks the one who waited
  // as a no-show; again changes nothing; a correction is recorded in the history.
  MutationContext at_door{Actor{w.coach, Role::coach}, w.store, door, new_id(), true};
  ASSERT_TRUE(run_mutator(at_door, "activity.attendance", args(id, w.cands[0])).ok());
  MutationContext admin{Actor{w.admin, Role::admin}, w.store, during, new_id(), true};
  ASSERT_TRUE(run_mutator(admin, "activity.attendance", args(id, w.cands[2], false)).ok());
  auto r = w.reg(id, w.cands[0]);
  EXPECT_EQ(r.at("attended"), true);
  EXPECT_EQ(row_string(r, "attendance_by"), w.coach);
  EXPECT_EQ(r.at("history").as_array().back().at("action"), "attended");
  EXPECT_EQ(w.reg(id, w.cands[2]).at("attended"), false);
  int writes = w.store.writes;
  ASSERT_TRUE(run_mutator(admin, "activity.attendance", args(id, w.cands[0])).ok());
  EXPECT_EQ(w.store.writes, writes) << "the same answer again writes nothing";
  ASSERT_TRUE(run_mutator(admin, "activity.attendance", args(id, w.cands[0], false)).ok());
  EXPECT_EQ(w.reg(id, w.cands[0]).at("attended"), false);
  EXPECT_EQ(w.reg(id, w.cands[0]).at("history").as_array().back().at("action"), "absent");
  // Who reads it is unchanged: the registration's readers (her, her coach, the organizer, admins).
  EXPECT_TRUE(World::has(w.audience(ac::registrations, act::registration_id(id, w.cands[0])), w.cands[0]));
  EXPECT_FALSE(World::has(w.audience(ac::registrations, act::registration_id(id, w.cands[0])), w.cands[2]));
  // A staff device applies it to its own copy at once.
  MemoryRowStore copy = w.store;
  MutationContext device{Actor{w.coach, Role::coach}, copy, during, new_id(), false};
  ASSERT_TRUE(run_mutator(device, "activity.attendance", args(id, w.cands[2], true)).ok());
  EXPECT_EQ(copy.get(ac::registrations, act::registration_id(id, w.cands[2]))->at("attended"), true);
}

TEST(ActivitySchedule, TwelveEmployersFortyCandidatesThroughTheMutators) {
  World w(40, 12);
  std::string id = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.speed(id, 40)));
  std::mt19937 rng(7);
  std::map<std::string, std::set<std::string>> chosen;
  for (const auto& c : w.cands) {
    auto pick = w.employers;
    std::shuffle(pick.begin(), pick.end(), rng);
    pick.resize(1 + rng() % 6);
    chosen[c] = {pick.begin(), pick.end()};
    w.ok(w.run(c, Role::candidate, "activity.register", {{"activity_id", id}, {"employer_ids", World::to_array(pick)}}));
  }
  EXPECT_EQ(code(w.run(w.cands[0], Role::candidate, "activity.schedule", {{"id", id}})), ErrorCode::forbidden);
  w.ok(w.run(w.coach, Role::coach, "activity.schedule", {{"id", id}}));
  auto schedule = *w.store.get(ac::schedules, id);
  std::set<std::pair<std::string, std::string>> busy;  // (start, person)
  std::map<std::string, std::set<std::string>> met;
  for (const auto& v : schedule.at("meetings").as_array()) {
    const auto& m = v.as_object();
    std::string start = row_string(m, "start"), c = row_string(m, "candidate_id"), e = row_string(m, "employer_id");
    EXPECT_TRUE(busy.insert({start, c}).second) << "a candidate in two places at " << start;
    EXPECT_TRUE(busy.insert({start, e}).second) << "an employer at two tables at " << start;
    EXPECT_TRUE(met[c].insert(e).second) << c << " meets " << e << " twice";
  }
  EXPECT_EQ(met, chosen) << "each candidate meets each of her selected employers exactly once";
  // Each person's agenda: her own meetings, read by her (and staff), nobody else.
  for (const auto& c : w.cands) {
    auto agenda = w.store.get(ac::agendas, act::agenda_id(id, c));
    ASSERT_TRUE(agenda);
    EXPECT_EQ(agenda->at("items").as_array().size(), chosen[c].size());
    auto aud = w.audience(ac::agendas, act::agenda_id(id, c));
    EXPECT_TRUE(World::has(aud, c));
    EXPECT_FALSE(World::has(aud, w.employers[0]));
  }
  auto ea = w.store.get(ac::agendas, act::agenda_id(id, w.employers[0]));
  ASSERT_TRUE(ea);
  EXPECT_EQ(ea->at("side"), "employer");
  // Employers read the registrations of candidates who selected them, no other.
  for (const auto& c : w.cands)
    EXPECT_EQ(World::has(w.audience(ac::registrations, act::registration_id(id, c)), w.employers[0]),
              chosen[c].count(w.employers[0]) == 1);
  // A later registration marks the schedule stale; a rebuild clears it and raises the sequence.
  w.ok(w.run(w.cands[0], Role::candidate, "activity.register", {{"activity_id", id}, {"employer_ids", World::to_array(w.employers)}}));
  EXPECT_EQ(w.store.get(ac::activities, id)->at("schedule_stale"), true);
  w.ok(w.run(w.coach, Role::coach, "activity.schedule", {{"id", id}}));
  EXPECT_EQ(w.store.get(ac::activities, id)->at("schedule_stale"), false);
  EXPECT_EQ(row_int(*w.store.get(ac::agendas, act::agenda_id(id, w.cands[0])), "sequence"), 1);
  auto text = act::schedule_text(*w.store.get(ac::activities, id), *w.store.get(ac::schedules, id), protocol::Locale::fr);
  EXPECT_NE(text.find("Table 12 : Employer 11"), std::string::npos) << text;
}

TEST(ActivitySchedule, RefusedWhenTheRotationDoesNotFitOrTheKindHasNone) {
  World w(10, 2);
  std::string id = new_id(), conf = new_id();
  auto args = w.speed(id, 10);
  args["end"] = "2027-03-10T14:00:00Z";  // one hour: 6 slots of 8+2 minutes
  w.ok(w.run(w.coach, Role::coach, "activity.create", args));
  for (const auto& c : w.cands) w.ok(w.run(c, Role::candidate, "activity.register", {{"activity_id", id}}));
  auto st = w.run(w.coach, Role::coach, "activity.schedule", {{"id", id}});
  EXPECT_EQ(code(st), ErrorCode::conflict);
  EXPECT_NE(st.error().message.find("10 slots"), std::string::npos) << st.error().message;
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.conference(conf)));
  EXPECT_EQ(code(w.run(w.coach, Role::coach, "activity.schedule", {{"id", conf}})), ErrorCode::conflict);
}

TEST(ActivityExplorationDay, TheHostReadsConfirmedRegistrationsOnly) {
  World w;
  std::string id = new_id();
  auto args = w.conference(id, 1);
  args["kind"] = "exploration_day";
  args["audience"] = "invited";
  args["candidate_ids"] = json::array{w.cands[0], w.cands[2]};
  args["employer_ids"] = json::array{w.employers[0]};
  w.ok(w.run(w.coach, Role::coach, "activity.create", args));
  w.ok(w.run(w.cands[0], Role::candidate, "activity.register", {{"activity_id", id}}));
  w.ok(w.run(w.cands[2], Role::candidate, "activity.register", {{"activity_id", id}}));
  EXPECT_TRUE(World::has(w.audience(ac::registrations, act::registration_id(id, w.cands[0])), w.employers[0]));
  EXPECT_FALSE(World::has(w.audience(ac::registrations, act::registration_id(id, w.cands[2])), w.employers[0]))
      << "the host does not see who waits";
  w.ok(w.run(w.cands[0], Role::candidate, "activity.unregister", {{"activity_id", id}}));
  EXPECT_FALSE(World::has(w.audience(ac::registrations, act::registration_id(id, w.cands[0])), w.employers[0]));
  EXPECT_TRUE(World::has(w.audience(ac::registrations, act::registration_id(id, w.cands[2])), w.employers[0]));
}

// ---------------------------------------------------------------- .ics and printable sheets

int libical_events(const std::string& text) {
  icalcomponent* cal = icalparser_parse_string(text.c_str());
  if (!cal) return -1;
  int n = 0;
  for (icalcomponent* e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e;
       e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
    ++n;
  icalcomponent_free(cal);
  return n;
}

// Python's icalendar (a second, independent reader): the events' UIDs, starts and summaries.
std::string python_read(const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("passerelle-ics-" + new_id());
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "a.ics", std::ios::binary) << text; }
  // Debian's python3 (python3-icalendar), not one a version manager puts first on PATH.
  std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::string cmd = python + " -c \"import icalendar,sys; c=icalendar.Calendar.from_ical(open(sys.argv[1],'rb').read()); "
                    "[print(e['UID'], e.decoded('DTSTART').isoformat(), e['STATUS'], e['SUMMARY']) for e in c.walk('VEVENT')]\" " +
                    (dir / "a.ics").string() + " 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    if (pclose(p) != 0) out = "FAILED: " + out;
  }
  std::filesystem::remove_all(dir);
  return out;
}

TEST(ActivityIcs, AgendaAndActivityCalendarsParse) {
  World w(3, 2);
  std::string id = new_id();
  w.ok(w.run(w.coach, Role::coach, "activity.create", w.speed(id, 3)));
  for (const auto& c : w.cands) w.ok(w.run(c, Role::candidate, "activity.register", {{"activity_id", id}}));
  w.ok(w.run(w.coach, Role::coach, "activity.schedule", {{"id", id}}));
  auto activity = *w.store.get(ac::activities, id);
  auto agenda = *w.store.get(ac::agendas, act::agenda_id(id, w.cands[0]));
  for (auto locale : {protocol::Locale::fr, protocol::Locale::en}) {
    std::string ics = act::agenda_ics(activity, agenda, locale);
    EXPECT_EQ(libical_events(ics), 2);
    std::string py = python_read(ics);
    EXPECT_EQ(py.find("FAILED"), std::string::npos) << py;
    EXPECT_EQ(std::count(py.begin(), py.end(), '\n'), 2) << py;
    EXPECT_NE(py.find(id + "-" + w.employers[0] + "-" + w.cands[0] + "@passerelle 2027-03-10T13:"), std::string::npos) << py;
    EXPECT_NE(py.find("CONFIRMED Speed jobbing"), std::string::npos) << py;
    std::string one = act::activity_ics(activity, locale);
    EXPECT_EQ(libical_events(one), 1);
    EXPECT_NE(python_read(one).find(id + "@passerelle 2027-03-10T13:00:00+00:00 CONFIRMED"), std::string::npos);
  }
  auto sheet = act::agenda_text(activity, agenda, protocol::Locale::en);
  // Toronto time (EST until 14 March 2027), one line per slot, table and employer.
  // Her two meetings fall in two of the three slots (08:00, 08:10, 08:20), each at its table.
  EXPECT_NE(sheet.find("\n08:00-08:08  "), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("  1      Employer 0\n"), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("  2      Employer 1\n"), std::string::npos) << sheet;
  w.ok(w.run(w.coach, Role::coach, "activity.cancel", {{"id", id}}));
  activity = *w.store.get(ac::activities, id);
  agenda = *w.store.get(ac::agendas, act::agenda_id(id, w.cands[0]));
  std::string py = python_read(act::agenda_ics(activity, agenda, protocol::Locale::en));
  EXPECT_NE(py.find("CANCELLED CANCELLED: Speed jobbing"), std::string::npos) << py;
  EXPECT_NE(act::agenda_text(activity, agenda, protocol::Locale::fr).find("ACTIVITÉ ANNULÉE"), std::string::npos);
}

}  // namespace
