// The action-plan commands (docs/action-plans.md): show a plan with its progress, work on its
// steps, shape it as a coach. Reads are the local view; writes are the shared mutators through
// Client::mutate, so they work offline and the server has the last word at the next sync.
#include <algorithm>
#include <charconv>
#include <iostream>

#include <boost/json/serialize.hpp>

#include "cli.h"
#include "passerelle/client_rows.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/time.h"
#include "plan_format.h"

namespace passerelle::cli {

namespace {

namespace collection = sync::collection;

// The ids of `rows`, in order.
std::vector<std::string> ids_of(const std::vector<json::object>& rows) {
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(field(r, "id"));
  return ids;
}

struct Viewer {
  std::string locale = "fr";
  std::string zone = "UTC";  // for the times of history entries, notes, comments
};

Viewer viewer_of(Client& client, const UserInfo& user) {
  Viewer v;
  v.locale = user.locale == protocol::Locale::en ? "en" : "fr";
  if (auto p = client.get(collection::profiles, user.id); p && *p) {
    if (auto l = field(**p, "locale"); !l.empty()) v.locale = l;
    if (auto z = field(**p, "time_zone"); !z.empty()) v.zone = z;
  }
  return v;
}

// The candidate's zone decides what is overdue (docs/action-plans.md), whoever looks.
std::string candidate_zone(Client& client, const json::object& plan) {
  client::ClientRows rows(client);
  return client::plan_time_zone(rows, plan);
}

std::string local_time(const std::string& rfc3339, const std::string& zone) {
  auto t = parse_rfc3339(rfc3339);
  if (!t) return rfc3339;
  return format_local(*t, zone).value_or(rfc3339);
}

// The plan's steps in plan order (the plan row's step_ids); rows the device lacks are skipped.
client::Outcome<std::vector<json::object>> steps_in_order(Client& client, const json::object& plan) {
  client::ClientRows rows(client);
  return client::plan_steps_in_order(rows, plan);
}

std::size_t count(const json::object& row, std::string_view key) {
  auto* v = row.if_contains(key);
  return v && v->is_array() ? v->get_array().size() : 0;
}

// Which plan a command is about: --candidate's, else the signed-in candidate's own, else the
// only plan on this device.
struct PlanOrExit {
  std::optional<json::object> plan;
  std::optional<int> exit;
};

PlanOrExit find_plan(Client& client, const UserInfo& user, const std::optional<std::string>& candidate_flag) {
  std::string candidate;
  if (candidate_flag) {
    int exit = kOk;
    auto id = resolve_id(client, collection::profiles, *candidate_flag, "person", exit, false);
    if (!id) return {std::nullopt, exit};
    candidate = *id;
  } else if (user.role == protocol::Role::candidate) {
    candidate = user.id;
  }
  auto plans = candidate.empty() ? client.list(collection::plans)
                                 : client.list(collection::plans, "candidate_id", candidate);
  if (!plans) return {std::nullopt, fail_data(plans.failure())};
  if (plans->size() == 1) return {std::move((*plans)[0]), std::nullopt};
  if (plans->empty()) {
    std::string whose = candidate.empty() ? "" : (candidate == user.id ? " for you" : " for " + person_name(client, candidate));
    std::cout << "no plan" << whose << " on this device yet (passerelle sync fetches it; a coach starts it with "
              << "passerelle plan create)\n";
    return {std::nullopt, kOk};
  }
  return {std::nullopt, fail(kUsage, "you follow " + std::to_string(plans->size()) +
                                         " plans: give --candidate ID")};
}

// Reads TEXT from the bare words after the id, else from standard input.
std::string text_from(const Args& args, std::size_t first) {
  std::string text;
  if (args.positional.size() > first) {
    for (std::size_t i = first; i < args.positional.size(); ++i) text += (text.empty() ? "" : " ") + args.positional[i];
    return text;
  }
  std::string line;
  while (std::getline(std::cin, line)) text += line + "\n";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// --index N: a position as `passerelle plan` numbers them, 1 = first.
std::optional<std::int64_t> parse_position(const std::string& text) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1) return std::nullopt;
  return n - 1;
}

int show_plan(Client& client, const UserInfo& user, const Args& args) {
  auto found = find_plan(client, user, args.flag("--candidate"));
  if (!found.plan) return *found.exit;
  const json::object& plan = *found.plan;
  auto steps = steps_in_order(client, plan);
  if (!steps) return fail_data(steps.failure());
  Timestamp now = now_utc();
  std::string zone = candidate_zone(client, plan);
  plans::ProgressRules rules;
  for (auto [flag, field] : {std::pair{"--idle-days", &rules.off_track_idle_days},
                             std::pair{"--max-overdue", &rules.off_track_overdue_steps}}) {
    auto v = args.flag(flag);
    if (!v) continue;
    int n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || p != v->data() + v->size() || n < 0 || n > 3650)
      return fail(kUsage, std::string(flag) + " must be a whole number from 0 to 3650");
    *field = n;
  }
  auto progress = plans::compute_progress(plan, *steps, now, zone, rules);

