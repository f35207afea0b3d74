// The activity commands (docs/activities.md, "Command line"): list and show activities, staff
// create, cancel and schedule them, candidates register and withdraw (offline too: the op waits
// in the outbox), and everyone prints their schedule or writes it as .ics, from local rows.
#include <algorithm>
#include <fstream>

#include <boost/json/serialize.hpp>

#include "cli.h"
#include "plan_format.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/activities/schedule.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::cli {
namespace act = passerelle::activities;
namespace ac = passerelle::activities::collection;

namespace {

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// An activity named by its id or a unique prefix of it, as on this device.
std::optional<json::object> find_activity(Client& client, const std::string& text, int& exit) {
  auto id = resolve_id(client, ac::activities, text, "activity", exit, false);
  if (!id) return std::nullopt;
  auto row = client.get(ac::activities, *id);
  if (!row) {
    exit = fail_data(row.failure());
    return std::nullopt;
  }
  if (!*row) {
    exit = fail(kUsage, "unknown activity '" + text + "' on this device (passerelle sync fetches new ones)");
    return std::nullopt;
  }
  return std::move(**row);
}

std::string local_start(const json::object& a) {
  auto t = parse_rfc3339(field(a, "start"));
  if (!t) return field(a, "start");
  return format_local(*t, field(a, "time_zone")).value_or(field(a, "start")) + " (" + field(a, "time_zone") + ")";
}

int list(Client& client, const UserInfo& user, const Args& args) {
  auto rows = client.list(ac::activities);
  if (!rows) return fail_data(rows.failure());
  std::sort(rows->begin(), rows->end(), [](const json::object& a, const json::object& b) { return field(a, "start") < field(b, "start"); });
  if (args.has("--json")) {
    json::array out;
    for (const auto& r : *rows) out.push_back(r);
    std::cout << json::serialize(out) << "\n";
    return kOk;
  }
  if (rows->empty()) std::cout << "no activity on this device\n";
  // Ids made within the same minute share their first 8 digits: each is shown as long as it
  // takes to name one activity.
  std::vector<std::string> ids;
  for (const auto& a : *rows) ids.push_back(field(a, "id"));
  auto shorts = short_ids(ids);
  for (const auto& a : *rows) {
    auto kind = act::parse_kind(field(a, "kind"));
    std::cout << shorts[field(a, "id")] << "  " << local_start(a) << "  "
              << (kind ? act::kind_label(*kind, user.locale) : field(a, "kind")) << "  " << field(a, "title") << "  "
              << sync::row_int(a, "seats_taken") << "/" << sync::row_int(a, "capacity") << " seats";
    if (auto w = sync::row_int(a, "waitlist_length")) std::cout << ", " << w << " waiting";
    if (field(a, "status") == "cancelled") std::cout << "  CANCELLED";
    if (user.role == protocol::Role::candidate)
      if (auto mine = client.get(ac::registrations, act::registration_id(field(a, "id"), user.id)); mine && *mine)
        std::cout << "  [" << field(**mine, "status") << "]";
    std::cout << "\n";
  }
  return kOk;
}

int show(Client& client, const UserInfo& user, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "give the activity id");
  int exit = kOk;
  auto a = find_activity(client, args.positional[0], exit);
  if (!a) return exit;
  std::string id = field(*a, "id");
  auto regs = client.list(ac::registrations, "activity_id", id);
  if (!regs) return fail_data(regs.failure());
  if (args.has("--json")) {
    json::array r;
    for (const auto& x : *regs) r.push_back(x);
    std::cout << json::serialize(json::object{{"activity", *a}, {"registrations", std::move(r)}}) << "\n";
    return kOk;
  }
  auto kind = act::parse_kind(field(*a, "kind"));
  std::cout << field(*a, "title") << "\n"
            << (kind ? act::kind_label(*kind, user.locale) : field(*a, "kind")) << ", " << local_start(*a) << "\n";
  if (!field(*a, "place").empty()) std::cout << "place: " << field(*a, "place") << "\n";
  if (!field(*a, "video_url").empty()) std::cout << "video: " << field(*a, "video_url") << "\n";
  if (!field(*a, "description").empty()) std::cout << field(*a, "description") << "\n";
  std::cout << "seats: " << sync::row_int(*a, "seats_taken") << "/" << sync::row_int(*a, "capacity")
            << ", waiting: " << sync::row_int(*a, "waitlist_length") << ", status: " << field(*a, "status") << "\n";
  if (auto* names = a->if_contains("employer_names"); names && names->is_object() && !names->get_object().empty()) {
    std::cout << "employers:";
    for (const auto& e : sync::row_strings(*a, "employer_ids")) {
      auto* n = names->get_object().if_contains(e);
      std::cout << " " << (n && n->is_string() ? std::string(n->get_string()) : e) << " (" << e.substr(0, 8) << ")";
    }
    std::cout << "\n";
  }
  for (const auto& r : *regs) {
    std::string who = field(r, "candidate_id") == user.id ? "you" : field(r, "candidate_name");
    std::cout << "  " << who << ": " << act::registration_text(r, user.locale) << "\n";
  }
  return kOk;
}

