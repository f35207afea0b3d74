// The authorization matrix (tests/server/authz_matrix.json, docs/security.md): every WebSocket
// request type, every mutator and every HTTP route, for each role (candidate, mentor, coach,
// admin, employer) and each relation to the object it names (own, assigned, other, missing), against the
// real server. Each case is generated from the table and checked against it, and:
//   - "not yours" looks like "does not exist": for every role, the answer naming another
//     program's object equals the answer naming made-up ids (same code, same message once ids
//     are blanked), unless the table allows the request;
//   - the table lists exactly what exists: a mutator in shared/ or a request type or HTTP route
//     registered in server/src that the table does not list fails the test (and the reverse);
//   - pull never hands a person's private rows (messages, career profile with the immigration
//     stage, files) to someone outside their audience.
//
// Worlds. Each case runs in a "world": two candidates' programs, each with its candidate (C),
// coach (K), mentor (M), coaching thread, plan and steps, accepted mentorship and its thread,
// a meeting, a referral, messages (one with an uploaded CV), an employment outcome and a
// calendar feed. Actors belong to program 1: the candidate C1, the mentor M1, the coach K1 and
// the admin. Relation own/assigned names program 1's objects, other names program 2's,
// missing names fresh ids. Refused cases change nothing, so they share one world; each allowed
// case gets a fresh world of its own, so no case sees another's effects. The process builds one
// world and gives each use a copy of it (see "Worlds, built once and copied" below).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <tuple>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using passerelle::test::Peer;
using passerelle::test::TestServer;
using passerelle::test::op;
using passerelle::test::kTestPassword;

const fs::path kSource = PASSERELLE_SOURCE_DIR;
const char* const kRoles[] = {"candidate", "mentor", "coach", "admin", "employer"};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const json::object& matrix() {
  static const json::object m = [] {
    auto v = json::parse(read_text(kSource / "tests/server/authz_matrix.json"));
    return v.as_object();
  }();
  return m;
}

// One row of the table: a request type, a mutator or an HTTP route.
struct Entry {
  std::string kind;  // "request", "mutator", "http"
  std::string name;  // type, mutator name, or route prefix + method
  json::object spec;
};

void PrintTo(const Entry& e, std::ostream* os) { *os << e.kind << " " << e.name; }

std::vector<Entry> entries() {
  std::vector<Entry> out;
  for (auto [section, kind, key] : {std::tuple{"requests", "request", "type"}, {"mutators", "mutator", "name"},
                                    {"http", "http", "route"}})
    for (const auto& e : matrix().at(section).as_array()) {
      std::string name(e.at(key).as_string());
      if (kind == std::string("http")) name = std::string(e.at("method").as_string()) + " " + name;
      out.push_back(Entry{kind, name, e.as_object()});
    }
  return out;
}

// --- placeholders ------------------------------------------------------------------------

using Vars = std::map<std::string, std::string>;

// Replaces every {name} in the strings of `v`.
json::value substitute(const json::value& v, const Vars& vars) {
  if (v.is_string()) {
    std::string s(v.as_string()), out;
    for (std::size_t i = 0; i < s.size();) {
      auto close = s[i] == '{' ? s.find('}', i) : std::string::npos;
      if (close != std::string::npos) {
        std::string key = s.substr(i + 1, close - i - 1);
        std::string value = key == "new" ? passerelle::new_id() : vars.count(key) ? vars.at(key) : "";
        EXPECT_TRUE(key == "new" || vars.count(key)) << "unknown placeholder {" << key << "}";
        out += value;
        i = close + 1;
      } else {
        out += s[i++];
      }
    }
    return json::value(out);
  }
  if (v.is_object()) {
    json::object o;
    for (const auto& kv : v.as_object()) o[kv.key()] = substitute(kv.value(), vars);
    return o;
  }
  if (v.is_array()) {
    json::array a;
    for (const auto& x : v.as_array()) a.push_back(substitute(x, vars));
    return a;
  }
  return v;
}

// Ids and hashes blanked: "not yours" and "missing" are compared by the shape of the message.
std::string shape(std::string message) {
  static const std::regex ids("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}");
  return std::regex_replace(message, ids, "<id>");
}

std::string pdf(const std::string& text) { return "%PDF-1.4\n% " + text + "\n%%EOF\n"; }

