// The dashboard's server side (docs/dashboard.md) against the real binary: who may load the
// caseload, indicators and exports; the audit entries of opening a file and exporting; the
// admin's filtered audit log; no secret in it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;

namespace {

std::map<std::string, std::string> bearer(const Peer& p) { return {{"Authorization", "Bearer " + p.token}}; }

std::string code_of(const json::object& answer) {
  if (!answer.contains("error")) return "ok";
  return std::string(answer.at("error").at("code").as_string());
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    for (auto [email, name, role] : {std::tuple{"admin@example.org", "Sophie Tremblay", "admin"},
                                     {"linh@example.org", "Linh Nguyen", "coach"},
                                     {"marc@example.org", "Marc-André Gagnon", "coach"},
                                     {"amina@example.org", "Amina Benali", "candidate"},
                                     {"carlos@example.org", "Carlos, \"el ingeniero\" Restrepo", "candidate"}})
      ASSERT_TRUE(server.create_user(email, name, role, kTestPassword)) << server.last_error();
    admin = sign_in(server, "admin@example.org");
    linh = sign_in(server, "linh@example.org");
    marc = sign_in(server, "marc@example.org");
    amina = sign_in(server, "amina@example.org");
    carlos = sign_in(server, "carlos@example.org");
    for (auto [candidate, coach] : {std::pair{&amina, &linh}, {&carlos, &linh}}) {
      auto a = push(admin, {op("caseload.assign", {{"candidate_id", candidate->id}, {"coach_id", coach->id},
                                                   {"thread_id", passerelle::new_id()}})});
      ASSERT_EQ(a.at("results").at(0).at("status"), "applied") << json::serialize(a);
    }
  }

  TestServer server;
  Peer admin, linh, marc, amina, carlos;
};

TEST_F(DashboardTest, CandidatesCannotLoadCoachViewsOrExports) {
  for (const char* type : {"dashboard.caseload", "dashboard.indicators", "audit.list"})
    EXPECT_EQ(code_of(amina.call(type)), "forbidden") << type;
  EXPECT_EQ(code_of(amina.call("dashboard.open", {{"candidate_id", amina.id}})), "forbidden");
  for (const char* path : {"/v1/export/caseload.csv", "/v1/export/indicators.csv"}) {
    EXPECT_EQ(http_request(server.port(), "GET", path, bearer(amina)).status, 403) << path;
    EXPECT_EQ(http_request(server.port(), "GET", path).status, 401) << path;
    EXPECT_EQ(http_request(server.port(), "GET", path, {{"Authorization", "Bearer nope"}}).status, 401) << path;
  }
  EXPECT_EQ(code_of(linh.call("audit.list")), "forbidden");  // coaches do not read the audit log
}

TEST_F(DashboardTest, CaseloadIsScopedToTheCoach) {
  auto mine = linh.call("dashboard.caseload");
  ASSERT_EQ(mine.at("ok"), true) << json::serialize(mine);
  EXPECT_EQ(mine.at("candidates").as_array().size(), 2u);
  EXPECT_EQ(marc.call("dashboard.caseload").at("candidates").as_array().size(), 0u);
  EXPECT_EQ(admin.call("dashboard.caseload").at("candidates").as_array().size(), 2u);
  // In pages (docs/protocol.md): the candidates in id order, `next` while more follow.
  for (auto* viewer : {&admin, &linh}) {
    auto first = viewer->call("dashboard.caseload", {{"limit", 1}});
    ASSERT_EQ(first.at("ok"), true) << json::serialize(first);
    ASSERT_EQ(first.at("candidates").as_array().size(), 1u);
    ASSERT_TRUE(first.contains("next")) << json::serialize(first);
    auto second = viewer->call("dashboard.caseload", {{"limit", 1}, {"after", first.at("next")}});
    ASSERT_EQ(second.at("candidates").as_array().size(), 1u) << json::serialize(second);
    EXPECT_GT(second.at("candidates").at(0).at("candidate_id").as_string(), first.at("next").as_string());
    EXPECT_FALSE(second.contains("next")) << json::serialize(second);
  }
  EXPECT_EQ(code_of(admin.call("dashboard.caseload", {{"limit", 0}})), "bad_request");
  EXPECT_EQ(code_of(admin.call("dashboard.caseload", {{"limit", 5001}})), "bad_request");
  EXPECT_EQ(code_of(admin.call("dashboard.caseload", {{"after", amina.id}})), "bad_request");
  // Marc may not open Linh's candidate: the same answer as an unknown one.
  EXPECT_EQ(code_of(marc.call("dashboard.open", {{"candidate_id", amina.id}})), "not_found");
  EXPECT_EQ(code_of(linh.call("dashboard.open", {{"candidate_id", passerelle::new_id()}})), "not_found");
  auto ind = linh.call("dashboard.indicators", {{"from", "2000-01-01"}, {"cohort", "2027"}});
  ASSERT_EQ(ind.at("ok"), true) << json::serialize(ind);
  EXPECT_EQ(ind.at("scope"), "caseload");
  EXPECT_EQ(code_of(linh.call("dashboard.indicators", {{"from", "yesterday"}})), "bad_request");
}

