#include "passerelle/shared/mentors/availability.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>

#include "passerelle/shared/json_reader.h"

namespace passerelle::mentors {
namespace json = boost::json;
using namespace std::chrono;

std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto d = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1; };
  if (d(0) < 0 || d(1) < 0 || d(3) < 0 || d(4) < 0) return std::nullopt;
  int h = d(0) * 10 + d(1), m = d(3) * 10 + d(4);
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::string format_hhmm(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

namespace {

// Reads start/end of a window object; checks 1 h <= length, end <= 24:00.
bool read_span(JsonReader& w, const std::string& name, JsonReader& outer, int& start, int& end) {
  std::string s = w.string("start"), e = w.string("end");
  if (!w.ok()) {
    outer.fail(name, w.status().error().message);
    return false;
  }
  auto sm = parse_hhmm(s), em = parse_hhmm(e);
  if (!sm || *sm >= 24 * 60) {
    outer.fail(name + ".start", "must be a time HH:MM before 24:00");
    return false;
  }
  if (!em) {
    outer.fail(name + ".end", "must be a time HH:MM (24:00 for midnight)");
    return false;
  }
  if (*em - *sm < 60) {
    outer.fail(name + ".end", "must be at least one hour after start");
    return false;
  }
  start = *sm;
  end = *em;
  return true;
}

std::optional<Timestamp> local_to_utc(const date::time_zone* z, sys_days day, int minute) {
  auto local = date::local_days(day.time_since_epoch()) + minutes(minute);
  auto info = z->get_info(local);
  if (info.result == date::local_info::nonexistent) return std::nullopt;
  // unique, or ambiguous: `first` is the earlier of the two occurrences.
  auto sys = sys_seconds((local - info.first.offset).time_since_epoch());
  return time_point_cast<milliseconds>(sys);
}

const date::time_zone* zone_or_null(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

Result<Availability> availability_from_json(const json::value& v) {
  Availability a;
  JsonReader in(v);
  a.time_zone = in.string("time_zone");
  if (in.ok() && !is_valid_time_zone(a.time_zone)) in.fail("time_zone", "must be an IANA time zone such as \"America/Toronto\"");
  const json::array* weekly = in.ok() && in.optional_value("weekly") ? &in.array("weekly") : nullptr;
  if (in.ok() && weekly) {
    if (weekly->size() > 50) in.fail("weekly", "holds more than 50 windows");
    for (std::size_t i = 0; in.ok() && i < weekly->size(); ++i) {
      std::string name = "weekly[" + std::to_string(i) + "]";
      if (!(*weekly)[i].is_object()) {
        in.fail(name, "must be an object {weekday, start, end}");
        break;
      }
      JsonReader w((*weekly)[i].get_object());
      WeeklyWindow ww;
      auto wd = w.integer("weekday");
      if (w.ok() && (wd < 1 || wd > 7)) {
        in.fail(name + ".weekday", "must be 1 (Monday) to 7 (Sunday)");
        break;
      }
      ww.weekday = static_cast<unsigned>(wd);
      if (!read_span(w, name, in, ww.start_min, ww.end_min)) break;
      a.weekly.push_back(ww);
    }
  }
  const json::array* additions = in.ok() && in.optional_value("additions") ? &in.array("additions") : nullptr;
  if (in.ok() && additions) {
    if (additions->size() > 200) in.fail("additions", "holds more than 200 windows");
    for (std::size_t i = 0; in.ok() && i < additions->size(); ++i) {
      std::string name = "additions[" + std::to_string(i) + "]";
      if (!(*additions)[i].is_object()) {
        in.fail(name, "must be an object {date, start, end}");
        break;
      }
      JsonReader w((*additions)[i].get_object());
      DatedWindow dw;
      std::string d = w.string("date");
      auto day = w.ok() ? parse_date(d) : std::nullopt;
      if (w.ok() && !day) {
        in.fail(name + ".date", "must be a date YYYY-MM-DD");
        break;
      }
      if (day) dw.date = *day;
      if (!read_span(w, name, in, dw.start_min, dw.end_min)) break;
      a.additions.push_back(dw);
    }
  }
  const json::array* blocked = in.ok() && in.optional_value("blocked") ? &in.array("blocked") : nullptr;
  if (in.ok() && blocked) {
    if (blocked->size() > 400) in.fail("blocked", "holds more than 400 dates");
    for (std::size_t i = 0; in.ok() && i < blocked->size(); ++i) {
      const auto& b = (*blocked)[i];
      auto day = b.is_string() ? parse_date(b.get_string()) : std::nullopt;
      if (!day) in.fail("blocked[" + std::to_string(i) + "]", "must be a date YYYY-MM-DD");
      else a.blocked.push_back(*day);
    }
  }
  if (auto st = in.status(); !st) return st.error();
  return a;
}

json::object to_json(const Availability& a) {
  json::array weekly, additions, blocked;
  for (const auto& w : a.weekly)
    weekly.push_back(json::object{{"weekday", w.weekday}, {"start", format_hhmm(w.start_min)}, {"end", format_hhmm(w.end_min)}});
  for (const auto& w : a.additions)
    additions.push_back(json::object{{"date", format_date(w.date)}, {"start", format_hhmm(w.start_min)}, {"end", format_hhmm(w.end_min)}});
  for (const auto& d : a.blocked) blocked.emplace_back(format_date(d));
  return json::object{{"time_zone", a.time_zone}, {"weekly", std::move(weekly)}, {"additions", std::move(additions)}, {"blocked", std::move(blocked)}};
}

std::vector<Slot> compute_slots(const Availability& a, Timestamp from, Timestamp to) {
  std::vector<Slot> out;
  const date::time_zone* z = zone_or_null(a.time_zone);
  if (!z || to <= from) return out;
  auto first = local_date(from, a.time_zone), last = local_date(to, a.time_zone);
  if (!first || !last) return out;
  for (sys_days day = *first - days(1); day <= *last + days(1); day += days(1)) {
    if (std::find(a.blocked.begin(), a.blocked.end(), day) != a.blocked.end()) continue;
    unsigned wd = date::weekday(day).iso_encoding();
    std::vector<std::pair<int, int>> spans;
    for (const auto& w : a.weekly)
      if (w.weekday == wd) spans.emplace_back(w.start_min, w.end_min);
    for (const auto& w : a.additions)
      if (w.date == day) spans.emplace_back(w.start_min, w.end_min);
    for (auto [s, e] : spans)
      for (int m = s; m + 60 <= e; m += 60) {
        auto start = local_to_utc(z, day, m);
        if (!start || *start < from || *start >= to) continue;
        out.push_back(Slot{*start, *start + kSlotLength});
      }
  }
  std::sort(out.begin(), out.end(), [](const Slot& x, const Slot& y) { return x.start < y.start; });
  out.erase(std::unique(out.begin(), out.end()), out.end());  // overlapping windows offer a slot once
  return out;
}

bool is_offered_slot(const Availability& a, Timestamp start) {
  auto slots = compute_slots(a, start, start + milliseconds(1));
  return !slots.empty() && slots.front().start == start;
}

bool overlaps(const std::vector<Busy>& busy, Timestamp start, Timestamp end, std::string_view except_meeting) {
  for (const auto& b : busy)
    if (b.meeting_id != except_meeting && b.start < end && start < b.end) return true;
  return false;
}

std::vector<Busy> busy_of(const json::object& row) {
  std::vector<Busy> out;
  auto* m = row.if_contains("meetings");
  if (!m || !m->is_array()) return out;
  for (const auto& e : m->get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    auto* id = o.if_contains("id");
    auto* s = o.if_contains("start");
    auto* en = o.if_contains("end");
    if (!id || !s || !en || !id->is_string() || !s->is_string() || !en->is_string()) continue;
    auto st = parse_rfc3339(s->get_string()), et = parse_rfc3339(en->get_string());
    if (st && et) out.push_back(Busy{std::string(id->get_string()), *st, *et});
  }
  return out;
}

json::object busy_row(const std::string& user_id, const std::vector<Busy>& busy) {
  json::array m;
  for (const auto& b : busy)
    m.push_back(json::object{{"id", b.meeting_id}, {"start", format_rfc3339(b.start)}, {"end", format_rfc3339(b.end)}});
  return json::object{{"id", user_id}, {"meetings", std::move(m)}};
}

std::vector<Slot> free_slots(const Availability& a, const std::vector<Busy>& busy, Timestamp from, std::size_t count,
                             days horizon) {
  std::vector<Slot> out;
  for (const auto& s : compute_slots(a, from, from + horizon)) {
    if (out.size() >= count) break;
    if (!overlaps(busy, s.start, s.end)) out.push_back(s);
  }
  return out;
}

std::string local_label(Timestamp t, std::string_view zone) {
  auto l = format_local(t, zone);
  return l ? *l + " " + std::string(zone) : format_rfc3339(t);
}

}  // namespace passerelle::mentors