  if (args.has("--json")) {
    json::array rows;
    for (const auto& s : *steps) rows.emplace_back(s);
    json::object out{{"plan", plan}, {"steps", std::move(rows)}, {"time_zone", zone},
                     {"progress", client::progress_json(progress)}};
    std::cout << json::serialize(out) << "\n";
    return kOk;
  }

  Viewer viewer = viewer_of(client, user);
  auto all_steps = client.list(collection::plan_steps);
  if (!all_steps) return fail_data(all_steps.failure());
  auto shorts = short_ids(ids_of(*all_steps));
  std::string tkey = field(plan, "template_key");
  std::string version = plan.contains("template_version") ? json::serialize(plan.at("template_version")) : "?";
  // The plan carries its template's title (candidates never receive templates).
  std::string title = in_locale(plan, "title", viewer.locale);
  std::string candidate = field(plan, "candidate_id");
  std::cout << "plan:      " << (title.empty() ? "" : title + " ") << "(" << tkey << " v" << version << ")\n"
            << "candidate: " << person_name(client, candidate) << " (time zone " << zone << ")\n"
            << "coach:     " << person_name(client, field(plan, "coach_id")) << "\n"
            << "arrival:   " << field(plan, "arrival_date") << "\n";
  std::string next;
  for (const auto& s : *steps)
    if (progress.next_step_id && field(s, "id") == *progress.next_step_id)
      next = shorts[field(s, "id")] + " " + in_locale(s, "title", viewer.locale);
  std::cout << "progress:  " << progress_line(progress, next) << "\n\n";

  // Plan order is the coach's order; the category labels each step rather than regrouping
  // them, so the numbers are the positions `step move --index` takes.
  std::size_t pos = 0;
  for (const auto& s : *steps) {
    ++pos;
    std::string num = std::to_string(pos) + ".";
    num.resize(std::max<std::size_t>(num.size(), 4), ' ');
    std::string status = field(s, "status");
    status.resize(std::max<std::size_t>(status.size(), 12), ' ');
    std::string due = due_label(plan, s, now, zone);
    due.resize(std::max<std::size_t>(due.size(), 19), ' ');
    std::cout << num << shorts[field(s, "id")] << "  " << status << due << "[" << field(s, "category") << "] "
              << in_locale(s, "title", viewer.locale) << "  (notes " << count(s, "notes") << ", comments "
              << count(s, "comments") << ", evidence " << count(s, "evidence") << ")\n";
  }
  if (steps->empty()) std::cout << "no steps\n";
  return kOk;
}

