// Attached files: what may be attached and how a file is named. Server and device apply the
// same rules, so a device refuses a file at once instead of queueing an upload the server
// would refuse hours later (docs/messages.md).
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::files {

// The server's default upload limit (`serve --max-upload-bytes`); devices check it too.
inline constexpr std::size_t kDefaultMaxFileBytes = 10 * 1024 * 1024;
inline constexpr std::size_t kMaxAttachmentsPerMessage = 5;
inline constexpr std::size_t kMaxFileNameBytes = 255;

// The accepted kinds, by MIME type.
inline constexpr std::string_view kPdf = "application/pdf";
inline constexpr std::string_view kDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
inline constexpr std::string_view kOdt = "application/vnd.oasis.opendocument.text";
inline constexpr std::string_view kPng = "image/png";
inline constexpr std::string_view kJpeg = "image/jpeg";

// The MIME type of `content` judged from its bytes (never from a file name): PDF, DOCX (a ZIP
// holding word/document.xml), ODT (a ZIP whose first entry is the ODF `mimetype`), PNG, JPEG.
// nullopt for anything else, including executables renamed to .pdf.
std::optional<std::string_view> sniff_type(std::string_view content);

// "unsupported" error naming the accepted kinds, for a file sniff_type() refused.
Error unsupported_type_error();
// "too_large" error for a file over `limit` bytes.
Error too_large_error(std::size_t size, std::size_t limit);

// 64 lower-case hexadecimal digits: the form of a file's SHA-256 everywhere in the protocol.
bool is_sha256_hex(std::string_view s);

// A file name as shown to people: the last path component, valid UTF-8, no control
// characters, at most kMaxFileNameBytes. Returns an error message when it cannot be used.
std::optional<std::string> file_name_problem(std::string_view name);

// Every file hash a replicated row refers to (a message's attachments, a plan step's file
// evidence): reading such a row is what allows downloading the file.
std::vector<std::string> referenced_files(const boost::json::object& row);

}  // namespace passerelle::files
