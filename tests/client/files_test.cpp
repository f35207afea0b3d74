// Attached files on the device, without a real server: SHA-256 as bytes go by, the account's
// file store (atomic writes, 0600, stale temporaries), the upload queue's states, HTTP uploads
// and downloads against a scripted peer (100-continue, an early 413, JSON errors, a proxy's
// page, wrong bytes, stalls, cancellation, refused ports), and send_message's local checks on
// a signed-in device with no network.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "account_store.h"
#include "device_store.h"
#include "fake_http.h"
#include "test_files.h"
#include "files/attachments.h"
#include "files/blob_http.h"
#include "files/blob_transfer.h"
#include "files/file_store.h"
#include "files/sha256.h"
#include "loopback.h"
#include "passerelle/client.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/messages/files.h"
#include "sync/sync_store.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using namespace std::chrono_literals;
using files::FileStore;
using testing::FakeHttp;
using testing::LoopbackPort;
using testing::TempDir;
using testing::read_all;
using testing::write_file;
namespace fs = std::filesystem;

const std::string kPdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";


unsigned mode_of(const fs::path& p) {
  struct stat st{};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

std::vector<std::string> temporaries(const fs::path& folder) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().filename().string().rfind(".part-", 0) == 0) out.push_back(e.path().filename().string());
  return out;
}

// --- hashing and the store ----------------------------------------------------------------------

// The one rule both builds use for where blobs live (the browser's fetch, the native Beast).
TEST(BlobHttp, BlobUrlFollowsTheWebSocketUrl) {
  auto url = [](std::string_view ws) { return files::blob_url(*ServerUrl::parse(ws), "ab"); };
  EXPECT_EQ(url("ws://127.0.0.1:8080"), "http://127.0.0.1:8080/v1/blobs/ab");
  EXPECT_EQ(url("wss://passerelle.example"), "https://passerelle.example:443/v1/blobs/ab");
  EXPECT_EQ(url("https://host.example:8443/passerelle/v1/ws"), "https://host.example:8443/passerelle/v1/blobs/ab");
  EXPECT_EQ(files::blob_target(*ServerUrl::parse("wss://h/p/v1/ws"), "ab"), "/p/v1/blobs/ab");
}

TEST(BlobHttp, AnswersBecomeTheServersRefusals) {
  auto f = files::answer_failure(413, R"({"error":{"code":"too_large","message":"at most 10 MiB"}})");
  EXPECT_EQ(f.origin, Origin::server);
  EXPECT_EQ(f.code(), ErrorCode::too_large);
  EXPECT_EQ(f.message(), "at most 10 MiB");
  auto proxy = files::answer_failure(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(proxy.code(), ErrorCode::internal);
  EXPECT_EQ(proxy.message(), "the server answered HTTP 502");
  EXPECT_EQ(files::answer_failure(415, "").code(), ErrorCode::unsupported);
}

// The checks a picked file goes through in both builds, before anything is written.
TEST(Attachments, CheckedByNameSizeAndContent) {
  auto refused = files::check_attachment_header("big.pdf", "big.pdf", 11 * 1024 * 1024, 10 * 1024 * 1024);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::too_large);
  EXPECT_EQ(refused->origin, Origin::usage);
  EXPECT_EQ(files::check_attachment("x.pdf", "x.pdf", "", 100).error().message, "cannot attach x.pdf: the file is empty");
  EXPECT_EQ(files::check_attachment("a.exe", "a.exe", "MZ\x90", 100).error().code, ErrorCode::unsupported);
  auto pdf = files::check_attachment("cv.pdf", "cv.pdf", "%PDF-1.4\n%%EOF\n", 100);
  ASSERT_TRUE(pdf);
  EXPECT_EQ(pdf->info.type, "application/pdf");
  EXPECT_EQ(pdf->info.sha256, sha256_hex("%PDF-1.4\n%%EOF\n"));
  EXPECT_EQ(pdf->info.size, 15);
  auto noText = files::message_send_args("01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000002", "",
                                         "2026-03-01T00:00:00.000Z", {});
  EXPECT_FALSE(noText);
  EXPECT_EQ(noText.origin(), Origin::usage);
  EXPECT_TRUE(files::message_send_args("01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000002", "",
                                       "2026-03-01T00:00:00.000Z", {pdf->info}));
}

