// GET /v1/calendar/<token>.ics through the server's HTTP routes (net/http_routes.h).
#include "../log.h"
#include "../net/http_routes.h"
#include "../services.h"
#include "calendar/calendar.h"
#include "passerelle/shared/crypto.h"
#include "../storage/db_error.h"

namespace passerelle::server::calendar {

void register_calendar_routes(net::HttpRoutes& routes, Services& svc) {
  routes.add({"/v1/calendar/", 0, [&svc](net::HttpRequest req, net::Respond respond) {
                if (req.method != "GET" && req.method != "HEAD")
                  return respond(net::error_answer(Error{ErrorCode::unsupported, "calendar feeds answer GET only"}));
                auto token = token_of_path(req.path);
                if (!token) return respond(net::error_answer(Error{ErrorCode::not_found, "no such calendar"}));
                svc.workers.post([&svc, hash = sha256_hex(*token), respond] {
                  try {
                    auto ics = svc.db.read([&](soci::session& sql) -> std::optional<std::string> {
                      auto owner = feed_owner(sql, hash);
                      if (!owner) return std::nullopt;
                      return feed_ics(sql, *owner);
                    });
                    if (!ics) return respond(net::error_answer(Error{ErrorCode::not_found, "no such calendar"}));
                    net::HttpAnswer a;
                    a.content_type = "text/calendar; charset=utf-8";
                    a.body = std::move(*ics);
                    a.headers.emplace_back("Cache-Control", "private, no-cache");
                    respond(std::move(a));
                  } catch (const std::exception& e) {
                    log::error("calendar_feed_failed", storage::failure_fields(e));
                    respond(net::error_answer(Error{ErrorCode::internal, "the calendar could not be read"}));
                  }
                });
              }});
}

}  // namespace passerelle::server::calendar
