// End-to-end tests of passerelle-server through its wire protocol (docs/protocol.md).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const char* kPassword = "correct horse battery";

std::unique_ptr<RawWsClient> hello(TestServer& s) {
  auto ws = std::make_unique<RawWsClient>();
  EXPECT_TRUE(ws->connect(s.port())) << ws->last_error();
  auto a = ws->call(1, "hello", {{"protocol", 1}});
  EXPECT_EQ(a["ok"], true) << json::serialize(a);
  return ws;
}

json::object login(RawWsClient& ws, const std::string& email, const std::string& password, std::int64_t id = 2) {
  return ws.call(id, "auth.login", {{"email", email}, {"password", password}}, 10s);
}

// The invitation token from a quoted-printable e-mail body.
std::string token_in_mail(std::string mail) {
  for (std::size_t p; (p = mail.find("=\r\n")) != std::string::npos;) mail.erase(p, 3);
  std::smatch m;
  if (std::regex_search(mail, m, std::regex("invite#([A-Za-z0-9_-]{43})"))) return m[1];
  return "";
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("coach@example.org", "Linh Nguyen", "coach", kPassword, "en")) << server.last_error();
    ASSERT_TRUE(server.create_user("amina@example.org", "Amina Benali", "candidate", kPassword)) << server.last_error();
  }
  TestServer server;
};

}  // namespace

