// Mentoring mutators: profiles, proposal/acceptance with the mentorship thread, booking rules
// re-checked by the server's run, the two-meeting quota, referrals and the completion rule,
// calendar feed tokens, and who reads what (docs/mentoring.md).
#include <gtest/gtest.h>

#include <algorithm>

#include "memory_row_store.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/mutator.h"

using namespace passerelle;
using namespace passerelle::sync;
using passerelle::protocol::Role;
using passerelle::testing::MemoryRowStore;
namespace json = boost::json;
namespace mc = passerelle::mentors::collection;

namespace {

Timestamp at(const char* t) { return *parse_rfc3339(t); }

struct MentorWorld {
  MemoryRowStore store;
  std::string admin = new_id(), coach = new_id(), coach2 = new_id(), cand = new_id(), cand2 = new_id(),
              mentor = new_id(), mentor2 = new_id();
  std::string ms = new_id();
  Timestamp now = at("2027-03-01T12:00:00Z");
  MutationSettings settings;

  MentorWorld() {
    store.add_person(admin, Role::admin, "Ada");
    store.add_person(coach, Role::coach, "Claire");
    store.add_person(coach2, Role::coach, "Karim");
    store.add_person(cand, Role::candidate, "Amina");
    store.add_person(cand2, Role::candidate, "Diego");
    store.add_person(mentor, Role::mentor, "Isabelle");
    store.add_person(mentor2, Role::mentor, "Marc");
    ok(run(admin, Role::admin, "caseload.assign", {{"candidate_id", cand}, {"coach_id", coach}, {"thread_id", new_id()}}));
    ok(run(admin, Role::admin, "caseload.assign", {{"candidate_id", cand2}, {"coach_id", coach}, {"thread_id", new_id()}}));
    json::array langs{json::object{{"code", "fr"}, {"level", "C1"}}, json::object{{"code", "ar"}, {"level", "native"}}};
    ok(run(cand, Role::candidate, "career.update",
           {{"occupation_code", "21231"}, {"profession", "Software engineer"}, {"languages", langs},
            {"time_zone", "Africa/Casablanca"}, {"country", "MA"}, {"immigration_stage", "csq_received"},
            {"years_experience", 6}}));
    ok(run(cand2, Role::candidate, "career.update",
           {{"occupation_code", "21232"}, {"languages", json::array{json::object{{"code", "fr"}, {"level", "B2"}}}},
            {"time_zone", "America/Bogota"}}));
    for (const auto& m : {mentor, mentor2})
      ok(run(m, m == mentor ? Role::mentor : Role::mentor, "mentor.update",
             {{"occupation_code", "21231"}, {"profession", "Software developer"}, {"employer", "Desjardins"},
              {"languages", json::array{json::object{{"code", "fr"}, {"level", "native"}}}},
              {"time_zone", "America/Toronto"}, {"capacity", 2}}));
    ok(run(mentor, Role::mentor, "availability.set",
           {{"availability", json::object{{"time_zone", "America/Toronto"},
                                          {"weekly", json::array{json::object{{"weekday", 2}, {"start", "18:00"}, {"end", "21:00"}}}}}}}));
  }

  Status run(const std::string& who, Role role, std::string_view name, const json::object& args, bool authoritative = true) {
    MutationContext ctx{Actor{who, role}, store, now, new_id(), authoritative};
    ctx.settings = settings;
    return run_mutator(ctx, name, args);
  }
  void ok(const Status& s) { ASSERT_TRUE(s.ok()) << s.error().message; }
  std::string message(const Status& s) { return s.ok() ? std::string("ok") : s.error().message; }
  ErrorCode code(const Status& s) { return s.ok() ? ErrorCode::internal : s.error().code; }

  Status propose(const std::string& id, const std::string& c, const std::string& m) {
    return run(coach, Role::coach, "mentorship.propose", {{"id", id}, {"candidate_id", c}, {"mentor_id", m}});
  }
  std::string thread = new_id();
  void activate() {
    ok(propose(ms, cand, mentor));
    ok(run(mentor, Role::mentor, "mentorship.respond", {{"id", ms}, {"accept", true}, {"thread_id", thread}}));
  }
  Status book(const std::string& meeting, const char* start, const std::string& who = {}, bool authoritative = true) {
    return run(who.empty() ? cand : who, who == mentor ? Role::mentor : Role::candidate, "meeting.request",
               {{"id", meeting}, {"mentorship_id", ms}, {"start", start}}, authoritative);
  }
  json::object row(std::string_view c, const std::string& id) { return *store.get(c, id); }
  bool sees(const std::string& user, std::string_view c, const std::string& id) {
    auto a = store.audience(c, id);
    return std::find(a.begin(), a.end(), user) != a.end();
  }
};

}  // namespace

