#include "mail/digest_job.h"

#include <boost/json/parse.hpp>
#include <soci/soci.h>

#include <map>

#include "auth/accounts.h"
#include "log.h"
#include "mail/digest.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/row_fields.h"
#include "sync/change_log.h"

namespace passerelle::server::mail {
namespace json = boost::json;
namespace collection = passerelle::sync::collection;

namespace {

struct Due {
  std::string user_id;
  long long newest_ms = 0;
};

std::string field(const std::optional<json::object>& row, std::string_view key) {
  return row ? passerelle::sync::row_string(*row, key) : std::string();
}

// Everything the e-mail says, read in one go; nullopt when this person gets no digest.
std::optional<Digest> read_digest(soci::session& sql, const std::string& user_id, protocol::Locale* locale_out) {
  auto me = auth::find_user_by_id(sql, user_id);
  if (!me || me->disabled) return std::nullopt;
  auto profile = server::sync::find_row(sql, collection::profiles, user_id);
  std::string pref = field(profile, "email_digest");
  if (pref == "off") return std::nullopt;
  Digest d;
  d.to = me->info.email;
  d.name = field(profile, "name").empty() ? me->info.name : field(profile, "name");
  d.locale = protocol::parse_locale(field(profile, "locale")).value_or(me->info.locale);
  if (locale_out) *locale_out = d.locale;

  struct ThreadUnread {
    std::int64_t count = 0;
    std::string latest_message;
  };
  std::map<std::string, ThreadUnread> by_thread;
  {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT thread_id, message_id FROM message_inbox WHERE user_id = :u"
                                                 " ORDER BY sent_at_ms, n",
                                  soci::use(user_id));
    for (const soci::row& r : rs) {
      auto& t = by_thread[r.get<std::string>(0)];
      t.count += 1;
      t.latest_message = r.get<std::string>(1);
    }
  }
  for (const auto& [thread_id, unread] : by_thread) {
    DigestThread t;
    t.unread = unread.count;
    auto thread = server::sync::find_row(sql, collection::threads, thread_id);
    if (thread) {
      auto members = thread->find("members");
      if (members != thread->end() && members->value().is_array())
        for (const auto& m : members->value().get_array()) {
          if (!m.is_string() || m.get_string() == user_id) continue;
          if (auto other = auth::find_user_by_id(sql, std::string(m.get_string()))) {
            if (!t.with.empty()) t.with += ", ";
            t.with += other->info.name + " (" + std::string(protocol::to_string(other->info.role)) + ")";
          }
        }
    }
    if (t.with.empty()) t.with = "Passerelle";
    if (pref != "private") t.latest_preview = field(server::sync::find_row(sql, collection::messages, unread.latest_message), "body");
    d.threads.push_back(std::move(t));
  }
  if (d.threads.empty()) return std::nullopt;
  return d;
}

}  // namespace

DigestJob::DigestJob(storage::Database& db, const net::Hub& hub, Mailer& mailer, std::string public_url,
                     DigestRules rules, Timestamp started_at)
    : db_(db), hub_(hub), mailer_(mailer), public_url_(std::move(public_url)), rules_(rules), started_at_(started_at) {}


std::size_t DigestJob::run_once(Timestamp now) {
  long long cutoff = to_unix_ms(now - rules_.delay);
  long long interval_cutoff = to_unix_ms(now - rules_.interval);
  // People with messages unread since before the cutoff and newer than their last digest.
  std::vector<Due> due = db_.read([&](soci::session& sql) {
    std::vector<Due> out;
    Due row;
    // Typed into() rather than soci::row: an aggregate has no declared column type in SQLite.
    soci::statement st =
        (sql.prepare << "SELECT i.user_id, MAX(i.sent_at_ms) FROM message_inbox i"
                        " LEFT JOIN mail_digests d ON d.user_id = i.user_id"
                        " WHERE i.sent_at_ms <= :cutoff"
                        " AND (d.user_id IS NULL OR (i.sent_at_ms > d.covered_ms AND d.sent_at_ms <= :interval))"
                        " GROUP BY i.user_id",
         soci::into(row.user_id), soci::into(row.newest_ms), soci::use(cutoff), soci::use(interval_cutoff));
    st.execute();
    while (st.fetch()) out.push_back(row);
    return out;
  });

  std::size_t sent = 0;
  for (const Due& d : due) {
    if (hub_.is_online(d.user_id)) continue;
    Timestamp seen = started_at_;
    if (auto last = hub_.last_seen(d.user_id))
      seen = std::max(seen, std::chrono::time_point_cast<std::chrono::milliseconds>(*last));
    if (to_unix_ms(seen) > cutoff) continue;  // online within the delay: they may still read it

    auto digest = db_.read([&](soci::session& sql) { return read_digest(sql, d.user_id, nullptr); });
    if (!digest) continue;

    // Recorded first, and only if no other pass recorded one within the interval meanwhile.
    auto claimed = std::make_shared<bool>(false);
    long long at = to_unix_ms(now), covered = d.newest_ms;
    std::string user_id = d.user_id;
    Status st = db_.writer().run([&](soci::session& sql) {
      sql << "INSERT INTO mail_digests (user_id, sent_at_ms, covered_ms) VALUES (:u, :s, :c)"
             " ON CONFLICT (user_id) DO UPDATE SET sent_at_ms = excluded.sent_at_ms, covered_ms = excluded.covered_ms"
             " WHERE mail_digests.sent_at_ms <= :interval AND mail_digests.covered_ms < excluded.covered_ms"
             " RETURNING user_id",
          soci::use(user_id), soci::use(at), soci::use(covered), soci::use(interval_cutoff);
      *claimed = sql.got_data();
      return Status::Ok();
    });
    if (!st) {
      log::error("digest_record_failed", {{"user_id", user_id}, {"message", st.error().message}});
      continue;
    }
    if (!*claimed) continue;
    auto delivered = mailer_.send(digest_message(*digest, public_url_));
    if (!delivered) {
      log::error("digest_mail_failed", {{"user_id", user_id}, {"message", delivered.error().message}});
      continue;
    }
    std::int64_t unread = 0;
    for (const auto& t : digest->threads) unread += t.unread;
    log::info("digest_sent", {{"user_id", user_id}, {"unread", unread}});
    ++sent;
  }
  return sent;
}

}  // namespace passerelle::server::mail
