// The employer commands end to end on three devices against the demo program
// (docs/employers.md): an employer states a need; a candidate shares her profile; a coach
// preselects (reasons in the coach's language), proposes, and records an internship of 28 days
// across the autumn clock change (29 refused on the coach's own device); the employer's device
// gets her card; she withdraws and the employer's device drops it at its next sync.
#include "demo_program_cli.h"

namespace passerelle::client {
namespace {

using namespace testing;

class EmployersCli : public DemoProgramCli {};

TEST_F(EmployersCli, ConsentPreselectProposeInternshipAndWithdrawal) {
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("rh@acme.example", "Julie Roy", "employer", "correct horse battery", "fr")) << server.last_error();

  login(employer.path(), "rh@acme.example", "correct horse battery");
  auto p = cli(employer.path(), {"employer", "profile", "--organization", "CHSLD Laval", "--city", "Laval", "--occupations", "31301",
                                 "--languages", "fr", "--interns", "2", "--priime", "yes", "--conditions",
                                 "work_station,colleagues_on_site,coach_on_site"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto n = cli(employer.path(), {"employer", "need", "--title", "Infirmière", "--occupation", "31301", "--languages", "fr",
                                 "--start-by", "2027-09-01"});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  sync(employer.path());
  auto needs = cli(employer.path(), {"employer", "needs"});
  std::string need = first_word_of_line(needs.out, "Infirmière");
  ASSERT_EQ(need.size(), 8u) << needs.out;

  login(candidate.path(), "amina.benali@demo.passerelle.quebec", "demo-candidate-2026");
  EXPECT_NE(cli(candidate.path(), {"consent"}).out.find("n'est pas partagé"), std::string::npos);
  ASSERT_EQ(cli(candidate.path(), {"consent", "give", "--available-from", "2027-06-01", "--summary", "Infirmière, 8 ans"}).exit_code, 0);
  sync(candidate.path());
  EXPECT_NE(cli(candidate.path(), {"consent"}).out.find("partagé avec des employeurs depuis"), std::string::npos);

  login(coach.path(), "coach.gagnon@demo.passerelle.quebec", "demo-coach-2026");
  std::string amina = first_word_of_line(cli(coach.path(), {"caseload"}).out, "Amina Benali");
  ASSERT_EQ(amina.size(), 36u);
  auto ranked = cli(coach.path(), {"employer", "preselect", "--need", need});
  ASSERT_EQ(ranked.exit_code, 0) << ranked.err;
  EXPECT_NE(ranked.out.find("Amina Benali"), std::string::npos) << ranked.out;
  EXPECT_NE(ranked.out.find("même profession (CNP 31301)  +60"), std::string::npos) << ranked.out;
  EXPECT_NE(ranked.out.find("parle la ou les langues de travail : fr"), std::string::npos) << ranked.out;
  ASSERT_EQ(cli(coach.path(), {"employer", "propose", "--need", need, "--candidate", amina}).exit_code, 0);
  std::string julie = first_word_of_line(cli(coach.path(), {"employer", "list"}).out, "CHSLD Laval");
  ASSERT_EQ(cli(coach.path(), {"employer", "confirm", julie}).exit_code, 0);
  // 2027-10-15 to 2027-11-12 (last day) is 29 days: refused on this device, before any sync.
  auto too_long = cli(coach.path(), {"employer", "internship", "--employer", julie, "--candidate", amina, "--start", "2027-10-15",
                                     "--end", "2027-11-12"});
  EXPECT_EQ(too_long.exit_code, 1) << too_long.out;
  EXPECT_NE(too_long.err.find("28 jours"), std::string::npos) << too_long.err;
  // To 2027-11-11 is 28 days, across the change back to standard time on 2027-11-07.
  auto ok = cli(coach.path(), {"employer", "internship", "--employer", julie, "--candidate", amina, "--start", "2027-10-15",
                               "--end", "2027-11-11"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  sync(coach.path());
  auto status = cli(coach.path(), {"status", "--offline"});
  EXPECT_NE(status.out.find("rejected:  0"), std::string::npos) << "the server applied all of them\n" << status.out;

  sync(employer.path());
  auto cards = cli(employer.path(), {"employer", "candidates"});
  EXPECT_NE(cards.out.find("Amina Benali"), std::string::npos) << cards.out;
  auto proposals = cli(employer.path(), {"employer", "proposals"});
  EXPECT_NE(proposals.out.find("Amina Benali  proposed"), std::string::npos) << proposals.out;
  std::string proposal = proposals.out.substr(0, 8);
  ASSERT_EQ(cli(employer.path(), {"employer", "accept", proposal}).exit_code, 0);
  sync(employer.path());
  auto internships = cli(employer.path(), {"employer", "internships"});
  EXPECT_NE(internships.out.find("Amina Benali  2027-10-15T04:00:00.000Z  2027-11-12T05:00:00.000Z  planned"), std::string::npos)
      << internships.out;

  // She withdraws: the employer's device drops her card and the proposal at its next sync.
  ASSERT_EQ(cli(candidate.path(), {"consent", "withdraw"}).exit_code, 0);
  sync(candidate.path());
  sync(employer.path());
  cards = cli(employer.path(), {"employer", "candidates"});
  EXPECT_EQ(cards.out.find("Amina"), std::string::npos) << cards.out;
  proposals = cli(employer.path(), {"employer", "proposals"});
  EXPECT_EQ(proposals.out.find("Amina"), std::string::npos) << proposals.out;
  // Staff no longer find her for a new proposal either.
  sync(coach.path());
  EXPECT_EQ(cli(coach.path(), {"employer", "preselect", "--need", need}).out.find("Amina"), std::string::npos);
}

}  // namespace
}  // namespace passerelle::client