TEST_F(ServerTest, HealthzMetricsAndHttpRoutes) {
  auto h = http_get(server.port(), "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok\n");
  auto ws = hello(server);
  ws->call(2, "nope");
  auto m = http_get(server.port(), "/metrics");
  EXPECT_EQ(m.status, 200);
  for (const char* needle : {"passerelle_open_connections 1", "passerelle_requests_total{type=\"hello\"} 1",
                             "passerelle_errors_total{code=\"bad_request\"} 1", "passerelle_logins_total{result=\"ok\"}",
                             "passerelle_request_duration_seconds_bucket{le=\"+Inf\"}"})
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle << "\n" << m.body;
  // The database's state (docs/operations.md, "Database faults and health").
  for (const char* needle : {"passerelle_db_up 1", "passerelle_db_reconnects_total 0", "passerelle_db_outages_total 0"})
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle << "\n" << m.body;
  EXPECT_EQ(http_get(server.port(), "/livez").body, "alive\n");
  EXPECT_EQ(http_request(server.port(), "HEAD", "/healthz").status, 200);
  EXPECT_EQ(http_request(server.port(), "POST", "/healthz").status, 405);
  EXPECT_EQ(http_get(server.port(), "/healthzz").status, 404);
  EXPECT_EQ(http_get(server.port(), "/v1/ws").status, 426);
  auto root = http_get(server.port(), "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_NE(root.content_type.find("text/html"), std::string::npos);
  EXPECT_EQ(http_get(server.port(), "/nothing-here").status, 404);
  EXPECT_EQ(http_get(server.port(), "/../../etc/passwd").status, 404);
  EXPECT_EQ(http_get(server.port(), "/%2e%2e/%2e%2e/etc/passwd").status, 404);
}

// The phone app at /app/ (docs/app.md): its own files from --web-root, the core's five from
// --wasm-dir, every route without a dot answered by its page, and the older invitation link.
TEST(ServerPhoneApp, ServesTheAppItsCoreFilesAndItsRoutes) {
  TempDir web, wasm;
  std::filesystem::create_directories(web.path() + "/app/screens");
  auto write = [](const std::string& file, const std::string& text) { std::ofstream(file) << text; };
  write(web.path() + "/index.html", "dashboard");
  write(web.path() + "/app/index.html", "the app");
  write(web.path() + "/app/manifest.webmanifest", "{}");
  write(web.path() + "/app/icon.svg", "<svg/>");
  write(web.path() + "/app/icon-192.png", "png");
  write(web.path() + "/app/favicon.ico", "ico");
  write(web.path() + "/app/screens/home.js", "export {}");
  for (const char* f : {"passerelle.mjs", "worker.mjs", "opfs_pool.mjs", "passerelle-core.mjs", "passerelle-core.wasm"})
    write(wasm.path() + "/" + f, std::string("core ") + f);
  write(wasm.path() + "/secret.txt", "not served");
  TestServer::Options options;
  options.extra_args = {"--web-root", web.path(), "--wasm-dir", wasm.path()};
  TestServer server(options);
  ASSERT_TRUE(server.ok()) << server.last_error();
  auto port = server.port();

  EXPECT_EQ(http_get(port, "/").body, "dashboard");
  EXPECT_EQ(http_get(port, "/app/").body, "the app");
  for (const char* route : {"/app/plan", "/app/messages/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "/app/invite", "/app/reset"}) {
    auto r = http_get(port, route);
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.body, "the app") << route;
    EXPECT_NE(r.content_type.find("text/html"), std::string::npos) << route;
  }
  auto wasm_file = http_get(port, "/app/passerelle-core.wasm");
  EXPECT_EQ(wasm_file.body, "core passerelle-core.wasm");
  EXPECT_EQ(wasm_file.content_type, "application/wasm");
  auto worker = http_get(port, "/app/worker.mjs");
  EXPECT_EQ(worker.body, "core worker.mjs");
  EXPECT_NE(worker.content_type.find("text/javascript"), std::string::npos);
  EXPECT_EQ(http_get(port, "/app/secret.txt").status, 404);  // only the core's files come from --wasm-dir
  EXPECT_EQ(http_get(port, "/app/missing.js").status, 404);  // a file, not a route: no page in its place
  EXPECT_EQ(http_get(port, "/app/screens/home.js").body, "export {}");
  EXPECT_EQ(http_get(port, "/app/manifest.webmanifest").content_type, "application/manifest+json");
  EXPECT_EQ(http_get(port, "/app/icon.svg").content_type, "image/svg+xml");
  EXPECT_EQ(http_get(port, "/app/icon-192.png").content_type, "image/png");
  EXPECT_EQ(http_get(port, "/app/favicon.ico").content_type, "image/x-icon");

  // A fresh gzip copy is sent to a browser that takes gzip; a stale one (older than the file)
  // never is, nor to a client that does not take gzip.
  write(wasm.path() + "/passerelle-core.wasm.gz", "gzipped core");
  auto gz = http_request(port, "GET", "/app/passerelle-core.wasm", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(gz.body, "gzipped core");
  EXPECT_EQ(gz.headers["content-encoding"], "gzip");
  EXPECT_EQ(gz.content_type, "application/wasm");
  EXPECT_EQ(http_get(port, "/app/passerelle-core.wasm").body, "core passerelle-core.wasm");
  EXPECT_EQ(http_request(port, "GET", "/app/passerelle-core.wasm", {{"Accept-Encoding", "gzip;q=0"}}).body, "core passerelle-core.wasm");
  std::filesystem::last_write_time(wasm.path() + "/passerelle-core.wasm.gz",
                                   std::filesystem::last_write_time(wasm.path() + "/passerelle-core.wasm") - std::chrono::hours(1));
  auto stale = http_request(port, "GET", "/app/passerelle-core.wasm", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(stale.body, "core passerelle-core.wasm");
  EXPECT_EQ(stale.headers.count("content-encoding"), 0u);

  auto invite = http_get(port, "/invite");
  EXPECT_EQ(invite.status, 302);
  EXPECT_EQ(invite.headers["location"], "/app/invite");
  auto bare = http_get(port, "/app");
  EXPECT_EQ(bare.status, 302);
  EXPECT_EQ(bare.headers["location"], "/app/");
}

TEST_F(ServerTest, HelloRules) {
  RawWsClient ws;
  ASSERT_TRUE(ws.connect(server.port()));
  auto early = ws.call(1, "auth.login", {{"email", "a@b.c"}, {"password", "x"}});
  EXPECT_EQ(code_of(early), "bad_request");
  EXPECT_EQ(message_of(early), "send hello first");
  EXPECT_EQ(code_of(ws.call(2, "hello", {{"protocol", 2}})), "unsupported");
  auto ok = ws.call(3, "hello", {{"protocol", 1}});
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["protocol"], 1);
  EXPECT_EQ(ok["server"], "passerelle/0.1.0");
  EXPECT_EQ(code_of(ws.call(4, "hello", {{"protocol", 1}})), "unsupported");
}

TEST_F(ServerTest, LoginOkWrongPasswordAndUnknownEmailLookTheSame) {
  auto ws = hello(server);
  auto ok = login(*ws, "Amina@Example.org", kPassword);
  ASSERT_EQ(ok["ok"], true) << json::serialize(ok);
  EXPECT_EQ(ok["token"].as_string().size(), 43u);
  EXPECT_EQ(ok["user"].at("role"), "candidate");
  EXPECT_EQ(ok["user"].at("email"), "amina@example.org");
  EXPECT_EQ(ok["user"].at("name"), "Amina Benali");
  EXPECT_EQ(ok["user"].at("locale"), "fr");
  EXPECT_TRUE(ok.contains("expires_at"));

  auto wrong = login(*ws, "amina@example.org", "not the password", 3);
  auto unknown = login(*ws, "nobody@example.org", kPassword, 4);
  EXPECT_EQ(code_of(wrong), "unauthenticated");
  EXPECT_EQ(code_of(unknown), "unauthenticated");
  EXPECT_EQ(message_of(wrong), "wrong e-mail or password");
  EXPECT_EQ(message_of(unknown), message_of(wrong));
  auto log = server.log();
  EXPECT_EQ(log.find(kPassword), std::string::npos);
  EXPECT_EQ(log.find(std::string(ok["token"].as_string())), std::string::npos);
}

TEST_F(ServerTest, RateLimitingAfterFiveFailures) {
  auto ws = hello(server);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(code_of(login(*ws, "amina@example.org", "wrong password", 10 + i)), "unauthenticated");
  auto limited = login(*ws, "amina@example.org", kPassword, 20);  // even the right password
  ASSERT_EQ(code_of(limited), "rate_limited") << json::serialize(limited);
  EXPECT_GT(limited["error"].at("retry_after_ms").as_int64(), 0);
  // Another account is not affected.
  EXPECT_EQ(login(*ws, "coach@example.org", kPassword, 21)["ok"], true);
}

TEST_F(ServerTest, ResumeAfterReconnectAndLogoutRevokes) {
  std::string token;
  {
    auto ws = hello(server);
    auto ok = login(*ws, "amina@example.org", kPassword);
    token = std::string(ok["token"].as_string());
  }
  auto ws = hello(server);
  auto resumed = ws->call(2, "auth.resume", {{"token", token}});
  ASSERT_EQ(resumed["ok"], true) << json::serialize(resumed);
  EXPECT_EQ(resumed["user"].at("email"), "amina@example.org");
  EXPECT_FALSE(resumed.contains("token"));
  EXPECT_EQ(ws->call(3, "auth.logout")["ok"], true);
  EXPECT_EQ(code_of(ws->call(4, "auth.logout")), "unauthenticated");  // the connection is signed out
  auto other = hello(server);
  EXPECT_EQ(code_of(other->call(2, "auth.resume", {{"token", token}})), "unauthenticated");
  EXPECT_EQ(code_of(other->call(3, "auth.resume", {{"token", "garbage"}})), "unauthenticated");
}

// Resumes sent together are looked up together (auth_handlers.cpp: one query for the batch on
// PostgreSQL): each still gets its own answer, a live token asked three times, the revoked and
// unknown ones refused as a lone resume would be.
TEST_F(ServerTest, ResumesSentTogetherEachGetTheirOwnAnswer) {
  std::string amina, coach, revoked;
  {
    auto a = hello(server), c = hello(server), r = hello(server);
    amina = std::string(login(*a, "amina@example.org", kPassword)["token"].as_string());
    coach = std::string(login(*c, "coach@example.org", kPassword)["token"].as_string());
    revoked = std::string(login(*r, "amina@example.org", kPassword)["token"].as_string());
    ASSERT_EQ(r->call(3, "auth.logout")["ok"], true);  // this connection's token: `revoked`
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {amina, "amina@example.org"}, {coach, "coach@example.org"}, {revoked, ""},
      {"garbage", ""},             {amina, "amina@example.org"}, {coach, "coach@example.org"},
      {"garbage2", ""},            {amina, "amina@example.org"}};
  std::vector<std::unique_ptr<RawWsClient>> conns;
  for (std::size_t i = 0; i < cases.size(); ++i) conns.push_back(hello(server));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    json::object frame{{"id", 2}, {"type", "auth.resume"}, {"token", cases[i].first}};
    ASSERT_TRUE(conns[i]->send_text(json::serialize(frame))) << conns[i]->last_error();
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto answer = conns[i]->read_answer(2, 10s);
    if (cases[i].second.empty()) {
      EXPECT_EQ(code_of(answer), "unauthenticated") << i << ": " << json::serialize(answer);
      continue;
    }
    ASSERT_EQ(answer["ok"], true) << i << ": " << json::serialize(answer);
    EXPECT_EQ(answer["user"].at("email"), cases[i].second.c_str()) << i;
    // Signed in as that user: a request that needs it is served.
    EXPECT_EQ(conns[i]->call(3, "sessions.list")["ok"], true) << i;
  }
}

TEST_F(ServerTest, ExpiredTokenIsRefused) {
  auto ws = hello(server);
  std::string token(login(*ws, "amina@example.org", kPassword)["token"].as_string());
  ASSERT_TRUE(server.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z'")) << server.last_error();
  auto other = hello(server);
  EXPECT_EQ(code_of(other->call(2, "auth.resume", {{"token", token}})), "unauthenticated");
}

TEST_F(ServerTest, CoachInvitesCandidateWhoAcceptsOnce) {
  auto coach = hello(server);
  ASSERT_EQ(login(*coach, "coach@example.org", kPassword)["ok"], true);
  auto inv = coach->call(3, "invite.create", {{"email", "new@example.org"}, {"role", "candidate"}, {"locale", "en"}});
  ASSERT_EQ(inv["ok"], true) << json::serialize(inv);
  EXPECT_EQ(inv["invitation"].at("email"), "new@example.org");
  EXPECT_EQ(inv["invitation"].at("role"), "candidate");
  EXPECT_FALSE(inv["invitation"].as_object().contains("token"));
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].find("To: new@example.org\r\n"), std::string::npos);
  EXPECT_NE(mails[0].find("Subject: Your invitation to Passerelle\r\n"), std::string::npos);
  std::string token = token_in_mail(mails[0]);
  ASSERT_EQ(token.size(), 43u) << mails[0];

  EXPECT_EQ(code_of(coach->call(4, "invite.create", {{"email", "amina@example.org"}, {"role", "candidate"}})), "conflict");
  EXPECT_EQ(code_of(coach->call(5, "invite.create", {{"email", "x@example.org"}, {"role", "admin"}})), "forbidden");
  EXPECT_EQ(code_of(coach->call(6, "invite.create", {{"email", "not-an-email"}, {"role", "candidate"}})), "bad_request");

  auto newbie = hello(server);
  EXPECT_EQ(code_of(newbie->call(2, "auth.accept_invite", {{"token", token}, {"name", "Nouveau"}, {"password", "short"}})), "bad_request");
  EXPECT_EQ(code_of(newbie->call(3, "auth.accept_invite", {{"token", "unknown"}, {"name", "N"}, {"password", kPassword}})), "not_found");
  auto accepted = newbie->call(4, "auth.accept_invite", {{"token", token}, {"name", "Nouveau Venu"}, {"password", kPassword}}, 10s);
  ASSERT_EQ(accepted["ok"], true) << json::serialize(accepted);
  EXPECT_EQ(accepted["user"].at("role"), "candidate");
  EXPECT_EQ(accepted["user"].at("locale"), "en");
  EXPECT_EQ(accepted["token"].as_string().size(), 43u);
  auto again = hello(server);
  EXPECT_EQ(code_of(again->call(2, "auth.accept_invite", {{"token", token}, {"name", "Twice"}, {"password", kPassword}})), "conflict");
  EXPECT_EQ(login(*again, "new@example.org", kPassword, 3)["ok"], true);
}

