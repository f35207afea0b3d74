// Password hashing with scrypt (OpenSSL EVP_PBE_scrypt), stored self-describing:
//   scrypt$<log2 N>$<r>$<p>$<salt base64>$<key base64>
// so hashes made with another cost still verify after the default changes. Hashing is
// deliberately slow (~100 ms at N=2^17): call it from the WorkerPool, never an I/O thread.
#pragma once

#include <string>
#include <string_view>

#include "passerelle/shared/error.h"

namespace passerelle::server::auth {

struct ScryptParams {
  int log2n = 17;  // 10..20
  int r = 8;
  int p = 1;
};

inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordLength = 1024;  // bytes: scrypt reads all of it

// The rules every new password follows (sign-up, change, reset): at least 10 characters, at
// most 1024 bytes. bad_request naming `field` otherwise.
Status check_new_password(std::string_view field, std::string_view password);

// A new hash with a fresh 16-byte salt and a 32-byte key. internal on OpenSSL failure.
Result<std::string> hash_password(std::string_view password, ScryptParams params);

// True when `password` matches `stored` (constant-time comparison of the keys). A malformed
// `stored` string never matches.
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace passerelle::server::auth
