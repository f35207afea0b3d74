// Structured logging: one JSON object per line on stderr, e.g.
//   {"ts":"2026-01-02T03:04:05.678Z","level":"info","event":"listening","address":"127.0.0.1:8080"}
// Thread-safe; a line is written with one call so lines from several threads never interleave.
// Never pass passwords or tokens in `fields`.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace passerelle::server::log {

enum class Level { debug, info, warn, error };

void write(Level level, std::string_view event, boost::json::object fields = {});

// The line write() writes, "\n" included, for a given timestamp: "ts", "level" and "event"
// first, then the fields in their order (a field named "ts", "level" or "event" is dropped).
std::string format_line(Level level, std::string_view event, const boost::json::object& fields,
                        std::string_view ts);

inline void info(std::string_view event, boost::json::object fields = {}) {
  write(Level::info, event, std::move(fields));
}
inline void warn(std::string_view event, boost::json::object fields = {}) {
  write(Level::warn, event, std::move(fields));
}
inline void error(std::string_view event, boost::json::object fields = {}) {
  write(Level::error, event, std::move(fields));
}

}  // namespace passerelle::server::log
