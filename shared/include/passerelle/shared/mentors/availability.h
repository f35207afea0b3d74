// A mentor's availability and the one-hour slots it offers (docs/mentoring.md, "Time zones").
//
// A mentor states windows in their own zone: weekly ("Tuesday 18:00-20:00"), one-off additions
// on a date, and blocked dates. Slots are one hour, anchored at each window's start (18:00,
// 19:00 ...), and computed per local date with that date's UTC offset, so a clock change in
// either person's zone moves nothing the mentor said. Rules at a clock change, in the
// mentor's zone:
//   - a slot whose local start does not exist (spring-forward gap) is not offered;
//   - a slot whose local start happens twice (fall-back repeat) starts at the first one;
//   - a slot lasts one real hour (60 minutes of UTC), whatever the wall clock shows.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/time.h"

namespace passerelle::mentors {

inline constexpr std::chrono::minutes kSlotLength{60};

struct WeeklyWindow {
  unsigned weekday = 1;  // ISO: 1 = Monday ... 7 = Sunday
  int start_min = 0;     // minutes after local midnight, 0..1439
  int end_min = 0;       // start_min + 60 .. 1440 (24:00)
};

struct DatedWindow {
  std::chrono::sys_days date;  // a local date in the mentor's zone
  int start_min = 0;
  int end_min = 0;
};

struct Availability {
  std::string time_zone;  // the mentor's IANA zone: every window is read in it
  std::vector<WeeklyWindow> weekly;
  std::vector<DatedWindow> additions;
  std::vector<std::chrono::sys_days> blocked;  // no slot at all on these local dates
};

// Strict decoding of {time_zone, weekly:[{weekday, start:"HH:MM", end:"HH:MM"}],
// additions:[{date, start, end}], blocked:["YYYY-MM-DD"]}: names the bad field; windows last
// at least an hour and at most 24; at most 50 weekly windows, 200 additions, 400 blocked dates.
Result<Availability> availability_from_json(const boost::json::value& v);
boost::json::object to_json(const Availability& a);

// "HH:MM" (00:00..24:00) as minutes; nullopt when malformed.
std::optional<int> parse_hhmm(std::string_view s);
std::string format_hhmm(int minutes);

struct Slot {
  Timestamp start;
  Timestamp end;
  bool operator==(const Slot&) const = default;
};

// Every slot that starts in [from, to), in time order. An unknown zone gives none.
std::vector<Slot> compute_slots(const Availability& a, Timestamp from, Timestamp to);

// True when [start, start + 1 h) is one of the slots of `a` (the server's booking check).
bool is_offered_slot(const Availability& a, Timestamp start);

// A busy interval (a meeting already booked) and whether a slot overlaps any of them.
struct Busy {
  std::string meeting_id;
  Timestamp start;
  Timestamp end;
};
bool overlaps(const std::vector<Busy>& busy, Timestamp start, Timestamp end, std::string_view except_meeting = {});
// A `busy` row's entries ({meetings:[{id, start, end}]}); malformed entries are skipped.
std::vector<Busy> busy_of(const boost::json::object& row);
boost::json::object busy_row(const std::string& user_id, const std::vector<Busy>& busy);

// The first `count` slots starting at or after `from` (within `horizon`) that overlap none of
// `busy`: the alternatives offered when a request is refused, and the CLI's free slots.
std::vector<Slot> free_slots(const Availability& a, const std::vector<Busy>& busy, Timestamp from,
                             std::size_t count, std::chrono::days horizon = std::chrono::days(42));

// "2027-03-09 18:00 America/Toronto" style display of an instant in a zone.
std::string local_label(Timestamp t, std::string_view zone);

}  // namespace passerelle::mentors
