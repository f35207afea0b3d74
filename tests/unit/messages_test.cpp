// Shared message rules: file types judged by content, receipts and unread counts, and the
// message.send / receipt.update mutators (docs/messages.md).
#include <gtest/gtest.h>

#include <map>

#include "memory_row_store.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/messages/receipts.h"

using namespace passerelle;
using passerelle::protocol::Role;
using passerelle::testing::MemoryRowStore;
namespace json = boost::json;
namespace collection = passerelle::sync::collection;

namespace {

void put16(std::string& s, unsigned v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& s, unsigned long v) {
  put16(s, v & 0xffff);
  put16(s, (v >> 16) & 0xffff);
}

// A ZIP archive of stored (uncompressed) entries with its central directory, as office
// suites write them (CRCs left at 0: nothing here checks them).
std::string zip(const std::vector<std::pair<std::string, std::string>>& entries, bool sizes_in_descriptor = false) {
  std::string out, central;
  for (const auto& [name, data] : entries) {
    unsigned long offset = out.size();
    out += std::string("PK\x03\x04", 4);
    put16(out, 20);
    put16(out, sizes_in_descriptor ? 0x08 : 0);
    put16(out, 0);  // stored
    put32(out, 0);  // time, date
    put32(out, 0);  // crc
    put32(out, sizes_in_descriptor ? 0 : data.size());
    put32(out, sizes_in_descriptor ? 0 : data.size());
    put16(out, name.size());
    put16(out, 0);
    out += name + data;
    central += std::string("PK\x01\x02", 4);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, 0);
    put32(central, data.size());
    put32(central, data.size());
    put16(central, name.size());
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, offset);
    central += name;
  }
  unsigned long cd_offset = out.size();
  out += central;
  out += std::string("PK\x05\x06", 4);
  put16(out, 0);
  put16(out, 0);
  put16(out, entries.size());
  put16(out, entries.size());
  put32(out, central.size());
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

class FakeCatalog : public sync::FileCatalog {
 public:
  std::optional<sync::FileInfo> usable(std::string_view sha, std::string_view user) override {
    auto it = files.find({std::string(sha), std::string(user)});
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::pair<std::string, std::string>, sync::FileInfo> files;
};

// A candidate and their coach with a coaching thread, an outsider, and the server's uploads.
struct Thread {
  MemoryRowStore store;
  FakeCatalog catalog;
  std::string admin = new_id(), coach = new_id(), cand = new_id(), outsider = new_id(), thread = new_id();
  Thread() {
    store.files = &catalog;
    store.add_person(admin, Role::admin, "Admin");
    store.add_person(coach, Role::coach, "Coach");
    store.add_person(cand, Role::candidate, "Cand");
    store.add_person(outsider, Role::candidate, "Other");
    EXPECT_TRUE(store.run_as(admin, Role::admin, "caseload.assign",
                             {{"candidate_id", cand}, {"coach_id", coach}, {"thread_id", thread}})
                    .ok());
  }
  Status send(const std::string& who, json::object args, bool authoritative = true) {
    if (!args.contains("id")) args["id"] = new_id();
    args["thread_id"] = thread;
    return store.run_as(who, who == coach ? Role::coach : Role::candidate, "message.send", args, authoritative);
  }
  Status receipt(const std::string& who, json::object marks) {
    marks["thread_id"] = thread;
    return store.run_as(who, who == coach ? Role::coach : Role::candidate, "receipt.update", marks);
  }
  json::object receipt_row(const std::string& who) {
    return *store.get(collection::receipts, messages::receipt_id(thread, who));
  }
};

json::object attachment(const std::string& sha, std::string name = "CV.pdf") {
  return {{"sha256", sha}, {"name", name}, {"size", 100}, {"type", "application/pdf"}};
}

}  // namespace