int show_step(Client& client, const UserInfo& user, const std::string& id) {
  auto row = client.get(collection::plan_steps, id);
  if (!row) return fail_data(row.failure());
  if (!*row) return fail(kUsage, "unknown step '" + id + "' on this device");
  const json::object& s = **row;
  auto plan_row = client.get(collection::plans, field(s, "plan_id"));
  if (!plan_row) return fail_data(plan_row.failure());
  json::object plan = *plan_row ? **plan_row : json::object();
  Viewer viewer = viewer_of(client, user);
  std::string zone = candidate_zone(client, plan);
  std::size_t position = 0, total = 0;
  if (auto* ids = plan.if_contains("step_ids"); ids && ids->is_array()) {
    total = ids->get_array().size();
    for (std::size_t i = 0; i < total; ++i)
      if (ids->get_array()[i].is_string() && ids->get_array()[i].get_string() == id) position = i + 1;
  }
  std::cout << "step:        " << id << "\n"
            << "plan:        " << field(s, "plan_id") << " (candidate "
            << person_name(client, field(plan, "candidate_id")) << ")\n"
            << "position:    " << position << " of " << total << "\n"
            << "category:    " << field(s, "category") << "\n"
            << "title:       " << in_locale(s, "title", viewer.locale) << "\n";
  if (auto d = in_locale(s, "description", viewer.locale); !d.empty()) std::cout << "description: " << d << "\n";
  std::cout << "due:         " << due_label(plan, s, now_utc(), zone) << " (" << zone << ")\n"
            << "status:      " << field(s, "status") << "\n";
  if (auto r = field(s, "status_reason"); !r.empty()) std::cout << "reason:      " << r << "\n";
  std::cout << "times in " << viewer.zone << "\n";
  auto list = [&](std::string_view key, const char* heading, auto&& line) {
    auto* v = s.if_contains(key);
    if (!v || !v->is_array() || v->get_array().empty()) return;
    std::cout << heading << ":\n";
    for (const auto& e : v->get_array())
      if (e.is_object()) std::cout << "  " << local_time(field(e.get_object(), "at"), viewer.zone) << "  " << line(e.get_object()) << "\n";
  };
  list("history", "history", [&](const json::object& e) {
    std::string l = person_name(client, field(e, "by")) + "  " + field(e, "from") + " -> " + field(e, "to");
    if (auto r = field(e, "reason"); !r.empty()) l += "  (" + r + ")";
    return l;
  });
  list("notes", "notes", [&](const json::object& e) { return person_name(client, field(e, "by")) + "  " + field(e, "text"); });
  list("comments", "comments",
       [&](const json::object& e) { return person_name(client, field(e, "by")) + "  " + field(e, "text"); });
  list("evidence", "evidence", [&](const json::object& e) {
    if (field(e, "kind") == "link") return "link " + field(e, "url");
    std::string size = e.contains("size") ? json::serialize(e.at("size")) : "?";
    return "file " + field(e, "name") + " (" + size + " bytes, sha256 " + field(e, "sha256") + ")";
  });
  return kOk;
}

int list_templates(Client& client, const UserInfo& user) {
  auto rows = client.list(collection::templates);
  if (!rows) return fail_data(rows.failure());
  if (rows->empty()) std::cout << "no templates on this device (coaches and admins get them with passerelle sync)\n";
  Viewer viewer = viewer_of(client, user);
  for (const auto& t : *rows) {
    std::string version = t.contains("version") ? json::serialize(t.at("version")) : "?";
    std::string key = field(t, "key").empty() ? field(t, "id") : field(t, "key");
    std::cout << key << "  v" << version << "  " << count(t, "steps") << " steps  "
              << in_locale(t, "title", viewer.locale) << "\n";
  }
  return kOk;
}

}  // namespace

const std::map<std::string, CommandSpec>& plan_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"plan", {{"--candidate", "--idle-days", "--max-overdue"}, {"--json"}, 0}},
      {"plan create", {{"--candidate", "--template", "--arrival"}, {}, 0}},
      {"plan share", {{"--mentor"}, {}, 0}},
      {"plan unshare", {{"--mentor"}, {}, 0}},
      {"templates", {}},
      {"step", {}},
      {"step show", {{}, {}, 1}},
      {"step start", {{}, {}, 1}},
      {"step done", {{}, {}, 1}},
      {"step skip", {{"--reason"}, {}, 1}},
      {"step reopen", {{}, {}, 1}},
      {"step note", {{}, {}, 1'000'000}},
      {"step comment", {{}, {}, 1'000'000}},
      {"step attach", {{"--url"}, {}, 1}},
      {"step add", {{"--plan", "--category", "--title", "--due", "--index", "--description"}, {}, 0}},
      {"step move", {{"--index"}, {}, 1}},
      {"step due", {{}, {}, 2}},
      {"step remove", {{}, {}, 1}},
  };
  return specs;
}

