// The employer commands (docs/employers.md): an employer's profile and needs, a candidate's
// consent, staff's preselection and proposals, the employer's answers, internships. Reads are the
// local view (preselection runs offline on the rows a staff device holds); writes are the shared
// mutators through Client::mutate, so the server has the last word at the next sync.
#include <iostream>

#include <boost/json/serialize.hpp>

#include "cli.h"
#include "passerelle/shared/employers/employers.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "plan_format.h"

namespace passerelle::cli {

namespace {

namespace ec = employers::collection;

// "a,b,c" -> ["a","b","c"]
json::array split_list(const std::string& text) {
  json::array out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

protocol::Locale my_locale(Client& client) {
  auto me = client.current_user();
  return me && *me ? (*me)->user.locale : protocol::Locale::fr;
}

// A start or end: an RFC 3339 instant, or a date at the workplace's midnight (an end date is
// the last day, so the internship runs until the next midnight).
std::optional<std::string> instant_arg(const std::string& text, const std::string& zone, bool is_end) {
  if (auto t = parse_rfc3339(text)) return format_rfc3339(*t);
  auto d = parse_date(text);
  if (!d) return std::nullopt;
  auto t = employers::start_of_local_day(is_end ? *d + std::chrono::days(1) : *d, zone);
  if (!t) return std::nullopt;
  return format_rfc3339(*t);
}

// The one id a command names, or a usage error.
std::optional<std::string> named_id(const Args& args, const char* what, int& exit) {
  if (args.positional.empty()) {
    exit = fail(kUsage, std::string("give the ") + what + " id");
    return std::nullopt;
  }
  return args.positional[0];
}

int print_rows(Client& client, std::string_view coll, const Args& args, const std::vector<const char*>& columns) {
  auto rows = client.list(coll);
  if (!rows) return fail_data(rows.failure());
  if (args.has("--json")) {
    json::array a;
    for (const auto& r : *rows) a.push_back(r);
    std::cout << json::serialize(a) << "\n";
    return kOk;
  }
  if (rows->empty()) std::cout << "none on this device (passerelle sync fetches new ones)\n";
  for (const auto& r : *rows) {
    std::string line = field(r, "id").substr(0, 8);
    for (const char* c : columns) {
      auto* v = r.if_contains(c);
      if (!v || v->is_null()) continue;
      line += "  " + (v->is_string() ? std::string(v->get_string()) : json::serialize(*v));
    }
    std::cout << line << "\n";
  }
  return kOk;
}

int profile(Client& client, const UserInfo& user, const Args& args) {
  json::object a;
  auto text = [&](const char* flag, const char* key) {
    if (auto v = args.flag(flag)) a[key] = *v;
  };
  text("--organization", "organization");
  text("--sector", "sector");
  text("--city", "city");
  text("--region", "region");
  if (auto v = args.flag("--occupations")) a["occupation_codes"] = split_list(*v);
  if (auto v = args.flag("--languages")) a["languages"] = split_list(*v);
  if (auto v = args.flag("--positions")) a["positions_open"] = std::atoll(v->c_str());
  if (auto v = args.flag("--interns")) a["internship_capacity"] = std::atoll(v->c_str());
  if (auto v = args.flag("--priime")) {
    if (*v != "yes" && *v != "no") return fail(kUsage, "--priime takes yes or no");
    a["priime_interest"] = *v == "yes";
  }
  if (auto v = args.flag("--conditions")) {
    // The checklist: the conditions named are met, the others not.
    json::object c{{"work_station", false}, {"colleagues_on_site", false}, {"coach_on_site", false}};
    for (const auto& item : split_list(*v)) {
      std::string k(item.as_string());
      if (!c.contains(k)) return fail(kUsage, "--conditions lists work_station, colleagues_on_site, coach_on_site");
      c[k] = true;
    }
    a["conditions"] = c;
  }
  std::string id = user.id;
  if (auto e = args.flag("--employer")) {
    int exit = kOk;
    auto found = resolve_id(client, ec::employer_profiles, *e, "employer", exit);
    if (!found) return exit;
    id = *found;
    if (!a.empty()) a["employer_id"] = id;
  }
  if (a.empty()) {
    auto row = client.get(ec::employer_profiles, id);
    if (!row) return fail_data(row.failure());
    std::cout << (*row ? json::serialize(**row) : std::string("no employer profile yet")) << "\n";
    return kOk;
  }
  return queue(client, "employer.update", a, "employer profile update");
}

int confirm(Client& client, const Args& args) {
  int exit = kOk;
  auto named = named_id(args, "employer", exit);
  if (!named) return exit;
  auto id = resolve_id(client, ec::employer_profiles, *named, "employer", exit);
  if (!id) return exit;
  bool revoke = args.has("--revoke");
  return queue(client, "employer.confirm_conditions", {{"employer_id", *id}, {"confirmed", !revoke}},
               revoke ? "withdrawing the conditions' confirmation" : "confirming the internship conditions");
}

int need(Client& client, const Args& args) {
  auto title = args.flag("--title");
  if (!title) return fail(kUsage, "employer need needs --title T");
  json::object a{{"id", new_id()}, {"title", *title}};
  if (auto v = args.flag("--occupation")) a["occupation_code"] = *v;
  if (auto v = args.flag("--languages")) a["languages"] = split_list(*v);
  if (auto v = args.flag("--region")) a["region"] = *v;
  if (auto v = args.flag("--positions")) a["positions"] = std::atoll(v->c_str());
  if (auto v = args.flag("--start-by")) a["start_by"] = *v;
  if (auto v = args.flag("--kind")) a["kind"] = *v;
  if (auto e = args.flag("--employer")) {
    int exit = kOk;
    auto found = resolve_id(client, ec::employer_profiles, *e, "employer", exit);
    if (!found) return exit;
    a["employer_id"] = *found;
  }
  std::string id(a.at("id").as_string());
  return queue(client, "need.create", a, "need " + id);
}

int close_need(Client& client, const Args& args) {
  int exit = kOk;
  auto named = named_id(args, "need", exit);
  if (!named) return exit;
  auto id = resolve_id(client, ec::employer_needs, *named, "need", exit);
  if (!id) return exit;
  return queue(client, "need.close", {{"id", *id}}, "closing need " + *id);
}

int preselect(Client& client, const Args& args) {
  auto named = args.flag("--need");
  if (!named) return fail(kUsage, "employer preselect needs --need ID");
  int exit = kOk;
  auto id = resolve_id(client, ec::employer_needs, *named, "need", exit);
  if (!id) return exit;
  auto need = client.get(ec::employer_needs, *id);
  if (!need || !*need) return fail(kUsage, "that need is not on this device (passerelle sync)");
  auto employer = client.get(ec::employer_profiles, field(**need, "employer_id"));
  auto cards = client.list(ec::candidate_cards);
  if (!cards) return fail_data(cards.failure());
  std::vector<std::string> excluded;
  if (auto* p = (*need)->if_contains("proposed_candidate_ids"); p && p->is_array())
    for (const auto& v : p->get_array())
      if (v.is_string()) excluded.emplace_back(v.get_string());
  auto ranked = employers::preselect(**need, employer && *employer ? **employer : json::object{}, *cards, excluded);
  auto locale = my_locale(client);
  if (args.has("--json")) {
    json::array a;
    for (const auto& x : ranked) {
      json::array reasons;
      for (const auto& r : x.reasons) reasons.push_back(json::object{{"code", r.code}, {"text", r.text_in(locale)}, {"points", r.points}});
      a.push_back(json::object{{"candidate_id", x.candidate_id}, {"name", x.name}, {"score", x.score}, {"reasons", reasons}});
    }
    std::cout << json::serialize(a) << "\n";
    return kOk;
  }
  if (ranked.empty()) std::cout << "no consenting candidate left to propose for this need\n";
  for (const auto& x : ranked) {
    std::cout << x.score << "  " << x.name << "  " << x.candidate_id << "\n";
    for (const auto& r : x.reasons) std::cout << "      " << r.text_in(locale) << (r.points ? "  +" + std::to_string(r.points) : "") << "\n";
  }
  return kOk;
}

int propose(Client& client, const Args& args) {
  auto named_need = args.flag("--need");
  auto named_cand = args.flag("--candidate");
  if (!named_need || !named_cand) return fail(kUsage, "employer propose needs --need ID --candidate ID");
  int exit = kOk;
  auto need = resolve_id(client, ec::employer_needs, *named_need, "need", exit);
  if (!need) return exit;
  auto cand = resolve_id(client, ec::candidate_cards, *named_cand, "consenting candidate", exit);
  if (!cand) return exit;
  std::string id = new_id();
  return queue(client, "proposal.create", {{"id", id}, {"need_id", *need}, {"candidate_id", *cand}}, "proposal " + id);
}

int respond(Client& client, const Args& args, bool accept) {
  int exit = kOk;
  auto named = named_id(args, "proposal", exit);
  if (!named) return exit;
  auto id = resolve_id(client, ec::proposals, *named, "proposal", exit);
  if (!id) return exit;
  json::object a{{"id", *id}, {"accept", accept}};
  if (auto r = args.flag("--reason")) a["reason"] = *r;
  return queue(client, "proposal.respond", a, std::string(accept ? "accepting" : "declining") + " proposal " + *id);
}

int internship(Client& client, const Args& args) {
  auto e = args.flag("--employer"), c = args.flag("--candidate"), s = args.flag("--start"), f = args.flag("--end");
  if (!e || !c || !s || !f) return fail(kUsage, "employer internship needs --employer ID --candidate ID --start WHEN --end WHEN");
  std::string zone = args.flag("--zone").value_or(std::string(employers::kDefaultWorkplaceZone));
  if (!is_valid_time_zone(zone)) return fail(kUsage, "--zone must be an IANA time zone such as America/Toronto");
  auto start = instant_arg(*s, zone, false), end = instant_arg(*f, zone, true);
  if (!start || !end) return fail(kUsage, "--start and --end take a date YYYY-MM-DD or an RFC 3339 date-time");
  int exit = kOk;
  auto employer = resolve_id(client, ec::employer_profiles, *e, "employer", exit);
  if (!employer) return exit;
  auto cand = resolve_id(client, ec::candidate_cards, *c, "consenting candidate", exit);
  if (!cand) return exit;
  json::object a{{"id", new_id()}, {"employer_id", *employer}, {"candidate_id", *cand}, {"start", *start}, {"end", *end},
                 {"time_zone", zone}};
  if (auto n = args.flag("--need")) {
    auto need = resolve_id(client, ec::employer_needs, *n, "need", exit);
    if (!need) return exit;
    a["need_id"] = *need;
  }
  std::string id(a.at("id").as_string());
  return queue(client, "internship.create", a, "internship " + id);
}

int extend(Client& client, const Args& args) {
  auto f = args.flag("--end");
  if (!f) return fail(kUsage, "employer extend needs --end WHEN");
  int exit = kOk;
  auto named_internship = named_id(args, "internship", exit);
  if (!named_internship) return exit;
  auto id = resolve_id(client, ec::internships, *named_internship, "internship", exit);
  if (!id) return exit;
  auto row = client.get(ec::internships, *id);
  std::string zone = row && *row ? field(**row, "time_zone") : std::string(employers::kDefaultWorkplaceZone);
  auto end = instant_arg(*f, zone.empty() ? std::string(employers::kDefaultWorkplaceZone) : zone, true);
  if (!end) return fail(kUsage, "--end takes a date YYYY-MM-DD or an RFC 3339 date-time");
  return queue(client, "internship.extend", {{"id", *id}, {"end", *end}}, "new end of internship " + *id);
}

int outcome(Client& client, const Args& args) {
  auto o = args.flag("--outcome");
  if (!o) return fail(kUsage, "employer outcome needs --outcome hired_priime|hired|not_hired|ended_early");
  int exit = kOk;
  auto named_internship = named_id(args, "internship", exit);
  if (!named_internship) return exit;
  auto id = resolve_id(client, ec::internships, *named_internship, "internship", exit);
  if (!id) return exit;
  json::object a{{"id", *id}, {"outcome", *o}};
  if (auto v = args.flag("--ended-at")) {
    auto row = client.get(ec::internships, *id);
    std::string zone = row && *row && !field(**row, "time_zone").empty() ? field(**row, "time_zone")
                                                                          : std::string(employers::kDefaultWorkplaceZone);
    auto t = instant_arg(*v, zone, true);
    if (!t) return fail(kUsage, "--ended-at takes a date YYYY-MM-DD (the last day) or an RFC 3339 date-time");
    a["ended_at"] = *t;
  }
  if (auto v = args.flag("--note")) a["note"] = *v;
  return queue(client, "internship.outcome", a, "outcome of internship " + *id);
}

int consent_show(Client& client, const UserInfo& user) {
  auto row = client.get(ec::consents, user.id);
  if (!row) return fail_data(row.failure());
  bool fr = my_locale(client) == protocol::Locale::fr;
  if (!*row || field(**row, "status") != "given") {
    std::cout << (fr ? "votre profil n'est pas partagé avec des employeurs (passerelle consent give pour le partager)\n"
                     : "your profile is not shared with employers (passerelle consent give to share it)\n");
    return kOk;
  }
  std::cout << (fr ? "profil partagé avec des employeurs depuis le " : "profile shared with employers since ")
            << field(**row, "given_at") << "\n";
  auto card = client.get(ec::candidate_cards, user.id);
  if (card && *card) std::cout << json::serialize(**card) << "\n";
  return kOk;
}

int consent_give(Client& client, const Args& args) {
  json::object a;
  if (auto v = args.flag("--available-from")) a["available_from"] = *v;
  if (auto v = args.flag("--summary")) a["summary"] = *v;
  return queue(client, "consent.give", a, "sharing your profile with employers");
}

}  // namespace

const std::map<std::string, CommandSpec>& employer_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"employer", {}},
      {"employer profile", {{"--employer", "--organization", "--sector", "--city", "--region", "--occupations", "--languages",
                             "--positions", "--interns", "--priime", "--conditions"}, {}, 0}},
      {"employer list", {{}, {"--json"}, 0}},
      {"employer confirm", {{}, {"--revoke"}, 1}},
      {"employer need", {{"--employer", "--title", "--occupation", "--languages", "--region", "--positions", "--start-by", "--kind"}, {}, 0}},
      {"employer needs", {{}, {"--json"}, 0}},
      {"employer close", {{}, {}, 1}},
      {"employer candidates", {{}, {"--json"}, 0}},
      {"employer preselect", {{"--need"}, {"--json"}, 0}},
      {"employer propose", {{"--need", "--candidate"}, {}, 0}},
      {"employer proposals", {{}, {"--json"}, 0}},
      {"employer accept", {{"--reason"}, {}, 1}},
      {"employer decline", {{"--reason"}, {}, 1}},
      {"employer internship", {{"--employer", "--candidate", "--start", "--end", "--zone", "--need"}, {}, 0}},
      {"employer internships", {{}, {"--json"}, 0}},
      {"employer extend", {{"--end"}, {}, 1}},
      {"employer outcome", {{"--outcome", "--ended-at", "--note"}, {}, 1}},
      {"consent", {}},
      {"consent give", {{"--available-from", "--summary"}, {}, 0}},
      {"consent withdraw", {}},
  };
  return specs;
}

