// Accounts on the real server (docs/security.md, "Passwords and sessions"): changing a password,
// resetting a forgotten one by e-mail, listing and ending sessions. Every rule of issue #23:
// the reset answer does not tell whether an account exists, a reset link or code works once,
// not after it expired, not after a newer one, not for a disabled account; the rate limits;
// ended sessions lose their connections and their tokens; bad input names its field.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <regex>
#include <thread>

#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/eventually.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using passerelle::test::kTestPassword;
using passerelle::test::Peer;
using passerelle::test::RawWsClient;
using passerelle::test::TestServer;

const std::string kNewPassword = "a brand new passphrase";

std::string code_of(const json::object& answer) {
  if (answer.contains("error")) return std::string(answer.at("error").at("code").as_string());
  return answer.contains("ok") && answer.at("ok") == true ? "ok" : "no answer: " + json::serialize(answer);
}

std::string message_of(const json::object& answer) {
  return answer.contains("error") ? std::string(answer.at("error").at("message").as_string()) : "";
}

using passerelle::test::eventually;

// The text of a quoted-printable body (soft breaks joined, =XX decoded).
std::string decode_qp(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      i += 2;
    } else if (in[i] == '=' && i + 2 < in.size()) {
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

struct ResetMail {
  std::string raw, text, token, code;
};

ResetMail parse_reset_mail(const std::string& raw) {
  ResetMail m{raw, decode_qp(raw.substr(raw.find("\r\n\r\n") + 4)), "", ""};
  std::smatch s;
  if (std::regex_search(m.text, s, std::regex(R"(/app/reset#([A-Za-z0-9_-]+))"))) m.token = s[1];
  if (std::regex_search(m.text, s, std::regex(R"(--code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}))"))) m.code = s[1];
  return m;
}

// A connection that said hello, not signed in.
Peer anonymous(TestServer& server) {
  Peer p;
  p.ws = passerelle::test::connect_hello(server);
  return p;
}

Peer sign_in_on(TestServer& server, const std::string& email, const std::string& password, const std::string& device) {
  Peer p = anonymous(server);
  auto a = p.call("auth.login", {{"email", email}, {"password", password}, {"device", device}});
  EXPECT_EQ(code_of(a), "ok") << json::serialize(a);
  if (a.contains("user")) p.id = std::string(a.at("user").at("id").as_string());
  if (a.contains("token")) p.token = std::string(a.at("token").as_string());
  return p;
}

// True once the server closed this connection (events before the close are skipped).
bool closed_by_server(RawWsClient& ws) {
  for (int i = 0; i < 50; ++i) {
    auto f = ws.read(5s);
    if (f.kind == RawWsClient::Frame::Kind::closed || f.kind == RawWsClient::Frame::Kind::error) return true;
    if (f.kind == RawWsClient::Frame::Kind::timeout) return false;
  }
  return false;
}

std::string resume_code(TestServer& server, const std::string& token) {
  Peer p = anonymous(server);
  return code_of(p.call("auth.resume", {{"token", token}}));
}

std::string login_code(TestServer& server, const std::string& email, const std::string& password) {
  Peer p = anonymous(server);
  return code_of(p.call("auth.login", {{"email", email}, {"password", password}}));
}

class AccountTest : public ::testing::Test {
 protected:
  explicit AccountTest(std::vector<std::string> args = {}) : server(options(std::move(args))) {}
  static TestServer::Options options(std::vector<std::string> args) {
    TestServer::Options o;
    o.extra_args = std::move(args);
    return o;
  }

  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("admin@example.org", "Admin", "admin", kTestPassword)) << server.last_error();
    ASSERT_TRUE(server.create_user("amina@example.org", "Amina Benali", "candidate", kTestPassword, "fr"));
    ASSERT_TRUE(server.create_user("bruno@example.org", "Bruno Silva", "candidate", kTestPassword, "en"));
  }

  // Asks a reset for `email` and returns the answer.
  json::object ask_reset(const std::string& email) {
    Peer p = anonymous(server);
    return p.call("auth.reset.request", {{"email", email}});
  }

  // Asks a reset for `email` and waits for its e-mail (the n-th mail written).
  ResetMail reset_mail_for(const std::string& email) {
    auto before = server.mails().size();
    auto a = ask_reset(email);
    EXPECT_EQ(code_of(a), "ok") << json::serialize(a);
    EXPECT_TRUE(eventually([&] { return server.mails().size() > before; })) << server.log();
    auto mails = server.mails();
    return mails.size() > before ? parse_reset_mail(mails.back()) : ResetMail{};
  }

  json::object confirm(const json::object& secret, const std::string& password = kNewPassword) {
    Peer p = anonymous(server);
    json::object fields = secret;
    fields["new_password"] = password;
    return p.call("auth.reset.confirm", fields);
  }

  TestServer server;
};

