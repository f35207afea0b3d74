// Every request type and HTTP route `serve` offers, registered in one call, so that the
// server and the fuzz target of its HTTP/WebSocket entry (tests/fuzz) run the same set.
#pragma once

#include "net/dispatcher.h"
#include "net/http_routes.h"
#include "services.h"

namespace passerelle::server::files {
class FileStore;
}

namespace passerelle::server::handlers {

void register_all(net::Dispatcher& dispatcher, net::HttpRoutes& routes, Services& services,
                  const files::FileStore& file_store);

}  // namespace passerelle::server::handlers
