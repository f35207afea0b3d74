// Employers (docs/employers.md): every rule and refusal of the employer mutators as a table, the
// 28-day limit of an internship at 28 and 29 days across both daylight-saving changes, consent
// given and withdrawn (who reads the card), and preselection's ranking with its reasons.
#include <gtest/gtest.h>

#include <algorithm>

#include "memory_row_store.h"
#include "passerelle/shared/employers/employers.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/mutator.h"

using namespace passerelle;
using namespace passerelle::sync;
using passerelle::protocol::Role;
using passerelle::testing::MemoryRowStore;
namespace json = boost::json;
namespace ec = passerelle::employers::collection;

namespace {

Timestamp at(const char* t) { return *parse_rfc3339(t); }

struct EmployerWorld {
  MemoryRowStore store;
  std::string admin = new_id(), coach = new_id(), cand = new_id(), cand2 = new_id(), mentor = new_id(),
              employer = new_id(), employer2 = new_id();
  std::string need = new_id(), proposal = new_id();
  Timestamp now = at("2027-02-01T12:00:00Z");

  EmployerWorld() {
    store.add_person(admin, Role::admin, "Ada");
    store.add_person(coach, Role::coach, "Claire");
    store.add_person(cand, Role::candidate, "Amina");
    store.add_person(cand2, Role::candidate, "Diego");
    store.add_person(mentor, Role::mentor, "Isabelle");
    store.add_person(employer, Role::employer, "Julie");
    store.add_person(employer2, Role::employer, "Marc");
    ok(run(cand, Role::candidate, "career.update",
           {{"occupation_code", "21231"}, {"profession", "Software engineer"},
            {"languages", json::array{json::object{{"code", "fr"}, {"level", "C1"}}}}, {"target_region", "Laval"},
            {"immigration_stage", "csq_received"}, {"country", "MA"}}));
    ok(run(employer, Role::employer, "employer.update",
           {{"organization", "Acme Logiciels"}, {"sector", "software"}, {"city", "Laval"}, {"region", "Laval"},
            {"occupation_codes", json::array{"21231"}}, {"languages", json::array{"fr", "en"}}, {"positions_open", 2},
            {"internship_capacity", 1}, {"priime_interest", true},
            {"conditions", json::object{{"work_station", true}, {"colleagues_on_site", true}, {"coach_on_site", true}}}}));
    ok(run(employer2, Role::employer, "employer.update", {{"organization", "Beta"}}));
    ok(run(employer, Role::employer, "need.create",
           {{"id", need}, {"title", "Développeuse"}, {"occupation_code", "21231"}, {"languages", json::array{"fr"}},
            {"start_by", "2027-06-01"}}));
  }

  Status run(const std::string& who, Role role, std::string_view name, const json::object& args, bool authoritative = true) {
    MutationContext ctx{Actor{who, role}, store, now, new_id(), authoritative};
    return run_mutator(ctx, name, args);
  }
  void ok(const Status& s) { ASSERT_TRUE(s.ok()) << s.error().message; }
  std::string message(const Status& s) { return s.ok() ? std::string("ok") : s.error().message; }