TEST_F(DashboardTest, AccountChangesAreAudited) {
  // Accounts made on the command line (the fixture), caseload assignments, invitations.
  auto created = admin.call("audit.list", {{"action", "account.create"}, {"target_id", amina.id}});
  ASSERT_EQ(created.at("entries").as_array().size(), 1u) << json::serialize(created);
  EXPECT_EQ(created.at("entries").at(0).at("details").at("role"), "candidate");
  auto assigned = admin.call("audit.list", {{"action", "caseload.assign"}, {"target_id", amina.id}});
  ASSERT_EQ(assigned.at("entries").as_array().size(), 1u) << json::serialize(assigned);
  EXPECT_EQ(assigned.at("entries").at(0).at("actor_id").as_string(), admin.id);
  EXPECT_EQ(assigned.at("entries").at(0).at("details").at("coach_id").as_string(), linh.id);
  EXPECT_EQ(assigned.at("entries").at(0).at("remote_address"), "127.0.0.1");
  auto invited = linh.call("invite.create", {{"email", "nouvelle@example.org"}, {"role", "candidate"}});
  ASSERT_EQ(invited.at("ok"), true) << json::serialize(invited);
  auto invites = admin.call("audit.list", {{"action", "account.invite"}});
  ASSERT_EQ(invites.at("entries").as_array().size(), 1u) << json::serialize(invites);
  EXPECT_EQ(invites.at("entries").at(0).at("actor_id").as_string(), linh.id);
  EXPECT_EQ(invites.at("entries").at(0).at("details").at("role"), "candidate");
  // The entry names the invitation, never its token (nor the e-mail): the role and, for a
  // coach's candidate, the caseload she will join are its only details.
  EXPECT_EQ(invites.at("entries").at(0).at("details").at("coach_id"), json::value(linh.id));
  EXPECT_EQ(invites.at("entries").at(0).at("details").as_object().size(), 2u);
  EXPECT_EQ(invites.at("entries").at(0).at("target_id"), invited.at("invitation").at("id"));
}

