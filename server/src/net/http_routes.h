// HTTP endpoints of feature modules (uploads, calendar feeds), beside the built-in ones
// (/healthz, /metrics, /v1/ws, static files). The transport (server.cpp) reads the request,
// enforcing each route's body limit before reading the body (413 at the headers when the
// declared length is over it), then calls the handler. Handlers run on the connection's strand
// and must not block: they hand work to the WorkerPool/Writer and call `respond` once, from
// any thread.
//
//   routes.add({"/v1/blobs/", 10 << 20, [&](net::HttpRequest req, net::Respond respond) {
//     svc.workers.post([req = std::move(req), respond] { respond(net::json_answer(200, {...})); });
//   }});
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::server::net {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "PUT", ...
  std::string path;    // without query
  std::string query;   // after '?', undecoded
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string remote_address;
};

// The request a route sees, from a parsed Beast request with a string body (its body is moved
// out). `path` is the target's path, as the route was found by. A template, so this header
// needs no Beast: the server's session and the fuzz target both build requests with it.
template <class BeastRequest>
HttpRequest route_request(BeastRequest& req, std::string_view path, std::string remote_address) {
  HttpRequest in;
  std::string_view target = req.target();
  in.method = std::string(req.method_string());
  in.path = std::string(path);
  if (auto q = target.find('?'); q != std::string_view::npos) in.query = std::string(target.substr(q + 1));
  in.authorization = std::string(req["Authorization"]);
  in.content_type = std::string(req["Content-Type"]);
  in.body = std::move(req.body());
  in.remote_address = std::move(remote_address);
  return in;
}

// A body sent as it is made (chunked transfer coding), so it is never held whole: the
// transport calls it for the next piece once the previous one is sent, and it calls `give`
// once, from any thread, with that piece: "" ends the body; nullopt means it cannot go on (the
// connection is cut, so the client sees an unfinished download, never a short complete one).
using GivePiece = std::function<void(std::optional<std::string>)>;
using NextPiece = std::function<void(GivePiece give)>;

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::filesystem::path file;  // when not empty, the body is this file's content
  NextPiece stream;            // when set, the body comes from it (`body` and `file` are unused)
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(HttpAnswer)>;
using HttpHandler = std::function<void(HttpRequest, Respond)>;

struct HttpRoute {
  std::string prefix;    // matches every path starting with it
  std::size_t max_body;  // larger bodies are refused with 413 too_large
  HttpHandler handler;
};

class HttpRoutes {
 public:
  // Registering a prefix twice is a programming error (throws logic_error). Call at startup.
  void add(HttpRoute route);
  // The route with the longest matching prefix, or nullptr.
  const HttpRoute* find(std::string_view path) const;

 private:
  std::vector<HttpRoute> routes_;
};

// The protocol's error as JSON ({"error":{"code","message"}}) with its HTTP status
// (bad_request 400, unauthenticated 401, forbidden 403, not_found 404, conflict 409,
// too_large 413, unsupported 415, rate_limited 429, internal 500).
HttpAnswer error_answer(const Error& error);
HttpAnswer json_answer(unsigned status, const boost::json::object& body);
unsigned http_status_of(ErrorCode code);

// The token of an "Authorization: Bearer <token>" header, or "" when absent or malformed.
std::string bearer_token(std::string_view authorization);

}  // namespace passerelle::server::net
