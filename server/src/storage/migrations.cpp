#include "migrations.h"

#include <boost/json/parse.hpp>
#include <soci/soci.h>

#include <array>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/row_fields.h"
#include "passerelle/shared/time.h"
#include "profiles.h"
#include "sync/change_log.h"
#include "sync/files_schema.h"
#include "sync/projections.h"
#include "sync/row_keys_schema.h"
#include "sync/sync_schema.h"
#include "passerelle/shared/messages/files.h"
#include "db_error.h"
#include "dialect.h"

namespace passerelle::server::storage {

namespace {

std::vector<std::string_view> sync_schema_statements() {
  return {std::begin(server::sync::kSyncSchemaSql), std::end(server::sync::kSyncSchemaSql)};
}

std::vector<std::string_view> files_schema_statements() {
  return {std::begin(server::sync::kFilesSchemaSql), std::end(server::sync::kFilesSchemaSql)};
}

std::vector<std::string_view> row_keys_schema_statements() {
  return {std::begin(server::sync::kRowKeysSchemaSql), std::end(server::sync::kRowKeysSchemaSql)};
}

// Migration 9: the dashboard's key index (row_keys_schema.h) for the rows written before it;
// later writes keep it (projections.h).
void index_existing_row_keys(soci::session& sql) {
  std::vector<std::array<std::string, 4>> entries;
  {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT collection, id, data FROM sync_rows WHERE deleted = 0 AND"
                                                 " collection IN ('profiles', 'plans', 'plan_steps', 'threads',"
                                                 " 'mentorships', 'meetings', 'referrals', 'outcomes')");
    for (const soci::row& r : rs) {
      boost::system::error_code ec;
      auto v = boost::json::parse(r.get<std::string>(2), ec);
      if (ec || !v.is_object()) continue;
      auto key = server::sync::dashboard_row_key(r.get<std::string>(0), v.get_object());
      if (key)
        entries.push_back({r.get<std::string>(0), r.get<std::string>(1), std::move(*key),
                           server::sync::dashboard_facts(v.get_object())});
    }
  }
  for (const auto& e : entries)
    sql << "INSERT INTO row_keys (collection, row_id, row_key, facts) VALUES (:c, :i, :k, :f)", soci::use(e[0]),
        soci::use(e[1]), soci::use(e[2]), soci::use(e[3]);
}

// Migration 14: the rows of employers and activities the indicators read (a candidate's
// proposals, internships, registrations and career profile; activities, needs, employer
// profiles) enter the dashboard's key index; later writes keep them (projections.h). Upserts:
// the migration tests run it again over a database that has them.
void index_employment_row_keys(soci::session& sql) {
  std::vector<std::array<std::string, 4>> entries;
  {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT collection, id, data FROM sync_rows WHERE deleted = 0 AND"
                                                 " collection IN ('employer_proposals', 'internships',"
                                                 " 'activity_registrations', 'career_profiles', 'activities',"
                                                 " 'employer_needs', 'employer_profiles')");
    for (const soci::row& r : rs) {
      boost::system::error_code ec;
      auto v = boost::json::parse(r.get<std::string>(2), ec);
      if (ec || !v.is_object()) continue;
      if (auto key = server::sync::dashboard_row_key(r.get<std::string>(0), v.get_object()))
        entries.push_back({r.get<std::string>(0), r.get<std::string>(1), std::move(*key),
                           server::sync::dashboard_facts(v.get_object())});
    }
  }
  for (const auto& e : entries)
    sql << "INSERT INTO row_keys (collection, row_id, row_key, facts) VALUES (:c, :i, :k, :f)"
           " ON CONFLICT (collection, row_id) DO UPDATE SET row_key = excluded.row_key, facts = excluded.facts",
        soci::use(e[0]), soci::use(e[1]), soci::use(e[2]), soci::use(e[3]);
}

