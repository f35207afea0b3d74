#include "activities/seats.h"

#include <map>
#include <set>
#include <stdexcept>

#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/sync/row_fields.h"
#include "sync/change_log.h"

namespace passerelle::server::activities {
namespace ws = passerelle::sync;
namespace ac = passerelle::activities::collection;

void keep_seats_of(soci::session& sql, const std::string& activity_id) {
  auto activity = server::sync::find_row(sql, ac::activities, activity_id);
  auto roster = server::sync::find_row(sql, ac::rosters, activity_id);
  std::vector<std::string> confirmed;
  int capacity = 0;
  if (activity && roster && ws::row_string(*activity, "status") != "cancelled") {
    confirmed = ws::row_strings(*roster, "confirmed");
    capacity = static_cast<int>(ws::row_int(*activity, "capacity"));
  }
  std::map<std::string, int> held;  // candidate -> seat, as the table has it
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT candidate_id, seat FROM activity_seats WHERE activity_id = :a", soci::use(activity_id));
    for (const soci::row& r : rs) held[r.get<std::string>(0)] = r.get<int>(1);
  }
  std::set<std::string> keep(confirmed.begin(), confirmed.end());
  std::set<int> taken;
  for (const auto& [cand, seat] : held) {
    if (keep.count(cand)) {
      taken.insert(seat);
      continue;
    }
    std::string c = cand;
    sql << "DELETE FROM activity_seats WHERE activity_id = :a AND candidate_id = :c", soci::use(activity_id), soci::use(c);
  }
  int next = 1;
  for (const auto& cand : confirmed) {
    if (held.count(cand)) continue;
    while (taken.count(next)) ++next;
    int seat = next++;
    // A seat past the capacity is refused by the table's CHECK: the push rolls back.
    std::string c = cand;
    sql << "INSERT INTO activity_seats (activity_id, seat, capacity, candidate_id) VALUES (:a, :s, :k, :c)",
        soci::use(activity_id), soci::use(seat), soci::use(capacity), soci::use(c);
  }
}

void keep_seats(soci::session& sql, const std::vector<ws::Op>& ops, const std::vector<ws::OpResult>& results) {
  std::set<std::string> touched;
  for (std::size_t i = 0; i < ops.size() && i < results.size(); ++i) {
    if (results[i].status != ws::OpStatus::applied) continue;
    const auto& name = ops[i].name;
    const char* key = name == "activity.register" || name == "activity.unregister" ? "activity_id"
                      : name == "activity.cancel"                                  ? "id"
                                                                                   : nullptr;
    if (!key) continue;
    if (auto* v = ops[i].args.if_contains(key); v && v->is_string()) touched.insert(std::string(v->get_string()));
  }
  for (const auto& id : touched) keep_seats_of(sql, id);
}

}  // namespace passerelle::server::activities
