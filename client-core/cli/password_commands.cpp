// `passerelle password`, `passerelle password reset` and `passerelle sessions`
// (docs/security.md, "Passwords and sessions"): online requests through the C++ API. Secrets
// come from standard input, one line each, never from the command line (ps would show them).
#include <unistd.h>

#include <climits>

#include "cli.h"

namespace passerelle::cli {
namespace {

int change_password(Client& client) {
  auto current = read_line("Current password: ", true);
  if (!current) return fail(kUsage, "expected the current password on standard input (one line)");
  auto next = read_line("New password (at least 10 characters): ", true);
  if (!next) return fail(kUsage, "expected the new password on the second line of standard input");
  auto ended = client.change_password(*current, *next);
  if (!ended) return fail_data(ended.failure());
  std::cout << "password changed; " << *ended << (*ended == 1 ? " other session" : " other sessions")
            << " ended (this device stays signed in)\n";
  return kOk;
}

int reset_password(Client& client, const Args& args) {
  auto email = args.flag("--email");
  auto code = args.flag("--code");
  auto token = args.flag("--token");
  if (static_cast<int>(email.has_value()) + static_cast<int>(code.has_value()) + static_cast<int>(token.has_value()) != 1)
    return fail(kUsage, "password reset needs one of --email E (ask for the e-mail) or --code C (from it)");
  if (email) {
    auto asked = client.request_password_reset(*email);
    if (!asked) return fail(asked.failure());
    std::cout << "if an account uses " << *email << ", an e-mail with a link and a code is on its way (valid\n"
              << "for a limited time); then run: passerelle password reset --code CODE\n";
    return kOk;
  }
  auto next = read_line("New password (at least 10 characters): ", true);
  if (!next) return fail(kUsage, "expected the new password on standard input (one line)");
  auto done = code ? client.reset_password_with_code(*code, *next) : client.reset_password_with_token(*token, *next);
  if (!done) return fail(done.failure());
  std::cout << "password changed; every session of the account ended: log in again\n";
  return kOk;
}

int sessions(Client& client, const Args& args) {
  if (auto id = args.flag("--end")) {
    if (args.flag("--end-all")) return fail(kUsage, "give --end or --end-all, not both");
    auto ended = client.end_session(*id);
    if (!ended) return fail_data(ended.failure());
    std::cout << "session " << *id << " ended\n";
    return kOk;
  }
  if (auto user = args.flag("--end-all")) {
    auto n = client.end_all_sessions(*user);
    if (!n) return fail_data(n.failure());
    std::cout << *n << (*n == 1 ? " session" : " sessions") << " of " << *user << " ended\n";
    return kOk;
  }
  auto list = client.sessions();
  if (!list) return fail_data(list.failure());
  for (const auto& s : *list) {
    std::cout << s.id << "  " << (s.device.empty() ? "(unnamed device)" : s.device)
              << (s.current ? "  [this device]" : "") << "\n"
              << "    from " << (s.address.empty() ? "?" : s.address) << ", signed in " << s.first_seen_at
              << ", last seen " << s.last_seen_at << "\n";
  }
  std::cout << list->size() << (list->size() == 1 ? " session" : " sessions") << "\n";
  return kOk;
}

}  // namespace

std::string cli_device_name() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || !host[0]) return "passerelle CLI";
  return "passerelle CLI on " + std::string(host).substr(0, 60);
}

const std::map<std::string, CommandSpec>& password_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"password", {}},
      {"password reset", {{"--email", "--code", "--token"}, {}, 0}},
      {"sessions", {{"--end", "--end-all"}, {}, 0}},
  };
  return specs;
}

const std::map<std::string, std::string>& password_command_help() {
  static const std::map<std::string, std::string> help = {
      {"password",
       "usage: passerelle [global options] password\n"
       "       passerelle [global options] password reset --email E | --code C\n\n"
       "Changes your password: reads the current password, then the new one (at least 10\n"
       "characters), one line each from standard input. Your other sessions end (their devices\n"
       "must log in again); this one stays. Exit 1 when the current password is wrong.\n\n"
       "password reset --email E  asks the server for a reset e-mail. The answer is the same\n"
       "                          whether an account uses E or not.\n"
       "password reset --code C   sets the new password read from standard input, with the\n"
       "                          code of that e-mail (--token T: the token of its link). Every\n"
       "                          session of the account ends: log in again.\n"},
      {"sessions",
       "usage: passerelle [global options] sessions [--end ID | --end-all USER_ID]\n\n"
       "Lists where you are signed in: each session's id, the device's name, the address it was\n"
       "last seen from, when it signed in and when it was last seen. --end ID ends one (its\n"
       "device is signed out at once; ending this device's own session signs it out). An admin\n"
       "ends every session of someone with --end-all USER_ID.\n"},
  };
  return help;
}

std::optional<int> run_password_command(Client& client, const Args& args) {
  if (args.command == "password") return change_password(client);
  if (args.command == "password reset") return reset_password(client, args);
  if (args.command == "sessions") return sessions(client, args);
  return std::nullopt;
}

}  // namespace passerelle::cli
