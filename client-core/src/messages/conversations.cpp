#include "messages/conversations.h"

#include <algorithm>
#include <limits>
#include <map>

#include "files/file_store.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/messages/receipts.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::client::conversations {

namespace json = boost::json;
namespace collection = passerelle::sync::collection;
using passerelle::messages::author_view_state;
using passerelle::messages::last_from_others;
using passerelle::messages::message_number;
using passerelle::messages::read_marks;
using passerelle::messages::receipt_id;

namespace {

std::optional<std::string> optional_text(const json::object& row, std::string_view key) {
  auto* v = row.if_contains(key);
  if (v && v->is_string()) return std::string(v->get_string());
  return std::nullopt;
}

std::vector<std::string> strings(const json::object& row, std::string_view key) {
  std::vector<std::string> out;
  auto* v = row.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->get_array())
    if (item.is_string()) out.emplace_back(item.get_string());
  return out;
}

std::vector<AttachmentView> attachments_of(const json::object& row, const HasFile& has_file) {
  std::vector<AttachmentView> out;
  auto* v = row.if_contains("attachments");
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->get_array()) {
    if (!item.is_object()) continue;
    const auto& a = item.get_object();
    AttachmentView view{passerelle::sync::row_string(a, "sha256"), passerelle::sync::row_string(a, "name"), passerelle::sync::row_int(a, "size"), passerelle::sync::row_string(a, "type"), false};
    view.on_device = has_file && passerelle::files::is_sha256_hex(view.sha256) && has_file(view.sha256);
    out.push_back(std::move(view));
  }
  return out;
}

std::optional<json::object> my_receipt(const std::vector<json::object>& receipts, std::string_view me) {
  for (const auto& r : receipts)
    if (passerelle::sync::row_string(r, "user_id") == me) return r;
  return std::nullopt;
}

// Display names, each profile read once per call.
NameOf names_from(SyncStore& store) {
  auto cache = std::make_shared<std::map<std::string, std::string>>();
  return [&store, cache](const std::string& id) -> std::string {
    if (auto it = cache->find(id); it != cache->end()) return it->second;
    std::string name;
    if (auto p = store.get(collection::profiles, id); p && *p) name = passerelle::sync::row_string(**p, "name");
    if (name.empty()) name = id;
    cache->emplace(id, name);
    return name;
  };
}

HasFile files_from(const files::FileStore* files) {
  if (!files) return {};
  return [files](const std::string& sha256) { return files->find(sha256).has_value(); };
}

// The ids of messages whose message.send op still waits in the outbox.
Result<std::set<std::string>> queued_message_ids(SyncStore& store) {
  auto ops = store.pending(std::numeric_limits<std::int32_t>::max());
  if (!ops) return ops.error();
  std::set<std::string> ids;
  for (const auto& op : *ops)
    if (op.name == "message.send") ids.insert(passerelle::sync::row_string(op.args, "id"));
  return ids;
}

std::vector<StoredMessage> stored(std::vector<SyncStore::ViewRow> rows, const std::set<std::string>& queued) {
  std::vector<StoredMessage> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    bool confirmed = r.from_server || !queued.count(passerelle::sync::row_string(r.data, "id"));
    out.push_back(StoredMessage{std::move(r.data), confirmed});
  }
  return out;
}

}  // namespace

std::vector<MessageView> message_views(const json::object& thread, const std::vector<StoredMessage>& messages,
                                       const std::vector<json::object>& receipts, std::string_view me,
                                       const NameOf& name_of, const HasFile& has_file) {
  std::vector<std::string> members = strings(thread, "members");
  std::vector<MessageView> out;
  out.reserve(messages.size());
  for (const auto& m : messages) {
    MessageView v;
    v.id = passerelle::sync::row_string(m.row, "id");
    v.thread_id = passerelle::sync::row_string(m.row, "thread_id");
    v.author_id = passerelle::sync::row_string(m.row, "author_id");
    v.author_name = name_of ? name_of(v.author_id) : v.author_id;
    v.body = passerelle::sync::row_string(m.row, "body");
    v.n = message_number(m.row);
    v.mine = v.author_id == me;
    v.state = author_view_state(m.row, m.confirmed, receipts, members);
    if (m.confirmed) v.sent_at = optional_text(m.row, "sent_at");
    v.written_at = optional_text(m.row, "written_at");
    v.attachments = attachments_of(m.row, has_file);
    v.row = m.row;
    out.push_back(std::move(v));
  }
  std::stable_sort(out.begin(), out.end(), [](const MessageView& a, const MessageView& b) {
    bool qa = a.state == MessageState::queued, qb = b.state == MessageState::queued;
    return std::tie(qa, a.n, a.id) < std::tie(qb, b.n, b.id);
  });
  return out;
}

ThreadSummary thread_summary(const json::object& thread, const std::vector<MessageView>& views,
                             const std::vector<json::object>& receipts, std::string_view me, const NameOf& name_of) {
  ThreadSummary s;
  s.id = passerelle::sync::row_string(thread, "id");
  s.kind = passerelle::sync::row_string(thread, "kind");
  s.members = strings(thread, "members");
  s.row = thread;
  s.message_count = static_cast<std::int64_t>(views.size());
  // Readers who are not members (a coach following a mentorship) see every member's name.
  bool member = std::find(s.members.begin(), s.members.end(), me) != s.members.end();
  for (const auto& id : s.members) {
    if (member && id == me) continue;
    s.title += (s.title.empty() ? "" : " & ") + (name_of ? name_of(id) : id);
  }
  if (s.title.empty()) s.title = "(only you)";
  std::vector<json::object> rows;
  rows.reserve(views.size());
  for (const auto& v : views)
    if (v.state != MessageState::queued) rows.push_back(v.row);
  s.unread = passerelle::messages::unread_count(rows, my_receipt(receipts, me), me);
  if (!views.empty()) s.last_message = views.back();
  if (s.last_message)
    s.last_activity = s.last_message->sent_at ? s.last_message->sent_at : s.last_message->written_at;
  if (!s.last_activity) s.last_activity = optional_text(thread, "last_message_at");
  if (!s.last_activity) s.last_activity = optional_text(thread, "created_at");
  return s;
}

