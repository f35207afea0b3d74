// What feature handlers may use. Built once in `serve` and passed to each module's
// register_*_handlers(Dispatcher&, Services&). Everything here is thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "auth/password.h"
#include "auth/throttle.h"
#include "config.h"
#include "mail/mailer.h"
#include "metrics.h"
#include "net/dispatcher.h"
#include "net/hub.h"
#include "storage/database.h"
#include "sync/push_chains.h"
#include "worker_pool.h"

namespace passerelle::server {

struct Services {
  const ServeConfig& config;
  storage::Database& db;      // db.read(...) on a worker; db.writer().submit(...) from anywhere
  WorkerPool& workers;        // scrypt, reads, mail: never block an I/O thread
  mail::Mailer& mailer;
  net::Hub& hub;
  Metrics& metrics;
  auth::LoginThrottle& throttle;
  sync::PushChains& push_chains;  // the push window's order per session token (sync/push_chains.h)
  // Runs `fn` after `delay` on an I/O thread (timers; e.g. the failed-login delay).
  std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)> schedule;
  // A hash of a random password made at startup: verified against when an e-mail is unknown
  // so that the answer takes as long as for a real account.
  std::string decoy_hash;
  // A cohort's invitations were queued: the sender (invites/invitation_sender.h) starts now.
  std::function<void()> invitations_queued = [] {};

  auth::ScryptParams scrypt() const { return auth::ScryptParams{config.scrypt_log2n, 8, 1}; }
};

namespace handlers {
// Each feature module registers its request types (one call each in serve).
void register_auth_handlers(net::Dispatcher& dispatcher, Services& services);
void register_invite_handlers(net::Dispatcher& dispatcher, Services& services);
void register_sync_handlers(net::Dispatcher& dispatcher, Services& services);
// dashboard.caseload, dashboard.open, dashboard.indicators, audit.list (docs/dashboard.md).
void register_dashboard_handlers(net::Dispatcher& dispatcher, Services& services);
// account.update: disable an account or change its role, ending its sessions (docs/limits.md).
void register_account_admin_handlers(net::Dispatcher& dispatcher, Services& services);
// auth.password.change, auth.reset.request, auth.reset.confirm (docs/security.md).
void register_password_handlers(net::Dispatcher& dispatcher, Services& services);
// sessions.list, sessions.end, account.end_sessions.
void register_session_handlers(net::Dispatcher& dispatcher, Services& services);
// employers.preselect, activities.calendar: the dashboard's employer and activity tools.
void register_staff_tool_handlers(net::Dispatcher& dispatcher, Services& services);
}  // namespace handlers

namespace files {
class FileStore;
}
namespace net {
class HttpRoutes;
}
namespace handlers {
// HTTP endpoints (net/http_routes.h).
void register_file_routes(net::HttpRoutes& routes, Services& services, const files::FileStore& store);
// POST /v1/invitations/cohort and GET /v1/invitations/template.csv (docs/operations.md).
void register_invite_routes(net::HttpRoutes& routes, Services& services);
// GET /v1/export/caseload.csv and /v1/export/indicators.csv (docs/dashboard.md).
void register_dashboard_routes(net::HttpRoutes& routes, Services& services);
// account.export and account.delete (privacy rights, docs/security.md).
void register_account_handlers(net::Dispatcher& dispatcher, Services& services, const files::FileStore& store);
}  // namespace handlers

}  // namespace passerelle::server
