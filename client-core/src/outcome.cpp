// Outcome's names, apart from anything that needs the network: the WebAssembly build uses them.
#include "passerelle/outcome.h"

namespace passerelle::client {

std::string_view to_string(Origin origin) noexcept {
  switch (origin) {
    case Origin::server: return "server";
    case Origin::network: return "network";
    case Origin::local: return "local";
    case Origin::usage: return "usage";
  }
  return "local";
}

}  // namespace passerelle::client
