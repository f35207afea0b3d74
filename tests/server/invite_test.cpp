// Onboarding (docs/dashboard.md "Invitations", docs/operations.md "Onboarding a cohort"), against
// the real server: invitations made, listed, resent and revoked; the candidate of a coach's
// invitation lands in that coach's caseload with her coaching thread; a cohort CSV checked row
// by row and sent from a queue that survives a crash; the admin's account search.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <regex>
#include <set>

#include "passerelle/test/eventually.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using passerelle::test::eventually;
using passerelle::test::kTestPassword;
using passerelle::test::Peer;
using passerelle::test::TestServer;

std::string code_of(const json::object& a) {
  if (a.contains("error")) return std::string(a.at("error").at("code").as_string());
  return a.contains("ok") && a.at("ok") == true ? "ok" : "no answer";
}

// The mail's quoted-printable soft line breaks undone.
std::string unfold(std::string mail) {
  for (std::size_t p; (p = mail.find("=\r\n")) != std::string::npos;) mail.erase(p, 3);
  return mail;
}

std::string token_in(const std::string& mail) {
  std::smatch m;
  std::string text = unfold(mail);
  if (std::regex_search(text, m, std::regex("invite#([A-Za-z0-9_-]{43})"))) return m[1];
  return "";
}

std::string recipient(const std::string& mail) {
  std::smatch m;
  if (std::regex_search(mail, m, std::regex("\nTo: ([^\r\n]+)"))) return m[1];
  return "";
}

// The newest e-mail to `to`, or "".
std::string mail_to(TestServer& s, const std::string& to) {
  std::string found;
  for (const auto& m : s.mails())
    if (recipient(m).find(to) != std::string::npos) found = m;
  return found;
}

json::object accept(TestServer& s, const std::string& token, json::object extra = {}) {
  auto ws = passerelle::test::connect_hello(s);
  json::object f{{"token", token}, {"password", kTestPassword}};
  for (auto& kv : extra) f[kv.key()] = kv.value();
  return ws->call(2, "auth.accept_invite", f, 10s);
}

class InviteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("admin@example.org", "Ada Admin", "admin", kTestPassword, "en"));
    ASSERT_TRUE(server.create_user("coach1@example.org", "Coralie Coach", "coach", kTestPassword));
    ASSERT_TRUE(server.create_user("coach2@example.org", "Karim Coach", "coach", kTestPassword));
    admin = passerelle::test::sign_in(server, "admin@example.org");
    coach = passerelle::test::sign_in(server, "coach1@example.org");
    other_coach = passerelle::test::sign_in(server, "coach2@example.org");
  }
  TestServer server{TestServer::Options{{"--invite-rate", "200"}}};
  Peer admin, coach, other_coach;
};

TEST_F(InviteTest, ACoachsCandidateLandsInHerCaseloadWithHerCoachingThread) {
  auto a = coach.call("invite.create", {{"email", "Nadia.Haddad@Example.org"},
                                        {"role", "candidate"},
                                        {"name", "Nadia Haddad"},
                                        {"locale", "en"},
                                        {"profile", {{"country", "DZ"}, {"planned_arrival", "2027-04-01"}}}});
  ASSERT_EQ(code_of(a), "ok") << json::serialize(a);
  EXPECT_EQ(a.at("invitation").at("status"), "pending");
  std::string mail = mail_to(server, "nadia.haddad@example.org");
  ASSERT_FALSE(mail.empty());
  EXPECT_NE(unfold(mail).find("Coralie Coach invites you"), std::string::npos);
  auto acc = accept(server, token_in(mail));  // no name: the invitation's
  ASSERT_EQ(code_of(acc), "ok") << json::serialize(acc);
  EXPECT_EQ(acc.at("user").at("name"), "Nadia Haddad");
  std::string user_id(acc.at("user").at("id").as_string());

  auto caseload = coach.call("dashboard.caseload");
  ASSERT_EQ(code_of(caseload), "ok");
  bool found = false;
  for (const auto& c : caseload.at("candidates").as_array())
    if (c.at("candidate_id") == json::value(user_id)) {
      found = true;
      EXPECT_EQ(c.at("country"), "DZ");
      EXPECT_EQ(c.at("planned_arrival"), "2027-04-01");
    }
  EXPECT_TRUE(found) << json::serialize(caseload);
  EXPECT_EQ(code_of(other_coach.call("dashboard.open", {{"candidate_id", user_id}})), "not_found");

  Peer nadia = passerelle::test::sign_in(server, "nadia.haddad@example.org");
  auto pulled = passerelle::test::pull_all(nadia);
  bool thread = false;
  for (const auto& [key, change] : pulled.rows)
    if (key.rfind("threads/", 0) == 0 && change.at("data").at("kind") == "coaching") thread = true;
  EXPECT_TRUE(thread) << "her coaching thread is open";

  auto list = coach.call("invite.list");
  ASSERT_EQ(code_of(list), "ok");
  ASSERT_EQ(list.at("invitations").as_array().size(), 1u);
  const auto& row = list.at("invitations").as_array()[0].as_object();
  EXPECT_EQ(row.at("status"), "accepted");
  EXPECT_EQ(row.at("user_id"), json::value(user_id));
  EXPECT_EQ(row.at("invited_by_name"), "Coralie Coach");
  EXPECT_EQ(other_coach.call("invite.list").at("invitations").as_array().size(), 0u) << "a coach sees their own";
  EXPECT_EQ(admin.call("invite.list").at("invitations").as_array().size(), 1u) << "an admin sees all";
}

