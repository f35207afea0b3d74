#include "passerelle/shared/json_reader.h"

#include <boost/json/parse.hpp>

#include <cmath>

namespace passerelle {
namespace json = boost::json;

namespace {
const json::value kNull;
const json::object kEmptyObject;
const json::array kEmptyArray;
}  // namespace

std::string_view json_type_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "unknown";
}

Result<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;  // deep nesting is an attack, not a message
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) return Error{ErrorCode::bad_request, "malformed JSON: " + ec.message()};
  return v;
}

JsonReader::JsonReader(const json::value& value, std::string path) : path_(std::move(path)) {
  object_ = value.if_object();
  if (!object_) {
    error_ = Error{ErrorCode::bad_request,
                   (path_.empty() ? std::string("the message") : "field '" + path_ + "'") +
                       " must be an object, got " + std::string(json_type_name(value))};
  }
}

JsonReader::JsonReader(const json::object& object, std::string path) : object_(&object), path_(std::move(path)) {}

std::string JsonReader::field_name(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

Status JsonReader::status() const {
  if (error_) return *error_;
  return Status::Ok();
}

void JsonReader::fail(std::string_view key, std::string_view what) {
  if (error_) return;
  error_ = Error{ErrorCode::bad_request, "field '" + field_name(key) + "' " + std::string(what)};
}

const json::value* JsonReader::find(std::string_view key, bool required) {
  if (error_) return nullptr;
  const json::value* v = object_->if_contains(key);
  if (v && v->is_null() && !required) return nullptr;  // an explicit null is an absent optional
  if (!v || v->is_null()) {
    if (required) fail(key, "is missing");
    return nullptr;
  }
  return v;
}

void JsonReader::type_error(std::string_view key, std::string_view expected, const json::value& got) {
  fail(key, "must be " + std::string(expected) + ", got " + std::string(json_type_name(got)));
}

std::optional<std::string> JsonReader::optional_string(std::string_view key) {
  const json::value* v = find(key, false);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    type_error(key, "a string", *v);
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::string JsonReader::string(std::string_view key) {
  if (!find(key, true)) return {};
  return optional_string(key).value_or(std::string());
}

std::optional<std::int64_t> JsonReader::optional_integer(std::string_view key) {
  const json::value* v = find(key, false);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) {
    double d = v->get_double();
    // Range first: converting a double outside int64's range is undefined behaviour.
    if (d > -9.2e18 && d < 9.2e18 && d == std::trunc(d)) return static_cast<std::int64_t>(d);
  }
  type_error(key, "an integer", *v);
  return std::nullopt;
}

std::int64_t JsonReader::integer(std::string_view key) {
  if (!find(key, true)) return 0;
  return optional_integer(key).value_or(0);
}

std::optional<bool> JsonReader::optional_boolean(std::string_view key) {
  const json::value* v = find(key, false);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    type_error(key, "a boolean", *v);
    return std::nullopt;
  }
  return v->get_bool();
}

bool JsonReader::boolean(std::string_view key) {
  if (!find(key, true)) return false;
  return optional_boolean(key).value_or(false);
}

const json::value* JsonReader::optional_value(std::string_view key) { return find(key, false); }

const json::value& JsonReader::value(std::string_view key) {
  const json::value* v = find(key, true);
  return v ? *v : kNull;
}

const json::object& JsonReader::object(std::string_view key) {
  const json::value* v = find(key, true);
  if (!v) return kEmptyObject;
  if (!v->is_object()) {
    type_error(key, "an object", *v);
    return kEmptyObject;
  }
  return v->get_object();
}

const json::array& JsonReader::array(std::string_view key) {
  const json::value* v = find(key, true);
  if (!v) return kEmptyArray;
  if (!v->is_array()) {
    type_error(key, "an array", *v);
    return kEmptyArray;
  }
  return v->get_array();
}

JsonReader JsonReader::nested(std::string_view key) {
  const json::value* v = find(key, true);
  static const json::value kEmpty = json::object();
  JsonReader r(v ? *v : kEmpty, field_name(key));
  if (error_ && !r.error_) r.error_ = error_;
  return r;
}

}  // namespace passerelle
