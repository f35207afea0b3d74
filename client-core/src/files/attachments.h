// A file someone attaches to a message (or to a plan step as evidence), checked once for every
// binding: the native client reads it from a path, the browser gets its bytes from a file
// picker; both hand the bytes here, so both accept and refuse the same files with the same
// messages (docs/messages.md, "Files").
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/message_types.h"
#include "passerelle/outcome.h"

namespace passerelle::client::files {

// A file checked and read: what the message and the upload queue need.
struct Attached {
  UploadInfo info;
  std::string content;
};

// Checks what can be checked before the bytes are read: the name and the size. `label` is how
// refusals name the file (its path, or its name). Usage failures.
std::optional<Failure> check_attachment_header(std::string_view label, std::string_view name, std::uint64_t size,
                                               std::size_t max_bytes);
// Checks the bytes (size, not empty, a kind the server accepts by its content) and computes
// the file's hash and type: the declared type is not trusted.
Outcome<Attached> check_attachment(std::string_view label, std::string name, std::string content, std::size_t max_bytes);

// The args of message.send {id, thread_id, body, written_at, attachments?}, validated by the
// mutator (an empty body without files, over 8 KiB: usage failures). At most
// kMaxAttachmentsPerMessage files.
Outcome<boost::json::object> message_send_args(std::string_view id, std::string_view thread_id, std::string_view body,
                                               std::string_view written_at, const std::vector<UploadInfo>& files);

}  // namespace passerelle::client::files
