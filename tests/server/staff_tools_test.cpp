// The dashboard's employer and activity tools against the real server binary (docs/dashboard.md,
// "Employers" and "Activities"): `employers.preselect` ranks consenting candidates for a need
// with the shared ranking's reasons in both languages and drops those already proposed;
// `activities.calendar` gives the organizer the printable grid and the .ics of a built
// speed-jobbing rotation; neither answers anyone but staff.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string push1(Peer& p, json::object one) {
  auto a = p.call("push", {{"ops", json::array{std::move(one)}}});
  if (a["ok"] != true) return "push failed: " + json::serialize(a);
  const auto& r = a.at("results").as_array().at(0).as_object();
  if (r.at("status") == "applied") return "applied";
  return std::string(r.at("error").at("message").as_string());
}

std::string code_of(const json::object& answer) {
  if (!answer.contains("error")) return "ok";
  return std::string(answer.at("error").at("code").as_string());
}

std::string hour_in(std::chrono::hours ahead) {
  auto t = std::chrono::floor<std::chrono::hours>(passerelle::now_utc() + ahead);
  return passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
}

class StaffToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    for (auto [email, name, role] : {std::tuple{"admin@example.org", "Sophie Tremblay", "admin"},
                                     {"linh@example.org", "Linh Nguyen", "coach"},
                                     {"marc@example.org", "Marc-André Gagnon", "coach"},
                                     {"amina@example.org", "Amina Benali", "candidate"},
                                     {"carlos@example.org", "Carlos Restrepo", "candidate"},
                                     {"mentor@example.org", "Isabelle Roy", "mentor"},
                                     {"julie@example.org", "Julie Lavoie", "employer"}})
      ASSERT_TRUE(server.create_user(email, name, role, kTestPassword)) << server.last_error();
    admin = sign_in(server, "admin@example.org");
    linh = sign_in(server, "linh@example.org");
    marc = sign_in(server, "marc@example.org");
    amina = sign_in(server, "amina@example.org");
    carlos = sign_in(server, "carlos@example.org");
    mentor = sign_in(server, "mentor@example.org");
    julie = sign_in(server, "julie@example.org");
    for (Peer* c : {&amina, &carlos})
      ASSERT_EQ(push1(admin, op("caseload.assign", {{"candidate_id", c->id}, {"coach_id", linh.id}, {"thread_id", passerelle::new_id()}})),
                "applied");
  }

  // Julie's company in Laval needs a developer (NOC 21231) who works in French; Amina is one
  // and consents, Carlos consents with another occupation and no French.
  void seed_employer() {
    ASSERT_EQ(push1(julie, op("employer.update", {{"organization", "Logiciels Laval"}, {"sector", "TI"}, {"region", "Laval"},
                                                  {"occupation_codes", json::array{"21231"}}, {"languages", json::array{"fr"}}})),
              "applied");
    ASSERT_EQ(push1(julie, op("need.create", {{"id", need}, {"title", "Développeuse"}, {"occupation_code", "21231"},
                                              {"languages", json::array{"fr"}}, {"region", "Laval"}})),
              "applied");
    ASSERT_EQ(push1(amina, op("career.update", {{"occupation_code", "21231"}, {"profession", "Software engineer"},
                                                {"languages", json::array{json::object{{"code", "fr"}, {"level", "C1"}}}},
                                                {"target_region", "Laval"}})),
              "applied");
    ASSERT_EQ(push1(carlos, op("career.update", {{"occupation_code", "72100"}, {"profession", "Electrician"},
                                                 {"languages", json::array{json::object{{"code", "es"}, {"level", "native"}}}}})),
              "applied");
    for (Peer* c : {&amina, &carlos}) ASSERT_EQ(push1(*c, op("consent.give", {})), "applied");
  }

  TestServer server;
  Peer admin, linh, marc, amina, carlos, mentor, julie;
  std::string need = passerelle::new_id();
};

TEST_F(StaffToolsTest, PreselectionRanksConsentingCandidatesWithReasonsAndDropsThoseProposed) {
  ASSERT_NO_FATAL_FAILURE(seed_employer());
  auto a = linh.call("employers.preselect", {{"need_id", need}});
  ASSERT_EQ(code_of(a), "ok") << json::serialize(a);
  EXPECT_EQ(a.at("need_status"), "open");
  const auto& list = a.at("candidates").as_array();
  ASSERT_EQ(list.size(), 2u) << json::serialize(a);  // no hard filter: staff decide
  EXPECT_EQ(list[0].at("candidate_id").as_string(), amina.id);
  EXPECT_EQ(list[0].at("name"), "Amina Benali");
  EXPECT_GT(list[0].at("score").as_int64(), list[1].at("score").as_int64());
  const auto& reason = list[0].at("reasons").at(0);
  EXPECT_EQ(reason.at("code"), "same_occupation");
  EXPECT_EQ(reason.at("points"), 60);
  EXPECT_EQ(reason.at("text").at("fr"), "même profession (CNP 21231)");
  EXPECT_EQ(reason.at("text").at("en"), "same occupation (NOC 21231)");
  bool region = false;
  for (const auto& r : list[0].at("reasons").as_array()) region = region || r.at("code") == "region";
  EXPECT_TRUE(region) << json::serialize(list[0]);
  // Any coach and the admin see the same list: employer relations belong to the program.
  EXPECT_EQ(json::serialize(marc.call("employers.preselect", {{"need_id", need}}).at("candidates")), json::serialize(list));
  EXPECT_EQ(admin.call("employers.preselect", {{"need_id", need}}).at("candidates").as_array().size(), 2u);

  // The coach proposes Amina (the mutator stores the same score and reasons); she leaves the list.
  std::string proposal = passerelle::new_id();
  ASSERT_EQ(push1(linh, op("proposal.create", {{"id", proposal}, {"need_id", need}, {"candidate_id", amina.id}})), "applied");
  auto row = pulled_row(pull_all(julie), "employer_proposals", proposal);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->at("score"), list[0].at("score"));
  EXPECT_EQ(json::serialize(row->at("reasons")), json::serialize(list[0].at("reasons")));
  auto after = linh.call("employers.preselect", {{"need_id", need}});
  ASSERT_EQ(after.at("candidates").as_array().size(), 1u);
  EXPECT_EQ(after.at("candidates").at(0).at("candidate_id").as_string(), carlos.id);

  // Carlos withdraws his consent: he is no longer listed.
  ASSERT_EQ(push1(carlos, op("consent.withdraw", {})), "applied");
  EXPECT_TRUE(linh.call("employers.preselect", {{"need_id", need}}).at("candidates").as_array().empty());
}

