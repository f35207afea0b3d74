#include "files/attachments.h"

#include <boost/json/array.hpp>

#include "passerelle/shared/crypto.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/sync/mutator.h"

namespace passerelle::client::files {

namespace json = boost::json;

namespace {
Failure refuse(std::string_view label, Error e) {
  return Failure{Origin::usage, Error{e.code, "cannot attach " + std::string(label) + ": " + e.message}};
}
}  // namespace

std::optional<Failure> check_attachment_header(std::string_view label, std::string_view name, std::uint64_t size,
                                               std::size_t max_bytes) {
  if (auto problem = passerelle::files::file_name_problem(name))
    return refuse(label, Error{ErrorCode::bad_request, "the file name " + *problem});
  // Checked before reading: a 4 GB video is refused without being loaded.
  if (size > max_bytes) return refuse(label, passerelle::files::too_large_error(size, max_bytes));
  if (size == 0) return refuse(label, Error{ErrorCode::bad_request, "the file is empty"});
  return std::nullopt;
}

Outcome<Attached> check_attachment(std::string_view label, std::string name, std::string content, std::size_t max_bytes) {
  if (auto refused = check_attachment_header(label, name, content.size(), max_bytes)) return std::move(*refused);
  auto type = passerelle::files::sniff_type(content);
  if (!type) return refuse(label, passerelle::files::unsupported_type_error());
  UploadInfo info;
  info.sha256 = sha256_hex(content);
  info.name = std::move(name);
  info.size = static_cast<std::int64_t>(content.size());
  info.type = std::string(*type);
  return Attached{std::move(info), std::move(content)};
}

Outcome<json::object> message_send_args(std::string_view id, std::string_view thread_id, std::string_view body,
                                        std::string_view written_at, const std::vector<UploadInfo>& files) {
  if (files.size() > passerelle::files::kMaxAttachmentsPerMessage)
    return usage_failure("at most " + std::to_string(passerelle::files::kMaxAttachmentsPerMessage) +
                         " files per message; this one has " + std::to_string(files.size()));
  json::object args{{"id", id}, {"thread_id", thread_id}, {"body", body}, {"written_at", written_at}};
  if (!files.empty()) {
    json::array list;
    for (const auto& f : files)
      list.push_back(json::object{{"sha256", f.sha256}, {"name", f.name}, {"size", f.size}, {"type", f.type}});
    args["attachments"] = std::move(list);
  }
  const passerelle::sync::Mutator* m = passerelle::sync::find_mutator("message.send");
  if (!m) return local_failure(Error{ErrorCode::internal, "message.send is not registered"});
  if (auto v = m->validate(args); !v) return Failure{Origin::usage, v.error()};
  return args;
}

}  // namespace passerelle::client::files