// Migration 11: the step summary of every plan written before it (row_keys_schema.h); later
// writes keep them (projections.h).
void summarize_existing_plans(soci::session& sql) {
  std::vector<std::string> plans;
  {
    soci::rowset<std::string> rs = (sql.prepare << "SELECT row_id FROM row_keys WHERE collection = 'plans'");
    for (const auto& id : rs) plans.push_back(id);
  }
  server::sync::StepSummaries summaries(sql);
  for (const auto& id : plans) summaries.update(id);
}

std::vector<std::string_view> step_summaries_schema_statements() {
  return {std::begin(server::sync::kStepSummariesSchemaSql), std::end(server::sync::kStepSummariesSchemaSql)};
}

// Migration 3: rows written before files were uploadable may already name file hashes (plan
// step evidence); index them so the rules for reading files hold for old rows too.
void index_existing_file_refs(soci::session& sql) {
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<std::string> datas;
  {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT collection, id, data FROM sync_rows WHERE deleted = 0"
                                                 " AND (data LIKE '%\"evidence\"%' OR data LIKE '%\"attachments\"%')");
    for (const soci::row& r : rs) {
      keys.emplace_back(r.get<std::string>(0), r.get<std::string>(1));
      datas.push_back(r.get<std::string>(2));
    }
  }
  for (std::size_t k = 0; k < keys.size(); ++k) {
    auto v = boost::json::parse(datas[k]);
    if (!v.is_object()) continue;
    for (auto& sha : files::referenced_files(v.get_object()))
      sql << "INSERT INTO file_refs (sha256, collection, row_id) VALUES (:h, :c, :i) ON CONFLICT DO NOTHING",
          soci::use(sha), soci::use(keys[k].first), soci::use(keys[k].second);
  }
}

// Migration 2: every user gets their `profiles` sync row (the old profile document's fields on
// top of new_profile_row), written through the change log so devices receive it at their first
// pull; then the old table goes, leaving one source of truth for profiles.
void move_profiles_into_sync_rows(soci::session& sql) {
  struct Old {
    protocol::UserInfo user;
    std::string created_at, data, updated_at;
  };
  std::vector<Old> olds;
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT u.id, u.role, u.email, u.name, u.locale, u.created_at, p.data, p.updated_at"
                        " FROM users u LEFT JOIN profiles p ON p.user_id = u.id ORDER BY u.id");
    for (const soci::row& r : rs) {
      Old o;
      o.user.id = r.get<std::string>(0);
      o.user.role = protocol::parse_role(r.get<std::string>(1)).value_or(protocol::Role::candidate);
      o.user.email = r.get<std::string>(2);
      o.user.name = r.get<std::string>(3);
      o.user.locale = protocol::parse_locale(r.get<std::string>(4)).value_or(protocol::Locale::fr);
      o.created_at = r.get<std::string>(5);
      if (r.get_indicator(6) == soci::i_ok) o.data = r.get<std::string>(6);
      if (r.get_indicator(7) == soci::i_ok) o.updated_at = r.get<std::string>(7);
      olds.push_back(std::move(o));
    }
  }
  Timestamp now = now_utc();
  server::sync::ChangeLog log(sql, now);
  log.without_scopes();  // nor scopes: migration 17 makes them
  log.without_row_keys();  // not there yet: migration 9 indexes these rows
  for (const Old& o : olds) {
    boost::json::object extra;
    if (!o.data.empty()) {
      boost::system::error_code ec;
      auto v = boost::json::parse(o.data, ec);
      if (!ec && v.is_object()) extra = std::move(v.get_object());
    }
    auto row = new_profile_row_with(o.user, parse_rfc3339(o.created_at).value_or(now), extra);
    if (parse_rfc3339(o.updated_at)) row["updated_at"] = o.updated_at;
    log.put(passerelle::sync::collection::profiles, o.user.id, row, {o.user.id});
  }
  sql << "DROP TABLE profiles";
}

