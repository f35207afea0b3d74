#include "files/blob_http.h"

#include <boost/json/parse.hpp>

namespace passerelle::client::files {

std::string http_base(const ServerUrl& u) {
  std::string text = (u.tls ? "https://" : "http://") + u.host_port();
  constexpr std::string_view kWs = "/v1/ws";
  if (u.path.size() > kWs.size() && u.path.compare(u.path.size() - kWs.size(), kWs.size(), kWs) == 0)
    text += u.path.substr(0, u.path.size() - kWs.size());
  return text;
}

std::string blob_url(const ServerUrl& server, std::string_view sha256) {
  return http_base(server) + "/v1/blobs/" + std::string(sha256);
}

std::string blob_target(const ServerUrl& u, std::string_view sha256) {
  std::string base = http_base(u);
  auto slash = base.find('/', base.find("//") + 2);
  std::string prefix = slash == std::string::npos ? "" : base.substr(slash);
  return prefix + "/v1/blobs/" + std::string(sha256);
}

ErrorCode code_for_status(unsigned status) {
  switch (status) {
    case 400: return ErrorCode::bad_request;
    case 401: return ErrorCode::unauthenticated;
    case 403: return ErrorCode::forbidden;
    case 404: return ErrorCode::not_found;
    case 409: return ErrorCode::conflict;
    case 413: return ErrorCode::too_large;
    case 415: return ErrorCode::unsupported;
    case 429: return ErrorCode::rate_limited;
    default: return ErrorCode::internal;
  }
}

Failure answer_failure(unsigned status, const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    auto* e = v.get_object().if_contains("error");
    if (e && e->is_object()) {
      auto* code = e->get_object().if_contains("code");
      auto* message = e->get_object().if_contains("message");
      if (code && code->is_string())
        if (auto c = parse_error_code(code->get_string()))
          return server_failure(Error{*c, message && message->is_string() ? std::string(message->get_string())
                                                                          : "HTTP " + std::to_string(status)});
    }
  }
  return server_failure(Error{code_for_status(status), "the server answered HTTP " + std::to_string(status)});
}

}  // namespace passerelle::client::files
