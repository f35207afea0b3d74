// The operator's endpoints: GET /healthz (readiness), GET /livez (liveness) and GET /metrics
// (docs/operations.md, "Health and metrics").
//
//  * /healthz: 200 "ok" while the database answers; 503 with the reason (and Retry-After)
//    while it cannot be reached. It reads the Database monitor's cached verdict, so a storm
//    of probes never reaches the database. For nginx and load balancers: send no traffic here.
//  * /livez: 200 "alive" while the process serves HTTP, whatever the database does. For
//    systemd or an orchestrator's liveness probe: a restart would not bring PostgreSQL back.
//  * /metrics: the process counters, the database's state and reconnects, the cluster bus's.
#pragma once

#include "../metrics.h"
#include "../net/http_routes.h"
#include "../storage/database.h"

namespace passerelle::server::cluster {
class PgBus;
}

namespace passerelle::server::handlers {

// `bus` may be null (SQLite, or a single instance). All must outlive the routes.
void add_health_routes(net::HttpRoutes& routes, const storage::Database& db, const Metrics& metrics,
                       const cluster::PgBus* bus);

}  // namespace passerelle::server::handlers