TEST_F(StaffToolsTest, PreselectionAnswersOnlyStaff) {
  ASSERT_NO_FATAL_FAILURE(seed_employer());
  for (Peer* p : {&amina, &carlos, &mentor, &julie}) {
    auto a = p->call("employers.preselect", {{"need_id", need}});
    EXPECT_EQ(code_of(a), "forbidden") << p->id << " " << json::serialize(a);
    EXPECT_EQ(code_of(p->call("employers.preselect", {{"need_id", passerelle::new_id()}})), "forbidden");
  }
  EXPECT_EQ(code_of(linh.call("employers.preselect", {{"need_id", passerelle::new_id()}})), "not_found");
  EXPECT_EQ(code_of(linh.call("employers.preselect", {{"need_id", 42}})), "bad_request");
  EXPECT_EQ(code_of(linh.call("employers.preselect")), "bad_request");
}

TEST_F(StaffToolsTest, TheOrganizerGetsTheGridAndTheCalendarsOfARotation) {
  ASSERT_NO_FATAL_FAILURE(seed_employer());
  std::string activity = passerelle::new_id();
  ASSERT_EQ(push1(linh, op("activity.create", {{"id", activity}, {"kind", "speed_jobbing"}, {"title", "Speed jobbing TI"},
                                               {"start", hour_in(72h)}, {"end", hour_in(74h)}, {"time_zone", "America/Toronto"},
                                               {"place", "Laval"}, {"capacity", 10}, {"audience", "all"},
                                               {"employer_ids", json::array{json::value(julie.id)}}})),
            "applied");
  // Before a rotation: the activity's own event, no grid.
  auto before = linh.call("activities.calendar", {{"activity_id", activity}, {"locale", "en"}});
  ASSERT_EQ(code_of(before), "ok") << json::serialize(before);
  EXPECT_TRUE(before.at("grid").is_null());
  EXPECT_NE(std::string(before.at("activity_ics").as_string()).find("UID:" + activity + "@passerelle"), std::string::npos);

  for (Peer* c : {&amina, &carlos}) ASSERT_EQ(push1(*c, op("activity.register", {{"activity_id", activity}})), "applied");
  ASSERT_EQ(push1(linh, op("activity.schedule", {{"id", activity}})), "applied");
  auto a = linh.call("activities.calendar", {{"activity_id", activity}, {"locale", "en"}});
  ASSERT_EQ(code_of(a), "ok") << json::serialize(a);
  std::string grid(a.at("grid").as_string());
  EXPECT_NE(grid.find("Amina Benali"), std::string::npos) << grid;
  EXPECT_NE(grid.find("Carlos Restrepo"), std::string::npos) << grid;
  const auto& agendas = a.at("agendas").as_array();
  ASSERT_EQ(agendas.size(), 3u) << json::serialize(a);  // two candidates and the employer
  for (const auto& g : agendas) {
    std::string ics(g.at("ics").as_string());
    EXPECT_EQ(ics.rfind("BEGIN:VCALENDAR", 0), 0u) << ics;
    EXPECT_NE(ics.find("BEGIN:VEVENT"), std::string::npos) << ics;
    EXPECT_FALSE(std::string(g.at("text").as_string()).empty());
  }
  // The admin too; another coach, the candidates, the employer and a mentor do not.
  EXPECT_EQ(code_of(admin.call("activities.calendar", {{"activity_id", activity}})), "ok");
  auto unknown = linh.call("activities.calendar", {{"activity_id", passerelle::new_id()}});
  ASSERT_EQ(code_of(unknown), "not_found");
  auto other = marc.call("activities.calendar", {{"activity_id", activity}});
  EXPECT_EQ(json::serialize(other.at("error")), json::serialize(unknown.at("error")));  // like a made-up id
  for (Peer* p : {&amina, &julie, &mentor})
    EXPECT_EQ(code_of(p->call("activities.calendar", {{"activity_id", activity}})), "forbidden");
  EXPECT_EQ(code_of(linh.call("activities.calendar", {{"activity_id", activity}, {"locale", "de"}})), "bad_request");
}

}  // namespace
