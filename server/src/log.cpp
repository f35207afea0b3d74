#include "log.h"

#include <boost/json/serializer.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "passerelle/shared/time.h"

namespace passerelle::server::log {
namespace {
std::mutex g_mutex;

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

// Appends the JSON text of `v` to `out`, with no intermediate string.
void append_json(std::string& out, const boost::json::value& v) {
  boost::json::serializer sr;
  sr.reset(&v);
  char buf[256];
  while (!sr.done()) out.append(sr.read(buf));
}

void append_json_string(std::string& out, std::string_view s) {
  boost::json::serializer sr;
  sr.reset(s);
  char buf[256];
  while (!sr.done()) out.append(sr.read(buf));
}
}  // namespace

std::string format_line(Level level, std::string_view event, const boost::json::object& fields, std::string_view ts) {
  // Written field by field rather than through a second boost::json::object: three such lines
  // per connection were about 3 % of the server's CPU under the connect benchmark
  // (docs/benchmarks.md, "Connect: the log line, and why the session token's lookup still hops").
  std::string text;
  text.reserve(128);
  text += "{\"ts\":";
  append_json_string(text, ts);
  text += ",\"level\":\"";
  text += level_name(level);
  text += "\",\"event\":";
  append_json_string(text, event);
  for (const auto& kv : fields) {
    std::string_view key = kv.key();
    // The line's own keys come first and are never repeated nor replaced: a field named like
    // one is dropped (no caller passes one; before, it would have replaced the line's own).
    if (key == "ts" || key == "level" || key == "event") continue;
    text += ',';
    append_json_string(text, key);
    text += ':';
    append_json(text, kv.value());
  }
  text += "}\n";
  return text;
}

void write(Level level, std::string_view event, boost::json::object fields) {
  std::string text = format_line(level, event, fields, format_rfc3339(now_utc()));
  // One write(2) per line, no stdio: stderr is unbuffered, so fwrite + fflush made the same
  // system call with a lock of its own. The mutex keeps lines whole when a write is short.
  std::lock_guard lock(g_mutex);
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: nothing else to do
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace passerelle::server::log
