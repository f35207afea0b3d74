// Threads and messages as the device shows them, from rows alone: order by the server's
// numbers with queued messages last, the author's state from receipts (only members'
// receipts count), unread counts and titles; and the receipts the device writes: delivered
// after a pull (once, never in a loop), read when a thread is opened.
#include <gtest/gtest.h>

#include "account_store.h"
#include "messages/conversations.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/messages/receipts.h"
#include "sync/sync_store.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

namespace json = boost::json;
using conversations::StoredMessage;
using testing::TempDir;

const std::string amina = new_id(), claire = new_id(), paul = new_id(), thread = new_id();

json::object message(const std::string& author, std::int64_t n, const std::string& body = "x") {
  return json::object{{"id", new_id()}, {"thread_id", thread}, {"author_id", author}, {"n", n}, {"body", body},
                      {"sent_at", "2026-03-0" + std::to_string(std::min<std::int64_t>(n, 9)) + "T10:00:00.000Z"}};
}

json::object receipt(const std::string& user, std::int64_t delivered, std::int64_t read) {
  return json::object{{"id", messages::receipt_id(thread, user)}, {"thread_id", thread}, {"user_id", user},
                      {"delivered_n", delivered}, {"read_n", read}};
}

json::object coaching_thread() {
  return json::object{{"id", thread}, {"kind", "coaching"}, {"members", json::array{amina, claire}}, {"last_n", 3},
                      {"created_at", "2026-03-01T09:00:00.000Z"}};
}

std::string name_of(const std::string& id) {
  if (id == amina) return "Amina Benali";
  if (id == claire) return "Claire Coach";
  if (id == paul) return "Paul Mentor";
  return id;
}

TEST(MessageViews, ServerOrderThenQueuedAndTheAuthorsState) {
  auto m1 = message(amina, 1), m2 = message(claire, 2), m3 = message(amina, 3);
  auto queued = message(amina, 3, "written offline");  // provisional: the same number as m3
  queued.erase("sent_at");
  std::vector<StoredMessage> rows = {{queued, false}, {m3, true}, {m2, true}, {m1, true}};
  std::vector<json::object> receipts = {receipt(claire, 3, 1), receipt(amina, 2, 2)};
  auto views = conversations::message_views(coaching_thread(), rows, receipts, amina, name_of, {});
  ASSERT_EQ(views.size(), 4u);
  EXPECT_EQ(views[0].n, 1);
  EXPECT_EQ(views[1].n, 2);
  EXPECT_EQ(views[2].n, 3);
  EXPECT_EQ(views[3].body, "written offline");
  EXPECT_EQ(views[0].state, MessageState::read);       // Claire read up to 1
  EXPECT_EQ(views[2].state, MessageState::delivered);  // Claire's device has up to 3
  EXPECT_EQ(views[3].state, MessageState::queued);
  EXPECT_FALSE(views[3].sent_at);
  EXPECT_TRUE(views[0].mine);
  EXPECT_FALSE(views[1].mine);
  EXPECT_EQ(views[1].author_name, "Claire Coach");
}

TEST(MessageViews, OnlyMembersReceiptsMoveTheState) {
  // A mentorship thread: Claire (the coach) reads it but is not a member; her reading does
  // not make Amina's message read by Paul.
  json::object t{{"id", thread}, {"kind", "mentorship"}, {"members", json::array{amina, paul}}};
  auto m = message(amina, 1);
  auto views = conversations::message_views(t, {{m, true}}, {receipt(claire, 1, 1)}, amina, name_of, {});
  EXPECT_EQ(views[0].state, MessageState::sent);
  views = conversations::message_views(t, {{m, true}}, {receipt(claire, 1, 1), receipt(paul, 1, 0)}, amina, name_of, {});
  EXPECT_EQ(views[0].state, MessageState::delivered);
}

