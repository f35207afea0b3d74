#include "password.h"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "passerelle/shared/crypto.h"

namespace passerelle::server::auth {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

bool derive(std::string_view password, std::string_view salt, const ScryptParams& p, std::string* key,
            std::size_t key_len) {
  if (p.log2n < 1 || p.log2n > 22 || p.r < 1 || p.r > 32 || p.p < 1 || p.p > 16) return false;
  std::uint64_t n = std::uint64_t{1} << p.log2n;
  // scrypt needs 128*r*(N+p) bytes; leave headroom for OpenSSL's own bookkeeping.
  std::uint64_t maxmem = 128ull * p.r * (n + p.p + 2) + (1ull << 20);
  key->assign(key_len, '\0');
  return EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                        salt.size(), n, static_cast<std::uint64_t>(p.r), static_cast<std::uint64_t>(p.p), maxmem,
                        reinterpret_cast<unsigned char*>(key->data()), key_len) == 1;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

bool to_int(std::string_view s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<std::string> hash_password(std::string_view password, ScryptParams params) {
  std::string salt = random_bytes(kSaltBytes);
  std::string key;
  if (!derive(password, salt, params, &key, kKeyBytes))
    return Error{ErrorCode::internal, "password hashing failed"};
  return "scrypt$" + std::to_string(params.log2n) + "$" + std::to_string(params.r) + "$" +
         std::to_string(params.p) + "$" + base64(salt) + "$" + base64(key);
}

bool verify_password(std::string_view password, std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  ScryptParams p;
  std::string salt, expected, actual;
  if (!to_int(parts[1], &p.log2n) || !to_int(parts[2], &p.r) || !to_int(parts[3], &p.p)) return false;
  auto salt_bytes = base64_decode(parts[4]), key_bytes = base64_decode(parts[5]);
  if (!salt_bytes || !key_bytes || salt_bytes->empty() || key_bytes->empty()) return false;
  salt = std::move(*salt_bytes);
  expected = std::move(*key_bytes);
  if (!derive(password, salt, p, &actual, expected.size())) return false;
  return constant_time_equal(actual, expected);
}

Status check_new_password(std::string_view field, std::string_view password) {
  if (password.size() < kMinPasswordLength)
    return Status(ErrorCode::bad_request, "field '" + std::string(field) + "' must be at least " +
                                              std::to_string(kMinPasswordLength) + " characters");
  if (password.size() > kMaxPasswordLength)
    return Status(ErrorCode::bad_request, "field '" + std::string(field) + "' is longer than " +
                                              std::to_string(kMaxPasswordLength) + " bytes");
  return Status::Ok();
}

}  // namespace passerelle::server::auth
