// UTC time on the wire and IANA zones for people. Instants are always UTC milliseconds;
// a local time exists only for display and for rules a person states in their own zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace passerelle {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

Timestamp now_utc();
inline std::int64_t to_unix_ms(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp from_unix_ms(std::int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

// RFC 3339 in UTC with milliseconds: "2026-11-28T15:02:42.123Z".
std::string format_rfc3339(Timestamp t);
// Accepts RFC 3339 date-times: "Z" or "+hh:mm"/"-hh:mm" offsets, optional fraction (up to
// nanoseconds, truncated to ms), 'T' or 't' separator. Rejects anything else, including
// out-of-range fields (month 13, Feb 30, hour 24).
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// A calendar date "YYYY-MM-DD" (e.g. a planned arrival date) checked for validity.
std::optional<std::chrono::sys_days> parse_date(std::string_view text);
std::string format_date(std::chrono::sys_days d);

// The calendar date in `zone` at instant `t` (a due date is overdue once the candidate's own
// date has passed it); nullopt for an unknown zone.
std::optional<std::chrono::sys_days> local_date(Timestamp t, std::string_view zone);

// True when `name` is a zone of the system's IANA database, e.g. "America/Toronto".
bool is_valid_time_zone(std::string_view name);
// The wall-clock time in `zone` as "YYYY-MM-DD HH:MM"; nullopt for an unknown zone.
std::optional<std::string> format_local(Timestamp t, std::string_view zone);

// One stretch of time over which a zone keeps one UTC offset.
struct ZoneSpan {
  Timestamp begin;                // inclusive
  Timestamp end;                  // exclusive
  std::chrono::minutes offset{};  // local = UTC + offset
  std::string abbrev;             // "EST", "+01"
};
// The spans of `zone` that cover [from, to), in time order, clipped to it (the first begins at
// `from`, the last ends at `to`); nullopt for an unknown zone or to <= from. A display that shows
// local times from these spans shows exactly the wall clock the core computes, whatever time
// zone data the display's own platform carries (a browser's may be older or newer than ours).
// At most 1,000 spans: a longer range is cut there.
std::optional<std::vector<ZoneSpan>> zone_spans(std::string_view zone, Timestamp from, Timestamp to);

}  // namespace passerelle
