#include "ws_conn.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <netinet/in.h>

#include <optional>

#include "passerelle/shared/protocol.h"

namespace passerelle::bench {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

asio::ip::address_v4 Target::source_for(std::size_t i) const {
  // 127.0.0.1, 127.0.0.2, ...: all of 127/8 is loopback on Linux.
  auto n = static_cast<unsigned>(i / (per_source ? per_source : 1));
  return asio::ip::address_v4((127u << 24) + 1u + n);
}

WsConn::WsConn(asio::io_context& io, std::size_t read_limit) : ws_(io) {
  ws_.read_message_max(read_limit);
  ws_.auto_fragment(false);
}

void WsConn::connect(const tcp::endpoint& server, const asio::ip::address_v4& source, std::function<void()> connected) {
  auto& sock = beast::get_lowest_layer(ws_).socket();
  beast::error_code ec;
  sock.open(tcp::v4(), ec);
  if (!ec) {
    // Let connect() pick the port per destination, so one source address is not limited to one
    // bound port per ephemeral number.
    int one = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sock.set_option(tcp::no_delay(true), ec);
    sock.bind(tcp::endpoint(source, 0), ec);
  }
  if (ec) return fail("socket: " + ec.message());
  sock.async_connect(server, [self = shared_from_this(), server, connected = std::move(connected)](beast::error_code ec) {
    if (ec) return self->fail("connect: " + ec.message());
    self->ws_.async_handshake(server.address().to_string() + ":" + std::to_string(server.port()), "/v1/ws",
                              [self, connected](beast::error_code ec) {
                                if (ec) return self->fail("handshake: " + ec.message());
                                self->open_ = true;
                                self->read_next();
                                connected();
                              });
  });
}

void WsConn::read_next() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->fail("read: " + ec.message());
    auto data = self->buffer_.cdata();
    std::string_view frame(static_cast<const char*>(data.data()), data.size());
    if (self->on_raw) {
      self->on_raw(frame);
    } else {
      json::error_code jec;
      // Frames of a connection that only reads them in its callbacks are parsed into one
      // reused block, with no allocation per value (the generator shares the server's cores).
      alignas(16) static unsigned char block[64 * 1024];
      std::optional<json::monotonic_resource> arena;
      json::storage_ptr storage;
      if (self->scratch_frames) storage = &arena.emplace(block, sizeof block);
      json::value v = json::parse(frame, jec, storage);
      if (!jec && v.is_object()) {
        auto& obj = v.get_object();
        auto* re = obj.if_contains("re");
        if (re && re->is_int64()) {
          auto it = self->pending_.find(re->get_int64());
          if (it != self->pending_.end()) {
            Answer answer = std::move(it->second);
            self->pending_.erase(it);
            if (answer) answer(obj);
          }
        } else if (self->on_event) {
          self->on_event(obj);
        }
      }
    }
    self->buffer_.consume(self->buffer_.size());
    if (!self->failed_) self->read_next();
  });
}

void WsConn::request(std::string_view type, json::object fields, Answer answer) {
  std::int64_t id = next_id_++;
  pending_.emplace(id, std::move(answer));
  send_raw(protocol::serialize_request(id, type, std::move(fields)));
}

void WsConn::request_text(std::string_view type, std::string_view fields, Answer answer) {
  std::int64_t id = next_id_++;
  pending_.emplace(id, std::move(answer));
  std::string frame;
  frame.reserve(fields.size() + type.size() + 40);
  frame += "{\"id\":";
  frame += std::to_string(id);
  frame += ",\"type\":\"";
  frame += type;
  frame += '"';
  if (!fields.empty()) {
    frame += ',';
    frame += fields;
  }
  frame += '}';
  send_raw(std::move(frame));
}

void WsConn::send_raw(std::string frame) {
  if (failed_) return;
  out_.push_back(std::move(frame));
  if (!writing_) write_next();
}

void WsConn::write_next() {
  if (out_.empty() || failed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(asio::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->fail("write: " + ec.message());
    self->out_.pop_front();
    self->write_next();
  });
}

void WsConn::hello_resume(const std::string& token, std::function<void(bool ok)> done, bool live_rows) {
  json::object hello{{"protocol", protocol::kVersion}};
  if (live_rows) hello["live_rows"] = true;
  request("hello", std::move(hello), [self = shared_from_this(), token, done](const json::object& a) {
    if (!answer_ok(a)) return done(false);
    self->request("auth.resume", {{"token", token}}, [done](const json::object& b) { done(answer_ok(b)); });
  });
}

void WsConn::abort() {
  failed_ = true;
  open_ = false;
  auto& sock = beast::get_lowest_layer(ws_).socket();
  beast::error_code ec;
  if (sock.is_open()) {
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
  }
  pending_.clear();
  on_event = nullptr;
  on_raw = nullptr;
  on_failure = nullptr;
}

void WsConn::fail(const std::string& what) {
  if (failed_) return;
  failed_ = true;
  open_ = false;
  pending_.clear();
  auto handler = std::move(on_failure);
  on_event = nullptr;
  on_raw = nullptr;
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
  if (handler) handler(what);
}

bool answer_ok(const json::object& frame) {
  auto* ok = frame.if_contains("ok");
  return ok && ok->is_bool() && ok->get_bool();
}

std::string answer_error(const json::object& frame) {
  if (auto* e = frame.if_contains("error"); e && e->is_object()) return json::serialize(*e);
  return json::serialize(frame);
}

}  // namespace passerelle::bench
