#include "password_resets.h"

#include <soci/soci.h>

#include <cctype>

#include "passerelle/shared/crypto.h"

namespace passerelle::server::auth {
namespace {

constexpr std::string_view kCodeAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789";  // 30 symbols
constexpr std::size_t kCodeLength = 12;

std::optional<PasswordReset> find_live(soci::session& sql, const char* column, const std::string& hash,
                                       const std::string& now) {
  PasswordReset r;
  // `column` is a literal of this file, never caller input.
  sql << "SELECT id, user_id, token_hash, code_hash, created_at, expires_at, remote_address FROM password_resets "
         "WHERE " + std::string(column) + " = :h AND ended_at IS NULL AND expires_at > :now",
      soci::use(hash), soci::use(now), soci::into(r.id), soci::into(r.user_id), soci::into(r.token_hash),
      soci::into(r.code_hash), soci::into(r.created_at), soci::into(r.expires_at), soci::into(r.remote_address);
  if (!sql.got_data()) return std::nullopt;
  return r;
}

}  // namespace

void end_password_resets(soci::session& sql, const std::string& user_id, const std::string& now) {
  sql << "UPDATE password_resets SET ended_at = :now WHERE user_id = :u AND ended_at IS NULL", soci::use(now),
      soci::use(user_id);
}

void replace_password_reset(soci::session& sql, const PasswordReset& r) {
  end_password_resets(sql, r.user_id, r.created_at);
  sql << "INSERT INTO password_resets(id, user_id, token_hash, code_hash, created_at, expires_at, remote_address) "
         "VALUES(:id, :u, :t, :c, :at, :x, :a)",
      soci::use(r.id), soci::use(r.user_id), soci::use(r.token_hash), soci::use(r.code_hash), soci::use(r.created_at),
      soci::use(r.expires_at), soci::use(r.remote_address);
}

std::optional<PasswordReset> find_live_reset_by_token(soci::session& sql, const std::string& token_hash,
                                                      const std::string& now) {
  return find_live(sql, "token_hash", token_hash, now);
}

std::optional<PasswordReset> find_live_reset_by_code(soci::session& sql, const std::string& code_hash,
                                                     const std::string& now) {
  return find_live(sql, "code_hash", code_hash, now);
}

std::string new_reset_code() {
  std::string code;
  while (code.size() < kCodeLength) {
    // Rejection sampling keeps every symbol equally likely (256 is not a multiple of 30).
    for (unsigned char b : random_bytes(16)) {
      if (b >= 240) continue;
      code += kCodeAlphabet[b % kCodeAlphabet.size()];
      if (code.size() == kCodeLength) break;
    }
  }
  return code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8, 4);
}

std::string normalize_reset_code(const std::string& typed) {
  std::string out;
  for (unsigned char c : typed) {
    if (c == '-' || c == ' ') continue;
    char u = static_cast<char>(std::toupper(c));
    if (kCodeAlphabet.find(u) == std::string_view::npos) return {};
    out += u;
  }
  return out.size() == kCodeLength ? out : std::string();
}

}  // namespace passerelle::server::auth
