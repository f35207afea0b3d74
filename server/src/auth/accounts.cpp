#include "accounts.h"

#include "storage/connection_cache.h"
#include "storage/deferred_writes.h"
#include "storage/dialect.h"

#include <soci/soci.h>

#include <algorithm>

#include "passerelle/shared/ids.h"

namespace passerelle::server::auth {
namespace {
protocol::UserInfo make_user(std::string id, const std::string& role, std::string email, std::string name,
                             const std::string& locale) {
  protocol::UserInfo u;
  u.id = std::move(id);
  u.role = protocol::parse_role(role).value_or(protocol::Role::candidate);
  u.email = std::move(email);
  u.name = std::move(name);
  u.locale = protocol::parse_locale(locale).value_or(protocol::Locale::fr);
  return u;
}

// `key_column` is a literal of this file ("email" or "id"), never caller input.
std::optional<UserRecord> find_user_where(soci::session& sql, const char* key_column, const std::string& key) {
  std::string id, email, name, role, locale, hash, created;
  int disabled = 0;
  sql << "SELECT id, email, name, role, locale, password_hash, disabled, created_at FROM users WHERE " +
             std::string(key_column) + " = :k",
      soci::use(key), soci::into(id), soci::into(email), soci::into(name), soci::into(role), soci::into(locale),
      soci::into(hash), soci::into(disabled), soci::into(created);
  if (!sql.got_data()) return std::nullopt;
  UserRecord r;
  r.info = make_user(id, role, email, name, locale);
  r.password_hash = hash;
  r.disabled = disabled != 0;
  r.created_at = created;
  return r;
}
}  // namespace

std::optional<UserRecord> find_user_by_email(soci::session& sql, const std::string& email) {
  return find_user_where(sql, "email", email);
}

std::optional<UserRecord> find_user_by_id(soci::session& sql, const std::string& id) {
  return find_user_where(sql, "id", id);
}

bool email_taken(soci::session& sql, const std::string& email) {
  int n = 0;
  sql << "SELECT COUNT(*) FROM users WHERE email = :e", soci::use(email), soci::into(n);
  return n > 0;
}

void insert_user(soci::session& sql, const UserRecord& u) {
  std::string role(protocol::to_string(u.info.role)), locale(protocol::to_string(u.info.locale));
  int disabled = u.disabled ? 1 : 0;
  sql << "INSERT INTO users(id, email, name, role, locale, password_hash, created_at, disabled) "
         "VALUES(:id, :email, :name, :role, :locale, :hash, :created, :disabled)",
      soci::use(u.info.id), soci::use(u.info.email), soci::use(u.info.name), soci::use(role),
      soci::use(locale), soci::use(u.password_hash), soci::use(u.created_at), soci::use(disabled);
}

long long count_users(soci::session& sql) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM users", soci::into(n);
  return n;
}

namespace {
// Every resume looks its token up: kept prepared for the connection's life, since compiling it
// was a fifth of the server's CPU under the connect benchmark (docs/benchmarks.md).
struct SessionLookup {
  explicit SessionLookup(soci::session& sql)
      : st((sql.prepare << "SELECT u.id, u.email, u.name, u.role, u.locale, s.expires_at, s.id, s.last_seen_at "
                           "FROM sessions s JOIN users u ON u.id = s.user_id "
                           "WHERE s.token_hash = :t AND s.revoked_at IS NULL AND s.expires_at > :now AND u.disabled = 0",
            soci::use(token_hash), soci::use(now), soci::into(id), soci::into(email), soci::into(name),
            soci::into(role), soci::into(locale), soci::into(expires), soci::into(session_id, session_id_ind),
            soci::into(last_seen, last_seen_ind))) {}
  std::string token_hash, now, id, email, name, role, locale, expires, session_id, last_seen;  // bound before `st`
  soci::indicator session_id_ind = soci::i_null, last_seen_ind = soci::i_null;
  soci::statement st;
};
}  // namespace

std::optional<SessionRecord> find_session(soci::session& sql, const std::string& token_hash,
                                          const std::string& now) {
  storage::Cached<SessionLookup> q(sql);
  q->token_hash = token_hash;
  q->now = now;
  if (!q->st.execute(true)) return std::nullopt;
  SessionRecord found{make_user(q->id, q->role, q->email, q->name, q->locale), q->expires,
                      q->session_id_ind == soci::i_ok ? q->session_id : std::string(),
                      q->last_seen_ind == soci::i_ok ? q->last_seen : std::string()};
  storage::finish(q->st);  // one row at most (token_hash is unique)
  return found;
}

