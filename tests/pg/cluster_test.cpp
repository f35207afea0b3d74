// Two passerelle-server instances on one PostgreSQL behind nginx (deploy/nginx/passerelle.conf,
// run as a foreground process on loopback with a temporary config): clients spread over both
// instances, a message reaches the other instance's client live (LISTEN/NOTIFY poke), and after
// a kill -9 of one instance its client reconnects through nginx to the other and loses nothing.
// Runs under tests/pg/run-pg.sh; skips without PostgreSQL or without nginx.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "passerelle/shared/ids.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const char* kNginx = "/usr/sbin/nginx";


std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

// Drops the lines of `text` that contain `needle`.
std::string without_lines(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line))
    if (line.find(needle) == std::string::npos) out += line + "\n";
  return out;
}

// nginx in the foreground (daemon off) with the shipped site config, its two upstream
// addresses and its listen ports rewritten. The proxying is what this test is about: the TLS
// server is made to listen in plain HTTP (its certificate, made here, is loaded but unused);
// tests/ops/run-operations-doc.sh goes through its TLS.
class Nginx {
 public:
  Nginx(const std::string& a, const std::string& b) {
    std::string d = dir_.path();
    fs::create_directories(d + "/tmp");
    fs::permissions(d, fs::perms::all & ~fs::perms::group_write & ~fs::perms::others_write);
    fs::permissions(d + "/tmp", fs::perms::all);
    auto made = passerelle::test::run_process(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", "/CN=localhost", "-keyout", d + "/privkey.pem", "-out", d + "/fullchain.pem"});
    auto dh = passerelle::test::run_process({"/usr/bin/openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt",
                                             "group:ffdhe2048", "-out", d + "/ffdhe2048.pem"});
    if (made.exit_code != 0 || dh.exit_code != 0) {  // wait_ready() fails, logs() says why
      std::ofstream(d + "/error.log") << "openssl failed: " << made.err << dh.err;
      return;
    }
    std::string site = read_text(fs::path(PASSERELLE_SOURCE_DIR) / "deploy/nginx/passerelle.conf");
    replace_all(site, "127.0.0.1:8081", a);
    replace_all(site, "127.0.0.1:8082", b);
    site = without_lines(site, "[::]");
    replace_all(site, "listen 80 default_server;", "listen 127.0.0.1:" + std::to_string(http_port_.port()) + ";");
    replace_all(site, "listen 443 ssl default_server;", "listen 127.0.0.1:" + std::to_string(https_port_.port()) + ";");
    replace_all(site, "/etc/letsencrypt/live/passerelle.example.org", d);
    replace_all(site, "/etc/nginx/ffdhe2048.pem", d + "/ffdhe2048.pem");
    std::ofstream(d + "/passerelle.conf") << site;
    std::ofstream(d + "/nginx.conf") << "daemon off;\nmaster_process on;\nworker_processes 1;\npid " << d
                                     << "/nginx.pid;\nerror_log " << d << "/error.log info;\n"
                                     << "events { worker_connections 256; }\nhttp {\n  access_log " << d
                                     << "/access.log;\n  client_body_temp_path " << d << "/tmp/body;\n  proxy_temp_path " << d
                                     << "/tmp/proxy;\n  fastcgi_temp_path " << d << "/tmp/fcgi;\n  uwsgi_temp_path " << d
                                     << "/tmp/uwsgi;\n  scgi_temp_path " << d << "/tmp/scgi;\n  include " << d
                                     << "/passerelle.conf;\n}\n";
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open((d + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execl(kNginx, kNginx, "-p", d.c_str(), "-e", (d + "/error.log").c_str(), "-c", (d + "/nginx.conf").c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);  // graceful; SIGKILL if it lingers
      for (int i = 0; i < 500; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(10ms);
      }
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Bounded wait for /healthz through nginx.
  bool wait_ready() {
    if (pid_ <= 0) return false;
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      if (http_get(port(), "/healthz", 1s).status == 200) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  std::uint16_t port() const { return https_port_.port(); }
  std::string logs() const {
    return read_text(dir_.path() + "/error.log") + read_text(dir_.path() + "/stderr.log");
  }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  passerelle::test::ReservedPort http_port_, https_port_;
};

// Open WebSocket connections of one instance, from its /metrics.
long open_connections(TestServer& s) {
  auto r = http_get(s.port(), "/metrics");
  std::smatch m;
  static const std::regex re("\npasserelle_open_connections ([0-9]+)");
  if (std::regex_search(r.body, m, re)) return std::stol(m[1]);
  return -1;
}

Peer sign_in_at(std::uint16_t port, const std::string& email) {
  Peer p;
  p.ws = std::make_unique<RawWsClient>();
  EXPECT_TRUE(p.ws->connect(port)) << p.ws->last_error();
  auto h = p.ws->call(1, "hello", {{"protocol", 1}});
  EXPECT_EQ(h["ok"], true) << json::serialize(h);
  auto a = p.ws->call(2, "auth.login", {{"email", email}, {"password", kTestPassword}}, 10s);
  EXPECT_EQ(a["ok"], true) << email << " " << json::serialize(a);
  if (a.contains("user")) p.id = std::string(a.at("user").at("id").as_string());
  if (a.contains("token")) p.token = std::string(a.at("token").as_string());
  return p;
}

// Signs in through nginx until the connection lands on `want` (round robin alternates).
Peer sign_in_on(Nginx& lb, TestServer& want, const std::string& email) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    long before = open_connections(want);
    Peer p = sign_in_at(lb.port(), email);
    if (open_connections(want) == before + 1) return p;
  }
  ADD_FAILURE() << "nginx never sent " << email << " to instance " << want.port();
  return {};
}

}  // namespace

TEST(Cluster, TwoInstancesBehindNginxPokeAcrossAndSurviveAKill9) {
  if (!test_postgresql_url()) GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh";
  if (!fs::exists(kNginx)) GTEST_SKIP() << "no nginx at " << kNginx << " (Debian package nginx)";
  std::string error;
  std::string db = create_postgresql_database(&error);
  ASSERT_FALSE(db.empty()) << error;
  TempDir files;  // uploaded files: shared storage for both instances
  TestServer::Options o;
  o.db = db;
  o.extra_args = {"--files-dir", files.path(), "--threads", "1"};
  TestServer a(o), b(o);
  ASSERT_TRUE(a.ok()) << a.last_error();
  ASSERT_TRUE(b.ok()) << b.last_error();
  for (auto [email, name, role] : {std::tuple{"admin@example.org", "Sophie Tremblay", "admin"},
                                   {"linh@example.org", "Linh Nguyen", "coach"},
                                   {"amina@example.org", "Amina Benali", "candidate"}})
    ASSERT_TRUE(a.create_user(email, name, role, kTestPassword)) << a.last_error();

  Nginx lb("127.0.0.1:" + std::to_string(a.port()), "127.0.0.1:" + std::to_string(b.port()));
  ASSERT_TRUE(lb.wait_ready()) << lb.logs();

  // The admin puts Amina in Linh's caseload (a coaching thread).
  Peer admin = sign_in_at(lb.port(), "admin@example.org");
  std::string thread = passerelle::new_id();
  Peer linh = sign_in_on(lb, b, "linh@example.org");   // the coach on instance B
  Peer amina = sign_in_on(lb, a, "amina@example.org");  // the candidate on instance A
  auto assigned = push(admin, {op("caseload.assign", {{"candidate_id", amina.id}, {"coach_id", linh.id}, {"thread_id", thread}})});
  ASSERT_EQ(assigned.at("results").at(0).at("status"), "applied") << json::serialize(assigned);
  auto linh_seen = pull_all(linh);
  auto amina_seen = pull_all(amina);
  ASSERT_TRUE(pulled_row(linh_seen, "threads", thread));

  // Live across instances: Amina writes on A, Linh on B is poked, pulls, and has the message.
  std::string m1 = passerelle::new_id();
  auto r1 = push(amina, {send_op(thread, "Bonjour depuis l'instance A", m1)});
  ASSERT_EQ(r1.at("results").at(0).at("status"), "applied") << json::serialize(r1);
  auto poke = read_poke(*linh.ws, 10s);
  ASSERT_TRUE(poke) << "the coach on instance B was not poked; A's log:\n" << a.log() << "\nB's log:\n" << b.log();
  auto got = pull_all(linh, linh_seen.cursor);
  EXPECT_TRUE(pulled_row(got, "messages", m1));
  linh_seen.cursor = got.cursor;
  // And the other way: Linh answers on B, Amina on A is poked.
  std::string m2 = passerelle::new_id();
  ASSERT_EQ(push(linh, {send_op(thread, "Bien reçu, Amina", m2)}).at("results").at(0).at("status"), "applied");
  ASSERT_TRUE(read_poke(*amina.ws, 10s)) << "the candidate on instance A was not poked";
  auto amina_got = pull_all(amina, amina_seen.cursor);
  EXPECT_TRUE(pulled_row(amina_got, "messages", m2));

  // Plan changes too: Linh (B) starts Amina's plan, Amina (A) is poked and sees it; she ticks
  // a step off, Linh is poked and sees it done.
  std::string plan = passerelle::new_id();
  auto created = push(linh, {op("plan.create", {{"plan_id", plan}, {"candidate_id", amina.id},
                                                {"template_key", "quebec-skilled-worker"}, {"arrival_date", "2027-05-01"}})});
  ASSERT_EQ(created.at("results").at(0).at("status"), "applied") << json::serialize(created);
  ASSERT_TRUE(read_poke(*amina.ws, 10s)) << "the candidate on A was not poked for her new plan";
  auto plan_seen = pull_all(amina, amina_got.cursor);
  auto plan_row = pulled_row(plan_seen, "plans", plan);
  ASSERT_TRUE(plan_row);
  std::string step = std::string(plan_row->at("step_ids").at(0).as_string());
  ASSERT_EQ(push(amina, {op("step.set_status", {{"id", step}, {"status", "done"}})}).at("results").at(0).at("status"), "applied");
  bool poked_done = false;  // pokes of Linh's own write may come first: pull at each until the step is done
  while (!poked_done && read_poke(*linh.ws, 10s)) {
    auto latest = pull_all(linh, linh_seen.cursor);
    linh_seen.cursor = latest.cursor;
    if (auto s = pulled_row(latest, "plan_steps", step); s && s->at("status") == "done") poked_done = true;
  }
  EXPECT_TRUE(poked_done) << "the coach on B was not poked when the candidate on A ticked a step off";

  // kill -9 of A. Amina had an op in flight whose answer she never read: she reconnects
  // through nginx (which now reaches B only), pushes it again, and it applies exactly once.
  std::string m3 = passerelle::new_id();
  json::object in_flight = send_op(thread, "Envoyé juste avant la panne", m3);
  ASSERT_TRUE(amina.ws->send_text(json::serialize(json::object{{"id", 99}, {"type", "push"}, {"ops", json::array{in_flight}}})));
  long on_b = open_connections(b);
  a.kill9();
  Peer amina2 = sign_in_at(lb.port(), "amina@example.org");
  ASSERT_FALSE(amina2.id.empty()) << lb.logs();
  EXPECT_EQ(open_connections(b), on_b + 1) << "Amina's new connection went to B";
  auto again = push(amina2, {in_flight});
  ASSERT_EQ(again.at("results").at(0).at("status"), "applied") << json::serialize(again);
  std::string m4 = passerelle::new_id();
  ASSERT_EQ(push(amina2, {send_op(thread, "Je suis sur l'autre instance", m4)}).at("results").at(0).at("status"), "applied");

  // Nothing lost, nothing doubled: Linh (never disconnected) and Amina's fresh pull agree.
  auto linh_after = pull_all(linh, linh_seen.cursor);
  EXPECT_TRUE(pulled_row(linh_after, "messages", m3));
  EXPECT_TRUE(pulled_row(linh_after, "messages", m4));
  auto amina_all = pull_all(amina2, amina_seen.cursor);
  for (const auto& m : {m1, m2, m3, m4}) EXPECT_TRUE(pulled_row(amina_all, "messages", m)) << m;
  EXPECT_EQ(postgresql_count(db, "SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"), 4);
  EXPECT_EQ(postgresql_count(db, "SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send'"), 4);
  EXPECT_EQ(http_get(lb.port(), "/healthz").status, 200) << "nginx still answers health checks with one instance";
}

// Pokes that carry the change across instances (docs/sync.md, "Live"): the coach has two live
// sessions on instance B and a plain one; the candidate writes on A. B rebuilds the carried
// poke from the relayed seqs (each row read once there, whatever the sessions) and both live
// sessions get the message, exactly as a pull from the poke's `prev` on B returns it; the plain
// session gets the plain poke.
TEST(Cluster, ACarriedPokeCrossesToTheOtherInstance) {
  if (!test_postgresql_url()) GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh";
  std::string error;
  std::string db = create_postgresql_database(&error);
  ASSERT_FALSE(db.empty()) << error;
  TestServer::Options o;
  o.db = db;
  TestServer a(o), b(o);
  ASSERT_TRUE(a.ok()) << a.last_error();
  ASSERT_TRUE(b.ok()) << b.last_error();
  for (auto [email, name, role] : {std::tuple{"admin@example.org", "Sophie Tremblay", "admin"},
                                   {"linh@example.org", "Linh Nguyen", "coach"},
                                   {"amina@example.org", "Amina Benali", "candidate"}})
    ASSERT_TRUE(a.create_user(email, name, role, kTestPassword)) << a.last_error();
  Peer admin = sign_in(a, "admin@example.org");
  Peer amina = sign_in(a, "amina@example.org");
  Peer linh = sign_in(b, "linh@example.org");
  std::string thread = passerelle::new_id();
  auto assigned = push(admin, {op("caseload.assign", {{"candidate_id", amina.id}, {"coach_id", linh.id}, {"thread_id", thread}})});
  ASSERT_EQ(assigned.at("results").at(0).at("status"), "applied") << json::serialize(assigned);
  std::int64_t assigned_at = pull_all(linh).cursor;

  std::vector<std::unique_ptr<RawWsClient>> live;
  for (int i = 0; i < 2; ++i) {
    auto ws = std::make_unique<RawWsClient>();
    ASSERT_TRUE(ws->connect(b.port())) << ws->last_error();
    ASSERT_EQ(ws->call(1, "hello", {{"protocol", 1}, {"live_rows", true}})["live_rows"], true);
    ASSERT_EQ(ws->call(2, "auth.resume", {{"token", linh.token}})["ok"], true);
    live.push_back(std::move(ws));
  }
  std::string m = passerelle::new_id();
  auto r = push(amina, {send_op(thread, "Bonjour depuis l'instance A", m)});
  ASSERT_EQ(r.at("results").at(0).at("status"), "applied") << json::serialize(r);
  std::int64_t end = pull_all(amina).cursor;

  // The plain session first: the pulls below run on its socket and skip the events they meet.
  std::optional<json::object> plain;
  while ((plain = read_poke(*linh.ws, 10s)) && plain->at("seq").as_int64() < end) {
  }
  ASSERT_TRUE(plain) << "the plain session on B got no poke";
  EXPECT_FALSE(plain->contains("changes"));

  for (auto& ws : live) {
    std::optional<json::object> poke;
    while ((poke = read_poke(*ws, 10s)) && poke->at("seq").as_int64() < end) {
    }
    ASSERT_TRUE(poke) << "the coach's live session on B got no poke; B's log:\n" << b.log();
    ASSERT_TRUE(poke->contains("changes")) << json::serialize(*poke);
    std::int64_t prev = poke->at("prev").as_int64();
    EXPECT_LE(prev, assigned_at) << "nothing the coach sees changed between the assignment and the message";
    std::map<std::string, json::object> carried;
    for (const auto& c : poke->at("changes").as_array())
      carried[std::string(c.at("collection").as_string()) + "/" + std::string(c.at("id").as_string())] = c.as_object();
    EXPECT_EQ(carried.count("messages/" + m), 1u) << json::serialize(*poke);
    EXPECT_EQ(carried, pull_all(linh, prev).rows) << "the rebuilt poke differs from a pull on B";
  }
}
