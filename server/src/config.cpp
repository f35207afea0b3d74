#include "config.h"

#include <charconv>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "passerelle/shared/protocol.h"

#ifndef PASSERELLE_WEB_ROOT
#define PASSERELLE_WEB_ROOT "web"
#endif
#ifndef PASSERELLE_TEMPLATES_DIR
#define PASSERELLE_TEMPLATES_DIR "templates"
#endif
#ifndef PASSERELLE_VERSION
#define PASSERELLE_VERSION "0.1.0"
#endif

namespace passerelle::server {
namespace {

// One flag: its name, what it takes, and how to store it. `set` returns an error text or "".
struct Flag {
  std::string name;
  std::string metavar;  // empty for a boolean flag
  std::string help;
  std::string default_text;
  std::function<std::string(const std::string&)> set;
};

template <class Int>
std::function<std::string(const std::string&)> int_setter(Int* out, long long lo, long long hi) {
  return [out, lo, hi](const std::string& v) -> std::string {
    long long n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
      return "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
    *out = static_cast<Int>(n);
    return "";
  };
}

std::function<std::string(const std::string&)> days_setter(double* out) {
  return [out](const std::string& v) -> std::string {
    try {
      std::size_t used = 0;
      double d = std::stod(v, &used);
      if (used != v.size() || !(d > 0) || d > 3650) return "must be a number of days in (0, 3650]";
      *out = d;
      return "";
    } catch (...) {
      return "must be a number of days in (0, 3650]";
    }
  };
}

// A rate in events per second; 0 turns the limit off.
std::function<std::string(const std::string&)> rate_setter(double* out) {
  return [out](const std::string& v) -> std::string {
    try {
      std::size_t used = 0;
      double d = std::stod(v, &used);
      if (used != v.size() || !(d >= 0) || d > 1e6) return "must be a number of events per second in [0, 1000000]";
      *out = d;
      return "";
    } catch (...) {
      return "must be a number of events per second in [0, 1000000]";
    }
  };
}

// A comma-separated list of browser origins (scheme://host[:port]), or "*" for any.
std::function<std::string(const std::string&)> origins_setter(std::vector<std::string>* out) {
  return [out](const std::string& v) -> std::string {
    std::vector<std::string> list;
    std::stringstream in(v);
    for (std::string item; std::getline(in, item, ',');) {
      if (item.empty()) continue;
      if (item == "*") {
        list.push_back(item);
        continue;
      }
      auto origin = normalize_origin(item);
      if (origin.empty()) return "must be a comma-separated list of origins like https://app.example.org (or *)";
      list.push_back(origin);
    }
    if (list.empty()) return "must name at least one origin";
    *out = std::move(list);
    return "";
  };
}

std::function<std::string(const std::string&)> proxies_setter(net::TrustedProxies* out) {
  return [out](const std::string& v) -> std::string {
    auto parsed = net::TrustedProxies::parse(v);
    if (!parsed) return parsed.error().message;
    if (parsed->empty()) return "must name at least one address or network";
    *out = std::move(*parsed);
    return "";
  };
}

std::function<std::string(const std::string&)> string_setter(std::string* out) {
  return [out](const std::string& v) -> std::string {
    if (v.empty()) return "must not be empty";
    *out = v;
    return "";
  };
}

std::string render_help(const std::string& usage, const std::vector<Flag>& flags) {
  std::ostringstream out;
  out << usage << "\n\nOptions:\n";
  for (const auto& f : flags) {
    std::string left = "  --" + f.name + (f.metavar.empty() ? "" : " " + f.metavar);
    out << left;
    if (left.size() < 34) out << std::string(34 - left.size(), ' ');
    else out << "\n" << std::string(34, ' ');
    out << f.help;
    if (!f.default_text.empty()) out << " (default: " << f.default_text << ")";
    out << "\n";
  }
  out << "  --help                          show this help\n";
  return out.str();
}

// Parses flags from args[start...]. Returns false with an error for unknown flags/bad values,
// sets *help when --help was given.
Status parse_flags(const std::vector<std::string>& args, std::size_t start,
                   const std::vector<Flag>& flags, bool* help) {
  for (std::size_t i = start; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return Status::Ok();
    }
    if (arg.rfind("--", 0) != 0)
      return Status(ErrorCode::bad_request, "unexpected argument '" + arg + "'");
    std::string name = arg.substr(2), value;
    bool has_inline = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline = true;
    }
    const Flag* flag = nullptr;
    for (const auto& f : flags)
      if (f.name == name) flag = &f;
    if (!flag) return Status(ErrorCode::bad_request, "unknown option '--" + name + "'");
    if (flag->metavar.empty()) {
      if (has_inline) return Status(ErrorCode::bad_request, "option '--" + name + "' takes no value");
      flag->set("");
      continue;
    }
    if (!has_inline) {
      if (i + 1 >= args.size())
        return Status(ErrorCode::bad_request, "option '--" + name + "' needs a value " + flag->metavar);
      value = args[++i];
    }
    if (std::string err = flag->set(value); !err.empty())
      return Status(ErrorCode::bad_request, "option '--" + name + "': '" + value + "' " + err);
  }
  return Status::Ok();
}

