// The `passerelle` message commands end to end, as processes against the real server: threads
// with unread counts, messages (THREAD and the older --thread form), send with files (and the
// files refused at once), read, download, uploads, and an upload queued while the server is
// down that goes up when it is back.
#include <gtest/gtest.h>

#include <fstream>

#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "sync_fixture.h"
#include "test_files.h"

namespace passerelle::client {
namespace {

using namespace testing;
namespace fs = std::filesystem;


std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class MessagesCli : public SyncWithServer {
 protected:
  void SetUp() override {
    SyncWithServer::SetUp();
    if (HasFatalFailure()) return;
    assign();
    // The CLI processes open the data directories themselves.
    amina.reset();
    claire.reset();
    ASSERT_EQ(cli(amina_dir, {"sync"}).exit_code, 0);
    ASSERT_EQ(cli(claire_dir, {"sync"}).exit_code, 0);
  }
  TempDir files;
};

TEST_F(MessagesCli, ThreadsMessagesSendReadDownload) {
  std::string cv = pdf("CV d'Amina");
  std::string sha = sha256_hex(cv);
  write_file(files / "CV.pdf", cv);

  auto text = cli(amina_dir, {"send", thread, "Bonjour", "Claire"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("queued: message ", 0), 0u) << text.out;
  auto file_only = cli(amina_dir, {"send", thread.substr(0, 13), "--attach", (files / "CV.pdf").string()});
  ASSERT_EQ(file_only.exit_code, 0) << file_only.err;
  EXPECT_NE(file_only.out.find("with 1 file"), std::string::npos) << file_only.out;
  auto from_stdin = cli(amina_dir, {"send", thread}, "sur deux\nlignes\n");
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;

  auto queued = cli(amina_dir, {"messages", thread});
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  EXPECT_EQ(count(queued.out, "  queued  "), 3u) << queued.out;
  EXPECT_NE(queued.out.find("#1?  not yet sent  Amina Benali  queued"), std::string::npos) << queued.out;
  EXPECT_NE(queued.out.find("    file: CV.pdf  application/pdf  "), std::string::npos) << queued.out;
  EXPECT_NE(queued.out.find(sha + "  (on this device)"), std::string::npos) << queued.out;
  EXPECT_NE(queued.out.find("    sur deux\n    lignes\n"), std::string::npos) << queued.out;
  auto ups = cli(amina_dir, {"uploads"});
  EXPECT_EQ(ups.out, sha + "  CV.pdf  " + std::to_string(cv.size()) + " bytes  pending\n");

  auto sync = cli(amina_dir, {"sync"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_NE(sync.out.find("pushed 3 (3 applied, 0 rejected)"), std::string::npos) << sync.out;
  EXPECT_NE(sync.out.find(", uploaded 1 file\n"), std::string::npos) << sync.out;
  auto sent = cli(amina_dir, {"messages", thread});
  EXPECT_EQ(count(sent.out, "  Amina Benali  sent  "), 3u) << sent.out;
  EXPECT_NE(sent.out.find("#1  "), std::string::npos) << sent.out;
  EXPECT_NE(sent.out.find("#3  "), std::string::npos) << sent.out;

  // Claire: the unread count, then reading marks them read; the older --thread form too.
  ASSERT_EQ(cli(claire_dir, {"sync"}).exit_code, 0);
  EXPECT_EQ(cli(claire_dir, {"threads"}).out,
            thread + "  coaching  with Amina Benali  3 messages, 3 unread\nunread: 3 in total\n");
  auto old_form = cli(claire_dir, {"messages", "--thread", thread});
  ASSERT_EQ(old_form.exit_code, 0) << old_form.err;
  EXPECT_NE(old_form.out.find("    Bonjour Claire\n"), std::string::npos) << old_form.out;
  EXPECT_EQ(old_form.out.find("(on this device)"), std::string::npos) << old_form.out;
  auto read = cli(claire_dir, {"read", thread});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_NE(read.out.find("    Bonjour Claire\n"), std::string::npos) << read.out;
  EXPECT_NE(read.out.find("marked 3 messages read"), std::string::npos) << read.out;
  EXPECT_EQ(cli(claire_dir, {"threads"}).out, thread + "  coaching  with Amina Benali  3 messages\nunread: 0 in total\n");
  EXPECT_NE(cli(claire_dir, {"read", thread}).out.find("nothing new to mark read"), std::string::npos);

  // The file, never over an existing one.
  auto download = cli(claire_dir, {"download", sha, "--out", (files / "from-amina.pdf").string()});
  ASSERT_EQ(download.exit_code, 0) << download.err;
  EXPECT_EQ(read_all(files / "from-amina.pdf"), cv);
  auto again = cli(claire_dir, {"download", sha, "--out", (files / "from-amina.pdf").string()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_NE(cli(claire_dir, {"messages", thread}).out.find("(on this device)"), std::string::npos);

  // Amina sees her messages read once Claire's device has synced.
  ASSERT_EQ(cli(claire_dir, {"sync"}).exit_code, 0);
  ASSERT_EQ(cli(amina_dir, {"sync"}).exit_code, 0);
  auto seen = cli(amina_dir, {"messages", thread});
  EXPECT_EQ(count(seen.out, "  Amina Benali  read  "), 3u) << seen.out;
}

TEST_F(MessagesCli, FilesThatCannotBeSentAreRefusedAtOnce) {
  auto txt = cli(amina_dir, {"send", thread, "mes notes", "--attach", write_file(files / "notes.pdf", "just text").string()});
  EXPECT_EQ(txt.exit_code, 2);
  EXPECT_NE(txt.err.find("only PDF, Word (DOCX), OpenDocument text (ODT), PNG and JPEG"), std::string::npos) << txt.err;
  std::string big = pdf("");
  big.resize(10 * 1024 * 1024 + 1, ' ');
  auto large = cli(amina_dir, {"send", thread, "--attach", write_file(files / "big.pdf", big).string()});
  EXPECT_EQ(large.exit_code, 2);
  EXPECT_NE(large.err.find("files of at most 10485760 bytes"), std::string::npos) << large.err;
  auto missing = cli(amina_dir, {"send", thread, "--attach", (files / "nope.pdf").string()});
  EXPECT_EQ(missing.exit_code, 2);
  auto unknown = cli(amina_dir, {"send", new_id(), "allo"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown thread"), std::string::npos) << unknown.err;
  auto bad_hash = cli(amina_dir, {"download", "abc"});
  EXPECT_EQ(bad_hash.exit_code, 2);
  EXPECT_NE(cli(amina_dir, {"status", "--offline"}).out.find("pending:   0 ops queued"), std::string::npos);
  EXPECT_EQ(cli(amina_dir, {"uploads"}).out, "no files queued for upload\n");
}

TEST_F(MessagesCli, AnAttachmentSentWhileTheServerIsDownGoesUpWhenItIsBack) {
  std::string cv = pdf("hors ligne");
  server.kill9();
  auto send = cli(amina_dir, {"send", thread, "mon CV", "--attach", write_file(files / "cv.pdf", cv).string()});
  ASSERT_EQ(send.exit_code, 0) << send.err;
  auto down = cli(amina_dir, {"sync"});
  EXPECT_EQ(down.exit_code, 3) << down.err;
  EXPECT_NE(cli(amina_dir, {"uploads"}).out.find("  pending\n"), std::string::npos);

  ASSERT_TRUE(server.restart()) << server.last_error();
  auto up = cli(amina_dir, {"--server", server.url(), "sync"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_NE(up.out.find("pushed 1 (1 applied, 0 rejected)"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("uploaded 1 file"), std::string::npos) << up.out;
  EXPECT_NE(cli(amina_dir, {"uploads"}).out.find("  done\n"), std::string::npos);

  ASSERT_EQ(cli(claire_dir, {"--server", server.url(), "sync"}).exit_code, 0);
  auto got = cli(claire_dir, {"--server", server.url(), "download", sha256_hex(cv), "--out", (files / "got.pdf").string()});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(read_all(files / "got.pdf"), cv);
  // Someone who cannot read the message cannot download the file: exit 1, the server refused.
  ASSERT_EQ(cli(karim_dir, {"--server", server.url(), "login", "--email", "karim@example.org"}, kPassword + "\n").exit_code, 0);
  auto stolen = cli(karim_dir, {"download", sha256_hex(cv), "--out", (files / "stolen.pdf").string()});
  EXPECT_EQ(stolen.exit_code, 1) << stolen.err;
  EXPECT_FALSE(fs::exists(files / "stolen.pdf"));
}

}  // namespace
}  // namespace passerelle::client
