#include "passerelle/shared/activities/schedule.h"

#include <map>

#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::activities {
namespace json = boost::json;
using passerelle::sync::row_int;
using passerelle::sync::row_string;

std::vector<std::pair<Timestamp, Timestamp>> slot_times(Timestamp start, std::int64_t slot_minutes,
                                                        std::int64_t break_minutes, int slots) {
  std::vector<std::pair<Timestamp, Timestamp>> out;
  std::chrono::minutes step(slot_minutes + break_minutes), length(slot_minutes);
  for (int i = 0; i < slots; ++i) out.emplace_back(start + i * step, start + i * step + length);
  return out;
}

namespace {

std::string name_of(const json::object& names, const std::string& id) {
  auto* v = names.if_contains(id);
  return v && v->is_string() ? std::string(v->get_string()) : id;
}

// "2027-03-09 14:00" in the activity's zone (UTC when it has none or an unknown one).
std::string local(Timestamp t, const json::object& activity) {
  std::string zone = row_string(activity, "time_zone");
  if (!zone.empty())
    if (auto s = format_local(t, zone)) return *s;
  return format_local(t, "UTC").value_or(format_rfc3339(t)) + " UTC";
}

std::string hhmm(Timestamp t, const json::object& activity) {
  std::string s = local(t, activity);
  return s.size() >= 16 ? s.substr(11, 5) : s;
}

std::string where(const json::object& a, bool fr) {
  std::string place = row_string(a, "place"), video = row_string(a, "video_url"), out;
  if (!place.empty()) out += (fr ? "Lieu : " : "Place: ") + place + "\n";
  if (!video.empty()) out += (fr ? "Lien vidéo : " : "Video link: ") + video + "\n";
  return out;
}

std::optional<Kind> kind_of(const json::object& a) { return parse_kind(row_string(a, "kind")); }

}  // namespace

json::object agenda_row(const json::object& activity, const std::string& user_id, bool employer_side,
                        const Rotation& rotation, const std::vector<std::pair<Timestamp, Timestamp>>& times,
                        const json::object& names, const json::object& tables) {
  std::string activity_id = row_string(activity, "id");
  json::array items;
  for (const auto& m : rotation.meetings) {
    if ((employer_side ? m.employer_id : m.candidate_id) != user_id) continue;
    const std::string& other = employer_side ? m.candidate_id : m.employer_id;
    items.push_back(json::object{{"slot", m.slot},
                                 {"start", format_rfc3339(times.at(m.slot).first)},
                                 {"end", format_rfc3339(times.at(m.slot).second)},
                                 {"with_id", other},
                                 {"with_name", name_of(names, other)},
                                 {"employer_id", m.employer_id},
                                 {"candidate_id", m.candidate_id},
                                 {"table", tables.contains(m.employer_id) ? tables.at(m.employer_id) : json::value(0)}});
  }
  return json::object{{"id", agenda_id(activity_id, user_id)},
                      {"activity_id", activity_id},
                      {"user_id", user_id},
                      {"side", employer_side ? "employer" : "candidate"},
                      {"title", row_string(activity, "title")},
                      {"items", std::move(items)}};
}

std::string agenda_ics(const json::object& activity, const json::object& agenda, protocol::Locale locale) {
  bool fr = locale == protocol::Locale::fr;
  std::vector<mentors::IcsEvent> events;
  bool cancelled = row_string(activity, "status") == "cancelled";
  Timestamp stamp = parse_rfc3339(row_string(agenda, "updated_at")).value_or(now_utc());
  std::string activity_id = row_string(activity, "id"), title = row_string(activity, "title");
  if (auto* items = agenda.if_contains("items"); items && items->is_array())
    for (const auto& v : items->get_array()) {
      if (!v.is_object()) continue;
      const auto& it = v.get_object();
      mentors::IcsEvent e;
      e.uid = activity_id + "-" + row_string(it, "employer_id") + "-" + row_string(it, "candidate_id") + "@passerelle";
      e.sequence = static_cast<int>(row_int(agenda, "sequence"));
      e.stamp = stamp;
      e.start = parse_rfc3339(row_string(it, "start")).value_or(Timestamp{});
      e.end = parse_rfc3339(row_string(it, "end")).value_or(e.start);
      e.cancelled = cancelled;
      std::int64_t table = row_int(it, "table");
      e.summary = std::string(cancelled ? (fr ? "ANNULÉ : " : "CANCELLED: ") : "") +
                  (fr ? "Speed jobbing : " : "Speed jobbing: ") + row_string(it, "with_name") +
                  (table > 0 ? " (table " + std::to_string(table) + ")" : "");
      e.location = row_string(activity, "place");
      if (e.location.empty()) e.location = row_string(activity, "video_url");
      e.url = row_string(activity, "video_url");
      e.description = title + "\n" + where(activity, fr) + (fr ? "Heure locale : " : "Local time: ") + local(e.start, activity) +
                      "\nUTC: " + format_rfc3339(e.start) + "\n";
      events.push_back(std::move(e));
    }
  return mentors::ics_calendar(events, "", title.empty() ? "Passerelle" : title);
}