TEST(Sha256, StreamingEqualsOneShotAndFiles) {
  files::Sha256 h;
  h.update("hello ");
  h.update("");
  h.update("world");
  EXPECT_EQ(h.hex(), sha256_hex("hello world"));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  TempDir dir;
  std::string big(200'000, 'x');
  write_file(dir / "f", big);
  auto file = files::sha256_of_file(dir / "f");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file, sha256_hex(big));
  EXPECT_FALSE(files::sha256_of_file(dir / "missing").ok());
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto account = AccountStore::open(dir.path(), user_id);
    ASSERT_TRUE(account.ok()) << account.error().message;
    account_ = std::move(*account);
    auto path = AccountStore::path_for(dir.path(), user_id);
    folder = FileStore::folder_for(*path);
    auto s = FileStore::open(account_->db(), folder);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store = std::move(*s);
  }
  UploadInfo upload(const std::string& content, const std::string& name = "cv.pdf") {
    return UploadInfo{sha256_hex(content), name, static_cast<std::int64_t>(content.size()), "application/pdf",
                      UploadState::pending, std::nullopt, ""};
  }
  TempDir dir;
  std::string user_id = new_id();
  fs::path folder;
  std::unique_ptr<AccountStore> account_;
  std::unique_ptr<FileStore> store;
};

TEST_F(FileStoreTest, KeepsFilesBesideTheAccountFileOwnerOnly) {
  EXPECT_EQ(folder, dir.path() / "accounts" / (user_id + ".files"));
  EXPECT_EQ(mode_of(folder), 0700u);
  std::string sha = sha256_hex(kPdf);
  EXPECT_FALSE(store->find(sha));
  auto kept = store->keep(sha, kPdf);
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(*kept, folder / sha);
  EXPECT_EQ(read_all(*kept), kPdf);
  EXPECT_EQ(mode_of(*kept), 0600u);
  ASSERT_TRUE(store->find(sha));
  EXPECT_TRUE(store->keep(sha, kPdf).ok());  // twice: a no-op
  EXPECT_TRUE(temporaries(folder).empty());
  EXPECT_FALSE(store->find("not-a-hash"));
  EXPECT_FALSE(store->find("../" + user_id + ".sqlite"));
  store->forget(sha);
  EXPECT_FALSE(store->find(sha));
}

TEST_F(FileStoreTest, StaleTemporariesGoOnOpenFreshOnesStay) {
  write_file(folder / ".part-old", "half a file");
  write_file(folder / ".part-new", "being written by another process");
  fs::last_write_time(folder / ".part-old", fs::file_time_type::clock::now() - 2h);
  auto again = FileStore::open(account_->db(), folder);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(fs::exists(folder / ".part-old"));
  EXPECT_TRUE(fs::exists(folder / ".part-new"));
}

TEST_F(FileStoreTest, AdoptMovesACompleteDownloadIn) {
  auto temp = store->temp_path();
  EXPECT_EQ(temp.parent_path(), folder);
  write_file(temp, kPdf);
  auto kept = store->adopt(temp, sha256_hex(kPdf));
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(read_all(*kept), kPdf);
  EXPECT_EQ(mode_of(*kept), 0600u);
}

