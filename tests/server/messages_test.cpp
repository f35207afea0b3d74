// Coaching messages on the server (docs/messages.md): server order, receipts, uploaded files
// and who may read them, and the e-mail digest. Against the real binary.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <thread>

#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/messages/receipts.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kUploadLimit = 64 * 1024;

std::string pdf(const std::string& text) { return "%PDF-1.4\n% " + text + "\n%%EOF\n"; }

std::map<std::string, std::string> bearer(const Peer& p) { return {{"Authorization", "Bearer " + p.token}}; }

std::string error_code(const HttpResult& r) {
  auto v = json::parse(r.body);
  return std::string(v.at("error").at("code").as_string());
}

// Regular files under `dir`, temporaries included.
std::size_t files_under(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file()) ++n;
  return n;
}

class MessagesTest : public ::testing::Test {
 protected:
  MessagesTest()
      : server({{"--max-upload-bytes", std::to_string(kUploadLimit), "--digest-delay-seconds", "2",
                 "--digest-interval-seconds", "3600", "--digest-scan-seconds", "1"}}) {}

  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    for (auto [email, name, role, locale] : {std::tuple{"admin@example.org", "Sophie Tremblay", "admin", "fr"},
                                             {"linh@example.org", "Linh Nguyen", "coach", "en"},
                                             {"marc@example.org", "Marc-André Gagnon", "coach", "fr"},
                                             {"amina@example.org", "Amina Benali", "candidate", "fr"},
                                             {"carlos@example.org", "Carlos Restrepo", "candidate", "en"}})
      ASSERT_TRUE(server.create_user(email, name, role, kTestPassword, locale)) << server.last_error();
    admin = sign_in(server, "admin@example.org");
    linh = sign_in(server, "linh@example.org");
    marc = sign_in(server, "marc@example.org");
    amina = sign_in(server, "amina@example.org");
    carlos = sign_in(server, "carlos@example.org");
    amina_thread = assign(amina, linh);
    carlos_thread = assign(carlos, marc);
  }

  std::string assign(const Peer& candidate, const Peer& coach) {
    std::string thread = passerelle::new_id();
    auto a = push(admin, {op("caseload.assign", {{"candidate_id", candidate.id}, {"coach_id", coach.id}, {"thread_id", thread}})});
    EXPECT_EQ(a.at("results").at(0).at("status"), "applied") << json::serialize(a);
    return thread;
  }

  json::object result_of(const json::object& answer, std::size_t i = 0) {
    EXPECT_EQ(answer.at("ok"), true) << json::serialize(answer);
    return answer.at("results").at(i).as_object();
  }

  HttpResult put_file(const Peer& p, const std::string& content, std::string sha = {}) {
    if (sha.empty()) sha = passerelle::sha256_hex(content);
    return http_request(server.port(), "PUT", "/v1/blobs/" + sha, bearer(p), content);
  }

  fs::path files_dir() const { return fs::path(server.data_dir()) / "files"; }

  TestServer server;
  Peer admin, linh, marc, amina, carlos;
  std::string amina_thread, carlos_thread;
};

}  // namespace

TEST_F(MessagesTest, ServerNumbersMessagesAndARetriedSendDoesNotDuplicate) {
  json::array ops{send_op(amina_thread, "Bonjour"), send_op(amina_thread, "Voici ma question")};
  auto first = push(amina, ops);
  auto again = push(amina, ops);  // a retry after a lost answer
  EXPECT_EQ(json::serialize(first.at("results")), json::serialize(again.at("results")));
  auto seen = pull_all(linh);
  EXPECT_EQ(count_prefix(seen, "messages"), 2u);
  std::vector<std::int64_t> numbers;
  for (const auto& [key, change] : seen.rows)
    if (key.rfind("messages/", 0) == 0) numbers.push_back(change.at("data").at("n").as_int64());
  std::sort(numbers.begin(), numbers.end());
  EXPECT_EQ(numbers, (std::vector<std::int64_t>{1, 2}));
  auto thread = pulled_row(seen, "threads", amina_thread);
  ASSERT_TRUE(thread);
  EXPECT_EQ(thread->at("last_n"), 2);
}

