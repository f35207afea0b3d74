// Mentor availability and slots across time zones and clock changes (docs/mentoring.md).
// Expected instants come from the IANA database as `zdump -v -c 2027,2028 <zone>` prints it:
//   America/Toronto  EST->EDT 2027-03-14 07:00Z (02:00 -> 03:00), EDT->EST 2027-11-07 06:00Z (02:00 -> 01:00)
//   Europe/Paris     CET->CEST 2027-03-28 01:00Z, CEST->CET 2027-10-31 01:00Z
//   Africa/Casablanca +01 -> +00 2027-02-07 02:00Z, +00 -> +01 2027-03-14 02:00Z (Ramadan)
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "passerelle/shared/mentors/availability.h"

using namespace passerelle;
using namespace passerelle::mentors;
namespace json = boost::json;

namespace {

Timestamp at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

Availability parse(const char* text) {
  auto a = availability_from_json(json::parse(text));
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message);
  return a.ok() ? *a : Availability{};
}

std::vector<std::string> starts(const std::vector<Slot>& slots) {
  std::vector<std::string> out;
  for (const auto& s : slots) out.push_back(format_rfc3339(s.start));
  return out;
}

// Tuesday 18:00-20:00 in Toronto: the mentor's evening.
const char* kTorontoTuesday = R"({"time_zone":"America/Toronto","weekly":[{"weekday":2,"start":"18:00","end":"20:00"}]})";

}  // namespace

TEST(MentorSlots, WeeklyWindowKeepsItsLocalTimeAcrossTorontoSpringForward) {
  auto a = parse(kTorontoTuesday);
  auto slots = compute_slots(a, at("2027-03-08T00:00:00Z"), at("2027-03-18T00:00:00Z"));
  // 9 March is EST (-5), 16 March EDT (-4): same wall time, UTC moves by an hour.
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2027-03-09T23:00:00.000Z", "2027-03-10T00:00:00.000Z",
                                                     "2027-03-16T22:00:00.000Z", "2027-03-16T23:00:00.000Z"}));
  for (const auto& s : slots) EXPECT_EQ(s.end - s.start, std::chrono::minutes(60));
}

TEST(MentorSlots, SeenFromParisWhoseClockChangesTwoWeeksLater) {
  auto a = parse(kTorontoTuesday);
  auto slots = compute_slots(a, at("2027-03-08T00:00:00Z"), at("2027-04-01T00:00:00Z"));
  ASSERT_EQ(slots.size(), 8u);
  // Before either change: 6 h apart. Between the two changes (Toronto moved, Paris not): 5 h.
  // After both: 6 h again.
  EXPECT_EQ(*format_local(slots[0].start, "Europe/Paris"), "2027-03-10 00:00");
  EXPECT_EQ(*format_local(slots[2].start, "Europe/Paris"), "2027-03-16 23:00");
  EXPECT_EQ(*format_local(slots[4].start, "Europe/Paris"), "2027-03-23 23:00");
  EXPECT_EQ(*format_local(slots[6].start, "Europe/Paris"), "2027-03-31 00:00");
  EXPECT_EQ(*format_local(slots[6].start, "America/Toronto"), "2027-03-30 18:00");
}

TEST(MentorSlots, CasablancaRamadanOffsetEndsTheSameDayTorontoSpringsForward) {
  auto a = parse(kTorontoTuesday);
  auto slots = compute_slots(a, at("2027-03-08T00:00:00Z"), at("2027-03-18T00:00:00Z"));
  ASSERT_EQ(slots.size(), 4u);
  // 9 March: Toronto -5, Casablanca +00 (Ramadan). 16 March: Toronto -4, Casablanca +01.
  EXPECT_EQ(*format_local(slots[0].start, "Africa/Casablanca"), "2027-03-09 23:00");
  EXPECT_EQ(*format_local(slots[2].start, "Africa/Casablanca"), "2027-03-16 23:00");
  EXPECT_NE(slots[0].start + std::chrono::days(7), slots[2].start);  // not simply a week later in UTC
}

