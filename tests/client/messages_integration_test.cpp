// Coaching messages through the client core against the real passerelle-server: two devices
// composing offline (server order, no duplicates after a replayed push), the author's states
// queued -> sent -> delivered -> read, unread counts per thread and in total, one person on
// two devices, attachments up and down (and not down for a third person), an upload queued
// while the server is down, a server whose upload limit is lower than the device's, files
// over wss. Every wait is bounded; nothing asserts a duration.
#include <gtest/gtest.h>

#include <fstream>

#include "account_store.h"
#include "files/blob_transfer.h"
#include "passerelle/client.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "sync_fixture.h"
#include "test_files.h"

namespace passerelle::client {
namespace {

using namespace testing;
namespace fs = std::filesystem;


std::vector<std::string> bodies(const std::vector<MessageView>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs) out.push_back(m.body);
  return out;
}

std::vector<MessageState> states(const std::vector<MessageView>& msgs) {
  std::vector<MessageState> out;
  for (const auto& m : msgs) out.push_back(m.state);
  return out;
}

class MessagesWithServer : public SyncWithServer {
 protected:
  void SetUp() override {
    SyncWithServer::SetUp();
    if (HasFatalFailure()) return;
    assign();
    ASSERT_TRUE(synced(*amina));
    ASSERT_TRUE(synced(*claire));
  }
  static ::testing::AssertionResult synced(Client& c, SyncSummary* out = nullptr) {
    auto s = c.sync_once(30s);
    if (!s) return ::testing::AssertionFailure() << s.error().message;
    if (out) *out = *s;
    return ::testing::AssertionSuccess();
  }
  std::vector<MessageView> messages_of(Client& c) {
    auto m = c.thread_messages(thread);
    EXPECT_TRUE(m.ok()) << (m ? "" : m.error().message);
    return m ? *m : std::vector<MessageView>();
  }
  std::int64_t unread(Client& c, const std::string& thread_id) {
    auto list = c.threads();
    EXPECT_TRUE(list.ok());
    for (const auto& t : *list)
      if (t.id == thread_id) return t.unread;
    return -1;
  }
  TempDir files;
};

TEST_F(MessagesWithServer, TwoDevicesComposeOfflineThenSyncInServerOrderWithReceipts) {
  // Both write before either syncs.
  ASSERT_TRUE(amina->send_message(thread, "Bonjour Claire").ok());
  ASSERT_TRUE(amina->send_message(thread, "J'ai reçu mon CSQ").ok());
  ASSERT_TRUE(claire->send_message(thread, "Bonjour Amina").ok());
  EXPECT_EQ(states(messages_of(*amina)), (std::vector{MessageState::queued, MessageState::queued}));

  SyncSummary s;
  ASSERT_TRUE(synced(*amina, &s));
  EXPECT_EQ(s.applied, 2u);
  EXPECT_EQ(states(messages_of(*amina)), (std::vector{MessageState::sent, MessageState::sent}));

  // Claire's push lands after Amina's: hers is #3 although written first. Her pull brings
  // Amina's two; she acknowledges them (delivered) in the same sync.
  ASSERT_TRUE(synced(*claire, &s));
  EXPECT_EQ(s.receipts_queued, 1u);
  EXPECT_EQ(claire->status()->pending_ops, 0);
  auto hers = messages_of(*claire);
  EXPECT_EQ(bodies(hers), (std::vector<std::string>{"Bonjour Claire", "J'ai reçu mon CSQ", "Bonjour Amina"}));
  EXPECT_EQ(hers[0].n, 1);
  EXPECT_EQ(hers[2].n, 3);
  EXPECT_TRUE(hers[2].written_at.has_value());
  EXPECT_EQ(unread(*claire, thread), 2);

  ASSERT_TRUE(synced(*amina));
  auto mine = messages_of(*amina);
  EXPECT_EQ(bodies(mine), bodies(hers));  // the same order on both devices
  // Claire's #3 is delivered as its author sees it: this very sync of Amina's acknowledged it.
  EXPECT_EQ(states(mine), (std::vector{MessageState::delivered, MessageState::delivered, MessageState::delivered}));
  EXPECT_EQ(unread(*amina, thread), 1);

  // Claire opens the thread.
  ASSERT_TRUE(claire->mark_read(thread).ok());
  EXPECT_EQ(unread(*claire, thread), 0);
  ASSERT_TRUE(synced(*claire));
  ASSERT_TRUE(synced(*amina));
  EXPECT_EQ(states(messages_of(*amina)), (std::vector{MessageState::read, MessageState::read, MessageState::delivered}));
  // Amina's device pulled Claire's message and said so: Claire sees it delivered, then read.
  ASSERT_TRUE(synced(*claire));
  EXPECT_EQ(messages_of(*claire)[2].state, MessageState::delivered);
  ASSERT_TRUE(amina->mark_read(thread).ok());
  ASSERT_TRUE(synced(*amina));
  ASSERT_TRUE(synced(*claire));
  EXPECT_EQ(messages_of(*claire)[2].state, MessageState::read);

  // Nothing more to say: another round pushes nothing (no receipt loop).
  ASSERT_TRUE(synced(*claire, &s));
  EXPECT_EQ(s.pushed, 0u);
  ASSERT_TRUE(synced(*amina, &s));
  EXPECT_EQ(s.pushed, 0u);
}

TEST_F(MessagesWithServer, AReplayedPushMakesNoDuplicate) {
  ASSERT_TRUE(amina->send_message(thread, "une seule fois").ok());
  // The device's files as they were with the op queued: after the push they come back, as if
  // the answer had been lost, and the op goes again.
  amina.reset();
  TempDir copy;
  fs::copy(amina_dir.path(), copy.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  amina = device(amina_dir);
  ASSERT_TRUE(synced(*amina));
  amina.reset();
  fs::remove_all(amina_dir.path() / "accounts");
  fs::copy(copy.path(), amina_dir.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  amina = device(amina_dir);
  EXPECT_EQ(amina->status()->pending_ops, 1);
  SyncSummary s;
  ASSERT_TRUE(synced(*amina, &s));
  EXPECT_EQ(s.applied, 1u);  // the recorded answer
  ASSERT_TRUE(synced(*claire));
  auto msgs = messages_of(*claire);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].body, "une seule fois");
  EXPECT_EQ(msgs[0].n, 1);
}

TEST_F(MessagesWithServer, UnreadPerThreadAndInTotalAndTheSameOnTwoDevicesOfOnePerson) {
  // Claire gets a second candidate, so two threads.
  ASSERT_TRUE(server.create_user("bilal@example.org", "Bilal Haddad", "candidate", kPassword));
  TempDir bilal_dir;
  std::string bilal_id;
  auto bilal = signed_in(bilal_dir, "bilal@example.org", &bilal_id);
  std::string second = new_id();
  {
    auto admin = device(admin_dir);
    ASSERT_TRUE(admin->mutate("caseload.assign", {{"candidate_id", bilal_id}, {"coach_id", claire_id}, {"thread_id", second}}).ok());
    ASSERT_TRUE(synced(*admin));
  }
  ASSERT_TRUE(synced(*bilal));
  ASSERT_TRUE(amina->send_message(thread, "un").ok());
  ASSERT_TRUE(amina->send_message(thread, "deux").ok());
  ASSERT_TRUE(bilal->send_message(second, "salut").ok());
  ASSERT_TRUE(synced(*amina));
  ASSERT_TRUE(synced(*bilal));

  ASSERT_TRUE(synced(*claire));
  EXPECT_EQ(unread(*claire, thread), 2);
  EXPECT_EQ(unread(*claire, second), 1);
  EXPECT_EQ(*claire->unread_total(), 3);
  auto list = claire->threads();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].title, "Bilal Haddad");  // the most recent activity first
  EXPECT_EQ((*list)[1].title, "Amina Benali");
  ASSERT_TRUE((*list)[1].last_message);
  EXPECT_EQ((*list)[1].last_message->body, "deux");

  // Claire's second device (the dashboard, say) sees the same, then her reading on the first.
  TempDir claire2_dir;
  auto claire2 = signed_in(claire2_dir, "claire@example.org");
  ASSERT_TRUE(synced(*claire2));
  EXPECT_EQ(*claire2->unread_total(), 3);
  ASSERT_TRUE(claire->mark_read(thread).ok());
  ASSERT_TRUE(synced(*claire));
  ASSERT_TRUE(synced(*claire2));
  EXPECT_EQ(unread(*claire2, thread), 0);
  EXPECT_EQ(unread(*claire2, second), 1);
  EXPECT_EQ(*claire2->unread_total(), 1);
  // And back: reading on the second device clears it on the first.
  ASSERT_TRUE(claire2->mark_read(second).ok());
  ASSERT_TRUE(synced(*claire2));
  ASSERT_TRUE(synced(*claire));
  EXPECT_EQ(*claire->unread_total(), 0);
}