TEST(MentorProfiles, ValidateFieldsAndKeepImmigrationDetailsFromMentors) {
  MentorWorld w;
  EXPECT_NE(w.message(w.run(w.cand, Role::candidate, "career.update", {{"occupation_code", "2123"}})).find("occupation_code"),
            std::string::npos);
  EXPECT_NE(w.message(w.run(w.cand, Role::candidate, "career.update",
                            {{"languages", json::array{json::object{{"code", "fr"}, {"level", "fluent"}}}}}))
                .find("languages[0].level"),
            std::string::npos);
  EXPECT_NE(w.message(w.run(w.cand, Role::candidate, "career.update", {{"immigration_stage", "dreaming"}})).find("immigration_stage"),
            std::string::npos);
  EXPECT_EQ(w.code(w.run(w.mentor, Role::mentor, "career.update", {{"profession", "x"}})), ErrorCode::forbidden);
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "mentor.update", {{"profession", "x"}})), ErrorCode::forbidden);
  EXPECT_NE(w.message(w.run(w.mentor, Role::mentor, "mentor.update", {{"video_url", "http://x"}})).find("video_url"),
            std::string::npos);
  // Career profiles: the candidate, their own coach, admins; never a mentor or another coach.
  EXPECT_TRUE(w.sees(w.cand, mc::career_profiles, w.cand));
  EXPECT_TRUE(w.sees(w.coach, mc::career_profiles, w.cand));
  EXPECT_TRUE(w.sees("role:admin", mc::career_profiles, w.cand));
  EXPECT_FALSE(w.sees("role:coach", mc::career_profiles, w.cand));
  EXPECT_FALSE(w.sees(w.coach2, mc::career_profiles, w.cand));
  EXPECT_FALSE(w.sees(w.mentor, mc::career_profiles, w.cand));
  // A new coach takes the career profile over; the former one no longer reads it.
  w.ok(w.run(w.admin, Role::admin, "caseload.assign", {{"candidate_id", w.cand}, {"coach_id", w.coach2}, {"thread_id", new_id()}}));
  EXPECT_TRUE(w.sees(w.coach2, mc::career_profiles, w.cand));
  EXPECT_FALSE(w.sees(w.coach, mc::career_profiles, w.cand));
  // Mentor profiles and availability: coaches match on them.
  EXPECT_TRUE(w.sees("role:coach", mc::mentor_profiles, w.mentor));
  EXPECT_TRUE(w.sees("role:coach", mc::availability, w.mentor));
  EXPECT_FALSE(w.sees(w.cand, mc::availability, w.mentor));
}

TEST(Mentorship, ProposeAcceptOpensTheMentorshipThreadAndShowsTheMentorOnlyTheMeetingCard) {
  MentorWorld w;
  w.activate();
  auto ms = w.row(mc::mentorships, w.ms);
  EXPECT_EQ(ms.at("status").as_string(), "active");
  EXPECT_EQ(ms.at("thread_id").as_string(), w.thread);
  // The card the mentor reads: name, occupation, languages, zone; no immigration stage, no country.
  auto card = ms.at("candidate").as_object();
  EXPECT_EQ(card.at("name").as_string(), "Amina");
  EXPECT_EQ(card.at("time_zone").as_string(), "Africa/Casablanca");
  EXPECT_FALSE(card.contains("immigration_stage"));
  EXPECT_FALSE(card.contains("country"));
  EXPECT_TRUE(w.sees(w.mentor, mc::mentorships, w.ms));
  EXPECT_TRUE(w.sees(w.cand, mc::mentorships, w.ms));
  EXPECT_TRUE(w.sees(w.coach, mc::mentorships, w.ms));
  EXPECT_FALSE(w.sees(w.mentor, collection::profiles, w.cand));  // the full profile stays hidden

  auto thread = w.row(collection::threads, w.thread);
  EXPECT_EQ(thread.at("kind").as_string(), "mentorship");
  EXPECT_EQ(thread.at("mentorship_id").as_string(), w.ms);
  EXPECT_EQ(thread.at("members").as_array().size(), 2u);
  EXPECT_TRUE(w.sees(w.coach, collection::threads, w.thread));
  EXPECT_TRUE(w.sees(w.mentor, collection::threads, w.thread));
  // Now the candidate reads the mentor's profile and availability (to book).
  EXPECT_TRUE(w.sees(w.cand, mc::availability, w.mentor));
  EXPECT_TRUE(w.sees(w.cand, mc::mentor_profiles, w.mentor));
  EXPECT_FALSE(w.sees(w.cand2, mc::availability, w.mentor));
}

