// The cohort file reader (server/src/invites/cohort_csv.h): RFC 4180 records, the header, and
// the verdict of each row; a file that is not a cohort CSV fails whole.
#include <gtest/gtest.h>

#include "invites/cohort_csv.h"

namespace {

using passerelle::server::invites::parse_csv;
using passerelle::server::invites::read_cohort;

TEST(CohortCsv, ReadsQuotedFieldsCommasQuotesAndLineBreaks) {
  auto r = parse_csv("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,x\n");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (std::vector<std::string>{"a", "b, c", "say \"hi\""}));
  EXPECT_EQ((*r)[1], (std::vector<std::string>{"two\nlines", "", "x"}));
}

TEST(CohortCsv, ToleratesAByteOrderMarkAndAMissingLastLineBreak) {
  auto r = parse_csv("\xEF\xBB\xBF" "email\r\na@example.org");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0][0], "email");
  EXPECT_EQ((*r)[1][0], "a@example.org");
}

TEST(CohortCsv, RefusesBrokenQuotingAndNonUtf8NamingTheLine) {
  auto unclosed = parse_csv("email\n\"a@example.org\n");
  ASSERT_FALSE(unclosed);
  EXPECT_NE(unclosed.error().message.find("line 2"), std::string::npos) << unclosed.error().message;
  auto stray = parse_csv("email,name\na@example.org,Ana \"the\" Great\n");
  ASSERT_FALSE(stray);
  EXPECT_NE(stray.error().message.find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_csv("email,name\n\"a\"b,c\n"));
  EXPECT_FALSE(parse_csv("email\n\xC3\x28@example.org\n"));
}

TEST(CohortCsv, GivesEachRowItsVerdict) {
  auto rows = read_cohort(
      "Email, Name ,locale,planned_arrival,country\n"
      "Ana@Example.org,Ana,en,2027-01-02,BR\n"
      "nope,No,fr,,\n"
      "ana@example.org,Ana again,,,\n"
      "b@example.org,B,de,,\n"
      "c@example.org,C,,2027-02-30,\n"
      "d@example.org,D,,,france\n"
      "e@example.org,,,,\n");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 7u);
  std::vector<std::string> got;
  for (const auto& r : *rows) got.push_back(r.outcome);
  EXPECT_EQ(got, (std::vector<std::string>{"ok", "invalid_email", "duplicate_in_file", "invalid", "invalid", "invalid", "ok"}));
  EXPECT_EQ((*rows)[0].email, "ana@example.org") << "normalized";
  EXPECT_EQ((*rows)[2].message, "same e-mail as row 1");
  EXPECT_EQ((*rows)[0].line, 2u);
  EXPECT_EQ((*rows)[6].row, 7u);
}

TEST(CohortCsv, RefusesAFileThatIsNotACohortWhole) {
  EXPECT_FALSE(read_cohort(""));
  EXPECT_FALSE(read_cohort("email\n")) << "no candidate";
  EXPECT_FALSE(read_cohort("name\nAna\n")) << "no email column";
  EXPECT_FALSE(read_cohort("email,phone\na@example.org,1\n")) << "unknown column";
  EXPECT_FALSE(read_cohort("email,email\na@example.org,b@example.org\n")) << "a column twice";
  EXPECT_FALSE(read_cohort("email,name\na@example.org\n")) << "a short row";
  std::string big = "email\n";
  for (int i = 0; i < 2001; ++i) big += "p" + std::to_string(i) + "@example.org\n";
  auto too_many = read_cohort(big);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, passerelle::ErrorCode::too_large);
  big = "email\n";
  for (int i = 0; i < 2000; ++i) big += "p" + std::to_string(i) + "@example.org\n";
  EXPECT_TRUE(read_cohort(big)) << "2,000 is the limit, allowed";
}

TEST(CohortCsv, TheTemplateIsAValidCohort) {
  auto rows = read_cohort(passerelle::server::invites::cohort_template());
  ASSERT_TRUE(rows);
  for (const auto& r : *rows) EXPECT_EQ(r.outcome, "ok") << r.email << ": " << r.message;
}

}  // namespace
