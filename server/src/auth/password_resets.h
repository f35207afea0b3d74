// Password resets (docs/security.md): one row per reset asked for an existing, enabled
// account. The e-mailed link's token and the short code for the command line are stored as
// SHA-256 hashes only. A reset is alive until it expires, is used, or a newer one is asked for
// the same account (ended_at). Plain functions of a soci::session, like accounts.h.
#pragma once

#include <soci/session.h>

#include <optional>
#include <string>

namespace passerelle::server::auth {

struct PasswordReset {
  std::string id, user_id, token_hash, code_hash, created_at, expires_at, remote_address;
};

// Ends the user's live resets (a newer one replaces them) and inserts `r`.
void replace_password_reset(soci::session& sql, const PasswordReset& r);

// The live reset whose token (or code) hash this is: not ended, expires_at > now.
std::optional<PasswordReset> find_live_reset_by_token(soci::session& sql, const std::string& token_hash,
                                                      const std::string& now);
std::optional<PasswordReset> find_live_reset_by_code(soci::session& sql, const std::string& code_hash,
                                                     const std::string& now);

// Ends every live reset of the user (used, or the account changed).
void end_password_resets(soci::session& sql, const std::string& user_id, const std::string& now);

// The short code for the command line: 12 characters of an unambiguous alphabet (no 0/O,
// 1/I/L, U), about 59 bits, shown as XXXX-XXXX-XXXX.
std::string new_reset_code();
// A typed code as stored: upper-cased, without the dashes and spaces people add; "" if it
// holds anything else.
std::string normalize_reset_code(const std::string& typed);

}  // namespace passerelle::server::auth