TEST(Mentorship, HardFiltersAreRecheckedByTheServer) {
  MentorWorld w;
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "mentorship.propose",
                         {{"id", new_id()}, {"candidate_id", w.cand}, {"mentor_id", w.mentor}})),
            ErrorCode::forbidden);
  EXPECT_EQ(w.code(w.run(w.coach2, Role::coach, "mentorship.propose",
                         {{"id", new_id()}, {"candidate_id", w.cand}, {"mentor_id", w.mentor}})),
            ErrorCode::not_found);  // not their caseload: answered like an unknown id
  w.ok(w.propose(w.ms, w.cand, w.mentor));
  EXPECT_NE(w.message(w.propose(new_id(), w.cand, w.mentor2)).find("already has a mentorship"), std::string::npos);
  // Declined: the candidate is told the reason, and the same mentor is not proposed again.
  EXPECT_NE(w.message(w.run(w.mentor, Role::mentor, "mentorship.respond", {{"id", w.ms}, {"accept", false}})).find("reason"),
            std::string::npos);
  EXPECT_EQ(w.code(w.run(w.mentor2, Role::mentor, "mentorship.respond", {{"id", w.ms}, {"accept", false}, {"reason", "x"}})),
            ErrorCode::not_found);  // not theirs: answered like an unknown id
  w.ok(w.run(w.mentor, Role::mentor, "mentorship.respond", {{"id", w.ms}, {"accept", false}, {"reason", "Trop de travail ce mois-ci"}}));
  EXPECT_EQ(w.row(mc::mentorships, w.ms).at("decline_reason").as_string(), "Trop de travail ce mois-ci");
  EXPECT_TRUE(w.sees(w.cand, mc::mentorships, w.ms));
  EXPECT_NE(w.message(w.propose(new_id(), w.cand, w.mentor)).find("already proposed"), std::string::npos);
  // Capacity: mentor2 takes two at once.
  w.ok(w.propose(new_id(), w.cand, w.mentor2));
  w.ok(w.propose(new_id(), w.cand2, w.mentor2));
  std::string cand3 = new_id();
  w.store.add_person(cand3, Role::candidate, "Lea");
  w.ok(w.run(w.admin, Role::admin, "caseload.assign", {{"candidate_id", cand3}, {"coach_id", w.coach}, {"thread_id", new_id()}}));
  w.ok(w.run(cand3, Role::candidate, "career.update", {{"languages", json::array{json::object{{"code", "fr"}, {"level", "C2"}}}}}));
  EXPECT_NE(w.message(w.propose(new_id(), cand3, w.mentor2)).find("no capacity"), std::string::npos);
  // A shared working language (B2 or above) is required.
  std::string cand4 = new_id();
  w.store.add_person(cand4, Role::candidate, "Bo");
  w.ok(w.run(w.admin, Role::admin, "caseload.assign", {{"candidate_id", cand4}, {"coach_id", w.coach}, {"thread_id", new_id()}}));
  w.ok(w.run(cand4, Role::candidate, "career.update", {{"languages", json::array{json::object{{"code", "fr"}, {"level", "B1"}}}}}));
  std::string mentor3 = new_id();
  w.store.add_person(mentor3, Role::mentor, "Zoe");
  w.ok(w.run(mentor3, Role::mentor, "mentor.update", {{"languages", json::array{json::object{{"code", "fr"}, {"level", "native"}}}}}));
  EXPECT_NE(w.message(w.propose(new_id(), cand4, mentor3)).find("working language"), std::string::npos);
}