TEST(MessageViews, AttachmentsSayWhetherTheFileIsHere) {
  auto m = message(claire, 1, "");
  std::string here(64, 'a'), away(64, 'b');
  m["attachments"] = json::array{json::object{{"sha256", here}, {"name", "cv.pdf"}, {"size", 10}, {"type", "application/pdf"}},
                                 json::object{{"sha256", away}, {"name", "scan.png"}, {"size", 20}, {"type", "image/png"}}};
  auto views = conversations::message_views(coaching_thread(), {{m, true}}, {}, amina, name_of,
                                            [&](const std::string& sha) { return sha == here; });
  ASSERT_EQ(views[0].attachments.size(), 2u);
  EXPECT_TRUE(views[0].attachments[0].on_device);
  EXPECT_FALSE(views[0].attachments[1].on_device);
  EXPECT_EQ(views[0].attachments[1].name, "scan.png");
  EXPECT_EQ(views[0].attachments[1].size, 20);
}

TEST(ThreadSummary, UnreadCountsTitleAndLastMessage) {
  auto t = coaching_thread();
  std::vector<StoredMessage> rows = {{message(claire, 1), true}, {message(amina, 2), true}, {message(claire, 3), true}};
  auto views = conversations::message_views(t, rows, {}, amina, name_of, {});
  auto s = conversations::thread_summary(t, views, {}, amina, name_of);
  EXPECT_EQ(s.title, "Claire Coach");
  EXPECT_EQ(s.message_count, 3);
  EXPECT_EQ(s.unread, 2);  // Claire's 1 and 3
  ASSERT_TRUE(s.last_message);
  EXPECT_EQ(s.last_message->n, 3);
  s = conversations::thread_summary(t, views, {receipt(amina, 3, 1)}, amina, name_of);
  EXPECT_EQ(s.unread, 1);
  s = conversations::thread_summary(t, views, {receipt(amina, 3, 3)}, amina, name_of);
  EXPECT_EQ(s.unread, 0);
  // Claire's side: her own messages never count; Amina's 2 does.
  auto hers = conversations::message_views(t, rows, {}, claire, name_of, {});
  EXPECT_EQ(conversations::thread_summary(t, hers, {}, claire, name_of).unread, 1);
  EXPECT_EQ(conversations::thread_summary(t, hers, {}, claire, name_of).title, "Amina Benali");
  // A reader who is not a member sees both members' names.
  json::object mentorship{{"id", thread}, {"kind", "mentorship"}, {"members", json::array{amina, paul}}};
  EXPECT_EQ(conversations::thread_summary(mentorship, {}, {}, claire, name_of).title, "Amina Benali & Paul Mentor");
  EXPECT_EQ(conversations::thread_summary(mentorship, {}, {}, claire, name_of).last_activity, std::nullopt);
}

// --- receipts the device writes, on a real SyncStore ----------------------------------------------

class DeviceReceipts : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = AccountStore::open(dir.path(), amina);
    ASSERT_TRUE(a.ok());
    account = std::move(*a);
    store = std::make_unique<SyncStore>(account->db(), passerelle::sync::Actor{amina, protocol::Role::candidate});
  }
  // Applies rows as a pull page would bring them.
  void pull(std::vector<std::pair<std::string, json::object>> rows) {
    passerelle::sync::PullPage page;
    page.cursor = ++cursor;
    for (auto& [collection, data] : rows) {
      std::string id(data.at("id").as_string());
      page.changes.push_back(passerelle::sync::Change{collection, id, cursor, false, std::move(data)});
    }
    ASSERT_TRUE(store->apply_pull_page(page, nullptr).ok());
  }
  std::vector<passerelle::sync::Op> pending() { return *store->pending(1000); }

  TempDir dir;
  std::unique_ptr<AccountStore> account;
  std::unique_ptr<SyncStore> store;
  std::int64_t cursor = 0;
};