// --- reset by e-mail ----------------------------------------------------------------------

TEST_F(AccountTest, ResetAnswersAKnownAndAnUnknownAddressAlike) {
  auto known = ask_reset("amina@example.org");
  auto unknown = ask_reset("nobody-here@example.org");
  known.erase("re");
  unknown.erase("re");
  EXPECT_EQ(json::serialize(known), json::serialize(unknown));
  EXPECT_EQ(code_of(known), "ok");
  // Only the account that exists gets a message, addressed to it.
  ASSERT_TRUE(eventually([&] { return server.mails().size() == 1; })) << server.log();
  std::this_thread::sleep_for(300ms);
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].find("To: amina@example.org"), std::string::npos);
}

// Time within noise: the answer is sent before the account is even looked up, so the work done
// for an existing account (a token, a database write, an e-mail) comes after it. Medians of
// several requests; the bound is loose (a loaded machine), the difference it guards against
// (a lookup, a write with its fsync, a mail file) is what would show.
class ResetTimingTest : public AccountTest {
 protected:
  ResetTimingTest() : AccountTest({"--reset-requests-per-address", "1000", "--reset-requests-per-email", "1000"}) {}
};

TEST_F(ResetTimingTest, ResetAnswerTakesAsLongForAKnownAndAnUnknownAddress) {
  Peer p = anonymous(server);
  auto median_ms = [&](const std::string& email) {
    std::vector<double> t;
    for (int i = 0; i < 9; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto a = p.call("auth.reset.request", {{"email", email}});
      t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      EXPECT_EQ(code_of(a), "ok");
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  };
  double known = median_ms("amina@example.org"), unknown = median_ms("nobody-here@example.org");
  EXPECT_LT(std::abs(known - unknown), 250.0) << "known " << known << " ms, unknown " << unknown << " ms";
}

TEST_F(AccountTest, ResetMailIsBilingualInTheAccountsLocaleWithALinkIntoTheAppAndACode) {
  auto fr = reset_mail_for("amina@example.org");
  ASSERT_FALSE(fr.token.empty()) << fr.text;
  ASSERT_FALSE(fr.code.empty()) << fr.text;
  EXPECT_NE(fr.text.find("/app/reset#" + fr.token), std::string::npos);
  auto bonjour = fr.text.find("Bonjour"), hello = fr.text.find("Hello");
  ASSERT_NE(bonjour, std::string::npos);
  ASSERT_NE(hello, std::string::npos);
  EXPECT_LT(bonjour, hello) << "a French account reads French first";
  EXPECT_NE(fr.raw.find("Date: "), std::string::npos);
  EXPECT_NE(fr.raw.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(fr.raw.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);

  auto en = reset_mail_for("bruno@example.org");
  EXPECT_LT(en.text.find("Hello"), en.text.find("Bonjour")) << "an English account reads English first";
  // Stored hashed only.
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM password_resets WHERE token_hash = '" + passerelle::sha256_hex(en.token) + "'"), 1);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM password_resets WHERE token_hash = '" + en.token + "'"), 0);
}

TEST_F(AccountTest, ResetLinkWorksOnceAndSetsThePassword) {
  auto mail = reset_mail_for("amina@example.org");
  EXPECT_EQ(code_of(confirm({{"token", mail.token}})), "ok");
  EXPECT_EQ(login_code(server, "amina@example.org", kNewPassword), "ok");
  EXPECT_EQ(login_code(server, "amina@example.org", kTestPassword), "unauthenticated");
  auto again = confirm({{"token", mail.token}}, "yet another passphrase");
  EXPECT_EQ(code_of(again), "not_found") << json::serialize(again);
  EXPECT_EQ(code_of(confirm({{"code", mail.code}}, "yet another passphrase")), "not_found")
      << "the code of a used reset dies with its link";
  EXPECT_EQ(login_code(server, "amina@example.org", kNewPassword), "ok");
}

