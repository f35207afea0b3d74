#include "passerelle/shared/mentors/ics.h"

#include <date/date.h>

#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::mentors {
namespace json = boost::json;

std::string ics_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n': out += "\\n"; break;
      default:
        // Other control characters are not allowed in TEXT: drop them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') break;
        out += c;
    }
  }
  return out;
}

std::string ics_fold(std::string_view line) {
  std::string out;
  std::size_t pos = 0, limit = 75;  // the first line holds 75 octets, the next 74 after the space
  while (line.size() - pos > limit) {
    std::size_t cut = pos + limit;
    // Never split a UTF-8 sequence: back up to the start of the character.
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    if (cut == pos) cut = pos + limit;  // not UTF-8 (no character start in reach): cut anyway
    out.append(line.substr(pos, cut - pos));
    out += "\r\n ";
    pos = cut;
    limit = 74;
  }
  out.append(line.substr(pos));
  out += "\r\n";
  return out;
}

namespace {
// URI and CAL-ADDRESS values are not escaped (RFC 5545 3.3.3, 3.3.13) but can hold no control
// character: a CR or LF there would end the property and start one of the writer's choosing.
std::string uri_value(std::string_view text) {
  std::string out;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) out += c;
  return out;
}
}  // namespace

std::string ics_time(Timestamp t) {
  return date::format("%Y%m%dT%H%M%SZ", std::chrono::time_point_cast<std::chrono::seconds>(t));
}

std::string ics_calendar(const std::vector<IcsEvent>& events, std::string_view method, std::string_view name) {
  std::string out;
  auto line = [&](std::string_view l) { out += ics_fold(l); };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//Passerelle//Mentoring//EN");
  line("CALSCALE:GREGORIAN");
  if (!method.empty()) line("METHOD:" + std::string(method));
  if (std::string calname = ics_escape(name); !calname.empty()) line("X-WR-CALNAME:" + calname);
  for (const auto& e : events) {
    line("BEGIN:VEVENT");
    line("UID:" + ics_escape(e.uid));  // UID is TEXT
    line("SEQUENCE:" + std::to_string(e.sequence));
    line("DTSTAMP:" + ics_time(e.stamp));
    line("DTSTART:" + ics_time(e.start));
    line("DTEND:" + ics_time(e.end));
    // A property with an empty value is an error to readers (libical): leave it out instead.
    auto text = [&](std::string_view property, std::string_view value) {
      std::string escaped = ics_escape(value);
      if (!escaped.empty()) line(std::string(property) + ":" + escaped);
    };
    text("SUMMARY", e.summary);
    text("DESCRIPTION", e.description);
    text("LOCATION", e.location);
    if (!e.url.empty()) line("URL:" + uri_value(e.url));
    line(std::string("STATUS:") + (e.cancelled ? "CANCELLED" : "CONFIRMED"));
    if (!method.empty() && !e.organizer_email.empty()) line("ORGANIZER:mailto:" + uri_value(e.organizer_email));
    if (!method.empty())
      for (const auto& a : e.attendee_emails) line("ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:" + uri_value(a));
    line("END:VEVENT");
  }
  line("END:VCALENDAR");
  return out;
}

namespace {
}  // namespace

IcsEvent meeting_event(const json::object& m, std::string_view viewer_id, protocol::Locale locale) {
  IcsEvent e;
  e.uid = passerelle::sync::row_string(m, "id") + "@passerelle";
  if (auto* s = m.if_contains("sequence"); s && s->is_int64()) e.sequence = static_cast<int>(s->get_int64());
  e.start = parse_rfc3339(passerelle::sync::row_string(m, "start")).value_or(Timestamp{});
  e.end = parse_rfc3339(passerelle::sync::row_string(m, "end")).value_or(e.start + kSlotLength);
  e.stamp = parse_rfc3339(passerelle::sync::row_string(m, "updated_at")).value_or(e.start);
  e.cancelled = passerelle::sync::row_string(m, "status") == "cancelled";
  e.location = passerelle::sync::row_string(m, "video_url");
  e.url = e.location;
  bool fr = locale == protocol::Locale::fr;
  bool is_mentor = viewer_id == passerelle::sync::row_string(m, "mentor_id");
  std::string other = is_mentor ? passerelle::sync::row_string(m, "candidate_name") : passerelle::sync::row_string(m, "mentor_name");
  e.summary = (e.cancelled ? (fr ? "ANNULÉ : " : "CANCELLED: ") : "") +
              std::string(fr ? "Rencontre de mentorat avec " : "Mentoring meeting with ") + other;
  std::string cz = passerelle::sync::row_string(m, "candidate_time_zone"), mz = passerelle::sync::row_string(m, "mentor_time_zone");
  std::string d;
  d += fr ? "Rencontre de mentorat Passerelle (1 h).\n" : "Passerelle mentoring meeting (1 hour).\n";
  if (!cz.empty()) d += (fr ? "Candidat·e : " : "Candidate: ") + local_label(e.start, cz) + "\n";
  if (!mz.empty()) d += (fr ? "Mentor : " : "Mentor: ") + local_label(e.start, mz) + "\n";
  d += "UTC: " + format_rfc3339(e.start) + "\n";
  if (!e.location.empty()) d += (fr ? "Lien vidéo : " : "Video link: ") + e.location + "\n";
  if (e.cancelled) d += fr ? "Cette rencontre est annulée.\n" : "This meeting is cancelled.\n";
  e.description = d;
  return e;
}

}  // namespace passerelle::mentors