std::string hour_in(std::chrono::hours ahead) {
  auto t = std::chrono::floor<std::chrono::hours>(passerelle::now_utc() + ahead);
  return passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
}

// --- the program fixture -------------------------------------------------------------------

std::string push1(Peer& p, json::object one_op, std::string* error = nullptr) {
  auto a = passerelle::test::push(p, {std::move(one_op)});
  if (a["ok"] != true) return "push failed: " + json::serialize(a);
  const auto& r = a.at("results").as_array().at(0).as_object();
  if (error && r.contains("error")) *error = json::serialize(r.at("error"));
  return std::string(r.at("status").as_string());
}

class Program {
 public:
  explicit Program(TestServer& server) : server_(server) {}

  // The fixed staff, once per server.
  bool start() {
    for (auto [email, role] : {std::pair{"admin@example.org", "admin"}, {"coach1@example.org", "coach"},
                               {"coach2@example.org", "coach"}})
      if (!server_.create_user(email, std::string(role) + " " + email, role, kTestPassword)) return false;
    return true;
  }

  struct Side {
    Vars vars;   // candidate, coach, mentor, thread, ...
    Peer candidate, mentor, coach, employer;
    std::string candidate_email, mentor_email, employer_email;
  };
  struct World {
    Side one, two;
    Peer admin;
    Vars missing;
  };

  // A fresh world (its candidates and mentors are new accounts); nullptr after a failure,
  // which the test reports.
  // The two sides share nothing but the server, so they are built at the same time: a world is
  // about sixty requests and six processes, each waiting on a commit.
  std::unique_ptr<World> make_world() {
    auto w = std::make_unique<World>();
    w->admin = passerelle::test::sign_in(server_, "admin@example.org");
    auto two = std::async(std::launch::async, [&] { return build_side(w->two, "coach2@example.org"); });
    std::string one_failed = build_side(w->one, "coach1@example.org");
    std::string two_failed = two.get();
    if (!one_failed.empty() || !two_failed.empty()) {
      failure = !one_failed.empty() ? one_failed : two_failed;
      return nullptr;
    }
    for (const auto& [k, v] : w->one.vars)
      w->missing[k] = v.size() == 64 ? passerelle::sha256_hex(passerelle::new_id()) : passerelle::new_id();
    w->missing["future"] = w->one.vars["future"];
    w->missing["future_end"] = w->one.vars["future_end"];
    return w;
  }

  std::string failure;