std::string activity_ics(const json::object& a, protocol::Locale locale) {
  bool fr = locale == protocol::Locale::fr;
  mentors::IcsEvent e;
  e.uid = row_string(a, "id") + "@passerelle";
  e.sequence = static_cast<int>(row_int(a, "sequence"));
  e.stamp = parse_rfc3339(row_string(a, "updated_at")).value_or(now_utc());
  e.start = parse_rfc3339(row_string(a, "start")).value_or(Timestamp{});
  e.end = parse_rfc3339(row_string(a, "end")).value_or(e.start);
  e.cancelled = row_string(a, "status") == "cancelled";
  std::string kind = kind_of(a) ? kind_label(*kind_of(a), locale) : std::string();
  e.summary = (e.cancelled ? (fr ? "ANNULÉ : " : "CANCELLED: ") : "") + row_string(a, "title");
  e.location = row_string(a, "place");
  if (e.location.empty()) e.location = row_string(a, "video_url");
  e.url = row_string(a, "video_url");
  e.description = kind + "\n" + row_string(a, "description") + "\n" + where(a, fr) +
                  (fr ? "Heure locale : " : "Local time: ") + local(e.start, a) + "\n";
  return mentors::ics_calendar({e}, "", row_string(a, "title"));
}

std::string agenda_text(const json::object& a, const json::object& agenda, protocol::Locale locale) {
  bool fr = locale == protocol::Locale::fr;
  std::string out = row_string(a, "title") + "\n" + local(parse_rfc3339(row_string(a, "start")).value_or(Timestamp{}), a) +
                    "\n" + where(a, fr) + "\n";
  if (row_string(a, "status") == "cancelled") out += fr ? "ACTIVITÉ ANNULÉE\n\n" : "ACTIVITY CANCELLED\n\n";
  bool employer_side = row_string(agenda, "side") == "employer";
  out += fr ? (employer_side ? "Heure        Candidat·e\n" : "Heure        Table  Employeur\n")
            : (employer_side ? "Time         Candidate\n" : "Time         Table  Employer\n");
  std::size_t n = 0;
  if (auto* items = agenda.if_contains("items"); items && items->is_array())
    for (const auto& v : items->get_array()) {
      if (!v.is_object()) continue;
      const auto& it = v.get_object();
      Timestamp s = parse_rfc3339(row_string(it, "start")).value_or(Timestamp{});
      Timestamp e = parse_rfc3339(row_string(it, "end")).value_or(s);
      std::string line = hhmm(s, a) + "-" + hhmm(e, a) + "  ";
      if (!employer_side) {
        std::string table = std::to_string(row_int(it, "table"));
        line += table + std::string(table.size() < 5 ? 5 - table.size() : 0, ' ') + "  ";
      }
      out += line + row_string(it, "with_name") + "\n";
      ++n;
    }
  if (n == 0) out += fr ? "(aucune rencontre)\n" : "(no meeting)\n";
  return out;
}

std::string schedule_text(const json::object& a, const json::object& schedule, protocol::Locale locale) {
  bool fr = locale == protocol::Locale::fr;
  std::string out = row_string(a, "title") + "\n" + local(parse_rfc3339(row_string(a, "start")).value_or(Timestamp{}), a) +
                    "\n" + where(a, fr) + "\n";
  const json::object empty;
  auto* names_v = schedule.if_contains("names");
  const json::object& names = names_v && names_v->is_object() ? names_v->get_object() : empty;
  auto employers = passerelle::sync::row_strings(schedule, "employer_ids");
  // grid[slot][table] = candidate name
  std::map<std::int64_t, std::map<std::string, std::string>> grid;
  std::map<std::int64_t, std::string> slot_label;
  if (auto* ms = schedule.if_contains("meetings"); ms && ms->is_array())
    for (const auto& v : ms->get_array()) {
      if (!v.is_object()) continue;
      const auto& m = v.get_object();
      std::int64_t slot = row_int(m, "slot");
      grid[slot][row_string(m, "employer_id")] = name_of(names, row_string(m, "candidate_id"));
      Timestamp s = parse_rfc3339(row_string(m, "start")).value_or(Timestamp{});
      slot_label[slot] = hhmm(s, a);
    }
  for (std::size_t t = 0; t < employers.size(); ++t)
    out += (fr ? "Table " : "Table ") + std::to_string(t + 1) + " : " + name_of(names, employers[t]) + "\n";
  out += "\n" + std::string(fr ? "Heure" : "Time ");
  for (std::size_t t = 0; t < employers.size(); ++t) out += " | T" + std::to_string(t + 1);
  out += "\n";
  for (const auto& [slot, row] : grid) {
    out += slot_label[slot];
    for (const auto& e : employers) {
      auto it = row.find(e);
      out += " | " + (it == row.end() ? std::string("-") : it->second);
    }
    out += "\n";
  }
  if (grid.empty()) out += fr ? "(aucune rencontre)\n" : "(no meeting)\n";
  return out;
}

}  // namespace passerelle::activities
