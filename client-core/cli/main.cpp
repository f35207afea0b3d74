// `passerelle`: the client core as a command line. Parses arguments, reads secrets from
// stdin, calls the C++ API and turns each Failure into one line on stderr and an exit code.
#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>

#include "cli.h"
#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/mutator.h"

namespace {

using namespace passerelle;
using namespace passerelle::client;
using namespace passerelle::cli;
using cli::fail;
using cli::Failure;
using cli::Origin;

const char* kHelp = R"(usage: passerelle [--server URL] [--data DIR] [--ca-file FILE] <command> [options]

Passerelle's client on the command line. Works offline against its local data and talks to
the server when a command needs it.

commands:
  login [--email E]                 sign in; the password is read from standard input (one
                                    line; on a terminal it is asked for without echo)
  whoami                            show who is signed in on this device (offline)
  logout                            sign out: revoke the session on the server when it can be
                                    reached, and always remove the session from this device
  accept-invite --token T --name N  create the invited account and sign in; the new password
                                    is read from standard input (the token may also be given
                                    alone: accept-invite T)
  status [--offline]                whether the server answers now (a 2 s check; --offline
                                    skips it), pending ops, last sync, rejected ops
  sync [--watch]                    push queued writes and pull changes; --watch stays
                                    connected and prints a line per event until Ctrl-C
  threads                           your conversations with their unread counts (offline)
  messages THREAD                   a thread's messages in order, with the state of yours
                                    (queued, sent, delivered, read) and their files (offline)
  read THREAD                       show a thread's messages and mark them read
  send THREAD [TEXT] [--attach FILE]...
                                    queue a message (TEXT, else standard input) with files
                                    (PDF, DOCX, ODT, PNG, JPEG; uploaded at the next sync)
  download SHA256 [--out FILE]      save an attached file (from this device, else the server)
  uploads                           files queued for upload and their state
  password                          change your password: the current one, then the new one,
                                    one line each on standard input; your other sessions end
  password reset --email E          ask for a reset e-mail (a link and a code)
  password reset --code C           set a new password (read from standard input) with the
                                    e-mail's code; every session ends: log in again
  sessions [--end ID]               where you are signed in (device, address, first and last
                                    seen); --end ends one; --end-all USER_ID (admin) ends all
                                    of someone's
  export DIR                        everything the server holds of you: DIR/export.json and
                                    your files in DIR/files (docs/security.md)
  invite --email E --role R [--name N] [--locale fr|en] [--coach ID]
                                    e-mail an invitation (coach: candidates, mentors, employers; admin: any)
  invitations [--status S]          the invitations you made (admin: all) and their state
  invitations --revoke ID | --resend ID
                                    kill an invitation's link, or e-mail a new one
  invite-cohort FILE.csv [--send]   check a cohort CSV row by row; --send queues the good rows
  message send --thread ID [TEXT]   queue a message (the older form of send)
  message delete ID                 queue the deletion of your message
  profile                           show your profile (offline)
  profile set [--name N] [--locale fr|en] [--time-zone Z] [--country CC] [--profession P]
              [--planned-arrival YYYY-MM-DD] [--bio B]
                                    queue changes to your profile
  caseload                          your candidates with their ids, local time and plan (coach)
  caseload assign --candidate ID --coach ID
                                    queue assigning a candidate to a coach (admin, or a coach
                                    for themself); creates their coaching thread
  rejections [--dismiss OP_ID]      writes the server refused, with the reason; --dismiss
                                    removes one from the list
  plan [--candidate ID] [--json]    an action plan with its progress and steps (offline)
  plan create --candidate ID [--template KEY] [--arrival YYYY-MM-DD]
                                    queue starting a candidate's plan from a template (coach)
  plan share|unshare --mentor ID    queue sharing your plan with a mentor, or stop (candidate)
  templates                         the plan templates on this device (coach, admin)
  step show ID                      a step's details, history, notes, comments, evidence
  step start|done|reopen ID         queue a status change (reopen: coach)
  step skip ID --reason TEXT        queue skipping a step, saying why
  step note|comment ID [TEXT]       queue a note (candidate) or a comment
  step attach ID --url URL          queue a link as evidence (candidate)
  step add --plan ID --category C --title T --due YYYY-MM-DD [--index N] [--description D]
                                    queue adding a step at position N, default last (coach)
  step move ID --index N            queue moving a step to position N, 1 = first (coach)
  step due ID YYYY-MM-DD            queue a new due date (coach)
  step remove ID                    queue removing a step (coach)
  career [--occupation NOC ...]     your career profile, or queue changes (candidate)
  mentor-profile [--employer E ...] your mentor profile, or queue changes (mentor)
  mentors suggest --candidate ID    ranked mentors with the reasons shown (coach)
  mentors propose --candidate ID --mentor ID
                                    queue proposing a mentorship (coach)
  mentorships                       mentorships on this device with their state
  mentorship accept|decline|complete ID [--reason R]
                                    queue the mentor's answer, or completing/closing one
  availability [set --weekly "2 18:00-20:00" ...]
                                    your windows, or queue new ones (mentor)
  slots [MENTORSHIP]                free one-hour slots in your zone and your mentor's
  book START                        queue a meeting request at a slot's start
  meetings [--upcoming] [--json]    your meetings in both zones, with the video link
  cancel MEETING | reschedule MEETING START | outcome MEETING held|no_show_...
                                    queue a change to a meeting
  referral add|set ...; referrals   the contacts the mentor refers the candidate to
  calendar feed|revoke|meeting ID   a new secret .ics feed URL, or none; one meeting as .ics
  consent [give|withdraw]           share your profile with employers, or stop (candidate)
  employer profile|need|preselect|propose|accept|decline|internship|outcome ...
                                    employers, their needs, proposals and internships (docs/employers.md)
  activities [show|register|unregister|agenda|create|cancel|schedule|attendance ...]
                                    speed jobbing, exploration days, conferences: seats and schedules
  <command> --help                  help for one command

Writes work offline: they apply at once on this device, are queued, and reach the server at
the next `passerelle sync` (a refusal then shows in `status` and `rejections`).

options:
  --server URL    ws://, wss://, http:// or https:// address of the server. Default: the server
                  last signed in to, else $PASSERELLE_SERVER, else ws://127.0.0.1:8080
  --data DIR      the local data directory. Default: $PASSERELLE_DATA, else ~/.passerelle
  --ca-file FILE  also trust this CA certificate (PEM) for wss:// (the system store is always used)
  --help          this help
  --version       the program's version

exit codes:
  0  success
  1  the server refused (wrong e-mail or password, conflict, forbidden...), or this device
     already knows it would (a candidate reopening a done step), or whoami: not signed in, or
     sync: the session ended on the server (log in again)
  2  usage error (unknown command or flag, bad URL, missing argument, invalid field value,
     unknown or ambiguous thread, message, step or person id)
  3  the server cannot be reached (network, TLS certificate, timeout)
  4  local data error (data directory or its SQLite files)
)";

