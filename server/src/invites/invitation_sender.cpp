#include "invitation_sender.h"

#include <soci/soci.h>

#include "auth/accounts.h"
#include "log.h"
#include "mail/message.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "storage/db_error.h"

namespace passerelle::server::invites {

InvitationSender::InvitationSender(storage::Database& db, mail::Mailer& mailer, Settings settings)
    : db_(db), mailer_(mailer), settings_(std::move(settings)) {}

void InvitationSender::start() {
  thread_ = std::thread([this] {
    auto gap = std::chrono::microseconds(static_cast<std::int64_t>(1e6 / std::max(0.01, settings_.per_second)));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      bool sent = false;
      try {
        sent = send_one();
      } catch (const std::exception& e) {
        log::error("invitation_queue_failed", storage::failure_fields(e));
      }
      lock.lock();
      // Paced while there is work; an idle queue is looked at every second, or when woken.
      cv_.wait_for(lock, sent ? std::chrono::duration_cast<std::chrono::milliseconds>(gap) : std::chrono::milliseconds(1000),
                   [this, sent] { return stopping_ || (!sent && woken_); });
      woken_ = false;
    }
  });
}

void InvitationSender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void InvitationSender::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool InvitationSender::send_one() {
  struct Item {
    std::string id, inviter_name;
    auth::InvitationRecord inv;
  };
  std::string token = new_token();
  std::string expires = format_rfc3339(now_utc() + std::chrono::milliseconds(
                                                       static_cast<std::int64_t>(settings_.ttl_days * 86400000.0)));
  std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now_utc().time_since_epoch()).count();
  auto item = std::make_shared<std::optional<Item>>();
  int max_attempts = settings_.max_attempts;
  auto st = db_.writer().run([&, item](soci::session& sql) -> Status {
    std::string id;
    soci::indicator ind = soci::i_null;
    sql << "SELECT q.invitation_id FROM invitation_queue q JOIN invitations i ON i.id = q.invitation_id"
           " WHERE q.sent_at_ms IS NULL AND q.attempts < :m AND q.queued_at_ms <= :now"
           " AND i.revoked_at IS NULL AND i.used_at IS NULL"
           " ORDER BY q.queued_at_ms, q.invitation_id LIMIT 1",
        soci::use(max_attempts), soci::use(now_ms), soci::into(id, ind);
    if (!sql.got_data() || ind != soci::i_ok) return Status::Ok();
    auto inv = auth::find_invitation_by_id(sql, id);
    if (!inv) return Status::Ok();
    auth::set_invitation_token(sql, id, sha256_hex(token), expires);
    sql << "UPDATE invitation_queue SET attempts = attempts + 1 WHERE invitation_id = :i", soci::use(id);
    std::string inviter;
    sql << "SELECT name FROM users WHERE id = :u", soci::use(inv->invited_by), soci::into(inviter);
    inv->expires_at = expires;
    *item = Item{id, inviter, *inv};
    return Status::Ok();
  });
  if (!st) {
    log::error("invitation_queue_failed", {{"message", st.error().message}});
    return false;
  }
  if (!*item) return false;
  const Item& it = **item;
  auto msg = mail::invitation_message(protocol::parse_locale(it.inv.locale).value_or(protocol::Locale::fr), it.inv.email,
                                      token, settings_.public_url, it.inviter_name,
                                      protocol::parse_role(it.inv.role).value_or(protocol::Role::candidate), expires);
  msg.file_stem = "invitation-" + it.id;
  auto sent = mailer_.send(msg);
  now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now_utc().time_since_epoch()).count();
  std::string error = sent ? std::string() : sent.error().message;
  auto recorded = db_.writer().run([&](soci::session& sql) -> Status {
    if (sent)
      sql << "UPDATE invitation_queue SET sent_at_ms = :t, last_error = NULL WHERE invitation_id = :i", soci::use(now_ms),
          soci::use(it.id);
    else
      // Back of the queue for a minute per failed attempt: the others go meanwhile, and a relay
      // that is down is not hammered. (The CAST: PostgreSQL would type :t as the INTEGER column.)
      sql << "UPDATE invitation_queue SET last_error = :e, queued_at_ms = CAST(:t AS BIGINT) + 60000 * attempts WHERE invitation_id = :i",
          soci::use(error), soci::use(now_ms), soci::use(it.id);
    return Status::Ok();
  });
  if (!sent) log::error("invitation_mail_failed", {{"invitation_id", it.id}, {"message", error}});
  else log::info("invitation_sent", {{"invitation_id", it.id}, {"cohort_id", it.inv.cohort_id.value_or("")}});
  if (!recorded) log::error("invitation_queue_failed", {{"message", recorded.error().message}});
  return true;
}

}  // namespace passerelle::server::invites
