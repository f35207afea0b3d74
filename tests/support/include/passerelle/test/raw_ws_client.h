// A blocking WebSocket client for tests that need to misbehave: raw bytes, binary frames,
// oversized frames, reading close codes. Every operation has a timeout and never throws.
//
//   RawWsClient ws;
//   ASSERT_TRUE(ws.connect(server.port()));
//   auto hello = ws.request(R"({"id":1,"type":"hello","protocol":1})");
//   EXPECT_EQ(hello.at("ok"), true);
//
// wss: connect_tls(port, ca_file) verifies the server against `ca_file` (host 127.0.0.1 or
// "localhost" as in the certificate's name).
#pragma once

#include <boost/json/object.hpp>

#include "passerelle/test/http_client.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace passerelle::test {

class RawWsClient {
 public:
  using ms = std::chrono::milliseconds;

  struct Frame {
    enum class Kind { text, binary, closed, timeout, error } kind = Kind::error;
    std::string data;        // text/binary payload
    int close_code = 0;      // Kind::closed: the code the server sent (0 if none)
    std::string error;       // Kind::error: what failed
    bool is_text() const { return kind == Kind::text; }
  };

  struct TlsOptions {
    std::string ca_file;             // verify against this PEM (empty: no verification)
    std::string server_name = "localhost";
    int max_version = 0;             // e.g. TLS1_1_VERSION to test refusal (0: library default)
  };

  RawWsClient();
  ~RawWsClient();
  RawWsClient(const RawWsClient&) = delete;
  RawWsClient& operator=(const RawWsClient&) = delete;

  // TCP connect + WebSocket handshake on `target`. False with last_error() on failure.
  bool connect(std::uint16_t port, const std::string& target = "/v1/ws", ms timeout = ms(5000));
  bool connect_tls(std::uint16_t port, const TlsOptions& tls, const std::string& target = "/v1/ws",
                   ms timeout = ms(5000));

  bool send_text(const std::string& text, ms timeout = ms(5000));
  bool send_binary(const std::string& bytes, ms timeout = ms(5000));
  // Bytes written as-is to the transport under the WebSocket (hand-made frames).
  bool send_raw(const std::string& bytes, ms timeout = ms(5000));

  // The next frame (pings are answered automatically and not returned).
  Frame read(ms timeout = ms(5000));
  // Reads frames until an answer with "re" == id arrives (events are skipped); empty object on
  // timeout/close. Convenience for tests that only care about one answer.
  boost::json::object read_answer(std::int64_t id, ms timeout = ms(5000));
  // send_text(frame) then read_answer(id of frame).
  boost::json::object request(const std::string& frame, ms timeout = ms(5000));
  // Builds {"id":id,"type":type,...fields}, sends it and reads the answer.
  boost::json::object call(std::int64_t id, const std::string& type, boost::json::object fields = {},
                           ms timeout = ms(5000));

  // Sends a close frame (1000) and waits for the server's.
  bool close(ms timeout = ms(5000));
  bool is_open() const;
  const std::string& last_error() const { return error_; }

  struct Impl;  // opaque (Beast streams); public only so the .cpp's helpers can name it

 private:
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

// Opens a TCP connection, optionally sends `bytes`, then waits until the server closes it.
// Returns true if the server closed within `timeout` (slow-handshake tests).
bool server_closes_idle_tcp(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout);


// An answer's error code for assertions: "<ok>" for a success, "<no answer>" for an empty
// object (a timeout), else the code.
inline std::string code_of(const boost::json::object& answer) {
  if (!answer.contains("error")) return answer.empty() ? "<no answer>" : "<ok>";
  return std::string(answer.at("error").at("code").as_string());
}
// An answer's error message, "" when it has none.
inline std::string message_of(const boost::json::object& answer) {
  if (!answer.contains("error")) return "";
  return std::string(answer.at("error").at("message").as_string());
}

}  // namespace passerelle::test