TEST_F(InviteTest, WhoMayInviteWhom) {
  EXPECT_EQ(code_of(coach.call("invite.create", {{"email", "boss@example.org"}, {"role", "admin"}})), "forbidden");
  EXPECT_EQ(code_of(coach.call("invite.create", {{"email", "k@example.org"}, {"role", "coach"}})), "forbidden");
  EXPECT_EQ(code_of(coach.call("invite.create", {{"email", "m@example.org"}, {"role", "mentor"}})), "ok");
  EXPECT_EQ(code_of(admin.call("invite.create", {{"email", "k@example.org"}, {"role", "coach"}})), "ok");
  // A coach cannot put a candidate in someone else's caseload; an admin can, naming a coach.
  std::string coach2_id = other_coach.id;
  EXPECT_EQ(code_of(coach.call("invite.create", {{"email", "c@example.org"}, {"role", "candidate"}, {"coach_id", coach2_id}})),
            "forbidden");
  EXPECT_EQ(code_of(admin.call("invite.create", {{"email", "c@example.org"}, {"role", "candidate"}, {"coach_id", admin.id}})),
            "not_found");
  auto ok = admin.call("invite.create", {{"email", "c@example.org"}, {"role", "candidate"}, {"coach_id", coach2_id}});
  ASSERT_EQ(code_of(ok), "ok");
  auto acc = accept(server, token_in(mail_to(server, "c@example.org")), {{"name", "Chloé"}});
  ASSERT_EQ(code_of(acc), "ok");
  EXPECT_EQ(code_of(other_coach.call("dashboard.open", {{"candidate_id", acc.at("user").at("id")}})), "ok");
  // Bad fields are refused by the mutators' own rules, before anything is stored or sent.
  EXPECT_EQ(code_of(coach.call("invite.create", {{"email", "d@example.org"}, {"role", "candidate"}, {"profile", {{"country", "Morocco"}}}})),
            "bad_request");
  EXPECT_EQ(code_of(coach.call("invite.create", {{"email", "e@example.org"}, {"role", "candidate"}, {"mentor", {{"city", "Laval"}}}})),
            "bad_request");
  // A mentor's invitation carries their mentor profile, theirs once they accept.
  ASSERT_EQ(code_of(admin.call("invite.create", {{"email", "mentor@example.org"}, {"role", "mentor"}, {"name", "Marc Mentor"},
                                                 {"mentor", {{"city", "Québec"}, {"capacity", 3}}}})),
            "ok");
  ASSERT_EQ(code_of(accept(server, token_in(mail_to(server, "mentor@example.org")))), "ok");
  Peer marc = passerelle::test::sign_in(server, "mentor@example.org");
  auto pulled = passerelle::test::pull_all(marc);
  auto profile = passerelle::test::pulled_row(pulled, "mentor_profiles", marc.id);
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->at("city"), "Québec");
  EXPECT_EQ(profile->at("capacity"), 3);
}