TEST_F(FileStoreTest, UploadQueueStates) {
  EXPECT_GE(account_->db().user_version(), 3);  // the uploads table joined the account file
  auto a = upload("first"), b = upload("second", "scan.png");
  ASSERT_TRUE(store->queue_upload(a, "2026-01-01T00:00:00.000Z").ok());
  ASSERT_TRUE(store->queue_upload(b, "2026-01-01T00:00:01.000Z").ok());
  auto pending = store->pending_uploads();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].sha256, a.sha256);  // oldest first
  EXPECT_EQ((*pending)[1].name, "scan.png");

  ASSERT_TRUE(store->mark_failed(a.sha256, Error{ErrorCode::too_large, "too big"}).ok());
  ASSERT_TRUE(store->mark_done(b.sha256).ok());
  EXPECT_TRUE(store->pending_uploads()->empty());
  auto all = store->uploads();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].state, UploadState::failed);
  ASSERT_TRUE((*all)[0].error);
  EXPECT_EQ((*all)[0].error->code, ErrorCode::too_large);
  EXPECT_EQ((*all)[1].state, UploadState::done);

  // Sent again: a failed file is tried again, a file already up stays up.
  ASSERT_TRUE(store->queue_upload(a, "2026-01-02T00:00:00.000Z").ok());
  ASSERT_TRUE(store->queue_upload(b, "2026-01-02T00:00:00.000Z").ok());
  pending = store->pending_uploads();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].sha256, a.sha256);
  EXPECT_FALSE((*pending)[0].error);
}

TEST_F(FileStoreTest, AQueuedMessageAndItsUploadsCommitTogether) {
  SyncStore sync(account_->db(), passerelle::sync::Actor{user_id, protocol::Role::candidate});
  auto u = upload("content");
  // A failing `also` takes the op with it.
  auto refused = sync.mutate("profile.update", {{"bio", "x"}}, nullptr, [&]() -> Status {
    if (auto st = store->queue_upload(u, "2026-01-01T00:00:00.000Z"); !st) return st;
    return Error{ErrorCode::internal, "disk full"};
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(*sync.pending_count(), 0);
  EXPECT_TRUE(store->uploads()->empty());
  auto ok = sync.mutate("profile.update", {{"bio", "x"}}, nullptr,
                        [&]() -> Status { return store->queue_upload(u, "2026-01-01T00:00:00.000Z"); });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*sync.pending_count(), 1);
  EXPECT_EQ(store->uploads()->size(), 1u);
}

TEST(AtomicWrite, NeverReplacesAndLeavesNoTemporary) {
  TempDir dir;
  ASSERT_TRUE(files::write_file_atomically(dir / "a.pdf", kPdf, false).ok());
  EXPECT_EQ(read_all(dir / "a.pdf"), kPdf);
  EXPECT_EQ(mode_of(dir / "a.pdf"), 0600u);
  auto again = files::write_file_atomically(dir / "a.pdf", "other", false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_EQ(read_all(dir / "a.pdf"), kPdf);
  auto copied = files::copy_file_atomically(dir / "a.pdf", dir / "b.pdf", false);
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(read_all(dir / "b.pdf"), kPdf);
  EXPECT_FALSE(files::copy_file_atomically(dir / "missing.pdf", dir / "c.pdf", false).ok());
  EXPECT_FALSE(fs::exists(dir / "c.pdf"));
  auto into_missing_folder = files::write_file_atomically(dir / "no" / "d.pdf", kPdf, false);
  EXPECT_FALSE(into_missing_folder.ok());
  EXPECT_TRUE(temporaries(dir.path()).empty());
}

// --- HTTP transfers against a scripted peer -------------------------------------------------------

files::TransferOptions options_for(const std::string& url) {
  files::TransferOptions o;
  auto u = ServerUrl::parse(url);
  EXPECT_TRUE(u.ok());
  o.server = *u;
  o.token = "secret-token";
  o.connect_timeout = 5s;
  o.stall_timeout = 10s;
  return o;
}

TEST(BlobTransfer, UploadSendsTheBytesWithTheTokenAfterContinue) {
  TempDir dir;
  write_file(dir / "cv.pdf", kPdf);
  std::string sha = sha256_hex(kPdf);
  std::string line, auth, length, expect, received;
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    line = p.request_line();
    auth = p.header("Authorization");
    length = p.header("Content-Length");
    expect = p.header("Expect");
    p.write("HTTP/1.1 100 Continue\r\n\r\n");
    received = p.read_body(std::stoul(length));
    p.write(FakeHttp::answer(201, "Created", R"({"sha256":")" + sha + R"(","size":)" + std::to_string(kPdf.size()) +
                                                 R"(,"type":"application/pdf"})"));
  });
  auto put = files::put_blob(options_for(server.ws_url()), dir / "cv.pdf", sha);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_TRUE(put->created);
  EXPECT_EQ(put->size, static_cast<std::int64_t>(kPdf.size()));
  EXPECT_EQ(put->type, "application/pdf");
  EXPECT_EQ(line, "PUT /v1/blobs/" + sha + " HTTP/1.1");
  EXPECT_EQ(auth, "Bearer secret-token");
  EXPECT_EQ(length, std::to_string(kPdf.size()));
  EXPECT_EQ(expect, "100-continue");
  EXPECT_EQ(received, kPdf);
}