const std::map<std::string, std::string> kCommandHelp = {
    {"login",
     "usage: passerelle [global options] login [--email E]\n\n"
     "Signs in. The password is one line of standard input; on a terminal it is asked for\n"
     "without echo, and so is the e-mail when --email is not given.\n"},
    {"whoami",
     "usage: passerelle [global options] whoami\n\n"
     "Shows the name, e-mail, role and server of the account signed in on this device, from\n"
     "local data only. Prints \"not signed in\" and exits 1 when nobody is.\n"},
    {"logout",
     "usage: passerelle [global options] logout\n\n"
     "Revokes the session on the server when it can be reached and always removes it from this\n"
     "device. When the server cannot be told, a warning says so and the exit code is still 0.\n"},
    {"accept-invite",
     "usage: passerelle [global options] accept-invite [--token] T --name N\n\n"
     "Accepts an invitation (the token from the invitation e-mail), creating the account with\n"
     "the password read from standard input (at least 10 characters), and signs in.\n"},
    {"status",
     "usage: passerelle [global options] status [--offline]\n\n"
     "Says whether the server answers now (online/offline: a connection and hello, at most 2 s;\n"
     "--offline skips the check), then, from local data: the queued writes not yet sent, the\n"
     "time of the last complete sync, and the writes the server refused with its reasons.\n"},
    {"sync",
     "usage: passerelle [global options] sync [--watch]\n\n"
     "Connects, sends every queued write (at most 100 per request), then pulls every change up to\n"
     "now. Long pulls print progress (\"pulled 1500 rows\"). Refused writes are listed; they do\n"
     "not stop the others (exit 0). Exit 3 when the server cannot be reached (writes stay\n"
     "queued), 1 when the session ended on the server (log in again).\n\n"
     "--watch  stay connected: sync on every server poke and retry with backoff when the link\n"
     "         drops; one line per event until SIGINT or SIGTERM (then exit 0).\n"},
    {"caseload",
     "usage: passerelle [global options] caseload\n"
     "       passerelle [global options] caseload assign --candidate ID --coach ID\n\n"
     "Lists your candidates as this device knows them (coach): id, name, country, their local\n"
     "time now, planned arrival, plan. The ids are what plan create --candidate takes.\n"},
    {"profile",
     "usage: passerelle [global options] profile\n"
     "       passerelle [global options] profile set [--name N] [--locale fr|en] [--time-zone Z]\n"
     "           [--country CC] [--profession P] [--planned-arrival YYYY-MM-DD] [--bio B]\n\n"
     "Shows your profile, or queues changes to it (time zone: an IANA name such as\n"
     "America/Toronto; country: ISO 3166 code).\n"},
    {"caseload assign",
     "usage: passerelle [global options] caseload assign --candidate ID --coach ID\n\n"
     "Queues assigning a candidate to a coach (an admin, or a coach for themself) and creates\n"
     "their coaching thread.\n"},
    {"rejections",
     "usage: passerelle [global options] rejections [--dismiss OP_ID]\n\n"
     "Lists the writes the server refused, with its reason; --dismiss OP_ID removes one.\n"},
};

}  // namespace