TEST_F(AccountTest, ResetCodeWorksAsTypedOnce) {
  auto mail = reset_mail_for("amina@example.org");
  std::string typed = mail.code;
  std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char c) { return std::tolower(c); });
  typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
  EXPECT_EQ(code_of(confirm({{"code", typed}})), "ok");
  EXPECT_EQ(login_code(server, "amina@example.org", kNewPassword), "ok");
  EXPECT_EQ(code_of(confirm({{"code", mail.code}}, "yet another passphrase")), "not_found");
  EXPECT_EQ(code_of(confirm({{"token", mail.token}}, "yet another passphrase")), "not_found");
}

TEST_F(AccountTest, ExpiredResetIsRefused) {
  auto mail = reset_mail_for("amina@example.org");
  ASSERT_TRUE(server.execute("UPDATE password_resets SET expires_at = '2000-01-01T00:00:00.000Z'")) << server.last_error();
  EXPECT_EQ(code_of(confirm({{"token", mail.token}})), "not_found");
  EXPECT_EQ(code_of(confirm({{"code", mail.code}})), "not_found");
  EXPECT_EQ(login_code(server, "amina@example.org", kTestPassword), "ok");
}

TEST_F(AccountTest, ANewerResetKillsTheOlderOne) {
  auto first = reset_mail_for("amina@example.org");
  auto second = reset_mail_for("amina@example.org");
  ASSERT_NE(first.token, second.token);
  EXPECT_EQ(code_of(confirm({{"token", first.token}})), "not_found");
  EXPECT_EQ(code_of(confirm({{"code", first.code}})), "not_found");
  EXPECT_EQ(code_of(confirm({{"token", second.token}})), "ok");
}

TEST_F(AccountTest, ADisabledAccountGetsNoResetAndItsPendingResetDies) {
  auto mail = reset_mail_for("amina@example.org");
  Peer admin = passerelle::test::sign_in(server, "admin@example.org");
  Peer amina = passerelle::test::sign_in(server, "amina@example.org");
  ASSERT_EQ(code_of(admin.call("account.update", {{"user_id", amina.id}, {"disabled", true}})), "ok");
  EXPECT_EQ(code_of(confirm({{"token", mail.token}})), "not_found");
  // Asking again gets the same answer as ever, and no message.
  auto before = server.mails().size();
  auto a = ask_reset("amina@example.org");
  EXPECT_EQ(code_of(a), "ok");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(server.mails().size(), before);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM password_resets WHERE ended_at IS NULL"), 0);
}

TEST_F(AccountTest, AnErasedAccountGetsNoReset) {
  Peer amina = passerelle::test::sign_in(server, "amina@example.org");
  ASSERT_EQ(code_of(amina.call("account.delete", {{"user_id", amina.id}, {"password", kTestPassword}})), "ok");
  auto before = server.mails().size();
  EXPECT_EQ(code_of(ask_reset("amina@example.org")), "ok");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(server.mails().size(), before);
}

TEST_F(AccountTest, ResetRequestsAreLimitedPerEmailAddress) {
  // Three per hour for one address, whether an account has it or not (--reset-requests-per-email).
  for (const std::string email : {"amina@example.org", "nobody-here@example.org"}) {
    for (int i = 0; i < 3; ++i) EXPECT_EQ(code_of(ask_reset(email)), "ok") << email << " " << i;
    auto refused = ask_reset(email);
    EXPECT_EQ(code_of(refused), "rate_limited") << email;
    EXPECT_TRUE(refused.at("error").as_object().contains("retry_after_ms"));
  }
  EXPECT_EQ(code_of(ask_reset("bruno@example.org")), "ok") << "another address is not limited";
}

class ResetAddressLimitTest : public AccountTest {
 protected:
  ResetAddressLimitTest() : AccountTest({"--reset-requests-per-address", "5"}) {}
};

TEST_F(ResetAddressLimitTest, ResetRequestsAreLimitedPerRemoteAddress) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(code_of(ask_reset("someone" + std::to_string(i) + "@example.org")), "ok");
  EXPECT_EQ(code_of(ask_reset("someone-else@example.org")), "rate_limited");
}

TEST_F(AccountTest, WrongResetCodesAreThrottled) {
  int refused = 0;
  std::string last;
  for (int i = 0; i < 8 && last != "rate_limited"; ++i) {
    last = code_of(confirm({{"code", "ABCD-EFGH-JKMN"}}));
    if (last == "not_found") ++refused;
  }
  EXPECT_EQ(last, "rate_limited");
  EXPECT_EQ(refused, 5);
}

