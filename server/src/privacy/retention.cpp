#include "privacy/retention.h"

#include <boost/json/parse.hpp>

#include <filesystem>

#include "config.h"
#include "files/file_store.h"
#include "log.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/row_fields.h"
#include "storage/database.h"
#include "sync/change_log.h"

namespace passerelle::server::privacy {
namespace {

Timestamp days_before(Timestamp now, int days) { return now - std::chrono::hours(24) * days; }

template <class... Uses>
std::int64_t affected(soci::session& sql, const std::string& statement, Uses&&... uses) {
  soci::statement st = ((sql.prepare << statement), ..., std::forward<Uses>(uses));
  st.execute(true);
  return static_cast<std::int64_t>(st.get_affected_rows());
}

}  // namespace

RetentionPolicy policy_from(const ServeConfig& c) {
  return RetentionPolicy{c.retention_message_days, c.retention_file_days, c.retention_audit_days,
                         c.retention_deleted_account_days, c.retention_session_days};
}

RetentionReport apply_retention(soci::session& sql, const RetentionPolicy& policy, Timestamp now) {
  RetentionReport report;
  if (policy.message_days > 0) {
    // sent_at lives in the row's JSON; messages are read whole (a daily pass over the table).
    Timestamp cutoff = days_before(now, policy.message_days);
    std::vector<std::string> old;
    {
      std::string c(passerelle::sync::collection::messages);
      soci::rowset<soci::row> rs =
          (sql.prepare << "SELECT id, data FROM sync_rows WHERE collection = :c AND deleted = 0", soci::use(c));
      for (const soci::row& r : rs) {
        boost::system::error_code ec;
        auto v = boost::json::parse(r.get<std::string>(1), ec);
        if (ec || !v.is_object()) continue;
        auto sent = parse_rfc3339(passerelle::sync::row_string(v.as_object(), "sent_at"));
        if (sent && *sent < cutoff) old.push_back(r.get<std::string>(0));
      }
    }
    server::sync::ChangeLog log(sql, now);
    for (const auto& id : old) log.remove(passerelle::sync::collection::messages, id);
    report.messages = static_cast<std::int64_t>(old.size());
  }
  if (policy.file_days > 0) {
    // After the messages: the files they carried are orphans now, if nothing else refers to them.
    long long cutoff = to_unix_ms(days_before(now, policy.file_days));
    soci::rowset<std::string> rs =
        (sql.prepare << "SELECT f.sha256 FROM files f WHERE f.created_at_ms < :t"
                        " AND NOT EXISTS (SELECT 1 FROM file_refs r WHERE r.sha256 = f.sha256) ORDER BY f.sha256",
         soci::use(cutoff));
    for (const auto& sha : rs) report.files_to_unlink.push_back(sha);
    for (const auto& sha : report.files_to_unlink) {
      sql << "DELETE FROM file_owners WHERE sha256 = :h", soci::use(sha);
      sql << "DELETE FROM files WHERE sha256 = :h", soci::use(sha);
    }
    report.files = static_cast<std::int64_t>(report.files_to_unlink.size());
  }
  if (policy.audit_days > 0) {
    long long cutoff = to_unix_ms(days_before(now, policy.audit_days));
    report.audit_entries = affected(sql, "DELETE FROM audit_log WHERE at_ms < :t", soci::use(cutoff));
  }
  if (policy.deleted_account_days > 0) {
    std::string cutoff = format_rfc3339(days_before(now, policy.deleted_account_days));
    std::vector<std::string> gone;
    {
      soci::rowset<std::string> rs = (sql.prepare << "SELECT id FROM users WHERE deleted_at IS NOT NULL AND deleted_at < :c",
                                      soci::use(cutoff));
      for (const auto& id : rs) gone.push_back(id);
    }
    for (const auto& id : gone) {
      sql << "DELETE FROM sessions WHERE user_id = :u", soci::use(id);
      sql << "DELETE FROM password_resets WHERE user_id = :u", soci::use(id);
      sql << "DELETE FROM invitation_queue WHERE invitation_id IN (SELECT id FROM invitations WHERE invited_by = :u)",
          soci::use(id);
      sql << "DELETE FROM invitations WHERE invited_by = :u", soci::use(id);
      sql << "DELETE FROM users WHERE id = :u", soci::use(id);
    }
    report.accounts = static_cast<std::int64_t>(gone.size());
  }
  if (policy.session_days > 0) {
    std::string cutoff = format_rfc3339(days_before(now, policy.session_days));
    report.sessions = affected(
        sql, "DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < :c1) OR expires_at < :c2",
        soci::use(cutoff, "c1"), soci::use(cutoff, "c2"));
    // Password resets (hashes of dead links and codes) go with the sessions of the same age.
    sql << "DELETE FROM password_resets WHERE expires_at < :c", soci::use(cutoff);
  }
  return report;
}

void unlink_files(const files::FileStore& store, const std::vector<std::string>& sha256s) {
  for (const auto& sha : sha256s) {
    std::error_code ec;
    std::filesystem::remove(store.path_of(sha), ec);
    if (ec) log::warn("file_unlink_failed", {{"sha256", sha}, {"message", ec.message()}});
  }
}

void RetentionJob::run_once(Timestamp now) {
  RetentionReport report;
  auto st = db_.writer().run([&](soci::session& sql) -> Status {
    report = apply_retention(sql, policy_, now);
    return Status::Ok();
  });
  if (!st) {
    log::error("retention_failed", {{"message", st.error().message}});
    return;
  }
  unlink_files(store_, report.files_to_unlink);
  if (report.messages || report.files || report.audit_entries || report.accounts || report.sessions)
    log::info("retention_pass", {{"messages", report.messages},
                                 {"files", report.files},
                                 {"audit_entries", report.audit_entries},
                                 {"accounts", report.accounts},
                                 {"sessions", report.sessions}});
}

}  // namespace passerelle::server::privacy
