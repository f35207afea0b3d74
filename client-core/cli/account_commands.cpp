// `passerelle export DIR` (docs/security.md, "Privacy rights"): everything the server holds of
// the signed-in person, as the server's account.export answer in DIR/export.json, and each of
// their files, checked against its SHA-256, in DIR/files/<sha256>.
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"

namespace passerelle::cli {
namespace {

int export_account(Client& client, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "export needs a directory to write into");
  std::filesystem::path dir = args.positional[0];
  std::error_code ec;
  std::filesystem::create_directories(dir / "files", ec);
  if (ec) return fail(kLocalData, "cannot create " + (dir / "files").string() + ": " + ec.message());
  if (std::filesystem::exists(dir / "export.json", ec))
    return fail(kUsage, (dir / "export.json").string() + " exists; give an empty directory");
  // A request on the sign-in connection: this process resumes the session first.
  if (auto me = client.resume(); !me) return fail(me.failure());
  auto answer = client.request("account.export", {});
  if (!answer) return fail(answer.failure());
  const json::value* data = answer->if_contains("export");
  if (!data || !data->is_object()) return fail(kRefused, "the server's answer holds no export");
  {
    std::ofstream out(dir / "export.json", std::ios::binary | std::ios::trunc);
    out << json::serialize(*data) << "\n";
    if (!out.flush()) return fail(kLocalData, "cannot write " + (dir / "export.json").string());
  }
  int saved = 0, failed = 0;
  if (auto* files = data->as_object().if_contains("files"); files && files->is_array())
    for (const auto& f : files->as_array()) {
      std::string sha = f.is_object() ? field(f.as_object(), "sha256") : std::string();
      if (sha.empty()) continue;
      auto got = client.download_file(sha, dir / "files" / sha);
      if (got) {
        ++saved;
      } else {
        ++failed;
        std::cerr << "passerelle: file " << sha << ": " << got.failure().message() << "\n";
      }
    }
  std::cout << "wrote " << (dir / "export.json").string() << " and " << saved << (saved == 1 ? " file" : " files")
            << " to " << (dir / "files").string() << "\n";
  return failed == 0 ? kOk : kNetwork;
}

// `passerelle invite --email E --role R [--name N] [--locale fr|en]` (invite.create): the server
// e-mails the invitation; a coach's candidate joins that coach's caseload when she accepts.
int invite(Client& client, const Args& args) {
  auto email = args.flag("--email");
  auto role = args.flag("--role");
  if (!email || !role) return fail(kUsage, "invite needs --email E and --role candidate|mentor|coach|admin|employer");
  json::object fields{{"email", *email}, {"role", *role}};
  if (auto n = args.flag("--name")) fields["name"] = *n;
  if (auto l = args.flag("--locale")) fields["locale"] = *l;
  if (auto c = args.flag("--coach")) fields["coach_id"] = *c;
  if (auto me = client.resume(); !me) return fail(me.failure());
  auto answer = client.request("invite.create", fields);
  if (!answer) return fail(answer.failure());
  const json::value* inv = answer->if_contains("invitation");
  std::string id = inv && inv->is_object() ? field(inv->as_object(), "id") : std::string();
  std::string expires = inv && inv->is_object() ? field(inv->as_object(), "expires_at") : std::string();
  std::cout << "invited " << *email << " as " << *role << " (invitation " << id << ", valid until " << expires << ")\n";
  return kOk;
}

// `passerelle invitations [--status S] [--revoke ID | --resend ID]` (invite.list, invite.revoke,
// invite.resend): one line per invitation, tab-separated, newest first.
int invitations(Client& client, const Args& args) {
  auto revoke = args.flag("--revoke");
  auto resend = args.flag("--resend");
  if (revoke && resend) return fail(kUsage, "give --revoke ID or --resend ID, not both");
  if (auto me = client.resume(); !me) return fail(me.failure());
  if (revoke || resend) {
    auto answer = client.request(revoke ? "invite.revoke" : "invite.resend", {{"invitation_id", revoke ? *revoke : *resend}});
    if (!answer) return fail(answer.failure());
    const json::value* inv = answer->if_contains("invitation");
    std::string email = inv && inv->is_object() ? field(inv->as_object(), "email") : std::string();
    if (revoke) std::cout << "revoked the invitation of " << email << "; its link no longer works\n";
    else std::cout << "sent a new invitation to " << email << "; the former link no longer works\n";
    return kOk;
  }
  json::object fields;
  if (auto s = args.flag("--status")) fields["status"] = *s;
  auto answer = client.request("invite.list", fields);
  if (!answer) return fail(answer.failure());
  const json::value* list = answer->if_contains("invitations");
  if (!list || !list->is_array()) return fail(kRefused, "the server's answer holds no invitations");
  if (list->as_array().empty()) std::cout << "no invitations\n";
  for (const auto& v : list->as_array()) {
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    std::cout << field(o, "id") << "\t" << field(o, "status") << "\t" << field(o, "role") << "\t" << field(o, "email")
              << "\t" << field(o, "name") << "\tby " << field(o, "invited_by_name") << "\t" << field(o, "created_at")
              << "\n";
  }
  return kOk;
}

// `passerelle invite-cohort FILE [--send]`: the server checks every row of a cohort CSV and,
// with --send, queues the good ones; prints the rows not sent (row, e-mail, outcome, why).
int invite_cohort(Client& client, const Args& args) {
  if (args.positional.empty()) return fail(kUsage, "invite-cohort needs the CSV file");
  std::ifstream in(args.positional[0], std::ios::binary);
  if (!in) return fail(kUsage, "cannot read " + args.positional[0]);
  std::stringstream text;
  text << in.rdbuf();
  if (auto me = client.resume(); !me) return fail(me.failure());
  bool send = args.has("--send");
  auto answer = client.invite_cohort(text.str(), send);
  if (!answer) return fail(answer.failure());
  std::int64_t good = 0, rows = 0;
  if (auto* r = answer->if_contains("rows"); r && r->is_int64()) rows = r->get_int64();
  if (auto* report = answer->if_contains("report"); report && report->is_array())
    for (const auto& v : report->as_array()) {
      if (!v.is_object()) continue;
      const auto& o = v.as_object();
      std::string outcome = field(o, "outcome");
      if (outcome == "ok" || outcome == "sent") {
        ++good;
        continue;
      }
      std::cout << "row " << (o.contains("row") ? json::serialize(o.at("row")) : "?") << "\t" << field(o, "email") << "\t"
                << outcome << "\t" << field(o, "message") << "\n";
    }
  std::cout << (send ? "queued " : "ready: ") << good << " of " << rows << " invitation(s)"
            << (send ? "; they are e-mailed at the server's pace (passerelle invitations --status queued)" : "; send them with --send")
            << "\n";
  return kOk;
}

}  // namespace