std::function<std::string(const std::string&)> listen_setter(ServeConfig* c) {
  return [c](const std::string& v) -> std::string {
    auto colon = v.rfind(':');
    if (colon == std::string::npos || colon == 0) return "must be HOST:PORT";
    std::string host = v.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::string port = v.substr(colon + 1);
    unsigned n = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || p != port.data() + port.size() || n > 65535)
      return "must be HOST:PORT with a port in 0..65535";
    c->listen_host = host;
    c->listen_port = static_cast<std::uint16_t>(n);
    return "";
  };
}

const char* kTopUsage =
    "Usage: passerelle-server <command> [options]\n"
    "\n"
    "Commands:\n"
    "  serve          run the HTTP + WebSocket server\n"
    "  admin create   create an account (password read from stdin)\n"
    "  admin compact  purge old tombstones from the change log (beside a running server or not)\n"
    "  admin import-template FILE  publish an action-plan template (a new edition if it changed)\n"
    "  admin migrate-db --from URL --to URL  copy a whole database to another one, e.g. SQLite to\n"
    "                 PostgreSQL (stop the server first; docs/operations.md)\n"
    "\n"
    "Options:\n"
    "  --help         show this help (also: serve --help, admin --help, admin create --help)\n"
    "  --version      print the version\n";

const char* kAdminUsage =
    "Usage: passerelle-server admin <subcommand> [options]\n"
    "\n"
    "Subcommands:\n"
    "  create   create an account; reads the password (one line, >= 10 characters) from stdin\n"
    "  compact  purge tombstones older than --older-than-days from the change log\n"
    "  import-template FILE  publish an action-plan template file (docs/action-plans.md)\n"
    "  migrate-db  copy a whole database to another one, e.g. SQLite to PostgreSQL (docs/operations.md)\n";

}  // namespace

std::string normalize_origin(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return "";
  std::string scheme(text.substr(0, sep));
  std::string rest(text.substr(sep + 3));
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) return "";
  for (auto* part : {&scheme, &rest})
    for (auto& ch : *part) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (scheme != "http" && scheme != "https") return "";
  // Browsers leave the scheme's default port out of Origin.
  std::string default_port = scheme == "http" ? ":80" : ":443";
  if (rest.size() > default_port.size() && rest.compare(rest.size() - default_port.size(), default_port.size(), default_port) == 0)
    rest.erase(rest.size() - default_port.size());
  return scheme + "://" + rest;
}

std::string server_version() { return std::string("passerelle-server ") + PASSERELLE_VERSION; }

std::string default_public_url(const ServeConfig& config, std::uint16_t port) {
  std::string host = config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]" : config.listen_host;
  return std::string(config.tls() ? "https://" : "http://") + host + ":" + std::to_string(port);
}

