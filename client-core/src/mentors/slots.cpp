#include "passerelle/mentor_slots.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cstdio>


namespace passerelle::client {

namespace json = boost::json;

Result<std::vector<mentors::Slot>> free_slots_from_rows(const json::object& availability_row,
                                                        const std::vector<json::object>& busy_rows, Timestamp now,
                                                        int days) {
  auto av = mentors::availability_from_json(json::value(availability_row));
  if (!av) return av.error();
  std::vector<mentors::Busy> busy;
  for (const auto& row : busy_rows)
    for (auto& b : mentors::busy_of(row)) busy.push_back(std::move(b));
  return mentors::free_slots(*av, busy, now + kSlotNotice, kMaxFreeSlots,
                             std::chrono::days(std::clamp(days, 1, kMaxSlotDays)));
}

std::optional<std::string> format_rfc3339_in_zone(Timestamp t, std::string_view zone) {
  try {
    const date::time_zone* z = date::locate_zone(zone);
    auto secs = std::chrono::floor<std::chrono::seconds>(t);
    date::zoned_time<std::chrono::seconds> zt(z, secs);
    auto offset = std::chrono::duration_cast<std::chrono::minutes>(zt.get_info().offset).count();
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, static_cast<int>(offset / 60), static_cast<int>(offset % 60));
    return date::format("%FT%T", zt.get_local_time()) + buf;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace passerelle::client
