// The native default Transport: each socket is a bare Connection (connection.h, Boost.Beast
// with TLS checks), running on its own I/O thread and reporting through SocketEvents from it.
#pragma once

#include <memory>

#include "connection.h"
#include "passerelle/transport.h"

namespace passerelle::client {

// `options.url` is replaced by the URL each open() names; the rest (CA file, connect timeout,
// frame limit) applies to every socket.
std::shared_ptr<Transport> make_builtin_transport(ConnectionOptions options);

}  // namespace passerelle::client