TEST_F(MessagesWithServer, AttachmentGoesUpTheCoachDownloadsItAThirdPersonCannot) {
  std::string cv = pdf("CV Amina Benali, infirmière");
  std::string sha = sha256_hex(cv);
  auto sent = amina->send_message(thread, "", {write_file(files / "CV Amina.pdf", cv)});
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  SyncSummary s;
  ASSERT_TRUE(synced(*amina, &s));
  EXPECT_EQ(s.uploaded, 1u);
  EXPECT_EQ(s.applied, 1u);
  EXPECT_EQ((*amina->uploads())[0].state, UploadState::done);

  ASSERT_TRUE(synced(*claire));
  auto msgs = messages_of(*claire);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].body, "");
  ASSERT_EQ(msgs[0].attachments.size(), 1u);
  const auto& a = msgs[0].attachments[0];
  EXPECT_EQ(a.sha256, sha);
  EXPECT_EQ(a.name, "CV Amina.pdf");
  EXPECT_EQ(a.type, "application/pdf");
  EXPECT_EQ(a.size, static_cast<std::int64_t>(cv.size()));
  EXPECT_FALSE(a.on_device);
  auto got = claire->download_file(sha, files / "cv-claire.pdf");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(read_all(*got), cv);
  EXPECT_TRUE(messages_of(*claire)[0].attachments[0].on_device);

  // Claire sends it back annotated; Amina gets it.
  std::string annotated = pdf("CV Amina Benali, annoté");
  ASSERT_TRUE(claire->send_message(thread, "Mes remarques", {write_file(files / "CV annoté.pdf", annotated)}).ok());
  ASSERT_TRUE(synced(*claire));
  ASSERT_TRUE(synced(*amina));
  auto back = amina->download_file(sha256_hex(annotated), files / "back.pdf");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(read_all(*back), annotated);

  // Karim, a coach outside the thread, knows the hash: it grants nothing.
  auto karim = signed_in(karim_dir, "karim@example.org");
  auto stolen = karim->download_file(sha, files / "stolen.pdf");
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.origin(), Origin::server);
  EXPECT_EQ(stolen.error().code, ErrorCode::not_found);
  EXPECT_FALSE(fs::exists(files / "stolen.pdf"));
  EXPECT_FALSE(karim->download_file(sha).ok());  // nor into his own file store
}