TEST(FileTypes, JudgedFromTheBytesNotTheName) {
  EXPECT_EQ(files::sniff_type("%PDF-1.7\n..."), files::kPdf);
  EXPECT_EQ(files::sniff_type(std::string("\x89PNG\r\n\x1a\n\0\0", 10)), files::kPng);
  EXPECT_EQ(files::sniff_type("\xff\xd8\xff\xe0 JFIF"), files::kJpeg);
  EXPECT_EQ(files::sniff_type(zip({{"mimetype", std::string(files::kOdt)}, {"content.xml", "<x/>"}})), files::kOdt);
  auto docx = zip({{"[Content_Types].xml", "<Types/>"}, {"_rels/.rels", "<r/>"}, {"word/document.xml", "<w:document/>"}});
  EXPECT_EQ(files::sniff_type(docx), files::kDocx);
  // Writers that put sizes after the data still have a central directory to read.
  EXPECT_EQ(files::sniff_type(zip({{"[Content_Types].xml", "<T/>"}, {"word/document.xml", "<w/>"}}, true)), files::kDocx);

  EXPECT_FALSE(files::sniff_type(""));
  EXPECT_FALSE(files::sniff_type("MZ\x90\x00 an executable called CV.pdf"));
  EXPECT_FALSE(files::sniff_type("Just text"));
  EXPECT_FALSE(files::sniff_type(zip({{"payload.exe", "MZ"}})));                        // any other ZIP
  EXPECT_FALSE(files::sniff_type(zip({{"mimetype", "application/epub+zip"}})));          // another ODF-like
  EXPECT_FALSE(files::sniff_type(zip({{"word/document.xml", "<w/>"}})));                 // half a DOCX
  EXPECT_FALSE(files::sniff_type(std::string("PK\x03\x04", 4)));                          // truncated
  EXPECT_FALSE(files::sniff_type(docx.substr(0, docx.size() - 10)));                     // cut directory
  EXPECT_EQ(files::unsupported_type_error().code, ErrorCode::unsupported);
  EXPECT_EQ(files::too_large_error(11, 10).code, ErrorCode::too_large);
}