TEST(MeetingBooking, BooksAnOfferedSlotWithVideoLinkAndBothZones) {
  MentorWorld w;
  w.activate();
  std::string m1 = new_id();
  w.ok(w.book(m1, "2027-03-09T23:00:00Z"));
  auto mt = w.row(mc::meetings, m1);
  EXPECT_EQ(mt.at("end").as_string(), "2027-03-10T00:00:00.000Z");
  EXPECT_EQ(mt.at("sequence").as_int64(), 0);
  EXPECT_EQ(mt.at("video_url").as_string(), "https://meet.jit.si/passerelle-" + m1);
  EXPECT_EQ(mt.at("candidate_time_zone").as_string(), "Africa/Casablanca");
  EXPECT_EQ(mt.at("mentor_time_zone").as_string(), "America/Toronto");
  EXPECT_TRUE(w.sees(w.coach, mc::meetings, m1));
  // The mentor's own link wins over the program's.
  w.ok(w.run(w.mentor, Role::mentor, "mentor.update", {{"video_url", "https://zoom.example/j/42"}}));
  std::string m2 = new_id();
  w.ok(w.book(m2, "2027-03-16T22:00:00Z", w.mentor));
  EXPECT_EQ(w.row(mc::meetings, m2).at("video_url").as_string(), "https://zoom.example/j/42");
}

TEST(MeetingBooking, RefusesOutsideAvailabilityTooSoonTakenOrOverlappingWithTheNextFreeSlots) {
  MentorWorld w;
  w.activate();
  auto not_slot = w.book(new_id(), "2027-03-09T23:30:00Z");
  EXPECT_EQ(w.code(not_slot), ErrorCode::conflict);
  EXPECT_NE(w.message(not_slot).find("not one of the mentor's slots"), std::string::npos);
  EXPECT_NE(w.message(not_slot).find("next free slots: 2027-03-02T23:00:00.000Z (2027-03-02 23:00 Africa/Casablanca, 2027-03-02 18:00 America/Toronto)"),
            std::string::npos)
      << w.message(not_slot);
  // Minimum notice: 24 h by default, server time.
  w.now = at("2027-03-02T00:00:00Z");
  auto soon = w.book(new_id(), "2027-03-02T23:00:00Z");
  EXPECT_NE(w.message(soon).find("at least 24 h ahead"), std::string::npos);
  {
    MemoryRowStore device = w.store;  // a device's clock decides nothing: it queues, the server refuses
    MutationContext ctx{Actor{w.cand, Role::candidate}, device, w.now, new_id(), false};
    EXPECT_TRUE(run_mutator(ctx, "meeting.request",
                            {{"id", new_id()}, {"mentorship_id", w.ms}, {"start", "2027-03-02T23:00:00Z"}}).ok());
  }
  w.settings.meeting_min_notice = std::chrono::hours(12);                 // the server's --meeting-notice-hours
  std::string first = new_id();
  w.ok(w.book(first, "2027-03-02T23:00:00Z"));
  // Taken: a second candidate of the same mentor.
  std::string ms2 = new_id();
  w.ok(w.propose(ms2, w.cand2, w.mentor));
  w.ok(w.run(w.mentor, Role::mentor, "mentorship.respond", {{"id", ms2}, {"accept", true}, {"thread_id", new_id()}}));
  auto taken = w.run(w.cand2, Role::candidate, "meeting.request",
                     {{"id", new_id()}, {"mentorship_id", ms2}, {"start", "2027-03-02T23:00:00Z"}});
  EXPECT_NE(w.message(taken).find("already taken; next free slots: 2027-03-03T00:00:00.000Z (2027-03-02 19:00 America/Bogota"),
            std::string::npos)
      << w.message(taken);
}

TEST(MeetingBooking, TwoOfflineCandidatesSameSlotOneAppliedOneRejectedWithAlternatives) {
  MentorWorld w;
  w.activate();
  std::string ms2 = new_id();
  w.ok(w.propose(ms2, w.cand2, w.mentor));
  w.ok(w.run(w.mentor, Role::mentor, "mentorship.respond", {{"id", ms2}, {"accept", true}, {"thread_id", new_id()}}));
  // Both devices apply optimistically on their own (stale) views; here: the same store, not authoritative, first.
  MemoryRowStore device_a = w.store, device_b = w.store;
  auto a_args = json::object{{"id", new_id()}, {"mentorship_id", w.ms}, {"start", "2027-03-09T23:00:00Z"}};
  auto b_args = json::object{{"id", new_id()}, {"mentorship_id", ms2}, {"start", "2027-03-09T23:00:00Z"}};
  MutationContext ca{Actor{w.cand, Role::candidate}, device_a, w.now, new_id(), false};
  MutationContext cb{Actor{w.cand2, Role::candidate}, device_b, w.now, new_id(), false};
  EXPECT_TRUE(run_mutator(ca, "meeting.request", a_args).ok());
  EXPECT_TRUE(run_mutator(cb, "meeting.request", b_args).ok());
  // The server applies them in its commit order.
  w.ok(w.run(w.cand2, Role::candidate, "meeting.request", b_args));
  auto lost = w.run(w.cand, Role::candidate, "meeting.request", a_args);
  EXPECT_EQ(w.code(lost), ErrorCode::conflict);
  EXPECT_NE(w.message(lost).find("next free slots: 2027-03-02T23:00:00.000Z"), std::string::npos) << w.message(lost);
  EXPECT_FALSE(w.store.get(mc::meetings, std::string(a_args.at("id").as_string())));
}