// Employers (docs/employers.md) come in like other accounts: program staff invite them, the
// e-mail names the role in the reader's language, and the account signs in as an employer.
TEST_F(InviteTest, StaffInviteAnEmployer) {
  ASSERT_EQ(code_of(coach.call("invite.create", {{"email", "rh@acme.example"}, {"role", "employer"}, {"name", "Julie Roy"}})), "ok");
  std::string mail = mail_to(server, "rh@acme.example");
  // Quoted-printable soft line breaks joined again before looking for the role's name.
  std::string text = std::regex_replace(mail, std::regex("=\r?\n"), "");
  EXPECT_NE(text.find("en tant que employeur"), std::string::npos) << mail;
  auto acc = accept(server, token_in(mail));
  ASSERT_EQ(code_of(acc), "ok");
  EXPECT_EQ(acc.at("user").at("role"), "employer");
  Peer julie = passerelle::test::sign_in(server, "rh@acme.example");
  EXPECT_EQ(code_of(julie.call("invite.create", {{"email", "x@example.org"}, {"role", "candidate"}})), "forbidden");
  EXPECT_EQ(code_of(admin.call("invite.create", {{"email", "y@example.org"}, {"role", "employer"}})), "ok");
}

TEST_F(InviteTest, RevokedAndReplacedLinksAreRefused) {
  ASSERT_EQ(code_of(coach.call("invite.create", {{"email", "r@example.org"}, {"role", "candidate"}})), "ok");
  std::string id(coach.call("invite.list").at("invitations").as_array()[0].at("id").as_string());
  std::string first = token_in(mail_to(server, "r@example.org"));
  EXPECT_EQ(code_of(other_coach.call("invite.resend", {{"invitation_id", id}})), "not_found") << "not theirs";
  EXPECT_EQ(code_of(other_coach.call("invite.revoke", {{"invitation_id", id}})), "not_found") << "not theirs";
  ASSERT_EQ(code_of(coach.call("invite.resend", {{"invitation_id", id}})), "ok");
  std::string second = token_in(mail_to(server, "r@example.org"));
  ASSERT_NE(first, second);
  EXPECT_EQ(code_of(accept(server, first)), "not_found") << "the old link died with the resend";
  ASSERT_EQ(code_of(coach.call("invite.revoke", {{"invitation_id", id}})), "ok");
  EXPECT_EQ(code_of(accept(server, second)), "not_found") << "a revoked invitation cannot be accepted";
  EXPECT_EQ(code_of(coach.call("invite.resend", {{"invitation_id", id}})), "conflict");
  auto list = admin.call("invite.list", {{"status", "revoked"}});
  ASSERT_EQ(list.at("invitations").as_array().size(), 1u);
  EXPECT_EQ(list.at("counts").at("revoked"), 1);
  // Each change is in the audit log.
  for (const char* action : {"account.invite", "invite.resend", "invite.revoke"})
    EXPECT_EQ(admin.call("audit.list", {{"action", action}}).at("entries").as_array().size(), 1u) << action;
}

TEST_F(InviteTest, AnAdminFindsPeopleWithTheirCoachStateAndLastSignIn) {
  ASSERT_EQ(code_of(coach.call("invite.create", {{"email", "zoe@example.org"}, {"role", "candidate"}, {"name", "Zoé Tremblay"}})), "ok");
  ASSERT_EQ(code_of(accept(server, token_in(mail_to(server, "zoe@example.org")))), "ok");
  auto found = admin.call("accounts.search", {{"query", "zoé"}});
  ASSERT_EQ(code_of(found), "ok") << json::serialize(found);
  ASSERT_EQ(found.at("accounts").as_array().size(), 1u);
  const auto& zoe = found.at("accounts").as_array()[0].as_object();
  EXPECT_EQ(zoe.at("email"), "zoe@example.org");
  EXPECT_EQ(zoe.at("coach_name"), "Coralie Coach");
  EXPECT_EQ(zoe.at("state"), "active");
  EXPECT_TRUE(zoe.at("last_sign_in").is_string());
  EXPECT_EQ(admin.call("accounts.search", {{"role", "coach"}}).at("accounts").as_array().size(), 2u);
  EXPECT_EQ(admin.call("accounts.search", {{"query", "100%"}}).at("accounts").as_array().size(), 0u)
      << "% is a character to find, not a wildcard";
  EXPECT_EQ(code_of(coach.call("accounts.search", {{"query", "zoé"}})), "forbidden");
  ASSERT_EQ(code_of(admin.call("account.update", {{"user_id", zoe.at("id")}, {"disabled", true}})), "ok");
  EXPECT_EQ(admin.call("accounts.search", {{"state", "disabled"}}).at("accounts").as_array().size(), 1u);
}

// --- cohorts ---------------------------------------------------------------------------