bool employer_takes_subcommand(const std::string& command) { return command == "employer" || command == "consent"; }

const std::map<std::string, std::string>& employer_command_help() {
  static const std::map<std::string, std::string> help = {
      {"employer",
       "usage: passerelle employer profile [--employer ID] [--organization O] [--sector S] [--city C] [--region R]\n"
       "         [--occupations NOC,NOC] [--languages fr,en] [--positions N] [--interns N] [--priime yes|no]\n"
       "         [--conditions work_station,colleagues_on_site,coach_on_site]\n"
       "                                       your employer profile (or one staff name), or queue changes\n"
       "       passerelle employer list [--json]          employers on this device (staff)\n"
       "       passerelle employer confirm ID [--revoke]  confirm the internship conditions checklist (staff)\n"
       "       passerelle employer need --title T [--employer ID] [--occupation NOC] [--languages fr,en]\n"
       "         [--region R] [--positions N] [--start-by YYYY-MM-DD] [--kind job|internship]\n"
       "       passerelle employer needs [--json]; employer close NEED\n"
       "       passerelle employer candidates [--json]    consenting candidates' cards on this device\n"
       "       passerelle employer preselect --need ID [--json]\n"
       "                                       consenting candidates ranked with the reasons (staff, offline)\n"
       "       passerelle employer propose --need ID --candidate ID   (staff)\n"
       "       passerelle employer proposals [--json]; employer accept|decline PROPOSAL [--reason R]  (employer)\n"
       "       passerelle employer internship --employer ID --candidate ID --start WHEN --end WHEN [--zone Z] [--need ID]\n"
       "                                       WHEN: a date (the workplace's day; an end date is the last day) or\n"
       "                                       an RFC 3339 date-time; at most 28 days, no overlap (staff)\n"
       "       passerelle employer internships [--json]; employer extend INTERNSHIP --end WHEN\n"
       "       passerelle employer outcome INTERNSHIP --outcome hired_priime|hired|not_hired|ended_early\n"
       "         [--ended-at WHEN] [--note N]\n\n"
       "See docs/employers.md.\n"},
      {"consent",
       "usage: passerelle consent                 whether your profile is shared with employers (candidate)\n"
       "       passerelle consent give [--available-from YYYY-MM-DD] [--summary S]\n"
       "                                         share it: staff may propose you to employers, who then see\n"
       "                                         your occupation, languages, region, availability and summary\n"
       "       passerelle consent withdraw        stop sharing: employers' devices drop it at their next sync\n"},
  };
  return help;
}

