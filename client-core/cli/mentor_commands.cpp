// The mentoring commands (docs/mentoring.md): profiles, suggestions, availability, slots in both
// people's zones, booking, meetings, referrals and the calendar feed. Reads are the local view;
// writes are the shared mutators through Client::mutate, so they work offline and the server
// has the last word at the next sync (a slot taken meanwhile comes back as a rejection naming
// the next free slots: passerelle rejections).
#include <algorithm>
#include <iostream>

#include <boost/json/serialize.hpp>

#include "cli.h"
#include "passerelle/client_rows.h"
#include "passerelle/mentor_slots.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/mentors/matching.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/time.h"
#include "plan_format.h"

namespace passerelle::cli {

namespace {

namespace mc = mentors::collection;

std::string my_zone(Client& client, const UserInfo& user) { return client::person_time_zone(client, user.id); }

// "fr:C1,en:B2" -> [{code, level}]
std::optional<json::array> parse_languages(const std::string& text) {
  json::array out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto colon = item.find(':');
    if (colon == std::string::npos) return std::nullopt;
    out.push_back(json::object{{"code", item.substr(0, colon)}, {"level", item.substr(colon + 1)}});
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

// The one active (else proposed) mentorship of the user, or the one named.
std::optional<json::object> pick_mentorship(Client& client, const UserInfo& user, const std::optional<std::string>& named,
                                            int& exit) {
  if (named) {
    auto id = resolve_id(client, mc::mentorships, *named, "mentorship", exit);
    if (!id) return std::nullopt;
    auto row = client.get(mc::mentorships, *id);
    if (row && *row) return **row;
    exit = fail(kUsage, "mentorship " + *named + " is not on this device (passerelle sync)");
    return std::nullopt;
  }
  auto rows = client.list(mc::mentorships);
  if (!rows) {
    exit = fail_data(rows.failure());
    return std::nullopt;
  }
  std::vector<json::object> active;
  for (auto& r : *rows)
    if (field(r, "status") == "active" && (field(r, "candidate_id") == user.id || field(r, "mentor_id") == user.id))
      active.push_back(r);
  if (active.size() == 1) return active[0];
  exit = fail(kUsage, active.empty() ? "no active mentorship on this device (passerelle sync, passerelle mentorships)"
                                     : "several active mentorships: give --mentorship ID");
  return std::nullopt;
}

std::string both_zones(Timestamp t, const std::string& mine, const std::string& theirs) {
  std::string s = mentors::local_label(t, mine);
  if (!theirs.empty() && theirs != mine) s += "  (" + mentors::local_label(t, theirs) + ")";
  return s;
}

int show_rows(const std::vector<json::object>& rows, bool as_json) {
  if (as_json) {
    json::array a;
    for (const auto& r : rows) a.push_back(r);
    std::cout << json::serialize(a) << "\n";
  }
  return kOk;
}

// ------------------------------------------------------------ profiles
int career(Client& client, const UserInfo& user, const Args& args) {
  json::object a;
  auto text = [&](const char* flag, const char* key) {
    if (auto v = args.flag(flag)) a[key] = *v;
  };
  text("--occupation", "occupation_code");
  text("--profession", "profession");
  text("--time-zone", "time_zone");
  text("--country", "country");
  text("--stage", "immigration_stage");
  text("--arrival", "planned_arrival");
  text("--region", "target_region");
  if (auto v = args.flag("--years")) a["years_experience"] = std::atoll(v->c_str());
  if (auto v = args.flag("--languages")) {
    auto l = parse_languages(*v);
    if (!l) return fail(kUsage, "--languages takes code:level pairs, e.g. fr:C1,en:B2");
    a["languages"] = *l;
  }
  if (auto v = args.flag("--organizations")) {
    json::array orgs;
    std::size_t pos = 0;
    while (pos <= v->size()) {
      auto comma = v->find(',', pos);
      orgs.emplace_back(v->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    a["organizations"] = orgs;
  }
  if (a.empty()) {
    auto row = client.get(mc::career_profiles, user.id);
    if (!row) return fail_data(row.failure());
    std::cout << (*row ? json::serialize(**row) : std::string("no career profile yet")) << "\n";
    return kOk;
  }
  return queue(client, "career.update", a, "career profile update");
}

int mentor_profile(Client& client, const UserInfo& user, const Args& args) {
  json::object a;
  auto text = [&](const char* flag, const char* key) {
    if (auto v = args.flag(flag)) a[key] = *v;
  };
  text("--occupation", "occupation_code");
  text("--profession", "profession");
  text("--employer", "employer");
  text("--sector", "sector");
  text("--city", "city");
  text("--bio", "bio");
  text("--time-zone", "time_zone");
  text("--video-url", "video_url");
  if (auto v = args.flag("--capacity")) a["capacity"] = std::atoll(v->c_str());
  if (auto v = args.flag("--languages")) {
    auto l = parse_languages(*v);
    if (!l) return fail(kUsage, "--languages takes code:level pairs, e.g. fr:native,en:C1");
    a["languages"] = *l;
  }
  if (a.empty()) {
    auto row = client.get(mc::mentor_profiles, user.id);
    if (!row) return fail_data(row.failure());
    std::cout << (*row ? json::serialize(**row) : std::string("no mentor profile yet")) << "\n";
    return kOk;
  }
  return queue(client, "mentor.update", a, "mentor profile update");
}

// ------------------------------------------------------------ matching
int suggest(Client& client, const Args& args) {
  auto cand = args.flag("--candidate");
  if (!cand) return fail(kUsage, "mentors suggest needs --candidate ID");
  int exit = kOk;
  auto id = resolve_id(client, mc::career_profiles, *cand, "candidate career profile", exit);
  if (!id) return exit;
  auto career = client.get(mc::career_profiles, *id);
  if (!career || !*career) return fail(kUsage, "no career profile of that candidate on this device (passerelle sync)");
  auto profiles = client.list(mc::mentor_profiles);
  if (!profiles) return fail_data(profiles.failure());
  std::vector<mentors::MentorCandidate> ms;
  for (auto& p : *profiles) {
    auto av = client.get(mc::availability, field(p, "id"));
    ms.push_back({p, av && *av ? std::optional<json::object>(**av) : std::nullopt});
  }
  std::vector<std::string> excluded;
  if (auto* h = (*career)->if_contains("mentor_history"); h && h->is_array())
    for (const auto& v : h->get_array())
      if (v.is_string()) excluded.emplace_back(v.get_string());
  auto s = mentors::suggest_mentors(**career, ms, excluded, now_utc());
  // Reasons in the language of the person reading them (the coach), French by default.
  auto me = client.current_user();
  auto locale = me && *me ? (*me)->user.locale : protocol::Locale::fr;
  if (args.has("--json")) {
    json::array a;
    for (const auto& x : s) {
      json::array reasons;
      for (const auto& r : x.reasons) reasons.push_back(json::object{{"code", r.code}, {"text", r.text_in(locale)}, {"points", r.points}});
      a.push_back(json::object{{"mentor_id", x.mentor_id}, {"name", x.name}, {"score", x.score}, {"capacity_left", x.capacity_left},
                               {"reasons", reasons}});
    }
    std::cout << json::serialize(a) << "\n";
    return kOk;
  }
  if (s.empty()) std::cout << "no mentor passes the filters (capacity, a shared working language, not proposed before)\n";
  for (const auto& x : s) {
    std::cout << x.score << "  " << x.name << "  " << x.mentor_id << "  (" << x.capacity_left << " place(s) left)\n";
    for (const auto& r : x.reasons) std::cout << "      " << r.text_in(locale) << (r.points ? "  +" + std::to_string(r.points) : "") << "\n";
  }
  return kOk;
}

int propose(Client& client, const Args& args) {
  auto cand = args.flag("--candidate"), mentor = args.flag("--mentor");
  if (!cand || !mentor) return fail(kUsage, "mentors propose needs --candidate ID --mentor ID");
  int exit = kOk;
  auto c = resolve_id(client, sync::collection::profiles, *cand, "candidate", exit);
  if (!c) return exit;
  auto m = resolve_id(client, mc::mentor_profiles, *mentor, "mentor", exit);
  if (!m) return exit;
  std::string id = new_id();
  return queue(client, "mentorship.propose", {{"id", id}, {"candidate_id", *c}, {"mentor_id", *m}}, "mentorship " + id.substr(0, 8) + " proposed");
}

int mentorships(Client& client, const UserInfo& user, const Args& args) {
  auto rows = client.list(mc::mentorships);
  if (!rows) return fail_data(rows.failure());
  if (args.has("--json")) return show_rows(*rows, true);
  if (rows->empty()) std::cout << "no mentorship on this device\n";
  for (const auto& r : *rows) {
    auto* card = r.if_contains("candidate");
    std::string cand = card && card->is_object() ? field(card->get_object(), "name") : field(r, "candidate_id");
    std::cout << field(r, "id").substr(0, 8) << "  " << field(r, "status") << "  " << cand << " with " << field(r, "mentor_name");
    if (auto* mt = r.if_contains("meeting_ids"); mt && mt->is_array()) std::cout << "  meetings " << mt->get_array().size();
    if (auto* rf = r.if_contains("referral_ids"); rf && rf->is_array()) std::cout << "  referrals " << rf->get_array().size();
    if (!field(r, "decline_reason").empty()) std::cout << "  declined: " << field(r, "decline_reason");
    std::cout << "\n";
  }
  (void)user;
  return kOk;
}

int respond(Client& client, const Args& args, bool accept) {
  if (args.positional.empty()) return fail(kUsage, "give the mentorship id");
  int exit = kOk;
  auto id = resolve_id(client, mc::mentorships, args.positional[0], "mentorship", exit);
  if (!id) return exit;
  json::object a{{"id", *id}, {"accept", accept}};
  if (accept) a["thread_id"] = new_id();
  else {
    auto reason = args.flag("--reason");
    if (!reason) return fail(kUsage, "mentorship decline needs --reason TEXT (the candidate is told)");
    a["reason"] = *reason;
  }
  return queue(client, "mentorship.respond", a, accept ? "acceptance" : "decline");
}

int complete(Client& client, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "give the mentorship id");
  int exit = kOk;
  auto id = resolve_id(client, mc::mentorships, args.positional[0], "mentorship", exit);
  if (!id) return exit;
  json::object a{{"id", *id}};
  if (auto r = args.flag("--reason")) a["reason"] = *r;
  return queue(client, "mentorship.complete", a, a.contains("reason") ? "closing" : "completion");
}

// ------------------------------------------------------------ availability and slots
int availability(Client& client, const UserInfo& user, const Args& args) {
  auto row = client.get(mc::availability, user.id);
  if (!row) return fail_data(row.failure());
  std::cout << (*row ? json::serialize(**row) : std::string("no availability published yet")) << "\n";
  return kOk;
}

// --weekly "2 18:00-20:00" (ISO weekday), --add "2027-03-11 09:00-11:00", --block 2027-03-16
int availability_set(Client& client, const UserInfo& user, const Args& args) {
  json::object av{{"time_zone", args.flag("--time-zone").value_or(my_zone(client, user))}};
  json::array weekly, additions, blocked;
  auto span = [](const std::string& s, json::object& o) {
    auto dash = s.find('-');
    if (dash == std::string::npos) return false;
    o["start"] = s.substr(0, dash);
    o["end"] = s.substr(dash + 1);
    return true;
  };
  for (const auto& w : args.all("--weekly")) {
    json::object o;
    auto sp = w.find(' ');
    if (sp == std::string::npos || !span(w.substr(sp + 1), o)) return fail(kUsage, "--weekly takes \"WEEKDAY HH:MM-HH:MM\" (1 = Monday)");
    o["weekday"] = std::atoll(w.substr(0, sp).c_str());
    weekly.push_back(o);
  }
  for (const auto& w : args.all("--add")) {
    json::object o;
    auto sp = w.find(' ');
    if (sp == std::string::npos || !span(w.substr(sp + 1), o)) return fail(kUsage, "--add takes \"YYYY-MM-DD HH:MM-HH:MM\"");
    o["date"] = w.substr(0, sp);
    additions.push_back(o);
  }
  for (const auto& b : args.all("--block")) blocked.emplace_back(b);
  av["weekly"] = weekly;
  av["additions"] = additions;
  av["blocked"] = blocked;
  return queue(client, "availability.set", {{"availability", av}}, "availability");
}

int slots(Client& client, const UserInfo& user, const Args& args) {
  int exit = kOk;
  std::optional<std::string> named = args.flag("--mentorship");
  if (!named && !args.positional.empty()) named = args.positional[0];
  auto ms = pick_mentorship(client, user, named, exit);
  if (!ms) return exit;
  auto row = client.get(mc::availability, field(*ms, "mentor_id"));
  if (!row) return fail_data(row.failure());
  if (!*row) return fail(kRefused, "the mentor has published no availability yet (or passerelle sync)");
  std::vector<json::object> busy;
  for (const auto& who : {field(*ms, "mentor_id"), field(*ms, "candidate_id")})
    if (auto b = client.get(mc::busy, who); b && *b) busy.push_back(**b);
  int days = args.flag("--days") ? std::atoi(args.flag("--days")->c_str()) : client::kDefaultSlotDays;
  auto computed = client::free_slots_from_rows(**row, busy, now_utc(), days);
  if (!computed) return fail(kLocalData, "the mentor's availability is damaged: " + computed.error().message);
  const auto& free = *computed;
  std::string mentor_zone = field(**row, "time_zone");
  std::string mine = my_zone(client, user);
  if (args.has("--json")) {
    json::array a;
    for (const auto& s : free) a.push_back(json::object{{"start", format_rfc3339(s.start)}, {"end", format_rfc3339(s.end)}});
    std::cout << json::serialize(a) << "\n";
    return kOk;
  }
  if (free.empty()) std::cout << "no free slot in the next " << days << " days\n";
  for (const auto& s : free) std::cout << format_rfc3339(s.start) << "  " << both_zones(s.start, mine, mentor_zone) << "\n";
  std::cout << "book one with: passerelle book <START>\n";
  return kOk;
}

// ------------------------------------------------------------ meetings
int book(Client& client, const UserInfo& user, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "book needs the slot's start, as passerelle slots prints it");
  auto start = parse_rfc3339(args.positional[0]);
  if (!start) return fail(kUsage, "the slot must be an RFC 3339 time such as 2027-03-09T23:00:00Z");
  int exit = kOk;
  auto ms = pick_mentorship(client, user, args.flag("--mentorship"), exit);
  if (!ms) return exit;
  std::string id = new_id();
  return queue(client, "meeting.request", {{"id", id}, {"mentorship_id", field(*ms, "id")}, {"start", format_rfc3339(*start)}},
               "meeting " + id.substr(0, 8) + " at " + both_zones(*start, my_zone(client, user), field(*ms, "mentor_time_zone")));
}

int meetings(Client& client, const UserInfo& user, const Args& args) {
  auto rows = client.list(mc::meetings);
  if (!rows) return fail_data(rows.failure());
  std::sort(rows->begin(), rows->end(), [](const json::object& a, const json::object& b) { return field(a, "start") < field(b, "start"); });
  if (args.has("--upcoming")) {
    auto now = format_rfc3339(now_utc());
    rows->erase(std::remove_if(rows->begin(), rows->end(),
                               [&](const json::object& r) { return field(r, "status") != "scheduled" || field(r, "end") <= now; }),
                rows->end());
  }
  // --json: what an app needs to set local notifications that fire offline.
  if (args.has("--json")) return show_rows(*rows, true);
  std::string mine = my_zone(client, user);
  if (rows->empty()) std::cout << "no meeting on this device\n";
  for (const auto& r : *rows) {
    auto start = parse_rfc3339(field(r, "start"));
    bool mentor = field(r, "mentor_id") == user.id;
    std::string other_zone = mentor ? field(r, "candidate_time_zone") : field(r, "mentor_time_zone");
    std::cout << field(r, "id").substr(0, 8) << "  " << (start ? both_zones(*start, mine, other_zone) : "?") << "  "
              << field(r, "status") << (field(r, "outcome").empty() ? "" : " (" + field(r, "outcome") + ")") << "  with "
              << (mentor ? field(r, "candidate_name") : field(r, "mentor_name")) << "\n      " << field(r, "video_url") << "\n";
  }
  return kOk;
}

int meeting_change(Client& client, const Args& args, const std::string& what) {
  if (args.positional.empty()) return fail(kUsage, what + " needs the meeting id");
  int exit = kOk;
  auto id = resolve_id(client, mc::meetings, args.positional[0], "meeting", exit);
  if (!id) return exit;
  json::object a{{"id", *id}};
  if (what == "cancel") {
    if (auto r = args.flag("--reason")) a["reason"] = *r;
    return queue(client, "meeting.cancel", a, "cancellation of meeting " + id->substr(0, 8));
  }
  if (what == "reschedule") {
    auto start = args.positional.size() > 1 ? parse_rfc3339(args.positional[1]) : std::nullopt;
    if (!start) return fail(kUsage, "reschedule MEETING START (an RFC 3339 time as passerelle slots prints it)");
    a["start"] = format_rfc3339(*start);
    return queue(client, "meeting.reschedule", a, "move of meeting " + id->substr(0, 8));
  }
  if (args.positional.size() < 2) return fail(kUsage, "outcome MEETING held|no_show_candidate|no_show_mentor [--notes TEXT]");
  a["outcome"] = args.positional[1];
  if (auto n = args.flag("--notes")) a["notes"] = *n;
  return queue(client, "meeting.outcome", a, "outcome of meeting " + id->substr(0, 8));
}

// ------------------------------------------------------------ referrals
int referral_add(Client& client, const UserInfo& user, const Args& args) {
  auto name = args.flag("--name"), role = args.flag("--role"), org = args.flag("--organization");
  if (!name || !role || !org) return fail(kUsage, "referral add needs --name, --role and --organization");
  int exit = kOk;
  auto ms = pick_mentorship(client, user, args.flag("--mentorship"), exit);
  if (!ms) return exit;
  std::string id = new_id();
  json::object a{{"id", id}, {"mentorship_id", field(*ms, "id")}, {"name", *name}, {"role", *role}, {"organization", *org}};
  if (auto c = args.flag("--contact")) a["contact"] = *c;
  if (auto p = args.flag("--parent")) {
    auto pid = resolve_id(client, mc::referrals, *p, "referral", exit);
    if (!pid) return exit;
    a["parent_id"] = *pid;
  }
  if (args.has("--consent")) a["consent"] = true;
  return queue(client, "referral.add", a, "referral " + id.substr(0, 8) + " (" + *name + ")");
}

int referral_set(Client& client, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "referral set needs the referral id");
  int exit = kOk;
  auto id = resolve_id(client, mc::referrals, args.positional[0], "referral", exit);
  if (!id) return exit;
  json::object a{{"id", *id}};
  if (auto s = args.flag("--status")) a["status"] = *s;
  if (auto c = args.flag("--consent")) {
    if (*c != "yes" && *c != "no") return fail(kUsage, "--consent takes yes or no");
    a["consent"] = *c == "yes";
  }
  return queue(client, "referral.update", a, "referral " + id->substr(0, 8) + " update");
}

int referrals(Client& client, const Args& args) {
  auto rows = client.list(mc::referrals);
  if (!rows) return fail_data(rows.failure());
  if (args.has("--json")) return show_rows(*rows, true);
  if (rows->empty()) std::cout << "no referral on this device\n";
  for (const auto& r : *rows) {
    auto* c = r.if_contains("consent");
    std::cout << field(r, "id").substr(0, 8) << "  " << field(r, "status") << "  " << field(r, "name") << ", " << field(r, "role")
              << ", " << field(r, "organization") << (c && c->is_bool() && c->get_bool() ? "  consent given" : "  no consent yet")
              << (field(r, "parent_id").empty() ? "" : "  via " + field(r, "parent_id").substr(0, 8)) << "\n";
  }
  return kOk;
}

// ------------------------------------------------------------ calendar feed
// One meeting as the .ics a browser or a phone offers to download (local_views.h: the same text).
int calendar_meeting(Client& client, const UserInfo& user, const Args& args) {
  int exit = kOk;
  auto id = resolve_id(client, mc::meetings, args.positional[0], "meeting", exit);
  if (!id) return exit;
  client::ClientRows rows(client);
  auto ics = client::meeting_ics(rows, *id, user.id, user.locale);
  if (!ics) return fail_data(ics.failure());
  std::cout << *ics;
  return kOk;
}

int calendar_feed(Client& client) {
  std::string token = new_token();
  auto url = client.server_url();
  std::string base = std::string(url.tls ? "https://" : "http://") + url.host_port();
  int rc = queue(client, "calendar.feed.set", {{"token_hash", sha256_hex(token)}}, "new calendar feed (any former one stops working)");
  if (rc != kOk) return rc;
  std::cout << "subscribe your calendar to (after the next sync; keep it secret, it is shown once):\n  " << base
            << "/v1/calendar/" << token << ".ics\n";
  return kOk;
}

}  // namespace

const std::map<std::string, CommandSpec>& mentor_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"career", {{"--occupation", "--profession", "--time-zone", "--country", "--stage", "--arrival", "--region", "--years",
                   "--languages", "--organizations"}, {}, 0}},
      {"mentor-profile", {{"--occupation", "--profession", "--employer", "--sector", "--city", "--bio", "--time-zone",
                           "--video-url", "--capacity", "--languages"}, {}, 0}},
      {"mentors", {}},
      {"mentors suggest", {{"--candidate"}, {"--json"}, 0}},
      {"mentors propose", {{"--candidate", "--mentor"}, {}, 0}},
      {"mentorships", {{}, {"--json"}, 0}},
      {"mentorship", {}},
      {"mentorship accept", {{}, {}, 1}},
      {"mentorship decline", {{"--reason"}, {}, 1}},
      {"mentorship complete", {{"--reason"}, {}, 1}},
      {"availability", {}},
      {"availability set", {{"--time-zone", "--weekly", "--add", "--block"}, {}, 0}},
      {"slots", {{"--mentorship", "--days"}, {"--json"}, 1}},
      {"book", {{"--mentorship"}, {}, 1}},
      {"meetings", {{}, {"--json", "--upcoming"}, 0}},
      {"cancel", {{"--reason"}, {}, 1}},
      {"reschedule", {{}, {}, 2}},
      {"outcome", {{"--notes"}, {}, 2}},
      {"referrals", {{}, {"--json"}, 0}},
      {"referral", {}},
      {"referral add", {{"--mentorship", "--name", "--role", "--organization", "--contact", "--parent"}, {"--consent"}, 0}},
      {"referral set", {{"--status", "--consent"}, {}, 1}},
      {"calendar", {}},
      {"calendar feed", {}},
      {"calendar revoke", {}},
      {"calendar meeting", {{}, {}, 1}},
  };
  return specs;
}