passerelle::test::HttpResult upload(TestServer& s, const Peer& who, const std::string& csv, const std::string& query) {
  return passerelle::test::http_request(s.port(), "POST", "/v1/invitations/cohort?" + query,
                                        {{"Authorization", "Bearer " + who.token}, {"Content-Type", "text/csv"}}, csv);
}

std::map<std::string, std::string> outcomes(const passerelle::test::HttpResult& r) {
  std::map<std::string, std::string> out;
  auto v = json::parse(r.body);
  for (const auto& row : v.at("report").as_array())
    out[std::string(row.at("email").as_string()) + "#" + std::to_string(row.at("row").as_int64())] =
        std::string(row.at("outcome").as_string());
  return out;
}

// The fixture's server listens on 127.0.0.1:0 with no --public-url: the links in its e-mails
// must name the port it bound, not ":0". Both senders are checked, the handler of one
// invitation and the cohort queue's (which keeps its own copy of the public URL).
TEST_F(InviteTest, WithAnEphemeralPortTheLinksCarryThePortBound) {
  ASSERT_NE(server.port(), 0);
  std::string page = "http://127.0.0.1:" + std::to_string(server.port()) + "/app/invite#";
  std::string ws = "ws://127.0.0.1:" + std::to_string(server.port()) + " ";
  ASSERT_EQ(code_of(coach.call("invite.create", {{"email", "port@example.org"}, {"role", "candidate"}})), "ok");
  std::string one = unfold(mail_to(server, "port@example.org"));
  EXPECT_NE(one.find(page), std::string::npos) << one;
  EXPECT_NE(one.find("--server " + ws), std::string::npos) << one;
  EXPECT_EQ(one.find("127.0.0.1:0/"), std::string::npos) << one;

  auto sent = upload(server, coach, "email,name\r\ncohort@example.org,Cohort Person\r\n", "mode=send");
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_TRUE(eventually([&] { return !mail_to(server, "cohort@example.org").empty(); }));
  std::string queued = unfold(mail_to(server, "cohort@example.org"));
  EXPECT_NE(queued.find(page), std::string::npos) << queued;
  EXPECT_NE(queued.find("--server " + ws), std::string::npos) << queued;
}

TEST_F(InviteTest, ACohortFileIsCheckedRowByRowAndItsGoodRowsAreSentOnce) {
  ASSERT_TRUE(server.create_user("taken@example.org", "Already Here", "candidate", kTestPassword));
  std::string csv =
      "\xEF\xBB\xBF"
      "email,name,locale,planned_arrival,country\r\n"
      "ana@example.org,\"Souza, Ana\",en,2027-02-01,BR\r\n"
      "not-an-email,Nobody,fr,,\r\n"
      "taken@example.org,Already Here,fr,,\r\n"
      "ANA@example.org,Ana again,fr,,\r\n"
      "li@example.org,Li Wei,fr,2027-13-40,CN\r\n"
      "omar@example.org,\"Omar \"\"O\"\" Diallo\",fr,,SN\r\n";
  auto check = upload(server, coach, csv, "mode=check");
  ASSERT_EQ(check.status, 200) << check.body;
  auto o = outcomes(check);
  EXPECT_EQ(o["ana@example.org#1"], "ok");
  EXPECT_EQ(o["not-an-email#2"], "invalid_email");
  EXPECT_EQ(o["taken@example.org#3"], "already_registered");
  EXPECT_EQ(o["ana@example.org#4"], "duplicate_in_file");
  EXPECT_EQ(o["li@example.org#5"], "invalid");
  EXPECT_EQ(o["omar@example.org#6"], "ok");
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM invitations"), 0) << "a check sends nothing";

  auto sent = upload(server, coach, csv, "mode=send");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(outcomes(sent)["omar@example.org#6"], "sent");
  ASSERT_TRUE(eventually([&] { return !mail_to(server, "omar@example.org").empty() && !mail_to(server, "ana@example.org").empty(); }));
  EXPECT_EQ(server.mails().size(), 2u);
  auto acc = accept(server, token_in(mail_to(server, "ana@example.org")));
  ASSERT_EQ(code_of(acc), "ok") << json::serialize(acc);
  EXPECT_EQ(acc.at("user").at("name"), "Souza, Ana");
  EXPECT_EQ(code_of(coach.call("dashboard.open", {{"candidate_id", acc.at("user").at("id")}})), "ok");
  // Sent again, the same file invites nobody twice.
  auto again = upload(server, coach, csv, "mode=send");
  EXPECT_EQ(outcomes(again)["omar@example.org#6"], "already_invited");
  EXPECT_EQ(outcomes(again)["ana@example.org#1"], "already_registered");
  // Erasing her account erases her invitation, queue row included (it references it).
  Peer ana = passerelle::test::sign_in(server, "ana@example.org");
  auto erased = ana.call("account.delete", {{"user_id", ana.id}, {"password", kTestPassword}}, 20s);
  ASSERT_EQ(code_of(erased), "ok") << json::serialize(erased);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM invitations WHERE email = 'ana@example.org'"), 0);
}

