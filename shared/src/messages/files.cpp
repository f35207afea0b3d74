#include "passerelle/shared/messages/files.h"

#include <algorithm>

#include "passerelle/shared/text.h"

namespace passerelle::files {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::uint32_t le16(std::string_view s, std::size_t at) {
  return static_cast<std::uint8_t>(s[at]) | (static_cast<std::uint8_t>(s[at + 1]) << 8);
}

std::uint64_t le32(std::string_view s, std::size_t at) { return le16(s, at) | (std::uint64_t(le16(s, at + 2)) << 16); }

// The ZIP-based office formats. ODF requires its `mimetype` entry first, stored uncompressed;
// OOXML word documents are recognized by their entry names, read from the central directory
// (local headers may defer their sizes to a data descriptor, the directory never does).
std::optional<std::string_view> sniff_zip(std::string_view s) {
  constexpr std::size_t kLocalFixed = 30;
  if (s.size() >= kLocalFixed) {
    std::uint32_t method = le16(s, 8);
    std::size_t name_len = le16(s, 26), extra_len = le16(s, 28);
    std::uint64_t stored = le32(s, 18);
    std::size_t data_at = kLocalFixed + name_len + extra_len;
    if (method == 0 && data_at <= s.size() && s.substr(kLocalFixed, name_len) == "mimetype" &&
        s.substr(data_at, std::min<std::uint64_t>(stored, s.size() - data_at)) == kOdt)
      return kOdt;
  }
  // End of central directory: 22 bytes plus a comment of at most 65535 bytes, at the end.
  constexpr std::string_view kEnd("PK\x05\x06", 4);
  std::size_t lowest = s.size() > 22 + 65535 ? s.size() - 22 - 65535 : 0;
  std::size_t end_at = std::string_view::npos;
  for (std::size_t i = s.size() >= 22 ? s.size() - 22 + 1 : 0; i-- > lowest;)
    if (s.substr(i, 4) == kEnd) {
      end_at = i;
      break;
    }
  if (end_at == std::string_view::npos) return std::nullopt;
  std::size_t entries = le16(s, end_at + 10);
  std::uint64_t at = le32(s, end_at + 16);
  constexpr std::string_view kCentral("PK\x01\x02", 4);
  constexpr std::size_t kCentralFixed = 46;
  bool has_word_document = false, has_content_types = false;
  for (std::size_t n = 0; n < entries; ++n) {
    if (at + kCentralFixed > end_at || s.substr(at, 4) != kCentral) return std::nullopt;
    std::size_t name_len = le16(s, at + 28), extra_len = le16(s, at + 30), comment_len = le16(s, at + 32);
    if (at + kCentralFixed + name_len > end_at) return std::nullopt;
    std::string_view name = s.substr(at + kCentralFixed, name_len);
    if (name == "word/document.xml") has_word_document = true;
    if (name == "[Content_Types].xml") has_content_types = true;
    at += kCentralFixed + name_len + extra_len + comment_len;
  }
  if (has_word_document && has_content_types) return kDocx;
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> sniff_type(std::string_view s) {
  if (starts_with(s, "%PDF-")) return kPdf;
  if (starts_with(s, std::string_view("\x89PNG\r\n\x1a\n", 8))) return kPng;
  if (starts_with(s, std::string_view("\xff\xd8\xff", 3))) return kJpeg;
  if (starts_with(s, std::string_view("PK\x03\x04", 4))) return sniff_zip(s);
  return std::nullopt;
}

Error unsupported_type_error() {
  return Error{ErrorCode::unsupported, "only PDF, Word (DOCX), OpenDocument text (ODT), PNG and JPEG files can be attached"};
}

Error too_large_error(std::size_t size, std::size_t limit) {
  return Error{ErrorCode::too_large, "the file is " + std::to_string(size) + " bytes; files of at most " +
                                         std::to_string(limit) + " bytes can be attached"};
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<std::string> file_name_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxFileNameBytes) return "is longer than " + std::to_string(kMaxFileNameBytes) + " bytes";
  if (!is_valid_utf8(name)) return "must be valid UTF-8";
  if (name.find_first_of("/\\") != std::string_view::npos) return "must be a file name without folders";
  if (name == "." || name == "..") return "must be a file name";
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return "must not contain control characters";
  return std::nullopt;
}

std::vector<std::string> referenced_files(const boost::json::object& row) {
  std::vector<std::string> out;
  for (std::string_view key : {"attachments", "evidence"}) {
    auto it = row.find(key);
    if (it == row.end() || !it->value().is_array()) continue;
    for (const auto& item : it->value().get_array()) {
      if (!item.is_object()) continue;
      auto h = item.get_object().find("sha256");
      if (h != item.get_object().end() && h->value().is_string() && is_sha256_hex(h->value().get_string()))
        out.emplace_back(h->value().get_string());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace passerelle::files
