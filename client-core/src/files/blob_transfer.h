// Files over HTTP, beside the WebSocket: PUT /v1/blobs/<sha256> uploads a file, GET downloads
// one (docs/protocol.md), on the same host, port and TLS as the WebSocket URL, with the session
// token as a Bearer header and the same certificate and host name checks (tls_setup.h).
//
// Each call is blocking: it runs its own io_context on the caller's thread (the sync engine's
// thread, or the app's for a download) and opens one connection for one request.
//
// Timeouts follow progress, not size: a 10 MiB CV over a slow link may take minutes, which is
// fine while bytes move; the transfer fails once no byte has moved either way for
// `stall_timeout` (or the connection is not up within `connect_timeout`), or at `deadline`.
// `cancelled` is polled every 100 ms: stop_sync() ends a transfer in flight promptly.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "passerelle/outcome.h"
#include "passerelle/server_url.h"

namespace passerelle::client::files {

struct TransferOptions {
  ServerUrl server;  // the WebSocket URL: its host, port and TLS; /v1/ws's prefix, if any, is kept
  std::string ca_file;
  std::string token;  // the session token
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{30'000};
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<bool()> cancelled;  // may be empty
};


struct StoredBlob {
  std::string sha256;
  std::int64_t size = 0;
  std::string type;
  bool created = false;  // 201: stored now; 200: the server had it already
};

// Uploads `file`, whose SHA-256 is `sha256`. The server's refusals come back as Origin::server
// with its code (too_large, unsupported, bad_request for a hash mismatch, unauthenticated,
// internal); a connection that fails or stalls as Origin::network. An answer the server sends
// before the whole body went up (413 right after the headers) is still read and reported.
Outcome<StoredBlob> put_blob(const TransferOptions& options, const std::filesystem::path& file, std::string_view sha256);

// Downloads the file `sha256` into `out` (created, 0600, synced; the caller removes it on
// failure), hashing as it goes: a body whose SHA-256 is not `sha256`, or longer than
// `max_bytes`, fails (Origin::server, internal / too_large). Absent or not readable by this
// user: Origin::server, not_found. Returns the number of bytes.
Outcome<std::int64_t> get_blob(const TransferOptions& options, std::string_view sha256,
                               const std::filesystem::path& out, std::uint64_t max_bytes);

// POSTs `body` to `path_and_query` (under the server's prefix, e.g. "/v1/invitations/cohort?mode=check")
// and returns the answer's JSON object; an error answer comes back as Origin::server with its code.
Outcome<boost::json::object> post_for_json(const TransferOptions& options, std::string_view path_and_query,
                                           std::string_view content_type, std::string body);

}  // namespace passerelle::client::files
