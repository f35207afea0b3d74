// iCalendar (RFC 5545) for meetings: the calendar feed (/v1/calendar/<token>.ics) and the
// .ics carried by every meeting e-mail (RFC 5546 iTIP: METHOD:REQUEST for a new or changed
// meeting, METHOD:CANCEL for a cancelled one). Pure functions; docs/mentoring.md, "Calendars".
//
// Output rules: CRLF line ends; content lines folded at 75 octets (never inside a UTF-8
// character) with CRLF + one space; TEXT values escaped (\\ \; \, \n); times in UTC
// ("20270309T230000Z"); one stable UID per meeting ("<meeting id>@passerelle"); SEQUENCE is the
// meeting's own counter, raised by every reschedule and cancellation.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::mentors {

struct IcsEvent {
  std::string uid;
  int sequence = 0;
  Timestamp stamp;  // DTSTAMP: when this version of the meeting was written
  Timestamp start, end;
  std::string summary, description, location, url;
  bool cancelled = false;
  std::string organizer_email;               // iTIP: ORGANIZER (with METHOD only)
  std::vector<std::string> attendee_emails;  // iTIP: ATTENDEE
};

// TEXT escaping of RFC 5545 3.3.11.
std::string ics_escape(std::string_view text);
// One content line (without its CRLF) folded at 75 octets, each piece ending in CRLF.
std::string ics_fold(std::string_view line);
// "20270309T230000Z"
std::string ics_time(Timestamp t);

// A VCALENDAR with `events`. `method`: "" for a feed, "REQUEST" or "CANCEL" for an e-mail.
std::string ics_calendar(const std::vector<IcsEvent>& events, std::string_view method, std::string_view name = "Passerelle");

// The event of a `meetings` row as `viewer_id` sees it: summary and description in `locale`
// with the start in both people's zones and the video link.
IcsEvent meeting_event(const boost::json::object& meeting, std::string_view viewer_id, protocol::Locale locale);

}  // namespace passerelle::mentors
