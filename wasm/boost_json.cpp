// Boost.JSON compiled into this build once, header-only (Debian ships no WebAssembly library).
#include <boost/json/src.hpp>
