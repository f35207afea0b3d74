// The one translation unit that compiles Boost.Asio, Boost.Asio.SSL and Boost.Beast
// (BOOST_*_SEPARATE_COMPILATION): every other file includes only their headers.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