TEST_F(MessagesTest, ReceiptsOnlyGoUpAreClampedAndReachTheAuthor) {
  result_of(push(amina, {send_op(amina_thread, "un"), send_op(amina_thread, "deux")}));
  auto receipt = [&](json::object marks) {
    marks["thread_id"] = amina_thread;
    return result_of(push(linh, {op("receipt.update", marks)}));
  };
  std::string id = passerelle::messages::receipt_id(amina_thread, linh.id);
  auto row = [&] { return pulled_row(pull_all(amina), "receipts", id); };

  EXPECT_EQ(receipt({{"delivered_n", 2}}).at("status"), "applied");
  ASSERT_TRUE(row());
  EXPECT_EQ(row()->at("delivered_n"), 2);
  EXPECT_EQ(row()->at("read_n"), 0);

  receipt({{"read_n", 1}});
  EXPECT_EQ(row()->at("read_n"), 1);
  receipt({{"read_n", 0}});  // late, from another device: never moves a mark back
  EXPECT_EQ(row()->at("read_n"), 1);
  receipt({{"read_n", 99}});  // never past the last message
  EXPECT_EQ(row()->at("read_n"), 2);
  EXPECT_EQ(row()->at("delivered_n"), 2);

  // Someone outside the thread learns nothing: the same answer as for an unknown thread.
  auto outsider = result_of(push(carlos, {op("receipt.update", {{"thread_id", amina_thread}, {"read_n", 1}})}));
  auto unknown = result_of(push(carlos, {op("receipt.update", {{"thread_id", passerelle::new_id()}, {"read_n", 1}})}));
  EXPECT_EQ(outsider.at("status"), "rejected");
  EXPECT_EQ(outsider.at("error"), unknown.at("error"));
}

TEST_F(MessagesTest, UploadIsCheckedStoredOnceAndReadableOnlyByThoseWhoReadTheMessage) {
  std::string cv = pdf("CV Amina Benali, ingénieure civile");
  std::string sha = passerelle::sha256_hex(cv);

  auto no_token = http_request(server.port(), "PUT", "/v1/blobs/" + sha, {}, cv);
  EXPECT_EQ(no_token.status, 401) << no_token.body;
  EXPECT_EQ(error_code(no_token), "unauthenticated");

  auto mismatch = put_file(amina, cv, passerelle::sha256_hex("something else"));
  EXPECT_EQ(mismatch.status, 400) << mismatch.body;
  EXPECT_EQ(error_code(mismatch), "bad_request");
  EXPECT_EQ(files_under(files_dir()), 0u);

  auto exe = put_file(amina, "MZ\x90\x00 not a CV at all");
  EXPECT_EQ(exe.status, 415) << exe.body;
  EXPECT_EQ(error_code(exe), "unsupported");

  auto stored = put_file(amina, cv);
  EXPECT_EQ(stored.status, 201) << stored.body;
  EXPECT_EQ(json::parse(stored.body).at("type"), "application/pdf");
  auto again = put_file(amina, cv);  // a retried upload
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(files_under(files_dir()), 1u);

  // Before any message refers to it, only the uploader reads it.
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/blobs/" + sha, bearer(amina)).body, cv);
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/blobs/" + sha, bearer(linh)).status, 404);

  json::object attachment{{"sha256", sha}, {"name", "CV.pdf"}, {"size", 1}, {"type", "text/plain"}};
  std::string message_id = passerelle::new_id();
  auto sent = result_of(push(amina, {op("message.send", {{"id", message_id}, {"thread_id", amina_thread},
                                                         {"body", "Voici mon CV"}, {"attachments", json::array{attachment}}})}));
  EXPECT_EQ(sent.at("status"), "applied") << json::serialize(sent);
  auto message = pulled_row(pull_all(linh), "messages", message_id);
  ASSERT_TRUE(message);
  // Size and type are the server's, not what the device claimed.
  EXPECT_EQ(message->at("attachments").at(0).at("size"), static_cast<std::int64_t>(cv.size()));
  EXPECT_EQ(message->at("attachments").at(0).at("type"), "application/pdf");

  auto coach_get = http_request(server.port(), "GET", "/v1/blobs/" + sha, bearer(linh));
  EXPECT_EQ(coach_get.status, 200);
  EXPECT_EQ(coach_get.body, cv);
  EXPECT_EQ(coach_get.headers["content-type"], "application/pdf");
  auto head = http_request(server.port(), "HEAD", "/v1/blobs/" + sha, bearer(linh));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], std::to_string(cv.size()));

  // Someone else who learned the hash gets what a made-up hash gets.
  auto stranger = http_request(server.port(), "GET", "/v1/blobs/" + sha, bearer(carlos));
  auto made_up = http_request(server.port(), "GET", "/v1/blobs/" + passerelle::sha256_hex("nothing"), bearer(carlos));
  EXPECT_EQ(stranger.status, 404);
  EXPECT_EQ(stranger.body, made_up.body);
  EXPECT_EQ(http_request(server.port(), "HEAD", "/v1/blobs/" + sha, bearer(marc)).status, 404);
  // ...and cannot get it by attaching the hash to a message of their own.
  auto guessed = result_of(push(carlos, {op("message.send", {{"id", passerelle::new_id()}, {"thread_id", carlos_thread},
                                                             {"attachments", json::array{attachment}}})}));
  EXPECT_EQ(guessed.at("status"), "rejected");
  EXPECT_EQ(guessed.at("error").at("code"), "not_found");
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/blobs/" + sha, bearer(carlos)).status, 404);
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/blobs/" + sha, bearer(marc)).status, 404);
}