TEST(FileTypes, NamesHashesAndReferences) {
  EXPECT_TRUE(files::is_sha256_hex(std::string(64, 'a')));
  EXPECT_FALSE(files::is_sha256_hex(std::string(64, 'A')));
  EXPECT_FALSE(files::is_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(files::file_name_problem("CV Amina (2026).pdf"));
  EXPECT_FALSE(files::file_name_problem("résumé.docx"));
  EXPECT_TRUE(files::file_name_problem(""));
  EXPECT_TRUE(files::file_name_problem("../etc/passwd"));
  EXPECT_TRUE(files::file_name_problem("a\nb.pdf"));
  EXPECT_TRUE(files::file_name_problem(std::string("\xff.pdf")));
  EXPECT_TRUE(files::file_name_problem(std::string(256, 'a')));
  std::string a(64, 'a'), b(64, 'b');
  json::object row{{"attachments", json::array{json::object{{"sha256", b}}, json::object{{"sha256", a}}}},
                   {"evidence", json::array{json::object{{"sha256", a}}, json::object{{"url", "https://x"}},
                                            json::object{{"sha256", "nope"}}}}};
  EXPECT_EQ(files::referenced_files(row), (std::vector<std::string>{a, b}));
}

TEST(Receipts, StatesAndUnreadCountsFromWatermarks) {
  std::string me = "me", you = "you", coach = "coach";
  auto msg = [](std::string author, int n) { return json::object{{"author_id", author}, {"n", n}}; };
  auto rec = [](std::string user, int delivered, int read) {
    return json::object{{"user_id", user}, {"delivered_n", delivered}, {"read_n", read}};
  };
  std::vector<std::string> members{me, you};
  using messages::MessageState;
  EXPECT_EQ(messages::author_view_state(msg(me, 3), false, {}, members), MessageState::queued);
  EXPECT_EQ(messages::author_view_state(msg(me, 3), true, {}, members), MessageState::sent);
  EXPECT_EQ(messages::author_view_state(msg(me, 3), true, {rec(you, 3, 1)}, members), MessageState::delivered);
  EXPECT_EQ(messages::author_view_state(msg(me, 3), true, {rec(you, 4, 4)}, members), MessageState::read);
  // My own receipt, and a reader who is not a member (a coach on a mentorship), do not count.
  EXPECT_EQ(messages::author_view_state(msg(me, 3), true, {rec(me, 9, 9), rec(coach, 9, 9)}, members),
            MessageState::sent);
  EXPECT_EQ(messages::to_string(MessageState::delivered), "delivered");

  std::vector<json::object> thread{msg(you, 1), msg(me, 2), msg(you, 3), msg(you, 4)};
  EXPECT_EQ(messages::unread_count(thread, std::nullopt, me), 3);
  EXPECT_EQ(messages::unread_count(thread, rec(me, 4, 3), me), 1);
  EXPECT_EQ(messages::unread_count(thread, rec(me, 4, 4), me), 0);
  EXPECT_EQ(messages::last_from_others(thread, me), 4);
  EXPECT_EQ(messages::last_from_others(thread, you), 2);
  EXPECT_EQ(messages::receipt_id("t", "u"), messages::receipt_id("t", "u"));
  EXPECT_NE(messages::receipt_id("t", "u"), messages::receipt_id("t", "v"));
}

TEST(MessageSend, NumbersMessagesInServerOrder) {
  Thread t;
  std::string first = new_id(), second = new_id();
  ASSERT_TRUE(t.send(t.cand, {{"id", first}, {"body", "un"}}).ok());
  ASSERT_TRUE(t.send(t.coach, {{"id", second}, {"body", "deux"}}).ok());
  EXPECT_EQ(t.store.get(collection::messages, first)->at("n"), 1);
  EXPECT_EQ(t.store.get(collection::messages, second)->at("n"), 2);
  EXPECT_EQ(t.store.get(collection::threads, t.thread)->at("last_n"), 2);
}

TEST(MessageSend, AttachmentsNeedAnUploadTheSenderMayUse) {
  Thread t;
  std::string sha(64, 'c');
  // The server has never seen this file from this person: a guessed hash is refused.
  auto guessed = t.send(t.cand, {{"body", "mon CV"}, {"attachments", json::array{attachment(sha)}}});
  EXPECT_EQ(guessed.error().code, ErrorCode::not_found);
  // A device cannot tell; it queues the op and the server decides.
  EXPECT_TRUE(t.send(t.cand, {{"body", "mon CV"}, {"attachments", json::array{attachment(sha)}}}, false).ok());

  t.catalog.files[{sha, t.cand}] = sync::FileInfo{4242, std::string(files::kDocx)};
  std::string id = new_id();
  ASSERT_TRUE(t.send(t.cand, {{"id", id}, {"attachments", json::array{attachment(sha, "CV.docx")}}}).ok());
  auto msg = *t.store.get(collection::messages, id);
  EXPECT_EQ(msg.at("body"), "");  // a file alone is a message
  EXPECT_EQ(msg.at("attachments").at(0).at("size"), 4242);  // the server's size and type
  EXPECT_EQ(msg.at("attachments").at(0).at("type").as_string(), files::kDocx);
  EXPECT_EQ(msg.at("attachments").at(0).at("name"), "CV.docx");
}

TEST(MessageSend, AttachmentArgumentsAreValidated) {
  Thread t;
  auto message = [&](json::value attachments, json::object extra = {}) {
    extra["attachments"] = attachments;
    auto st = t.send(t.cand, extra, false);
    return st ? std::string("ok") : st.error().message;
  };
  EXPECT_EQ(message(json::array{attachment("abc")}), "field 'args.attachments[0].sha256' must be 64 lower-case hex digits");
  EXPECT_EQ(message(json::array{attachment(std::string(64, 'a'), "../x.pdf")}),
            "field 'args.attachments[0].name' must be a file name without folders");
  json::array six;
  for (int i = 0; i < 6; ++i) six.push_back(attachment(std::string(64, 'a')));
  EXPECT_EQ(message(six), "field 'args.attachments' holds 6 files; at most 5 per message");
  EXPECT_EQ(message("nope"), "field 'args.attachments' must be an array, got string");
  EXPECT_EQ(message(json::array{}), "field 'args.body' is missing");  // no file, no text
  EXPECT_EQ(message(json::array{attachment(std::string(64, 'a'))}, {{"body", std::string("\xff")}}),
            "field 'args.body' must be valid UTF-8");
}

TEST(ReceiptUpdate, MarksOnlyGoUpNeverPastTheLastMessage) {
  Thread t;
  for (const char* body : {"un", "deux", "trois"}) ASSERT_TRUE(t.send(t.cand, {{"body", body}}).ok());
  ASSERT_TRUE(t.receipt(t.coach, {{"delivered_n", 2}}).ok());
  EXPECT_EQ(t.receipt_row(t.coach).at("delivered_n"), 2);
  EXPECT_EQ(t.receipt_row(t.coach).at("read_n"), 0);
  ASSERT_TRUE(t.receipt(t.coach, {{"read_n", 3}}).ok());  // read implies delivered
  EXPECT_EQ(t.receipt_row(t.coach).at("delivered_n"), 3);
  int writes = t.store.writes;
  ASSERT_TRUE(t.receipt(t.coach, {{"read_n", 1}}).ok());  // late: changes nothing, writes nothing
  EXPECT_EQ(t.store.writes, writes);
  ASSERT_TRUE(t.receipt(t.coach, {{"read_n", 50}}).ok());
  EXPECT_EQ(t.receipt_row(t.coach).at("read_n"), 3);
  // The author sees it: the receipt's audience is the thread's.
  auto audience = t.store.audience(collection::receipts, messages::receipt_id(t.thread, t.coach));
  EXPECT_NE(std::find(audience.begin(), audience.end(), t.cand), audience.end());

  EXPECT_EQ(t.receipt(t.outsider, {{"read_n", 1}}).error().code, ErrorCode::not_found);
  EXPECT_EQ(t.receipt(t.coach, {}).error().message, "field 'args.read_n' or delivered_n is required");
  EXPECT_EQ(t.receipt(t.coach, {{"read_n", -1}}).error().message, "field 'args.read_n' must be an integer >= 0");
}
