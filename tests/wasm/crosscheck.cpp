// The same seeded sequence of shared/ mutators applied to a client store, natively and in
// WebAssembly (docs/bindings.md): this program prints what the store holds afterwards, and
// tests/wasm/crosscheck.sh runs it both ways and compares the outputs byte for byte.
//
//   passerelle-crosscheck <empty folder> <seed>   the mutator run, then the store's rows
//   passerelle-crosscheck --time-zones            mentor slots and local labels across zones
//   passerelle-crosscheck --views                 the views the web binding and the C API share
//                                                 (local_views.h) over fixed rows and a fixed now
//
// Everything that varies between runs is fixed: ids come from the seeded generator, the
// store's clock steps one second per operation. Only the outbox's op ids are random (the
// store makes them), so they are not printed. std::mt19937_64's output is defined by the
// standard, unlike the distributions (libstdc++ and libc++ differ), so only its raw output
// is used.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "passerelle/local_views.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/time.h"
#include "sqlite.h"
#include "sync/sync_store.h"

namespace json = boost::json;
using namespace passerelle;
using protocol::Role;

namespace {

class Run {
 public:
  explicit Run(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t next() { return rng_(); }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

  std::string id() {
    std::array<std::uint8_t, 16> b{};
    std::uint64_t hi = next(), lo = next();
    for (int i = 0; i < 8; ++i) {
      b[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
      b[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    b[6] = static_cast<std::uint8_t>(0x70 | (b[6] & 0x0F));
    b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3F));
    return Uuid(b).str();
  }

  std::string body() {
    static const char* const kWords[] = {"bonjour", "rendez-vous", "préfecture", "logement", "CV",
                                         "entretien", "merci !", "à demain", "日本語", "🙂", "  ",
                                         "\n", "ok", "permis", "visa", "Montréal"};
    std::string s;
    std::size_t n = below(6);
    for (std::size_t i = 0; i < n; ++i) s += std::string(kWords[below(std::size(kWords))]) + " ";
    return s;  // sometimes blank: the mutator refuses it, and that is compared too
  }

 private:
  std::mt19937_64 rng_;
};

const Timestamp kStart = *parse_rfc3339("2026-03-07T09:00:00Z");

int fail(const std::string& what) {
  std::fprintf(stderr, "crosscheck: %s\n", what.c_str());
  return 1;
}

void print_table(client::sqlite::Database& db, const char* title, const char* sql) {
  std::printf("== %s\n", title);
  auto st = db.prepare(sql);
  if (!st) {
    std::printf("error %s\n", st.error().message.c_str());
    return;
  }
  while (true) {
    auto row = st->step();
    if (!row || !*row) break;
    std::printf("%s\n", st->text(0).c_str());
  }
}

int mutator_run(const std::filesystem::path& dir, std::uint64_t seed) {
  Run run(seed);
  std::string coach = run.id();
  std::vector<std::string> candidates = {run.id(), run.id(), run.id()};
  std::vector<std::string> threads = {run.id(), run.id(), run.id()};

  auto opened = client::sqlite::Database::open(dir / "account.sqlite", "the account file", client::SyncStore::migrations(1));
  if (!opened) return fail(opened.error().message);
  auto& db = **opened;
  Timestamp now = kStart;
  client::SyncStore store(db, sync::Actor{coach, Role::coach}, [&now] { return now; });

  // What the first pull brings: the coach's and the candidates' profiles.
  sync::PullPage first;
  first.epoch = "crosscheck";
  std::int64_t seq = 0;
  first.changes.push_back({std::string(sync::collection::profiles), coach, ++seq, false,
                           sync::new_profile_row({coach, Role::coach, "coach@example.org", "Claire", protocol::Locale::fr}, kStart)});
  for (std::size_t i = 0; i < candidates.size(); ++i)
    first.changes.push_back(
        {std::string(sync::collection::profiles), candidates[i], ++seq, false,
         sync::new_profile_row({candidates[i], Role::candidate, "c" + std::to_string(i) + "@example.org",
                                "Candidate " + std::to_string(i), protocol::Locale::fr},
                               kStart)});
  first.cursor = seq;
  if (auto st = store.apply_pull_page(first, nullptr); !st) return fail(st.error().message);

  std::vector<std::string> messages;
  auto mutate = [&](int i, const std::string& name, const json::object& args) {
    now += std::chrono::seconds(1);
    auto r = store.mutate(name, args, nullptr);
    std::printf("op %d %s %s -> %s\n", i, name.c_str(), json::serialize(args).c_str(),
                r ? "queued" : (std::string(to_string(r.error().code)) + " " + r.error().message).c_str());
  };

  for (std::size_t i = 0; i < candidates.size(); ++i)
    mutate(-1, "caseload.assign", {{"candidate_id", candidates[i]}, {"coach_id", coach}, {"thread_id", threads[i]}});

  for (int i = 0; i < 240; ++i) {
    switch (run.below(10)) {
      case 0: case 1: case 2: case 3: case 4: {
        std::string id = run.id();
        messages.push_back(id);
        mutate(i, "message.send", {{"id", id}, {"thread_id", threads[run.below(threads.size())]}, {"body", run.body()}});
        break;
      }
      case 5:
        mutate(i, "message.delete", {{"id", messages.empty() ? run.id() : messages[run.below(messages.size())]}});
        break;
      case 6:
        mutate(i, "receipt.update", {{"thread_id", threads[run.below(threads.size())]},
                                     {"read_n", static_cast<std::int64_t>(run.below(5))}});
        break;
      case 7: {
        // The server answers the oldest ops: most applied, one in four rejected (a rebase).
        // Its pull then carries the threads and profiles the device sees, so the coaching
        // threads stay once their caseload.assign has left the outbox.
        sync::PullPage echo;
        echo.epoch = "crosscheck";
        for (auto c : {sync::collection::threads, sync::collection::profiles}) {
          auto rows = store.list(c);
          if (!rows) return fail(rows.error().message);
          for (const auto& row : *rows)
            echo.changes.push_back({std::string(c), std::string(row.at("id").as_string()), ++seq, false, row});
        }
        echo.cursor = seq;
        if (auto st = store.apply_pull_page(echo, nullptr); !st) return fail(st.error().message);
        auto pending = store.pending(1 + run.below(8));
        if (!pending) return fail(pending.error().message);
        std::vector<sync::OpResult> results;
        for (const auto& op : *pending) {
          sync::OpResult r;
          r.op_id = op.op_id;
          if (run.below(4) == 0) {
            r.status = sync::OpStatus::rejected;
            r.error = Error{ErrorCode::conflict, "refused by the cross-check's server"};
          }
          results.push_back(std::move(r));
        }
        now += std::chrono::seconds(1);
        if (auto st = store.apply_push_results(results, nullptr); !st) return fail(st.error().message);
        std::printf("op %d push results for %zu ops\n", i, results.size());
        break;
      }
      case 8: {
        // A pull page echoing some of the view's messages as the server's rows, one deleted.
        auto rows = store.list(sync::collection::messages);
        if (!rows) return fail(rows.error().message);
        sync::PullPage page;
        page.epoch = "crosscheck";
        for (const auto& row : *rows) {
          if (run.below(3) != 0) continue;
          bool deleted = run.below(5) == 0;
          page.changes.push_back({std::string(sync::collection::messages), std::string(row.at("id").as_string()), ++seq,
                                  deleted, deleted ? json::object{} : row});
        }
        page.cursor = seq;
        now += std::chrono::seconds(1);
        if (auto st = store.apply_pull_page(page, nullptr); !st) return fail(st.error().message);
        std::printf("op %d pull page of %zu changes\n", i, page.changes.size());
        break;
      }
      default: {
        static const char* const kZones[] = {"America/Toronto", "Europe/Paris", "Asia/Kolkata", "Etc/GMT+5",
                                             "US/Eastern", "Mars/Olympus_Mons", "europe/paris"};
        if (run.below(2) == 0)
          mutate(i, "profile.update", {{"name", run.body()}});
        else
          mutate(i, "profile.update", {{"time_zone", kZones[run.below(std::size(kZones))]}});
        break;
      }
    }
  }

  print_table(db, "view_rows", "SELECT collection || ' ' || id || ' ' || data FROM view_rows ORDER BY collection, id");
  print_table(db, "server_rows", "SELECT collection || ' ' || id || ' ' || data FROM server_rows ORDER BY collection, id");
  print_table(db, "local_rows",
              "SELECT collection || ' ' || id || ' ' || coalesce(data, '(deleted)') FROM local_rows ORDER BY collection, id");
  print_table(db, "outbox", "SELECT name || ' ' || args FROM outbox ORDER BY position");
  print_table(db, "rejections", "SELECT name || ' ' || args FROM rejections ORDER BY name, args");
  print_table(db, "sync_state", "SELECT key || ' ' || value FROM sync_state WHERE key NOT LIKE '%synced%' ORDER BY key");
  return 0;
}

// Mentor slots over clock changes, local labels and zone spans, in zones whose rules differ,
// and names that are links in zoneinfo (the module embeds their targets once and makes the
// links again: wasm/CMakeLists.txt), one of them to another folder.
int time_zones() {
  const char* const kZones[] = {"America/Toronto", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe",
                                "America/Sao_Paulo", "Africa/Casablanca", "Pacific/Chatham", "Asia/Tehran",
                                "US/Eastern", "Asia/Calcutta", "Etc/GMT+0"};
  Timestamp from = *parse_rfc3339("2026-03-01T00:00:00Z"), to = *parse_rfc3339("2026-04-15T00:00:00Z");
  for (const char* zone : kZones) {
    std::printf("== %s valid=%d\n", zone, is_valid_time_zone(zone) ? 1 : 0);
    mentors::Availability a;
    a.time_zone = zone;
    a.weekly = {{7, 1 * 60 + 30, 3 * 60 + 30}, {2, 18 * 60, 20 * 60}};  // Sunday 01:30-03:30 crosses most changes
    for (const auto& s : mentors::compute_slots(a, from, to))
      std::printf("%s %s %s\n", format_rfc3339(s.start).c_str(), format_rfc3339(s.end).c_str(),
                  mentors::local_label(s.start, zone).c_str());
    // The offsets the phone app shows local times with (zone_spans), over two years.
    auto spans = zone_spans(zone, *parse_rfc3339("2026-01-01T00:00:00Z"), *parse_rfc3339("2028-01-01T00:00:00Z"));
    if (!spans) std::printf("spans none\n");
    else for (const auto& span : *spans)
      std::printf("span %s %s %lld %s\n", format_rfc3339(span.begin).c_str(), format_rfc3339(span.end).c_str(),
                  static_cast<long long>(span.offset.count()), span.abbrev.c_str());
  }
  std::printf("== unknown zone valid=%d\n", is_valid_time_zone("Mars/Olympus_Mons") ? 1 : 0);
  return 0;
}

// Rows held in memory, as a device's local view would hold them.
class MemoryRows final : public client::LocalRows {
 public:
  void put(std::string collection, json::object row) {
    std::string id(row.at("id").as_string());
    rows_[{std::move(collection), std::move(id)}] = std::move(row);
  }
  client::Outcome<std::optional<json::object>> get(std::string_view collection, std::string_view id) override {
    auto it = rows_.find({std::string(collection), std::string(id)});
    if (it == rows_.end()) return std::optional<json::object>();
    return std::optional<json::object>(it->second);
  }
  client::Outcome<std::vector<json::object>> list(std::string_view collection, std::string_view field,
                                                  std::string_view value) override {
    std::vector<json::object> out;
    for (const auto& [key, row] : rows_) {
      if (key.first != collection) continue;
      const auto* v = field.empty() ? nullptr : row.if_contains(field);
      if (field.empty() || (v && v->is_string() && v->as_string() == value)) out.push_back(row);
    }
    return out;
  }

 private:
  std::map<std::pair<std::string, std::string>, json::object> rows_;
};

template <class T>
void print_outcome(const char* what, const client::Outcome<T>& o) {
  if (o) std::printf("%s ok %s\n", what, json::serialize(json::value_from(*o)).c_str());
  else std::printf("%s error %s %s\n", what, std::string(client::to_string(o.origin())).c_str(), o.error().message.c_str());
}

// The shared views over one mentorship (a mentor in Toronto, a candidate in Casablanca, over
// the spring clock changes), a plan with steps done, skipped and overdue, and a meeting.
int views() {
  const Timestamp now = *parse_rfc3339("2026-03-05T14:20:00Z");
  const std::string mentor = "01900000-0000-7000-8000-00000000000a", candidate = "01900000-0000-7000-8000-00000000000b";
  MemoryRows rows;
  rows.put("mentorships", {{"id", "01900000-0000-7000-8000-000000000001"}, {"status", "active"}, {"mentor_id", mentor},
                           {"candidate_id", candidate}});
  json::value av = json::parse(R"({"time_zone":"America/Toronto","weekly":[{"weekday":2,"start":"18:00","end":"21:00"},
    {"weekday":7,"start":"01:00","end":"04:00"}],"additions":[{"date":"2026-03-12","start":"09:00","end":"11:00"}],
    "blocked":["2026-03-17"]})");
  json::object avail = av.as_object();
  avail["id"] = mentor;
  rows.put("availability", avail);
  rows.put("busy", {{"id", candidate}, {"meetings", json::array{json::object{{"id", "m0"}, {"start", "2026-03-10T23:00:00Z"},
                                                                              {"end", "2026-03-11T00:00:00Z"}}}}});
  rows.put("career_profiles", {{"id", candidate}, {"time_zone", "Africa/Casablanca"}});
  rows.put("profiles", {{"id", candidate}, {"time_zone", "Africa/Casablanca"}});
  rows.put("plans", {{"id", "01900000-0000-7000-8000-0000000000p1"}, {"candidate_id", candidate}, {"created_at", "2026-01-10T10:00:00Z"},
                     {"step_ids", json::array{"s1", "s2", "s3", "s4", "s5", "missing"}}});
  const char* steps[][4] = {{"s1", "done", "2026-02-01", "2026-02-20T10:00:00Z"}, {"s2", "skipped", "2026-02-10", ""},
                            {"s3", "todo", "2026-03-04", ""}, {"s4", "in_progress", "2026-03-05", "2026-02-25T08:00:00Z"},
                            {"s5", "todo", "2026-04-01", ""}};
  for (const auto& st : steps) {
    json::object step{{"id", st[0]}, {"plan_id", "01900000-0000-7000-8000-0000000000p1"}, {"status", st[1]}, {"due_date", st[2]}};
    if (*st[3]) step["last_activity_at"] = st[3];
    rows.put("plan_steps", step);
  }
  rows.put("meetings", {{"id", "01900000-0000-7000-8000-0000000000e1"}, {"mentor_id", mentor}, {"candidate_id", candidate},
                        {"mentor_name", "Isabelle Roy"}, {"candidate_name", "Amina Benali"}, {"status", "scheduled"},
                        {"start", "2026-03-10T22:00:00Z"}, {"end", "2026-03-10T23:00:00Z"}, {"sequence", 2},
                        {"updated_at", "2026-03-01T12:00:00Z"}, {"video_url", "https://meet.example/abc;def,ghi"},
                        {"candidate_time_zone", "Africa/Casablanca"}, {"mentor_time_zone", "America/Toronto"}});
  print_outcome("slots", client::slots_view(rows, "", 21, now));
  print_outcome("slots of an unknown mentorship", client::slots_view(rows, "01900000-0000-7000-8000-0000000000ff", 21, now));
  auto progress = client::plan_progress_view(rows, candidate, now);
  if (progress) std::printf("progress ok %s\n", *progress ? json::serialize(**progress).c_str() : "null");
  std::printf("zone %s / %s\n", client::person_time_zone(rows, candidate).c_str(), client::person_time_zone(rows, mentor).c_str());
  for (auto locale : {protocol::Locale::fr, protocol::Locale::en})
    for (const auto& viewer : {mentor, candidate}) {
      auto ics = client::meeting_ics(rows, "01900000-0000-7000-8000-0000000000e1", viewer, locale);
      std::printf("ics %s\n", ics ? ics->c_str() : ics.error().message.c_str());
    }
  // An activity as each person takes part in it (activity_view): a speed-jobbing session with the
  // candidate's agenda and confirmed seat, a conference where she waits third, an unknown id.
  const std::string session = "01900000-0000-7000-8000-0000000000a1", conference = "01900000-0000-7000-8000-0000000000a2";
  const std::string employer = "01900000-0000-7000-8000-00000000000e";
  for (const auto& [id, kind] : {std::pair{session, "speed_jobbing"}, std::pair{conference, "conference"}})
    rows.put("activities", {{"id", id}, {"kind", kind}, {"title", "Santé, Laval; soir"}, {"start", "2026-03-09T14:00:00Z"},
                            {"end", "2026-03-09T16:00:00Z"}, {"time_zone", "America/Toronto"}, {"place", "Cosmodôme, Laval"},
                            {"status", "open"}, {"sequence", 1}, {"updated_at", "2026-03-01T12:00:00Z"}});
  rows.put("activity_registrations", {{"id", activities::registration_id(session, candidate)}, {"status", "confirmed"}, {"reason", "seat"}});
  rows.put("activity_registrations", {{"id", activities::registration_id(conference, candidate)}, {"status", "waitlisted"},
                                      {"reason", "full"}, {"position", 3}});
  json::array items;
  for (int slot = 0; slot < 2; ++slot)
    items.push_back(json::object{{"slot", slot}, {"start", slot ? "2026-03-09T14:10:00Z" : "2026-03-09T14:00:00Z"},
                                 {"end", slot ? "2026-03-09T14:18:00Z" : "2026-03-09T14:08:00Z"}, {"with_id", employer},
                                 {"with_name", slot ? "Clinique Laval" : "Hôpital du Sacré-Cœur"}, {"employer_id", employer},
                                 {"candidate_id", candidate}, {"table", slot + 1}});
  rows.put("activity_agendas", {{"id", activities::agenda_id(session, candidate)}, {"activity_id", session}, {"user_id", candidate},
                                {"side", "candidate"}, {"items", items}, {"sequence", 2}, {"updated_at", "2026-03-02T12:00:00Z"}});
  for (auto locale : {protocol::Locale::fr, protocol::Locale::en})
    for (const auto& id : {session, conference, std::string("01900000-0000-7000-8000-0000000000ff")})
      print_outcome("activity", client::activity_view(rows, id, candidate, locale));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--time-zones") return time_zones();
  if (argc == 2 && std::string(argv[1]) == "--views") return views();
  if (argc != 3) return fail("usage: passerelle-crosscheck <empty folder> <seed> | --time-zones | --views");
  std::filesystem::create_directories(argv[1]);
  return mutator_run(argv[1], std::stoull(argv[2]));
}
