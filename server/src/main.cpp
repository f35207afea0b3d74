// passerelle-server: `serve` (HTTP + WebSocket), `admin create`, `admin compact`. Exit codes: 0 ok, 1 runtime
// failure (database, listen, TLS files...), 2 usage error.
#include <boost/json/serialize.hpp>
#include <soci/soci.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "audit/audit.h"
#include "auth/accounts.h"
#include "cluster/pg_bus.h"
#include "demo.h"
#include "files/file_store.h"
#include "mail/digest_job.h"
#include "invites/invitation_sender.h"
#include "calendar/reminder_job.h"
#include "periodic_task.h"
#include "privacy/retention.h"
#include "net/http_routes.h"
#include "handlers/health_routes.h"
#include "handlers/register_all.h"
#include "calendar/calendar.h"
#include "log.h"
#include "net/server.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"
#include "services.h"
#include "plans/template_store.h"
#include "storage/compaction.h"
#include "storage/migrate_db.h"
#include "sync/change_log.h"
#include "storage/profiles.h"
#include "storage/db_error.h"

namespace ps = passerelle::server;
using passerelle::ErrorCode;

namespace {

int fail(int code, const std::string& message) {
  std::cerr << "passerelle-server: " << message << "\n";
  return code;
}

// Writes "HOST:PORT\n" atomically (temp file + rename) so a reader never sees half of it.
bool write_ready_file(const std::string& path, const std::string& address) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << address << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// Compacts the change log through the writer now and then every hour until stopped.
// Purges old tombstones at start, then hourly, through the writer (so beside live pushes).
void compact_change_log(ps::storage::Database& db, int days) {
  auto horizon = std::make_shared<std::int64_t>(0);
  db.writer().submit(
      [days, horizon](soci::session& sql) -> passerelle::Status {
        *horizon = ps::storage::compact(sql, days, passerelle::now_utc());
        return passerelle::Status::Ok();
      },
      [days, horizon](passerelle::Status st) {
        if (st) ps::log::info("change_log_compacted", {{"older_than_days", days}, {"horizon", *horizon}});
        else ps::log::error("change_log_compaction_failed", {{"message", st.error().message}});
      });
}

// The shipped templates are published at every start; an unchanged one costs nothing.
void publish_templates(ps::storage::Database& db, const std::string& dir) {
  if (dir.empty() || !std::filesystem::is_directory(dir)) {
    ps::log::warn("templates_missing", {{"dir", dir}});
    return;
  }
  std::vector<ps::plans::ImportOutcome> outcomes;
  auto st = db.writer().run([&](soci::session& sql) -> passerelle::Status {
    auto r = ps::plans::import_template_dir(sql, dir, passerelle::now_utc());
    if (!r) return r.error();
    outcomes = std::move(*r);
    return passerelle::Status::Ok();
  });
  if (!st) {
    ps::log::error("templates_failed", {{"dir", dir}, {"message", st.error().message}});
    return;
  }
  for (const auto& o : outcomes)
    ps::log::info("template_loaded", {{"key", o.key}, {"version", o.version}, {"new_edition", o.changed}});
}

// `config` is this function's own copy: the default public URL is settled in it once the port
// is bound.
int serve(ps::ServeConfig config) {
  ps::storage::Database::Options db_options;
  db_options.read_connections = config.db_pool ? config.db_pool : std::max(2u, std::min(8u, config.threads + 2));
  auto db = ps::storage::Database::open(config.db, db_options);
  if (!db) {
    ps::log::error("database_open_failed", {{"message", db.error().message}});
    return fail(1, db.error().message);
  }
  ps::log::info("database_open", {{"db", (*db)->url().redacted()}, {"pool", db_options.read_connections}});
  ps::auth::ScryptParams scrypt{config.scrypt_log2n, 8, 1};
  if (config.demo) {
    auto seeded = ps::seed_demo(**db, scrypt);
    if (!seeded) return fail(1, "demo seeding failed: " + seeded.error().message);
    ps::log::info("demo_seeded", {{"created", *seeded}});
  }

  publish_templates(**db, config.templates_dir);
  ps::PeriodicTask compaction("compaction", std::chrono::hours(1),
                              [&db = **db, days = config.tombstone_days] { compact_change_log(db, days); });
  compaction.start();

  ps::Metrics metrics;
  ps::net::Hub hub;
  // Several instances on one PostgreSQL: events (pokes) reach the users' sessions on every
  // instance through LISTEN/NOTIFY (cluster/pg_bus.h).
  std::unique_ptr<ps::cluster::PgBus> bus;
  if ((*db)->url().is_postgresql()) {
    bus = std::make_unique<ps::cluster::PgBus>(
        (*db)->url().conninfo,
        [&hub](const std::vector<std::string>& users, const std::string& text) { hub.deliver_local(users, text); },
        [&hub, &db] {  // notifications of the gap were lost: poke everyone here once
          try {
            auto seq = (*db)->read([](soci::session& sql) { return ps::sync::current_seq(sql); });
            hub.deliver_local(hub.signed_in_users(), passerelle::protocol::serialize_event("poke", {{"seq", seq}}));
          } catch (const std::exception& e) {
            ps::log::error("cluster_catch_up_failed", ps::storage::failure_fields(e));
          }
        });
    bus->start();
    hub.set_relay([&bus](const std::vector<std::string>& users, const std::string& text) { bus->publish(users, text); });
    // A poke relayed by another instance names the commit's seqs: its rows are read here once
    // and carried to this instance's sessions (docs/sync.md, "Live").
    hub.set_poke_loader([&db](std::int64_t first, std::int64_t last, const std::map<std::string, std::int64_t>& prevs) {
      return (*db)->read([&](soci::session& sql) { return ps::sync::load_live_poke(sql, first, last, prevs); });
    });
  }
  ps::net::Dispatcher dispatcher(metrics);
  ps::WorkerPool workers(std::max(2u, std::min(4u, config.threads)));
  ps::mail::Mailer mailer(config.mail_dir, config.mail_command);
  ps::auth::LoginThrottle throttle;
  ps::sync::PushChains push_chains;
  auto decoy = ps::auth::hash_password(passerelle::new_token(), scrypt);
  if (!decoy) return fail(1, decoy.error().message);

  auto file_store = ps::files::FileStore::open(config.files_dir);
  if (!file_store) return fail(1, file_store.error().message);
  ps::net::HttpRoutes routes;
  ps::net::Server server(config, dispatcher, hub, metrics, routes);
  // Bound before anything below copies config.public_url (the invitation sender, the digest and
  // reminder jobs): with --listen ...:0 the default public URL's port is only known now, and
  // the links in e-mails must carry it. Nothing is accepted until server.start().
  if (auto st = server.bind(); !st) {
    ps::log::error("listen_failed", {{"message", st.error().message}});
    return fail(1, st.error().message);
  }
  if (config.public_url_is_default) config.public_url = ps::default_public_url(config, server.port());
  ps::Services services{config, **db, workers, mailer, hub, metrics, throttle, push_chains,
                        [&server](auto delay, auto fn) { server.schedule(delay, std::move(fn)); }, *decoy};
  // A cohort's invitation e-mails, paced from their queue in the database (docs/operations.md).
  ps::invites::InvitationSender invitation_sender(**db, mailer,
                                                  {config.invite_rate, config.invite_ttl_days, config.public_url});
  services.invitations_queued = [&invitation_sender] { invitation_sender.wake(); };
  ps::handlers::register_all(dispatcher, routes, services, *file_store);
  ps::handlers::add_health_routes(routes, **db, metrics, bus.get());
  dispatcher.set_retry_hint([&db = **db] { return db.retry_after(); });
  // Background e-mail jobs: unread-message digests and meeting reminders.
  ps::mail::DigestJob digest_job(**db, hub, mailer, config.public_url,
                                 {std::chrono::seconds(config.digest_delay_seconds),
                                  std::chrono::seconds(config.digest_interval_seconds)},
                                 passerelle::now_utc());
  ps::PeriodicTask digests("digest", std::chrono::seconds(config.digest_scan_seconds),
                           [&digest_job] { digest_job.run_once(passerelle::now_utc()); });
  ps::calendar::ReminderJob reminder_job(**db, mailer, config.public_url);
  ps::PeriodicTask reminders("meeting_reminder", std::chrono::seconds(config.reminder_scan_seconds),
                             [&reminder_job] { reminder_job.run_once(passerelle::now_utc()); });
  // Retention periods per kind of data (docs/security.md).
  ps::privacy::RetentionJob retention_job(**db, *file_store, ps::privacy::policy_from(config));
  ps::PeriodicTask retention("retention", std::chrono::seconds(config.retention_scan_seconds),
                             [&retention_job] { retention_job.run_once(passerelle::now_utc()); });

  if (auto st = server.start(); !st) {
    ps::log::error("listen_failed", {{"message", st.error().message}});
    return fail(1, st.error().message);
  }
  std::string address = server.address();
  ps::log::info("listening", {{"address", address}, {"tls", config.tls()}, {"threads", config.threads}});
  if (config.demo) {
    std::string url = std::string(config.tls() ? "https://" : "http://") + address;
    std::cout << ps::demo_banner(url) << std::flush;
  }
  digests.start();
  reminders.start();
  invitation_sender.start();
  retention.start();
  // The ready file is written last: whoever waits on it may rely on everything above,
  // the demo banner included, having happened.
  if (!config.ready_file.empty() && !write_ready_file(config.ready_file, address))
    return fail(1, "cannot write --ready-file " + config.ready_file);
  server.wait_for_signal();
  // Graceful shutdown: no new connections; close frames (1001) to everyone; let in-flight
  // work finish (workers, then the writer commits what it holds); then stop the I/O threads.
  ps::log::info("shutdown_started", {{"connections", static_cast<std::int64_t>(hub.size())}});
  server.stop_accepting();
  hub.shut_down_all();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::min(config.handshake_timeout_ms, 5000));
  while (hub.size() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  invitation_sender.stop();
  digests.stop();
  reminders.stop();
  retention.stop();
  workers.join();
  if (bus) {
    hub.set_relay({});
    bus->stop();
  }
  compaction.stop();
  (*db)->writer().stop();
  // The last pushes' answers and pokes go out on the hub's delivery thread (Hub::after_commit):
  // they are sent before the server stops, as when the writer sent them itself.
  {
    std::promise<void> delivered;
    hub.after_commit([&delivered] { delivered.set_value(); });
    delivered.get_future().wait();
  }
  server.stop();
  ps::log::info("shutdown_complete", {});
  return 0;
}

int admin_create(const ps::AdminCreateConfig& a) {
  auto email = passerelle::protocol::normalize_email(a.email);
  if (!email) return fail(2, "--email: " + email.error().message);
  std::string password;
  if (!std::getline(std::cin, password)) return fail(2, "expected the password on stdin (one line)");
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() < ps::auth::kMinPasswordLength)
    return fail(2, "the password must be at least 10 characters");
  std::string name = a.name;
  if (name.size() > 200) return fail(2, "--name is longer than 200 bytes");

