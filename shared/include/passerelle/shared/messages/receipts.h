// Message order, receipts and unread counts: the rules both the device and the server use.
//
// Order: the server numbers a thread's messages 1, 2, 3... (`n`) as it accepts them; that is
// the order everyone shows. A message written offline has only a provisional number until the
// server answers. Receipts are one row per (thread, reader) holding two marks that only go
// up: `delivered_n` (a device of the reader has pulled every message up to n) and `read_n`
// (the reader opened the thread with messages up to n on screen). A watermark instead of a
// flag per message keeps receipts one small row per reader, and a late or replayed receipt
// can never move a mark back.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace passerelle::messages {

// What the author of a message sees: queued (only on their device), sent (the server has
// it), delivered (a device of another member pulled it), read (another member read it).
enum class MessageState { queued, sent, delivered, read };
std::string_view to_string(MessageState state);

// The id of `user_id`'s receipt row in a thread (the same on every device and the server).
std::string receipt_id(std::string_view thread_id, std::string_view user_id);

// A message's number in its thread (`n`), 0 when it has none yet.
std::int64_t message_number(const boost::json::object& message);

struct ReadMarks {
  std::int64_t delivered_n = 0;
  std::int64_t read_n = 0;
};
ReadMarks read_marks(const std::optional<boost::json::object>& receipt);

// The state of `message` for its author. `confirmed`: the server has accepted it (the row came
// from the server, not only from the device's queue). `receipts`: the thread's receipt rows;
// only those of `members` other than the author count (a coach reading a mentorship thread
// does not make a mentor's message "read" by the candidate).
MessageState author_view_state(const boost::json::object& message, bool confirmed,
                               const std::vector<boost::json::object>& receipts,
                               const std::vector<std::string>& members);

// Messages of others in `thread_messages` numbered above the reader's read mark.
std::int64_t unread_count(const std::vector<boost::json::object>& thread_messages,
                          const std::optional<boost::json::object>& my_receipt, std::string_view me);

// The highest number among messages written by someone other than `me` (0 if none): what
// opening the thread marks as read, and what pulling them marks as delivered.
std::int64_t last_from_others(const std::vector<boost::json::object>& thread_messages, std::string_view me);

}  // namespace passerelle::messages