TEST_F(DashboardTest, OpeningAndExportingAreAuditedAndAdminsFilterTheLog) {
  ASSERT_EQ(linh.call("dashboard.open", {{"candidate_id", amina.id}}).at("ok"), true);
  auto csv = http_request(server.port(), "GET", "/v1/export/caseload.csv", bearer(linh));
  ASSERT_EQ(csv.status, 200) << csv.body;
  ASSERT_EQ(csv.error, "");
  EXPECT_EQ(csv.headers["content-type"].rfind("text/csv", 0), 0u);
  // Written as it is read: in chunks, never held whole (so no Content-Length).
  EXPECT_EQ(csv.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(csv.headers.count("content-length"), 0u);
  EXPECT_EQ(csv.body.rfind("candidate_id,name,", 0), 0u);
  EXPECT_NE(csv.body.find("\"Carlos, \"\"el ingeniero\"\" Restrepo\""), std::string::npos) << csv.body;
  auto ind = http_request(server.port(), "GET", "/v1/export/indicators.csv?from=2020-01-01&cohort=2027", bearer(admin));
  ASSERT_EQ(ind.status, 200) << ind.body;
  EXPECT_EQ(ind.body.rfind("indicator,value\r\n", 0), 0u);
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/export/indicators.csv?cohort=%zz", bearer(admin)).status, 400);
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/export/indicators.csv?cohort=a%09b", bearer(admin)).status, 400);

  auto all = admin.call("audit.list");
  ASSERT_EQ(all.at("ok"), true) << json::serialize(all);
  const auto& entries = all.at("entries").as_array();
  // 5 accounts made on the command line and 2 caseload assignments (the fixture), then these 3.
  ASSERT_EQ(entries.size(), 10u) << json::serialize(all);
  // Newest first: the admin's export, Linh's export, Linh's opening of Amina's file.
  EXPECT_EQ(entries[0].at("action"), "export.indicators");
  EXPECT_EQ(entries[0].at("details").at("cohort"), "2027");
  EXPECT_EQ(entries[1].at("action"), "export.caseload");
  EXPECT_EQ(entries[1].at("details").at("rows"), 2);
  EXPECT_EQ(entries[2].at("action"), "candidate.open");
  EXPECT_EQ(entries[2].at("actor_id").as_string(), linh.id);
  EXPECT_EQ(entries[2].at("actor_email"), "linh@example.org");
  EXPECT_EQ(entries[2].at("target_id").as_string(), amina.id);
  EXPECT_EQ(entries[2].at("remote_address"), "127.0.0.1");

  auto opened = admin.call("audit.list", {{"action", "candidate.open"}, {"target_id", amina.id}});
  EXPECT_EQ(opened.at("entries").as_array().size(), 1u);
  auto by_admin = admin.call("audit.list", {{"actor_id", admin.id}});
  EXPECT_EQ(by_admin.at("entries").as_array().size(), 3u);  // the export and two assignments
  auto future = admin.call("audit.list", {{"from", "2999-01-01"}});
  EXPECT_EQ(future.at("entries").as_array().size(), 0u);
  auto page = admin.call("audit.list", {{"limit", 2}});
  ASSERT_EQ(page.at("entries").as_array().size(), 2u);
  auto rest = admin.call("audit.list", {{"limit", 2}, {"before_ms", page.at("before_ms")}});
  EXPECT_EQ(rest.at("entries").as_array().size(), 2u);
  EXPECT_NE(json::serialize(rest.at("entries").at(0)), json::serialize(page.at("entries").at(1)));

  // No token or password is ever stored in the audit log.
  for (const Peer* p : {&admin, &linh})
    EXPECT_EQ(server.count("SELECT COUNT(*) FROM audit_log WHERE details LIKE '%" + p->token + "%'"), 0);
  EXPECT_EQ(server.count(std::string("SELECT COUNT(*) FROM audit_log WHERE details LIKE '%") + kTestPassword + "%'"), 0);
}

// Two mentors who share a language with Amina (one in her occupation, one in its major group)
// and one who shares none; Amina's career profile. What mentors.suggest needs.
void seed_mentoring(TestServer& server, Peer& amina, std::vector<Peer>& mentors) {
  const json::array french{json::object{{"code", "fr"}, {"level", "native"}}};
  struct M {
    const char *email, *name, *code;
    json::array languages;
  };
  for (const M& m : {M{"isabelle@example.org", "Isabelle Roy", "21231", french},
                     M{"paul@example.org", "Paul Côté", "21299", french},
                     M{"yuki@example.org", "Yuki Sato", "21231", json::array{json::object{{"code", "ja"}, {"level", "native"}}}}}) {
    ASSERT_TRUE(server.create_user(m.email, m.name, "mentor", kTestPassword)) << server.last_error();
    mentors.push_back(sign_in(server, m.email));
    auto a = push(mentors.back(), {op("mentor.update", {{"occupation_code", m.code}, {"profession", "Software developer"},
                                                        {"languages", m.languages}, {"time_zone", "America/Toronto"},
                                                        {"capacity", 2}})});
    ASSERT_EQ(a.at("results").at(0).at("status"), "applied") << json::serialize(a);
  }
  auto c = push(amina, {op("career.update", {{"occupation_code", "21231"}, {"profession", "Software engineer"},
                                             {"languages", french}, {"time_zone", "Africa/Casablanca"}})});
  ASSERT_EQ(c.at("results").at(0).at("status"), "applied") << json::serialize(c);
}

TEST_F(DashboardTest, MentorSuggestionsAreRankedWithReasonsAndTheCoachProposes) {
  std::vector<Peer> mentors;
  ASSERT_NO_FATAL_FAILURE(seed_mentoring(server, amina, mentors));
  auto s = linh.call("mentors.suggest", {{"candidate_id", amina.id}});
  ASSERT_EQ(s.at("ok"), true) << json::serialize(s);
  EXPECT_EQ(s.at("career_profile"), true);
  EXPECT_TRUE(s.at("open_mentorship_id").is_null());
  const auto& list = s.at("suggestions").as_array();
  ASSERT_EQ(list.size(), 2u) << json::serialize(s);  // Yuki shares no working language
  EXPECT_EQ(list[0].at("mentor_id").as_string(), mentors[0].id);  // same occupation first
  EXPECT_EQ(list[1].at("mentor_id").as_string(), mentors[1].id);  // same major group
  EXPECT_GT(list[0].at("score").as_int64(), list[1].at("score").as_int64());
  const auto& reason = list[0].at("reasons").at(0);
  EXPECT_EQ(reason.at("code"), "same_occupation");
  EXPECT_EQ(reason.at("text").at("fr"), "même profession (CNP 21231)");
  EXPECT_EQ(reason.at("text").at("en"), "same occupation (NOC 21231)");
  EXPECT_EQ(list[1].at("reasons").at(0).at("text").at("fr"), "même grand groupe de professions (CNP 21)");
  EXPECT_EQ(admin.call("mentors.suggest", {{"candidate_id", amina.id}}).at("suggestions").as_array().size(), 2u);

  // The coach proposes the first one; the mentorship reaches the mentor and the candidate.
  std::string ms = passerelle::new_id();
  auto p = push(linh, {op("mentorship.propose", {{"id", ms}, {"candidate_id", amina.id}, {"mentor_id", mentors[0].id}})});
  ASSERT_EQ(p.at("results").at(0).at("status"), "applied") << json::serialize(p);
  for (Peer* who : {&mentors[0], &amina}) {
    auto row = pulled_row(pull_all(*who), "mentorships", ms);
    ASSERT_TRUE(row) << who->id;
    EXPECT_EQ(row->at("status"), "proposed");
    EXPECT_EQ(row->at("proposed_by").as_string(), linh.id);
  }
  // Then the page knows a mentorship is open, and that mentor is not suggested again.
  auto after = linh.call("mentors.suggest", {{"candidate_id", amina.id}});
  EXPECT_EQ(after.at("open_mentorship_id").as_string(), ms);
  ASSERT_EQ(after.at("suggestions").as_array().size(), 1u);
  EXPECT_EQ(after.at("suggestions").at(0).at("mentor_id").as_string(), mentors[1].id);

  // A candidate without a career profile: no suggestions, and the answer says why.
  auto none = linh.call("mentors.suggest", {{"candidate_id", carlos.id}});
  ASSERT_EQ(none.at("ok"), true) << json::serialize(none);
  EXPECT_EQ(none.at("career_profile"), false);
  EXPECT_TRUE(none.at("suggestions").as_array().empty());
}

TEST_F(DashboardTest, MentorSuggestionsAnswerOutsidersAsForAnUnknownCandidate) {
  std::vector<Peer> mentors;
  ASSERT_NO_FATAL_FAILURE(seed_mentoring(server, amina, mentors));
  auto unknown = linh.call("mentors.suggest", {{"candidate_id", passerelle::new_id()}});
  ASSERT_EQ(code_of(unknown), "not_found") << json::serialize(unknown);
  const json::value& expected = unknown.at("error");
  struct Asker {
    const char* who;
    Peer* peer;
    std::string candidate_id;
  };
  for (const Asker& a : {Asker{"the candidate herself", &amina, amina.id}, Asker{"another candidate", &carlos, amina.id},
                         Asker{"a coach of others", &marc, amina.id}, Asker{"a mentor", &mentors[0], amina.id},
                         Asker{"a coach asking about a coach", &linh, marc.id}}) {
    auto answer = a.peer->call("mentors.suggest", {{"candidate_id", a.candidate_id}});
    EXPECT_EQ(json::serialize(answer.at("error")), json::serialize(expected)) << a.who << ": " << json::serialize(answer);
  }
  EXPECT_EQ(code_of(linh.call("mentors.suggest", {{"candidate_id", 42}})), "bad_request");
  EXPECT_EQ(code_of(linh.call("mentors.suggest")), "bad_request");
}

TEST_F(DashboardTest, CohortLabelsFilterIndicatorsAndExports) {
  // Amina gets a cohort label from her coach; Carlos keeps none. Both arrive in 2027.
  for (Peer* c : {&amina, &carlos})
    ASSERT_EQ(push(*c, {op("profile.update", {{"planned_arrival", "2027-03-01"}})}).at("results").at(0).at("status"), "applied");
  const std::string label = "2027-Q1 Casablanca à l'hiver";
  auto set = push(linh, {op("candidate.set_cohort", {{"candidate_id", amina.id}, {"cohort", label}})});
  ASSERT_EQ(set.at("results").at(0).at("status"), "applied") << json::serialize(set);
  auto refused = push(marc, {op("candidate.set_cohort", {{"candidate_id", amina.id}, {"cohort", "x"}})});
  EXPECT_EQ(refused.at("results").at(0).at("status"), "rejected");
  auto self = push(amina, {op("candidate.set_cohort", {{"candidate_id", amina.id}, {"cohort", "x"}})});
  EXPECT_EQ(self.at("results").at(0).at("status"), "rejected");

  auto caseload = linh.call("dashboard.caseload");
  std::map<std::string, std::string> cohorts;
  for (const auto& r : caseload.at("candidates").as_array())
    cohorts[std::string(r.at("candidate_id").as_string())] = std::string(r.at("cohort").as_string());
  EXPECT_EQ(cohorts[amina.id], label);
  EXPECT_EQ(cohorts[carlos.id], "2027");  // no label: the arrival year

  auto labelled = linh.call("dashboard.indicators", {{"cohort", label}});
  ASSERT_EQ(labelled.at("ok"), true) << json::serialize(labelled);
  EXPECT_EQ(labelled.at("indicators").at("candidates"), 1);
  EXPECT_EQ(linh.call("dashboard.indicators", {{"cohort", "2027"}}).at("indicators").at("candidates"), 2);
  EXPECT_EQ(code_of(linh.call("dashboard.indicators", {{"cohort", std::string(61, 'x')}})), "bad_request");

  // The exports take the label percent-encoded (or with '+' for spaces), as a browser sends it.
  const std::string encoded = "2027-Q1+Casablanca+%C3%A0+l%27hiver";
  auto ind = http_request(server.port(), "GET", "/v1/export/indicators.csv?cohort=" + encoded, bearer(linh));
  ASSERT_EQ(ind.status, 200) << ind.body;
  EXPECT_NE(ind.body.find("\r\ncandidates,1\r\n"), std::string::npos) << ind.body;
  auto csv = http_request(server.port(), "GET", "/v1/export/caseload.csv?cohort=" + encoded, bearer(linh));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_NE(csv.body.find("Amina Benali"), std::string::npos);
  EXPECT_EQ(csv.body.find("Restrepo"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",off_track,cohort\r\n"), std::string::npos);
  auto year = http_request(server.port(), "GET", "/v1/export/caseload.csv?cohort=2027", bearer(linh));
  EXPECT_NE(year.body.find("Restrepo"), std::string::npos);
  auto audit = admin.call("audit.list", {{"action", "export.caseload"}});
  ASSERT_EQ(audit.at("entries").as_array().size(), 2u);
  EXPECT_EQ(audit.at("entries").at(1).at("details").at("cohort").as_string(), label);
  EXPECT_EQ(audit.at("entries").at(1).at("details").at("rows"), 1);
}


// Employers and activities figures (docs/dashboard.md, "Employers, activities and internships"):
// the rows come from the dashboard's key index (migration 14, kept by every write), scoped to the
// viewer, filtered by cohort, and the CSV carries them.
TEST_F(DashboardTest, EmployersAndActivitiesIndicatorsFromTheIndex) {
  ASSERT_TRUE(server.create_user("rh@acme.example", "Julie Roy", "employer", kTestPassword)) << server.last_error();
  Peer julie = sign_in(server, "rh@acme.example");
  std::string need = passerelle::new_id(), proposal = passerelle::new_id(), internship = passerelle::new_id();
  std::string activity = passerelle::new_id();
  auto applied = [](const json::object& a) { return a.at("results").at(0).at("status") == "applied"; };
  json::object conditions{{"work_station", true}, {"colleagues_on_site", true}, {"coach_on_site", true}};
  ASSERT_TRUE(applied(push(julie, {op("employer.update", {{"organization", "Acme"}, {"occupation_codes", json::array{"21231"}},
                                                          {"conditions", conditions}})})));
  ASSERT_TRUE(applied(push(linh, {op("employer.confirm_conditions", {{"employer_id", julie.id}, {"confirmed", true}})})));
  ASSERT_TRUE(applied(push(julie, {op("need.create", {{"id", need}, {"title", "Developer"}, {"occupation_code", "21234"}})})));
  ASSERT_TRUE(applied(push(amina, {op("career.update", {{"occupation_code", "21231"}})})));
  ASSERT_TRUE(applied(push(amina, {op("consent.give", json::object{})})));
  ASSERT_TRUE(applied(push(linh, {op("proposal.create", {{"id", proposal}, {"need_id", need}, {"candidate_id", amina.id}})})));
  ASSERT_TRUE(applied(push(linh, {op("internship.create", {{"id", internship}, {"employer_id", julie.id}, {"candidate_id", amina.id},
                                                           {"need_id", need}, {"start", "2027-09-01T13:00:00Z"},
                                                           {"end", "2027-09-10T13:00:00Z"}})})));
  ASSERT_TRUE(applied(push(linh, {op("internship.outcome", {{"id", internship}, {"outcome", "hired_priime"}})})));
  // A conference with Acme that both candidates register to; then it takes place (its start is
  // moved back in the database: a mutator only creates activities in the future).
  auto soon = std::chrono::floor<std::chrono::hours>(passerelle::now_utc() + std::chrono::hours(3));
  std::string start = passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(soon));
  std::string end = passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(soon + std::chrono::hours(2)));
  ASSERT_TRUE(applied(push(linh, {op("activity.create", {{"id", activity}, {"kind", "conference"}, {"title", "Forum"},
                                                         {"start", start}, {"end", end}, {"time_zone", "America/Toronto"},
                                                         {"place", "Laval"}, {"capacity", 5}, {"audience", "all"},
                                                         {"employer_ids", json::array{julie.id}}})})));
  for (Peer* c : {&amina, &carlos}) ASSERT_TRUE(applied(push(*c, {op("activity.register", {{"activity_id", activity}})})));
  auto held = std::chrono::floor<std::chrono::hours>(passerelle::now_utc() - std::chrono::hours(2));
  std::string past = passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(held));
  for (const char* table_column : {"sync_rows SET data = replace(data", "row_keys SET facts = replace(facts"})
    ASSERT_TRUE(server.execute(std::string("UPDATE ") + table_column + ", '" + start + "', '" + past +
                               "') WHERE collection = 'activities'"))
        << server.last_error();
  ASSERT_TRUE(applied(push(linh, {op("activity.attendance", {{"activity_id", activity}, {"candidate_id", amina.id},
                                                             {"attended", true}})})));

  auto figures = [](Peer& who, json::object req = {}) {
    auto a = who.call("dashboard.indicators", std::move(req));
    EXPECT_EQ(a.at("ok"), true) << json::serialize(a);
    return a.at("indicators").as_object();
  };
  for (Peer* viewer : {&linh, &admin}) {
    auto i = figures(*viewer);
    EXPECT_EQ(i.at("candidates_admitted"), 2);
    EXPECT_EQ(i.at("companies_supported"), 1);
    EXPECT_EQ(i.at("employed_after_support").at("total"), 1);
    EXPECT_EQ(i.at("employed_after_support").at("in_field"), 1) << "NOC 21234 and 21231: the same major group";
    EXPECT_EQ(i.at("activities").at("held"), 1);
    EXPECT_EQ(i.at("activities").at("seats"), 2);
    EXPECT_EQ(i.at("activities").at("attended"), 1);
    EXPECT_EQ(i.at("activities").at("unrecorded"), 1);
    EXPECT_EQ(i.at("internships").at("started"), 1);
    EXPECT_EQ(i.at("internships").at("hired_priime"), 1);
  }
  // Another coach's caseload holds none of it.
  auto other = figures(marc);
  EXPECT_EQ(other.at("companies_supported"), 0);
  EXPECT_EQ(other.at("activities").at("held"), 0);
  // A cohort of Amina alone, and a period that ended before any of it.
  ASSERT_TRUE(applied(push(linh, {op("candidate.set_cohort", {{"candidate_id", amina.id}, {"cohort", "Laval 2027"}})})));
  auto mine = figures(linh, {{"cohort", "Laval 2027"}});
  EXPECT_EQ(mine.at("activities").at("seats"), 1);
  EXPECT_EQ(mine.at("activities").at("unrecorded"), 0);
  auto before = figures(linh, {{"to", "2020-12-31"}});
  EXPECT_EQ(before.at("companies_supported"), 0);
  EXPECT_EQ(before.at("employed_after_support").at("total"), 0);

  auto csv = http_request(server.port(), "GET", "/v1/export/indicators.csv", bearer(linh));
  ASSERT_EQ(csv.status, 200) << csv.body;
  for (const char* line : {"\r\ncompanies_supported,1\r\n", "\r\nemployed_after_activity_or_internship_in_field,1\r\n",
                           "\r\nactivities_held,1\r\n", "\r\nactivity_attended,1\r\n", "\r\ninternships_hired_priime,1\r\n"})
    EXPECT_NE(csv.body.find(line), std::string::npos) << line << csv.body;
}

}  // namespace