std::optional<int> run_employer_command(Client& client, const UserInfo& user, const Args& args) {
  const std::string& c = args.command;
  if (c == "employer profile") return profile(client, user, args);
  if (c == "employer list") return print_rows(client, ec::employer_profiles, args, {"organization", "city", "conditions_confirmed"});
  if (c == "employer confirm") return confirm(client, args);
  if (c == "employer need") return need(client, args);
  if (c == "employer needs") return print_rows(client, ec::employer_needs, args, {"organization", "title", "occupation_code", "status"});
  if (c == "employer close") return close_need(client, args);
  if (c == "employer candidates") return print_rows(client, ec::candidate_cards, args, {"name", "occupation_code", "target_region"});
  if (c == "employer preselect") return preselect(client, args);
  if (c == "employer propose") return propose(client, args);
  if (c == "employer proposals")
    return print_rows(client, ec::proposals, args, {"organization", "need_title", "candidate_name", "status"});
  if (c == "employer accept") return respond(client, args, true);
  if (c == "employer decline") return respond(client, args, false);
  if (c == "employer internship") return internship(client, args);
  if (c == "employer internships")
    return print_rows(client, ec::internships, args, {"organization", "candidate_name", "start", "end", "status"});
  if (c == "employer extend") return extend(client, args);
  if (c == "employer outcome") return outcome(client, args);
  if (c == "consent") return consent_show(client, user);
  if (c == "consent give") return consent_give(client, args);
  if (c == "consent withdraw") return queue(client, "consent.withdraw", json::object{}, "withdrawing your consent");
  if (c == "employer") return fail(kUsage, "employer needs a sub-command (see passerelle employer --help)");
  return std::nullopt;
}

}  // namespace passerelle::cli