namespace passerelle::cli {

// One line of standard input, without its line end; nullopt at end of input. On a terminal the
// prompt goes to stderr and, for secrets, echo is off while typing.
std::optional<std::string> read_line(const char* prompt, bool secret) {
  bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  bool echo_off = false;
  if (tty) {
    std::cerr << prompt << std::flush;
    if (secret && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      echo_off = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (echo_off) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!got && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace passerelle::cli

namespace {

const std::map<std::string, CommandSpec>& command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"login", {{"--email"}, {}, 0}},
      {"whoami", {}},
      {"logout", {}},
      {"accept-invite", {{"--token", "--name"}, {}, 1}},
      {"status", {{}, {"--offline"}, 0}},
      {"sync", {{}, {"--watch"}, 0}},
      {"profile", {}},
      {"profile set",
       {{"--name", "--locale", "--time-zone", "--country", "--profession", "--planned-arrival", "--bio"}, {}, 0}},
      {"caseload", {}},
      {"caseload assign", {{"--candidate", "--coach"}, {}, 0}},
      {"rejections", {{"--dismiss"}, {}, 0}},
  };
  // The action-plan commands live in plan_commands.cpp with their specs.
  static const std::map<std::string, CommandSpec> all = [] {
    auto m = specs;
    for (const auto& [k, v] : plan_command_specs()) m.emplace(k, v);
    for (const auto& [k, v] : mentor_command_specs()) m.emplace(k, v);
    for (const auto& [k, v] : employer_command_specs()) m.emplace(k, v);
    for (const auto& [k, v] : activity_command_specs()) m.emplace(k, v);
    for (const auto& [k, v] : message_command_specs()) m.emplace(k, v);
    for (const auto& [k, v] : account_command_specs()) m.emplace(k, v);
    for (const auto& [k, v] : password_command_specs()) m.emplace(k, v);
    return m;
  }();
  return all;
}

// Commands whose second word may be a sub-command ("message send", "step done").
bool takes_subcommand(const std::string& command) {
  return command == "message" || command == "caseload" || command == "profile" || command == "plan" ||
         command == "step" || command == "password" || mentor_takes_subcommand(command) ||
         employer_takes_subcommand(command) || activity_takes_subcommand(command);
}

// Global options may come before or after the command; "--flag value" and "--flag=value".
// Commands with sub-commands ("message send") take the sub-command as their second word.
std::optional<std::string> parse_args(int argc, char** argv, Args& out) {
  const auto& specs = command_specs();
  auto has = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    const CommandSpec* spec = nullptr;
    if (auto it = specs.find(out.command); it != specs.end()) spec = &it->second;
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg == "--version") {
      out.version = true;
      continue;
    }
    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      std::string name = arg, value;
      bool inline_value = false;
      if (auto eq = arg.find('='); eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        inline_value = true;
      }
      if (spec && has(spec->switches, name) && !inline_value) {
        out.switches.insert(name);
        continue;
      }
      bool global = name == "--server" || name == "--data" || name == "--ca-file";
      bool known_for_command = spec && has(spec->flags, name);
      if (!global && !known_for_command) {
        if (out.command.empty()) return "unknown option '" + name + "' (see passerelle --help)";
        return "unknown option '" + name + "' for " + out.command + " (see passerelle " + out.command + " --help)";
      }
      if (!inline_value) {
        if (i + 1 >= args.size()) return "option " + name + " needs a value";
        value = args[++i];
      }
      if (name == "--server")
        out.server = value;
      else if (name == "--data")
        out.data = value;
      else if (name == "--ca-file")
        out.ca_file = value;
      else {
        out.flags[name] = value;
        out.lists[name].push_back(value);
      }
      continue;
    }
    if (out.command.empty()) {
      if (!specs.count(arg)) return "unknown command '" + arg + "' (see passerelle --help)";
      out.command = arg;
      continue;
    }
    // A sub-command right after its command, before any other bare word.
    if (out.positional.empty() && specs.count(out.command + " " + arg) && takes_subcommand(out.command)) {
      out.command += " " + arg;
      continue;
    }
    // The invitation e-mail shows "accept-invite <token>": a bare token is accepted too.
    if (out.command == "accept-invite") {
      if (out.flags.count("--token")) return "unexpected argument '" + arg + "' (see passerelle --help)";
      out.flags["--token"] = arg;
      continue;
    }
    if (!spec || out.positional.size() >= spec->max_positional) {
      if (out.command == "message" || out.command == "caseload" || out.command == "step" || out.command == "plan")
        return "unknown " + out.command + " command '" + arg + "' (see passerelle " + out.command + " --help)";
      return "unexpected argument '" + arg + "' (see passerelle " + out.command + " --help)";
    }
    out.positional.push_back(arg);
  }
  return std::nullopt;
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

