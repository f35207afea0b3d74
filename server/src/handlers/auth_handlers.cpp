// auth.login, auth.resume, auth.logout (docs/protocol.md).
#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "../auth/accounts.h"
#include "../log.h"
#include "../services.h"
#include "../storage/db_error.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/text.h"
#include "passerelle/shared/time.h"
#include "privacy/account_data.h"
#include "session_answer.h"

namespace passerelle::server::handlers {
namespace {

using net::Access;
using net::Context;
using net::Reply;

constexpr std::size_t kMaxDeviceLength = 100;
// auth.resume records when and from where a session was last used, at most this often, so
// that reconnecting devices do not each cost a write.
constexpr auto kLastSeenResolution = std::chrono::minutes(5);

// --max-connections-per-user, checked when a connection signs in (the user is not known
// before). Sign-ins racing each other may pass it together: a bound, not an exact count.
std::optional<Error> too_many_connections(Services& svc, const std::string& user_id) {
  auto limit = svc.config.max_connections_per_user;
  if (limit == 0 || svc.hub.connections_of(user_id) < limit) return std::nullopt;
  log::warn("too_many_connections", {{"user_id", user_id}, {"limit", static_cast<std::int64_t>(limit)}});
  return Error{ErrorCode::rate_limited, "this account already has " + std::to_string(limit) +
                                            " open connections; close one (or wait for it to time out) and retry"};
}

// The device name a client gives at sign-in (sessions.list shows it): optional, short text.
Status check_device(const std::string& device) {
  if (device.size() > kMaxDeviceLength)
    return Status(ErrorCode::bad_request, "field 'device' is longer than " + std::to_string(kMaxDeviceLength) + " bytes");
  if (!is_valid_utf8(device)) return Status(ErrorCode::bad_request, "field 'device' is not valid UTF-8");
  return Status::Ok();
}

std::string expiry_after_days(double days) {
  auto ms = static_cast<std::int64_t>(days * 86400.0 * 1000.0);
  return format_rfc3339(now_utc() + std::chrono::milliseconds(ms));
}

void login(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string email_raw = in.string("email");
  std::string password = in.string("password");
  std::string device = in.optional_string("device").value_or("");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (auto st = check_device(device); !st) return reply.fail(st.error());
  auto normalized = protocol::normalize_email(email_raw);
  // An address that cannot exist still costs a hash and answers like a wrong password.
  std::string email = normalized ? *normalized : email_raw;

  if (auto wait = svc.throttle.check(email, ctx.remote_address)) {
    log::warn("login_throttled", {{"remote", ctx.remote_address}, {"retry_after_ms", wait->count()}});
    return reply.fail(Error{ErrorCode::rate_limited, "too many failed sign-in attempts; try again later"},
                      {{"retry_after_ms", wait->count()}});
  }
  svc.workers.post([&svc, reply, email, password = std::move(password), remote = ctx.remote_address,
                    valid = normalized.ok(), device] {
    std::optional<auth::UserRecord> user;
    if (valid) user = svc.db.read([&](soci::session& sql) { return auth::find_user_by_email(sql, email); });
    bool ok = false;
    if (user && !user->disabled) ok = auth::verify_password(password, user->password_hash);
    else (void)auth::verify_password(password, svc.decoy_hash);  // same cost as a real account
    if (!ok) {
      auto delay = svc.throttle.failed(email, remote);
      svc.metrics.login(false);
      log::info("login_failed", {{"remote", remote}});
      svc.schedule(delay, [reply] { reply.fail(ErrorCode::unauthenticated, "wrong e-mail or password"); });
      return;
    }
    svc.throttle.succeeded(email);
    if (auto full = too_many_connections(svc, user->info.id)) return reply.fail(*full);
    std::string token = new_token();
    std::string token_hash = sha256_hex(token);
    std::string now = format_rfc3339(now_utc());
    std::string expires = expiry_after_days(svc.config.token_ttl_days);
    protocol::UserInfo info = user->info;
    svc.db.writer().submit(
        [=](soci::session& sql) {
          auth::insert_session(sql, {token_hash, info.id, now, expires, device, remote});
          return Status::Ok();
        },
        [&svc, reply, info, token, token_hash, expires, remote](Status st) {
          if (!st) return reply.fail(st.error());
          svc.metrics.login(true);
          log::info("login_ok", {{"user_id", info.id}, {"remote", remote}});
          reply.ok(session_fields(info, expires, &token), sign_in(info, token_hash));
        });
  });
}

// Resumes that arrive together are looked up together: on PostgreSQL each lookup is a round
// trip to another process, and a device fleet reconnecting after a restart sends thousands
// (docs/benchmarks.md, "PostgreSQL"). A resume joins the queue; a worker task takes everything
// queued at once (auth::find_sessions: one query on PostgreSQL) and answers each. At most
// kResumeTasks tasks at a time, and each takes one batch and then posts the next at the back
// of the workers' queue, so that resumes never hold every worker while other requests wait.
struct PendingResume {
  std::string token_hash;
  std::string remote;
  Reply reply;
};
struct ResumeQueue {
  std::mutex mutex;
  std::vector<PendingResume> pending;
  unsigned tasks = 0;  // posted and not finished
};
constexpr unsigned kResumeTasks = 2;
constexpr std::size_t kMaxResumesPerLookup = 256;

void answer_resume(Services& svc, PendingResume& r, const std::optional<auth::SessionRecord>& session,
                   const std::string& now) {
  if (!session) {
    // A device of an erased account is told so, and wipes its copy (docs/security.md).
    if (svc.db.read([&](soci::session& sql) { return privacy::token_of_deleted_account(sql, r.token_hash); }))
      return r.reply.fail(Error{ErrorCode::unauthenticated, std::string(protocol::kAccountDeletedMessage)},
                          {{"account_deleted", true}});
    return r.reply.fail(ErrorCode::unauthenticated, "unknown, expired or revoked token; sign in again");
  }
  if (auto full = too_many_connections(svc, session->user.id)) return r.reply.fail(*full);
  if (session->last_seen_at < format_rfc3339(now_utc() - kLastSeenResolution))
    svc.db.writer().submit(
        [token_hash = r.token_hash, now, remote = r.remote](soci::session& sql) {
          auth::touch_session(sql, token_hash, now, remote);
          return Status::Ok();
        },
        [](Status) {});
  log::info("resume_ok", {{"user_id", session->user.id}, {"remote", r.remote}});
  r.reply.ok(session_fields(session->user, session->expires_at, nullptr), sign_in(session->user, r.token_hash));
}

void look_up_resumes(Services& svc, const std::shared_ptr<ResumeQueue>& queue) {
  std::vector<PendingResume> batch;
  {
    std::lock_guard lock(queue->mutex);
    std::size_t n = std::min(queue->pending.size(), kMaxResumesPerLookup);
    batch.assign(std::make_move_iterator(queue->pending.begin()), std::make_move_iterator(queue->pending.begin() + n));
    queue->pending.erase(queue->pending.begin(), queue->pending.begin() + n);
  }
  // Whatever happens to this batch, the queue is served: the next task is posted (or this one
  // counted out) first. A batch that throws is answered `internal` by its Replies, as a
  // request whose task threw always was (worker_pool.cpp).
  {
    std::lock_guard lock(queue->mutex);
    if (queue->pending.empty()) --queue->tasks;
    else svc.workers.post([&svc, queue] { look_up_resumes(svc, queue); });
  }
  if (batch.empty()) return;
  std::string now = format_rfc3339(now_utc());
  std::vector<std::string> hashes;
  hashes.reserve(batch.size());
  for (const auto& r : batch) hashes.push_back(r.token_hash);
  auto sessions = svc.db.read([&](soci::session& sql) { return auth::find_sessions(sql, hashes, now); });
  for (std::size_t i = 0; i < batch.size(); ++i) {
    // Each answer apart, as each resume was a task of its own: one that throws (its erased-account
    // read) is answered `internal` by its Reply without taking the others with it.
    try {
      answer_resume(svc, batch[i], sessions[i], now);
    } catch (const storage::Unavailable&) {
    } catch (const std::exception& e) {
      log::error("worker_task_failed", storage::failure_fields(e));
    }
  }
}

void resume(Services& svc, const std::shared_ptr<ResumeQueue>& queue, const Context& ctx,
            const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string token = in.string("token");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  bool post = false;
  {
    std::lock_guard lock(queue->mutex);
    queue->pending.push_back(PendingResume{sha256_hex(token), ctx.remote_address, std::move(reply)});
    if (queue->tasks < kResumeTasks) ++queue->tasks, post = true;
  }
  if (post) svc.workers.post([&svc, queue] { look_up_resumes(svc, queue); });
}

void logout(Services& svc, const Context& ctx, const protocol::Request&, Reply reply) {
  std::string token_hash = ctx.token_hash;
  std::string user_id = ctx.user ? ctx.user->id : "";
  svc.db.writer().submit(
      [token_hash](soci::session& sql) {
        auth::revoke_session(sql, token_hash, format_rfc3339(now_utc()));
        return Status::Ok();
      },
      [&svc, reply, user_id, token_hash](Status st) {
        if (!st) return reply.fail(st.error());
        log::info("logout", {{"user_id", user_id}});
        // This connection stays open, signed out (the answer's state change, queued first on
        // its strand); other connections signed in with this token (the same device
        // reconnected, another tab) are closed. The user's other tokens are not touched.
        reply.ok({}, [](net::SessionState& s) {
          s.user.reset();
          s.token_hash.clear();
        });
        svc.hub.disconnect_token(user_id, token_hash, "signed out");
      });
}

}  // namespace

void register_auth_handlers(net::Dispatcher& d, Services& svc) {
  d.add("auth.login", Access::anonymous,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { login(svc, c, r, std::move(reply)); });
  auto resumes = std::make_shared<ResumeQueue>();
  d.add("auth.resume", Access::anonymous, [&svc, resumes](const Context& c, const protocol::Request& r, Reply reply) {
    resume(svc, resumes, c, r, std::move(reply));
  });
  d.add("auth.logout", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { logout(svc, c, r, std::move(reply)); });
}

}  // namespace passerelle::server::handlers
