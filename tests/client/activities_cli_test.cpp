// The activity commands end to end on three devices against the demo program
// (docs/activities.md, "Command line"): a coach creates a speed-jobbing session with an employer
// for her candidate; the candidate registers offline (told it waits for the server) and reads her
// seat after a sync; the coach builds the rotation and prints the grid; the candidate's sheet and
// .ics and the employer's sheet name each other; she withdraws; a second session about to start
// gets her attendance recorded; the first is cancelled and every device says so.
#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <iterator>

#include "demo_program_cli.h"
#include "passerelle/shared/time.h"

namespace passerelle::client {
namespace {

using namespace testing;
namespace json = boost::json;

class ActivitiesCli : public DemoProgramCli {};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `activities show PREFIX --json` names the activity in full.
std::string full_activity_id_of(const std::string& out) {
  auto v = json::parse(out);
  return std::string(v.at("activity").at("id").as_string());
}

TEST_F(ActivitiesCli, CreateRegisterScheduleAgendaWithdrawAttendanceAndCancel) {
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("rh@acme.example", "Julie Roy", "employer", "correct horse battery", "fr")) << server.last_error();
  login(employer.path(), "rh@acme.example", "correct horse battery");
  ASSERT_EQ(cli(employer.path(), {"employer", "profile", "--organization", "CHSLD Laval", "--city", "Laval"}).exit_code, 0);
  sync(employer.path());

  login(coach.path(), "coach.gagnon@demo.passerelle.quebec", "demo-coach-2026");
  std::string amina = first_word_of_line(cli(coach.path(), {"caseload"}).out, "Amina Benali");
  ASSERT_EQ(amina.size(), 36u);
  auto employers = json::parse(cli(coach.path(), {"employer", "list", "--json"}).out);
  ASSERT_TRUE(employers.is_array() && employers.as_array().size() == 1) << employers;
  std::string julie(employers.as_array()[0].at("id").as_string());

  // 2030-03-12 13:00 UTC is 09:00 in Montréal (daylight time began on 2030-03-10).
  auto made = cli(coach.path(), {"activities", "create", "--kind", "speed_jobbing", "--title", "Speed jobbing santé", "--start",
                                 "2030-03-12T13:00:00Z", "--end", "2030-03-12T15:00:00Z", "--time-zone", "America/Toronto",
                                 "--place", "Cosmodôme, Laval", "--capacity", "10", "--invite", amina, "--employers", julie});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("queued: activity "), std::string::npos) << made.out;
  sync(coach.path());
  auto listed = cli(coach.path(), {"activities"});
  std::string activity = first_word_of_line(listed.out, "Speed jobbing santé");
  ASSERT_EQ(activity.size(), 8u) << listed.out;
  // The full id: activities made later within the same minute share those first 8 digits.
  activity = full_activity_id_of(cli(coach.path(), {"activities", "show", activity, "--json"}).out);
  ASSERT_EQ(activity.size(), 36u);
  EXPECT_NE(listed.out.find("0/10 seats"), std::string::npos) << listed.out;

  // The candidate registers before syncing: her device says the request waits for the server.
  login(candidate.path(), "amina.benali@demo.passerelle.quebec", "demo-candidate-2026");
  EXPECT_NE(cli(candidate.path(), {"activities"}).out.find("Speed jobbing santé"), std::string::npos);
  auto reg = cli(candidate.path(), {"activities", "register", activity});
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  EXPECT_NE(reg.out.find("Inscription envoyée"), std::string::npos) << reg.out;
  sync(candidate.path());
  EXPECT_NE(cli(candidate.path(), {"activities", "show", activity}).out.find("Place confirmée."), std::string::npos);

