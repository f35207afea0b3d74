// SQL over the account tables (users, sessions, invitations). Plain functions of a
// soci::session so they run on a read connection or inside a Writer item alike. They throw
// soci errors on storage failure (the Writer turns that into `internal`).
#pragma once

#include <soci/session.h>

#include <optional>
#include <string>

#include "passerelle/shared/protocol.h"

namespace passerelle::server::auth {

struct UserRecord {
  protocol::UserInfo info;
  std::string password_hash;
  bool disabled = false;
  std::string created_at;
};

std::optional<UserRecord> find_user_by_email(soci::session& sql, const std::string& email);
std::optional<UserRecord> find_user_by_id(soci::session& sql, const std::string& id);
bool email_taken(soci::session& sql, const std::string& email);
void insert_user(soci::session& sql, const UserRecord& user);
long long count_users(soci::session& sql);

// The live session behind a token hash: not revoked, expires_at > now.
struct SessionRecord {
  protocol::UserInfo user;
  std::string expires_at;
};
std::optional<SessionRecord> find_session(soci::session& sql, const std::string& token_hash,
                                          const std::string& now);
void insert_session(soci::session& sql, const std::string& token_hash, const std::string& user_id,
                    const std::string& created_at, const std::string& expires_at);
void revoke_session(soci::session& sql, const std::string& token_hash, const std::string& now);

struct InvitationRecord {
  std::string id, token_hash, email, role, locale, invited_by, created_at, expires_at;
  std::optional<std::string> used_at;
};
std::optional<InvitationRecord> find_invitation(soci::session& sql, const std::string& token_hash);
void insert_invitation(soci::session& sql, const InvitationRecord& inv);
void mark_invitation_used(soci::session& sql, const std::string& id, const std::string& now);

// Profiles are `profiles` sync rows: see storage/profiles.h (write_new_profile, read_profile).

}  // namespace passerelle::server::auth