 private:
  // Empty, or why the side could not be built. Runs beside the other side's build: it touches
  // only its own Side and signs the admin in for itself.
  std::string build_side(Side& s, const std::string& coach_email) {
    int n = ++counter_;
    s.candidate_email = "candidate" + std::to_string(n) + "@example.org";
    s.mentor_email = "mentor" + std::to_string(n) + "@example.org";
    s.employer_email = "employer" + std::to_string(n) + "@example.org";
    // Three `admin create` processes at once (each mostly waits for its connection and commit).
    std::vector<std::future<bool>> created;
    for (auto [email, name, role] : {std::tuple{s.candidate_email, "Candidate ", "candidate"},
                                     std::tuple{s.mentor_email, "Mentor ", "mentor"},
                                     std::tuple{s.employer_email, "Employer ", "employer"}})
      created.push_back(std::async(std::launch::async, [this, email, name, role, n] {
        return server_.create_user(email, name + std::to_string(n), role, kTestPassword);
      }));
    bool all_created = true;
    for (auto& c : created) all_created = c.get() && all_created;
    if (!all_created) return "create_user: " + server_.last_error();
    Peer admin = passerelle::test::sign_in(server_, "admin@example.org");
    s.candidate = passerelle::test::sign_in(server_, s.candidate_email);
    s.mentor = passerelle::test::sign_in(server_, s.mentor_email);
    s.employer = passerelle::test::sign_in(server_, s.employer_email);
    s.coach = passerelle::test::sign_in(server_, coach_email);
    Vars& v = s.vars;
    v["candidate"] = s.candidate.id;
    v["mentor"] = s.mentor.id;
    v["coach"] = s.coach.id;
    v["employer"] = s.employer.id;
    for (const char* k : {"thread", "plan", "mentorship", "mentorship_thread", "meeting", "referral", "message",
                          "file_message", "outcome", "need", "need2", "proposal", "internship", "activity"})
      v[k] = passerelle::new_id();
    v["feed_token"] = passerelle::new_token();
    v["token_hash"] = passerelle::sha256_hex(v["feed_token"]);
    v["future"] = hour_in(96h);
    v["future_end"] = hour_in(98h);

    json::array fr{json::object{{"code", "fr"}, {"level", "C1"}}};
    json::array weekly;
    for (int d = 1; d <= 7; ++d) weekly.push_back(json::object{{"weekday", d}, {"start", "00:00"}, {"end", "24:00"}});
    std::string cv = pdf("CV of " + s.candidate_email);
    v["file"] = passerelle::sha256_hex(cv);
    auto up = passerelle::test::http_request(server_.port(), "PUT", "/v1/blobs/" + v["file"],
                                             {{"Authorization", "Bearer " + s.candidate.token}}, cv);
    if (up.status != 201 && up.status != 200) return "upload: " + std::to_string(up.status) + " " + up.body;

    struct Step {
      Peer* who;
      json::object o;
    };
    std::vector<Step> steps = {
        {&admin, op("caseload.assign", {{"candidate_id", v["candidate"]}, {"coach_id", v["coach"]}, {"thread_id", v["thread"]}})},
        {&s.coach, op("plan.create", {{"plan_id", v["plan"]}, {"candidate_id", v["candidate"]},
                                      {"template_key", "quebec-skilled-worker"}, {"arrival_date", "2027-05-01"}})},
        {&s.candidate, op("career.update", {{"languages", fr}, {"time_zone", "Africa/Casablanca"}, {"occupation_code", "21231"},
                                            {"immigration_stage", "csq_received"}})},
        {&s.mentor, op("mentor.update", {{"languages", fr}, {"time_zone", "America/Toronto"}, {"capacity", 3}})},
        {&s.mentor, op("availability.set", {{"availability", json::object{{"time_zone", "UTC"}, {"weekly", weekly}}}})},
        {&s.coach, op("mentorship.propose", {{"id", v["mentorship"]}, {"candidate_id", v["candidate"]}, {"mentor_id", v["mentor"]}})},
        {&s.mentor, op("mentorship.respond", {{"id", v["mentorship"]}, {"accept", true}, {"thread_id", v["mentorship_thread"]}})},
        {&s.candidate, op("meeting.request", {{"id", v["meeting"]}, {"mentorship_id", v["mentorship"]}, {"start", hour_in(48h)}})},
        {&s.mentor, op("referral.add", {{"id", v["referral"]}, {"mentorship_id", v["mentorship"]}, {"name", "Julie Roy"},
                                        {"role", "Recruiter"}, {"organization", "Acme"}})},
        {&s.candidate, op("message.send", {{"id", v["message"]}, {"thread_id", v["thread"]}, {"body", "private words of " + s.candidate_email}})},
        {&s.candidate, op("message.send", {{"id", v["file_message"]}, {"thread_id", v["thread"]}, {"body", "my CV"},
                                           {"attachments", json::array{json::object{{"sha256", v["file"]}, {"name", "cv.pdf"},
                                                                                    {"size", static_cast<std::int64_t>(cv.size())},
                                                                                    {"type", "application/pdf"}}}}})},
        {&s.coach, op("outcome.record", {{"id", v["outcome"]}, {"candidate_id", v["candidate"]}, {"status", "searching"},
                                         {"date", "2027-06-01"}})},
        {&s.candidate, op("calendar.feed.set", {{"token_hash", v["token_hash"]}})},
        // Employers (docs/employers.md): the side's employer, two needs, the candidate's consent,
        // a proposal of her for the first need and an internship.
        {&s.employer, op("employer.update", {{"organization", "Org of " + s.employer_email}, {"city", "Laval"},
                                             {"conditions", json::object{{"work_station", true}, {"colleagues_on_site", true},
                                                                         {"coach_on_site", true}}}})},
        {&s.coach, op("employer.confirm_conditions", {{"employer_id", v["employer"]}, {"confirmed", true}})},
        {&s.employer, op("need.create", {{"id", v["need"]}, {"title", "Developer"}, {"occupation_code", "21231"}})},
        {&s.employer, op("need.create", {{"id", v["need2"]}, {"title", "Analyst"}})},
        {&s.candidate, op("consent.give", {{"available_from", "2027-05-01"}})},
        {&s.coach, op("proposal.create", {{"id", v["proposal"]}, {"need_id", v["need"]}, {"candidate_id", v["candidate"]}})},
        {&s.coach, op("internship.create", {{"id", v["internship"]}, {"employer_id", v["employer"]}, {"candidate_id", v["candidate"]},
                                            {"start", "2027-09-01T13:00:00Z"}, {"end", "2027-09-10T13:00:00Z"}})},
        // A speed-jobbing session the coach organizes with the program's employer, for her
        // candidate, who registers (docs/activities.md); the coach then builds the rotation.
        {&s.coach, op("activity.create", {{"id", v["activity"]}, {"kind", "speed_jobbing"}, {"title", "Speed jobbing TI"},
                                          {"start", v["future"]}, {"end", v["future_end"]}, {"time_zone", "America/Toronto"},
                                          {"place", "Montréal"}, {"capacity", 10}, {"audience", "invited"},
                                          {"candidate_ids", json::array{v["candidate"]}},
                                          {"employer_ids", json::array{v["employer"]}}})},
        {&s.candidate, op("activity.register", {{"activity_id", v["activity"]}})},
        {&s.coach, op("activity.schedule", {{"id", v["activity"]}})},
    };
    for (auto& st : steps) {
      std::string error, name(st.o.at("name").as_string());
      if (auto r = push1(*st.who, st.o, &error); r != "applied") return "fixture " + name + ": " + r + " " + error;
    }
    auto plan = passerelle::test::pulled_row(passerelle::test::pull_all(s.candidate), "plans", v["plan"]);
    if (!plan) return "the candidate does not see their plan";
    const auto& ids = plan->at("step_ids").as_array();
    v["step"] = std::string(ids.at(0).as_string());
    v["step2"] = std::string(ids.at(1).as_string());
    return {};
  }

