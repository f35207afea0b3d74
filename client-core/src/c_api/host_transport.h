// The C API's host transport (passerelle.h, "host transport"): a Transport whose sockets are
// the app's, reached through the psl_transport callbacks, and the psl_socket the app reports on.
#pragma once

#include <memory>

#include "passerelle/passerelle.h"
#include "passerelle/transport.h"

namespace passerelle::client {

// `t` is copied; its callbacks are checked by the caller (psl_client_open).
std::shared_ptr<Transport> make_host_transport(const psl_transport& t);

}  // namespace passerelle::client
