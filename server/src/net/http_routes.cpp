#include "net/http_routes.h"

#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace passerelle::server::net {

void HttpRoutes::add(HttpRoute route) {
  for (const auto& r : routes_)
    if (r.prefix == route.prefix) throw std::logic_error("HTTP route registered twice: " + route.prefix);
  routes_.push_back(std::move(route));
}

const HttpRoute* HttpRoutes::find(std::string_view path) const {
  const HttpRoute* best = nullptr;
  for (const auto& r : routes_)
    if (path.substr(0, r.prefix.size()) == r.prefix && (!best || r.prefix.size() > best->prefix.size())) best = &r;
  return best;
}

unsigned http_status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request: return 400;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::too_large: return 413;
    case ErrorCode::unsupported: return 415;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

HttpAnswer json_answer(unsigned status, const boost::json::object& body) {
  HttpAnswer a;
  a.status = status;
  a.body = boost::json::serialize(body) + "\n";
  return a;
}

HttpAnswer error_answer(const Error& error) {
  return json_answer(http_status_of(error.code),
                     {{"error", {{"code", to_string(error.code)}, {"message", error.message}}}});
}

std::string bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != std::tolower(static_cast<unsigned char>(kScheme[i])))
      return {};
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty() || token.find(' ') != std::string_view::npos) return {};
  return std::string(token);
}

}  // namespace passerelle::server::net