Result<std::vector<ThreadSummary>> load_threads(SyncStore& store, const files::FileStore* files) {
  const std::string& me = store.actor().user_id;
  auto threads = store.list(collection::threads);
  if (!threads) return threads.error();
  // One pass over messages and receipts, grouped by thread: a coach has many threads.
  auto messages = store.list_rows(collection::messages);
  if (!messages) return messages.error();
  auto receipts = store.list(collection::receipts);
  if (!receipts) return receipts.error();
  auto queued = queued_message_ids(store);
  if (!queued) return queued.error();
  std::map<std::string, std::vector<SyncStore::ViewRow>> messages_of;
  for (auto& m : *messages) {
    std::string thread_id = passerelle::sync::row_string(m.data, "thread_id");
    messages_of[thread_id].push_back(std::move(m));
  }
  std::map<std::string, std::vector<json::object>> receipts_of;
  for (auto& r : *receipts) {
    std::string thread_id = passerelle::sync::row_string(r, "thread_id");
    receipts_of[thread_id].push_back(std::move(r));
  }
  NameOf name_of = names_from(store);
  HasFile has_file = files_from(files);
  std::vector<ThreadSummary> out;
  for (const auto& t : *threads) {
    std::string id = passerelle::sync::row_string(t, "id");
    auto views = message_views(t, stored(std::move(messages_of[id]), *queued), receipts_of[id], me, name_of, has_file);
    out.push_back(thread_summary(t, views, receipts_of[id], me, name_of));
  }
  std::stable_sort(out.begin(), out.end(), [](const ThreadSummary& a, const ThreadSummary& b) {
    return std::tie(a.last_activity, a.id) > std::tie(b.last_activity, b.id);
  });
  return out;
}

Result<std::vector<MessageView>> load_messages(SyncStore& store, const files::FileStore* files,
                                               std::string_view thread_id) {
  auto thread = store.get(collection::threads, thread_id);
  if (!thread) return thread.error();
  if (!*thread) return Error{ErrorCode::not_found, "unknown thread '" + std::string(thread_id) + "' on this device"};
  auto messages = store.list_rows(collection::messages, "thread_id", thread_id);
  if (!messages) return messages.error();
  auto receipts = store.list(collection::receipts, "thread_id", thread_id);
  if (!receipts) return receipts.error();
  auto queued = queued_message_ids(store);
  if (!queued) return queued.error();
  return message_views(**thread, stored(std::move(*messages), *queued), *receipts, store.actor().user_id,
                       names_from(store), files_from(files));
}

Result<std::optional<json::object>> read_receipt(SyncStore& store, std::string_view thread_id) {
  const std::string& me = store.actor().user_id;
  auto thread = store.get(collection::threads, thread_id);
  if (!thread) return thread.error();
  if (!*thread) return Error{ErrorCode::not_found, "unknown thread '" + std::string(thread_id) + "' on this device"};
  auto messages = store.list(collection::messages, "thread_id", thread_id);
  if (!messages) return messages.error();
  auto receipt = store.get(collection::receipts, receipt_id(thread_id, me));
  if (!receipt) return receipt.error();
  std::int64_t last = last_from_others(*messages, me);
  if (last <= read_marks(*receipt).read_n) return std::optional<json::object>();
  return std::optional<json::object>(json::object{{"thread_id", thread_id}, {"read_n", last}});
}

Result<std::size_t> queue_delivery_receipts(SyncStore& store, const std::set<std::string>& thread_ids,
                                            ChangedRows* changed) {
  if (thread_ids.empty()) return std::size_t{0};
  const std::string& me = store.actor().user_id;
  auto messages = store.list(collection::messages);
  if (!messages) return messages.error();
  std::map<std::string, std::vector<json::object>> messages_of;
  for (auto& m : *messages) {
    std::string thread_id = passerelle::sync::row_string(m, "thread_id");
    if (thread_ids.count(thread_id)) messages_of[thread_id].push_back(std::move(m));
  }
  std::size_t queued = 0;
  for (const auto& [thread_id, rows] : messages_of) {
    std::int64_t last = last_from_others(rows, me);
    if (last == 0) continue;
    auto thread = store.get(collection::threads, thread_id);
    if (!thread) return thread.error();
    if (!*thread) continue;  // messages of a thread this device no longer sees
    auto receipt = store.get(collection::receipts, receipt_id(thread_id, me));
    if (!receipt) return receipt.error();
    if (last <= read_marks(*receipt).delivered_n) continue;
    auto op = store.mutate("receipt.update", json::object{{"thread_id", thread_id}, {"delivered_n", last}}, changed);
    if (!op) {
      if (op.error().code == ErrorCode::internal) return op.error();
      continue;  // refused on this device (a thread it half sees): the next pull settles it
    }
    ++queued;
  }
  return queued;
}

}  // namespace passerelle::client::conversations