TEST(MentorSlots, HalfAndQuarterHourZonesAndZonesWithoutDst) {
  auto a = parse(kTorontoTuesday);
  auto slots = compute_slots(a, at("2027-03-08T00:00:00Z"), at("2027-03-18T00:00:00Z"));
  ASSERT_EQ(slots.size(), 4u);
  EXPECT_EQ(*format_local(slots[0].start, "Asia/Kolkata"), "2027-03-10 04:30");
  EXPECT_EQ(*format_local(slots[2].start, "Asia/Kolkata"), "2027-03-17 03:30");
  EXPECT_EQ(*format_local(slots[0].start, "Asia/Kathmandu"), "2027-03-10 04:45");
  EXPECT_EQ(*format_local(slots[2].start, "Asia/Kathmandu"), "2027-03-17 03:45");
  EXPECT_EQ(*format_local(slots[0].start, "America/Bogota"), "2027-03-09 18:00");
  EXPECT_EQ(*format_local(slots[2].start, "America/Bogota"), "2027-03-16 17:00");
  EXPECT_EQ(*format_local(slots[0].start, "Asia/Manila"), "2027-03-10 07:00");
  EXPECT_EQ(*format_local(slots[2].start, "Asia/Manila"), "2027-03-17 06:00");
}

TEST(MentorSlots, SlotInTheSkippedHourIsNotOffered) {
  // 14 March 2027 in Toronto: 02:00 does not exist (clocks jump to 03:00).
  auto a = parse(R"({"time_zone":"America/Toronto","additions":[{"date":"2027-03-14","start":"01:00","end":"04:00"}]})");
  auto slots = compute_slots(a, at("2027-03-13T00:00:00Z"), at("2027-03-16T00:00:00Z"));
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2027-03-14T06:00:00.000Z", "2027-03-14T07:00:00.000Z"}));
  EXPECT_EQ(*format_local(slots[1].start, "America/Toronto"), "2027-03-14 03:00");
  // The 01:00 slot lasts one real hour: it ends when the 03:00 one starts.
  EXPECT_EQ(slots[0].end, slots[1].start);
  EXPECT_FALSE(is_offered_slot(a, at("2027-03-14T07:00:00Z") - std::chrono::minutes(30)));
}

TEST(MentorSlots, RepeatedHourAtFallBackStartsAtItsFirstOccurrence) {
  // 7 November 2027 in Toronto: 01:00-02:00 happens twice (EDT then EST).
  auto a = parse(R"({"time_zone":"America/Toronto","additions":[{"date":"2027-11-07","start":"00:00","end":"03:00"}]})");
  auto slots = compute_slots(a, at("2027-11-06T00:00:00Z"), at("2027-11-09T00:00:00Z"));
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2027-11-07T04:00:00.000Z", "2027-11-07T05:00:00.000Z",
                                                     "2027-11-07T07:00:00.000Z"}));
  // The second 01:00 (06:00Z) is not a slot.
  EXPECT_FALSE(is_offered_slot(a, at("2027-11-07T06:00:00Z")));
  EXPECT_TRUE(is_offered_slot(a, at("2027-11-07T05:00:00Z")));
}

TEST(MentorSlots, ParisMentorAcrossParisSpringForwardAndFallBack) {
  auto a = parse(R"({"time_zone":"Europe/Paris","additions":[
      {"date":"2027-03-28","start":"01:00","end":"04:00"},
      {"date":"2027-10-31","start":"02:00","end":"03:00"}]})");
  auto slots = compute_slots(a, at("2027-03-27T00:00:00Z"), at("2027-11-01T00:00:00Z"));
  // 28 March: 01:00 CET (00:00Z), 02:00 skipped, 03:00 CEST (01:00Z). 31 October: first 02:00 (CEST, 00:00Z).
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2027-03-28T00:00:00.000Z", "2027-03-28T01:00:00.000Z",
                                                     "2027-10-31T00:00:00.000Z"}));
  // Seen from Toronto, already on EDT: 20:00 and 21:00 the evening before.
  EXPECT_EQ(*format_local(slots[0].start, "America/Toronto"), "2027-03-27 20:00");
}