TEST_F(InviteTest, ABadCohortFileChangesNothing) {
  for (const std::string& bad : {std::string("email,name\r\na@example.org,\"unclosed\r\n"),
                                 std::string("mail,name\r\na@example.org,A\r\n"),
                                 std::string("email,name\r\na@example.org,A,extra\r\n"),
                                 std::string("email,name\r\n"), std::string("email\r\n\xff\xfe@example.org\r\n")}) {
    auto r = upload(server, coach, bad, "mode=send");
    EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
  }
  std::string big = "email\n";
  for (int i = 0; i < 2001; ++i) big += "p" + std::to_string(i) + "@example.org\n";
  EXPECT_EQ(upload(server, coach, big, "mode=send").status, 413);
  EXPECT_EQ(upload(server, admin, "email\na@example.org\n", "mode=send&coach_id=" + admin.id).status, 404) << "not a coach";
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM invitations"), 0);
  EXPECT_EQ(server.mails().size(), 0u);
}

// Killed in the middle of a cohort, the server sends the rest after its restart, and every
// person gets exactly one e-mail.
TEST(InviteQueue, ResumesAfterACrashAndSendsEachEMailOnce) {
  TestServer server{TestServer::Options{{"--invite-rate", "20"}}};
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("coach1@example.org", "Coralie Coach", "coach", kTestPassword));
  Peer coach = passerelle::test::sign_in(server, "coach1@example.org");
  const int n = 60;
  std::string csv = "email,name\n";
  for (int i = 0; i < n; ++i) csv += "person" + std::to_string(i) + "@example.org,Person " + std::to_string(i) + "\n";
  auto r = upload(server, coach, csv, "mode=send");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(eventually([&] { return server.mails().size() >= 5; }));
  server.kill9();
  auto before = server.mails().size();
  EXPECT_LT(before, static_cast<std::size_t>(n)) << "the crash came before the end (raise n if the machine is fast)";
  ASSERT_TRUE(server.start()) << server.last_error();
  ASSERT_TRUE(eventually([&] { return server.mails().size() >= static_cast<std::size_t>(n); }, 60s));
  std::this_thread::sleep_for(500ms);  // nothing more comes
  std::map<std::string, int> per_person;
  for (const auto& m : server.mails()) ++per_person[recipient(m)];
  EXPECT_EQ(per_person.size(), static_cast<std::size_t>(n));
  for (const auto& [to, count] : per_person) EXPECT_EQ(count, 1) << to;
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM invitation_queue WHERE sent_at_ms IS NULL"), 0);
  // And each e-mail's link works.
  auto acc = accept(server, token_in(server.mails().front()));
  EXPECT_EQ(code_of(acc), "ok") << json::serialize(acc);
}

}  // namespace

namespace {

// A relay that refuses: the invitation stays queued with the error shown, and is tried again
// later rather than at once.
TEST(InviteQueue, ARefusingRelayLeavesTheInvitationQueuedWithItsError) {
  TestServer server{TestServer::Options{{"--invite-rate", "50", "--mail-command", "false"}}};
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("coach1@example.org", "Coralie Coach", "coach", kTestPassword));
  Peer coach = passerelle::test::sign_in(server, "coach1@example.org");
  ASSERT_EQ(upload(server, coach, "email\na@example.org\nb@example.org\n", "mode=send").status, 200);
  ASSERT_TRUE(eventually([&] { return server.count("SELECT COUNT(*) FROM invitation_queue WHERE attempts = 1") == 2; }));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM invitation_queue WHERE attempts > 1"), 0) << "backed off, not hammered";
  auto list = coach.call("invite.list");
  ASSERT_EQ(list.at("invitations").as_array().size(), 2u);
  for (const auto& i : list.at("invitations").as_array()) {
    EXPECT_EQ(i.at("status"), "queued");
    EXPECT_TRUE(i.as_object().contains("send_error")) << json::serialize(i);
  }
}

}  // namespace