TEST_F(MessagesWithServer, AnUploadQueuedWhileTheServerIsDownGoesUpWhenItIsBack) {
  std::string cv = pdf("écrit hors ligne");
  server.kill9();
  ASSERT_TRUE(amina->send_message(thread, "mon CV", {write_file(files / "cv.pdf", cv)}).ok());
  auto down = amina->sync_once(10s);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.origin(), Origin::network);
  EXPECT_EQ((*amina->uploads())[0].state, UploadState::pending);
  EXPECT_EQ(amina->status()->pending_ops, 1);

  ASSERT_TRUE(server.restart()) << server.last_error();
  amina = device(amina_dir);  // the restarted server listens on another port
  SyncSummary s;
  ASSERT_TRUE(synced(*amina, &s));
  EXPECT_EQ(s.uploaded, 1u);
  EXPECT_EQ(s.applied, 1u);
  EXPECT_EQ(s.rejected, 0u);
  claire = device(claire_dir);
  ASSERT_TRUE(synced(*claire));
  auto got = claire->download_file(sha256_hex(cv), files / "got.pdf");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(read_all(*got), cv);
}

TEST_F(MessagesWithServer, BackgroundEngineUploadsBeforeItPushes) {
  ASSERT_TRUE(amina->start_sync().ok());
  ASSERT_TRUE(eventually([&] { return amina->status()->state == SyncState::up_to_date; }));
  std::string scan = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(5000, '\x01');
  ASSERT_TRUE(amina->send_message(thread, "le scan", {write_file(files / "scan.png", scan)}).ok());
  ASSERT_TRUE(eventually([&] { return amina->status()->pending_ops == 0; }));
  EXPECT_TRUE(amina->rejections()->empty());
  amina->stop_sync();
  ASSERT_TRUE(synced(*claire));
  auto got = claire->download_file(sha256_hex(scan), files / "scan.png.copy");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(read_all(*got), scan);
}