TEST_F(ServerTest, CandidateCannotInvite) {
  auto ws = hello(server);
  ASSERT_EQ(login(*ws, "amina@example.org", kPassword)["ok"], true);
  EXPECT_EQ(code_of(ws->call(3, "invite.create", {{"email", "x@example.org"}, {"role", "candidate"}})), "forbidden");
}

TEST_F(ServerTest, BadInputsGetClearErrorsAndTheConnectionStaysUsable) {
  auto ws = hello(server);
  auto expect_error = [&](const std::string& frame, const char* code, const std::string& message_part, bool re_null) {
    ASSERT_TRUE(ws->send_text(frame));
    auto f = ws->read();
    ASSERT_TRUE(f.is_text()) << frame;
    auto a = json::parse(f.data).as_object();
    EXPECT_EQ(code_of(a), code) << frame << " -> " << f.data;
    EXPECT_NE(message_of(a).find(message_part), std::string::npos) << frame << " -> " << f.data;
    if (re_null) EXPECT_TRUE(a.at("re").is_null()) << f.data;
  };
  expect_error("{not json", "bad_request", "", true);
  expect_error("[1,2]", "bad_request", "object", true);
  expect_error(R"({"type":"hello"})", "bad_request", "field 'id' is missing", true);
  expect_error(R"({"id":"7","type":"x"})", "bad_request", "field 'id' must be an integer", true);
  expect_error(R"({"id":7,"type":5})", "bad_request", "field 'type'", false);
  expect_error(R"({"id":8,"type":"frobnicate"})", "bad_request", "unknown request type 'frobnicate'", false);
  expect_error(R"({"id":9,"type":"auth.login","email":"a@b.c"})", "bad_request", "field 'password' is missing", false);
  expect_error(R"({"id":10,"type":"auth.login","email":5,"password":"x"})", "bad_request", "field 'email' must be", false);
  expect_error(R"({"id":11,"type":"invite.create","email":"a@b.c","role":"candidate"})", "unauthenticated", "", false);
  expect_error(R"({"id":12,"type":"hello","protocol":"1"})", "unsupported", "", false);

  ASSERT_TRUE(ws->send_binary(std::string("\x01\x02\x03", 3)));
  auto bin = ws->read();
  ASSERT_TRUE(bin.is_text());
  EXPECT_EQ(code_of(json::parse(bin.data).as_object()), "unsupported");
  // Still open and working.
  EXPECT_EQ(login(*ws, "amina@example.org", kPassword, 13)["ok"], true);
}