TEST(BlobTransfer, UploadToAServerThatNeverSaysContinueStillGoesUp) {
  TempDir dir;
  write_file(dir / "cv.pdf", kPdf);
  std::string received;
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    received = p.read_body(std::stoul(p.header("Content-Length")));
    p.write(FakeHttp::answer(200, "OK", R"({"sha256":")" + sha256_hex(kPdf) + R"(","size":1,"type":"application/pdf"})"));
  });
  auto put = files::put_blob(options_for(server.ws_url()), dir / "cv.pdf", sha256_hex(kPdf));
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_FALSE(put->created);  // 200: the server had it already
  EXPECT_EQ(received, kPdf);
}

TEST(BlobTransfer, TooLargeAtTheHeadersIsTheServersAnswerNotANetworkFailure) {
  TempDir dir;
  std::string big(256 * 1024, 'x');
  write_file(dir / "big.pdf", "%PDF-" + big);
  std::string received;
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    p.write(FakeHttp::error(413, "Payload Too Large", "too_large", "files of at most 1000 bytes"));
  });
  auto put = files::put_blob(options_for(server.ws_url()), dir / "big.pdf", sha256_hex("%PDF-" + big));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.origin(), Origin::server);
  EXPECT_EQ(put.error().code, ErrorCode::too_large);
  EXPECT_EQ(put.error().message, "files of at most 1000 bytes");
}

TEST(BlobTransfer, ServerRefusalsCarryTheirCodes) {
  TempDir dir;
  write_file(dir / "f", kPdf);
  struct Case {
    std::string response;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {FakeHttp::error(415, "Unsupported Media Type", "unsupported", "only PDF"), ErrorCode::unsupported},
      {FakeHttp::error(400, "Bad Request", "bad_request", "the content's SHA-256 is not the one named"), ErrorCode::bad_request},
      {FakeHttp::error(401, "Unauthorized", "unauthenticated", "sign in"), ErrorCode::unauthenticated},
      {FakeHttp::error(500, "Internal Server Error", "internal", "storage failed"), ErrorCode::internal},
      // A proxy's page instead of the protocol's JSON: the status decides.
      {FakeHttp::answer(502, "Bad Gateway", "<html>bad gateway</html>", "text/html"), ErrorCode::internal},
      {FakeHttp::answer(413, "Too Large", "<html>nginx</html>", "text/html"), ErrorCode::too_large},
  };
  for (const auto& c : cases) {
    FakeHttp server([&](FakeHttp::Peer& p) {
      p.read_head();
      p.write("HTTP/1.1 100 Continue\r\n\r\n");
      p.read_body(std::stoul(p.header("Content-Length")));
      p.write(c.response);
    });
    auto put = files::put_blob(options_for(server.ws_url()), dir / "f", sha256_hex(kPdf));
    ASSERT_FALSE(put.ok()) << c.response;
    EXPECT_EQ(put.origin(), Origin::server) << c.response;
    EXPECT_EQ(put.error().code, c.code) << c.response;
  }
}

