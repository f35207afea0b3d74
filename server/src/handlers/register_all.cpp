#include "handlers/register_all.h"

#include "calendar/calendar.h"

namespace passerelle::server::handlers {

void register_all(net::Dispatcher& dispatcher, net::HttpRoutes& routes, Services& services,
                  const files::FileStore& file_store) {
  register_auth_handlers(dispatcher, services);
  register_invite_handlers(dispatcher, services);
  register_sync_handlers(dispatcher, services);
  register_dashboard_handlers(dispatcher, services);
  register_staff_tool_handlers(dispatcher, services);
  register_account_admin_handlers(dispatcher, services);
  register_password_handlers(dispatcher, services);
  register_session_handlers(dispatcher, services);
  register_account_handlers(dispatcher, services, file_store);  // privacy rights
  register_dashboard_routes(routes, services);
  register_invite_routes(routes, services);  // the cohort upload
  register_file_routes(routes, services, file_store);
  calendar::register_calendar_routes(routes, services);  // GET /v1/calendar/<token>.ics
}

}  // namespace passerelle::server::handlers
