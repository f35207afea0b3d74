// The free meeting slots of a mentorship as the device computes them from its local view
// (docs/mentoring.md, "Time zones"): the one place the CLI (`passerelle slots`) and the C API
// (psl_client_slots) take them from, so both offer exactly the same slots.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/time.h"

namespace passerelle::client {

class Client;

inline constexpr int kDefaultSlotDays = 21;
inline constexpr int kMaxSlotDays = 90;
// The server refuses requests with less notice than this by default: earlier slots are not offered.
inline constexpr std::chrono::hours kSlotNotice{24};
inline constexpr std::size_t kMaxFreeSlots = 200;

// Pure: the mentor's free one-hour slots from the rows the device holds — the mentor's
// `availability` row and the `busy` rows of both people (absent rows: pass none) — starting at
// or after now + kSlotNotice, within `days` (clamped to 1..kMaxSlotDays), at most kMaxFreeSlots,
// in time order. A malformed availability row fails with its decoding error (bad_request).
Result<std::vector<mentors::Slot>> free_slots_from_rows(const boost::json::object& availability_row,
                                                        const std::vector<boost::json::object>& busy_rows,
                                                        Timestamp now, int days);

// A person's IANA zone from the local view (local_views.h's rule, read through the Client).
std::string person_time_zone(Client& client, std::string_view user_id);

// An instant as RFC 3339 local time with its offset in `zone` ("2027-03-09T18:00:00-05:00");
// nullopt for an unknown zone.
std::optional<std::string> format_rfc3339_in_zone(Timestamp t, std::string_view zone);

}  // namespace passerelle::client