const std::map<std::string, std::string>& plan_command_help() {
  static const std::map<std::string, std::string> help = {
      {"plan",
       "usage: passerelle [global options] plan [--candidate ID] [--json]\n"
       "       passerelle [global options] plan create --candidate ID [--template KEY] [--arrival YYYY-MM-DD]\n"
       "       passerelle [global options] plan share --mentor ID\n"
       "       passerelle [global options] plan unshare --mentor ID\n\n"
       "Shows an action plan from local data: template and version, arrival date, progress (percent\n"
       "done, done/total, overdue steps, next step, days since the candidate's last activity, OFF\n"
       "TRACK), then every step in plan order: position, short id, status, due date (\"overdue\"\n"
       "once passed in the candidate's time zone), [category], title in your language, counts of\n"
       "notes, comments and evidence. A candidate sees their own plan; a coach names the candidate\n"
       "with --candidate (id or unique prefix) unless they follow one plan. The plan is OFF TRACK\n"
       "when open steps remain and the candidate did nothing for --idle-days (default 21) or more\n"
       "than --max-overdue steps (default 3) are overdue. --json prints the plan\n"
       "row, its step rows in order and the progress figures as one JSON object.\n"},
      {"plan create",
       "usage: passerelle [global options] plan create --candidate ID [--template KEY] [--arrival YYYY-MM-DD]\n\n"
       "Queues creating the candidate's plan from a template (default quebec-skilled-worker; see\n"
       "passerelle templates). Due dates count from --arrival, else the candidate's planned\n"
       "arrival. Coaches (for their candidates) and admins only.\n"},
      {"plan share",
       "usage: passerelle [global options] plan share --mentor ID\n\n"
       "Queues sharing your plan with a mentor, who then reads it and its steps (candidates).\n"},
      {"plan unshare",
       "usage: passerelle [global options] plan unshare --mentor ID\n\n"
       "Queues withdrawing a mentor's access to your plan.\n"},
      {"templates",
       "usage: passerelle [global options] templates\n\n"
       "Lists the plan templates on this device: key, version, step count, title (coaches and\n"
       "admins receive them at sync).\n"},
      {"step",
       "usage: passerelle [global options] step show|start|done|skip|reopen|note|comment|attach|add|move|due|remove ...\n\n"
       "  step show ID                       details, history (who, when), notes, comments, evidence\n"
       "  step start ID                      mark in progress\n"
       "  step done ID                       mark done\n"
       "  step skip ID --reason TEXT         skip, saying why\n"
       "  step reopen ID                     back to todo (coach)\n"
       "  step note ID [TEXT]                add a note (candidate; TEXT, else standard input)\n"
       "  step comment ID [TEXT]             add a comment (candidate, coach)\n"
       "  step attach ID --url URL           attach a link as evidence (candidate)\n"
       "  step add --plan ID --category C --title T --due YYYY-MM-DD [--index N] [--description D]\n"
       "                                     add a step (coach; N = position, 1 = first; default last)\n"
       "  step move ID --index N             move a step to position N, 1 = first (coach)\n"
       "  step due ID YYYY-MM-DD             change the due date (coach)\n"
       "  step remove ID                     remove a step (coach)\n\n"
       "ID: a step id or a unique prefix of one (the short ids `passerelle plan` shows). Every\n"
       "change works offline and reaches the server at the next sync.\n"},
  };
  return help;
}

