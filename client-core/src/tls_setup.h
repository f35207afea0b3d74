// TLS client setup shared by the WebSocket connection (connection.cpp) and the file transfers
// (files/blob_transfer.cpp): one trust policy (the system store plus an optional extra CA),
// the same host name checks, and the same words when a certificate does not verify. A second
// copy of these few lines would be the place where one path someday stops checking host names.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <string>

#include "passerelle/outcome.h"
#include "passerelle/server_url.h"

namespace passerelle::client::tls {

using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Peer verification against the system store and, when `ca_file` is not empty, that PEM file.
// A CA file that is missing or unreadable is the caller's input to fix: Origin::usage.
std::optional<Failure> configure_context(boost::asio::ssl::context& ctx, const std::string& ca_file);

// Before the handshake: SNI (host names only, never IP literals: RFC 6066) and the check that
// the certificate names url.host.
std::optional<Failure> prepare_stream(Stream& stream, const ServerUrl& url);

// After a failed handshake: the failure to report when it failed because the certificate did
// not verify (untrusted, expired, another host's), else nullopt (a network problem).
std::optional<Failure> certificate_failure(Stream& stream, const boost::system::error_code& ec, const ServerUrl& url);

}  // namespace passerelle::client::tls
