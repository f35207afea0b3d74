// The action-plan commands of the `passerelle` CLI, as processes against the real server: a
// coach starts a plan from the shipped template, the candidate works on it offline, both see
// each other's changes after sync, concurrent edits of order and status both survive, and bad
// input gets exit 2 naming the field.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <map>
#include <regex>

#include "sync_fixture.h"

namespace passerelle::client {
namespace {

using namespace testing;
namespace json = boost::json;
using namespace std::chrono_literals;

class PlanCli : public SyncWithServer {
 protected:
  void SetUp() override {
    SyncWithServer::SetUp();
    if (HasFatalFailure()) return;
    assign();
    // From here on only the CLI touches the data directories.
    amina.reset();
    claire.reset();
  }

  // The CLI with --server: the server's port changes when a test restarts it.
  CliResult run(const TempDir& dir, std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--server", server.url()});
    return cli(dir, std::move(args), input);
  }
  void synced(const TempDir& dir) {
    auto r = run(dir, {"sync"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("rejected: "), std::string::npos) << r.out;
  }
  json::object plan_json(const TempDir& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"plan", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = cli(dir, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto v = json::parse(r.out);
    return v.as_object();
  }
  static std::string step_id(const json::object& plan, std::size_t i) {
    return std::string(plan.at("steps").as_array().at(i).as_object().at("id").as_string());
  }
  static const json::object* step(const json::object& plan, const std::string& id) {
    for (const auto& s : plan.at("steps").as_array())
      if (s.as_object().at("id").as_string() == id) return &s.as_object();
    return nullptr;
  }

  // Claire starts Amina's plan from the shipped template and both devices sync.
  void start_plan() {
    synced(claire_dir);
    auto templates = cli(claire_dir, {"templates"});
    ASSERT_EQ(templates.exit_code, 0) << templates.err;
    EXPECT_NE(templates.out.find("quebec-skilled-worker  v1  30 steps  "), std::string::npos) << templates.out;
    // The caseload gives the coach the candidate's id.
    auto caseload = cli(claire_dir, {"caseload"});
    ASSERT_EQ(caseload.exit_code, 0) << caseload.err;
    EXPECT_NE(caseload.out.find(amina_id + "  Amina Benali"), std::string::npos) << caseload.out;
    EXPECT_NE(caseload.out.find("no plan yet"), std::string::npos) << caseload.out;
    auto created = cli(claire_dir, {"plan", "create", "--candidate", amina_id, "--arrival", "2027-03-20"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    EXPECT_NE(created.out.find("queued: plan "), std::string::npos) << created.out;
    // The coach's device expands the template at once, offline.
    auto local = cli(claire_dir, {"plan", "--candidate", amina_id});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    EXPECT_NE(local.out.find("candidate: Amina Benali"), std::string::npos) << local.out;
    EXPECT_NE(local.out.find("arrival:   2027-03-20"), std::string::npos) << local.out;
    synced(claire_dir);
    synced(amina_dir);
  }
};

TEST_F(PlanCli, CoachCreatesThePlanCandidateCompletesAStepOfflineCoachSeesItWithHistory) {
  auto none = cli(amina_dir, {"plan"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("no plan for you on this device yet"), std::string::npos) << none.out;
  ASSERT_NO_FATAL_FAILURE(start_plan());

  auto shown = cli(amina_dir, {"plan"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("plan:      Plan d'action — travailleur qualifié sélectionné par le Québec (quebec-skilled-worker v1)"),
            std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("progress:  0% done (0/30 steps), "), std::string::npos) << shown.out;
  std::regex step_line(R"(\n\d+\.\s+[0-9a-f]{8,}  (todo|in_progress|done|skipped)\s+\d{4}-\d\d-\d\d)");
  auto lines = std::distance(std::sregex_iterator(shown.out.begin(), shown.out.end(), step_line), std::sregex_iterator());
  EXPECT_EQ(lines, 30) << shown.out;
  EXPECT_NE(shown.out.find("(notes 0, comments 0, evidence 0)"), std::string::npos) << shown.out;

  auto strict = cli(amina_dir, {"plan", "--idle-days", "0"});
  EXPECT_NE(strict.out.find("OFF TRACK"), std::string::npos) << "no activity today is idle with --idle-days 0: " << strict.out;
  EXPECT_EQ(cli(amina_dir, {"plan", "--max-overdue", "many"}).exit_code, 2);

  auto plan = plan_json(amina_dir);
  ASSERT_EQ(plan.at("steps").as_array().size(), 30u);
  std::string first = step_id(plan, 0);

  // Offline: the server is down; the writes apply here at once and wait in the queue.
  server.stop();
  auto status = cli(amina_dir, {"status"});
  EXPECT_NE(status.out.find("state:     offline ("), std::string::npos) << status.out;
  auto done = cli(amina_dir, {"step", "done", first.substr(0, 8)});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("queued: "), std::string::npos) << done.out;
  ASSERT_EQ(cli(amina_dir, {"step", "note", first.substr(0, 8), "Dossier", "envoyé"}).exit_code, 0);
  ASSERT_EQ(cli(amina_dir, {"step", "attach", first.substr(0, 10), "--url", "https://example.org/recu.pdf"}).exit_code, 0);
  auto after = cli(amina_dir, {"plan"});
  EXPECT_NE(after.out.find("progress:  3% done (1/30 steps)"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("(notes 1, comments 0, evidence 1)"), std::string::npos) << after.out;
  EXPECT_EQ(cli(amina_dir, {"sync"}).exit_code, 3);  // the last address, now dead

  ASSERT_TRUE(server.start()) << server.last_error();
  auto pushed = run(amina_dir, {"sync"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("pushed 3 (3 applied, 0 rejected)"), std::string::npos) << pushed.out;

  synced(claire_dir);
  auto seen = cli(claire_dir, {"step", "show", first.substr(0, 8)});
  ASSERT_EQ(seen.exit_code, 0) << seen.err;
  EXPECT_NE(seen.out.find("status:      done\n"), std::string::npos) << seen.out;
  EXPECT_NE(seen.out.find("history:\n"), std::string::npos) << seen.out;
  EXPECT_NE(seen.out.find("Amina Benali  todo -> done"), std::string::npos) << seen.out;
  EXPECT_NE(seen.out.find("Amina Benali  Dossier envoyé"), std::string::npos) << seen.out;
  EXPECT_NE(seen.out.find("link https://example.org/recu.pdf"), std::string::npos) << seen.out;
  EXPECT_NE(cli(claire_dir, {"plan"}).out.find("progress:  3% done (1/30 steps)"), std::string::npos);

  // Only the coach reopens a finished step: the candidate's device already knows the rule.
  auto refused = cli(amina_dir, {"step", "reopen", first});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find("can only be reopened by your coach"), std::string::npos) << refused.err;
  ASSERT_EQ(cli(claire_dir, {"step", "reopen", first.substr(0, 8)}).exit_code, 0);
  ASSERT_EQ(cli(claire_dir, {"step", "comment", first.substr(0, 8), "Il", "manque", "le", "reçu"}).exit_code, 0);
  synced(claire_dir);
  synced(amina_dir);
  auto reopened = cli(amina_dir, {"step", "show", first.substr(0, 8)});
  EXPECT_NE(reopened.out.find("status:      todo\n"), std::string::npos) << reopened.out;
  EXPECT_NE(reopened.out.find("Claire Coach  done -> todo"), std::string::npos) << reopened.out;
  EXPECT_NE(reopened.out.find("Claire Coach  Il manque le reçu"), std::string::npos) << reopened.out;
}

TEST_F(PlanCli, CoachMovesAStepWhileTheCandidateOfflineCompletesItBothSurvive) {
  ASSERT_NO_FATAL_FAILURE(start_plan());
  auto plan = plan_json(amina_dir);
  std::string fifth = step_id(plan, 4);

  ASSERT_EQ(cli(claire_dir, {"step", "move", fifth.substr(0, 8), "--index", "1"}).exit_code, 0);
  ASSERT_EQ(cli(amina_dir, {"step", "done", fifth.substr(0, 8)}).exit_code, 0);  // not synced: offline
  synced(claire_dir);
  synced(amina_dir);
  synced(claire_dir);

  for (const TempDir* dir : {&amina_dir, &claire_dir}) {
    auto p = plan_json(*dir, {"--candidate", amina_id});
    EXPECT_EQ(p.at("plan").as_object().at("step_ids").as_array().at(0).as_string(), fifth);
    ASSERT_NE(step(p, fifth), nullptr);
    EXPECT_EQ(step(p, fifth)->at("status").as_string(), "done");
    EXPECT_EQ(p.at("progress").as_object().at("done").as_int64(), 1);
  }

  // The coach's other edits: a new step at position 2, a new due date, a removal.
  auto added = cli(claire_dir, {"step", "add", "--plan", std::string(plan.at("plan").as_object().at("id").as_string()).substr(0, 8),
                                "--category", "networking", "--title", "Rencontrer un mentor", "--due", "2027-01-15",
                                "--index", "2"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  std::string last = step_id(plan, 29);
  ASSERT_EQ(cli(claire_dir, {"step", "due", last.substr(0, 8), "2027-06-01"}).exit_code, 0);
  ASSERT_EQ(cli(claire_dir, {"step", "remove", step_id(plan, 10).substr(0, 8)}).exit_code, 0);
  synced(claire_dir);
  synced(amina_dir);
  auto p = plan_json(amina_dir);
  ASSERT_EQ(p.at("steps").as_array().size(), 30u);
  EXPECT_EQ(p.at("steps").as_array().at(1).as_object().at("title").as_object().at("fr").as_string(), "Rencontrer un mentor");
  EXPECT_EQ(step(p, last)->at("due_date").as_string(), "2027-06-01");
  EXPECT_EQ(step(p, step_id(plan, 10)), nullptr);
}

TEST_F(PlanCli, BadInputIsRefusedNamingTheField) {
  ASSERT_NO_FATAL_FAILURE(start_plan());
  auto plan = plan_json(amina_dir);
  std::string id = step_id(plan, 0).substr(0, 8);

  auto no_reason = cli(amina_dir, {"step", "skip", id});
  EXPECT_EQ(no_reason.exit_code, 2);
  EXPECT_NE(no_reason.err.find("field 'args.reason'"), std::string::npos) << no_reason.err;
  auto skipped = cli(amina_dir, {"step", "skip", id, "--reason", "déjà fait au Maroc"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;

  auto unknown = cli(amina_dir, {"step", "done", "ffffffff"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown step 'ffffffff'"), std::string::npos) << unknown.err;
  auto unknown_full = cli(amina_dir, {"step", "show", new_id()});
  EXPECT_EQ(unknown_full.exit_code, 2);
  // 30 steps, 16 hex digits: at least two ids start with the same one.
  std::map<char, int> first_digits;
  std::string shared_digit;
  for (const auto& s : plan.at("steps").as_array())
    if (++first_digits[s.as_object().at("id").as_string()[0]] == 2) shared_digit = std::string(1, s.as_object().at("id").as_string()[0]);
  ASSERT_FALSE(shared_digit.empty());
  auto ambiguous = cli(amina_dir, {"step", "done", shared_digit});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("step ids on this device; give more of the id"), std::string::npos) << ambiguous.err;
  EXPECT_EQ(cli(amina_dir, {"step", "done"}).exit_code, 2);
  EXPECT_EQ(cli(claire_dir, {"step", "move", id, "--index", "0"}).exit_code, 2);
  auto bad_date = cli(claire_dir, {"step", "due", id, "2027-02-30"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_NE(bad_date.err.find("field 'args.due_date'"), std::string::npos) << bad_date.err;
  auto bad_category = cli(claire_dir, {"step", "add", "--plan", std::string(plan.at("plan").as_object().at("id").as_string()),
                                       "--category", "cooking", "--title", "X", "--due", "2027-01-01"});
  EXPECT_EQ(bad_category.exit_code, 2);
  EXPECT_NE(bad_category.err.find("field 'args.category'"), std::string::npos) << bad_category.err;
  EXPECT_EQ(cli(amina_dir, {"step", "frobnicate", id}).exit_code, 2);

  auto by_candidate = cli(amina_dir, {"plan", "create", "--candidate", amina_id});
  EXPECT_EQ(by_candidate.exit_code, 1) << by_candidate.out;
  EXPECT_NE(by_candidate.err.find("only a coach or an admin creates plans"), std::string::npos) << by_candidate.err;
  auto twice = cli(claire_dir, {"plan", "create", "--candidate", amina_id});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("already has a plan"), std::string::npos) << twice.err;
  auto coach_note = cli(claire_dir, {"step", "note", id, "mine"});
  EXPECT_EQ(coach_note.exit_code, 1);

  auto help = cli(amina_dir, {"step", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("step skip ID --reason TEXT"), std::string::npos) << help.out;
}

TEST_F(PlanCli, StatusSaysWhetherTheServerAnswersNow) {
  auto up = run(amina_dir, {"status"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_NE(up.out.find("state:     online (the server answers)\n"), std::string::npos) << up.out;
  auto skipped = run(amina_dir, {"status", "--offline"});
  EXPECT_NE(skipped.out.find("state:     not checked (--offline)\n"), std::string::npos) << skipped.out;
  server.kill9();
  auto down = cli(amina_dir, {"status"});  // the address of the last sign-in, now dead
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_NE(down.out.find("state:     offline ("), std::string::npos) << down.out;
  EXPECT_NE(down.out.find("pending:   0 ops queued"), std::string::npos) << down.out;
}

}  // namespace
}  // namespace passerelle::client