TEST_F(MessagesTest, OversizedUploadIsRefusedWithTooLargeAndLeavesNoFile) {
  std::string big = pdf(std::string(kUploadLimit + 10, 'x'));
  auto r = put_file(amina, big);
  EXPECT_EQ(r.status, 413) << r.error << r.body;
  EXPECT_EQ(error_code(r), "too_large");
  EXPECT_EQ(files_under(files_dir()), 0u);
  // The server is fine and the next upload goes through.
  EXPECT_EQ(put_file(amina, pdf("small")).status, 201);
}

TEST_F(MessagesTest, BadBlobPathsAndMethodsGetClearErrors) {
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/blobs/not-a-hash", bearer(amina)).status, 400);
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/blobs/" + std::string(64, 'A'), bearer(amina)).status, 400);
  EXPECT_EQ(http_request(server.port(), "DELETE", "/v1/blobs/" + std::string(64, 'a'), bearer(amina)).status, 405);
  auto bad_token = http_request(server.port(), "GET", "/v1/blobs/" + std::string(64, 'a'), {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(bad_token.status, 401);
  EXPECT_EQ(http_request(server.port(), "GET", "/healthz").body, "ok\n");
}

TEST_F(MessagesTest, DigestGoesOnceToTheOfflineRecipientAndNeverToAnOnlineOne) {
  // Linh chose privacy for her digests before going offline; Marc stays online throughout.
  result_of(push(linh, {op("profile.update", {{"email_digest", "private"}})}));
  linh.ws.reset();
  result_of(push(amina, {send_op(amina_thread, "Bonjour Linh, voici ma question confidentielle")}));
  result_of(push(carlos, {send_op(carlos_thread, "Hola Marc")}));

  auto digests_to = [&](const std::string& address) {
    std::size_t n = 0;
    for (const auto& m : server.mails())
      if (m.find("To: " + address) != std::string::npos) ++n;
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (digests_to("linh@example.org") == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  ASSERT_EQ(digests_to("linh@example.org"), 1u) << server.log();
  std::string mail;
  for (const auto& m : server.mails())
    if (m.find("To: linh@example.org") != std::string::npos) mail = m;
  EXPECT_NE(mail.find("Amina Benali"), std::string::npos) << mail;
  EXPECT_EQ(mail.find("confidentielle"), std::string::npos) << "private digests never quote a message";

  // More messages within the period: still one digest. Several scans pass meanwhile.
  result_of(push(amina, {send_op(amina_thread, "Une autre question")}));
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(digests_to("linh@example.org"), 1u);
  EXPECT_EQ(digests_to("marc@example.org"), 0u) << "Marc was online";
}

TEST_F(MessagesTest, DigestQuotesTheMessageByDefaultAndNotOnceItIsRead) {
  result_of(push(amina, {send_op(amina_thread, "Première question")}));
  result_of(push(carlos, {send_op(carlos_thread, "Question for Marc")}));
  // Marc reads at once (then leaves); Linh leaves without reading.
  result_of(push(marc, {op("receipt.update", {{"thread_id", carlos_thread}, {"read_n", 1}})}));
  marc.ws.reset();
  linh.ws.reset();
  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string mail;
  while (mail.empty() && std::chrono::steady_clock::now() < deadline) {
    for (const auto& m : server.mails())
      if (m.find("To: linh@example.org") != std::string::npos) mail = m;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(mail.empty()) << server.log();
  // Linh's locale is English; quoted-printable keeps plain ASCII words readable.
  EXPECT_NE(mail.find("unread message"), std::string::npos) << mail;
  EXPECT_NE(mail.find("Premi"), std::string::npos) << mail;
  std::this_thread::sleep_for(3s);
  for (const auto& m : server.mails()) EXPECT_EQ(m.find("To: marc@example.org"), std::string::npos);
}