TEST_F(DeviceReceipts, DeliveredOncePerNewMessagesOfOthersNeverInALoop) {
  pull({{"threads", coaching_thread()}, {"messages", message(claire, 1)}, {"messages", message(amina, 2)},
        {"messages", message(claire, 3)}});
  auto queued = conversations::queue_delivery_receipts(*store, {thread}, nullptr);
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(*queued, 1u);
  auto ops = pending();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].name, "receipt.update");
  EXPECT_EQ(ops[0].args.at("delivered_n").as_int64(), 3);
  // Asked again (another pull of the same thread): the mark is there already.
  EXPECT_EQ(*conversations::queue_delivery_receipts(*store, {thread}, nullptr), 0u);
  // The receipt comes back from the server (the op answered): still nothing to say.
  ASSERT_TRUE(store->apply_push_results({{ops[0].op_id, passerelle::sync::OpStatus::applied, std::nullopt}}, nullptr).ok());
  pull({{"receipts", receipt(amina, 3, 0)}});
  EXPECT_EQ(*conversations::queue_delivery_receipts(*store, {thread}, nullptr), 0u);
  EXPECT_TRUE(pending().empty());
  // Only my own messages arrive: nothing of others to acknowledge.
  auto t = coaching_thread();
  t["last_n"] = 4;
  pull({{"threads", t}, {"messages", message(amina, 4)}});
  EXPECT_EQ(*conversations::queue_delivery_receipts(*store, {thread}, nullptr), 0u);
  // A thread this device does not have: nothing, no error.
  EXPECT_EQ(*conversations::queue_delivery_receipts(*store, {new_id()}, nullptr), 0u);
}

TEST_F(DeviceReceipts, ReadMarksUpToTheLastMessageOfOthers) {
  pull({{"threads", coaching_thread()}, {"messages", message(claire, 1)}, {"messages", message(claire, 2)},
        {"messages", message(amina, 3)}});
  auto args = conversations::read_receipt(*store, thread);
  ASSERT_TRUE(args.ok());
  ASSERT_TRUE(*args);
  EXPECT_EQ((**args).at("read_n").as_int64(), 2);
  ASSERT_TRUE(store->mutate("receipt.update", **args, nullptr).ok());
  // The local view has the mark at once: opening the thread again asks for nothing.
  args = conversations::read_receipt(*store, thread);
  ASSERT_TRUE(args.ok());
  EXPECT_FALSE(*args);
  auto views = conversations::load_messages(*store, nullptr, thread);
  ASSERT_TRUE(views.ok());
  EXPECT_EQ(views->size(), 3u);
  auto threads = conversations::load_threads(*store, nullptr);
  ASSERT_TRUE(threads.ok());
  ASSERT_EQ(threads->size(), 1u);
  EXPECT_EQ((*threads)[0].unread, 0);
  EXPECT_FALSE(conversations::read_receipt(*store, new_id()).ok());
}

TEST_F(DeviceReceipts, ASentMessageIsQueuedUntilItsOpIsAnswered) {
  pull({{"threads", coaching_thread()}});
  std::string id = new_id();
  auto op = store->mutate("message.send", {{"id", id}, {"thread_id", thread}, {"body", "Bonjour"}}, nullptr);
  ASSERT_TRUE(op.ok()) << op.error().message;
  auto views = conversations::load_messages(*store, nullptr, thread);
  ASSERT_EQ(views->size(), 1u);
  EXPECT_EQ((*views)[0].state, MessageState::queued);
  EXPECT_EQ((*views)[0].n, 4);  // the thread's last_n + 1, provisional
  // Answered (applied) but not pulled back yet: the server has it.
  ASSERT_TRUE(store->apply_push_results({{*op, passerelle::sync::OpStatus::applied, std::nullopt}}, nullptr).ok());
  views = conversations::load_messages(*store, nullptr, thread);
  EXPECT_EQ((*views)[0].state, MessageState::sent);
}

}  // namespace
}  // namespace passerelle::client