TEST(BlobTransfer, DownloadWritesAndChecksTheBytes) {
  TempDir dir;
  std::string sha = sha256_hex(kPdf);
  std::string line, auth;
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    line = p.request_line();
    auth = p.header("Authorization");
    p.write(FakeHttp::answer(200, "OK", kPdf, "application/pdf"));
  });
  auto got = files::get_blob(options_for(server.ws_url("/passerelle/v1/ws")), sha, dir / "out", 1 << 20);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, static_cast<std::int64_t>(kPdf.size()));
  EXPECT_EQ(read_all(dir / "out"), kPdf);
  EXPECT_EQ(mode_of(dir / "out"), 0600u);
  // A server under a path prefix serves blobs under it too.
  EXPECT_EQ(line, "GET /passerelle/v1/blobs/" + sha + " HTTP/1.1");
  EXPECT_EQ(auth, "Bearer secret-token");
}

TEST(BlobTransfer, DownloadOfOtherBytesFails) {
  TempDir dir;
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    p.write(FakeHttp::answer(200, "OK", "%PDF-not the same file", "application/pdf"));
  });
  auto got = files::get_blob(options_for(server.ws_url()), sha256_hex(kPdf), dir / "out", 1 << 20);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("SHA-256"), std::string::npos) << got.error().message;
}

TEST(BlobTransfer, DownloadOverTheLimitStops) {
  TempDir dir;
  std::string big(100'000, 'x');
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    p.write(FakeHttp::answer(200, "OK", big, "application/pdf"));
  });
  auto got = files::get_blob(options_for(server.ws_url()), sha256_hex(big), dir / "out", 1000);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::too_large);
}

TEST(BlobTransfer, DownloadNotFoundIsTheServersAnswer) {
  TempDir dir;
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    p.write(FakeHttp::error(404, "Not Found", "not_found", "no such file"));
  });
  auto got = files::get_blob(options_for(server.ws_url()), sha256_hex(kPdf), dir / "out", 1 << 20);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.origin(), Origin::server);
  EXPECT_EQ(got.error().code, ErrorCode::not_found);
  EXPECT_EQ(got.error().message, "no such file");
  EXPECT_FALSE(fs::exists(dir / "out"));  // nothing created for an error answer
}

TEST(BlobTransfer, AStalledServerFailsAsNetwork) {
  TempDir dir;
  write_file(dir / "f", kPdf);
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    p.wait_for_close();  // never answers; the client gives up
  });
  auto o = options_for(server.ws_url());
  o.stall_timeout = 300ms;
  auto got = files::get_blob(o, sha256_hex(kPdf), dir / "out", 1 << 20);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.origin(), Origin::network);
  EXPECT_NE(got.error().message.find("stalled"), std::string::npos) << got.error().message;
  auto put = files::put_blob(o, dir / "f", sha256_hex(kPdf));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.origin(), Origin::network);
}

TEST(BlobTransfer, CancellingStopsATransferInFlight) {
  TempDir dir;
  FakeHttp server([&](FakeHttp::Peer& p) {
    p.read_head();
    p.wait_for_close();
  });
  std::atomic<bool> cancel{false};
  auto o = options_for(server.ws_url());
  o.stall_timeout = 60s;
  o.cancelled = [&] { return cancel.load(); };
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  auto got = files::get_blob(o, sha256_hex(kPdf), dir / "out", 1 << 20);
  canceller.join();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.origin(), Origin::network);
  EXPECT_NE(got.error().message.find("stopped"), std::string::npos) << got.error().message;
}

