#include "accounts.h"

#include "storage/connection_cache.h"

#include <soci/soci.h>

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
      : st((sql.prepare << "SELECT u.id, u.email, u.name, u.role, u.locale, s.expires_at FROM sessions s "
                           "JOIN users u ON u.id = s.user_id "
                           "WHERE s.token_hash = :t AND s.revoked_at IS NULL AND s.expires_at > :now AND u.disabled = 0",
            soci::use(token_hash), soci::use(now), soci::into(id), soci::into(email), soci::into(name),
            soci::into(role), soci::into(locale), soci::into(expires))) {}
  std::string token_hash, now, id, email, name, role, locale, expires;  // bound before `st`
  soci::statement st;
};
}  // namespace

std::optional<SessionRecord> find_session(soci::session& sql, const std::string& token_hash,
                                          const std::string& now) {
  storage::Cached<SessionLookup> q(sql);
  q->token_hash = token_hash;
  q->now = now;
  if (!q->st.execute(true)) return std::nullopt;
  SessionRecord found{make_user(q->id, q->role, q->email, q->name, q->locale), q->expires};
  storage::finish(q->st);  // one row at most (token_hash is unique)
  return found;
}

void insert_session(soci::session& sql, const std::string& token_hash, const std::string& user_id,
                    const std::string& created_at, const std::string& expires_at) {
  sql << "INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES(:t, :u, :c, :e)",
      soci::use(token_hash), soci::use(user_id), soci::use(created_at), soci::use(expires_at);
}

void revoke_session(soci::session& sql, const std::string& token_hash, const std::string& now) {
  sql << "UPDATE sessions SET revoked_at = :now WHERE token_hash = :t AND revoked_at IS NULL",
      soci::use(now), soci::use(token_hash);
}

std::optional<InvitationRecord> find_invitation(soci::session& sql, const std::string& token_hash) {
  InvitationRecord r;
  std::string used;
  soci::indicator used_ind = soci::i_null;
  sql << "SELECT id, email, role, locale, invited_by, created_at, expires_at, used_at "
         "FROM invitations WHERE token_hash = :t",
      soci::use(token_hash), soci::into(r.id), soci::into(r.email), soci::into(r.role), soci::into(r.locale),
      soci::into(r.invited_by), soci::into(r.created_at), soci::into(r.expires_at), soci::into(used, used_ind);
  if (!sql.got_data()) return std::nullopt;
  r.token_hash = token_hash;
  if (used_ind == soci::i_ok) r.used_at = used;
  return r;
}

void insert_invitation(soci::session& sql, const InvitationRecord& r) {
  sql << "INSERT INTO invitations(id, token_hash, email, role, locale, invited_by, created_at, expires_at) "
         "VALUES(:id, :t, :e, :r, :l, :b, :c, :x)",
      soci::use(r.id), soci::use(r.token_hash), soci::use(r.email), soci::use(r.role), soci::use(r.locale),
      soci::use(r.invited_by), soci::use(r.created_at), soci::use(r.expires_at);
}

void mark_invitation_used(soci::session& sql, const std::string& id, const std::string& now) {
  sql << "UPDATE invitations SET used_at = :now WHERE id = :id", soci::use(now), soci::use(id);
}

}  // namespace passerelle::server::auth
