// The value types of the coaching-message part of the client API (docs/messages.md, "On the
// device"): a thread as a list shows it, a message as a conversation shows it, an attached
// file, and the queue of files waiting to go up.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/messages/receipts.h"

namespace passerelle::client {

using messages::MessageState;

struct AttachmentView {
  std::string sha256;  // the file's name everywhere: download_file() takes it
  std::string name;    // as the sender's file was called
  std::int64_t size = 0;
  std::string type;    // MIME type, judged from the content
  bool on_device = false;  // in this account's file store: opens offline
};

struct MessageView {
  std::string id;
  std::string thread_id;
  std::string author_id;
  std::string author_name;  // from the profiles on this device; the id when unknown here
  std::string body;         // may be empty when the message carries files
  // The thread's order, given by the server. While `state` is queued it is provisional (the
  // device's guess) and may change when the server numbers the message.
  std::int64_t n = 0;
  bool mine = false;
  // For the author: queued (only on this device), sent, delivered (a device of another member
  // has it), read (another member opened the thread). Also computed for others' messages.
  MessageState state = MessageState::queued;
  std::optional<std::string> sent_at;     // server time, RFC 3339; absent while queued
  std::optional<std::string> written_at;  // the author's device clock, shown, never trusted
  std::vector<AttachmentView> attachments;
  boost::json::object row;  // the message row as replicated
};

struct ThreadSummary {
  std::string id;
  std::string kind;   // "coaching", "mentorship"
  std::string title;  // the other members' names ("Claire Coach"; "Amina Benali & Paul Mentor" for a reader)
  std::vector<std::string> members;
  std::int64_t message_count = 0;  // including messages still queued on this device
  std::int64_t unread = 0;         // messages of others above my read mark
  std::optional<MessageView> last_message;
  std::optional<std::string> last_activity;  // RFC 3339: last message (sent, else written), else the thread's creation
  boost::json::object row;  // the thread row as replicated
};

// A file queued to go up (PUT /v1/blobs/<sha256>) before the message that attaches it.
//   pending  waits for the next sync (kept across restarts and kill -9)
//   done     the server has it
//   failed   the server refused it for good (too large, unsupported, hash mismatch): `error`
//            says why; the message attaching it will be rejected and shows in rejections()
enum class UploadState { pending, done, failed };
std::string_view to_string(UploadState state) noexcept;

struct UploadInfo {
  std::string sha256;
  std::string name;
  std::int64_t size = 0;
  std::string type;
  UploadState state = UploadState::pending;
  std::optional<Error> error;
  std::string queued_at;  // device time, RFC 3339
};

}  // namespace passerelle::client