TEST_F(AccountTest, ResetEndsEverySessionOfTheAccount) {
  Peer phone = sign_in_on(server, "amina@example.org", kTestPassword, "phone");
  Peer laptop = sign_in_on(server, "amina@example.org", kTestPassword, "laptop");
  auto mail = reset_mail_for("amina@example.org");
  auto a = confirm({{"token", mail.token}});
  EXPECT_EQ(code_of(a), "ok");
  EXPECT_EQ(a.at("ended_sessions"), 2);
  EXPECT_TRUE(closed_by_server(*phone.ws));
  EXPECT_TRUE(closed_by_server(*laptop.ws));
  EXPECT_EQ(resume_code(server, phone.token), "unauthenticated");
  EXPECT_EQ(resume_code(server, laptop.token), "unauthenticated");
}

// --- change ---------------------------------------------------------------------------------

TEST_F(AccountTest, ChangingThePasswordEndsTheOtherSessionsOnly) {
  Peer here = sign_in_on(server, "amina@example.org", kTestPassword, "phone");
  Peer there = sign_in_on(server, "amina@example.org", kTestPassword, "laptop");
  Peer bruno = passerelle::test::sign_in(server, "bruno@example.org");
  auto a = here.call("auth.password.change", {{"current", kTestPassword}, {"new", kNewPassword}});
  ASSERT_EQ(code_of(a), "ok") << json::serialize(a);
  EXPECT_EQ(a.at("ended_sessions"), 1);
  EXPECT_TRUE(closed_by_server(*there.ws));
  EXPECT_EQ(resume_code(server, there.token), "unauthenticated");
  // This connection and its token carry on; nobody else is touched.
  EXPECT_EQ(code_of(here.call("sessions.list")), "ok");
  EXPECT_EQ(resume_code(server, here.token), "ok");
  EXPECT_EQ(code_of(bruno.call("sessions.list")), "ok");
  EXPECT_EQ(login_code(server, "amina@example.org", kNewPassword), "ok");
  EXPECT_EQ(login_code(server, "amina@example.org", kTestPassword), "unauthenticated");
}

TEST_F(AccountTest, ChangingThePasswordNeedsTheCurrentOneAndFollowsTheRules) {
  Peer amina = passerelle::test::sign_in(server, "amina@example.org");
  auto wrong = amina.call("auth.password.change", {{"current", "not my password"}, {"new", kNewPassword}});
  EXPECT_EQ(code_of(wrong), "forbidden");
  auto shorter = amina.call("auth.password.change", {{"current", kTestPassword}, {"new", "short"}});
  EXPECT_EQ(code_of(shorter), "bad_request");
  EXPECT_NE(message_of(shorter).find("'new'"), std::string::npos) << message_of(shorter);
  EXPECT_EQ(login_code(server, "amina@example.org", kTestPassword), "ok");
  // Guessing the current password is throttled like signing in.
  std::string last;
  for (int i = 0; i < 8 && last != "rate_limited"; ++i)
    last = code_of(amina.call("auth.password.change", {{"current", "guess " + std::to_string(i)}, {"new", kNewPassword}}));
  EXPECT_EQ(last, "rate_limited");
}

// --- sessions -------------------------------------------------------------------------------

TEST_F(AccountTest, SessionsAreListedWithTheirDeviceAndCanBeEnded) {
  Peer phone = sign_in_on(server, "amina@example.org", kTestPassword, "Pixel 7");
  Peer laptop = sign_in_on(server, "amina@example.org", kTestPassword, "ThinkPad");
  Peer bruno = sign_in_on(server, "bruno@example.org", kTestPassword, "iPhone");
  auto list = phone.call("sessions.list");
  ASSERT_EQ(code_of(list), "ok") << json::serialize(list);
  const auto& sessions = list.at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 2u) << json::serialize(list);
  std::string laptop_id, phone_id;
  for (const auto& s : sessions) {
    const auto& o = s.as_object();
    EXPECT_EQ(o.at("address"), "127.0.0.1");
    EXPECT_FALSE(o.at("first_seen_at").as_string().empty());
    EXPECT_FALSE(o.at("last_seen_at").as_string().empty());
    EXPECT_FALSE(o.contains("token")) << "no token, nor its hash, leaves the server";
    EXPECT_EQ(json::serialize(o).find(passerelle::sha256_hex(phone.token)), std::string::npos);
    if (o.at("device") == "ThinkPad") {
      laptop_id = std::string(o.at("id").as_string());
      EXPECT_EQ(o.at("current"), false);
    }
    if (o.at("device") == "Pixel 7") {
      phone_id = std::string(o.at("id").as_string());
      EXPECT_EQ(o.at("current"), true);
    }
  }
  ASSERT_FALSE(laptop_id.empty());
  ASSERT_FALSE(phone_id.empty());

  // Someone else's session looks like one that does not exist.
  auto other = bruno.call("sessions.end", {{"session_id", laptop_id}});
  auto missing = bruno.call("sessions.end", {{"session_id", passerelle::new_id()}});
  EXPECT_EQ(code_of(other), "not_found");
  EXPECT_EQ(message_of(other), message_of(missing));

  ASSERT_EQ(code_of(phone.call("sessions.end", {{"session_id", laptop_id}})), "ok");
  EXPECT_TRUE(closed_by_server(*laptop.ws));
  EXPECT_EQ(resume_code(server, laptop.token), "unauthenticated");
  EXPECT_EQ(resume_code(server, phone.token), "ok");
  EXPECT_EQ(phone.call("sessions.list").at("sessions").as_array().size(), 1u);
  EXPECT_EQ(code_of(phone.call("sessions.end", {{"session_id", laptop_id}})), "not_found") << "already ended";

  // Ending one's own current session signs this connection out, like auth.logout.
  auto self = phone.call("sessions.end", {{"session_id", phone_id}});
  EXPECT_EQ(code_of(self), "ok");
  EXPECT_EQ(self.at("current"), true);
  EXPECT_EQ(code_of(phone.call("sessions.list")), "unauthenticated");
  EXPECT_EQ(resume_code(server, phone.token), "unauthenticated");
}