  // The organizer builds the rotation and prints the grid; everyone's sheet follows.
  sync(coach.path());
  ASSERT_EQ(cli(coach.path(), {"activities", "schedule", activity}).exit_code, 0);
  sync(coach.path());
  auto grid = cli(coach.path(), {"activities", "agenda", activity, "--grid"});
  ASSERT_EQ(grid.exit_code, 0) << grid.err;
  EXPECT_NE(grid.out.find("Amina Benali"), std::string::npos) << grid.out;
  sync(candidate.path());
  auto sheet = cli(candidate.path(), {"activities", "agenda", activity});
  ASSERT_EQ(sheet.exit_code, 0) << sheet.err;
  EXPECT_NE(sheet.out.find("09:00"), std::string::npos) << "local time in the activity's zone\n" << sheet.out;
  std::string ics = candidate.path() + "/sj.ics";
  ASSERT_EQ(cli(candidate.path(), {"activities", "agenda", activity, "--ics", ics}).exit_code, 0);
  auto calendar = read_file(ics);
  EXPECT_EQ(calendar.rfind("BEGIN:VCALENDAR", 0), 0u) << calendar;
  EXPECT_NE(calendar.find("DTSTART:20300312T130000Z"), std::string::npos) << calendar;
  sync(employer.path());
  auto employer_sheet = cli(employer.path(), {"activities", "agenda", activity});
  EXPECT_NE(employer_sheet.out.find("Amina Benali"), std::string::npos) << employer_sheet.out;

  // She withdraws: her device and the organizer's say so.
  ASSERT_EQ(cli(candidate.path(), {"activities", "unregister", activity}).exit_code, 0);
  sync(candidate.path());
  EXPECT_NE(cli(candidate.path(), {"activities", "show", activity}).out.find("Inscription annulée."), std::string::npos);

  // A conference starting within the hour: the organizer registers her and records that she came.
  auto soon = std::chrono::floor<std::chrono::minutes>(now_utc() + std::chrono::minutes(30));
  std::string start = format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(soon));
  std::string end = format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(soon + std::chrono::hours(1)));
  ASSERT_EQ(cli(coach.path(), {"activities", "create", "--kind", "conference", "--title", "Conférence santé", "--start", start,
                               "--end", end, "--time-zone", "America/Toronto", "--video-url", "https://meet.example.org/c",
                               "--capacity", "5", "--invite", amina})
                .exit_code,
            0);
  sync(coach.path());
  auto both = cli(coach.path(), {"activities"});
  std::string conference = first_word_of_line(both.out, "Conférence santé");
  EXPECT_NE(first_word_of_line(both.out, "Speed jobbing santé"), conference) << "each listed id names one activity: " << both.out;
  ASSERT_EQ(cli(coach.path(), {"activities", "register", conference, "--candidate", amina}).exit_code, 0);
  sync(coach.path());
  EXPECT_EQ(cli(coach.path(), {"activities", "attendance", conference}).exit_code, 2) << "--candidate is required";
  ASSERT_EQ(cli(coach.path(), {"activities", "attendance", conference, "--candidate", amina}).exit_code, 0);
  sync(coach.path());
  auto shown = json::parse(cli(coach.path(), {"activities", "show", conference, "--json"}).out);
  ASSERT_EQ(shown.at("registrations").as_array().size(), 1u) << shown;
  EXPECT_EQ(shown.at("registrations").as_array()[0].at("attended"), true) << shown;
  auto status = cli(coach.path(), {"status", "--offline"});
  EXPECT_NE(status.out.find("rejected:  0"), std::string::npos) << "the server applied all of them\n" << status.out;
  // Her own device refuses to record it, as the server would (the same mutator runs on both).
  sync(candidate.path());
  auto own = cli(candidate.path(), {"activities", "attendance", conference, "--candidate", amina});
  EXPECT_NE(own.exit_code, 0) << own.out;
  EXPECT_NE(own.err.find("only the organizer or an admin records attendance"), std::string::npos) << own.err;

  // The organizer cancels the session: every device shows it cancelled.
  ASSERT_EQ(cli(coach.path(), {"activities", "cancel", activity, "--reason", "Salle indisponible"}).exit_code, 0);
  sync(coach.path());
  sync(employer.path());
  for (const auto* dir : {&coach, &employer})
    EXPECT_NE(cli(dir->path(), {"activities"}).out.find("CANCELLED"), std::string::npos);
}

}  // namespace
}  // namespace passerelle::client