void print_user(const UserInfo& user, const std::string& server) {
  std::cout << "name:   " << user.name << "\n"
            << "e-mail: " << user.email << "\n"
            << "role:   " << protocol::to_string(user.role) << "\n"
            << "server: " << server << "\n";
}

// --- offline-first data commands ----------------------------------------------------------------

void print_rejection(const Rejection& r, const char* prefix) {
  std::cout << prefix << r.op_id << "  " << r.name << "  " << to_string(r.error.code) << ": " << r.error.message
            << "\n";
}

int run_watch(Client& client) {
  // SIGINT/SIGTERM are blocked in every thread (the engine's thread inherits the mask) and
  // taken here with sigtimedwait: no async-signal-safety puzzles, a clean stop_sync().
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::mutex out;
  SyncState last_state = SyncState::offline;
  bool first = true;
  auto say = [&out](const std::string& line) {
    std::lock_guard lock(out);
    std::cout << line << std::endl;
  };
  client.observe_state([&](const SyncStatus& st) {
    if (!first && st.state == last_state) return;
    first = false;
    last_state = st.state;
    std::string line = "state: " + std::string(to_string(st.state)) + " (" + std::to_string(st.pending_ops) + " pending)";
    if (st.last_error && st.state != SyncState::up_to_date) line += ": " + st.last_error->message();
    say(line);
  });
  client.observe_rows([&](const ChangedRows& rows) {
    std::map<std::string, int> by;
    for (const auto& [c, id] : rows) ++by[c];
    std::string line = "changed:";
    for (const auto& [c, n] : by) line += " " + c + " " + std::to_string(n);
    say(line);
  });
  client.observe_rejections([&](const Rejection& r) {
    say("rejected: " + r.op_id + "  " + r.name + "  " + std::string(to_string(r.error.code)) + ": " + r.error.message);
  });
  if (auto st = client.start_sync(); !st) return fail_data(st.failure());
  say("watching " + client.server_url().str() + " (Ctrl-C to stop)");
  for (;;) {
    timespec wait{0, 200'000'000};
    int sig = sigtimedwait(&stop_signals, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) break;
    auto st = client.status();
    if (st && st->state == SyncState::error) {
      client.stop_sync();
      return fail(kRefused, st->last_error ? st->last_error->message() : "signed out on the server: log in again");
    }
  }
  client.stop_sync();
  say("stopped");
  return kOk;
}

