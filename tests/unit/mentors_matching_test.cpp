// Mentor suggestions: hard filters first, then the score with its reasons (docs/mentoring.md).
#include <gtest/gtest.h>

#include "passerelle/shared/mentors/matching.h"
#include "passerelle/shared/mentors/profiles.h"

using namespace passerelle;
using namespace passerelle::mentors;
namespace json = boost::json;

namespace {

json::array langs(std::initializer_list<std::pair<const char*, const char*>> l) {
  json::array a;
  for (auto [c, lv] : l) a.push_back(json::object{{"code", c}, {"level", lv}});
  return a;
}

json::object mentor(const char* id, const char* code, const char* profession, const char* employer, json::array languages,
                    int capacity = 1, json::array active = {}) {
  return json::object{{"id", id},           {"name", id},       {"occupation_code", code}, {"profession", profession},
                      {"employer", employer}, {"languages", languages}, {"capacity", capacity},
                      {"active_mentorship_ids", active}};
}

json::object evening_toronto() {
  return json::object{{"time_zone", "America/Toronto"},
                      {"weekly", json::array{json::object{{"weekday", 2}, {"start", "18:00"}, {"end", "20:00"}}}}};
}
json::object morning_toronto() {
  return json::object{{"time_zone", "America/Toronto"},
                      {"weekly", json::array{json::object{{"weekday", 3}, {"start", "06:00"}, {"end", "08:00"}}}}};
}

const Timestamp kNow = *parse_rfc3339("2027-03-01T12:00:00Z");

json::object candidate() {
  return json::object{{"id", "cand"},
                      {"occupation_code", "21231"},
                      {"profession", "Software engineer, backend"},
                      {"languages", langs({{"fr", "B2"}, {"es", "native"}})},
                      {"time_zone", "America/Bogota"},
                      {"organizations", json::array{"Desjardins", "Hydro-Québec"}}};
}

}  // namespace

TEST(MentorMatching, HardFiltersCapacityLanguageAndEarlierMentorships) {
  std::vector<MentorCandidate> ms{
      {mentor("full", "21231", "Software engineer", "CGI", langs({{"fr", "native"}}), 1, json::array{"x"}), std::nullopt},
      {mentor("english-only", "21231", "Software engineer", "CGI", langs({{"en", "native"}, {"fr", "B1"}})), std::nullopt},
      {mentor("before", "21231", "Software engineer", "CGI", langs({{"fr", "native"}})), std::nullopt},
      {mentor("ok", "21231", "Software engineer", "CGI", langs({{"fr", "C1"}})), std::nullopt}};
  auto s = suggest_mentors(candidate(), ms, {"before"}, kNow);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].mentor_id, "ok");
  EXPECT_EQ(s[0].languages, std::vector<std::string>{"fr"});
}

TEST(MentorMatching, SameCodeBeatsSameGroupBeatsKeywordsAndReasonsAreShown) {
  std::vector<MentorCandidate> ms{
      {mentor("keywords", "41200", "Backend software developer", "Ubisoft", langs({{"fr", "native"}})), std::nullopt},
      {mentor("group", "21222", "Data scientist", "Mila", langs({{"fr", "native"}})), std::nullopt},
      {mentor("broad", "22310", "Electrical technician", "Mila", langs({{"fr", "native"}})), std::nullopt},
      {mentor("exact", "21231", "Programmeur", "Mila", langs({{"fr", "native"}})), std::nullopt}};
  auto s = suggest_mentors(candidate(), ms, {}, kNow);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].mentor_id, "exact");
  EXPECT_EQ(s[1].mentor_id, "group");
  EXPECT_EQ(s[2].mentor_id, "broad");
  EXPECT_EQ(s[3].mentor_id, "keywords");
  EXPECT_EQ(s[0].reasons[0].code, "same_occupation");
  EXPECT_EQ(s[0].reasons[0].text, "same occupation (NOC 21231)");
  // Reasons read in the coach's language.
  EXPECT_EQ(s[0].reasons[0].text_in(passerelle::protocol::Locale::fr), "même profession (CNP 21231)");
  EXPECT_EQ(s[0].reasons[0].text_in(passerelle::protocol::Locale::en), "same occupation (NOC 21231)");
  for (const auto& r : s[0].reasons) EXPECT_FALSE(r.text_fr.empty()) << r.code;
  EXPECT_EQ(s[3].reasons[0].code, "keywords");
  EXPECT_NE(s[3].reasons[0].text.find("software"), std::string::npos);
  EXPECT_EQ(s[3].reasons.back().code, "language");
}

TEST(MentorMatching, OrganizationOfInterestAndWakingHoursOverlapRaiseTheScore) {
  std::vector<MentorCandidate> ms{
      {mentor("morning", "21231", "x", "CGI", langs({{"fr", "native"}})), morning_toronto()},
      {mentor("evening", "21231", "x", "CGI", langs({{"fr", "native"}})), evening_toronto()},
      {mentor("desjardins", "21231", "x", "Mouvement Desjardins", langs({{"fr", "native"}})), std::nullopt}};
  auto s = suggest_mentors(candidate(), ms, {}, kNow);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].mentor_id, "desjardins");
  // Toronto 18:00-20:00 is 17:00-19:00 in Bogotá (awake); 06:00-08:00 Toronto is 05:00-07:00 there (asleep).
  EXPECT_EQ(s[1].mentor_id, "evening");
  EXPECT_EQ(s[1].waking_slots, 4);  // two Tuesdays x two slots in the next 14 days
  EXPECT_EQ(s[2].mentor_id, "morning");
  EXPECT_EQ(s[2].waking_slots, 0);
  // Seen from Manila the morning mentor is the one in waking hours (19:00-21:00 there in March).
  auto manila = candidate();
  manila["time_zone"] = "Asia/Manila";
  auto m = suggest_mentors(manila, ms, {}, kNow);
  EXPECT_EQ(m[1].mentor_id, "morning");
  EXPECT_GT(m[1].waking_slots, 0);
}

TEST(MentorMatching, LanguageLevelsAndNocCodes) {
  EXPECT_TRUE(is_working_level("B2"));
  EXPECT_TRUE(is_working_level("native"));
  EXPECT_FALSE(is_working_level("B1"));
  EXPECT_FALSE(is_working_level("fluent"));
  EXPECT_TRUE(is_noc_code("21231"));
  EXPECT_FALSE(is_noc_code("2123"));
  EXPECT_FALSE(is_noc_code("2123a"));
  EXPECT_EQ(keywords("Senior Software Engineer (backend) and DevOps"),
            (std::vector<std::string>{"software", "engineer", "backend", "devops"}));
}
