// The pure part of files over HTTP (docs/protocol.md, PUT and GET /v1/blobs/<sha256>): where a
// blob lives given the WebSocket URL, and what an HTTP error answer means. The native transfer
// (blob_transfer.cpp, Beast) and the browser's (bindings/web: the Worker's fetch, the core
// reading the answer) both use these, so both derive the same URL and report the same errors.
#pragma once

#include <string>
#include <string_view>

#include "passerelle/outcome.h"
#include "passerelle/server_url.h"

namespace passerelle::client::files {

// "http://host:port[/prefix]": the server's HTTP base for the WebSocket URL `u` (https for
// wss); a server behind a path prefix (wss://host/passerelle/v1/ws) serves its blobs under it.
std::string http_base(const ServerUrl& u);
// "http://host:port[/prefix]/v1/blobs/<sha256>"
std::string blob_url(const ServerUrl& server, std::string_view sha256);
// The path part of blob_url: "[/prefix]/v1/blobs/<sha256>".
std::string blob_target(const ServerUrl& server, std::string_view sha256);
// The protocol's error code for an HTTP status without a readable body.
ErrorCode code_for_status(unsigned status);
// The server's refusal: its {"error": {"code", "message"}} body, else its status's code.
Failure answer_failure(unsigned status, const std::string& body);

}  // namespace passerelle::client::files