// A server configured with a lower upload limit than the device's: the upload is refused at its
// headers (413 too_large, nothing sent), the device marks it failed instead of retrying forever,
// and the message attaching it is rejected with the server's reason.
TEST(MessagesWithALowLimitServer, RefusedUploadFailsForGoodAndTheMessageIsRejected) {
  TestServer::Options options;
  options.extra_args = {"--max-upload-bytes", "4096"};
  TestServer server(options);
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("admin@example.org", "Ada Admin", "admin", kPassword));
  ASSERT_TRUE(server.create_user("claire@example.org", "Claire Coach", "coach", kPassword));
  ASSERT_TRUE(server.create_user("amina@example.org", "Amina Benali", "candidate", kPassword));
  TempDir admin_dir, amina_dir, files;
  auto open = [&](const TempDir& dir, const std::string& email, std::string* id) {
    ClientOptions o;
    o.data_dir = dir.path();
    o.server_url = server.url();
    o.connect_timeout = 5s;
    o.request_timeout = 20s;
    auto c = Client::open(o);
    EXPECT_TRUE(c.ok());
    auto u = (*c)->login(email, kPassword);
    EXPECT_TRUE(u.ok());
    if (id && u) *id = u->id;
    return std::move(*c);
  };
  std::string amina_id, claire_id, thread = new_id();
  auto amina = open(amina_dir, "amina@example.org", &amina_id);
  {
    TempDir claire_dir;
    auto claire = open(claire_dir, "claire@example.org", &claire_id);
  }
  auto admin = open(admin_dir, "admin@example.org", nullptr);
  ASSERT_TRUE(admin->mutate("caseload.assign", {{"candidate_id", amina_id}, {"coach_id", claire_id}, {"thread_id", thread}}).ok());
  ASSERT_TRUE(admin->sync_once(30s).ok());
  ASSERT_TRUE(amina->sync_once(30s).ok());

  std::string big = pdf(std::string(10'000, 'x'));
  ASSERT_TRUE(amina->send_message(thread, "trop gros pour ce serveur", {write_file(files / "big.pdf", big)}).ok());
  auto s = amina->sync_once(30s);
  ASSERT_TRUE(s.ok()) << s.error().message;  // a refusal for good does not fail the round
  EXPECT_EQ(s->uploads_failed, 1u);
  EXPECT_EQ(s->rejected, 1u);
  auto ups = amina->uploads();
  ASSERT_EQ(ups->size(), 1u);
  EXPECT_EQ((*ups)[0].state, UploadState::failed);
  ASSERT_TRUE((*ups)[0].error);
  EXPECT_EQ((*ups)[0].error->code, ErrorCode::too_large);
  auto rejected = amina->rejections();
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_EQ((*rejected)[0].name, "message.send");
  EXPECT_EQ((*rejected)[0].error.code, ErrorCode::not_found);  // the file the message names is not there
  EXPECT_TRUE(amina->thread_messages(thread)->empty());        // the optimistic message is gone
  // The next round does not try again.
  auto again = amina->sync_once(30s);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uploaded + again->uploads_failed, 0u);
}

// --- files over wss, with the same certificate checks as the WebSocket ---------------------------

TEST(FilesOverTls, VerifiedWithTheCaFileRefusedWithout) {
  TempDir certs, dir, files;
  std::string cert = (certs.path() / "cert.pem").string(), key = (certs.path() / "key.pem").string();
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
                    " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " + key + " -out " + cert +
                    " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "the openssl command failed";
  TestServer::Options options;
  options.extra_args = {"--tls-cert", cert, "--tls-key", key};
  TestServer server(options);
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("amina@example.org", "Amina Benali", "candidate", kPassword));
  ClientOptions o;
  o.data_dir = dir.path();
  o.server_url = "wss://localhost:" + std::to_string(server.port());
  o.ca_file = cert;
  auto client = Client::open(o);
  ASSERT_TRUE(client.ok());
  auto user = (*client)->login("amina@example.org", kPassword);
  ASSERT_TRUE(user.ok()) << user.error().message;
  auto account = AccountStore::open(dir.path(), user->id);
  ASSERT_TRUE(account.ok());
  std::string token = *(*(*account)->load())->token;

  std::string cv = pdf("over TLS");
  files::TransferOptions t;
  t.server = (*client)->server_url();
  t.ca_file = cert;
  t.token = token;
  auto put = files::put_blob(t, write_file(files.path() / "cv.pdf", cv), sha256_hex(cv));
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_TRUE(put->created);
  auto got = files::get_blob(t, sha256_hex(cv), files.path() / "back.pdf", 1 << 20);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(read_all(files.path() / "back.pdf"), cv);

  t.ca_file.clear();
  auto refused = files::get_blob(t, sha256_hex(cv), files.path() / "again.pdf", 1 << 20);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.origin(), Origin::network);
  EXPECT_NE(refused.error().message.find("TLS certificate verification failed for host localhost"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace passerelle::client
