// Command-line configuration of `passerelle-server`. Parsing never exits the process: it
// returns a usage error (exit code 2 in main) or a request for help.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/trusted_proxies.h"
#include "passerelle/shared/error.h"

namespace passerelle::server {

struct ServeConfig {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string db = "sqlite:./data/passerelle.db";
  unsigned db_pool = 0;  // read connections; 0: threads + 2, between 2 and 8
  std::string mail_dir = "./data/outbox";
  std::string mail_command;  // empty: write files into mail_dir
  std::string tls_cert, tls_key;
  std::string web_root;  // default: PASSERELLE_WEB_ROOT
  // The WebAssembly core's five files, served under /app/ beside web/app/ (default:
  // PASSERELLE_WASM_DIR, the build's build-wasm/bindings/web).
  std::string wasm_dir;
  unsigned threads = 0;  // default: hardware concurrency
  double token_ttl_days = 30;
  double invite_ttl_days = 14;
  double invite_rate = 2;  // a cohort's invitation e-mails per second (the queue's pace)
  // Password resets by e-mail (docs/security.md): link and code lifetime, and how many may be
  // asked per hour for one e-mail address and from one remote address.
  int reset_ttl_minutes = 60;
  unsigned reset_requests_per_email = 3;
  unsigned reset_requests_per_address = 20;
  std::size_t max_frame = 65536;
  int handshake_timeout_ms = 10000;
  int idle_timeout_ms = 60000;
  // Abuse limits (docs/limits.md). 0 turns a count or rate limit off.
  unsigned max_requests_in_flight = 64;         // per connection; beyond: rate_limited
  double user_message_rate = 50;                // frames per second per signed-in user (token bucket)
  unsigned user_message_burst = 200;
  double address_message_rate = 500;            // frames per second per remote address
  unsigned address_message_burst = 2000;
  unsigned max_connections_per_user = 16;       // signed-in connections; beyond: sign-in is rate_limited
  unsigned max_connections_per_address = 256;   // WebSocket connections; beyond: HTTP 429 at the upgrade
  std::vector<std::string> allowed_origins;     // browser Origins allowed at the upgrade; default: public_url's
  net::TrustedProxies trusted_proxies;          // whose X-Forwarded-For names the client; default: nobody's
  int scrypt_log2n = 17;
  std::string ready_file;
  std::string public_url;  // default: http(s)://<listen host>:<port bound> (see default_public_url)
  // True when public_url is the default: `serve` re-derives it once the port is bound, since
  // with --listen ...:0 the port is only known then (links in e-mails must carry the real one).
  bool public_url_is_default = false;
  bool demo = false;
  int tombstone_days = 30;  // tombstones older than this are purged (at start, then hourly)
  std::string templates_dir;  // default: PASSERELLE_TEMPLATES_DIR; plan templates loaded at start
  int meeting_notice_hours = 24;  // mentor meetings are booked at least this far ahead (docs/mentoring.md)
  std::string video_base_url = "https://meet.jit.si/passerelle-";  // + meeting id when the mentor has no link
  std::string files_dir;      // uploaded files; default: "files" beside the SQLite file
  std::size_t max_upload_bytes = 10 * 1024 * 1024;
  int digest_delay_seconds = 1800;      // unread this long, and the person offline this long
  int digest_interval_seconds = 43200;  // at most one digest e-mail per person per interval
  int digest_scan_seconds = 60;         // how often the server looks for digests to send
  int reminder_scan_seconds = 60;       // how often it looks for meeting reminders to send
  // FOR THE FAULT HARNESS ONLY (tests/faults, docs/faults.md): answer a push before its commit,
  // so a kill -9 loses acknowledged ops. The control run proves the harness can see such loss.
  bool unsafe_ack_before_commit = false;
  // Retention (docs/security.md): how long each kind of data is kept; 0 keeps it forever.
  int retention_message_days = 730;          // messages (body and attachments) after they were sent
  int retention_file_days = 30;              // uploaded files no live row refers to, after upload
  int retention_audit_days = 1095;           // audit log entries
  int retention_deleted_account_days = 30;   // the anonymized sign-in record of a deleted account
  int retention_session_days = 30;           // revoked or expired sessions
  int retention_scan_seconds = 3600;         // how often the retention job runs

  bool tls() const { return !tls_cert.empty(); }
};

struct AdminCreateConfig {
  std::string db = "sqlite:./data/passerelle.db";
  std::string email, name, role, locale = "fr";
  int scrypt_log2n = 17;
};

struct AdminCompactConfig {
  std::string db = "sqlite:./data/passerelle.db";
  int older_than_days = 30;  // 0: purge every tombstone and make every older cursor resync
};

struct AdminImportTemplateConfig {
  std::string db = "sqlite:./data/passerelle.db";
  std::string file;
};

struct AdminMigrateDbConfig {
  std::string from, to;  // database URLs: copy every row of `from` into the empty `to`
};

// What the command line asked for.
struct ParsedArgs {
  enum class Command { help, version, serve, admin_create, admin_compact, admin_import_template, admin_migrate_db } command = Command::help;
  std::string help_text;  // for Command::help
  ServeConfig serve;
  AdminCreateConfig admin;
  AdminCompactConfig compact;
  AdminImportTemplateConfig import_template;
  AdminMigrateDbConfig migrate_db;
};

// argv without the program name. A bad_request error is a usage error.
Result<ParsedArgs> parse_args(const std::vector<std::string>& args);

// The public URL when --public-url is not given: "http(s)://<listen host>:<port>" (an IPv6 host
// in brackets). `port` is the one bound, which differs from config.listen_port when that is 0.
std::string default_public_url(const ServeConfig& config, std::uint16_t port);

// "scheme://host[:port]" lower-cased, without the scheme's default port, from an origin or a
// URL without a path ("https://App.example.org:443" -> "https://app.example.org"); "" when it
// is not an http(s) origin.
std::string normalize_origin(std::string_view text);

std::string server_version();  // "passerelle-server 0.1.0"

}  // namespace passerelle::server