TEST_F(ServerTest, OversizedFrameGetsTooLargeThenClose1009) {
  auto ws = hello(server);
  auto bystander = hello(server);
  std::string big = R"({"id":5,"type":"hello","pad":")" + std::string(70000, 'x') + "\"}";
  ASSERT_TRUE(ws->send_text(big));
  auto f = ws->read();
  ASSERT_TRUE(f.is_text()) << f.error;
  auto a = json::parse(f.data).as_object();
  EXPECT_EQ(code_of(a), "too_large");
  auto closed = ws->read();
  EXPECT_EQ(closed.kind, RawWsClient::Frame::Kind::closed);
  EXPECT_EQ(closed.close_code, 1009);
  EXPECT_EQ(login(*bystander, "amina@example.org", kPassword)["ok"], true);
}

TEST(ServerTimeouts, SlowHandshakeIsClosedWhileOthersCarryOn) {
  TestServer server({{"--handshake-timeout-ms", "300"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  auto good = hello(server);
  // Never completes its HTTP request / never starts one.
  EXPECT_TRUE(server_closes_idle_tcp(server.port(), "GET /v1/ws HTTP/1.1\r\nHost: x\r\n", 10s));
  EXPECT_TRUE(server_closes_idle_tcp(server.port(), "", 10s));
  EXPECT_EQ(good->call(2, "hello", {{"protocol", 1}})["error"].at("code"), "unsupported");  // still served
}

TEST(ServerTimeouts, IdlePeerIsPingedAndKeptWhileItAnswers) {
  TestServer server({{"--idle-timeout-ms", "400"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  auto ws = hello(server);
  // Reading lets the client auto-answer pings; nothing arrives but the connection stays open.
  auto f = ws->read(1500ms);
  EXPECT_EQ(f.kind, RawWsClient::Frame::Kind::timeout);
}

TEST(ServerLifecycle, GracefulSigtermClosesWith1001AndExitsZero) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  auto ws = hello(server);
  int code = -2;
  std::thread stopper([&] { code = server.stop(); });
  auto f = ws->read(10s);
  stopper.join();
  EXPECT_EQ(f.kind, RawWsClient::Frame::Kind::closed);
  EXPECT_EQ(f.close_code, 1001);
  EXPECT_EQ(code, 0);
}

TEST(ServerLifecycle, RestartKeepsAccountsAndDemoIsIdempotent) {
  TestServer server({{"--demo"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.restart()) << server.last_error();
  auto ws = hello(server);
  EXPECT_EQ(login(*ws, "amina.benali@demo.passerelle.quebec", "demo-candidate-2026")["ok"], true);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM users"), 11);
}
