// crypto.h's primitives for the WebAssembly build (docs/bindings.md), where OpenSSL has no
// build: random bytes from getentropy(), which Emscripten maps to the browser's (or Node's)
// crypto.getRandomValues, and SHA-256 from libmd (Debian's, compiled from its source by the
// wasm build). WebCrypto's digest is asynchronous, and the mutators need SHA-256 synchronously
// (Uuid::derived), so it cannot serve here. The native-only helpers (base64, base64_decode,
// constant_time_equal) are server concerns and are deliberately absent: using one in code that
// the wasm build compiles fails at link time.
#include "passerelle/shared/crypto.h"

#include <sha2.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace passerelle {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  // getentropy() gives at most 256 bytes per call.
  for (std::size_t done = 0; done < n;) {
    std::size_t chunk = std::min<std::size_t>(256, n - done);
    if (getentropy(out.data() + done, chunk) != 0) throw std::runtime_error("getentropy failed");
    done += chunk;
  }
  return out;
}

std::string sha256(std::string_view data) {
  SHA2_CTX ctx;
  SHA256Init(&ctx);
  SHA256Update(&ctx, reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  std::uint8_t md[SHA256_DIGEST_LENGTH];
  SHA256Final(md, &ctx);
  return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

}  // namespace passerelle
