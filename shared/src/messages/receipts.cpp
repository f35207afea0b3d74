#include "passerelle/shared/messages/receipts.h"

#include <algorithm>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::messages {
namespace json = boost::json;
namespace {

}  // namespace

std::string_view to_string(MessageState state) {
  switch (state) {
    case MessageState::queued: return "queued";
    case MessageState::sent: return "sent";
    case MessageState::delivered: return "delivered";
    case MessageState::read: return "read";
  }
  return "sent";
}

std::string receipt_id(std::string_view thread_id, std::string_view user_id) {
  return Uuid::derived("receipt:" + std::string(thread_id) + ":" + std::string(user_id)).str();
}

std::int64_t message_number(const json::object& message) { return passerelle::sync::row_int(message, "n"); }

ReadMarks read_marks(const std::optional<json::object>& receipt) {
  if (!receipt) return {};
  return ReadMarks{passerelle::sync::row_int(*receipt, "delivered_n"), passerelle::sync::row_int(*receipt, "read_n")};
}

MessageState author_view_state(const json::object& message, bool confirmed, const std::vector<json::object>& receipts,
                               const std::vector<std::string>& members) {
  if (!confirmed) return MessageState::queued;
  std::int64_t n = message_number(message);
  std::string author = passerelle::sync::row_string(message, "author_id");
  MessageState best = MessageState::sent;
  for (const auto& r : receipts) {
    std::string reader = passerelle::sync::row_string(r, "user_id");
    if (reader == author || std::find(members.begin(), members.end(), reader) == members.end()) continue;
    auto marks = read_marks(r);
    if (marks.read_n >= n) return MessageState::read;
    if (marks.delivered_n >= n) best = MessageState::delivered;
  }
  return best;
}

std::int64_t unread_count(const std::vector<json::object>& thread_messages, const std::optional<json::object>& my_receipt,
                          std::string_view me) {
  std::int64_t read_n = read_marks(my_receipt).read_n;
  return std::count_if(thread_messages.begin(), thread_messages.end(), [&](const json::object& m) {
    return passerelle::sync::row_string(m, "author_id") != me && message_number(m) > read_n;
  });
}

std::int64_t last_from_others(const std::vector<json::object>& thread_messages, std::string_view me) {
  std::int64_t last = 0;
  for (const auto& m : thread_messages)
    if (passerelle::sync::row_string(m, "author_id") != me) last = std::max(last, message_number(m));
  return last;
}

}  // namespace passerelle::messages