// Migration 7: career profiles (immigration stage) were read by every coach; now only by the
// candidate's own coach (docs/security.md). Each is written again through the change log with
// that audience, so other coaches' devices get a tombstone at their next pull.
void narrow_career_profiles(soci::session& sql) {
  std::vector<std::pair<std::string, std::string>> rows;  // id, data
  {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT id, data FROM sync_rows WHERE collection = 'career_profiles'"
                                                 " AND deleted = 0 ORDER BY id");
    for (const soci::row& r : rs) rows.emplace_back(r.get<std::string>(0), r.get<std::string>(1));
  }
  server::sync::ChangeLog log(sql, now_utc());
  log.without_scopes();  // nor scopes: migration 17 makes them
  log.without_row_keys();  // not there yet: migration 9 makes the index, 14 indexes career profiles
  for (const auto& [id, data] : rows) {
    boost::system::error_code ec;
    auto v = boost::json::parse(data, ec);
    if (ec || !v.is_object()) continue;  // never written by the server this way; left as it is
    auto person = log.get(passerelle::sync::collection::profiles, id);
    std::string coach = person ? passerelle::sync::row_string(*person, "coach_id") : "";
    log.put(passerelle::mentors::collection::career_profiles, id, v.get_object(),
            passerelle::mentors::career_audience(id, coach));
  }
}

// Migration 8: sessions made before it get an id, so their owner can end them (sessions.end).
void name_existing_sessions(soci::session& sql) {
  std::vector<std::string> hashes;
  {
    soci::rowset<std::string> rs = (sql.prepare << "SELECT token_hash FROM sessions WHERE id IS NULL");
    for (const auto& h : rs) hashes.push_back(h);
  }
  for (const auto& h : hashes) {
    std::string id = new_id();
    sql << "UPDATE sessions SET id = :id WHERE token_hash = :h", soci::use(id), soci::use(h);
  }
}

}  // namespace

