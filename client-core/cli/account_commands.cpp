// `passerelle export DIR` (docs/security.md, "Privacy rights"): everything the server holds of
// the signed-in person, as the server's account.export answer in DIR/export.json, and each of
// their files, checked against its SHA-256, in DIR/files/<sha256>.
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>

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

}  // namespace

const std::map<std::string, CommandSpec>& account_command_specs() {
  static const std::map<std::string, CommandSpec> specs = {{"export", {{}, {}, 1}}};
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
  };
  return help;
}

std::optional<int> run_account_command(Client& client, const UserInfo&, const Args& args) {
  if (args.command == "export") return export_account(client, args);
  return std::nullopt;
}

}  // namespace passerelle::cli