std::vector<std::optional<SessionRecord>> find_sessions(soci::session& sql,
                                                        const std::vector<std::string>& token_hashes,
                                                        const std::string& now) {
  std::vector<std::optional<SessionRecord>> found(token_hashes.size());
  storage::Cached<storage::DeferredWrites> pipeline(sql);
  if (!pipeline->available() || token_hashes.size() == 1) {
    for (std::size_t i = 0; i < token_hashes.size(); ++i) found[i] = find_session(sql, token_hashes[i], now);
    return found;
  }
  auto rows = pipeline->flush_and_read(storage::live_sessions_of_tokens_sql(),
                                       {storage::text_array(token_hashes), now});
  auto text = [](const std::optional<std::string>& v) { return v ? *v : std::string(); };
  for (auto& r : rows) {
    if (r.size() < 9 || !r[0]) continue;
    SessionRecord s{make_user(text(r[1]), text(r[4]), text(r[2]), text(r[3]), text(r[5])), text(r[6]), text(r[7]),
                    text(r[8])};
    // A token asked twice (the same device resuming on two connections) gets its answer twice.
    for (std::size_t i = 0; i < token_hashes.size(); ++i)
      if (token_hashes[i] == *r[0]) found[i] = s;
  }
  return found;
}

std::string insert_session(soci::session& sql, const NewSession& s) {
  std::string id = new_id();
  sql << "INSERT INTO sessions(token_hash, user_id, created_at, expires_at, id, device, address, last_seen_at) "
         "VALUES(:t, :u, :c, :e, :id, :d, :a, :c2)",
      soci::use(s.token_hash), soci::use(s.user_id), soci::use(s.created_at), soci::use(s.expires_at), soci::use(id),
      soci::use(s.device), soci::use(s.address), soci::use(s.created_at);
  return id;
}

void revoke_session(soci::session& sql, const std::string& token_hash, const std::string& now) {
  sql << "UPDATE sessions SET revoked_at = :now WHERE token_hash = :t AND revoked_at IS NULL",
      soci::use(now), soci::use(token_hash);
}

void touch_session(soci::session& sql, const std::string& token_hash, const std::string& now,
                   const std::string& address) {
  sql << "UPDATE sessions SET last_seen_at = :now, address = :a WHERE token_hash = :t", soci::use(now),
      soci::use(address), soci::use(token_hash);
}

std::vector<SessionInfo> live_sessions(soci::session& sql, const std::string& user_id, const std::string& now) {
  std::vector<SessionInfo> out;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT id, token_hash, device, address, created_at, last_seen_at, expires_at FROM sessions "
                      "WHERE user_id = :u AND revoked_at IS NULL AND expires_at > :now",
       soci::use(user_id), soci::use(now));
  auto text = [](const soci::row& r, std::size_t i) {
    return r.get_indicator(i) == soci::i_ok ? r.get<std::string>(i) : std::string();
  };
  for (const soci::row& r : rs) {
    SessionInfo s{text(r, 0), text(r, 1), text(r, 2), text(r, 3), text(r, 4), text(r, 5), text(r, 6)};
    if (s.last_seen_at.empty()) s.last_seen_at = s.created_at;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const SessionInfo& a, const SessionInfo& b) {
    return a.last_seen_at != b.last_seen_at ? a.last_seen_at > b.last_seen_at : a.id > b.id;
  });
  return out;
}

std::vector<std::string> revoke_sessions_of(soci::session& sql, const std::string& user_id, const std::string& now,
                                            const std::string& keep_token_hash) {
  std::vector<std::string> hashes;
  {
    soci::rowset<std::string> rs = (sql.prepare << "SELECT token_hash FROM sessions WHERE user_id = :u AND revoked_at IS NULL",
                                    soci::use(user_id));
    for (const auto& h : rs)
      if (h != keep_token_hash) hashes.push_back(h);
  }
  sql << "UPDATE sessions SET revoked_at = :now WHERE user_id = :u AND revoked_at IS NULL AND token_hash <> :keep",
      soci::use(now), soci::use(user_id), soci::use(keep_token_hash);
  return hashes;
}