std::optional<int> run_plan_command(Client& client, const UserInfo& user, const Args& args) {
  const std::string& cmd = args.command;
  if (!plan_command_specs().count(cmd)) return std::nullopt;
  if (cmd == "plan") return show_plan(client, user, args);
  if (cmd == "templates") return list_templates(client, user);
  if (cmd == "step") return fail(kUsage, "step needs a sub-command (see passerelle step --help)");

  if (cmd == "plan create") {
    auto cand = args.flag("--candidate");
    if (!cand) return fail(kUsage, "plan create needs --candidate ID");
    int exit = kOk;
    auto r = resolve_id(client, collection::profiles, *cand, "person", exit);
    if (!r) return exit;
    json::object a{{"plan_id", new_id()},
                   {"candidate_id", *r},
                   {"template_key", args.flag("--template").value_or("quebec-skilled-worker")}};
    if (auto arrival = args.flag("--arrival")) a["arrival_date"] = *arrival;
    return queue(client, "plan.create", a,
                 "plan " + field(a, "plan_id") + " for " + person_name(client, *r) + " from template " +
                     field(a, "template_key"));
  }

  if (cmd == "plan share" || cmd == "plan unshare") {
    auto mentor = args.flag("--mentor");
    if (!mentor) return fail(kUsage, cmd + " needs --mentor ID");
    auto found = find_plan(client, user, std::nullopt);
    if (!found.plan) return found.exit == kOk ? kUsage : *found.exit;
    int exit = kOk;
    auto r = resolve_id(client, collection::profiles, *mentor, "person", exit);
    if (!r) return exit;
    bool shared = cmd == "plan share";
    return queue(client, "plan.share", {{"plan_id", field(*found.plan, "id")}, {"mentor_id", *r}, {"shared", shared}},
                 std::string(shared ? "share" : "unshare") + " your plan with " + person_name(client, *r));
  }

  if (cmd == "step add") {
    auto plan = args.flag("--plan");
    if (!plan) return fail(kUsage, "step add needs --plan ID (see passerelle plan --json)");
    int exit = kOk;
    auto p = resolve_id(client, collection::plans, *plan, "plan", exit, false);
    if (!p) return exit;
    json::object a{{"plan_id", *p},
                   {"step_id", new_id()},
                   {"category", args.flag("--category").value_or("")},
                   {"title", args.flag("--title").value_or("")},
                   {"due_date", args.flag("--due").value_or("")}};
    if (auto d = args.flag("--description")) a["description"] = *d;
    if (auto i = args.flag("--index")) {
      auto n = parse_position(*i);
      if (!n) return fail(kUsage, "--index must be a position, 1 or more");
      a["index"] = *n;
    }
    return queue(client, "step.add", a, "new step " + field(a, "step_id"));
  }

  // The rest act on one existing step, named first.
  if (args.positional.empty()) return fail(kUsage, cmd + " needs the step ID (see passerelle plan)");
  int exit = kOk;
  auto r = resolve_id(client, collection::plan_steps, args.positional[0], "step", exit, false);
  if (!r) return exit;
  const std::string& id = *r;
  std::string shown = id.substr(0, 8);

  if (cmd == "step show") return show_step(client, user, id);
  auto set_status = [&](const char* status, std::optional<std::string> reason, const std::string& what) {
    json::object a{{"id", id}, {"status", status}};
    if (reason) a["reason"] = *reason;
    return queue(client, "step.set_status", a, what);
  };
  if (cmd == "step start") return set_status("in_progress", std::nullopt, "start step " + shown);
  if (cmd == "step done") return set_status("done", std::nullopt, "step " + shown + " done");
  if (cmd == "step reopen") return set_status("todo", std::nullopt, "reopen step " + shown);
  if (cmd == "step skip") return set_status("skipped", args.flag("--reason"), "skip step " + shown);
  if (cmd == "step note" || cmd == "step comment") {
    json::object a{{"id", id}, {"entry_id", new_id()}, {"text", text_from(args, 1)}};
    bool note = cmd == "step note";
    return queue(client, note ? "step.note" : "step.comment", a, std::string(note ? "note" : "comment") + " on step " + shown);
  }
  if (cmd == "step attach") {
    auto url = args.flag("--url");
    if (!url) return fail(kUsage, "step attach needs --url URL");
    return queue(client, "step.attach", {{"id", id}, {"entry_id", new_id()}, {"kind", "link"}, {"url", *url}},
                 "link on step " + shown);
  }
  if (cmd == "step move") {
    auto i = args.flag("--index");
    if (!i) return fail(kUsage, "step move needs --index N (the new position, 1 = first)");
    auto n = parse_position(*i);
    if (!n) return fail(kUsage, "--index must be a position, 1 or more");
    return queue(client, "step.move", {{"id", id}, {"index", *n}}, "move step " + shown + " to position " + *i);
  }
  if (cmd == "step due") {
    if (args.positional.size() < 2) return fail(kUsage, "step due needs ID and the new date YYYY-MM-DD");
    return queue(client, "step.reschedule", {{"id", id}, {"due_date", args.positional[1]}},
                 "step " + shown + " due " + args.positional[1]);
  }
  if (cmd == "step remove") return queue(client, "step.remove", {{"id", id}}, "remove step " + shown);
  return fail(kUsage, "unknown command '" + cmd + "'");
}

}  // namespace passerelle::cli
