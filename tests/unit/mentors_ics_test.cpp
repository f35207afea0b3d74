// iCalendar output (docs/mentoring.md, "Calendars"): the writer's rules, and the output parsed by
// a real iCalendar library (libical, from Debian) with UID stable and SEQUENCE increasing.
#include <gtest/gtest.h>
#include <libical/ical.h>

#include "passerelle/shared/mentors/ics.h"

using namespace passerelle;
using namespace passerelle::mentors;
namespace json = boost::json;

namespace {

json::object meeting(int sequence, const char* start, const char* end, const char* status = "scheduled") {
  return json::object{{"id", "0190c6a2-7d1e-7000-8000-000000000001"},
                      {"candidate_id", "cand"},
                      {"mentor_id", "mentor"},
                      {"start", start},
                      {"end", end},
                      {"status", status},
                      {"sequence", sequence},
                      {"video_url", "https://meet.jit.si/passerelle-0190c6a2"},
                      {"candidate_name", "Amina Benali"},
                      {"mentor_name", "Isabelle Tremblay"},
                      {"candidate_time_zone", "Africa/Casablanca"},
                      {"mentor_time_zone", "America/Toronto"},
                      {"updated_at", "2027-03-01T12:00:00.000Z"}};
}

struct Parsed {
  std::string uid, summary, description, status;
  int sequence = -1;
  long long start = 0, end = 0;
  std::string method;
};

Parsed parse(const std::string& ics) {
  Parsed p;
  icalcomponent* cal = icalparser_parse_string(ics.c_str());
  EXPECT_NE(cal, nullptr);
  if (!cal) return p;
  EXPECT_EQ(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
  if (icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY))
    p.method = icalproperty_method_to_string(icalcomponent_get_method(cal));
  icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
  EXPECT_NE(ev, nullptr);
  if (ev) {
    p.uid = icalcomponent_get_uid(ev);
    p.summary = icalcomponent_get_summary(ev);
    p.description = icalcomponent_get_description(ev);
    p.sequence = icalcomponent_get_sequence(ev);
    p.status = icalproperty_status_to_string(icalcomponent_get_status(ev));
    p.start = icaltime_as_timet(icalcomponent_get_dtstart(ev));
    p.end = icaltime_as_timet(icalcomponent_get_dtend(ev));
    // Every property parsed without an X-LIC-ERROR (libical's way of reporting bad input).
    EXPECT_EQ(icalcomponent_count_errors(cal), 0);
  }
  icalcomponent_free(cal);
  return p;
}

}  // namespace

TEST(Ics, EscapesTextAndFoldsAt75OctetsWithoutSplittingUtf8) {
  EXPECT_EQ(ics_escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
  std::string line = "DESCRIPTION:" + std::string(30, 'x') + std::string(20, '\xC3') ;  // filler, replaced below
  line = "DESCRIPTION:";
  for (int i = 0; i < 40; ++i) line += "é";  // 2 octets each
  std::string folded = ics_fold(line);
  std::size_t pos = 0;
  while (pos < folded.size()) {
    std::size_t eol = folded.find("\r\n", pos);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - pos, 75u);
    // A continuation starts with one space and never with a UTF-8 continuation byte after it.
    if (pos > 0) {
      EXPECT_EQ(folded[pos], ' ');
      EXPECT_NE(static_cast<unsigned char>(folded[pos + 1]) & 0xC0, 0x80);
    }
    pos = eol + 2;
  }
  // Unfolding gives the line back.
  std::string unfolded;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if (folded.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    if (folded.compare(i, 2, "\r\n") == 0) break;
    unfolded += folded[i];
  }
  EXPECT_EQ(unfolded, line);
  EXPECT_EQ(ics_time(*parse_rfc3339("2027-03-09T23:00:00.000Z")), "20270309T230000Z");
}

TEST(Ics, MeetingEventIsValidICalendarWithBothLocalTimesInTheViewersLanguage) {
  auto ev = meeting_event(meeting(0, "2027-03-09T23:00:00.000Z", "2027-03-10T00:00:00.000Z"), "cand", protocol::Locale::fr);
  std::string ics = ics_calendar({ev}, "REQUEST");
  EXPECT_NE(ics.find("\r\n"), std::string::npos);
  EXPECT_EQ(ics.find("\n\n"), std::string::npos);
  auto p = parse(ics);
  EXPECT_EQ(p.method, "REQUEST");
  EXPECT_EQ(p.uid, "0190c6a2-7d1e-7000-8000-000000000001@passerelle");
  EXPECT_EQ(p.sequence, 0);
  EXPECT_EQ(p.status, "CONFIRMED");
  EXPECT_EQ(p.start, 1804633200LL);  // 2027-03-09T23:00:00Z
  EXPECT_EQ(p.end - p.start, 3600);
  EXPECT_EQ(p.summary, "Rencontre de mentorat avec Isabelle Tremblay");
  EXPECT_NE(p.description.find("2027-03-09 23:00 Africa/Casablanca"), std::string::npos) << p.description;
  EXPECT_NE(p.description.find("2027-03-09 18:00 America/Toronto"), std::string::npos);
  EXPECT_NE(p.description.find("https://meet.jit.si/passerelle-0190c6a2"), std::string::npos);
  auto en = meeting_event(meeting(0, "2027-03-09T23:00:00.000Z", "2027-03-10T00:00:00.000Z"), "mentor", protocol::Locale::en);
  EXPECT_EQ(parse(ics_calendar({en}, "")).summary, "Mentoring meeting with Amina Benali");
}

