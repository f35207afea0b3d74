// `passerelle`: the client core as a command line. Parses arguments, reads secrets from
// stdin, calls the C++ API and turns each Failure into one line on stderr and an exit code.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "passerelle/client.h"

namespace {

using namespace passerelle;
using namespace passerelle::client;

// Exit codes: part of the CLI's contract, listed in --help.
constexpr int kOk = 0;
constexpr int kRefused = 1;      // the server refused (wrong password, conflict, forbidden...)
constexpr int kUsage = 2;        // bad flag, bad URL, missing argument
constexpr int kNetwork = 3;      // server unreachable, network or TLS failure
constexpr int kLocalData = 4;    // the local data directory or its files failed

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
  <command> --help                  help for one command

options:
  --server URL    ws://, wss://, http:// or https:// address of the server. Default: the server
                  last signed in to, else $PASSERELLE_SERVER, else ws://127.0.0.1:8080
  --data DIR      the local data directory. Default: $PASSERELLE_DATA, else ~/.passerelle
  --ca-file FILE  also trust this CA certificate (PEM) for wss:// (the system store is always used)
  --help          this help
  --version       the program's version

exit codes:
  0  success
  1  the server refused (wrong e-mail or password, conflict, forbidden...), or whoami: not signed in
  2  usage error (unknown command or flag, bad URL, missing argument)
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
};

int fail(int code, const std::string& message) {
  std::cerr << "passerelle: " << message << "\n";
  return code;
}

int exit_code(Origin origin) {
  switch (origin) {
    case Origin::server: return kRefused;
    case Origin::network: return kNetwork;
    case Origin::local: return kLocalData;
    case Origin::usage: return kUsage;
  }
  return kLocalData;
}

int fail(const Failure& f) { return fail(exit_code(f.origin), f.message()); }

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

struct Args {
  std::optional<std::string> server, data, ca_file;
  std::string command;
  std::map<std::string, std::string> flags;  // the command's own --name value pairs
  bool help = false;
  bool version = false;
};

// Global options may come before or after the command; "--flag value" and "--flag=value".
std::optional<std::string> parse_args(int argc, char** argv, Args& out) {
  static const std::map<std::string, std::vector<std::string>> kCommandFlags = {
      {"login", {"--email"}}, {"whoami", {}}, {"logout", {}}, {"accept-invite", {"--token", "--name"}}};
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg == "--version") {
      out.version = true;
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg, value;
      bool inline_value = false;
      if (auto eq = arg.find('='); eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        inline_value = true;
      }
      bool global = name == "--server" || name == "--data" || name == "--ca-file";
      bool known_for_command = false;
      if (auto it = kCommandFlags.find(out.command); it != kCommandFlags.end())
        for (const auto& f : it->second) known_for_command |= f == name;
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
      else
        out.flags[name] = value;
      continue;
    }
    // The invitation e-mail shows "accept-invite <token>": a bare token is accepted too.
    if (out.command == "accept-invite" && !out.flags.count("--token")) {
      out.flags["--token"] = arg;
      continue;
    }
    if (!out.command.empty()) return "unexpected argument '" + arg + "' (see passerelle --help)";
    if (!kCommandFlags.count(arg)) return "unknown command '" + arg + "' (see passerelle --help)";
    out.command = arg;
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

int run(int argc, char** argv) {
  Args args;
  if (auto problem = parse_args(argc, argv, args)) return fail(kUsage, *problem);
  if (args.version) {
    std::cout << "passerelle " << PASSERELLE_VERSION << "\n";
    return kOk;
  }
  if (args.help) {
    auto it = kCommandHelp.find(args.command);
    std::cout << (it != kCommandHelp.end() ? it->second : std::string(kHelp));
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
  return fail(kUsage, "unknown command '" + args.command + "'");
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
