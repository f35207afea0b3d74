// message.send / message.delete / receipt.update: coaching messages inside a thread
// (docs/messages.md). The device makes the message id, so a retried send is the same message.
// The server numbers a thread's messages (`n`, kept on the thread as `last_n`): that is the
// order everyone shows. `sent_at` is server time; `written_at` is the author's device clock,
// shown, never trusted.
#include "mutators/mutators.h"

#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/messages/receipts.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/text.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;

namespace {

bool is_member(const json::object& thread, const std::string& user) {
  auto members = row_strings(thread, "members");
  return std::find(members.begin(), members.end(), user) != members.end();
}

// Who reads a thread's rows: the server's audience of the thread (members plus read-only
// readers such as the coach of a mentorship). A device does not know audiences; its writes
// carry the members, which it ignores anyway.
std::vector<std::string> thread_readers(MutationContext& ctx, const std::string& thread_id, const json::object& thread) {
  auto readers = ctx.rows.audience(collection::threads, thread_id);
  if (readers.empty()) readers = row_strings(thread, "members");
  return readers;
}

// ---------------------------------------------------------------- message.send

struct Attachment {
  std::string sha256;
  std::string name;
  std::int64_t size = 0;
  std::string type;
};

struct MessageSendArgs {
  std::string id;
  std::string thread_id;
  std::string body;
  std::optional<std::string> written_at;
  std::vector<Attachment> attachments;
};

// Reads the optional `attachments` array; errors name the element ("args.attachments[1].sha256").
Status decode_attachments(JsonReader& in, std::vector<Attachment>& out) {
  const json::value* v = in.optional_value("attachments");
  if (!v || v->is_null()) return Status::Ok();
  const json::array& items = in.array("attachments");
  if (auto st = in.status(); !st) return st;
  if (items.size() > files::kMaxAttachmentsPerMessage)
    return Status(ErrorCode::bad_request, "field '" + in.field_name("attachments") + "' holds " +
                                              std::to_string(items.size()) + " files; at most " +
                                              std::to_string(files::kMaxAttachmentsPerMessage) + " per message");
  for (std::size_t i = 0; i < items.size(); ++i) {
    JsonReader item(items[i], in.field_name("attachments[" + std::to_string(i) + "]"));
    Attachment a;
    a.sha256 = item.string("sha256");
    if (item.ok() && !files::is_sha256_hex(a.sha256)) item.fail("sha256", "must be 64 lower-case hex digits");
    a.name = item.string("name");
    if (item.ok())
      if (auto problem = files::file_name_problem(a.name)) item.fail("name", *problem);
    a.size = item.integer("size");
    if (item.ok() && a.size <= 0) item.fail("size", "must be a positive number of bytes");
    a.type = item.string("type");
    if (item.ok() && a.type.size() > 200) item.fail("type", "is longer than 200 bytes");
    if (auto st = item.status(); !st) return st;
    out.push_back(std::move(a));
  }
  return Status::Ok();
}

Result<MessageSendArgs> decode_send(JsonReader& in) {
  MessageSendArgs a;
  a.id = uuid_field(in, "id");
  a.thread_id = uuid_field(in, "thread_id");
  a.written_at = in.optional_string("written_at");
  if (in.ok() && a.written_at && !parse_rfc3339(*a.written_at))
    in.fail("written_at", "must be an RFC 3339 date-time");
  if (auto st = in.status(); !st) return st.error();
  if (auto st = decode_attachments(in, a.attachments); !st) return st.error();
  {
    // A message needs words or at least one file: a file alone ("here is my CV") is fine.
    if (a.attachments.empty()) {
      a.body = text_field(in, "body", kMaxMessageBytes, true);
    } else if (auto body = in.optional_string("body")) {
      if (!is_valid_utf8(*body)) in.fail("body", "must be valid UTF-8");
      else if (body->size() > kMaxMessageBytes)
        in.fail("body", "is longer than " + std::to_string(kMaxMessageBytes) + " bytes");
      else if (!trim(*body).empty()) a.body = *body;
    }
  }
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

  json::array attachments;
  for (const auto& f : a.attachments) {
    json::object item{{"sha256", f.sha256}, {"name", f.name}, {"size", f.size}, {"type", f.type}};
    if (ctx.authoritative && ctx.files) {
      // The server's record of the upload is the truth about size and type, and the proof
      // that this person holds the file (a guessed hash is refused).
      auto known = ctx.files->usable(f.sha256, ctx.actor.user_id);
      if (!known)
        return Status(ErrorCode::not_found, "the file '" + f.name + "' was not uploaded; send it again");
      item["size"] = known->size;
      item["type"] = known->type;
    }
    attachments.push_back(std::move(item));
  }

  std::int64_t n = row_int(*thread, "last_n") + 1;
  json::object msg{{"id", a.id},
                   {"thread_id", a.thread_id},
                   {"author_id", ctx.actor.user_id},
                   {"n", n},
                   {"body", a.body},
                   {"sent_at", format_rfc3339(ctx.now)}};
  if (a.written_at) msg["written_at"] = format_rfc3339(*parse_rfc3339(*a.written_at));
  if (!attachments.empty()) msg["attachments"] = std::move(attachments);
  auto readers = thread_readers(ctx, a.thread_id, *thread);
  ctx.rows.put(collection::messages, a.id, msg, readers);

  (*thread)["last_n"] = n;
  (*thread)["last_message_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(collection::threads, a.thread_id, *thread, readers);
  return Status::Ok();
}

// ---------------------------------------------------------------- message.delete

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

// ---------------------------------------------------------------- receipt.update

struct ReceiptArgs {
  std::string thread_id;
  std::int64_t delivered_n = 0;
  std::int64_t read_n = 0;
};

Result<ReceiptArgs> decode_receipt(JsonReader& in) {
  ReceiptArgs a;
  a.thread_id = uuid_field(in, "thread_id");
  auto delivered = in.optional_integer("delivered_n");
  auto read = in.optional_integer("read_n");
  if (in.ok() && delivered && *delivered < 0) in.fail("delivered_n", "must be an integer >= 0");
  if (in.ok() && read && *read < 0) in.fail("read_n", "must be an integer >= 0");
  if (in.ok() && !delivered && !read) in.fail("read_n", "or delivered_n is required");
  if (auto st = in.status(); !st) return st.error();
  a.read_n = read.value_or(0);
  a.delivered_n = std::max(delivered.value_or(0), a.read_n);  // read implies delivered
  return a;
}

Status apply_receipt(MutationContext& ctx, const ReceiptArgs& a) {
  auto thread = ctx.rows.get(collection::threads, a.thread_id);
  if (!thread) return Status(ErrorCode::not_found, "no such thread");
  auto readers = thread_readers(ctx, a.thread_id, *thread);
  if (ctx.authoritative && std::find(readers.begin(), readers.end(), ctx.actor.user_id) == readers.end())
    return Status(ErrorCode::not_found, "no such thread");  // the same answer as for an unknown id

  // Marks only go up and never past the last message the server numbered: a receipt sent
  // offline that arrives late, or twice, changes nothing it should not.
  std::int64_t last_n = row_int(*thread, "last_n");
  std::string id = messages::receipt_id(a.thread_id, ctx.actor.user_id);
  auto existing = ctx.rows.get(collection::receipts, id);
  auto marks = messages::read_marks(existing);
  std::int64_t delivered = std::max(marks.delivered_n, std::min(a.delivered_n, last_n));
  std::int64_t read = std::max(marks.read_n, std::min(a.read_n, last_n));
  if (existing && delivered == marks.delivered_n && read == marks.read_n) return Status::Ok();

  json::object row = existing ? *existing
                              : json::object{{"id", id}, {"thread_id", a.thread_id}, {"user_id", ctx.actor.user_id}};
  row["delivered_n"] = delivered;
  row["read_n"] = read;
  if (delivered != marks.delivered_n) row["delivered_at"] = format_rfc3339(ctx.now);
  if (read != marks.read_n) row["read_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(collection::receipts, id, row, readers);
  return Status::Ok();
}

}  // namespace

Mutator message_send() { return make_mutator<MessageSendArgs>("message.send", decode_send, apply_send); }
Mutator message_delete() { return make_mutator<MessageDeleteArgs>("message.delete", decode_delete, apply_delete); }
Mutator receipt_update() { return make_mutator<ReceiptArgs>("receipt.update", decode_receipt, apply_receipt); }

}  // namespace passerelle::sync::mutators