  bool reads(const std::string& who, std::string_view c, const std::string& id) {
    auto a = store.audience(c, id);
    return store.get(c, id) && std::find(a.begin(), a.end(), who) != a.end();
  }
  void consent_and_propose() {
    ok(run(cand, Role::candidate, "consent.give", {{"available_from", "2027-05-01"}}));
    ok(run(coach, Role::coach, "proposal.create", {{"id", proposal}, {"need_id", need}, {"candidate_id", cand}}));
  }
  void confirm() { ok(run(coach, Role::coach, "employer.confirm_conditions", {{"employer_id", employer}, {"confirmed", true}})); }
  json::object internship(const std::string& id, const char* start, const char* end, const std::string& who = {}) {
    return {{"id", id}, {"employer_id", employer}, {"candidate_id", who.empty() ? cand : who}, {"start", start}, {"end", end}};
  }
};

// ------------------------------------------------------------------ the table of refusals
struct Case {
  const char* what;
  const char* actor;  // who runs it (a name of the world)
  const char* mutator;
  json::object args;  // "{need}", "{cand}"... replaced
  ErrorCode expect;
};

TEST(EmployerRules, EveryRefusalAnswersWithItsCode) {
  const Case cases[] = {
      {"a candidate edits an employer profile", "cand", "employer.update", {{"organization", "X"}}, ErrorCode::forbidden},
      {"a mentor edits an employer profile", "mentor", "employer.update", {{"organization", "X"}}, ErrorCode::forbidden},
      {"an employer edits another's profile", "employer", "employer.update", {{"employer_id", "{employer2}"}, {"organization", "X"}},
       ErrorCode::forbidden},
      {"staff forget which employer", "coach", "employer.update", {{"organization", "X"}}, ErrorCode::bad_request},
      {"staff name a candidate as employer", "coach", "employer.update", {{"employer_id", "{cand}"}, {"organization", "X"}},
       ErrorCode::not_found},
      {"nothing to change", "employer", "employer.update", {}, ErrorCode::bad_request},
      {"a bad NOC code", "employer", "employer.update", {{"occupation_codes", json::array{"2123"}}}, ErrorCode::bad_request},
      {"a bad language", "employer", "employer.update", {{"languages", json::array{"French"}}}, ErrorCode::bad_request},
      {"negative positions", "employer", "employer.update", {{"positions_open", -1}}, ErrorCode::bad_request},
      {"a partial checklist", "employer", "employer.update", {{"conditions", json::object{{"work_station", true}}}},
       ErrorCode::bad_request},
      {"an employer confirms their own conditions", "employer", "employer.confirm_conditions",
       {{"employer_id", "{employer}"}, {"confirmed", true}}, ErrorCode::forbidden},
      {"staff confirm an undeclared checklist", "coach", "employer.confirm_conditions",
       {{"employer_id", "{employer2}"}, {"confirmed", true}}, ErrorCode::conflict},
      // Another employer's objects answer like made-up ids (docs/security.md).
      {"a need for another employer", "employer", "need.create", {{"id", "{new}"}, {"employer_id", "{employer2}"}, {"title", "T"}},
       ErrorCode::not_found},
      {"a candidate states a need", "cand", "need.create", {{"id", "{new}"}, {"title", "T"}}, ErrorCode::forbidden},
      {"a need without title", "employer", "need.create", {{"id", "{new}"}}, ErrorCode::bad_request},
      {"a need of a bad kind", "employer", "need.create", {{"id", "{new}"}, {"title", "T"}, {"kind", "gig"}}, ErrorCode::bad_request},
      {"a need id taken", "employer", "need.create", {{"id", "{need}"}, {"title", "T"}}, ErrorCode::conflict},
      {"another employer closes the need", "employer2", "need.close", {{"id", "{need}"}}, ErrorCode::not_found},
      {"staff name a need for nobody", "coach", "need.create", {{"id", "{new}"}, {"title", "T"}}, ErrorCode::bad_request},
      {"an employer gives consent", "employer", "consent.give", {}, ErrorCode::forbidden},
      {"a bad availability date", "cand", "consent.give", {{"available_from", "2027-02-30"}}, ErrorCode::bad_request},
      {"withdrawing what was never given", "cand2", "consent.withdraw", {}, ErrorCode::conflict},
      {"an employer proposes", "employer", "proposal.create", {{"id", "{new}"}, {"need_id", "{need}"}, {"candidate_id", "{cand}"}},
       ErrorCode::forbidden},
      {"proposing a candidate who did not consent", "coach", "proposal.create",
       {{"id", "{new}"}, {"need_id", "{need}"}, {"candidate_id", "{cand2}"}}, ErrorCode::not_found},
      {"proposing for a need that does not exist", "coach", "proposal.create",
       {{"id", "{new}"}, {"need_id", "{new}"}, {"candidate_id", "{cand}"}}, ErrorCode::not_found},
      {"staff answer for the employer", "coach", "proposal.respond", {{"id", "{proposal}"}, {"accept", true}}, ErrorCode::forbidden},
      {"the candidate answers for the employer", "cand", "proposal.respond", {{"id", "{proposal}"}, {"accept", true}},
       ErrorCode::forbidden},
      {"another employer answers", "employer2", "proposal.respond", {{"id", "{proposal}"}, {"accept", true}}, ErrorCode::not_found},
      {"a mentor answers", "mentor", "proposal.respond", {{"id", "{proposal}"}, {"accept", true}}, ErrorCode::not_found},
      {"a proposal id taken", "coach", "proposal.create", {{"id", "{proposal}"}, {"need_id", "{need}"}, {"candidate_id", "{cand}"}},
       ErrorCode::conflict},
      {"an employer records an internship", "employer", "internship.create",
       {{"id", "{new}"}, {"employer_id", "{employer}"}, {"candidate_id", "{cand}"}, {"start", "2027-03-01T14:00:00Z"},
        {"end", "2027-03-15T14:00:00Z"}},
       ErrorCode::forbidden},
      {"an internship ending before it starts", "coach", "internship.create",
       {{"id", "{new}"}, {"employer_id", "{employer}"}, {"candidate_id", "{cand}"}, {"start", "2027-03-15T14:00:00Z"},
        {"end", "2027-03-01T14:00:00Z"}},
       ErrorCode::bad_request},
      {"an internship with a non-consenting candidate", "coach", "internship.create",
       {{"id", "{new}"}, {"employer_id", "{employer}"}, {"candidate_id", "{cand2}"}, {"start", "2027-03-01T14:00:00Z"},
        {"end", "2027-03-15T14:00:00Z"}},
       ErrorCode::not_found},
      {"an internship at an employer whose conditions are not confirmed", "coach", "internship.create",
       {{"id", "{new}"}, {"employer_id", "{employer2}"}, {"candidate_id", "{cand}"}, {"start", "2027-03-01T14:00:00Z"},
        {"end", "2027-03-15T14:00:00Z"}},
       ErrorCode::conflict},
      {"an internship in an unknown zone", "coach", "internship.create",
       {{"id", "{new}"}, {"employer_id", "{employer}"}, {"candidate_id", "{cand}"}, {"start", "2027-03-01T14:00:00Z"},
        {"end", "2027-03-15T14:00:00Z"}, {"time_zone", "Mars/Olympus"}},
       ErrorCode::bad_request},
      {"an outcome nobody knows", "coach", "internship.outcome", {{"id", "{internship}"}, {"outcome", "promoted"}},
       ErrorCode::bad_request},
      {"ended early without a date", "coach", "internship.outcome", {{"id", "{internship}"}, {"outcome", "ended_early"}},
       ErrorCode::bad_request},
      {"ended early after its end", "coach", "internship.outcome",
       {{"id", "{internship}"}, {"outcome", "ended_early"}, {"ended_at", "2027-07-20T00:00:00Z"}}, ErrorCode::bad_request},
      {"a candidate records her internship's outcome", "cand", "internship.outcome", {{"id", "{internship}"}, {"outcome", "hired"}},
       ErrorCode::forbidden},
      {"an internship id taken", "coach", "internship.create",
       {{"id", "{internship}"}, {"employer_id", "{employer}"}, {"candidate_id", "{cand}"}, {"start", "2027-08-01T14:00:00Z"},
        {"end", "2027-08-15T14:00:00Z"}},
       ErrorCode::conflict},
      {"an extension of another employer's internship", "employer2", "internship.extend",
       {{"id", "{internship}"}, {"end", "2027-07-12T13:00:00Z"}}, ErrorCode::not_found},
      {"an extension with no date", "coach", "internship.extend", {{"id", "{internship}"}}, ErrorCode::bad_request},
      {"an outcome of no internship", "coach", "internship.outcome", {{"id", "{new}"}, {"outcome", "hired"}}, ErrorCode::not_found},
  };
  for (const auto& c : cases) {
    EmployerWorld w;
    w.consent_and_propose();
    w.confirm();
    std::string internship = new_id();
    w.ok(w.run(w.coach, Role::coach, "internship.create", w.internship(internship, "2027-07-01T13:00:00Z", "2027-07-10T13:00:00Z")));
    std::map<std::string, std::pair<std::string, Role>> people = {
        {"cand", {w.cand, Role::candidate}},     {"cand2", {w.cand2, Role::candidate}}, {"mentor", {w.mentor, Role::mentor}},
        {"coach", {w.coach, Role::coach}},       {"employer", {w.employer, Role::employer}},
        {"employer2", {w.employer2, Role::employer}}};
    std::map<std::string, std::string> vars = {{"{need}", w.need},         {"{proposal}", w.proposal}, {"{cand}", w.cand},
                                               {"{cand2}", w.cand2},       {"{employer}", w.employer}, {"{employer2}", w.employer2},
                                               {"{internship}", internship}};
    json::object args;
    for (const auto& kv : c.args) {
      json::value v = kv.value();
      if (v.is_string()) {
        std::string s(v.get_string());
        if (s == "{new}") s = new_id();
        else if (vars.count(s)) s = vars[s];
        v = json::value(s);
      }
      args[kv.key()] = v;
    }
    auto [who, role] = people.at(c.actor);
    auto st = w.run(who, role, c.mutator, args);
    ASSERT_FALSE(st.ok()) << c.what;
    EXPECT_EQ(st.error().code, c.expect) << c.what << ": " << st.error().message;
  }
}

// ------------------------------------------------------------------ internships: 28 days
TEST(EmployerRules, TwentyEightDaysAcrossDaylightSavingAcceptedTwentyNineRefused) {
  // America/Toronto: summer time starts 2027-03-14 and ends 2027-11-07. Each internship starts
  // at 09:00 local; 28 days later is 09:00 local again, an hour less or more of UTC.
  struct Span {
    const char* what;
    const char* start;
    const char* end;
    bool accepted;
  };
  const Span spans[] = {
      {"spring, 28 days (UTC: 28 d - 1 h)", "2027-03-01T14:00:00Z", "2027-03-29T13:00:00Z", true},
      {"spring, 28 days and a minute", "2027-03-01T14:00:00Z", "2027-03-29T13:01:00Z", false},
      {"spring, 29 days", "2027-03-01T14:00:00Z", "2027-03-30T13:00:00Z", false},
      {"autumn, 28 days (UTC: 28 d + 1 h)", "2027-10-20T13:00:00Z", "2027-11-17T14:00:00Z", true},
      {"autumn, 29 days", "2027-10-20T13:00:00Z", "2027-11-18T14:00:00Z", false},
      {"no change, 28 days", "2027-06-01T13:00:00Z", "2027-06-29T13:00:00Z", true},
      {"no change, 29 days", "2027-06-01T13:00:00Z", "2027-06-30T13:00:00Z", false},
  };
  for (const auto& s : spans) {
    EmployerWorld w;
    w.consent_and_propose();
    w.confirm();
    auto st = w.run(w.coach, Role::coach, "internship.create", w.internship(new_id(), s.start, s.end));
    EXPECT_EQ(st.ok(), s.accepted) << s.what << ": " << w.message(st);
    if (!s.accepted) {
      EXPECT_EQ(st.error().code, ErrorCode::conflict) << s.what;
      // Claire's profile is in French: the reason and the pointer to hiring come in French.
      EXPECT_NE(st.error().message.find("28 jours"), std::string::npos) << st.error().message;
      EXPECT_NE(st.error().message.find("PRIIME"), std::string::npos) << st.error().message;
    }
  }
  // The same rule as a function, in English.
  auto st = employers::check_internship_length(at("2027-03-01T14:00:00Z"), at("2027-03-30T13:00:00Z"), "America/Toronto",
                                               protocol::Locale::en);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("at most 28 days"), std::string::npos);
  EXPECT_NE(st.error().message.find("hired"), std::string::npos);
  // A day given as a date starts at the workplace's midnight, also on the day clocks change.
  auto d = employers::start_of_local_day(*parse_date("2027-03-14"), "America/Toronto");
  ASSERT_TRUE(d);
  EXPECT_EQ(format_rfc3339(*d), "2027-03-14T05:00:00.000Z");
}

