// Reading fields of replicated rows (JSON objects) leniently: a row written by an older or
// newer version may lack a field or hold another type, and readers show what they can.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace passerelle::sync {

// A top-level string field, or "" when absent or not a string.
inline std::string row_string(const boost::json::object& row, std::string_view key) {
  auto* v = row.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A top-level array of strings (ids, members), skipping anything else.
inline std::vector<std::string> row_strings(const boost::json::object& row, std::string_view key) {
  std::vector<std::string> out;
  auto* v = row.if_contains(key);
  if (v && v->is_array())
    for (const auto& e : v->get_array())
      if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

// A top-level integer field, or `fallback` when absent or not an integer.
inline std::int64_t row_int(const boost::json::object& row, std::string_view key, std::int64_t fallback = 0) {
  auto* v = row.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return fallback;
}

}  // namespace passerelle::sync
