#include "sync/change_text.h"

#include <boost/json/basic_parser_impl.hpp>

#include "passerelle/shared/json_text.h"

namespace passerelle::server::sync {
namespace json = boost::json;

namespace {

// A parse that only notes what the top value is: every event is accepted and dropped.
struct Scan {
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  int depth = 0;
  bool top_is_object = false;

  // The first value event at depth 0 is the top value.
  bool value(bool object) {
    if (depth == 0) top_is_object = object;
    return true;
  }
  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return value(true), ++depth, true; }
  bool on_object_end(std::size_t, json::error_code&) { return --depth, true; }
  bool on_array_begin(json::error_code&) { return value(false), ++depth, true; }
  bool on_array_end(std::size_t, json::error_code&) { return --depth, true; }
  bool on_key_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return value(false); }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return value(false); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return value(false); }
  bool on_double(double, json::string_view, json::error_code&) { return value(false); }
  bool on_bool(bool, json::error_code&) { return value(false); }
  bool on_null(json::error_code&) { return value(false); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

StoredText classify_stored_text(std::string_view text) {
  // The same limits as json::parse's defaults (depth 32, strict JSON, valid UTF-8): a text
  // that passes here is one the old parse-and-write path accepted.
  json::basic_parser<Scan> parser{json::parse_options{}};
  json::error_code ec;
  std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size() || !parser.done()) return StoredText::invalid;
  return parser.handler().top_is_object ? StoredText::object : StoredText::other_json;
}

bool append_change(std::string& out, const ChangeView& c) {
  if (!c.deleted && classify_stored_text(c.data) != StoredText::object) return false;
  out += "{\"collection\":";
  append_json_string(out, c.collection);
  out += ",\"id\":";
  append_json_string(out, c.id);
  out += ",\"seq\":";
  out += std::to_string(c.seq);
  if (c.deleted) {
    out += ",\"deleted\":true}";
    return true;
  }
  out += ",\"deleted\":false,\"data\":";
  out += c.data;
  out += '}';
  return true;
}

}  // namespace passerelle::server::sync
