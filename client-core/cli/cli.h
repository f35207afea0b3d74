// What the `passerelle` command files share: exit codes, the parsed arguments, and the one way
// to print an error and pick its exit code. main.cpp parses and dispatches; plan_commands.cpp
// holds the action-plan commands.
#pragma once

#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "passerelle/client.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::cli {

using client::Client;
using client::Failure;
using client::Origin;
using protocol::UserInfo;
namespace json = boost::json;

// Exit codes: part of the CLI's contract, listed in --help.
constexpr int kOk = 0;
constexpr int kRefused = 1;      // the server refused (wrong password, conflict, forbidden...)
constexpr int kUsage = 2;        // bad flag, bad URL, missing argument
constexpr int kNetwork = 3;      // server unreachable, network or TLS failure
constexpr int kLocalData = 4;    // the local data directory or its files failed

struct Args {
  std::optional<std::string> server, data, ca_file;
  std::string command;
  std::map<std::string, std::string> flags;  // the command's own --name value pairs (the last one given)
  std::map<std::string, std::vector<std::string>> lists;  // every value of each, in order (--attach A --attach B)
  std::set<std::string> switches;            // the command's own flags without value (--json)
  std::vector<std::string> positional;       // the command's own bare words (message text, ids)
  bool help = false;
  bool version = false;

  std::optional<std::string> flag(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end()) return std::nullopt;
    return it->second;
  }
  bool has(const std::string& name) const { return switches.count(name) > 0; }
  std::vector<std::string> all(const std::string& name) const {
    auto it = lists.find(name);
    return it == lists.end() ? std::vector<std::string>() : it->second;
  }
};

struct CommandSpec {
  std::vector<std::string> flags;     // flags taking a value
  std::vector<std::string> switches;  // flags without value
  std::size_t max_positional = 0;
};

inline int fail(int code, const std::string& message) {
  std::cerr << "passerelle: " << message << "\n";
  return code;
}

inline int exit_code(Origin origin) {
  switch (origin) {
    case Origin::server: return kRefused;
    case Origin::network: return kNetwork;
    case Origin::local: return kLocalData;
    case Origin::usage: return kUsage;
  }
  return kLocalData;
}

inline int fail(const Failure& f) { return fail(exit_code(f.origin), f.message()); }

// Failures of the data commands: "not signed in" is exit 1 like whoami; a mutator refusing on
// this device (forbidden, conflict, not found: the server would say the same) is a refusal,
// exit 1; a bad field stays a usage error (2); the rest by origin.
inline int fail_data(const Failure& f) {
  if (f.origin == Origin::usage && f.code() == ErrorCode::unauthenticated) return fail(kRefused, f.message());
  if (f.origin == Origin::usage &&
      (f.code() == ErrorCode::forbidden || f.code() == ErrorCode::conflict || f.code() == ErrorCode::not_found))
    return fail(kRefused, f.message());
  return fail(f);
}

inline std::string field(const json::object& row, std::string_view key) {
  auto* v = row.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// An id named on the command line: the full id or a unique prefix of one in `coll` as this
// device has it. With `allow_unseen`, a full UUID this device has not seen passes through (a
// mentor's or an employer's id: the server decides); a plan or a step must be here. On failure
// the error is printed, `exit` gets its exit code, and the result is empty.
std::optional<std::string> resolve_id(Client& client, std::string_view coll, const std::string& text,
                                      std::string_view what, int& exit, bool allow_unseen = true);

inline std::string person_name(Client& client, const std::string& id) {
  if (id.empty()) return "(nobody)";
  auto p = client.get(sync::collection::profiles, id);
  if (p && *p) {
    auto name = field(**p, "name");
    if (!name.empty()) return name;
  }
  return id;
}

// Runs a mutator and says it was queued.
inline int queue(Client& client, std::string_view name, const json::object& a, const std::string& what) {
  auto op = client.mutate(name, a);
  if (!op) return fail_data(op.failure());
  std::cout << "queued: " << what << " (op " << *op << "); it reaches the server at the next sync\n";
  return kOk;
}

// The action-plan commands (plan_commands.cpp): their argument specs and help, and the runner,
// which returns nullopt for a command that is not one of them.
const std::map<std::string, CommandSpec>& plan_command_specs();
const std::map<std::string, std::string>& plan_command_help();
std::optional<int> run_plan_command(Client& client, const UserInfo& user, const Args& args);

// The mentoring commands (mentor_commands.cpp, docs/mentoring.md), the same way.
const std::map<std::string, CommandSpec>& mentor_command_specs();
const std::map<std::string, std::string>& mentor_command_help();
bool mentor_takes_subcommand(const std::string& command);
std::optional<int> run_mentor_command(Client& client, const UserInfo& user, const Args& args);

// The employer commands (employer_commands.cpp, docs/employers.md), the same way: employer
// profiles, needs, preselection, proposals, internships, and a candidate's consent.
const std::map<std::string, CommandSpec>& employer_command_specs();
const std::map<std::string, std::string>& employer_command_help();
bool employer_takes_subcommand(const std::string& command);
std::optional<int> run_employer_command(Client& client, const UserInfo& user, const Args& args);
// The activity commands (activity_commands.cpp, docs/activities.md), the same way.
const std::map<std::string, CommandSpec>& activity_command_specs();
const std::map<std::string, std::string>& activity_command_help();
bool activity_takes_subcommand(const std::string& command);
std::optional<int> run_activity_command(Client& client, const UserInfo& user, const Args& args);

// The coaching-message commands (message_commands.cpp), the same way: threads, messages, send,
// read, download, uploads, message send/delete.
const std::map<std::string, CommandSpec>& message_command_specs();
const std::map<std::string, std::string>& message_command_help();
std::optional<int> run_message_command(Client& client, const UserInfo& user, const Args& args);

// The account commands (account_commands.cpp): export DIR (docs/security.md).
const std::map<std::string, CommandSpec>& account_command_specs();
const std::map<std::string, std::string>& account_command_help();
std::optional<int> run_account_command(Client& client, const UserInfo& user, const Args& args);

// Password and sessions (password_commands.cpp): password, password reset, sessions. Online
// requests; `password reset` works signed out. nullopt for a command that is not one of them.
const std::map<std::string, CommandSpec>& password_command_specs();
const std::map<std::string, std::string>& password_command_help();
std::optional<int> run_password_command(Client& client, const Args& args);
// The device name the CLI gives at sign-in: "passerelle CLI on <host name>".
std::string cli_device_name();

// One line of standard input, without its line end; nullopt at end of input. On a terminal the
// prompt goes to stderr and, for secrets, echo is off while typing.
std::optional<std::string> read_line(const char* prompt, bool secret);

}  // namespace passerelle::cli