  ps::storage::Database::Options opts;
  opts.read_connections = 1;
  auto db = ps::storage::Database::open(a.db, opts);
  if (!db) return fail(1, db.error().message);
  auto hash = ps::auth::hash_password(password, {a.scrypt_log2n, 8, 1});
  if (!hash) return fail(1, hash.error().message);
  ps::auth::UserRecord u;
  u.info.id = passerelle::new_id();
  u.info.email = *email;
  u.info.name = name;
  u.info.role = *passerelle::protocol::parse_role(a.role);
  u.info.locale = *passerelle::protocol::parse_locale(a.locale);
  u.password_hash = *hash;
  auto st = (*db)->writer().run([&u](soci::session& sql) -> passerelle::Status {
        if (ps::auth::email_taken(sql, u.info.email))
          return passerelle::Status(ErrorCode::conflict, "an account already uses " + u.info.email);
        auto now = passerelle::now_utc();
        u.created_at = passerelle::format_rfc3339(now);
        ps::auth::insert_user(sql, u);
        ps::storage::write_new_profile(sql, u.info, now);
        // An account made on the command line is audited like one made online.
        ps::audit::Entry entry;
        entry.actor_id = "command-line";
        entry.actor_role = "admin";
        entry.action = "account.create";
        entry.target_id = u.info.id;
        entry.remote_address = "local";
        entry.details = {{"role", std::string(passerelle::protocol::to_string(u.info.role))}};
        ps::audit::record(sql, std::move(entry));
        return passerelle::Status::Ok();
      });
  if (!st) return fail(1, st.error().message);
  std::cout << "created " << a.role << " " << u.info.email << " (" << u.info.id << ")\n";
  return 0;
}