TEST(MeetingBooking, FiftyRequestsForOneSlotMakeExactlyOneMeeting) {
  MentorWorld w;
  w.activate();
  int applied = 0;
  for (int i = 0; i < 50; ++i)
    if (w.book(new_id(), "2027-03-09T23:00:00Z").ok()) ++applied;
  EXPECT_EQ(applied, 1);
  auto busy = w.row(mc::busy, w.mentor).at("meetings").as_array();
  EXPECT_EQ(busy.size(), 1u);
}

TEST(MeetingBooking, CandidateCannotOverlapTheirOwnMeetings) {
  MentorWorld w;
  w.activate();
  // Another mentor with a slot at the same time.
  w.ok(w.run(w.mentor2, Role::mentor, "availability.set",
             {{"availability", json::object{{"time_zone", "America/Toronto"},
                                            {"weekly", json::array{json::object{{"weekday", 2}, {"start", "18:00"}, {"end", "19:00"}}}}}}}));
  w.ok(w.book(new_id(), "2027-03-09T23:00:00Z"));
  // Simulate a second active mentorship of the candidate (e.g. after a completed one).
  std::string ms2 = new_id();
  json::object row = w.row(mc::mentorships, w.ms);
  row["id"] = ms2;
  row["mentor_id"] = w.mentor2;
  row["meeting_ids"] = json::array();
  w.store.put(mc::mentorships, ms2, row, w.store.audience(mc::mentorships, w.ms));
  auto st = w.run(w.cand, Role::candidate, "meeting.request", {{"id", new_id()}, {"mentorship_id", ms2}, {"start", "2027-03-09T23:00:00Z"}});
  EXPECT_NE(w.message(st).find("the candidate already has a meeting"), std::string::npos) << w.message(st);
}

TEST(MeetingQuota, AThirdMeetingIsRefusedCancelFreesItsPlaceNoShowToo) {
  MentorWorld w;
  w.activate();
  std::string m1 = new_id(), m2 = new_id(), m3 = new_id();
  w.ok(w.book(m1, "2027-03-02T23:00:00Z"));
  w.ok(w.book(m2, "2027-03-09T23:00:00Z"));
  EXPECT_NE(w.message(w.book(m3, "2027-03-16T22:00:00Z")).find("at most two meetings"), std::string::npos);
  w.ok(w.run(w.cand, Role::candidate, "meeting.cancel", {{"id", m2}, {"reason", "imprévu"}}));
  EXPECT_EQ(w.row(mc::meetings, m2).at("sequence").as_int64(), 1);
  EXPECT_EQ(w.row(mc::meetings, m2).at("status").as_string(), "cancelled");
  w.ok(w.book(m3, "2027-03-09T23:00:00Z"));  // the cancelled slot is free again
  // After the first meeting: it was a no-show by the mentor, which frees its place too.
  w.now = at("2027-03-03T01:00:00Z");
  w.ok(w.run(w.cand, Role::candidate, "meeting.outcome", {{"id", m1}, {"outcome", "no_show_mentor"}, {"notes", "personne"}}));
  w.ok(w.book(new_id(), "2027-03-16T22:00:00Z"));
  EXPECT_NE(w.message(w.book(new_id(), "2027-03-23T22:00:00Z")).find("at most two meetings"), std::string::npos);
}

