#include "profiles.h"

#include <boost/json/parse.hpp>
#include <soci/soci.h>

#include "passerelle/shared/sync/collections.h"
#include "sync/change_log.h"

namespace passerelle::server::storage {

boost::json::object new_profile_row_with(const protocol::UserInfo& user, Timestamp now,
                                         const boost::json::object& fields) {
  auto row = passerelle::sync::new_profile_row(user, now);
  for (const auto& kv : fields) {
    std::string_view k = kv.key();
    if (k == "id" || k == "role" || k == "name" || k == "locale" || k == "created_at" || k == "updated_at" ||
        k == "coach_id" || k == "coach_thread_id")
      continue;
    row[k] = kv.value();
  }
  return row;
}

void write_new_profile(soci::session& sql, const protocol::UserInfo& user, Timestamp now,
                       const boost::json::object& fields) {
  server::sync::ChangeLog log(sql, now);
  log.put(passerelle::sync::collection::profiles, user.id, new_profile_row_with(user, now, fields), {user.id});
}

std::optional<boost::json::object> read_profile(soci::session& sql, const std::string& user_id) {
  // ChangeLog::get only reads; any connection will do.
  server::sync::ChangeLog log(sql, now_utc());
  return log.get(passerelle::sync::collection::profiles, user_id);
}

}  // namespace passerelle::server::storage