int run_data_command(Client& client, const Args& args) {
  auto me = client.current_user();
  if (!me) return fail(me.failure());
  if (!*me) return fail(kRefused, "not signed in; log in first");
  const UserInfo& user = (*me)->user;
  const std::string& cmd = args.command;
  auto flag = [&](const std::string& name) { return args.flag(name); };
  if (auto done = run_plan_command(client, user, args)) return *done;
  if (auto done = run_mentor_command(client, user, args)) return *done;
  if (auto done = run_employer_command(client, user, args)) return *done;
  if (auto done = run_activity_command(client, user, args)) return *done;
  if (auto done = run_message_command(client, user, args)) return *done;
  if (auto done = run_account_command(client, user, args)) return *done;

  if (cmd == "status") {
    // Whether the server answers now: a quick connection (hello), bounded to 2 s so status stays
    // a glance; --offline skips it and reads local data only.
    std::string reach = "not checked (--offline)";
    if (!args.has("--offline")) {
      auto probe = client.check_server(std::chrono::seconds(2));
      reach = probe ? std::string("online (the server answers)") : "offline (" + probe.failure().message() + ")";
    }
    auto st = client.status();
    if (!st) return fail_data(st.failure());
    auto rejected = client.rejections();
    if (!rejected) return fail_data(rejected.failure());
    std::cout << "account:   " << user.name << " <" << user.email << "> (" << protocol::to_string(user.role) << ")\n"
              << "server:    " << client.server_url().str() << "\n"
              << "state:     " << reach << "\n"
              << "pending:   " << st->pending_ops << (st->pending_ops == 1 ? " op" : " ops") << " queued\n"
              << "last sync: " << st->last_synced_at.value_or("never") << "\n"
              << "cursor:    " << st->cursor << "\n"
              << "rejected:  " << rejected->size() << "\n";
    for (const auto& r : *rejected) print_rejection(r, "  ");
    return kOk;
  }

  if (cmd == "sync") {
    if (args.has("--watch")) return run_watch(client);
    auto summary = client.sync_once(std::chrono::minutes(10), [](const SyncProgress& p) {
      if (p.pulling && p.more) std::cout << "pulled " << p.pulled_rows << " rows" << std::endl;
    });
    if (!summary) {
      const Failure& f = summary.failure();
      if (f.origin == Origin::network) return fail(kNetwork, f.message() + " (queued writes stay queued)");
      return fail_data(f);
    }
    std::cout << "synced with " << client.server_url().str() << ": pushed " << summary->pushed << " ("
              << summary->applied << " applied, " << summary->rejected << " rejected), pulled " << summary->pulled_rows
              << " rows";
    if (summary->uploaded > 0) std::cout << ", uploaded " << summary->uploaded << (summary->uploaded == 1 ? " file" : " files");
    std::cout << "\n";
    if (summary->uploads_failed > 0)
      std::cout << "refused: " << summary->uploads_failed << (summary->uploads_failed == 1 ? " file" : " files")
                << " (see passerelle uploads)\n";
    for (const auto& r : summary->new_rejections) print_rejection(r, "rejected: ");
    return kOk;
  }

  if (cmd == "caseload") {
    // A coach's candidates as this device knows them: the ids other commands take.
    auto rows = client.list(sync::collection::profiles, "coach_id", user.id);
    if (!rows) return fail_data(rows.failure());
    if (rows->empty()) {
      std::cout << "no candidates in your caseload on this device (passerelle sync fetches them)\n";
      return kOk;
    }
    for (const auto& p : *rows) {
      std::string zone = field(p, "time_zone");
      auto local = zone.empty() ? std::nullopt : format_local(now_utc(), zone);
      std::cout << field(p, "id") << "  " << field(p, "name");
      if (!field(p, "country").empty()) std::cout << "  " << field(p, "country");
      if (local) std::cout << "  " << zone << " (now " << *local << ")";
      if (!field(p, "planned_arrival").empty()) std::cout << "  arrival " << field(p, "planned_arrival");
      std::cout << (field(p, "plan_id").empty() ? "  no plan yet" : "  plan " + field(p, "plan_id").substr(0, 8)) << "\n";
    }
    return kOk;
  }

  if (cmd == "profile") {
    auto p = client.get(sync::collection::profiles, user.id);
    if (!p) return fail_data(p.failure());
    if (!*p) {
      std::cout << "no profile on this device yet (passerelle sync fetches it)\n";
      return kOk;
    }
    static const std::vector<std::pair<const char*, const char*>> kShown = {
        {"name", "name"},          {"role", "role"},       {"locale", "locale"},
        {"time_zone", "time zone"}, {"country", "country"}, {"profession", "profession"},
        {"planned_arrival", "planned arrival"}, {"bio", "bio"}, {"coach_id", "coach"}};
    for (const auto& [key, label] : kShown) {
      std::string v = field(**p, key);
      if (v.empty()) continue;
      if (std::string_view(key) == "coach_id") v = person_name(client, v) + " (" + v + ")";
      std::string padded = std::string(label) + ":";
      padded.resize(17, ' ');
      std::cout << padded << v << "\n";
    }
    return kOk;
  }

  if (cmd == "profile set") {
    static const std::vector<std::pair<const char*, const char*>> kFields = {
        {"--name", "name"},           {"--locale", "locale"},         {"--time-zone", "time_zone"},
        {"--country", "country"},     {"--profession", "profession"}, {"--planned-arrival", "planned_arrival"},
        {"--bio", "bio"}};
    json::object a;
    for (const auto& [f, key] : kFields)
      if (auto v = flag(f)) a[key] = *v;
    if (a.empty())
      return fail(kUsage, "profile set needs at least one of --name, --locale, --time-zone, --country, --profession, "
                          "--planned-arrival, --bio");
    return queue(client, "profile.update", a, "profile update");
  }

  if (cmd == "caseload assign") {
    auto cand = flag("--candidate");
    auto coach = flag("--coach");
    if (!cand || !coach) return fail(kUsage, "caseload assign needs --candidate ID and --coach ID");
    json::object a{{"candidate_id", *cand}, {"coach_id", *coach}, {"thread_id", new_id()}};
    return queue(client, "caseload.assign", a,
                 "assign candidate " + *cand + " to coach " + *coach + " (thread " + field(a, "thread_id") + ")");
  }

  if (cmd == "rejections") {
    auto list = client.rejections();
    if (!list) return fail_data(list.failure());
    if (auto id = flag("--dismiss")) {
      bool known = std::any_of(list->begin(), list->end(), [&](const Rejection& r) { return r.op_id == *id; });
      if (!known) return fail(kUsage, "no rejected op '" + *id + "' (see passerelle rejections)");
      if (auto st = client.dismiss_rejection(*id); !st) return fail_data(st.failure());
      std::cout << "dismissed " << *id << "\n";
      return kOk;
    }
    if (list->empty()) std::cout << "no rejected writes\n";
    for (const auto& r : *list) {
      std::cout << r.op_id << "  " << r.name << "  " << to_string(r.error.code) << ": " << r.error.message << "\n"
                << "    at " << r.rejected_at << "  args " << json::serialize(r.args) << "\n";
    }
    return kOk;
  }
  return fail(kUsage, "unknown command '" + cmd + "'");
}