TEST(BlobTransfer, RefusedPortCannotReach) {
  LoopbackPort refusing(false);
  TempDir dir;
  write_file(dir / "f", kPdf);
  auto put = files::put_blob(options_for("ws://127.0.0.1:" + std::to_string(refusing.port())), dir / "f", sha256_hex(kPdf));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.origin(), Origin::network);
  EXPECT_NE(put.error().message.find("cannot reach the server at http://127.0.0.1:"), std::string::npos)
      << put.error().message;
}

TEST(BlobTransfer, MissingCaFileIsAUsageError) {
  TempDir dir;
  auto o = options_for("wss://127.0.0.1:9");
  o.ca_file = (dir / "nope.pem").string();
  auto got = files::get_blob(o, sha256_hex(kPdf), dir / "out", 1 << 20);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.origin(), Origin::usage);
}

// --- send_message on a signed-in device with no server -------------------------------------------

class OfflineMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    auto account = AccountStore::open(dir.path(), me);
    ASSERT_TRUE(account.ok());
    AccountRecord r;
    r.user.id = me;
    r.user.role = protocol::Role::candidate;
    r.user.email = "amina@example.org";
    r.user.name = "Amina";
    r.server_url = "ws://127.0.0.1:" + std::to_string(refusing.port());
    r.token = "tok";
    ASSERT_TRUE((*account)->save(r).ok());
    // The thread as a pull would have brought it.
    SyncStore sync((*account)->db(), passerelle::sync::Actor{me, protocol::Role::candidate});
    passerelle::sync::PullPage page;
    page.cursor = 1;
    page.changes.push_back(passerelle::sync::Change{
        "threads", thread, 1, false,
        boost::json::object{{"id", thread}, {"kind", "coaching"}, {"members", boost::json::array{me, coach}},
                            {"candidate_id", me}, {"coach_id", coach}}});
    ASSERT_TRUE(sync.apply_pull_page(page, nullptr).ok());
    account->reset();
    auto device = DeviceStore::open(dir.path());
    ASSERT_TRUE(device.ok());
    ASSERT_TRUE((*device)->set_current_user_id(me).ok());
    ASSERT_TRUE((*device)->set_server_url(r.server_url).ok());
    device->reset();
    ClientOptions o;
    o.data_dir = dir.path();
    o.connect_timeout = 2s;
    auto c = Client::open(o);
    ASSERT_TRUE(c.ok());
    client = std::move(*c);
  }
  fs::path file(const std::string& name, const std::string& content) {
    fs::path p = dir.path() / name;
    write_file(p, content);
    return p;
  }
  LoopbackPort refusing{false};  // the server this device knows: down
  TempDir dir;
  std::string me = new_id(), coach = new_id(), thread = new_id();
  std::unique_ptr<Client> client;
};

TEST_F(OfflineMessages, AFileThatIsNotADocumentOrImageIsRefusedAtOnce) {
  auto exe = file("cv.pdf", std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(100, '\0'));
  auto sent = client->send_message(thread, "mon CV", {exe});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.origin(), Origin::usage);
  EXPECT_EQ(sent.error().code, ErrorCode::unsupported);
  EXPECT_NE(sent.error().message.find(passerelle::files::unsupported_type_error().message), std::string::npos);
  EXPECT_EQ(client->status()->pending_ops, 0);
  EXPECT_TRUE(client->uploads()->empty());
}

TEST_F(OfflineMessages, AnOversizeFileIsRefusedAtOnce) {
  std::string big = "%PDF-1.4\n";
  big.resize(passerelle::files::kDefaultMaxFileBytes + 1, 'x');
  auto sent = client->send_message(thread, "", {file("big.pdf", big)});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.origin(), Origin::usage);
  EXPECT_EQ(sent.error().code, ErrorCode::too_large);
  EXPECT_EQ(client->status()->pending_ops, 0);
}

