// Fuzz target: the iCalendar writer (shared/mentors/ics.h) behind the calendar feed and the
// meeting e-mails. The input is a JSON object:
//
//   {"meetings": [<meetings row>...], "viewer": "<user id>", "locale": "en", "method": "REQUEST",
//    "name": "<calendar name>", "texts": [{"summary": "...", "description": "...", "location": "..."}]}
//
// Meetings rows go through meeting_event as the server does; "texts" fill events directly so
// any text reaches the escaping and folding. The calendar must then hold: CRLF line ends only,
// no line over 75 octets, no UTF-8 character split by a fold (when the text was UTF-8), and
// libical (a real reader) parses it with no error into one VEVENT per event, with the same
// UID, SEQUENCE and SUMMARY.
#include <libical/ical.h>

#include <memory>

#include "fuzz_target.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/mentors/ics.h"
#include "passerelle/shared/text.h"

namespace passerelle::fuzz {
namespace json = boost::json;

namespace {

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string trim_spaces(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  s.erase(0, s.find_first_not_of(' ') == std::string::npos ? s.size() : s.find_first_not_of(' '));
  return s;
}

// What a reader gets back from ics_escape: the text without the control characters TEXT
// cannot carry, CRLF and CR read as LF; libical drops spaces around a value.
std::string expected_text(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += '\n';
    } else if (c == '\n' || c == '\t' || static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return trim_spaces(out);
}

std::string read_back(const char* s) { return trim_spaces(s ? s : ""); }

void check_lines(const std::string& ics, bool utf8) {
  std::size_t pos = 0;
  while (pos < ics.size()) {
    std::size_t end = ics.find("\r\n", pos);
    check(end != std::string::npos, "the calendar does not end with CRLF");
    std::string_view line(ics.data() + pos, end - pos);
    check(line.size() <= 75, "a line is longer than 75 octets: " + std::string(line.substr(0, 80)));
    check(line.find_first_of("\r\n") == std::string_view::npos, "a bare CR or LF inside a line");
    if (utf8 && !line.empty()) {
      std::string_view content = line.front() == ' ' ? line.substr(1) : line;
      check(content.empty() || (static_cast<unsigned char>(content.front()) & 0xC0) != 0x80,
            "a fold split a UTF-8 character");
    }
    pos = end + 2;
  }
}

}  // namespace

void ics_writer(std::string_view input) {
  auto parsed = parse_json(input);
  if (!parsed || !parsed->is_object()) return;
  const json::object& in = parsed->get_object();

  std::vector<mentors::IcsEvent> events;
  std::string viewer = text_of(in, "viewer");
  auto locale = protocol::parse_locale(text_of(in, "locale")).value_or(protocol::Locale::fr);
  if (const auto* m = in.if_contains("meetings"); m && m->is_array())
    for (const auto& row : m->get_array())
      if (row.is_object()) events.push_back(mentors::meeting_event(row.get_object(), viewer, locale));
  if (const auto* t = in.if_contains("texts"); t && t->is_array())
    for (const auto& v : t->get_array()) {
      if (!v.is_object()) continue;
      mentors::IcsEvent e;
      e.uid = "01890000-0000-7000-8000-0000000000c" + std::to_string(events.size() % 10) + "@passerelle";
      e.summary = text_of(v.get_object(), "summary");
      e.description = text_of(v.get_object(), "description");
      e.location = text_of(v.get_object(), "location");
      e.start = e.stamp = *parse_rfc3339("2027-03-09T23:00:00Z");
      e.end = e.start + std::chrono::hours(1);
      events.push_back(std::move(e));
    }
  std::string method = text_of(in, "method");
  if (method != "REQUEST" && method != "CANCEL") method.clear();
  std::string name = in.contains("name") ? text_of(in, "name") : "Passerelle";

  std::string ics = mentors::ics_calendar(events, method, name);

  bool utf8 = is_valid_utf8(name);
  for (const auto& e : events)
    utf8 = utf8 && is_valid_utf8(e.summary) && is_valid_utf8(e.description) && is_valid_utf8(e.location) &&
           is_valid_utf8(e.uid) && is_valid_utf8(e.url);
  check_lines(ics, utf8);
  if (!utf8) return;  // libical reads UTF-8; the server's rows are UTF-8 (mutators check)

  std::unique_ptr<icalcomponent, void (*)(icalcomponent*)> cal(icalparser_parse_string(ics.c_str()),
                                                               icalcomponent_free);
  check(cal != nullptr, "libical cannot parse the calendar");
  check(icalcomponent_isa(cal.get()) == ICAL_VCALENDAR_COMPONENT, "libical did not read a VCALENDAR");
  check(icalcomponent_count_errors(cal.get()) == 0, "libical reports errors in the calendar:\n" + ics);
  std::size_t i = 0;
  for (icalcomponent* ev = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT), ++i) {
    check(i < events.size(), "libical read more events than were written");
    const auto& e = events[i];
    const char* uid = icalcomponent_get_uid(ev);
    check(uid && expected_text(e.uid) == read_back(uid), "the UID did not survive: " + e.uid);
    check(icalcomponent_get_sequence(ev) == e.sequence, "the SEQUENCE did not survive");
    const char* summary = icalcomponent_get_summary(ev);
    check(expected_text(e.summary) == read_back(summary), "the SUMMARY did not survive: " + e.summary);
  }
  check(i == events.size(), "libical read fewer events than were written");
}

}  // namespace passerelle::fuzz

PASSERELLE_FUZZ_TARGET(ics_writer)