int create(Client& client, const Args& args) {
  json::object a{{"id", new_id()}};
  auto copy = [&](const char* flag, const char* key) {
    if (auto v = args.flag(flag)) a[key] = *v;
  };
  copy("--kind", "kind");
  copy("--title", "title");
  copy("--description", "description");
  copy("--start", "start");
  copy("--end", "end");
  copy("--time-zone", "time_zone");
  copy("--place", "place");
  copy("--video-url", "video_url");
  a["audience"] = args.flag("--audience").value_or(args.flag("--invite") ? "invited" : "all");
  for (const char* need : {"--kind", "--title", "--start", "--end", "--time-zone", "--capacity"})
    if (!args.flag(need)) return fail(kUsage, std::string("activities create needs ") + need);
  a["capacity"] = std::atoll(args.flag("--capacity")->c_str());
  if (auto v = args.flag("--invite")) a["candidate_ids"] = to_array(split_ids(*v));
  if (auto v = args.flag("--employers")) a["employer_ids"] = to_array(split_ids(*v));
  if (auto v = args.flag("--slot-minutes")) a["slot_minutes"] = std::atoll(v->c_str());
  if (auto v = args.flag("--break-minutes")) a["break_minutes"] = std::atoll(v->c_str());
  auto op = client.mutate("activity.create", a);
  if (!op) return fail_data(op.failure());
  std::cout << "queued: activity " << field(a, "id") << " (op " << *op << "); it reaches the server at the next sync\n";
  return kOk;
}

int registration(Client& client, const UserInfo& user, const Args& args, bool join) {
  if (args.positional.empty()) return fail(kUsage, "give the activity id");
  int exit = kOk;
  auto a = find_activity(client, args.positional[0], exit);
  if (!a) return exit;
  json::object o{{"activity_id", field(*a, "id")}};
  if (auto c = args.flag("--candidate")) o["candidate_id"] = *c;
  if (join)
    if (auto e = args.flag("--employers")) o["employer_ids"] = to_array(split_ids(*e));
  auto op = client.mutate(join ? "activity.register" : "activity.unregister", o);
  if (!op) return fail_data(op.failure());
  std::cout << "queued: " << (join ? "registration" : "withdrawal") << " (op " << *op
            << "); the server decides the seat at the next sync\n";
  std::string cand = args.flag("--candidate").value_or(user.id);
  if (auto mine = client.get(ac::registrations, act::registration_id(field(*a, "id"), cand)); mine && *mine)
    std::cout << act::registration_text(**mine, user.locale) << "\n";
  return kOk;
}

int simple(Client& client, const Args& args, const char* name, const char* what) {
  if (args.positional.empty()) return fail(kUsage, "give the activity id");
  int exit = kOk;
  auto a = find_activity(client, args.positional[0], exit);
  if (!a) return exit;
  json::object o{{"id", field(*a, "id")}};
  if (auto r = args.flag("--reason")) o["reason"] = *r;
  return queue(client, name, o, what);
}

// Staff record that a registered candidate came, or with --absent that she did not.
int attendance(Client& client, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "give the activity id");
  auto cand = args.flag("--candidate");
  if (!cand) return fail(kUsage, "activities attendance needs --candidate");
  int exit = kOk;
  auto a = find_activity(client, args.positional[0], exit);
  if (!a) return exit;
  json::object o{{"activity_id", field(*a, "id")}, {"candidate_id", *cand}, {"attended", !args.has("--absent")}};
  return queue(client, "activity.attendance", o, "attendance");
}

