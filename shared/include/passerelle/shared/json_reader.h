// Strict, typed reading of JSON objects that names the offending field.
//
//   JsonReader in(value);                  // records an error if value is not an object
//   auto email = in.string("email");       // "field 'email' is missing"
//   auto limit = in.optional_int("limit"); // "field 'limit' must be an integer"
//   if (auto st = in.status(); !st) return st.error();
//
// After the first error every accessor returns an empty value and the first error is kept,
// so a decoder reads all its fields and checks once at the end. Errors are bad_request.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "passerelle/shared/error.h"

namespace passerelle {

class JsonReader {
 public:
  // `path` prefixes field names in messages ("args" gives "field 'args.email' ...").
  // The reader keeps a pointer to what it reads: it must outlive the reader (temporaries are refused).
  explicit JsonReader(const boost::json::value& value, std::string path = {});
  explicit JsonReader(const boost::json::object& object, std::string path = {});
  JsonReader(boost::json::value&&, std::string = {}) = delete;
  JsonReader(boost::json::object&&, std::string = {}) = delete;

  std::string string(std::string_view key);
  std::optional<std::string> optional_string(std::string_view key);
  std::int64_t integer(std::string_view key);
  std::optional<std::int64_t> optional_integer(std::string_view key);
  bool boolean(std::string_view key);
  std::optional<bool> optional_boolean(std::string_view key);
  // The raw value of a present field of any type; null if missing (and records the error).
  const boost::json::value& value(std::string_view key);
  const boost::json::value* optional_value(std::string_view key);
  // Nested object/array fields; an empty one after an error.
  const boost::json::object& object(std::string_view key);
  const boost::json::array& array(std::string_view key);
  // A reader over a nested object field, sharing nothing with this one; its errors are its own.
  JsonReader nested(std::string_view key);

  // Records a failure found by the caller's own check, e.g. a value out of range.
  void fail(std::string_view key, std::string_view what);

  bool ok() const noexcept { return !error_.has_value(); }
  Status status() const;
  // The full name of a field as shown in messages.
  std::string field_name(std::string_view key) const;

 private:
  const boost::json::value* find(std::string_view key, bool required);
  void type_error(std::string_view key, std::string_view expected, const boost::json::value& got);

  const boost::json::object* object_ = nullptr;
  std::string path_;
  std::optional<Error> error_;
};

// The JSON type name of a value for messages: "string", "number", "object", ...
std::string_view json_type_name(const boost::json::value& v) noexcept;

// Parses `text` as one JSON value, refusing trailing data, with a bad_request on failure.
Result<boost::json::value> parse_json(std::string_view text);

}  // namespace passerelle
