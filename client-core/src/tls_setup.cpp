#include "tls_setup.h"

#include <boost/asio/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>
#include <filesystem>

namespace passerelle::client::tls {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

std::optional<Failure> configure_context(ssl::context& ctx, const std::string& ca_file) {
  error_code ec;
  ctx.set_verify_mode(ssl::verify_peer);
  // A device without a system store may still verify against the extra CA below.
  ctx.set_default_verify_paths(ec);
  if (ca_file.empty()) return std::nullopt;
  std::error_code fs_ec;
  if (!std::filesystem::is_regular_file(ca_file, fs_ec))
    return usage_failure("the CA file " + ca_file + " does not exist or is not a file");
  ctx.load_verify_file(ca_file, ec);
  if (ec) {
    std::string why = ec.message();
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return usage_failure("cannot use the CA file " + ca_file + ": " + why);
  }
  return std::nullopt;
}

std::optional<Failure> prepare_stream(Stream& stream, const ServerUrl& url) {
  if (!url.host_is_ip() && !SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    return network_failure("cannot set the TLS server name " + url.host);
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  return std::nullopt;
}

std::optional<Failure> certificate_failure(Stream& stream, const error_code& ec, const ServerUrl& url) {
  bool verify_failed = ec.category() == boost::asio::error::get_ssl_category() &&
                       ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
  long result = SSL_get_verify_result(stream.native_handle());
  if (!verify_failed && result == X509_V_OK) return std::nullopt;
  std::string why = result != X509_V_OK ? X509_verify_cert_error_string(result) : "the certificate does not name this host";
  return network_failure("TLS certificate verification failed for host " + url.host + " (" + why + ") at " + url.str());
}

}  // namespace passerelle::client::tls