  TestServer& server_;
  std::atomic<int> counter_ = 0;
};

// --- worlds, built once and copied ----------------------------------------------------------
//
// A world is about sixty requests and six processes to build, and a case needs one to four of
// them: built for every use, they made the matrix the longest entry of the suite (~300 worlds,
// 9 minutes on PostgreSQL). So a process builds one world, on a server it then stops, and each
// use gets a server of its own on a copy of that database and its files (TestServer::copy_of: a
// file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), where the world's accounts
// resume their sessions. A copy is as fresh as a new build: nothing one use does reaches another.

const std::vector<std::string> kServerArgs = {"--meeting-notice-hours", "24"};

struct BuiltWorld {
  std::unique_ptr<TestServer> server;  // stopped once the world is built
  std::unique_ptr<Program::World> world;
  std::string failure;                 // why there is no world
};

const BuiltWorld& the_built_world() {
  static const BuiltWorld built = [] {
    BuiltWorld b;
    TestServer::Options options;
    options.extra_args = kServerArgs;
    b.server = std::make_unique<TestServer>(options);
    if (!b.server->ok()) {
      b.failure = "server: " + b.server->last_error();
      return b;
    }
    Program program(*b.server);
    if (!program.start()) {
      b.failure = "staff: " + b.server->last_error();
      return b;
    }
    b.world = program.make_world();
    if (!b.world) b.failure = program.failure;
    b.server->stop();
    return b;
  }();
  return built;
}

// A fresh copy of the built world, on a server of its own.
struct FreshWorld {
  std::unique_ptr<TestServer> server;
  std::unique_ptr<Program::World> world;  // nullptr after a failure (`failure` says why)
  std::string failure;
};