const std::vector<Migration>& all_migrations() {
  static const std::vector<Migration> list = {
      {1,
       "accounts",
       {
           R"(CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                locale TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0))",
           R"(CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id),
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                revoked_at TEXT))",
           "CREATE INDEX sessions_user ON sessions(user_id)",
           R"(CREATE TABLE invitations (
                id TEXT PRIMARY KEY,
                token_hash TEXT NOT NULL UNIQUE,
                email TEXT NOT NULL,
                role TEXT NOT NULL,
                locale TEXT NOT NULL,
                invited_by TEXT NOT NULL REFERENCES users(id),
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                used_at TEXT))",
           // Profile fields as one JSON document per user; later issues add typed columns or
           // keys without a migration per field.
           R"(CREATE TABLE profiles (
                user_id TEXT PRIMARY KEY REFERENCES users(id),
                data TEXT NOT NULL,
                updated_at TEXT NOT NULL))",
       }},
      // The change log of docs/sync.md; profiles become replicated rows.
      {2, "sync", sync_schema_statements(), move_profiles_into_sync_rows},
      // Uploaded files and unread-message notifications (docs/messages.md).
      {3, "files", files_schema_statements(), index_existing_file_refs},
      // Who opened a candidate's file, exported data or changed an account (docs/dashboard.md).
      {4,
       "audit",
       {
           R"(CREATE TABLE audit_log (
                id TEXT PRIMARY KEY,
                at_ms BIGINT NOT NULL,
                actor_id TEXT NOT NULL,
                actor_role TEXT NOT NULL,
                action TEXT NOT NULL,
                target_id TEXT NOT NULL,
                remote_address TEXT NOT NULL,
                details TEXT NOT NULL))",
           "CREATE INDEX audit_log_by_time ON audit_log (at_ms)",
           "CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at_ms)",
           "CREATE INDEX audit_log_by_target ON audit_log (target_id, at_ms)",
       }},
      // Meeting reminders sent, so each goes once per meeting, kind and start time (a moved
      // meeting gets new ones) (docs/mentoring.md).
      {5,
       "meeting_reminders",
       {
           R"(CREATE TABLE meeting_reminders (
                meeting_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                start_ms BIGINT NOT NULL,
                sent_at_ms BIGINT NOT NULL,
                PRIMARY KEY (meeting_id, kind, start_ms)))",
       }},
      // Account deletion (docs/security.md): when an account was erased; its sign-in record stays
      // anonymized until the retention job forgets it, so a device still holding its token
      // learns at its next sync that the account is gone (and wipes its copy).
      {6, "account_deletion", {"ALTER TABLE users ADD COLUMN deleted_at TEXT"}},
      // Career profiles: read by the candidate's own coach, no longer by every coach.
      {7, "career_audience", {}, narrow_career_profiles},
      // Accounts (docs/security.md): sessions a person can list and end (the device named at
      // sign-in, where and when it was last seen), and password resets by e-mail (token and
      // code stored hashed; ended_at when used, replaced, or the account changed).
      {8,
       "sessions_and_resets",
       {
           "ALTER TABLE sessions ADD COLUMN id TEXT",
           "ALTER TABLE sessions ADD COLUMN device TEXT",
           "ALTER TABLE sessions ADD COLUMN address TEXT",
           "ALTER TABLE sessions ADD COLUMN last_seen_at TEXT",
           "CREATE UNIQUE INDEX sessions_by_id ON sessions(id)",
           R"(CREATE TABLE password_resets (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id),
                token_hash TEXT NOT NULL UNIQUE,
                code_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                remote_address TEXT NOT NULL,
                ended_at TEXT))",
           "CREATE INDEX password_resets_by_user ON password_resets(user_id)",
       },
       name_existing_sessions},
      // The dashboard reads a coach's rows by key, not the whole program (docs/dashboard.md).
      {9, "row_keys", row_keys_schema_statements(), index_existing_row_keys},
      // Onboarding (docs/dashboard.md, "Invitations"): who an invitation is for (name, and the
      // profile fields and coach the account starts with, as JSON), revoked and accepted
      // invitations, and the queue that sends a cohort's e-mails at a paced rate and resumes
      // after a restart (an invitation of a cohort has no usable token until its turn comes).
      {10,
       "invitations_admin",
       {
           "ALTER TABLE invitations ADD COLUMN name TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE invitations ADD COLUMN details TEXT NOT NULL DEFAULT '{}'",
           "ALTER TABLE invitations ADD COLUMN revoked_at TEXT",
           "ALTER TABLE invitations ADD COLUMN accepted_user_id TEXT",
           "ALTER TABLE invitations ADD COLUMN cohort_id TEXT",
           "CREATE INDEX invitations_by_inviter ON invitations(invited_by, created_at)",
           "CREATE INDEX invitations_by_email ON invitations(email)",
           R"(CREATE TABLE invitation_queue (
                invitation_id TEXT PRIMARY KEY REFERENCES invitations(id),
                cohort_id TEXT NOT NULL,
                queued_at_ms BIGINT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                sent_at_ms BIGINT,
                last_error TEXT))",
           "CREATE INDEX invitation_queue_due ON invitation_queue(sent_at_ms, queued_at_ms)",
       }},
      // A program's dashboard reads one summary per plan, not every step (docs/dashboard.md).
      {11, "plan_step_summaries", step_summaries_schema_statements(), summarize_existing_plans},
      // Employers (docs/employers.md): their rows are replicated rows like any other; what they
      // add on the server is audit entries (consent given and withdrawn, proposals, internships)
      // that staff list by action, so the audit log gets an index by action. IF NOT EXISTS: a
      // database taken back to an older version (tests of earlier migrations) keeps its index.
      {12, "employers", {"CREATE INDEX IF NOT EXISTS audit_log_by_action ON audit_log (action, at_ms)"}},
      // Activities (docs/activities.md, "Seats"): one row per seat held, so the database itself
      // refuses a seat past the capacity or a seat given twice (server/src/activities/seats.h).
      // IF NOT EXISTS: tests that rewind the schema run it again over the table.
      {13,
       "activity_seats",
       {
           R"(CREATE TABLE IF NOT EXISTS activity_seats (
                activity_id TEXT NOT NULL,
                seat INTEGER NOT NULL,
                capacity INTEGER NOT NULL,
                candidate_id TEXT NOT NULL,
                PRIMARY KEY (activity_id, seat),
                UNIQUE (activity_id, candidate_id),
                CHECK (seat >= 1 AND seat <= capacity)))",
       }},
      // Indicators of employers and activities (docs/dashboard.md, issue 21 item 7): their rows
      // in the dashboard's key index, read in one pass (admins) or by candidate (coaches). An
      // activity's attendance is a field of its registrations (activity.attendance): no table.
      {14, "employment_row_keys", {}, index_employment_row_keys},
      // Live delivery (issue 20, docs/benchmarks.md): on SQLite the per-reader audience, the
      // inbox and the op record become clustered on their keys (sync_schema.h), one b-tree
      // write fewer per entry and, for the inbox, one index fewer; data carried over as it is.
      // PostgreSQL: nothing.
      {15, "clustered_per_reader_tables", {}, [](soci::session& sql) {
         run_on_sqlite(sql, server::sync::kClusteredPerReaderTablesSql);
       }},
      // Live delivery, fourth pass (issue 20): the rows clustered on (collection, id) on SQLite
      // (sync_schema.h); data carried over as it is. PostgreSQL: nothing.
      {16, "clustered_rows", {}, [](soci::session& sql) { run_on_sqlite(sql, server::sync::kClusteredRowsSql); }},
      // Live delivery, the audience once per row (issue 20, docs/sync.md "Scopes"): rows seen by
      // two readers or more name a scope instead of holding an entry per reader; the rows
      // written before it move to their scope. Both engines.
      {17, "sync_scopes", {}, server::sync::migrate_to_scopes},
  };
  return list;
}