bool mentor_takes_subcommand(const std::string& command) {
  return command == "mentors" || command == "mentorship" || command == "availability" || command == "referral" ||
         command == "calendar";
}

const std::map<std::string, std::string>& mentor_command_help() {
  static const std::map<std::string, std::string> help = {
      {"career", "usage: passerelle career [--occupation NOC] [--profession P] [--languages fr:C1,en:B2] [--time-zone Z]\n"
                 "       [--country CC] [--stage S] [--arrival YYYY-MM-DD] [--region R] [--years N] [--organizations A,B]\n\n"
                 "Without flags: your career profile. With flags: queue the change (candidate).\n"},
      {"mentor-profile", "usage: passerelle mentor-profile [--occupation NOC] [--profession P] [--employer E] [--sector S]\n"
                         "       [--city C] [--languages fr:native] [--time-zone Z] [--capacity N] [--video-url URL] [--bio B]\n"},
      {"mentors", "usage: passerelle mentors suggest --candidate ID [--json]     ranked mentors with the reasons (coach)\n"
                  "       passerelle mentors propose --candidate ID --mentor ID   (coach)\n"},
      {"mentorship", "usage: passerelle mentorship accept ID | decline ID --reason R | complete ID [--reason R]\n\n"
                     "complete needs two held meetings and three introduced referrals; with --reason the coach closes it.\n"},
      {"availability", "usage: passerelle availability                     your published windows (mentor)\n"
                       "       passerelle availability set [--time-zone Z] --weekly \"2 18:00-20:00\" ... [--add \"YYYY-MM-DD HH:MM-HH:MM\"] [--block YYYY-MM-DD]\n\n"
                       "Replaces every window. Weekdays: 1 = Monday ... 7 = Sunday, times in your zone.\n"},
      {"slots", "usage: passerelle slots [MENTORSHIP] [--days N] [--json]\n\n"
                "Free one-hour slots of your mentor, in your zone and theirs (from 24 h ahead).\n"},
      {"book", "usage: passerelle book START [--mentorship ID]\n\nQueue a meeting request at START (as passerelle slots prints it).\n"},
      {"meetings", "usage: passerelle meetings [--upcoming] [--json]\n"},
      {"cancel", "usage: passerelle cancel MEETING [--reason R]\n"},
      {"reschedule", "usage: passerelle reschedule MEETING START\n"},
      {"outcome", "usage: passerelle outcome MEETING held|no_show_candidate|no_show_mentor [--notes N]\n"},
      {"referral", "usage: passerelle referral add --name N --role R --organization O [--contact C] [--parent ID] [--consent] [--mentorship ID]\n"
                   "       passerelle referral set ID [--status suggested|introduced|met] [--consent yes|no]\n"},
      {"referrals", "usage: passerelle referrals [--json]\n"},
      {"calendar", "usage: passerelle calendar feed     a new secret .ics feed URL (the former one stops working)\n"
                   "       passerelle calendar revoke   no feed any more\n"
                   "       passerelle calendar meeting MEETING   the meeting as an iCalendar text, to import\n"},
  };
  return help;
}