FreshWorld fresh_world() {
  FreshWorld f;
  const BuiltWorld& built = the_built_world();
  if (!built.world) {
    f.failure = "the world could not be built: " + built.failure;
    return f;
  }
  TestServer::Options options;
  options.extra_args = kServerArgs;
  options.copy_of = built.server.get();
  f.server = std::make_unique<TestServer>(options);
  if (!f.server->ok()) {
    f.failure = "a server on a copy of the world: " + f.server->last_error();
    return f;
  }
  const Program::World& from = *built.world;
  auto w = std::make_unique<Program::World>();
  auto again = [&](const Peer& p) { return passerelle::test::resume(*f.server, p.id, p.token); };
  for (auto [a, b] : {std::pair{&from.one, &w->one}, {&from.two, &w->two}}) {
    b->vars = a->vars;
    b->candidate_email = a->candidate_email;
    b->mentor_email = a->mentor_email;
    b->employer_email = a->employer_email;
    b->candidate = again(a->candidate);
    b->mentor = again(a->mentor);
    b->coach = again(a->coach);
    b->employer = again(a->employer);
  }
  w->admin = again(from.admin);
  w->missing = from.missing;
  f.world = std::move(w);
  return f;
}

// --- running one case ----------------------------------------------------------------------

struct Outcome {
  std::string result;   // "ok" or an error code
  std::string message;  // the error's message
  std::string detail;   // for failure output
};

Peer& actor_of(Program::World& w, const std::string& role) {
  if (role == "candidate") return w.one.candidate;
  if (role == "mentor") return w.one.mentor;
  if (role == "coach") return w.one.coach;
  if (role == "employer") return w.one.employer;
  return w.admin;
}

Vars vars_for(Program::World& w, const std::string& role, const std::string& relation) {
  Vars v = relation == "other" ? w.two.vars : relation == "missing" ? w.missing : w.one.vars;
  Peer& a = actor_of(w, role);
  v["actor"] = a.id;
  v["actor_token"] = a.token;
  v["actor_email"] = role == "candidate" ? w.one.candidate_email
                     : role == "mentor"  ? w.one.mentor_email
                     : role == "coach"   ? "coach1@example.org"
                     : role == "employer" ? w.one.employer_email
                                         : "admin@example.org";
  v["password"] = kTestPassword;
  v["new_hash"] = passerelle::sha256_hex(passerelle::new_token());
  return v;
}

const char* code_of_status(int status) {
  switch (status) {
    case 200: case 201: case 204: return "ok";
    case 400: return "bad_request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 409: return "conflict";
    case 413: return "too_large";
    case 415: return "unsupported";
    case 429: return "rate_limited";
    default: return "internal";
  }
}

Outcome run_case(TestServer& server, Program::World& w, const Entry& e, const std::string& role,
                 const std::string& relation) {
  Vars vars = vars_for(w, role, relation);
  Peer& actor = actor_of(w, role);
  Outcome out;
  if (e.kind == "mutator") {
    json::value args = substitute(e.spec.at("args"), vars);
    if (auto* by_role = e.spec.if_contains("args_by_role"); by_role && by_role->as_object().contains(role))
      args = substitute(by_role->as_object().at(role), vars);
    auto a = passerelle::test::push(actor, {op(e.name, args.as_object())});
    out.detail = json::serialize(args) + " -> " + json::serialize(a);
    if (a["ok"] != true) return Outcome{"push failed", "", out.detail};
    const auto& r = a.at("results").as_array().at(0).as_object();
    if (r.at("status") == "applied") return Outcome{"ok", "", out.detail};
    out.result = std::string(r.at("error").at("code").as_string());
    out.message = std::string(r.at("error").at("message").as_string());
    return out;
  }
  if (e.kind == "request") {
    json::value fields = substitute(e.spec.contains("fields") ? e.spec.at("fields") : json::object(), vars);
    Peer* caller = &actor;
    Peer anonymous;
    if (e.spec.contains("anonymous") && e.spec.at("anonymous") == true) {
      anonymous.ws = passerelle::test::connect_hello(server);
      caller = &anonymous;
    }
    auto a = caller->call(std::string(e.spec.at("type").as_string()), fields.as_object());
    out.detail = json::serialize(fields) + " -> " + json::serialize(a).substr(0, 400);
    if (a["ok"] == true) return Outcome{"ok", "", out.detail};
    if (!a.contains("error")) return Outcome{"no answer", "", out.detail};
    out.result = std::string(a.at("error").at("code").as_string());
    out.message = std::string(a.at("error").at("message").as_string());
    return out;
  }
  // HTTP: the actor's token, the target with its placeholders.
  std::string target(substitute(e.spec.at("target"), vars).as_string());
  std::map<std::string, std::string> headers;
  if (!(e.spec.contains("anonymous") && e.spec.at("anonymous") == true))
    headers["Authorization"] = "Bearer " + actor.token;
  auto r = passerelle::test::http_request(server.port(), std::string(e.spec.at("method").as_string()), target, headers);
  out.detail = target + " -> " + std::to_string(r.status) + " " + r.body.substr(0, 200);
  out.result = code_of_status(r.status);
  if (out.result != "ok") {
    boost::system::error_code ec;
    auto body = json::parse(r.body, ec);
    if (!ec && body.is_object() && body.as_object().contains("error"))
      out.message = std::string(body.at("error").at("message").as_string());
    else
      out.message = r.body;
  }
  return out;
}

