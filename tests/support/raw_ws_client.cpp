// Blocking test client over Beast. Every operation is started asynchronously and the private
// io_context is run for at most the timeout, so no test can hang on a silent server.
#include "passerelle/test/raw_ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/ssl.h>

#include <optional>

namespace passerelle::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ms = std::chrono::milliseconds;

namespace {
// Runs `ioc` until `done` or the timeout; on timeout calls `abort` and drains.
template <class Abort>
bool run_until(asio::io_context& ioc, const bool& done, ms timeout, Abort abort) {
  ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_for(std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now()));
  }
  if (done) return true;
  abort();
  ioc.restart();
  ioc.run_for(ms(500));
  return false;
}
}  // namespace

struct RawWsClient::Impl {
  asio::io_context ioc;
  std::optional<ssl::context> ssl_ctx;
  std::optional<websocket::stream<beast::tcp_stream>> plain;
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> tls;
  beast::flat_buffer buffer;

  template <class F>
  decltype(auto) with_ws(F&& f) {
    if (tls) return f(*tls);
    return f(*plain);
  }
  beast::tcp_stream& lowest() {
    if (tls) return beast::get_lowest_layer(*tls);
    return beast::get_lowest_layer(*plain);
  }
  void abort() {
    beast::error_code ec;
    lowest().socket().close(ec);
  }
};

RawWsClient::RawWsClient() : impl_(std::make_unique<Impl>()) {}
RawWsClient::~RawWsClient() = default;

bool RawWsClient::is_open() const {
  if (impl_->tls) return impl_->tls->is_open();
  return impl_->plain && impl_->plain->is_open();
}

static bool tcp_connect(asio::io_context& ioc, beast::tcp_stream& stream, std::uint16_t port, ms timeout,
                        std::string* error) {
  bool done = false;
  beast::error_code result;
  stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  if (!run_until(ioc, done, timeout, [&] { beast::error_code ec; stream.socket().close(ec); })) {
    *error = "connect timed out";
    return false;
  }
  if (result) *error = "connect: " + result.message();
  return !result;
}