int admin_compact(const ps::AdminCompactConfig& a) {
  ps::storage::Database::Options opts;
  opts.read_connections = 1;
  auto db = ps::storage::Database::open(a.db, opts);
  if (!db) return fail(1, db.error().message);
  // Through the writer: BEGIN IMMEDIATE waits for a running server's batch instead of failing.
  std::int64_t horizon = 0;
  auto st = (*db)->writer().run([&a, &horizon](soci::session& sql) -> passerelle::Status {
    horizon = ps::storage::compact(sql, a.older_than_days, passerelle::now_utc());
    return passerelle::Status::Ok();
  });
  if (!st) return fail(1, st.error().message);
  std::cout << "compacted the change log (tombstones older than " << a.older_than_days
            << " days); horizon is now " << horizon << "\n";
  return 0;
}

int admin_migrate_db(const ps::AdminMigrateDbConfig& a) {
  auto st = ps::storage::migrate_database(a.from, a.to, std::cout);
  if (!st) return fail(st.error().code == ErrorCode::bad_request ? 2 : 1, st.error().message);
  std::cout << "copied every table; devices keep their sync cursors (same change log epoch and seq)\n";
  return 0;
}

int admin_import_template(const ps::AdminImportTemplateConfig& a) {
  auto tpl = ps::plans::read_template_file(a.file);
  if (!tpl) return fail(a.file.empty() ? 2 : 1, tpl.error().message);
  ps::storage::Database::Options opts;
  opts.read_connections = 1;
  auto db = ps::storage::Database::open(a.db, opts);
  if (!db) return fail(1, db.error().message);
  ps::plans::ImportOutcome outcome;
  auto st = (*db)->writer().run([&](soci::session& sql) -> passerelle::Status {
    outcome = ps::plans::import_template(sql, *tpl, passerelle::now_utc());
    return passerelle::Status::Ok();
  });
  (*db)->writer().stop();
  if (!st) return fail(1, st.error().message);
  if (outcome.changed)
    std::cout << "published template " << outcome.key << " version " << outcome.version << "\n";
  else
    std::cout << "template " << outcome.key << " version " << outcome.version << " is already current\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    auto parsed = ps::parse_args(args);
    if (!parsed) return fail(2, parsed.error().message + "\n(try --help)");
    switch (parsed->command) {
      case ps::ParsedArgs::Command::help:
        std::cout << parsed->help_text;
        return 0;
      case ps::ParsedArgs::Command::version:
        std::cout << ps::server_version() << "\n";
        return 0;
      case ps::ParsedArgs::Command::serve:
        return serve(parsed->serve);
      case ps::ParsedArgs::Command::admin_create:
        return admin_create(parsed->admin);
      case ps::ParsedArgs::Command::admin_compact:
        return admin_compact(parsed->compact);
      case ps::ParsedArgs::Command::admin_import_template:
        return admin_import_template(parsed->import_template);
      case ps::ParsedArgs::Command::admin_migrate_db:
        return admin_migrate_db(parsed->migrate_db);
    }
  } catch (const std::exception& e) {
    ps::log::error("fatal", ps::storage::failure_fields(e));
    return fail(1, std::string("fatal error: ") + ps::storage::describe(e));
  }
  return 1;
}