std::optional<std::string> revoke_session_by_id(soci::session& sql, const std::string& user_id,
                                                const std::string& session_id, const std::string& now) {
  std::string token_hash;
  sql << "SELECT token_hash FROM sessions WHERE id = :id AND user_id = :u AND revoked_at IS NULL AND expires_at > :now",
      soci::use(session_id), soci::use(user_id), soci::use(now), soci::into(token_hash);
  if (!sql.got_data()) return std::nullopt;
  revoke_session(sql, token_hash, now);
  return token_hash;
}

void set_password_hash(soci::session& sql, const std::string& user_id, const std::string& hash) {
  sql << "UPDATE users SET password_hash = :h WHERE id = :id", soci::use(hash), soci::use(user_id);
}

namespace {
std::optional<InvitationRecord> select_invitation(soci::session& sql, const std::string& column,
                                                  const std::string& value) {
  InvitationRecord r;
  std::string used, revoked, accepted, cohort;
  soci::indicator used_ind = soci::i_null, revoked_ind = soci::i_null, accepted_ind = soci::i_null,
                  cohort_ind = soci::i_null;
  sql << "SELECT id, token_hash, email, role, locale, invited_by, created_at, expires_at, used_at, name, details, "
         "revoked_at, accepted_user_id, cohort_id FROM invitations WHERE " + column + " = :v",
      soci::use(value), soci::into(r.id), soci::into(r.token_hash), soci::into(r.email), soci::into(r.role),
      soci::into(r.locale), soci::into(r.invited_by), soci::into(r.created_at), soci::into(r.expires_at),
      soci::into(used, used_ind), soci::into(r.name), soci::into(r.details), soci::into(revoked, revoked_ind),
      soci::into(accepted, accepted_ind), soci::into(cohort, cohort_ind);
  if (!sql.got_data()) return std::nullopt;
  if (used_ind == soci::i_ok) r.used_at = used;
  if (revoked_ind == soci::i_ok) r.revoked_at = revoked;
  if (accepted_ind == soci::i_ok) r.accepted_user_id = accepted;
  if (cohort_ind == soci::i_ok) r.cohort_id = cohort;
  return r;
}
}  // namespace

std::optional<InvitationRecord> find_invitation(soci::session& sql, const std::string& token_hash) {
  return select_invitation(sql, "token_hash", token_hash);
}

std::optional<InvitationRecord> find_invitation_by_id(soci::session& sql, const std::string& id) {
  return select_invitation(sql, "id", id);
}

void insert_invitation(soci::session& sql, const InvitationRecord& r) {
  soci::indicator cohort_ind = r.cohort_id ? soci::i_ok : soci::i_null;
  std::string cohort = r.cohort_id.value_or("");
  sql << "INSERT INTO invitations(id, token_hash, email, role, locale, invited_by, created_at, expires_at, name, "
         "details, cohort_id) VALUES(:id, :t, :e, :r, :l, :b, :c, :x, :n, :d, :k)",
      soci::use(r.id), soci::use(r.token_hash), soci::use(r.email), soci::use(r.role), soci::use(r.locale),
      soci::use(r.invited_by), soci::use(r.created_at), soci::use(r.expires_at), soci::use(r.name),
      soci::use(r.details), soci::use(cohort, cohort_ind);
}

void mark_invitation_used(soci::session& sql, const std::string& id, const std::string& now,
                          const std::string& user_id) {
  sql << "UPDATE invitations SET used_at = :now, accepted_user_id = :u WHERE id = :id", soci::use(now),
      soci::use(user_id), soci::use(id);
}

void set_invitation_token(soci::session& sql, const std::string& id, const std::string& token_hash,
                          const std::string& expires_at) {
  sql << "UPDATE invitations SET token_hash = :t, expires_at = :x WHERE id = :id", soci::use(token_hash),
      soci::use(expires_at), soci::use(id);
}

void revoke_invitation(soci::session& sql, const std::string& id, const std::string& now) {
  sql << "UPDATE invitations SET revoked_at = :now WHERE id = :id", soci::use(now), soci::use(id);
}

std::string invitation_status(const InvitationRecord& inv, const std::string& now, bool queued) {
  if (inv.used_at) return "accepted";
  if (inv.revoked_at) return "revoked";
  if (queued) return "queued";
  if (inv.expires_at <= now) return "expired";
  return "pending";
}

}  // namespace passerelle::server::auth
