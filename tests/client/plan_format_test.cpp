// The pure helpers of the plan commands: short ids that stay unique, id prefixes, "overdue" in
// the candidate's own zone, the progress line.
#include <gtest/gtest.h>

#include "plan_format.h"

namespace passerelle::cli {
namespace {

namespace json = boost::json;

Timestamp at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

TEST(PlanFormat, OverdueIsDecidedInTheCandidatesZone) {
  json::object plan{{"id", "p"}, {"created_at", "2026-01-01T00:00:00Z"}};
  json::object step{{"id", "s"}, {"due_date", "2026-03-05"}, {"status", "todo"}};
  // 2026-03-05T20:00Z is already 6 March in Manila (UTC+8), still 5 March in Bogotá (UTC-5).
  Timestamp now = at("2026-03-05T20:00:00Z");
  EXPECT_EQ(due_label(plan, step, now, "Asia/Manila"), "2026-03-05 overdue");
  EXPECT_EQ(due_label(plan, step, now, "America/Bogota"), "2026-03-05");
  EXPECT_EQ(due_label(plan, step, now, "UTC"), "2026-03-05");
  step["status"] = "done";
  EXPECT_EQ(due_label(plan, step, now, "Asia/Manila"), "2026-03-05");  // finished steps are never overdue
}

TEST(PlanFormat, ShortIdsGrowUntilUnique) {
  std::vector<std::string> ids{"01a222dc-c2ba-74a7-8a56-ff838dae91e4", "01a222dc-c2bb-74a7-8a56-ff838dae91e4",
                               "9f00aa11-0000-8000-8000-000000000000"};
  auto s = short_ids(ids);
  EXPECT_EQ(s[ids[0]], "01a222dc-c2ba");
  EXPECT_EQ(s[ids[1]], "01a222dc-c2bb");
  EXPECT_EQ(s[ids[2]], "9f00aa11");
}

TEST(PlanFormat, PrefixMatchIsCaseInsensitiveAndPrefersAnExactId) {
  std::vector<std::string> ids{"abcd1234-0000", "abcd1234-0001", "abcd"};
  EXPECT_EQ(match_prefix(ids, "ABCD1234-0001"), std::vector<std::string>{"abcd1234-0001"});
  EXPECT_EQ(match_prefix(ids, "abcd1234").size(), 2u);
  EXPECT_EQ(match_prefix(ids, "abcd"), std::vector<std::string>{"abcd"});
  EXPECT_TRUE(match_prefix(ids, "ffff").empty());
  EXPECT_TRUE(match_prefix(ids, "").empty());
}

TEST(PlanFormat, ProgressLine) {
  plans::PlanProgress p;
  p.total = 30;
  p.done = 12;
  p.skipped = 1;
  p.percent_done = 41;
  p.overdue = 4;
  p.next_step_id = "x";
  p.days_since_activity = 1;
  p.off_track = true;
  EXPECT_EQ(progress_line(p, "0a1b2c3d Passeport"),
            "41% done (12/30 steps, 1 skipped), 4 overdue, next: 0a1b2c3d Passeport, 1 day since activity, OFF TRACK");
  plans::PlanProgress finished;
  finished.total = 2;
  finished.done = 2;
  finished.percent_done = 100;
  EXPECT_EQ(progress_line(finished, ""), "100% done (2/2 steps), 0 overdue, next: none");
}

TEST(PlanFormat, TextInTheViewersLanguageFallsBackToFrench) {
  json::object row{{"title", json::object{{"fr", "Passeport"}, {"en", "Passport"}}},
                   {"only_fr", json::object{{"fr", "Seulement"}}}};
  EXPECT_EQ(in_locale(row, "title", "en"), "Passport");
  EXPECT_EQ(in_locale(row, "title", "fr"), "Passeport");
  EXPECT_EQ(in_locale(row, "only_fr", "en"), "Seulement");
  EXPECT_EQ(in_locale(row, "missing", "en"), "");
}

}  // namespace
}  // namespace passerelle::cli