// --- the tests ----------------------------------------------------------------------------

class AuthzMatrixTest : public ::testing::TestWithParam<Entry> {};

TEST_P(AuthzMatrixTest, EveryCaseAnswersAsTheTableSays) {
  const Entry& e = GetParam();
  const json::object& expect = e.spec.at("expect").as_object();

  // Refused cases first, in one world; "missing" for every role, to compare with "other".
  auto refused = fresh_world();
  ASSERT_TRUE(refused.world) << refused.failure;
  TestServer& server = *refused.server;
  auto& shared = refused.world;
  std::map<std::string, Outcome> other_answers;
  for (const char* role : kRoles) {
    ASSERT_TRUE(expect.contains(role)) << e.name << ": the table has no line for " << role;
    for (const auto& [relation, want] : expect.at(role).as_object()) {
      if (want == "ok") continue;
      auto got = run_case(server, *shared, e, role, relation);
      EXPECT_EQ(got.result, std::string(want.as_string()))
          << e.name << " as " << role << " on " << relation << "'s object: " << got.message << "\n  " << got.detail;
      if (relation == "other") other_answers[role] = got;
    }
    // "Not yours" looks like "does not exist" when the table refuses the other program's object.
    bool names_objects = !(e.spec.contains("names_objects") && e.spec.at("names_objects") == false);
    if (!names_objects) continue;
    auto missing = run_case(server, *shared, e, role, "missing");
    if (auto* m = expect.at(role).as_object().if_contains("missing")) {
      EXPECT_EQ(missing.result, std::string(m->as_string())) << e.name << " as " << role << " on made-up ids\n  " << missing.detail;
    }
    // Admins read every row (program staff): for them an existing object may answer otherwise.
    if (auto it = other_answers.find(role); it != other_answers.end() && std::string(role) != "admin") {
      EXPECT_EQ(it->second.result, missing.result)
          << e.name << " as " << role << ": another program's object and a made-up id answer differently\n  other: "
          << it->second.detail << "\n  missing: " << missing.detail;
      EXPECT_EQ(shape(it->second.message), shape(missing.message))
          << e.name << " as " << role << ": the messages tell an existing object from a made-up one";
    }
  }
  // Each allowed case in a fresh world.
  for (const char* role : kRoles)
    for (const auto& [relation, want] : expect.at(role).as_object()) {
      if (want != "ok") continue;
      auto fresh = fresh_world();
      ASSERT_TRUE(fresh.world) << fresh.failure;
      auto got = run_case(*fresh.server, *fresh.world, e, role, relation);
      EXPECT_EQ(got.result, "ok") << e.name << " as " << role << " on " << relation << "'s object: " << got.message
                                  << "\n  " << got.detail;
    }
}

std::string param_name(const ::testing::TestParamInfo<Entry>& info) {
  std::string n = info.param.kind + "_" + info.param.name;
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Table, AuthzMatrixTest, ::testing::ValuesIn(entries()), param_name);

// Registered request types and HTTP routes, read from the server's sources (non-comment lines):
// a feature that registers one must add it to the table.
std::set<std::string> scan_sources(const std::regex& pattern) {
  std::set<std::string> found;
  for (const auto& f : fs::recursive_directory_iterator(kSource / "server/src")) {
    if (f.path().extension() != ".cpp") continue;
    std::istringstream lines(read_text(f.path()));
    for (std::string line; std::getline(lines, line);) {
      auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line.compare(first, 2, "//") == 0) continue;
      std::smatch m;
      if (std::regex_search(line, m, pattern)) found.insert(m[1].str() + "@" + f.path().filename().string());
    }
  }
  return found;
}