// My schedule, printed or as .ics; staff print the whole grid with --grid.
int agenda(Client& client, const UserInfo& user, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "give the activity id");
  int exit = kOk;
  auto a = find_activity(client, args.positional[0], exit);
  if (!a) return exit;
  std::string id = field(*a, "id");
  if (args.has("--grid")) {
    auto s = client.get(ac::schedules, id);
    if (!s) return fail_data(s.failure());
    if (!*s) return fail(kRefused, "no schedule on this device (the organizer builds it: passerelle activities schedule ID)");
    std::cout << act::schedule_text(*a, **s, user.locale);
    return kOk;
  }
  auto mine = client.get(ac::agendas, act::agenda_id(id, user.id));
  if (!mine) return fail_data(mine.failure());
  std::string ics = *mine ? act::agenda_ics(*a, **mine, user.locale) : act::activity_ics(*a, user.locale);
  if (auto path = args.flag("--ics")) {
    std::ofstream out(*path, std::ios::binary | std::ios::trunc);
    if (!(out << ics)) return fail(kLocalData, "cannot write " + *path);
    std::cout << "wrote " << *path << "\n";
    return kOk;
  }
  if (*mine) std::cout << act::agenda_text(*a, **mine, user.locale);
  else std::cout << field(*a, "title") << "\n" << local_start(*a) << "\n";
  return kOk;
}

}  // namespace

bool activity_takes_subcommand(const std::string& command) { return command == "activities"; }

const std::map<std::string, CommandSpec>& activity_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"activities", {{}, {"--json"}, 0}},
      {"activities show", {{}, {"--json"}, 1}},
      {"activities create",
       {{"--kind", "--title", "--description", "--start", "--end", "--time-zone", "--place", "--video-url", "--capacity",
         "--audience", "--invite", "--employers", "--slot-minutes", "--break-minutes"},
        {},
        0}},
      {"activities register", {{"--candidate", "--employers"}, {}, 1}},
      {"activities unregister", {{"--candidate"}, {}, 1}},
      {"activities cancel", {{"--reason"}, {}, 1}},
      {"activities schedule", {{}, {}, 1}},
      {"activities agenda", {{"--ics"}, {"--grid"}, 1}},
      {"activities attendance", {{"--candidate"}, {"--absent"}, 1}},
  };
  return specs;
}

const std::map<std::string, std::string>& activity_command_help() {
  static const std::map<std::string, std::string> help = {
      {"activities",
       "usage: passerelle activities [--json]                       the activities on this device\n"
       "       passerelle activities show ID [--json]               details, seats, registrations and why\n"
       "       passerelle activities register ID [--employers E1,E2] [--candidate C]\n"
       "       passerelle activities unregister ID [--candidate C]   (a freed seat goes to the first who waits)\n"
       "       passerelle activities agenda ID [--ics FILE] [--grid] my schedule, printed or as .ics\n"
       "  staff (coach, admin):\n"
       "       passerelle activities create --kind speed_jobbing|exploration_day|conference --title T\n"
       "            --start RFC3339 --end RFC3339 --time-zone ZONE (--place P | --video-url URL) --capacity N\n"
       "            [--audience all|invited] [--invite C1,C2] [--employers E1,E2] [--slot-minutes N] [--break-minutes N]\n"
       "       passerelle activities cancel ID [--reason R]\n"
       "       passerelle activities schedule ID                    build the speed-jobbing rotation\n"
       "       passerelle activities attendance ID --candidate C [--absent]   she came (or not); from 1 h before the start\n\n"
       "Registering works offline: the request waits in the outbox and the server decides the seat\n"
       "(a seat, or the waiting list with your place) at the next sync. IDs may be shortened.\n"},
  };
  return help;
}

std::optional<int> run_activity_command(Client& client, const UserInfo& user, const Args& args) {
  const std::string& c = args.command;
  if (c == "activities") return list(client, user, args);
  if (c == "activities show") return show(client, user, args);
  if (c == "activities create") return create(client, args);
  if (c == "activities register") return registration(client, user, args, true);
  if (c == "activities unregister") return registration(client, user, args, false);
  if (c == "activities cancel") return simple(client, args, "activity.cancel", "cancellation");
  if (c == "activities schedule") return simple(client, args, "activity.schedule", "rotation build");
  if (c == "activities agenda") return agenda(client, user, args);
  if (c == "activities attendance") return attendance(client, args);
  return std::nullopt;
}

}  // namespace passerelle::cli