TEST(Ics, UidStableSequenceIncreasingAcrossRescheduleAndCancel) {
  auto v0 = parse(ics_calendar({meeting_event(meeting(0, "2027-03-09T23:00:00.000Z", "2027-03-10T00:00:00.000Z"), "cand",
                                              protocol::Locale::en)},
                               "REQUEST"));
  auto v1 = parse(ics_calendar({meeting_event(meeting(1, "2027-03-16T22:00:00.000Z", "2027-03-16T23:00:00.000Z"), "cand",
                                              protocol::Locale::en)},
                               "REQUEST"));
  auto v2 = parse(ics_calendar({meeting_event(meeting(2, "2027-03-16T22:00:00.000Z", "2027-03-16T23:00:00.000Z", "cancelled"),
                                              "cand", protocol::Locale::en)},
                               "CANCEL"));
  EXPECT_EQ(v0.uid, v1.uid);
  EXPECT_EQ(v1.uid, v2.uid);
  EXPECT_LT(v0.sequence, v1.sequence);
  EXPECT_LT(v1.sequence, v2.sequence);
  EXPECT_EQ(v1.start, 1805234400LL);  // 2027-03-16T22:00:00Z
  EXPECT_EQ(v2.method, "CANCEL");
  EXPECT_EQ(v2.status, "CANCELLED");
  EXPECT_EQ(v2.summary.rfind("CANCELLED: ", 0), 0u);
}

TEST(Ics, FeedWithManyEventsAndHostileTextStaysParseable) {
  auto m = meeting(3, "2027-03-09T23:00:00.000Z", "2027-03-10T00:00:00.000Z");
  m["mentor_name"] = "Zoé; \"Le Boss\", \\ DROP\r\nBEGIN:VEVENT";
  std::string ics = ics_calendar({meeting_event(m, "cand", protocol::Locale::fr), meeting_event(m, "cand", protocol::Locale::en)}, "");
  EXPECT_EQ(ics.find("\nBEGIN:VEVENT\r\nBEGIN"), std::string::npos);
  icalcomponent* cal = icalparser_parse_string(ics.c_str());
  ASSERT_NE(cal, nullptr);
  EXPECT_EQ(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 2);
  icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
  EXPECT_EQ(std::string(icalcomponent_get_summary(ev)), "Rencontre de mentorat avec Zoé; \"Le Boss\", \\ DROP\nBEGIN:VEVENT");
  icalcomponent_free(cal);
}

// Found by fuzz_ics_writer: the UID was written unescaped (it is TEXT), and URL, ORGANIZER and
// ATTENDEE values were written as given, so a CR/LF in them started a property of its own.
TEST(Ics, UidIsEscapedAndUriValuesCannotStartAProperty) {
  IcsEvent e;
  e.uid = "id,with;odd\\chars@passerelle";
  e.start = e.stamp = *parse_rfc3339("2027-03-09T23:00:00Z");
  e.end = e.start + std::chrono::hours(1);
  e.summary = "Rencontre";
  e.url = "https://meet.example/x\r\nX-INJECTED:1";
  e.organizer_email = "mentor@example.org\r\nX-INJECTED:2";
  e.attendee_emails = {"cand@example.org\nX-INJECTED:3"};
  std::string ics = ics_calendar({e}, "REQUEST");
  EXPECT_EQ(ics.find("\r\nX-INJECTED"), std::string::npos) << ics;
  icalcomponent* cal = icalparser_parse_string(ics.c_str());
  ASSERT_NE(cal, nullptr);
  EXPECT_EQ(icalcomponent_count_errors(cal), 0);
  icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(std::string(icalcomponent_get_uid(ev)), e.uid);
  EXPECT_EQ(icalcomponent_get_first_property(ev, ICAL_X_PROPERTY), nullptr);
  icalcomponent_free(cal);
}

// Found by fuzz_ics_writer: an empty SUMMARY (or calendar name) was written as "SUMMARY:",
// which libical reports as an error; empty values are left out.
TEST(Ics, EmptyTextPropertiesAreLeftOut) {
  IcsEvent e;
  e.uid = "0190c6a2-7d1e-7000-8000-000000000001@passerelle";
  e.start = e.stamp = *parse_rfc3339("2027-03-09T23:00:00Z");
  e.end = e.start + std::chrono::hours(1);
  e.summary = "\x01";  // nothing left once escaped
  std::string ics = ics_calendar({e}, "", "");
  EXPECT_EQ(ics.find("SUMMARY"), std::string::npos) << ics;
  EXPECT_EQ(ics.find("X-WR-CALNAME"), std::string::npos) << ics;
  icalcomponent* cal = icalparser_parse_string(ics.c_str());
  ASSERT_NE(cal, nullptr);
  EXPECT_EQ(icalcomponent_count_errors(cal), 0);
  icalcomponent_free(cal);
}

// A line that is not UTF-8 (no character start within 75 octets) is still folded, where the
// fold used to loop for ever.
TEST(Ics, FoldEndsOnBytesThatAreNotUtf8) {
  std::string folded = ics_fold(std::string(200, '\x80'));
  EXPECT_EQ(folded.size(), 200u + 2 * 3 + 2);  // 75 + 74 + 51 octets: two folds (CRLF + space), the last CRLF
}