TEST(EmployerRules, OverlapsForTheSameCandidateRefusedExtensionsPointToHiring) {
  EmployerWorld w;
  w.consent_and_propose();
  w.confirm();
  std::string first = new_id();
  w.ok(w.run(w.coach, Role::coach, "internship.create", w.internship(first, "2027-03-01T14:00:00Z", "2027-03-15T13:00:00Z")));
  // Overlapping by one hour, and fully inside: refused, saying when the other one runs.
  auto st = w.run(w.coach, Role::coach, "internship.create", w.internship(new_id(), "2027-03-15T12:00:00Z", "2027-03-20T13:00:00Z"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::conflict);
  EXPECT_NE(st.error().message.find("2027-03-01 09:00"), std::string::npos) << st.error().message;
  EXPECT_EQ(w.run(w.coach, Role::coach, "internship.create", w.internship(new_id(), "2027-03-02T14:00:00Z", "2027-03-03T13:00:00Z"))
                .error().code,
            ErrorCode::conflict);
  // Back to back is fine.
  std::string second = new_id();
  w.ok(w.run(w.coach, Role::coach, "internship.create", w.internship(second, "2027-03-15T13:00:00Z", "2027-03-20T13:00:00Z")));
  // Extending the first within 28 days would overlap the second; past 28 days is refused with
  // the pointer to hiring, whoever asks (here the employer, in French).
  EXPECT_EQ(w.run(w.employer, Role::employer, "internship.extend", {{"id", first}, {"end", "2027-03-16T13:00:00Z"}}).error().code,
            ErrorCode::conflict);
  auto longer = w.run(w.employer, Role::employer, "internship.extend", {{"id", second}, {"end", "2027-04-13T13:00:00Z"}});
  ASSERT_FALSE(longer.ok());
  EXPECT_NE(longer.error().message.find("proposez-lui un emploi"), std::string::npos) << longer.error().message;
  w.ok(w.run(w.employer, Role::employer, "internship.extend", {{"id", second}, {"end", "2027-04-12T13:00:00Z"}}));
  EXPECT_EQ(w.run(w.cand, Role::candidate, "internship.extend", {{"id", second}, {"end", "2027-04-01T13:00:00Z"}}).error().code,
            ErrorCode::forbidden);
  // Outcomes: once; an early end frees the rest of the period.
  EXPECT_EQ(w.run(w.coach, Role::coach, "internship.outcome", {{"id", first}, {"outcome", "ended_early"}, {"ended_at", "2027-04-01T00:00:00Z"}})
                .error().code,
            ErrorCode::bad_request);
  w.ok(w.run(w.coach, Role::coach, "internship.outcome", {{"id", first}, {"outcome", "ended_early"}, {"ended_at", "2027-03-05T20:00:00Z"}}));
  EXPECT_EQ(w.run(w.coach, Role::coach, "internship.outcome", {{"id", first}, {"outcome", "hired"}}).error().code, ErrorCode::conflict);
  EXPECT_EQ(w.run(w.coach, Role::coach, "internship.extend", {{"id", first}, {"end", "2027-03-10T13:00:00Z"}}).error().code,
            ErrorCode::conflict);
  w.ok(w.run(w.coach, Role::coach, "internship.create", w.internship(new_id(), "2027-03-08T13:00:00Z", "2027-03-10T13:00:00Z")));
  w.ok(w.run(w.employer, Role::employer, "internship.outcome", {{"id", second}, {"outcome", "hired_priime"}}));
  auto row = w.store.get(ec::internships, second);
  EXPECT_EQ(row->at("outcome"), "hired_priime");
  EXPECT_EQ(row->at("status"), "completed");
  // An employer who is not this internship's cannot touch it.
  EXPECT_EQ(w.run(w.employer2, Role::employer, "internship.outcome", {{"id", second}, {"outcome", "not_hired"}}).error().code,
            ErrorCode::not_found)
      << "like a made-up id";
}

// ------------------------------------------------------------------ consent and who reads what
TEST(EmployerConsent, TheCardReachesOnlyProposedEmployersAndGoesWhenSheWithdraws) {
  EmployerWorld w;
  w.ok(w.run(w.cand, Role::candidate, "consent.give", {{"available_from", "2027-05-01"}, {"summary", "Backend, 6 years"}}));
  auto card = w.store.get(ec::candidate_cards, w.cand);
  ASSERT_TRUE(card);
  EXPECT_EQ(card->at("occupation_code"), "21231");
  EXPECT_EQ(card->at("name"), "Amina");
  EXPECT_FALSE(card->contains("immigration_stage")) << "employers never learn the immigration stage";
  EXPECT_FALSE(card->contains("country"));
  EXPECT_FALSE(w.reads(w.employer, ec::candidate_cards, w.cand)) << "consent alone shows her to staff, not to every employer";
  EXPECT_TRUE(w.reads(role_audience(Role::coach), ec::candidate_cards, w.cand));
  EXPECT_FALSE(w.reads(w.employer, ec::consents, w.cand));
  // Proposed: that employer reads the card and the proposal with its reasons; not another one.
  w.ok(w.run(w.coach, Role::coach, "proposal.create", {{"id", w.proposal}, {"need_id", w.need}, {"candidate_id", w.cand}}));
  EXPECT_TRUE(w.reads(w.employer, ec::candidate_cards, w.cand));
  EXPECT_FALSE(w.reads(w.employer2, ec::candidate_cards, w.cand));
  EXPECT_TRUE(w.reads(w.employer, ec::proposals, w.proposal));
  EXPECT_TRUE(w.reads(w.cand, ec::proposals, w.proposal)) << "she sees where she is proposed";
  auto p = w.store.get(ec::proposals, w.proposal);
  EXPECT_EQ(p->at("reasons").as_array().at(0).at("code"), "same_occupation");
  EXPECT_EQ(w.run(w.coach, Role::coach, "proposal.create", {{"id", new_id()}, {"need_id", w.need}, {"candidate_id", w.cand}})
                .error().code,
            ErrorCode::conflict)
      << "once per need";
  // Her card follows her career profile.
  w.ok(w.run(w.cand, Role::candidate, "career.update", {{"profession", "Backend developer"}}));
  EXPECT_EQ(w.store.get(ec::candidate_cards, w.cand)->at("profession"), "Backend developer");
  EXPECT_TRUE(w.reads(w.employer, ec::candidate_cards, w.cand));
  // Accepted; then she withdraws: the card is gone, the proposal leaves the employer's view.
  w.ok(w.run(w.employer, Role::employer, "proposal.respond", {{"id", w.proposal}, {"accept", true}}));
  EXPECT_EQ(w.run(w.employer, Role::employer, "proposal.respond", {{"id", w.proposal}, {"accept", false}}).error().code,
            ErrorCode::conflict);
  w.ok(w.run(w.cand, Role::candidate, "consent.withdraw", {}));
  EXPECT_FALSE(w.store.get(ec::candidate_cards, w.cand));
  EXPECT_FALSE(w.reads(w.employer, ec::proposals, w.proposal));
  EXPECT_EQ(w.store.get(ec::proposals, w.proposal)->at("status"), "withdrawn");
  EXPECT_EQ(w.store.get(ec::consents, w.cand)->at("status"), "withdrawn");
  EXPECT_EQ(w.run(w.coach, Role::coach, "proposal.create", {{"id", new_id()}, {"need_id", w.need}, {"candidate_id", w.cand}})
                .error().code,
            ErrorCode::not_found);
  // Given again: staff see her; the employer does not until proposed again.
  w.ok(w.run(w.cand, Role::candidate, "consent.give", {}));
  EXPECT_TRUE(w.reads(role_audience(Role::coach), ec::candidate_cards, w.cand));
  EXPECT_FALSE(w.reads(w.employer, ec::candidate_cards, w.cand));
}

TEST(EmployerConsent, DecliningEndsTheEmployersView) {
  EmployerWorld w;
  w.consent_and_propose();
  w.ok(w.run(w.employer, Role::employer, "proposal.respond", {{"id", w.proposal}, {"accept", false}, {"reason", "Poste pourvu"}}));
  EXPECT_FALSE(w.reads(w.employer, ec::candidate_cards, w.cand));
  EXPECT_TRUE(w.reads(w.employer, ec::proposals, w.proposal)) << "their answer stays theirs";
  EXPECT_EQ(w.store.get(ec::proposals, w.proposal)->at("status"), "declined");
}

TEST(EmployerProfile, ChangingTheChecklistNeedsStaffToConfirmAgain) {
  EmployerWorld w;
  w.confirm();
  auto row = w.store.get(ec::employer_profiles, w.employer);
  EXPECT_EQ(row->at("conditions_confirmed"), true);
  EXPECT_EQ(row->at("conditions_confirmed_by"), json::value(w.coach));
  EXPECT_TRUE(w.reads(w.employer, ec::employer_profiles, w.employer));
  EXPECT_FALSE(w.reads(w.employer2, ec::employer_profiles, w.employer));
  EXPECT_FALSE(w.reads(w.cand, ec::employer_profiles, w.employer));
  w.ok(w.run(w.employer, Role::employer, "employer.update",
             {{"conditions", json::object{{"work_station", true}, {"colleagues_on_site", false}, {"coach_on_site", true}}}}));
  EXPECT_EQ(w.store.get(ec::employer_profiles, w.employer)->at("conditions_confirmed"), false);
  w.ok(w.run(w.admin, Role::admin, "employer.update", {{"employer_id", w.employer}, {"positions_open", 5}}));
  EXPECT_EQ(w.store.get(ec::employer_profiles, w.employer)->at("positions_open"), 5);
  w.ok(w.run(w.employer, Role::employer, "need.close", {{"id", w.need}}));
  EXPECT_EQ(w.run(w.employer, Role::employer, "need.close", {{"id", w.need}}).error().code, ErrorCode::conflict);
}

// ------------------------------------------------------------------ preselection
TEST(EmployerPreselection, RanksByOccupationLanguagesAvailabilityAndRegionWithReasonsInBothLanguages) {
  json::object need{{"occupation_code", "21231"}, {"languages", json::array{"fr", "en"}}, {"start_by", "2027-06-01"}, {"region", "Laval"}};
  json::object employer{{"city", "Laval"}};
  auto card = [](const char* id, const char* code, json::array langs, const char* available, const char* region) {
    json::object c{{"id", id}, {"name", id}, {"occupation_code", code}, {"languages", std::move(langs)}};
    if (*available) c["available_from"] = available;
    if (*region) c["target_region"] = region;
    return c;
  };
  json::array fr_en{json::object{{"code", "fr"}, {"level", "C1"}}, json::object{{"code", "en"}, {"level", "B2"}}};
  json::array fr_a2{json::object{{"code", "fr"}, {"level", "A2"}}};
  std::vector<json::object> cards = {
      card("far", "31102", fr_a2, "2027-09-01", "Gaspésie"),
      card("exact", "21231", fr_en, "2027-05-01", "Laval"),
      card("group", "21232", fr_en, "2027-05-01", ""),
      card("proposed", "21231", fr_en, "2027-05-01", "Laval"),
  };
  auto ranked = employers::preselect(need, employer, cards, {"proposed"});
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked[0].candidate_id, "exact");
  EXPECT_EQ(ranked[0].score, 60 + 20 + 15 + 10);
  EXPECT_EQ(ranked[1].candidate_id, "group");
  EXPECT_EQ(ranked[2].candidate_id, "far");
  EXPECT_EQ(ranked[2].score, 0) << "A2 French is not a working language; September is after the start";
  std::vector<std::string> codes;
  for (const auto& r : ranked[0].reasons) {
    codes.push_back(r.code);
    EXPECT_FALSE(r.text.empty());
    EXPECT_FALSE(r.text_fr.empty());
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"same_occupation", "language", "availability", "region"}));
  EXPECT_EQ(ranked[0].reasons[3].text_fr, "souhaite s'établir à Laval");
}

// A device runs the same mutators optimistically: a coach's device, which holds the need, the
// card and the periods, refuses the 29-day internship before it is even queued.
TEST(EmployerRules, ADeviceRefusesTheSameWay) {
  EmployerWorld w;
  w.consent_and_propose();
  w.confirm();
  auto st = w.run(w.coach, Role::coach, "internship.create", w.internship(new_id(), "2027-03-01T14:00:00Z", "2027-03-30T13:00:00Z"),
                  false);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::conflict);
}

}  // namespace
