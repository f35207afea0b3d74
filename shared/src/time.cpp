#include "passerelle/shared/time.h"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>

namespace passerelle {
using namespace std::chrono;

Timestamp now_utc() { return time_point_cast<milliseconds>(system_clock::now()); }

// By hand rather than date::format, which builds a stream and imbues a locale per call: it was
// 8 % of the writer's time in a push, where every message stamps its time (docs/benchmarks.md).
std::string format_rfc3339(Timestamp t) {
  sys_days day = floor<days>(t);
  date::year_month_day ymd{day};
  int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return date::format("%FT%TZ", t);  // not RFC 3339's four digits
  auto ms = (t - day).count();  // 0 .. 86,399,999, also before 1970 (floor above)
  auto put = [](char* at, long long v, int n) {
    for (int i = n - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
  };
  std::string out = "0000-00-00T00:00:00.000Z";
  put(&out[0], year, 4);
  put(&out[5], static_cast<unsigned>(ymd.month()), 2);
  put(&out[8], static_cast<unsigned>(ymd.day()), 2);
  put(&out[11], ms / 3'600'000, 2);
  put(&out[14], ms / 60'000 % 60, 2);
  put(&out[17], ms / 1000 % 60, 2);
  put(&out[20], ms % 1000, 3);
  return out;
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}
}  // namespace

std::optional<sys_days> parse_date(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return std::nullopt;
  date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(m)),
                           date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return time_point_cast<days>(date::sys_days(ymd));
}

std::string format_date(sys_days d) { return date::format("%F", d); }

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  // date-time = full-date "T" partial-time time-offset
  if (s.size() < 20) return std::nullopt;
  auto day = parse_date(s.substr(0, 10));
  if (!day) return std::nullopt;
  if (s[10] != 'T' && s[10] != 't') return std::nullopt;
  int hh, mm, ss;
  if (!digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' ||
      !digits(s, 17, 2, ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;  // 60: a leap second, folded below
  if (ss == 60) ss = 59;
  std::size_t pos = 19;
  long long frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    std::size_t n = pos - start;
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = 0; i < 3; ++i) frac_ms = frac_ms * 10 + (i < n ? s[start + i] - '0' : 0);
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_min = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  auto t = *day + hours(hh) + minutes(mm) + seconds(ss) + milliseconds(frac_ms) - minutes(offset_min);
  return time_point_cast<milliseconds>(t);
}

bool is_valid_time_zone(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<sys_days> local_date(Timestamp t, std::string_view zone) {
  try {
    const date::time_zone* z = date::locate_zone(zone);
    auto local = z->to_local(t);
    return sys_days(floor<days>(local).time_since_epoch());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> format_local(Timestamp t, std::string_view zone) {
  try {
    const date::time_zone* z = date::locate_zone(zone);
    date::zoned_time<milliseconds> zt(z, t);
    return date::format("%F %R", zt.get_local_time());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::vector<ZoneSpan>> zone_spans(std::string_view zone, Timestamp from, Timestamp to) {
  if (to <= from) return std::nullopt;
  const date::time_zone* z = nullptr;
  try {
    z = date::locate_zone(zone);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::vector<ZoneSpan> spans;
  // Clipped to [from, to): a zone's first and last spans reach the ends of time, which
  // milliseconds cannot hold.
  const auto first = date::floor<seconds>(from), last = date::ceil<seconds>(to);
  auto at = first;
  while (spans.size() < 1000 && at < last) {
    date::sys_info info = z->get_info(at);
    auto begin = std::max(info.begin, first);
    auto end = std::min(info.end, last);
    if (end <= begin) break;
    spans.push_back({Timestamp(begin), Timestamp(end), duration_cast<minutes>(info.offset), info.abbrev});
    at = end;
  }
  return spans;
}

}  // namespace passerelle