TEST(AuthzMatrixCoverage, TheTableListsEveryMutatorRequestTypeAndRouteAndNothingElse) {
  std::set<std::string> in_table, in_code;
  for (const auto& e : matrix().at("mutators").as_array()) in_table.insert(std::string(e.at("name").as_string()));
  for (const auto& m : passerelle::sync::all_mutators()) in_code.insert(std::string(m.name));
  EXPECT_EQ(in_table, in_code) << "mutators in shared/ and in tests/server/authz_matrix.json differ";

  in_table.clear();
  in_code.clear();
  for (const auto& e : matrix().at("requests").as_array()) in_table.insert(std::string(e.at("type").as_string()));
  for (const auto& t : scan_sources(std::regex(R"re(\.add\("([a-z_.]+)",\s*(?:net::)?Access::)re")))
    in_code.insert(t.substr(0, t.find('@')));
  EXPECT_EQ(in_table, in_code) << "request types registered in server/src and listed in the table differ";

  // HTTP routes are registered with routes.add({prefix, ...}); the table names each prefix once.
  std::set<std::string> prefixes;
  for (const auto& e : matrix().at("http").as_array()) prefixes.insert(std::string(e.at("route").as_string()));
  auto registrations = scan_sources(std::regex(R"re(routes\.add\(\{([^,]+),)re"));
  EXPECT_EQ(registrations.size(), prefixes.size())
      << "routes.add() calls in server/src and route prefixes in the table differ in number";
}

