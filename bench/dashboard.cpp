// The dashboard workload (issue #25, docs/dashboard.md): programs of growing size, each
// candidate with a plan of 30 steps shaped like the default template's and a coaching thread
// with three messages; one coach holds 30 of them. The program is written straight into the
// server's database through the change log (the same rows, audiences and projections a push
// would leave, without a push per candidate), then the server starts and the coach and the admin
// ask for their views over the protocol; CPU is the server's, from /proc.
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <iostream>

#include "bench.h"
#include "passerelle/shared/ids.h"
#include "sync/change_log.h"

namespace passerelle::bench {
namespace json = boost::json;

namespace {

constexpr std::size_t kCaseload = 30;
constexpr int kSteps = 30;

std::string text(std::size_t bytes, std::size_t seed) {
  std::string out;
  static const char* words[] = {"permis ", "travail ", "logement ", "emploi ", "ordre ", "professionnel ", "Québec "};
  while (out.size() < bytes) out += words[(seed + out.size()) % 7];
  out.resize(bytes);
  return out;
}

// Writes the program: `n` candidates, the first kCaseload coached by `coach_id`, the others by
// made-up coaches of kCaseload candidates each. Batched change logs, one commit per 200.
Status seed_program(const std::string& db_path, std::size_t n, const std::string& coach_id, Progress& progress,
                    std::size_t& done) {
  try {
    soci::session sql(soci::sqlite3, "db=" + db_path);
    sql << "PRAGMA synchronous = OFF";
    Timestamp now = now_utc();
    std::string created = format_rfc3339(now - std::chrono::hours(24 * 90));
    std::string other_coach;
    for (std::size_t start = 0; start < n; start += 200) {
      soci::transaction tx(sql);
      server::sync::ChangeLog log(sql, now, server::sync::ChangeLog::Mode::batched);
      for (std::size_t i = start; i < n && i < start + 200; ++i) {
        std::string coach = coach_id;
        if (i >= kCaseload) {
          if (i % kCaseload == 0) {
            other_coach = new_id();
            log.put("profiles", other_coach, json::object{{"id", other_coach}, {"role", "coach"}, {"name", "Coach " + std::to_string(i)},
                                                          {"locale", "fr"}, {"created_at", created}, {"updated_at", created}},
                    {other_coach, "role:admin"});
          }
          coach = other_coach;
        }
        std::string cand = new_id(), thread = new_id(), plan = new_id();
        std::vector<std::string> audience{cand, coach, "role:admin"};
        json::object profile{{"id", cand}, {"role", "candidate"}, {"name", "Candidate " + std::to_string(i)},
                             {"locale", "fr"}, {"time_zone", i % 2 ? "America/Toronto" : "Africa/Casablanca"},
                             {"country", "MA"}, {"profession", "infirmière"}, {"planned_arrival", "2027-0" + std::to_string(1 + i % 9) + "-01"},
                             {"coach_id", coach}, {"coach_thread_id", thread}, {"plan_id", plan},
                             {"bio", text(300, i)}, {"created_at", created}, {"updated_at", created}};
        log.put("profiles", cand, profile, audience);
        json::object th{{"id", thread}, {"kind", "coaching"}, {"candidate_id", cand}, {"coach_id", coach},
                        {"members", json::array{json::value(cand), json::value(coach)}}, {"created_at", created},
                        {"last_n", 3}, {"last_message_at", format_rfc3339(now)}};
        log.put("threads", thread, th, audience);
        for (int m = 1; m <= 3; ++m) {
          std::string id = new_id();
          log.put("messages", id, json::object{{"id", id}, {"thread_id", thread}, {"author_id", cand}, {"n", m},
                                               {"body", text(120, i + m)}, {"sent_at", format_rfc3339(now)}},
                  audience);
        }
        json::array step_ids;
        for (int s = 0; s < kSteps; ++s) {
          std::string sid = new_id();
          step_ids.push_back(json::value(sid));
          bool done_step = static_cast<std::size_t>(s) < i % (kSteps + 1);
          json::object step{{"id", sid}, {"plan_id", plan}, {"category", "settle"},
                            {"title", json::object{{"fr", text(60, s)}, {"en", text(60, s + 1)}}},
                            {"description", json::object{{"fr", text(250, s + 2)}, {"en", text(250, s + 3)}}},
                            {"due_date", "2027-0" + std::to_string(1 + s % 9) + "-15"},
                            {"status", done_step ? "done" : "todo"},
                            {"history", json::array{json::object{{"at", created}, {"by", coach}, {"status", "todo"}}}},
                            {"notes", json::array{}}, {"comments", json::array{}}, {"evidence", json::array{}}};
          if (done_step) step["last_activity_at"] = format_rfc3339(now);
          log.put("plan_steps", sid, step, audience);
        }
        log.put("plans", plan, json::object{{"id", plan}, {"candidate_id", cand}, {"coach_id", coach},
                                            {"template_key", "quebec-skilled-worker"}, {"template_version", 1},
                                            {"title", json::object{{"fr", "Plan"}, {"en", "Plan"}}},
                                            {"arrival_date", profile.at("planned_arrival")}, {"step_ids", step_ids},
                                            {"shared_with", json::array{}}, {"created_by", coach}, {"created_at", created}},
                audience);
        ++done;
      }
      log.flush();
      tx.commit();
      progress.tick();
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, std::string("seeding failed: ") + e.what());
  }
}

// GET over plain HTTP/1.1 on loopback, read to the end: {status line ok, bytes}.
std::pair<bool, std::size_t> http_get(std::uint16_t port, const std::string& path, const std::string& token) {
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
  if (ec) return {false, 0};
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                    "\r\nConnection: close\r\n\r\n";
  asio::write(s, asio::buffer(req), ec);
  std::string got;
  char buf[65536];
  for (;;) {
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) break;
  }
  return {got.starts_with("HTTP/1.1 200"), got.size()};
}

struct Session {
  std::shared_ptr<WsConn> conn;
  std::string token, id;
};

Result<Session> sign_in(Loop& loop, const Target& target, const std::string& email, const std::string& password) {
  Session s{std::make_shared<WsConn>(loop.io(), 256 * 1024 * 1024), "", ""};
  std::string why;
  bool done = false;
  s.conn->on_failure = [&](const std::string& what) { why = what, done = true; };
  s.conn->connect(target.server, target.source_for(0), [&] {
    s.conn->request("hello", {{"protocol", 1}}, [&](const json::object&) {
      s.conn->request("auth.login", {{"email", email}, {"password", password}}, [&](const json::object& r) {
        if (!answer_ok(r)) why = answer_error(r);
        else {
          s.token = std::string(r.at("token").as_string());
          s.id = std::string(r.at("user").as_object().at("id").as_string());
        }
        done = true;
      });
    });
  });
  if (!loop.run_until([&] { return done; }, std::chrono::seconds(30)) || !why.empty() || s.token.empty())
    return Error{ErrorCode::internal, "sign-in of " + email + " failed: " + why};
  return s;
}

// `calls` requests one after the other: median and p95 latency, server CPU per call.
json::object time_calls(Loop& loop, WsConn& c, pid_t server, const std::string& type, const json::object& body,
                        std::size_t calls, std::uint64_t& errors) {
  Histogram h;
  double cpu0 = cpu_seconds_of(server);
  for (std::size_t k = 0; k < calls; ++k) {
    bool done = false;
    auto t0 = Clock::now();
    c.request(type, body, [&](const json::object& r) {
      if (!answer_ok(r)) ++errors, std::cerr << type << ": " << answer_error(r) << "\n";
      h.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
      done = true;
    });
    if (!loop.run_until([&] { return done; }, std::chrono::seconds(120))) {
      ++errors;
      return {{"errors", 1}, {"first_error", type + " did not answer in 120 s"}};
    }
  }
  double cpu = cpu_seconds_of(server) - cpu0;
  return {{"calls", calls}, {"p50_ms", h.percentile(0.5) / 1000.0}, {"p95_ms", h.percentile(0.95) / 1000.0},
          {"server_cpu_ms_per_call", cpu * 1000.0 / static_cast<double>(calls)}};
}

// The whole caseload in pages (`limit`, then `after`), as the dashboard asks for it: one call is
// every page, one after the other.
json::object time_paged_caseload(Loop& loop, WsConn& c, pid_t server, std::size_t page, std::size_t calls,
                                 std::uint64_t& errors) {
  Histogram h;
  double cpu0 = cpu_seconds_of(server);
  std::size_t rows = 0, pages = 0;
  for (std::size_t k = 0; k < calls; ++k) {
    auto t0 = Clock::now();
    std::string after;
    rows = pages = 0;
    for (bool more = true; more;) {
      bool done = false;
      json::object body{{"limit", static_cast<std::int64_t>(page)}};
      if (!after.empty()) body["after"] = after;
      c.request("dashboard.caseload", body, [&](const json::object& r) {
        more = false;
        if (!answer_ok(r)) ++errors, std::cerr << "dashboard.caseload: " << answer_error(r) << "\n";
        else {
          rows += r.at("candidates").as_array().size();
          ++pages;
          if (auto* next = r.if_contains("next"); next && next->is_string()) more = true, after = std::string(next->as_string());
        }
        done = true;
      });
      if (!loop.run_until([&] { return done; }, std::chrono::seconds(120))) {
        ++errors;
        return {{"errors", 1}, {"first_error", "dashboard.caseload (a page) did not answer in 120 s"}};
      }
    }
    h.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
  }
  double cpu = cpu_seconds_of(server) - cpu0;
  return {{"calls", calls}, {"pages", pages}, {"rows", rows}, {"page_size", page},
          {"p50_ms", h.percentile(0.5) / 1000.0}, {"p95_ms", h.percentile(0.95) / 1000.0},
          {"server_cpu_ms_per_call", cpu * 1000.0 / static_cast<double>(calls)}};
}

json::object run_size(const Options& o, std::size_t n, const std::string& self_exe) {
  TempDir dir;
  ServerProcess server(o.server_binary, dir.path());
  std::uint64_t errors = 0;
  const std::string coach_email = "coach@bench.passerelle.test", admin_email = "admin@bench.passerelle.test";
  const std::string password = "bench-password-dashboard";
  if (auto st = server.create_user(coach_email, "Bench Coach", "coach", password); !st) return {{"errors", 1}, {"first_error", st.error().message}};
  if (auto st = server.create_user(admin_email, "Bench Admin", "admin", password); !st) return {{"errors", 1}, {"first_error", st.error().message}};
  std::string coach_id;
  {
    soci::session sql(soci::sqlite3, "db=" + dir.path() + "/db.sqlite");
    sql << "SELECT id FROM users WHERE email = :e", soci::use(coach_email), soci::into(coach_id);
  }
  std::size_t seeded = 0;
  Progress progress(o, "dashboard-seed", [&] { return std::to_string(seeded) + "/" + std::to_string(n) + " candidates"; });
  auto seed_start = Clock::now();
  if (auto st = seed_program(dir.path() + "/db.sqlite", n, coach_id, progress, seeded); !st)
    return {{"errors", 1}, {"first_error", st.error().message}};
  double seed_seconds = seconds_since(seed_start);
  progress.done();
  if (auto st = server.start(); !st) return {{"errors", 1}, {"first_error", st.error().message}};
  Loop loop;
  Target target;
  target.server = tcp::endpoint(asio::ip::address_v4::loopback(), server.port());
  auto coach = sign_in(loop, target, coach_email, password);
  auto admin = sign_in(loop, target, admin_email, password);
  if (!coach || !admin) return {{"errors", 1}, {"first_error", !coach ? coach.error().message : admin.error().message}};

  std::size_t calls = n >= 10000 ? 5 : 20;
  json::object r{{"candidates", n}, {"caseload", kCaseload}, {"seed_seconds", seed_seconds}};
  r["coach_caseload"] = time_calls(loop, *coach->conn, server.pid(), "dashboard.caseload", {}, 20, errors);
  r["coach_indicators"] = time_calls(loop, *coach->conn, server.pid(), "dashboard.indicators", {}, 20, errors);
  r["admin_indicators"] = time_calls(loop, *admin->conn, server.pid(), "dashboard.indicators", {}, calls, errors);
  r["admin_caseload"] = time_paged_caseload(loop, *admin->conn, server.pid(), 2000, calls, errors);
  // A candidate of the coach's: the first profile the coach's caseload names.
  std::string candidate;
  coach->conn->request("dashboard.caseload", {}, [&](const json::object& a) {
    if (answer_ok(a) && !a.at("candidates").as_array().empty())
      candidate = std::string(a.at("candidates").as_array()[0].at("candidate_id").as_string());
  });
  loop.run_until([&] { return !candidate.empty(); }, std::chrono::seconds(30));
  r["open"] = time_calls(loop, *coach->conn, server.pid(), "dashboard.open", {{"candidate_id", candidate}}, 20, errors);
  {
    Histogram h;
    std::size_t bytes = 0;
    double cpu0 = cpu_seconds_of(server.pid());
    for (std::size_t k = 0; k < calls; ++k) {
      auto t0 = Clock::now();
      auto [ok, got] = http_get(server.port(), "/v1/export/caseload.csv", admin->token);
      h.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
      if (!ok) ++errors;
      bytes = got;
    }
    r["admin_caseload_csv"] = json::object{{"calls", calls}, {"p50_ms", h.percentile(0.5) / 1000.0},
                                           {"bytes", bytes},
                                           {"server_cpu_ms_per_call", (cpu_seconds_of(server.pid()) - cpu0) * 1000.0 / static_cast<double>(calls)}};
  }
  // A fresh device of the coach pulls everything it may read.
  {
    TempDir device;
    std::string cmd = self_exe + " pull-child --url ws://127.0.0.1:" + std::to_string(server.port()) + " --email " +
                      coach_email + " --password " + password + " --data " + device.path() + "/device";
    std::string out = capture_command(cmd);
    json::error_code ec;
    json::value v = json::parse(out, ec);
    if (ec || !v.is_object()) ++errors;
    else r["coach_pull"] = json::object{{"rows", v.at("rows")}, {"ms", v.at("seconds").to_number<double>() * 1000.0}};
  }
  r["server_peak_rss_kib"] = memory_of(server.pid()).peak_kib;
  r["errors"] = errors;
  server.stop();
  return r;
}

}  // namespace

json::object run_dashboard(const Options& o, const std::string& self_exe) {
  json::object out;
  std::uint64_t errors = 0;
  for (std::size_t n : o.dashboard_sizes) {
    auto r = run_size(o, n, self_exe);
    errors += static_cast<std::uint64_t>(r.contains("errors") ? r.at("errors").to_number<double>() : 1);
    if (!o.quiet) std::cerr << "dashboard " << n << ": " << json::serialize(r) << "\n";
    out[std::to_string(n)] = std::move(r);
  }
  out["errors"] = errors;
  return out;
}

}  // namespace passerelle::bench