TEST_F(OfflineMessages, MissingEmptyAndTooManyFilesAreUsageErrors) {
  EXPECT_EQ(client->send_message(thread, "x", {dir.path() / "nope.pdf"}).origin(), Origin::usage);
  EXPECT_EQ(client->send_message(thread, "x", {file("empty.pdf", "")}).origin(), Origin::usage);
  EXPECT_EQ(client->send_message(thread, "x", {dir.path()}).origin(), Origin::usage);
  std::vector<fs::path> six(passerelle::files::kMaxAttachmentsPerMessage + 1, file("a.pdf", kPdf));
  EXPECT_EQ(client->send_message(thread, "x", six).origin(), Origin::usage);
  auto empty = client->send_message(thread, "", {});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "field 'args.body' must not be empty");
  EXPECT_EQ(client->status()->pending_ops, 0);
}

TEST_F(OfflineMessages, AFileAloneIsQueuedWithItsUploadAndShownQueued) {
  auto sent = client->send_message(thread, "", {file("Mon CV.pdf", kPdf)});
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(client->status()->pending_ops, 1);
  auto ups = client->uploads();
  ASSERT_EQ(ups->size(), 1u);
  EXPECT_EQ((*ups)[0].sha256, sha256_hex(kPdf));
  EXPECT_EQ((*ups)[0].name, "Mon CV.pdf");
  EXPECT_EQ((*ups)[0].type, "application/pdf");
  EXPECT_EQ((*ups)[0].state, UploadState::pending);

  auto msgs = client->thread_messages(thread);
  ASSERT_TRUE(msgs.ok()) << msgs.error().message;
  ASSERT_EQ(msgs->size(), 1u);
  const MessageView& m = (*msgs)[0];
  EXPECT_EQ(m.id, *sent);
  EXPECT_TRUE(m.mine);
  EXPECT_EQ(m.state, MessageState::queued);
  EXPECT_EQ(m.n, 1);  // provisional
  EXPECT_FALSE(m.sent_at);
  EXPECT_TRUE(m.written_at);
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_TRUE(m.attachments[0].on_device);
  EXPECT_EQ(m.attachments[0].size, static_cast<std::int64_t>(kPdf.size()));

  // Offline, the stored copy is what download_file gives: to a new file, never over one.
  auto copy = client->download_file(sha256_hex(kPdf), dir.path() / "copy.pdf");
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  EXPECT_EQ(read_all(*copy), kPdf);
  auto again = client->download_file(sha256_hex(kPdf), dir.path() / "copy.pdf");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  auto stored = client->download_file(sha256_hex(kPdf));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->parent_path().filename(), me + ".files");
  EXPECT_EQ(client->download_file("abc", dir.path() / "x").origin(), Origin::usage);

  auto threads = client->threads();
  ASSERT_TRUE(threads.ok());
  ASSERT_EQ(threads->size(), 1u);
  EXPECT_EQ((*threads)[0].message_count, 1);
  EXPECT_EQ((*threads)[0].unread, 0);
  EXPECT_EQ((*threads)[0].title, coach);  // no profile here: the id stands in for the name
  EXPECT_EQ(*client->unread_total(), 0);
}

TEST_F(OfflineMessages, UnknownThreadIsAUsageNotFound) {
  auto msgs = client->thread_messages(new_id());
  ASSERT_FALSE(msgs.ok());
  EXPECT_EQ(msgs.origin(), Origin::usage);
  EXPECT_EQ(msgs.error().code, ErrorCode::not_found);
  EXPECT_EQ(client->mark_read(new_id()).error().code, ErrorCode::not_found);
}

TEST_F(OfflineMessages, DownloadOfAFileNotHereNeedsTheServer) {
  auto got = client->download_file(sha256_hex("not here"), dir.path() / "x.pdf");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.origin(), Origin::network);
  EXPECT_FALSE(fs::exists(dir.path() / "x.pdf"));
  auto folder = dir.path() / "accounts" / (me + ".files");
  EXPECT_TRUE(temporaries(folder).empty());
}

}  // namespace
}  // namespace passerelle::client