// Pull hands nobody outside a row's audience another person's messages, career profile
// (immigration stage) or files.
TEST(AuthzMatrixPull, PrivateRowsReachOnlyTheirAudience) {
  auto fresh = fresh_world();
  ASSERT_TRUE(fresh.world) << fresh.failure;
  TestServer& server = *fresh.server;
  auto& w = fresh.world;
  const Vars& one = w->one.vars;
  struct Reader {
    const char* who;
    Peer* peer;
    bool messages, career;  // may read program 1's coaching messages, C1's career profile
    bool card;              // may read C1's card for employers (docs/employers.md)
    // Program 1's speed-jobbing session, C1's registration and her agenda (C1, her coach, and
    // the employer she meets); its roster and whole schedule (staff only).
    bool activity, roster;
  };
  std::vector<Reader> readers = {
      {"C1", &w->one.candidate, true, true, true, true, false},     {"K1", &w->one.coach, true, true, true, true, true},
      {"M1", &w->one.mentor, false, false, false, false, false},    {"C2", &w->two.candidate, false, false, false, false, false},
      {"M2", &w->two.mentor, false, false, false, false, false},    {"K2", &w->two.coach, false, false, true, false, false},
      {"E1", &w->one.employer, false, false, true, true, false},    {"E2", &w->two.employer, false, false, false, false, false},
  };
  for (auto& r : readers) {
    auto seen = passerelle::test::pull_all(*r.peer);
    EXPECT_EQ(passerelle::test::pulled_row(seen, "messages", one.at("message")).has_value(), r.messages) << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "messages", one.at("file_message")).has_value(), r.messages) << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "career_profiles", one.at("candidate")).has_value(), r.career) << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "candidate_cards", one.at("candidate")).has_value(), r.card) << r.who;
    if (std::string(r.who).front() == 'E') {
      // An employer reads no plan, no thread, no consent record and no immigration detail.
      for (const auto& [key, change] : seen.rows) {
        for (const char* coll : {"plans", "plan_steps", "threads", "messages", "career_profiles", "employer_consents",
                                 "internship_periods", "mentorships", "outcomes"})
          EXPECT_NE(key.rfind(std::string(coll) + "/", 0), 0u) << r.who << " got " << key;
        EXPECT_EQ(json::serialize(change).find("immigration_stage"), std::string::npos) << r.who << " got " << key;
      }
    }
    EXPECT_EQ(passerelle::test::pulled_row(seen, "activities", one.at("activity")).has_value(), r.activity) << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "activity_registrations",
                                           passerelle::activities::registration_id(one.at("activity"), one.at("candidate")))
                  .has_value(),
              r.activity)
        << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "activity_rosters", one.at("activity")).has_value(), r.roster) << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "activity_schedules", one.at("activity")).has_value(), r.roster) << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "activity_agendas",
                                           passerelle::activities::agenda_id(one.at("activity"), one.at("candidate")))
                  .has_value(),
              std::string(r.who) == "C1" || std::string(r.who) == "K1")
        << r.who;
    EXPECT_EQ(passerelle::test::pulled_row(seen, "activity_agendas",
                                           passerelle::activities::agenda_id(one.at("activity"), one.at("employer")))
                  .has_value(),
              std::string(r.who) == "E1" || std::string(r.who) == "K1")
        << r.who;
    for (const auto& [key, change] : seen.rows) {
      std::string text = json::serialize(change);
      if (!r.messages) {
        EXPECT_EQ(text.find("private words of " + w->one.candidate_email), std::string::npos) << r.who << " got " << key;
        EXPECT_EQ(text.find(one.at("file")), std::string::npos) << r.who << " learnt the CV's hash from " << key;
      }
    }
    auto file = passerelle::test::http_request(server.port(), "GET", "/v1/blobs/" + one.at("file"),
                                               {{"Authorization", "Bearer " + r.peer->token}});
    EXPECT_EQ(file.status, r.messages ? 200 : 404) << r.who;
  }

  // Pokes that carry the change (docs/sync.md, "Live") reach exactly pull's audience: each
  // reader also holds a session that asked for them; C1 writes a new private message; then each
  // reader writes to their own profile and reads pokes up to that write. Members got the message
  // in a poke, with the data pull gives; nobody else saw its words or its id in one.
  std::vector<std::unique_ptr<passerelle::test::RawWsClient>> live;
  for (auto& r : readers) {
    auto ws = std::make_unique<passerelle::test::RawWsClient>();
    ASSERT_TRUE(ws->connect(server.port())) << ws->last_error();
    auto hello = ws->call(1, "hello", {{"protocol", 1}, {"live_rows", true}});
    ASSERT_EQ(hello["live_rows"], true) << json::serialize(hello);
    auto resumed = ws->call(2, "auth.resume", {{"token", r.peer->token}});
    ASSERT_EQ(resumed["ok"], true) << json::serialize(resumed);
    live.push_back(std::move(ws));
  }
  std::string message_id = passerelle::new_id(), words = "live words of " + w->one.candidate_email;
  auto sent = passerelle::test::push(w->one.candidate,
                                     json::array{passerelle::test::send_op(one.at("thread"), words, message_id)});
  ASSERT_EQ(sent["ok"], true) << json::serialize(sent);
  EXPECT_EQ(sent["live_rows"], true) << "the author is a reader: its carried poke follows";
  for (std::size_t i = 0; i < readers.size(); ++i) {
    auto& r = readers[i];
    auto own = passerelle::test::push(*r.peer, json::array{op("profile.update", {{"bio", "bio " + std::to_string(i)}})});
    ASSERT_EQ(own["ok"], true) << r.who << json::serialize(own);
    std::int64_t end = passerelle::test::pull_all(*r.peer).cursor;
    bool carried_message = false;
    for (;;) {
      auto poke = passerelle::test::read_poke(*live[i], 10s);
      ASSERT_TRUE(poke) << r.who << ": no poke up to its own write";
      std::string text = json::serialize(*poke);
      if (poke->contains("changes")) {
        for (const auto& c : poke->at("changes").as_array()) {
          const auto& change = c.as_object();
          if (change.at("id").as_string() != message_id) continue;
          carried_message = true;
          auto pulled = passerelle::test::pull_all(*r.peer);
          auto row = passerelle::test::pulled_row(pulled, "messages", message_id);
          ASSERT_TRUE(row) << r.who;
          EXPECT_EQ(change.at("data").as_object(), *row) << r.who << ": the carried row differs from the pulled one";
        }
      }
      if (!r.messages) {
        EXPECT_EQ(text.find(words), std::string::npos) << r.who << " got the words in a poke";
        EXPECT_EQ(text.find(message_id), std::string::npos) << r.who << " got the message id in a poke";
      }
      if (poke->at("seq").as_int64() >= end) break;
    }
    EXPECT_EQ(carried_message, r.messages) << r.who;
  }
}

}  // namespace