TEST(MeetingChanges, RescheduleKeepsTheIdRaisesSequenceAndMovesTheBusyTime) {
  MentorWorld w;
  w.activate();
  std::string m1 = new_id();
  w.ok(w.book(m1, "2027-03-09T23:00:00Z"));
  w.ok(w.run(w.mentor, Role::mentor, "meeting.reschedule", {{"id", m1}, {"start", "2027-03-10T00:00:00Z"}}));
  w.ok(w.run(w.cand, Role::candidate, "meeting.reschedule", {{"id", m1}, {"start", "2027-03-16T22:00:00Z"}}));
  auto mt = w.row(mc::meetings, m1);
  EXPECT_EQ(mt.at("sequence").as_int64(), 2);
  EXPECT_EQ(mt.at("start").as_string(), "2027-03-16T22:00:00.000Z");
  auto busy = w.row(mc::busy, w.mentor).at("meetings").as_array();
  ASSERT_EQ(busy.size(), 1u);
  EXPECT_EQ(busy[0].as_object().at("start").as_string(), "2027-03-16T22:00:00.000Z");
  EXPECT_NE(w.message(w.run(w.cand, Role::candidate, "meeting.reschedule", {{"id", m1}, {"start", "2027-03-16T22:30:00Z"}}))
                .find("not one of the mentor's slots"),
            std::string::npos);
  // Outsiders and late changes are refused.
  EXPECT_EQ(w.code(w.run(w.cand2, Role::candidate, "meeting.cancel", {{"id", m1}})), ErrorCode::not_found);
  w.now = at("2027-03-16T22:10:00Z");
  EXPECT_NE(w.message(w.run(w.cand, Role::candidate, "meeting.cancel", {{"id", m1}})).find("already started"), std::string::npos);
  w.ok(w.run(w.mentor, Role::mentor, "meeting.outcome", {{"id", m1}, {"outcome", "held"}}));
  EXPECT_EQ(w.row(mc::meetings, m1).at("outcome").as_string(), "held");
}

TEST(MeetingChanges, OutcomeOnlyAfterTheStartAndByTheTwoPeople) {
  MentorWorld w;
  w.activate();
  std::string m1 = new_id();
  w.ok(w.book(m1, "2027-03-09T23:00:00Z"));
  EXPECT_NE(w.message(w.run(w.cand, Role::candidate, "meeting.outcome", {{"id", m1}, {"outcome", "held"}})).find("once it has started"),
            std::string::npos);
  w.now = at("2027-03-10T00:30:00Z");
  EXPECT_EQ(w.code(w.run(w.coach, Role::coach, "meeting.outcome", {{"id", m1}, {"outcome", "held"}})), ErrorCode::forbidden);
  EXPECT_NE(w.message(w.run(w.cand, Role::candidate, "meeting.outcome", {{"id", m1}, {"outcome", "late"}})).find("outcome"),
            std::string::npos);
}

TEST(Referrals, CompletionNeedsTwoHeldMeetingsAndThreeIntroducedReferralsOrTheCoachsReason) {
  MentorWorld w;
  w.activate();
  std::string m1 = new_id(), m2 = new_id();
  w.ok(w.book(m1, "2027-03-02T23:00:00Z"));
  w.ok(w.book(m2, "2027-03-09T23:00:00Z"));
  w.now = at("2027-03-10T02:00:00Z");
  w.ok(w.run(w.cand, Role::candidate, "meeting.outcome", {{"id", m1}, {"outcome", "held"}}));
  w.ok(w.run(w.mentor, Role::mentor, "meeting.outcome", {{"id", m2}, {"outcome", "held"}}));
  std::vector<std::string> refs;
  for (int i = 0; i < 3; ++i) {
    refs.push_back(new_id());
    w.ok(w.run(w.mentor, Role::mentor, "referral.add",
               {{"id", refs.back()}, {"mentorship_id", w.ms}, {"name", "Contact " + std::to_string(i)},
                {"role", "Team lead"}, {"organization", "Desjardins"}, {"contact", "contact@example.org"}}));
  }
  EXPECT_NE(w.message(w.run(w.mentor, Role::mentor, "mentorship.complete", {{"id", w.ms}})).find("0 introduced"), std::string::npos);
  // Introduction needs the candidate's consent; only the candidate gives it.
  EXPECT_NE(w.message(w.run(w.mentor, Role::mentor, "referral.update", {{"id", refs[0]}, {"status", "introduced"}})).find("consented"),
            std::string::npos);
  EXPECT_EQ(w.code(w.run(w.mentor, Role::mentor, "referral.update", {{"id", refs[0]}, {"consent", true}})), ErrorCode::forbidden);
  for (const auto& r : refs) {
    w.ok(w.run(w.cand, Role::candidate, "referral.update", {{"id", r}, {"consent", true}}));
    w.ok(w.run(w.mentor, Role::mentor, "referral.update", {{"id", r}, {"status", "introduced"}}));
  }
  w.ok(w.run(w.cand, Role::candidate, "referral.update", {{"id", refs[0]}, {"status", "met"}}));
  EXPECT_EQ(w.code(w.run(w.mentor, Role::mentor, "referral.update", {{"id", refs[0]}, {"status", "suggested"}})), ErrorCode::conflict);
  // An onward referral: recorded by the candidate under its parent; it does not count among the three.
  std::string onward = new_id();
  w.ok(w.run(w.cand, Role::candidate, "referral.add",
             {{"id", onward}, {"mentorship_id", w.ms}, {"parent_id", refs[0]}, {"name", "N"}, {"role", "HR"}, {"organization", "CGI"}}));
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "referral.add",
                         {{"id", new_id()}, {"mentorship_id", w.ms}, {"name", "N"}, {"role", "HR"}, {"organization", "CGI"}})),
            ErrorCode::forbidden);
  EXPECT_EQ(w.row(mc::mentorships, w.ms).at("referral_ids").as_array().size(), 4u);
  w.ok(w.run(w.mentor, Role::mentor, "mentorship.complete", {{"id", w.ms}}));
  auto ms = w.row(mc::mentorships, w.ms);
  EXPECT_EQ(ms.at("status").as_string(), "completed");
  // The mentor's place is free again and the candidate no longer reads the mentor's calendar.
  EXPECT_EQ(w.row(mc::mentor_profiles, w.mentor).at("active_mentorship_ids").as_array().size(), 0u);
  EXPECT_FALSE(w.sees(w.cand, mc::availability, w.mentor));
}

