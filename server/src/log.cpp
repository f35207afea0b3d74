#include "log.h"

#include <boost/json/serialize.hpp>

#include <cstdio>
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
}  // namespace

void write(Level level, std::string_view event, boost::json::object fields) {
  boost::json::object line;
  line["ts"] = format_rfc3339(now_utc());
  line["level"] = level_name(level);
  line["event"] = event;
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  std::string text = boost::json::serialize(line);
  text += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace passerelle::server::log
