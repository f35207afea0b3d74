#include "health_routes.h"

#include <sstream>

#include "../cluster/pg_bus.h"

namespace passerelle::server::handlers {
namespace {

net::HttpAnswer text(unsigned status, std::string body, std::string type = "text/plain; charset=utf-8") {
  net::HttpAnswer a;
  a.status = status;
  a.content_type = std::move(type);
  a.body = std::move(body);
  return a;
}

// A route matches by prefix: only the exact path and GET/HEAD are this endpoint.
std::optional<net::HttpAnswer> refusal(const net::HttpRequest& req, std::string_view path) {
  if (req.path != path) return text(404, "not found\n");
  if (req.method != "GET" && req.method != "HEAD") return text(405, "method not allowed\n");
  return std::nullopt;
}

std::string bus_metrics(const cluster::PgBus& bus) {
  auto s = bus.stats();
  std::ostringstream out;
  out << "# HELP passerelle_cluster_listening 1 while the LISTEN/NOTIFY connection between instances is up.\n"
         "# TYPE passerelle_cluster_listening gauge\n"
      << "passerelle_cluster_listening " << (bus.listening() ? 1 : 0) << "\n"
      << "# HELP passerelle_cluster_reconnects_total Times the LISTEN/NOTIFY connection was lost or could not be opened.\n"
         "# TYPE passerelle_cluster_reconnects_total counter\n"
      << "passerelle_cluster_reconnects_total " << s.reconnects << "\n";
  return out.str();
}

}  // namespace

void add_health_routes(net::HttpRoutes& routes, const storage::Database& db, const Metrics& metrics,
                       const cluster::PgBus* bus) {
  constexpr std::size_t kNoBody = 1024;
  routes.add({"/healthz", kNoBody, [&db](net::HttpRequest req, net::Respond respond) {
                if (auto no = refusal(req, "/healthz")) return respond(std::move(*no));
                auto h = db.health();
                if (h.reachable) return respond(text(200, "ok\n"));
                auto a = text(503, "unavailable: " + h.reason + "\n");
                auto wait = db.retry_after().value_or(std::chrono::milliseconds(1000));
                a.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000)));
                respond(std::move(a));
              }});
  routes.add({"/livez", kNoBody, [](net::HttpRequest req, net::Respond respond) {
                if (auto no = refusal(req, "/livez")) return respond(std::move(*no));
                respond(text(200, "alive\n"));
              }});
  routes.add({"/metrics", kNoBody, [&db, &metrics, bus](net::HttpRequest req, net::Respond respond) {
                if (auto no = refusal(req, "/metrics")) return respond(std::move(*no));
                std::string body = metrics.render() + db.render_metrics();
                if (bus) body += bus_metrics(*bus);
                respond(text(200, std::move(body), "text/plain; version=0.0.4; charset=utf-8"));
              }});
}

}  // namespace passerelle::server::handlers