TEST_F(AccountTest, AnAdminEndsEverySessionOfAUser) {
  Peer admin = passerelle::test::sign_in(server, "admin@example.org");
  Peer phone = sign_in_on(server, "amina@example.org", kTestPassword, "phone");
  Peer laptop = sign_in_on(server, "amina@example.org", kTestPassword, "laptop");
  auto a = admin.call("account.end_sessions", {{"user_id", phone.id}});
  ASSERT_EQ(code_of(a), "ok") << json::serialize(a);
  EXPECT_EQ(a.at("ended_sessions"), 2);
  EXPECT_TRUE(closed_by_server(*phone.ws));
  EXPECT_TRUE(closed_by_server(*laptop.ws));
  EXPECT_EQ(resume_code(server, phone.token), "unauthenticated");
  EXPECT_EQ(resume_code(server, laptop.token), "unauthenticated");
  EXPECT_EQ(login_code(server, "amina@example.org", kTestPassword), "ok") << "the account itself stays enabled";
  EXPECT_EQ(code_of(admin.call("account.end_sessions", {{"user_id", passerelle::new_id()}})), "not_found");
}

// --- audit and logs ---------------------------------------------------------------------------

TEST_F(AccountTest, EachIsAuditedAndNoSecretReachesTheLogOrTheAudit) {
  Peer admin = passerelle::test::sign_in(server, "admin@example.org");
  Peer amina = sign_in_on(server, "amina@example.org", kTestPassword, "phone");
  ASSERT_EQ(code_of(amina.call("auth.password.change", {{"current", kTestPassword}, {"new", kNewPassword}})), "ok");
  auto list = amina.call("sessions.list");
  auto mail = reset_mail_for("amina@example.org");
  ASSERT_EQ(code_of(confirm({{"code", mail.code}}, "the third passphrase")), "ok");
  Peer again = sign_in_on(server, "amina@example.org", "the third passphrase", "phone");
  auto sid = again.call("sessions.list").at("sessions").at(0).at("id").as_string();
  ASSERT_EQ(code_of(again.call("sessions.end", {{"session_id", sid}})), "ok");
  ASSERT_EQ(code_of(admin.call("account.end_sessions", {{"user_id", amina.id}})), "ok");
  for (const char* action : {"account.password_change", "account.password_reset_request", "account.password_reset",
                             "account.session_end", "account.end_sessions"})
    EXPECT_EQ(server.count(std::string("SELECT COUNT(*) FROM audit_log WHERE action = '") + action +
                           "' AND remote_address = '127.0.0.1'"),
              1)
        << action;
  std::string log = server.log();
  for (const std::string& secret : {mail.token, mail.code, passerelle::sha256_hex(mail.token), kNewPassword,
                                    std::string("the third passphrase"), std::string("amina@example.org"), amina.token})
    EXPECT_EQ(log.find(secret), std::string::npos) << "the server log holds a secret or an address";
  for (const std::string& secret : {mail.token, mail.code, kNewPassword, std::string("the third passphrase")})
    EXPECT_EQ(server.count("SELECT COUNT(*) FROM audit_log WHERE details LIKE '%" + secret + "%'"), 0);
}

