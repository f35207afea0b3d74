// SQL over the account tables (users, sessions, invitations). Plain functions of a
// soci::session so they run on a read connection or inside a Writer item alike. They throw
// soci errors on storage failure (the Writer turns that into `internal`).
#pragma once

#include <soci/session.h>

#include <optional>
#include <string>
#include <vector>

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

// The live session behind a token hash: not revoked, expires_at > now, account enabled.
struct SessionRecord {
  protocol::UserInfo user;
  std::string expires_at;
  std::string session_id;    // sessions.id: the name a user gives to sessions.end
  std::string last_seen_at;  // "" when never recorded (sessions older than migration 8)
};
std::optional<SessionRecord> find_session(soci::session& sql, const std::string& token_hash,
                                          const std::string& now);

// find_session for several token hashes at once: one answer per hash, in their order. On
// PostgreSQL one query for all of them (one round trip; storage/dialect.h:
// live_sessions_of_tokens_sql), on SQLite the one-row lookup for each.
std::vector<std::optional<SessionRecord>> find_sessions(soci::session& sql,
                                                        const std::vector<std::string>& token_hashes,
                                                        const std::string& now);

// A new session: `device` is the name the client gave at sign-in ("" when none), `address`
// the remote address it signed in from. Returns the session's id.
struct NewSession {
  std::string token_hash, user_id, created_at, expires_at, device, address;
};
std::string insert_session(soci::session& sql, const NewSession& s);
void revoke_session(soci::session& sql, const std::string& token_hash, const std::string& now);
// When a session was last used, and from where (auth.resume records it, at most every few minutes).
void touch_session(soci::session& sql, const std::string& token_hash, const std::string& now,
                   const std::string& address);

// A user's live sessions (sessions.list), most recently seen first.
struct SessionInfo {
  std::string id, token_hash, device, address, created_at, last_seen_at, expires_at;
};
std::vector<SessionInfo> live_sessions(soci::session& sql, const std::string& user_id, const std::string& now);
// Revokes every live session of the user but the one of `keep_token_hash` ("" keeps none) and
// returns the token hashes revoked, so their open connections can be closed.
std::vector<std::string> revoke_sessions_of(soci::session& sql, const std::string& user_id, const std::string& now,
                                            const std::string& keep_token_hash = {});
// Revokes one live session of this user by its id; its token hash, or nullopt when the user
// has no such live session.
std::optional<std::string> revoke_session_by_id(soci::session& sql, const std::string& user_id,
                                                const std::string& session_id, const std::string& now);

void set_password_hash(soci::session& sql, const std::string& user_id, const std::string& hash);

// An invitation (docs/protocol.md, invite.*). `details` is a JSON object: "coach_id" (the
// caseload a candidate joins), "profile" (profile.update args) and "mentor" (mentor.update
// args) applied as the new account when it is made. A cohort's invitation waits in
// invitation_queue with a token_hash that no token hashes to ("queued:<id>") until it is sent.
struct InvitationRecord {
  std::string id, token_hash, email, role, locale, invited_by, created_at, expires_at;
  std::string name;
  std::string details = "{}";
  std::optional<std::string> used_at, revoked_at, accepted_user_id, cohort_id;
};
std::optional<InvitationRecord> find_invitation(soci::session& sql, const std::string& token_hash);
std::optional<InvitationRecord> find_invitation_by_id(soci::session& sql, const std::string& id);
void insert_invitation(soci::session& sql, const InvitationRecord& inv);
void mark_invitation_used(soci::session& sql, const std::string& id, const std::string& now,
                          const std::string& user_id = {});
// A new token (resend, or a queued invitation's turn): the former one no longer matches.
void set_invitation_token(soci::session& sql, const std::string& id, const std::string& token_hash,
                          const std::string& expires_at);
void revoke_invitation(soci::session& sql, const std::string& id, const std::string& now);
// pending (sent, usable), queued (a cohort's, not sent yet), accepted, revoked, expired.
std::string invitation_status(const InvitationRecord& inv, const std::string& now, bool queued);

// Profiles are `profiles` sync rows: see storage/profiles.h (write_new_profile, read_profile).

}  // namespace passerelle::server::auth