const std::map<std::string, CommandSpec>& account_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {
      {"export", {{}, {}, 1}},
      {"invite", {{"--email", "--role", "--name", "--locale", "--coach"}, {}, 0}},
      {"invitations", {{"--status", "--revoke", "--resend"}, {}, 0}},
      {"invite-cohort", {{}, {"--send"}, 1}}};
  return specs;
}

const std::map<std::string, std::string>& account_command_help() {
  static const std::map<std::string, std::string> help = {
      {"export",
       "usage: passerelle [global options] export DIR\n\n"
       "Asks the server for everything it holds of you (account.export: your profile, messages,\n"
       "plan, meetings, referrals, outcomes, who opened your file...) and writes it to\n"
       "DIR/export.json, then downloads each of your files to DIR/files/<sha256>. Needs the\n"
       "server (exit 3 when it cannot be reached, or when a file could not be fetched).\n"},
      {"invite",
       "usage: passerelle [global options] invite --email E --role candidate|mentor|coach|admin|employer\n"
       "                  [--name N] [--locale fr|en] [--coach COACH_ID]\n\n"
       "Invites someone (invite.create): the server e-mails them a single-use link, valid\n"
       "--invite-ttl-days (14 by default). A coach invites candidates and mentors, and a coach's\n"
       "candidate joins that coach's caseload when she accepts; an admin invites any role and may\n"
       "name a candidate's coach with --coach. --locale picks the e-mail's language (yours by default).\n"},
      {"invitations",
       "usage: passerelle [global options] invitations [--status pending|queued|accepted|expired|revoked]\n"
       "       passerelle [global options] invitations --revoke ID | --resend ID\n\n"
       "Lists the invitations you made (an admin: everyone's), newest first, one per line:\n"
       "id, status, role, e-mail, name, who invited, when. --revoke ID kills an invitation's link;\n"
       "--resend ID e-mails a new link (the former one stops working) with a fresh lifetime.\n"
       "A whole cohort is invited from a CSV file with invite-cohort (docs/operations.md,\n"
       "\"Onboarding a cohort\").\n"},
      {"invite-cohort",
       "usage: passerelle [global options] invite-cohort FILE.csv [--send]\n\n"
       "Has the server check every row of a cohort CSV (UTF-8, header email,name,locale,\n"
       "planned_arrival,country; at most 2,000 rows) and prints the rows that would not be sent,\n"
       "with the reason. With --send the good rows are queued and e-mailed at the server's pace;\n"
       "a coach's candidates join that coach's caseload when they accept. A file that is not such\n"
       "a CSV is refused whole (exit 1) and nothing is sent.\n"},
  };
  return help;
}

std::optional<int> run_account_command(Client& client, const UserInfo&, const Args& args) {
  if (args.command == "export") return export_account(client, args);
  if (args.command == "invite") return invite(client, args);
  if (args.command == "invitations") return invitations(client, args);
  if (args.command == "invite-cohort") return invite_cohort(client, args);
  return std::nullopt;
}

}  // namespace passerelle::cli