int latest_schema_version() { return all_migrations().back().version; }

namespace {
void ensure_table(soci::session& sql) {
  sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
         "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
}
int read_version(soci::session& sql) {
  int v = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(version) FROM schema_migrations", soci::into(v, ind);
  return ind == soci::i_ok ? v : 0;
}
}  // namespace

Result<int> schema_version(soci::session& sql) {
  try {
    ensure_table(sql);
    return read_version(sql);
  } catch (const std::exception& e) {
    return Error{ErrorCode::internal, std::string("cannot read schema version: ") + describe(e)};
  }
}

Status migrate(soci::session& sql, const char* begin_sql) {
  try {
    ensure_table(sql);
    sql << begin_sql;
    try {
      int current = read_version(sql);
      if (current > latest_schema_version()) {
        sql << "ROLLBACK";
        return Status(ErrorCode::unsupported,
                      "the database schema is version " + std::to_string(current) +
                          " but this passerelle-server only knows up to version " +
                          std::to_string(latest_schema_version()) + "; upgrade the server");
      }
      for (const auto& m : all_migrations()) {
        if (m.version <= current) continue;
        for (auto stmt : m.statements) sql << std::string(stmt);
        if (m.after) m.after(sql);
        std::string name(m.name), at = format_rfc3339(now_utc());
        sql << "INSERT INTO schema_migrations(version, name, applied_at) VALUES(:v, :n, :a)",
            soci::use(m.version), soci::use(name), soci::use(at);
      }
      sql << "COMMIT";
    } catch (...) {
      try { sql << "ROLLBACK"; } catch (...) {}
      throw;
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, std::string("migration failed: ") + describe(e));
  }
}

}  // namespace passerelle::server::storage
