// Small cryptographic helpers used by both sides: random tokens and digests (docs/bindings.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace passerelle {

// `n` bytes from a CSPRNG (OpenSSL's; in wasm getentropy's). Throws only if the RNG itself fails.
std::string random_bytes(std::size_t n);
// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);
// Standard padded base64 (RFC 4648 section 4), as e-mail and password hashes use it.
std::string base64(std::string_view bytes);
// Decodes standard padded base64; nullopt for anything malformed.
std::optional<std::string> base64_decode(std::string_view text);
// Unpadded base64url (RFC 4648 section 5): safe in URLs, e-mail links and JSON.
std::string base64url(std::string_view bytes);
// SHA-256 of `data`, as raw bytes and as lower-case hex.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
// A fresh 256-bit secret in base64url (43 characters): session and invitation tokens.
std::string new_token();
// Compares two strings in time independent of where they differ (lengths may leak).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace passerelle
