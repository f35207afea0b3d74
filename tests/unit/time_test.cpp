#include "passerelle/shared/time.h"

#include <date/date.h>
#include <gtest/gtest.h>

using namespace passerelle;

TEST(Time, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339(from_unix_ms(1700000000123)), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_rfc3339(from_unix_ms(0)), "1970-01-01T00:00:00.000Z");
}

// format_rfc3339 writes its digits by hand; date::format is the reference it must match.
TEST(Time, FormatsLikeTheDateLibraryEverywhere) {
  for (long long ms : {0LL, 1LL, 999LL, 1000LL, 59'999LL, 86'399'999LL, 86'400'000LL, -1LL, -999LL, -1000LL,
                       -86'400'001LL, 951'782'400'000LL /* 2000-02-29 */, 4'102'444'799'999LL /* 2099-12-31 */,
                       253'402'300'799'999LL /* 9999-12-31T23:59:59.999 */, -62'135'596'800'000LL /* year 1 */})
    EXPECT_EQ(format_rfc3339(from_unix_ms(ms)), date::format("%FT%TZ", from_unix_ms(ms))) << ms;
  for (long long ms = -5'000'000'000'000LL; ms < 5'000'000'000'000LL; ms += 12'345'678'901LL)
    EXPECT_EQ(format_rfc3339(from_unix_ms(ms)), date::format("%FT%TZ", from_unix_ms(ms))) << ms;
}

TEST(Time, ParsesOffsetsAndFractions) {
  auto t = parse_rfc3339("2023-11-14T22:13:20.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(to_unix_ms(*t), 1700000000123);
  auto u = parse_rfc3339("2023-11-14T17:13:20-05:00");
  ASSERT_TRUE(u);
  EXPECT_EQ(to_unix_ms(*u), 1700000000000);
  auto v = parse_rfc3339("2023-11-15t03:43:20.123456789+05:30");
  ASSERT_TRUE(v);
  EXPECT_EQ(to_unix_ms(*v), 1700000000123);
}

TEST(Time, RejectsInvalid) {
  for (const char* bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z",
                          "2023-02-30T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20.Z",
                          "2023-11-14T22:13:20Zjunk", "2023-11-14 22:13:20Z", "2023-11-14T22:13:20+5:00"})
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

TEST(Time, RoundTrip) {
  Timestamp now = now_utc();
  auto back = parse_rfc3339(format_rfc3339(now));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, now);
}

TEST(Time, Dates) {
  auto d = parse_date("2027-02-28");
  ASSERT_TRUE(d);
  EXPECT_EQ(format_date(*d), "2027-02-28");
  EXPECT_FALSE(parse_date("2027-02-29"));
  EXPECT_TRUE(parse_date("2028-02-29"));
  EXPECT_FALSE(parse_date("2027-2-28"));
}

TEST(Time, Zones) {
  EXPECT_TRUE(is_valid_time_zone("America/Toronto"));
  EXPECT_TRUE(is_valid_time_zone("Africa/Casablanca"));
  EXPECT_FALSE(is_valid_time_zone("Mars/Olympus"));
  EXPECT_FALSE(is_valid_time_zone(""));
  // 2026-03-08 is the DST switch in Toronto: 07:30Z is 03:30 EDT, 06:30Z was 01:30 EST.
  EXPECT_EQ(*format_local(*parse_rfc3339("2026-03-08T07:30:00Z"), "America/Toronto"), "2026-03-08 03:30");
  EXPECT_EQ(*format_local(*parse_rfc3339("2026-03-08T06:30:00Z"), "America/Toronto"), "2026-03-08 01:30");
  EXPECT_FALSE(format_local(now_utc(), "Nowhere/Land").has_value());
}

TEST(Time, ZoneSpans) {
  using std::chrono::minutes;
  // Toronto over 2026: EST, EDT from 2026-03-08 07:00Z, EST again from 2026-11-01 06:00Z.
  auto spans = zone_spans("America/Toronto", *parse_rfc3339("2026-01-10T00:00:00Z"), *parse_rfc3339("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(spans);
  ASSERT_EQ(spans->size(), 3u);
  EXPECT_EQ((*spans)[0].offset, minutes(-300));
  EXPECT_EQ((*spans)[0].abbrev, "EST");
  EXPECT_EQ(format_rfc3339((*spans)[1].begin), "2026-03-08T07:00:00.000Z");
  EXPECT_EQ((*spans)[1].offset, minutes(-240));
  EXPECT_EQ(format_rfc3339((*spans)[1].end), "2026-11-01T06:00:00.000Z");
  EXPECT_EQ((*spans)[2].offset, minutes(-300));
  EXPECT_EQ((*spans)[0].begin, *parse_rfc3339("2026-01-10T00:00:00Z"));
  EXPECT_EQ((*spans)[2].end, *parse_rfc3339("2026-12-01T00:00:00Z"));
  // Each span's offset is what format_local shows inside it.
  for (const auto& s : *spans) {
    auto mid = s.begin + (s.end - s.begin) / 2;
    auto wall = date::format("%F %R", date::floor<minutes>(mid) + s.offset);
    EXPECT_EQ(*format_local(date::floor<std::chrono::milliseconds>(mid), "America/Toronto"), wall);
  }
  // A zone without changes: one span that covers everything; Morocco in December 2026: +01.
  auto utc = zone_spans("UTC", *parse_rfc3339("2026-01-01T00:00:00Z"), *parse_rfc3339("2027-01-01T00:00:00Z"));
  ASSERT_TRUE(utc);
  ASSERT_EQ(utc->size(), 1u);
  EXPECT_EQ((*utc)[0].offset, minutes(0));
  EXPECT_EQ(format_rfc3339((*utc)[0].end), "2027-01-01T00:00:00.000Z");
  auto casablanca = zone_spans("Africa/Casablanca", *parse_rfc3339("2026-12-08T12:00:00Z"), *parse_rfc3339("2026-12-09T12:00:00Z"));
  ASSERT_TRUE(casablanca);
  EXPECT_EQ((*casablanca)[0].offset, minutes(60));
  EXPECT_FALSE(zone_spans("Nowhere/Land", now_utc(), now_utc() + std::chrono::hours(1)));
  EXPECT_FALSE(zone_spans("UTC", now_utc(), now_utc()));
}
