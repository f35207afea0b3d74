// message.send / message.delete: coaching messages inside a thread. The device makes the
// message id, so a retried send is the same message; order in a thread is the server's
// (`sent_at` is server time), `written_at` is the author's device clock, shown, never trusted.
#include "mutators/mutators.h"

#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/text.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;

namespace {

bool is_member(const json::object& thread, const std::string& user) {
  auto members = row_strings(thread, "members");
  return std::find(members.begin(), members.end(), user) != members.end();
}

struct MessageSendArgs {
  std::string id;
  std::string thread_id;
  std::string body;
  std::optional<std::string> written_at;
};

Result<MessageSendArgs> decode_send(JsonReader& in) {
  MessageSendArgs a;
  a.id = uuid_field(in, "id");
  a.thread_id = uuid_field(in, "thread_id");
  a.body = text_field(in, "body", kMaxMessageBytes, true);
  a.written_at = in.optional_string("written_at");
  if (in.ok() && a.written_at && !parse_rfc3339(*a.written_at))
    in.fail("written_at", "must be an RFC 3339 date-time");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_send(MutationContext& ctx, const MessageSendArgs& a) {
  auto thread = ctx.rows.get(collection::threads, a.thread_id);
  if (!thread) return Status(ErrorCode::not_found, "no such thread");
  if (!is_member(*thread, ctx.actor.user_id))
    return Status(ErrorCode::forbidden, "you are not a member of this thread");
  if (ctx.rows.get(collection::messages, a.id))
    return Status(ErrorCode::conflict, "a message with that id already exists");
  json::object msg{{"id", a.id},
                   {"thread_id", a.thread_id},
                   {"author_id", ctx.actor.user_id},
                   {"body", a.body},
                   {"sent_at", format_rfc3339(ctx.now)}};
  if (a.written_at) msg["written_at"] = format_rfc3339(*parse_rfc3339(*a.written_at));
  ctx.rows.put(collection::messages, a.id, msg, row_strings(*thread, "members"));
  return Status::Ok();
}

struct MessageDeleteArgs {
  std::string id;
};

Result<MessageDeleteArgs> decode_delete(JsonReader& in) {
  MessageDeleteArgs a;
  a.id = uuid_field(in, "id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_delete(MutationContext& ctx, const MessageDeleteArgs& a) {
  auto msg = ctx.rows.get(collection::messages, a.id);
  if (!msg) return Status(ErrorCode::not_found, "no such message");
  if (row_string(*msg, "author_id") != ctx.actor.user_id)
    return Status(ErrorCode::forbidden, "only the author can delete a message");
  ctx.rows.remove(collection::messages, a.id);
  return Status::Ok();
}

}  // namespace

Mutator message_send() { return make_mutator<MessageSendArgs>("message.send", decode_send, apply_send); }
Mutator message_delete() { return make_mutator<MessageDeleteArgs>("message.delete", decode_delete, apply_delete); }

}  // namespace passerelle::sync::mutators