Result<ParsedArgs> parse_args(const std::vector<std::string>& args) {
  ParsedArgs out;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.empty()) return Error{ErrorCode::bad_request, std::string("no command given\n\n") + kTopUsage};
    out.command = ParsedArgs::Command::help;
    out.help_text = kTopUsage;
    return out;
  }
  if (args[0] == "--version" || args[0] == "version") {
    out.command = ParsedArgs::Command::version;
    return out;
  }
  if (args[0] == "serve") {
    ServeConfig& c = out.serve;
    c.web_root = PASSERELLE_WEB_ROOT;
    c.wasm_dir = PASSERELLE_WASM_DIR;
    c.templates_dir = PASSERELLE_TEMPLATES_DIR;
    std::vector<Flag> flags = {
        {"listen", "HOST:PORT", "address to listen on; port 0 picks a free port", "127.0.0.1:8080", listen_setter(&c)},
        {"db", "URL", "database, sqlite:PATH (parent directory is created) or postgresql://USER:PASSWORD@HOST:PORT/DB[?sslmode=require]", c.db, string_setter(&c.db)},
        {"db-pool", "N", "read connections to the database (PostgreSQL: add the writer and the listener per instance)", "threads + 2, 2..8", int_setter(&c.db_pool, 1, 256)},
        {"mail-dir", "DIR", "where outgoing e-mails are written as <uuid>.eml", c.mail_dir, string_setter(&c.mail_dir)},
        {"mail-command", "CMD", "pipe each e-mail to this shell command instead, e.g. '/usr/sbin/sendmail -t'", "", string_setter(&c.mail_command)},
        {"tls-cert", "FILE", "PEM certificate chain; with --tls-key serves https/wss only", "", string_setter(&c.tls_cert)},
        {"tls-key", "FILE", "PEM private key", "", string_setter(&c.tls_key)},
        {"web-root", "DIR", "static files served at /", c.web_root, string_setter(&c.web_root)},
        {"wasm-dir", "DIR", "the WebAssembly core (passerelle.mjs, worker.mjs, ...) served at /app/", c.wasm_dir, string_setter(&c.wasm_dir)},
        {"threads", "N", "I/O threads", "hardware concurrency", int_setter(&c.threads, 1, 256)},
        {"token-ttl-days", "DAYS", "session token lifetime", "30", days_setter(&c.token_ttl_days)},
        {"invite-ttl-days", "DAYS", "invitation lifetime", "14", days_setter(&c.invite_ttl_days)},
        {"invite-rate", "N", "a cohort's invitation e-mails sent per second (the queue's pace, at least 0.01)", "2",
         [out = &c.invite_rate](const std::string& v) -> std::string {
           try {
             std::size_t used = 0;
             double d = std::stod(v, &used);
             if (used != v.size() || !(d >= 0.01) || d > 1000) return "must be a number of e-mails per second in [0.01, 1000]";
             *out = d;
             return "";
           } catch (...) {
             return "must be a number of e-mails per second in [0.01, 1000]";
           }
         }},
        {"reset-ttl-minutes", "MIN", "lifetime of a password-reset link and code", "60", int_setter(&c.reset_ttl_minutes, 1, 7 * 24 * 60)},
        {"reset-requests-per-email", "N", "password resets that may be asked per hour for one e-mail address", "3", int_setter(&c.reset_requests_per_email, 1, 1000)},
        {"reset-requests-per-address", "N", "password resets that may be asked per hour from one remote address", "20", int_setter(&c.reset_requests_per_address, 1, 100000)},
        {"max-frame", "BYTES", "largest accepted WebSocket message", "65536", int_setter(&c.max_frame, 1024, 16 * 1024 * 1024)},
        {"handshake-timeout-ms", "MS", "time allowed for the TLS/HTTP/WebSocket handshake", "10000", int_setter(&c.handshake_timeout_ms, 100, 600000)},
        {"idle-timeout-ms", "MS", "close a connection silent this long (server pings at half)", "60000", int_setter(&c.idle_timeout_ms, 200, 3600000)},
        {"max-requests-in-flight", "N", "requests one connection may have unanswered; more are answered rate_limited (0: no limit)", "64", int_setter(&c.max_requests_in_flight, 0, 1000000)},
        {"user-message-rate", "PER_SEC", "frames per second one signed-in user may send, on average (0: no limit)", "50", rate_setter(&c.user_message_rate)},
        {"user-message-burst", "N", "frames one user may send at once above that rate", "200", int_setter(&c.user_message_burst, 1, 1000000)},
        {"address-message-rate", "PER_SEC", "frames per second one remote address may send, on average (0: no limit)", "500", rate_setter(&c.address_message_rate)},
        {"address-message-burst", "N", "frames one address may send at once above that rate", "2000", int_setter(&c.address_message_burst, 1, 1000000)},
        {"max-connections-per-user", "N", "signed-in connections per user on this instance; one more is refused at sign-in (0: no limit)", "16", int_setter(&c.max_connections_per_user, 0, 1000000)},
        {"max-connections-per-address", "N", "WebSocket connections per remote address; one more gets HTTP 429 (0: no limit)", "256", int_setter(&c.max_connections_per_address, 0, 10000000)},
        {"allowed-origins", "LIST", "browser origins allowed to open a WebSocket (comma-separated, * for any); clients that send no Origin always may", "the --public-url origin and the listening address", origins_setter(&c.allowed_origins)},
        {"trusted-proxies", "LIST", "reverse proxies (addresses or CIDR networks, comma-separated) whose X-Forwarded-For names the client, for the per-address limits, login throttling, the logs and the audit log", "none", proxies_setter(&c.trusted_proxies)},
        {"scrypt-log2n", "N", "scrypt cost log2(N) for new password hashes (10..20)", "17", int_setter(&c.scrypt_log2n, 10, 20)},
        {"ready-file", "PATH", "after listening, atomically write \"HOST:PORT\\n\" here", "", string_setter(&c.ready_file)},
        {"public-url", "URL", "base URL of the links in e-mails (invitations, password resets, digests, reminders)", "http(s)://<listen host>:<port bound>", string_setter(&c.public_url)},
        {"tombstone-days", "DAYS", "purge deleted-row tombstones older than this (at start, then hourly); devices with older cursors resync", "30", int_setter(&c.tombstone_days, 1, 36500)},
        {"templates-dir", "DIR", "action-plan templates (*.json) published at start when changed", c.templates_dir, string_setter(&c.templates_dir)},
        {"meeting-notice-hours", "H", "a mentor meeting is booked or moved at least this long before it starts", "24", int_setter(&c.meeting_notice_hours, 0, 720)},
        {"video-base-url", "URL", "video link of a meeting whose mentor has none: this URL + the meeting id", c.video_base_url, string_setter(&c.video_base_url)},
        {"files-dir", "DIR", "where uploaded files are kept", "files/ beside the SQLite file", string_setter(&c.files_dir)},
        {"max-upload-bytes", "BYTES", "largest accepted file upload (PUT /v1/blobs/)", "10485760", int_setter(&c.max_upload_bytes, 1024, 1024LL * 1024 * 1024)},
        {"digest-delay-seconds", "SEC", "e-mail a digest of messages unread this long to people offline this long", "1800 (30 minutes)", int_setter(&c.digest_delay_seconds, 1, 30 * 86400)},
        {"digest-interval-seconds", "SEC", "at most one digest e-mail per person in this period", "43200 (12 hours)", int_setter(&c.digest_interval_seconds, 1, 30 * 86400)},
        {"digest-scan-seconds", "SEC", "how often to look for digests to send", "60", int_setter(&c.digest_scan_seconds, 1, 3600)},
        {"reminder-scan-seconds", "SEC", "how often to look for meeting reminders (24 h and 1 h before) to send", "60", int_setter(&c.reminder_scan_seconds, 1, 3600)},
        {"retention-message-days", "DAYS", "delete messages (text and attachments) this long after they were sent; 0 keeps them", "730", int_setter(&c.retention_message_days, 0, 36500)},
        {"retention-file-days", "DAYS", "delete uploaded files that no live row refers to this long after upload; 0 keeps them", "30", int_setter(&c.retention_file_days, 0, 36500)},
        {"retention-audit-days", "DAYS", "delete audit log entries older than this; 0 keeps them", "1095", int_setter(&c.retention_audit_days, 0, 36500)},
        {"retention-deleted-account-days", "DAYS", "forget the anonymized sign-in record of a deleted account after this; 0 keeps it", "30", int_setter(&c.retention_deleted_account_days, 0, 36500)},
        {"retention-session-days", "DAYS", "delete revoked or expired sessions older than this; 0 keeps them", "30", int_setter(&c.retention_session_days, 0, 36500)},
        {"retention-scan-seconds", "SEC", "how often the retention job runs", "3600", int_setter(&c.retention_scan_seconds, 1, 86400)},
        {"unsafe-ack-before-commit", "", "TEST HARNESS ONLY (docs/faults.md): answer pushes before their commit, losing acknowledged writes on a crash", "", [&c](const std::string&) { c.unsafe_ack_before_commit = true; return std::string(); }},
        {"demo", "", "seed a demo program (idempotent) and print its accounts", "", [&c](const std::string&) { c.demo = true; return std::string(); }},
    };
    bool help = false;
    if (auto st = parse_flags(args, 1, flags, &help); !st) return st.error();
    if (help) {
      out.command = ParsedArgs::Command::help;
      out.help_text = render_help("Usage: passerelle-server serve [options]", flags);
      return out;
    }
    if (c.tls_cert.empty() != c.tls_key.empty())
      return Error{ErrorCode::bad_request, "--tls-cert and --tls-key must be given together"};
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    if (c.public_url.empty()) {
      c.public_url = default_public_url(c, c.listen_port);
      c.public_url_is_default = true;
    }
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    if (c.files_dir.empty()) {
      std::filesystem::path db_file = c.db.rfind("sqlite:", 0) == 0 ? std::filesystem::path(c.db.substr(7)) : "./data/x";
      c.files_dir = ((db_file.parent_path().empty() ? std::filesystem::path(".") : db_file.parent_path()) / "files").string();
    }
    out.command = ParsedArgs::Command::serve;
    return out;
  }
  if (args[0] == "admin") {
    if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
      if (args.size() < 2) return Error{ErrorCode::bad_request, std::string("admin: no subcommand given\n\n") + kAdminUsage};
      out.command = ParsedArgs::Command::help;
      out.help_text = kAdminUsage;
      return out;
    }
    if (args[1] == "migrate-db") {
      AdminMigrateDbConfig& a = out.migrate_db;
      std::vector<Flag> flags = {
          {"from", "URL", "the database to copy (sqlite:PATH or postgresql://...); only brought to this binary's schema", "", string_setter(&a.from)},
          {"to", "URL", "the new database: created or migrated, and empty of users and changes", "", string_setter(&a.to)},
      };
      bool help = false;
      if (auto st = parse_flags(args, 2, flags, &help); !st) return st.error();
      if (help) {
        out.command = ParsedArgs::Command::help;
        out.help_text = render_help("Usage: passerelle-server admin migrate-db --from URL --to URL", flags);
        return out;
      }
      if (a.from.empty() || a.to.empty()) return Error{ErrorCode::bad_request, "admin migrate-db: --from and --to are required"};
      out.command = ParsedArgs::Command::admin_migrate_db;
      return out;
    }
    if (args[1] == "compact") {
      AdminCompactConfig& a = out.compact;
      std::vector<Flag> flags = {
          {"db", "URL", "database, sqlite:PATH or postgresql://...", a.db, string_setter(&a.db)},
          {"older-than-days", "N", "purge tombstones older than N days; 0 purges all of them and makes every device resync", "30",
           int_setter(&a.older_than_days, 0, 36500)},
      };
      bool help = false;
      if (auto st = parse_flags(args, 2, flags, &help); !st) return st.error();
      if (help) {
        out.command = ParsedArgs::Command::help;
        out.help_text = render_help("Usage: passerelle-server admin compact [--db URL] [--older-than-days N]", flags);
        return out;
      }
      out.command = ParsedArgs::Command::admin_compact;
      return out;
    }
    if (args[1] == "import-template") {
      AdminImportTemplateConfig& a = out.import_template;
      std::vector<Flag> flags = {{"db", "URL", "database, sqlite:PATH or postgresql://...", a.db, string_setter(&a.db)}};
      // One positional argument, the file; everything else goes to the flag parser.
      std::vector<std::string> rest(args.begin(), args.begin() + 2);
      for (std::size_t i = 2; i < args.size(); ++i) {
        if (args[i] == "--db" && i + 1 < args.size()) {
          rest.push_back(args[i]);
          rest.push_back(args[++i]);
        } else if (args[i].rfind("-", 0) == 0) {
          rest.push_back(args[i]);
        } else if (a.file.empty()) {
          a.file = args[i];
        } else {
          return Error{ErrorCode::bad_request, "admin import-template: give one FILE"};
        }
      }
      bool help = false;
      if (auto st = parse_flags(rest, 2, flags, &help); !st) return st.error();
      if (help) {
        out.command = ParsedArgs::Command::help;
        out.help_text = render_help("Usage: passerelle-server admin import-template [--db URL] FILE", flags);
        return out;
      }
      if (a.file.empty()) return Error{ErrorCode::bad_request, "admin import-template: FILE is missing"};
      out.command = ParsedArgs::Command::admin_import_template;
      return out;
    }
    if (args[1] != "create")
      return Error{ErrorCode::bad_request, "admin: unknown subcommand '" + args[1] + "'\n\n" + kAdminUsage};
    AdminCreateConfig& a = out.admin;
    std::vector<Flag> flags = {
        {"db", "URL", "database, sqlite:PATH or postgresql://...", a.db, string_setter(&a.db)},
        {"email", "EMAIL", "the account's e-mail (required)", "", string_setter(&a.email)},
        {"name", "NAME", "the person's name (required)", "", string_setter(&a.name)},
        {"role", "ROLE", "admin, coach, mentor or candidate (required)", "", [&a](const std::string& v) -> std::string {
           if (!protocol::parse_role(v)) return "must be one of admin, coach, mentor, candidate";
           a.role = v;
           return "";
         }},
        {"locale", "fr|en", "language of the account", "fr", [&a](const std::string& v) -> std::string {
           if (!protocol::parse_locale(v)) return "must be fr or en";
           a.locale = v;
           return "";
         }},
        {"scrypt-log2n", "N", "scrypt cost log2(N) (10..20)", "17", int_setter(&a.scrypt_log2n, 10, 20)},
    };
    bool help = false;
    if (auto st = parse_flags(args, 2, flags, &help); !st) return st.error();
    if (help) {
      out.command = ParsedArgs::Command::help;
      out.help_text = render_help(
          "Usage: passerelle-server admin create --email E --name N --role ROLE [options] < password", flags);
      return out;
    }
    for (auto [v, n] : {std::pair{&a.email, "email"}, {&a.name, "name"}, {&a.role, "role"}})
      if (v->empty()) return Error{ErrorCode::bad_request, std::string("option '--") + n + "' is required"};
    out.command = ParsedArgs::Command::admin_create;
    return out;
  }
  return Error{ErrorCode::bad_request, "unknown command '" + args[0] + "'\n\n" + kTopUsage};
}

}  // namespace passerelle::server