TEST(MentorSlots, BlockedDatesAdditionsAndWindowEdges) {
  auto a = parse(R"({"time_zone":"America/Toronto",
      "weekly":[{"weekday":2,"start":"18:00","end":"20:30"},{"weekday":2,"start":"18:00","end":"19:00"}],
      "additions":[{"date":"2027-03-11","start":"23:00","end":"24:00"}],
      "blocked":["2027-03-16"]})");
  auto slots = compute_slots(a, at("2027-03-08T00:00:00Z"), at("2027-03-24T00:00:00Z"));
  // 9 March: 18:00 and 19:00 (20:00-20:30 is too short; the duplicate window adds nothing);
  // 11 March 23:00-24:00; 16 March blocked; 23 March 18:00, 19:00.
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2027-03-09T23:00:00.000Z", "2027-03-10T00:00:00.000Z",
                                                     "2027-03-12T04:00:00.000Z", "2027-03-23T22:00:00.000Z",
                                                     "2027-03-23T23:00:00.000Z"}));
}

TEST(MentorSlots, RejectsBadAvailabilityNamingTheField) {
  auto bad = [](const char* text) {
    auto a = availability_from_json(json::parse(text));
    return a.ok() ? std::string("ok") : a.error().message;
  };
  EXPECT_NE(bad(R"({"time_zone":"Mars/Olympus"})").find("time_zone"), std::string::npos);
  EXPECT_NE(bad(R"({"time_zone":"UTC","weekly":[{"weekday":8,"start":"10:00","end":"11:00"}]})").find("weekly[0].weekday"),
            std::string::npos);
  EXPECT_NE(bad(R"({"time_zone":"UTC","weekly":[{"weekday":1,"start":"10:00","end":"10:30"}]})").find("weekly[0].end"),
            std::string::npos);
  EXPECT_NE(bad(R"({"time_zone":"UTC","weekly":[{"weekday":1,"start":"25:00","end":"26:00"}]})").find("weekly[0].start"),
            std::string::npos);
  EXPECT_NE(bad(R"({"time_zone":"UTC","additions":[{"date":"2027-02-30","start":"10:00","end":"11:00"}]})").find("additions[0].date"),
            std::string::npos);
  EXPECT_NE(bad(R"({"time_zone":"UTC","blocked":["tomorrow"]})").find("blocked[0]"), std::string::npos);
  EXPECT_EQ(bad(R"({"time_zone":"UTC","weekly":[{"weekday":7,"start":"23:00","end":"24:00"}]})"), "ok");
}

TEST(MentorSlots, RoundTripsThroughJson) {
  auto a = parse(R"({"time_zone":"America/Toronto","weekly":[{"weekday":2,"start":"18:00","end":"20:00"}],
      "additions":[{"date":"2027-03-11","start":"09:30","end":"11:30"}],"blocked":["2027-03-16"]})");
  auto b = availability_from_json(json::value(to_json(a)));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(json::serialize(to_json(*b)), json::serialize(to_json(a)));
}

TEST(MentorSlots, FreeSlotsSkipBusyTimesOfEitherPerson) {
  auto a = parse(kTorontoTuesday);
  std::vector<Busy> busy{{"m1", at("2027-03-09T23:00:00Z"), at("2027-03-10T00:00:00Z")},
                         {"m2", at("2027-03-16T21:30:00Z"), at("2027-03-16T22:30:00Z")}};
  auto free = free_slots(a, busy, at("2027-03-08T00:00:00Z"), 3);
  EXPECT_EQ(starts(free), (std::vector<std::string>{"2027-03-10T00:00:00.000Z", "2027-03-16T23:00:00.000Z",
                                                    "2027-03-23T22:00:00.000Z"}));
  EXPECT_TRUE(overlaps(busy, at("2027-03-09T23:30:00Z"), at("2027-03-10T00:30:00Z")));
  EXPECT_FALSE(overlaps(busy, at("2027-03-09T23:30:00Z"), at("2027-03-10T00:30:00Z"), "m1"));
  EXPECT_FALSE(overlaps(busy, at("2027-03-10T00:00:00Z"), at("2027-03-10T01:00:00Z")));  // back to back is fine
}