// --- bad input ------------------------------------------------------------------------------

TEST_F(AccountTest, BadInputIsABadRequestNamingTheField) {
  Peer amina = passerelle::test::sign_in(server, "amina@example.org");
  Peer admin = passerelle::test::sign_in(server, "admin@example.org");
  const std::string big(5000, 'x');
  struct Case {
    Peer* who;  // nullptr: anonymous
    std::string type;
    json::object fields;
    std::string field;
  };
  std::vector<Case> cases = {
      {nullptr, "auth.reset.request", {}, "email"},
      {nullptr, "auth.reset.request", {{"email", 5}}, "email"},
      {nullptr, "auth.reset.request", {{"email", ""}}, "email"},
      {nullptr, "auth.reset.request", {{"email", big + "@example.org"}}, "email"},
      {nullptr, "auth.reset.confirm", {{"token", "x"}}, "new_password"},
      {nullptr, "auth.reset.confirm", {{"token", ""}, {"new_password", kNewPassword}}, "token"},
      {nullptr, "auth.reset.confirm", {{"token", 7}, {"new_password", kNewPassword}}, "token"},
      {nullptr, "auth.reset.confirm", {{"token", big}, {"new_password", kNewPassword}}, "token"},
      {nullptr, "auth.reset.confirm", {{"code", ""}, {"new_password", kNewPassword}}, "code"},
      {nullptr, "auth.reset.confirm", {{"code", json::array{}}, {"new_password", kNewPassword}}, "code"},
      {nullptr, "auth.reset.confirm", {{"code", big}, {"new_password", kNewPassword}}, "code"},
      {nullptr, "auth.reset.confirm", {{"new_password", kNewPassword}}, "token"},
      {nullptr, "auth.reset.confirm", {{"token", "x"}, {"new_password", "short"}}, "new_password"},
      {nullptr, "auth.reset.confirm", {{"token", "x"}, {"new_password", big}}, "new_password"},
      {nullptr, "auth.reset.confirm", {{"token", "x"}, {"new_password", 12}}, "new_password"},
      {nullptr, "auth.login", {{"email", "amina@example.org"}, {"password", kTestPassword}, {"device", big}}, "device"},
      {nullptr, "auth.login", {{"email", "amina@example.org"}, {"password", kTestPassword}, {"device", 3}}, "device"},
      {&amina, "auth.password.change", {{"new", kNewPassword}}, "current"},
      {&amina, "auth.password.change", {{"current", ""}, {"new", kNewPassword}}, "current"},
      {&amina, "auth.password.change", {{"current", 1}, {"new", kNewPassword}}, "current"},
      {&amina, "auth.password.change", {{"current", big}, {"new", kNewPassword}}, "current"},
      {&amina, "auth.password.change", {{"current", kTestPassword}}, "new"},
      {&amina, "auth.password.change", {{"current", kTestPassword}, {"new", ""}}, "new"},
      {&amina, "auth.password.change", {{"current", kTestPassword}, {"new", big}}, "new"},
      {&amina, "auth.password.change", {{"current", kTestPassword}, {"new", true}}, "new"},
      {&amina, "sessions.end", {}, "session_id"},
      {&amina, "sessions.end", {{"session_id", ""}}, "session_id"},
      {&amina, "sessions.end", {{"session_id", 1}}, "session_id"},
      {&amina, "sessions.end", {{"session_id", big}}, "session_id"},
      {&admin, "account.end_sessions", {}, "user_id"},
      {&admin, "account.end_sessions", {{"user_id", ""}}, "user_id"},
      {&admin, "account.end_sessions", {{"user_id", nullptr}}, "user_id"},
      {&admin, "account.end_sessions", {{"user_id", big}}, "user_id"},
  };
  for (auto& c : cases) {
    Peer anon;
    Peer* who = c.who;
    if (!who) {
      anon = anonymous(server);
      who = &anon;
    }
    auto a = who->call(c.type, c.fields);
    EXPECT_EQ(code_of(a), "bad_request") << c.type << " " << json::serialize(c.fields).substr(0, 200) << " -> " << json::serialize(a);
    EXPECT_NE(message_of(a).find("'" + c.field + "'"), std::string::npos)
        << c.type << " " << json::serialize(c.fields).substr(0, 200) << " -> " << message_of(a);
  }
  // Nothing of it changed anything.
  EXPECT_EQ(login_code(server, "amina@example.org", kTestPassword), "ok");
}

}  // namespace