int run(int argc, char** argv) {
  Args args;
  if (auto problem = parse_args(argc, argv, args)) return fail(kUsage, *problem);
  if (args.version) {
    std::cout << "passerelle " << PASSERELLE_VERSION << "\n";
    return kOk;
  }
  if (args.help) {
    // The command's own help, else its first word's, else the general help.
    std::string text = kHelp;
    for (const std::string& name : {args.command, args.command.substr(0, args.command.find(' '))}) {
      if (auto it = kCommandHelp.find(name); it != kCommandHelp.end()) { text = it->second; break; }
      if (auto it = plan_command_help().find(name); it != plan_command_help().end()) { text = it->second; break; }
      if (auto it = mentor_command_help().find(name); it != mentor_command_help().end()) { text = it->second; break; }
      if (auto it = employer_command_help().find(name); it != employer_command_help().end()) { text = it->second; break; }
      if (auto it = activity_command_help().find(name); it != activity_command_help().end()) { text = it->second; break; }
      if (auto it = message_command_help().find(name); it != message_command_help().end()) { text = it->second; break; }
      if (auto it = account_command_help().find(name); it != account_command_help().end()) { text = it->second; break; }
      if (auto it = password_command_help().find(name); it != password_command_help().end()) { text = it->second; break; }
    }
    std::cout << text;
    return kOk;
  }
  if (args.command.empty()) return fail(kUsage, "no command given (see passerelle --help)");

  ClientOptions options;
  if (args.data) {
    options.data_dir = *args.data;
  } else if (auto d = env("PASSERELLE_DATA")) {
    options.data_dir = *d;
  } else if (auto home = env("HOME")) {
    options.data_dir = std::filesystem::path(*home) / ".passerelle";
  } else {
    return fail(kUsage, "no data directory: give --data DIR or set PASSERELLE_DATA");
  }
  options.server_url = args.server.value_or("");
  options.fallback_server_url = env("PASSERELLE_SERVER").value_or(std::string(kDefaultServerUrl));
  options.ca_file = args.ca_file.value_or("");
  options.device_name = cli_device_name();
  // An export is one answer holding all of a person's data: the sync connection's limit.
  if (args.command == "export" || args.command == "invitations")  // answers larger than a frame
    options.max_frame = std::max(options.max_frame, options.sync_max_frame);

  auto opened = Client::open(options);
  if (!opened) return fail(opened.failure());
  Client& client = **opened;

  if (args.command == "whoami") {
    auto me = client.current_user();
    if (!me) return fail(me.failure());
    if (!*me) {
      std::cout << "not signed in\n";
      return kRefused;
    }
    print_user((*me)->user, (*me)->server_url);
    return kOk;
  }

  if (args.command == "login") {
    std::string email;
    if (auto it = args.flags.find("--email"); it != args.flags.end()) {
      email = it->second;
    } else if (::isatty(STDIN_FILENO) == 1) {
      email = read_line("E-mail: ", false).value_or("");
    } else {
      return fail(kUsage, "login needs --email E when standard input is not a terminal");
    }
    auto password = read_line("Password: ", true);
    if (!password) return fail(kUsage, "no password on standard input");
    auto user = client.login(email, *password);
    if (!user) return fail(user.failure());
    std::cout << "signed in as " << user->name << " <" << user->email << "> (" << protocol::to_string(user->role)
              << ") on " << client.server_url().str() << "\n";
    return kOk;
  }

  if (args.command == "accept-invite") {
    auto token = args.flags.find("--token");
    auto name = args.flags.find("--name");
    if (token == args.flags.end()) return fail(kUsage, "accept-invite needs --token T (from the invitation e-mail)");
    std::string person;
    if (name != args.flags.end())
      person = name->second;
    else if (::isatty(STDIN_FILENO) == 1)
      person = read_line("Your name: ", false).value_or("");
    else
      return fail(kUsage, "accept-invite needs --name N when standard input is not a terminal");
    auto password = read_line("New password (at least 10 characters): ", true);
    if (!password) return fail(kUsage, "no password on standard input");
    auto user = client.accept_invite(token->second, person, *password);
    if (!user) return fail(user.failure());
    std::cout << "welcome, " << user->name << "; signed in as " << user->email << " ("
              << protocol::to_string(user->role) << ") on " << client.server_url().str() << "\n";
    return kOk;
  }

  if (args.command == "logout") {
    auto result = client.logout();
    if (!result) return fail(result.failure());
    if (!result->was_signed_in) {
      std::cout << "not signed in\n";
    } else if (result->revoked_on_server) {
      std::cout << "signed out\n";
    } else {
      std::cout << "signed out on this device\n";
      std::cerr << "passerelle: warning: the server was not told, the session stays valid there until it expires: "
                << result->server_problem->message() << "\n";
    }
    return kOk;
  }
  if (auto done = run_password_command(client, args)) return *done;
  return run_data_command(client, args);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // Nothing is expected to throw; if something does, still one line and no stack trace.
    return fail(kLocalData, std::string("unexpected failure: ") + e.what());
  }
}