bool RawWsClient::connect(std::uint16_t port, const std::string& target, ms timeout) {
  auto& im = *impl_;
  im.plain.emplace(im.ioc);
  if (!tcp_connect(im.ioc, beast::get_lowest_layer(*im.plain), port, timeout, &error_)) return false;
  im.plain->read_message_max(64 * 1024 * 1024);
  bool done = false;
  beast::error_code result;
  std::string host = "127.0.0.1:" + std::to_string(port);
  im.plain->async_handshake(host, target, [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  if (!run_until(im.ioc, done, timeout, [&] { im.abort(); })) return error_ = "handshake timed out", false;
  if (result) error_ = "handshake: " + result.message();
  return !result;
}

bool RawWsClient::connect_tls(std::uint16_t port, const TlsOptions& opts, const std::string& target, ms timeout) {
  auto& im = *impl_;
  im.ssl_ctx.emplace(ssl::context::tls_client);
  if (!opts.ca_file.empty()) {
    beast::error_code ec;
    im.ssl_ctx->load_verify_file(opts.ca_file, ec);
    if (ec) return error_ = "load ca: " + ec.message(), false;
    im.ssl_ctx->set_verify_mode(ssl::verify_peer);
  }
  if (opts.max_version) {
    // Let an old client actually offer the old protocol: the server must be the one refusing.
    SSL_CTX_set_security_level(im.ssl_ctx->native_handle(), 0);
    SSL_CTX_set_cipher_list(im.ssl_ctx->native_handle(), "ALL:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(im.ssl_ctx->native_handle(), 0);
    SSL_CTX_set_max_proto_version(im.ssl_ctx->native_handle(), opts.max_version);
  }
  im.tls.emplace(im.ioc, *im.ssl_ctx);
  if (!tcp_connect(im.ioc, beast::get_lowest_layer(*im.tls), port, timeout, &error_)) return false;
  SSL_set_tlsext_host_name(im.tls->next_layer().native_handle(), opts.server_name.c_str());
  if (!opts.ca_file.empty())
    im.tls->next_layer().set_verify_callback(ssl::host_name_verification(opts.server_name));
  bool done = false;
  beast::error_code result;
  im.tls->next_layer().async_handshake(ssl::stream_base::client, [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  if (!run_until(im.ioc, done, timeout, [&] { im.abort(); })) return error_ = "TLS handshake timed out", false;
  if (result) return error_ = "TLS handshake: " + result.message(), false;
  im.tls->read_message_max(64 * 1024 * 1024);
  done = false;
  im.tls->async_handshake("localhost:" + std::to_string(port), target, [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  if (!run_until(im.ioc, done, timeout, [&] { im.abort(); })) return error_ = "handshake timed out", false;
  if (result) error_ = "handshake: " + result.message();
  return !result;
}

static bool write_frame(RawWsClient::Impl& im, const std::string& data, bool binary, ms timeout, std::string* err) {
  bool done = false;
  beast::error_code result;
  im.with_ws([&](auto& ws) {
    ws.binary(binary);
    ws.async_write(asio::buffer(data), [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
  });
  if (!run_until(im.ioc, done, timeout, [&] { im.abort(); })) return *err = "write timed out", false;
  if (result) *err = "write: " + result.message();
  return !result;
}

bool RawWsClient::send_text(const std::string& text, ms timeout) {
  if (!impl_->plain && !impl_->tls) return false;
  return write_frame(*impl_, text, false, timeout, &error_);
}

bool RawWsClient::send_binary(const std::string& bytes, ms timeout) {
  if (!impl_->plain && !impl_->tls) return false;
  return write_frame(*impl_, bytes, true, timeout, &error_);
}

bool RawWsClient::send_raw(const std::string& bytes, ms timeout) {
  auto& im = *impl_;
  bool done = false;
  beast::error_code result;
  auto handler = [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  };
  if (im.tls) asio::async_write(im.tls->next_layer(), asio::buffer(bytes), handler);
  else asio::async_write(im.lowest(), asio::buffer(bytes), handler);
  if (!run_until(im.ioc, done, timeout, [&] { im.abort(); })) return error_ = "write timed out", false;
  return !result;
}

RawWsClient::Frame RawWsClient::read(ms timeout) {
  auto& im = *impl_;
  Frame f;
  if (!im.plain && !im.tls) return f.error = "not connected", f;
  bool done = false;
  beast::error_code result;
  im.buffer.consume(im.buffer.size());
  im.with_ws([&](auto& ws) {
    ws.async_read(im.buffer, [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
  });
  if (!run_until(im.ioc, done, timeout, [&] { im.abort(); })) {
    f.kind = Frame::Kind::timeout;
    return f;
  }
  if (result == websocket::error::closed) {
    f.kind = Frame::Kind::closed;
    f.close_code = im.with_ws([](auto& ws) { return static_cast<int>(ws.reason().code); });
    return f;
  }
  if (result) {
    f.kind = Frame::Kind::error;
    f.error = result.message();
    return f;
  }
  bool binary = im.with_ws([](auto& ws) { return ws.got_binary(); });
  f.kind = binary ? Frame::Kind::binary : Frame::Kind::text;
  f.data = beast::buffers_to_string(im.buffer.data());
  return f;
}

boost::json::object RawWsClient::read_answer(std::int64_t id, ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    Frame f = read(left);
    if (!f.is_text()) return {};
    boost::system::error_code ec;
    auto v = boost::json::parse(f.data, ec);
    if (ec || !v.is_object()) continue;
    auto& o = v.as_object();
    auto it = o.find("re");
    if (it != o.end() && it->value().is_int64() && it->value().as_int64() == id) return o;
  }
}

boost::json::object RawWsClient::request(const std::string& frame, ms timeout) {
  boost::system::error_code ec;
  auto v = boost::json::parse(frame, ec);
  std::int64_t id = (!ec && v.is_object() && v.as_object().contains("id") && v.as_object().at("id").is_int64())
                        ? v.as_object().at("id").as_int64()
                        : 0;
  if (!send_text(frame, timeout)) return {};
  return read_answer(id, timeout);
}

boost::json::object RawWsClient::call(std::int64_t id, const std::string& type, boost::json::object fields,
                                      ms timeout) {
  boost::json::object o{{"id", id}, {"type", type}};
  for (auto& kv : fields) o[kv.key()] = kv.value();
  return request(boost::json::serialize(o), timeout);
}

bool RawWsClient::close(ms timeout) {
  auto& im = *impl_;
  if (!is_open()) return false;
  bool done = false;
  beast::error_code result;
  im.with_ws([&](auto& ws) {
    ws.async_close(websocket::close_code::normal, [&](beast::error_code ec) {
      result = ec;
      done = true;
    });
  });
  if (!run_until(im.ioc, done, timeout, [&] { im.abort(); })) return false;
  return !result;
}

bool server_closes_idle_tcp(std::uint16_t port, const std::string& bytes, ms timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  std::string err;
  if (!tcp_connect(ioc, stream, port, ms(5000), &err)) return false;
  if (!bytes.empty()) {
    beast::error_code ec;
    asio::write(stream.socket(), asio::buffer(bytes), ec);
  }
  bool done = false;
  beast::error_code result;
  char buf[512];
  std::function<void()> read_more = [&] {
    stream.socket().async_read_some(asio::buffer(buf), [&](beast::error_code ec, std::size_t) {
      if (ec) {
        result = ec;
        done = true;
      } else {
        read_more();  // data (e.g. an error page) is fine; we wait for the close
      }
    });
  };
  read_more();
  return run_until(ioc, done, timeout, [&] { beast::error_code ec; stream.socket().close(ec); });
}


}  // namespace passerelle::test