std::optional<int> run_mentor_command(Client& client, const UserInfo& user, const Args& args) {
  const std::string& c = args.command;
  if (c == "career") return career(client, user, args);
  if (c == "mentor-profile") return mentor_profile(client, user, args);
  if (c == "mentors suggest") return suggest(client, args);
  if (c == "mentors propose") return propose(client, args);
  if (c == "mentorships") return mentorships(client, user, args);
  if (c == "mentorship accept") return respond(client, args, true);
  if (c == "mentorship decline") return respond(client, args, false);
  if (c == "mentorship complete") return complete(client, args);
  if (c == "availability") return availability(client, user, args);
  if (c == "availability set") return availability_set(client, user, args);
  if (c == "slots") return slots(client, user, args);
  if (c == "book") return book(client, user, args);
  if (c == "meetings") return meetings(client, user, args);
  if (c == "cancel" || c == "reschedule" || c == "outcome") return meeting_change(client, args, c);
  if (c == "referral add") return referral_add(client, user, args);
  if (c == "referral set") return referral_set(client, args);
  if (c == "referrals") return referrals(client, args);
  if (c == "calendar feed") return calendar_feed(client);
  if (c == "calendar meeting") return calendar_meeting(client, user, args);
  if (c == "calendar revoke") return queue(client, "calendar.feed.revoke", json::object{}, "calendar feed revocation");
  if (c == "mentors" || c == "mentorship" || c == "referral" || c == "calendar")
    return fail(kUsage, c + " needs a sub-command (see passerelle " + c + " --help)");
  return std::nullopt;
}

}  // namespace passerelle::cli
