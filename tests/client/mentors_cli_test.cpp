// The `passerelle` mentoring commands end to end against the demo program: a coach reads the
// suggestions with their reasons (in the coach's language) and proposes; the mentor accepts;
// the candidate sees slots in both zones, books one and gets the meeting with its video link
// and the mentorship thread; the e-mails with the .ics go out (docs/mentoring.md).
#include <gtest/gtest.h>

#include "demo_program_cli.h"

namespace passerelle::client {
namespace {

using namespace testing;
using passerelle::test::TempDir;

// The demo program's fixture (demo_program_cli.h), with a mentor's device.
class MentorsCli : public DemoProgramCli {
 protected:
  TempDir mentor;
};

TEST_F(MentorsCli, SuggestProposeAcceptBookAcrossZones) {
  ASSERT_TRUE(server.ok()) << server.last_error();
  login(coach.path(), "coach.gagnon@demo.passerelle.quebec", "demo-coach-2026");
  std::string amina = first_word_of_line(cli(coach.path(), {"caseload"}).out, "Amina Benali");
  ASSERT_EQ(amina.size(), 36u);

  auto suggest = cli(coach.path(), {"mentors", "suggest", "--candidate", amina});
  ASSERT_EQ(suggest.exit_code, 0) << suggest.err;
  // The nurse from the CHUM ranks first, for reasons given in French (the coach's language).
  EXPECT_NE(suggest.out.find("Isabelle Roy"), std::string::npos) << suggest.out;
  EXPECT_LT(suggest.out.find("Isabelle Roy"), suggest.out.find("Priya Singh")) << suggest.out;
  EXPECT_NE(suggest.out.find("même profession (CNP 31301)  +60"), std::string::npos) << suggest.out;
  EXPECT_NE(suggest.out.find("travaille chez CHUM"), std::string::npos) << suggest.out;
  auto json = cli(coach.path(), {"mentors", "suggest", "--candidate", amina, "--json"});
  auto id_at = json.out.find("\"mentor_id\":\"");
  ASSERT_NE(id_at, std::string::npos) << json.out;
  std::string mentor_id = json.out.substr(id_at + 13, 36);

  ASSERT_EQ(cli(coach.path(), {"mentors", "propose", "--candidate", amina, "--mentor", mentor_id}).exit_code, 0);
  ASSERT_EQ(cli(coach.path(), {"sync"}).exit_code, 0);

  login(mentor.path(), "mentor.roy@demo.passerelle.quebec", "demo-mentor-2026");
  auto ships = cli(mentor.path(), {"mentorships"});
  EXPECT_NE(ships.out.find("proposed  Amina Benali with Isabelle Roy"), std::string::npos) << ships.out;
  std::string mentorship = ships.out.substr(0, ships.out.find(' '));
  ASSERT_EQ(cli(mentor.path(), {"mentorship", "accept", mentorship}).exit_code, 0);
  ASSERT_EQ(cli(mentor.path(), {"sync"}).exit_code, 0);

  login(candidate.path(), "amina.benali@demo.passerelle.quebec", "demo-candidate-2026");
  auto slots = cli(candidate.path(), {"slots"});
  ASSERT_EQ(slots.exit_code, 0) << slots.err;
  // Each slot in Amina's zone and in her mentor's.
  EXPECT_NE(slots.out.find("Africa/Casablanca  ("), std::string::npos) << slots.out;
  EXPECT_NE(slots.out.find("America/Toronto)"), std::string::npos) << slots.out;
  std::string start = slots.out.substr(0, slots.out.find(' '));
  auto book = cli(candidate.path(), {"book", start});
  ASSERT_EQ(book.exit_code, 0) << book.err;
  auto sync = cli(candidate.path(), {"sync"});
  EXPECT_NE(sync.out.find("1 applied, 0 rejected"), std::string::npos) << sync.out;
  auto meetings = cli(candidate.path(), {"meetings"});
  EXPECT_NE(meetings.out.find("scheduled  with Isabelle Roy"), std::string::npos) << meetings.out;
  EXPECT_NE(meetings.out.find("https://"), std::string::npos) << meetings.out;
  EXPECT_NE(cli(candidate.path(), {"threads"}).out.find("mentorship"), std::string::npos);

  // The same slot again is refused at once on the device, which knows it is taken.
  auto again = cli(candidate.path(), {"book", start});
  EXPECT_NE(again.exit_code, 0) << again.out;
  EXPECT_FALSE(again.err.empty());

  // Both people got the meeting by e-mail with its calendar part.
  std::size_t with_ics = 0;
  for (const auto& m : server.mails())
    if (m.find("text/calendar") != std::string::npos) ++with_ics;
  EXPECT_GE(with_ics, 2u);
}

}  // namespace
}  // namespace passerelle::client