TEST(Referrals, OnlyTheCoachClosesEarlyWithAReasonAndUpcomingMeetingsAreCancelled) {
  MentorWorld w;
  w.activate();
  std::string m1 = new_id();
  w.ok(w.book(m1, "2027-03-09T23:00:00Z"));
  EXPECT_EQ(w.code(w.run(w.mentor, Role::mentor, "mentorship.complete", {{"id", w.ms}, {"reason", "moving"}})), ErrorCode::forbidden);
  EXPECT_EQ(w.code(w.run(w.mentor, Role::mentor, "mentorship.complete", {{"id", w.ms}})), ErrorCode::conflict);
  w.ok(w.run(w.coach, Role::coach, "mentorship.complete", {{"id", w.ms}, {"reason", "La candidate a trouvé un emploi"}}));
  EXPECT_EQ(w.row(mc::mentorships, w.ms).at("status").as_string(), "closed");
  auto mt = w.row(mc::meetings, m1);
  EXPECT_EQ(mt.at("status").as_string(), "cancelled");
  EXPECT_EQ(mt.at("sequence").as_int64(), 1);
  EXPECT_TRUE(w.row(mc::busy, w.mentor).at("meetings").as_array().empty());
}

TEST(CalendarFeed, TokenHashIsStoredRotatedAndRevokedNeverReadableByAnyone) {
  MentorWorld w;
  std::string h1 = sha256_hex("token-1"), h2 = sha256_hex("token-2");
  EXPECT_EQ(w.code(w.run(w.cand, Role::candidate, "calendar.feed.set", {{"token_hash", "abc"}})), ErrorCode::bad_request);
  w.ok(w.run(w.cand, Role::candidate, "calendar.feed.set", {{"token_hash", h1}}));
  EXPECT_EQ(w.row(mc::calendar_tokens, h1).at("user_id").as_string(), w.cand);
  EXPECT_TRUE(w.store.audience(mc::calendar_tokens, h1).empty());
  EXPECT_TRUE(w.sees(w.cand, mc::calendar_feeds, w.cand));
  EXPECT_EQ(w.code(w.run(w.mentor, Role::mentor, "calendar.feed.set", {{"token_hash", h1}})), ErrorCode::conflict);
  w.ok(w.run(w.cand, Role::candidate, "calendar.feed.set", {{"token_hash", h2}}));
  EXPECT_FALSE(w.store.get(mc::calendar_tokens, h1));
  w.ok(w.run(w.cand, Role::candidate, "calendar.feed.revoke", json::object{}));
  EXPECT_FALSE(w.store.get(mc::calendar_tokens, h2));
  EXPECT_FALSE(w.store.get(mc::calendar_feeds, w.cand));
}
