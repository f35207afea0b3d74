// Program activities (docs/activities.md):
//   activity.create      staff (a coach or an admin) create a speed-jobbing session, a career
//                        exploration day or a sector conference
//   activity.cancel      its organizer or an admin cancels it; every registration says why
//   activity.register    a candidate registers (from her device, offline too), or staff for her;
//                        a seat while there is one, else the waiting list, and the row says why
//   activity.unregister  she (or staff) cancels; a freed seat goes to the first who waits
//   activity.schedule    staff build a speed-jobbing session's rotation (activities/rotation.h)
//                        and everyone's agenda
//   activity.attendance  the organizer or an admin records whether a registered candidate came
//                        (the dashboard's attendance figures, indicators.h)
// Seats are decided by the server's run only: ops are applied one after another in the push
// transaction, so racing registrations for the last seat give one seat and waiting places in
// arrival order. A device's run records "requested" and lets the server decide.
#include "mutators/mutators.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/activities/rotation.h"
#include "passerelle/shared/activities/schedule.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/text.h"

#include <map>
#include <set>

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;
namespace act = passerelle::activities;
namespace ac = passerelle::activities::collection;

namespace {

bool is_staff(const MutationContext& ctx) { return ctx.actor.role == Role::coach || ctx.actor.role == Role::admin; }

// The organizer of the activity or an admin.
bool may_manage(const MutationContext& ctx, const json::object& activity) {
  return ctx.actor.role == Role::admin ||
         (ctx.actor.role == Role::coach && row_string(activity, "organizer_id") == ctx.actor.user_id);
}

std::vector<std::string> staff_audience(const json::object& activity) {
  return with_user({role_audience(Role::admin)}, row_string(activity, "organizer_id"));
}

std::string optional_text(JsonReader& in, std::string_view key, std::size_t max_bytes) {
  if (!in.ok() || !in.optional_value(key)) return {};
  auto v = in.string(key);
  if (!in.ok()) return {};
  if (!is_valid_utf8(v)) in.fail(key, "must be valid UTF-8");
  else if (v.size() > max_bytes) in.fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
  return std::string(trim(v));
}

// A list of distinct UUIDs (absent: empty).
std::vector<std::string> id_list(JsonReader& in, std::string_view key, std::size_t max) {
  std::vector<std::string> out;
  if (!in.ok() || !in.optional_value(key)) return out;
  const auto& arr = in.array(key);
  if (!in.ok()) return out;
  if (arr.size() > max) {
    in.fail(key, "holds more than " + std::to_string(max) + " ids");
    return out;
  }
  for (const auto& v : arr) {
    if (!v.is_string() || !is_uuid(v.get_string())) {
      in.fail(key, "must hold user ids (UUIDs)");
      return out;
    }
    std::string id(v.get_string());
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

Timestamp time_field(JsonReader& in, std::string_view key) {
  std::string text = in.string(key);
  auto t = in.ok() ? parse_rfc3339(text) : std::nullopt;
  if (in.ok() && !t) in.fail(key, "must be an RFC 3339 date-time, e.g. 2027-03-09T14:00:00Z");
  if (t && std::chrono::floor<std::chrono::minutes>(*t) != *t) in.fail(key, "must be on a whole minute");
  return t.value_or(Timestamp{});
}

void add_history(json::object& row, const MutationContext& ctx, std::string_view action) {
  auto* h = row.if_contains("history");
  if (!h || !h->is_array()) row["history"] = json::array();
  row["history"].as_array().push_back(
      json::object{{"action", action}, {"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)}});
}

// ---------------------------------------------------------------- activity.create
struct CreateArgs {
  std::string id, title, description, time_zone, place, video_url, audience;
  act::Kind kind = act::Kind::conference;
  Timestamp start, end;
  std::int64_t capacity = 0, slot_minutes = act::kDefaultSlotMinutes, break_minutes = act::kDefaultBreakMinutes;
  std::vector<std::string> candidate_ids, employer_ids;
};

Result<CreateArgs> decode_create(JsonReader& in) {
  CreateArgs a;
  a.id = uuid_field(in, "id");
  std::string kind = in.string("kind");
  if (in.ok()) {
    if (auto k = act::parse_kind(kind)) a.kind = *k;
    else in.fail("kind", "must be speed_jobbing, exploration_day or conference");
  }
  if (in.ok()) a.title = text_field(in, "title", 200);
  a.description = optional_text(in, "description", 4000);
  a.start = time_field(in, "start");
  if (in.ok()) a.end = time_field(in, "end");
  if (in.ok() && a.end <= a.start) in.fail("end", "must come after start");
  if (in.ok() && a.end - a.start > std::chrono::hours(24 * 7)) in.fail("end", "must be at most 7 days after start");
  if (in.ok()) {
    a.time_zone = in.string("time_zone");
    if (in.ok() && !is_valid_time_zone(a.time_zone))
      in.fail("time_zone", "must be an IANA time zone such as \"America/Toronto\"");
  }
  a.place = optional_text(in, "place", 300);
  a.video_url = optional_text(in, "video_url", 500);
  if (in.ok() && !a.video_url.empty() && a.video_url.rfind("https://", 0) != 0)
    in.fail("video_url", "must be an https:// link");
  if (in.ok() && a.place.empty() && a.video_url.empty()) in.fail("place", "or video_url must be given: where it happens");
  if (in.ok()) {
    a.capacity = in.integer("capacity");
    if (in.ok() && (a.capacity < 1 || a.capacity > act::kMaxCapacity))
      in.fail("capacity", "must be between 1 and " + std::to_string(act::kMaxCapacity));
  }
  if (in.ok()) {
    a.audience = in.string("audience");
    if (in.ok() && a.audience != "all" && a.audience != "invited") in.fail("audience", "must be all or invited");
  }
  a.candidate_ids = id_list(in, "candidate_ids", act::kMaxInvited);
  if (in.ok() && a.audience == "invited" && a.candidate_ids.empty())
    in.fail("candidate_ids", "must name the invited candidates when audience is invited");
  if (in.ok() && a.audience == "all" && !a.candidate_ids.empty())
    in.fail("candidate_ids", "is only for audience invited");
  if (in.ok() && a.kind == act::Kind::exploration_day && a.audience != "invited")
    in.fail("audience", "must be invited for a career exploration day (its host receives selected candidates)");
  a.employer_ids = id_list(in, "employer_ids", act::kMaxEmployers);
  if (in.ok() && a.kind == act::Kind::speed_jobbing && a.employer_ids.empty())
    in.fail("employer_ids", "must name the session's employers");
  if (in.ok() && a.kind == act::Kind::exploration_day && a.employer_ids.size() != 1)
    in.fail("employer_ids", "must name exactly one host employer for a career exploration day");
  if (in.ok() && a.kind == act::Kind::speed_jobbing) {
    if (auto s = in.optional_integer("slot_minutes"); s && in.ok()) {
      a.slot_minutes = *s;
      if (*s < act::kMinSlotMinutes || *s > act::kMaxSlotMinutes)
        in.fail("slot_minutes", "must be between " + std::to_string(act::kMinSlotMinutes) + " and " +
                                    std::to_string(act::kMaxSlotMinutes));
    }
    if (auto b = in.optional_integer("break_minutes"); b && in.ok()) {
      a.break_minutes = *b;
      if (*b < 0 || *b > act::kMaxBreakMinutes)
        in.fail("break_minutes", "must be between 0 and " + std::to_string(act::kMaxBreakMinutes));
    }
  }
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_create(MutationContext& ctx, const CreateArgs& a) {
  if (!is_staff(ctx)) return Status(ErrorCode::forbidden, "only coaches and admins create activities");
  if (ctx.rows.get(ac::activities, a.id)) return Status(ErrorCode::conflict, "an activity with that id already exists");
  if (ctx.authoritative && a.start <= ctx.now) return Status(ErrorCode::conflict, "an activity is created before it starts");
  json::object employer_names;
  for (const auto& e : a.employer_ids) {
    auto p = ctx.rows.get(collection::profiles, e);
    // Employer accounts (role "employer") come from the employers feature; an id that is not
    // one is refused like an unknown id.
    if (!p || row_string(*p, "role") != "employer") {
      if (!ctx.authoritative) continue;
      return Status(ErrorCode::not_found, "no employer with id " + e);
    }
    employer_names[e] = row_string(*p, "name");
  }
  std::vector<std::string> readers = {role_audience(Role::admin), ctx.actor.user_id};
  for (const auto& c : a.candidate_ids) {
    auto p = ctx.rows.get(collection::profiles, c);
    if (!p || row_string(*p, "role") != "candidate" ||
        (ctx.actor.role == Role::coach && row_string(*p, "coach_id") != ctx.actor.user_id)) {
      // A coach invites the candidates of her caseload; others answer like unknown ids.
      if (!ctx.authoritative) continue;
      return Status(ErrorCode::not_found, "no candidate with id " + c + " in your caseload");
    }
    readers = with_user(readers, c);
  }
  if (a.audience == "all") readers = with_user(readers, role_audience(Role::candidate));
  for (const auto& e : a.employer_ids) readers = with_user(readers, e);

  auto organizer = ctx.rows.get(collection::profiles, ctx.actor.user_id);
  json::object row{{"id", a.id},
                   {"kind", act::to_string(a.kind)},
                   {"title", a.title},
                   {"start", format_rfc3339(a.start)},
                   {"end", format_rfc3339(a.end)},
                   {"time_zone", a.time_zone},
                   {"capacity", a.capacity},
                   {"audience", a.audience},
                   {"employer_ids", to_json_array(a.employer_ids)},
                   {"employer_names", employer_names},
                   {"status", "open"},
                   {"seats_taken", 0},
                   {"waitlist_length", 0},
                   {"sequence", 0},
                   {"organizer_id", ctx.actor.user_id},
                   {"organizer_name", organizer ? row_string(*organizer, "name") : std::string()},
                   {"created_at", format_rfc3339(ctx.now)},
                   {"updated_at", format_rfc3339(ctx.now)}};
  if (!a.description.empty()) row["description"] = a.description;
  if (!a.place.empty()) row["place"] = a.place;
  if (!a.video_url.empty()) row["video_url"] = a.video_url;
  if (a.kind == act::Kind::speed_jobbing) {
    row["slot_minutes"] = a.slot_minutes;
    row["break_minutes"] = a.break_minutes;
  }
  add_history(row, ctx, "created");
  ctx.rows.put(ac::activities, a.id, row, readers);
  json::object roster{{"id", a.id},
                      {"activity_id", a.id},
                      {"invited", to_json_array(a.candidate_ids)},
                      {"confirmed", json::array()},
                      {"waitlist", json::array()}};
  ctx.rows.put(ac::rosters, a.id, roster, staff_audience(row));
  return Status::Ok();
}

// ---------------------------------------------------------------- registrations, shared
struct Roster {
  json::object row;
  std::vector<std::string> invited, confirmed, waitlist;
};

std::optional<Roster> load_roster(MutationContext& ctx, const std::string& activity_id) {
  auto r = ctx.rows.get(ac::rosters, activity_id);
  if (!r) return std::nullopt;
  return Roster{*r, row_strings(*r, "invited"), row_strings(*r, "confirmed"), row_strings(*r, "waitlist")};
}

void save_roster(MutationContext& ctx, const json::object& activity, Roster& roster) {
  roster.row["confirmed"] = to_json_array(roster.confirmed);
  roster.row["waitlist"] = to_json_array(roster.waitlist);
  ctx.rows.put(ac::rosters, row_string(activity, "id"), roster.row, staff_audience(activity));
}

// Who reads a registration: the candidate, her coach, the organizer, admins and, with a seat,
// the employers she meets.
std::vector<std::string> registration_audience(MutationContext& ctx, const json::object& activity,
                                               const json::object& reg) {
  auto a = staff_audience(activity);
  a = with_user(a, row_string(reg, "candidate_id"));
  a = with_user(a, row_string(reg, "coach_id"));
  if (row_string(reg, "status") == "confirmed") {
    auto kind = act::parse_kind(row_string(activity, "kind"));
    if (kind == act::Kind::speed_jobbing)
      for (const auto& e : row_strings(reg, "employer_ids")) a = with_user(a, e);
    else if (kind == act::Kind::exploration_day)
      for (const auto& e : row_strings(activity, "employer_ids")) a = with_user(a, e);
  }
  (void)ctx;
  return a;
}

void put_registration(MutationContext& ctx, const json::object& activity, json::object& reg) {
  reg["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ac::registrations, row_string(reg, "id"), reg, registration_audience(ctx, activity, reg));
}

// The activity row after its counts changed: seats and waiting list, the coach of a newly
// registered candidate among its readers, a speed-jobbing schedule marked stale.
void save_counts(MutationContext& ctx, json::object& activity, const Roster& roster, const std::string& extra_reader = {}) {
  std::string id = row_string(activity, "id");
  activity["seats_taken"] = static_cast<std::int64_t>(roster.confirmed.size());
  activity["waitlist_length"] = static_cast<std::int64_t>(roster.waitlist.size());
  activity["updated_at"] = format_rfc3339(ctx.now);
  if (activity.contains("scheduled_at")) activity["schedule_stale"] = true;
  ctx.rows.put(ac::activities, id, activity, with_user(ctx.rows.audience(ac::activities, id), extra_reader));
}

// Rewrites the waiting places of everyone still waiting (the list moved).
void renumber_waitlist(MutationContext& ctx, const json::object& activity, const Roster& roster) {
  std::string activity_id = row_string(activity, "id");
  for (std::size_t i = 0; i < roster.waitlist.size(); ++i) {
    auto reg = ctx.rows.get(ac::registrations, act::registration_id(activity_id, roster.waitlist[i]));
    if (!reg || row_int(*reg, "position") == static_cast<std::int64_t>(i + 1)) continue;
    (*reg)["position"] = static_cast<std::int64_t>(i + 1);
    put_registration(ctx, activity, *reg);
  }
}

// Seats freed: the first who wait move up, in order.
void promote(MutationContext& ctx, const json::object& activity, Roster& roster) {
  std::string activity_id = row_string(activity, "id");
  auto n = act::promotions(act::SeatState{row_int(activity, "capacity"), static_cast<std::int64_t>(roster.confirmed.size()),
                                          static_cast<std::int64_t>(roster.waitlist.size())});
  for (std::int64_t i = 0; i < n; ++i) {
    std::string cand = roster.waitlist.front();
    roster.waitlist.erase(roster.waitlist.begin());
    roster.confirmed.push_back(cand);
    auto reg = ctx.rows.get(ac::registrations, act::registration_id(activity_id, cand));
    if (!reg) continue;
    (*reg)["status"] = "confirmed";
    (*reg)["reason"] = "promoted";
    (*reg)["position"] = 0;
    add_history(*reg, ctx, "promoted");
    put_registration(ctx, activity, *reg);
  }
  if (n > 0) renumber_waitlist(ctx, activity, roster);
}

// Whose registration an op is about: the candidate herself, or the one staff name.
Result<std::string> subject_candidate(const MutationContext& ctx, const json::object& activity,
                                      const std::string& candidate_id) {
  if (ctx.actor.role == Role::candidate) {
    if (!candidate_id.empty() && candidate_id != ctx.actor.user_id)
      return Error{ErrorCode::forbidden, "a candidate registers herself only"};
    return ctx.actor.user_id;
  }
  if (!may_manage(ctx, activity))
    return Error{ErrorCode::forbidden, "only the candidate, the activity's organizer or an admin change a registration"};
  if (candidate_id.empty()) return Error{ErrorCode::bad_request, "field 'args.candidate_id' is required for staff"};
  return candidate_id;
}

// ---------------------------------------------------------------- activity.register
struct RegisterArgs {
  std::string activity_id, candidate_id;
  std::vector<std::string> employer_ids;
  bool employers_given = false;
};

Result<RegisterArgs> decode_register(JsonReader& in) {
  RegisterArgs a;
  a.activity_id = uuid_field(in, "activity_id");
  if (in.ok() && in.optional_value("candidate_id")) a.candidate_id = uuid_field(in, "candidate_id");
  a.employers_given = in.ok() && in.optional_value("employer_ids");
  a.employer_ids = id_list(in, "employer_ids", act::kMaxEmployers);
  if (in.ok() && a.employers_given && a.employer_ids.empty())
    in.fail("employer_ids", "must name at least one employer (or be left out to meet them all)");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_register(MutationContext& ctx, const RegisterArgs& a) {
  auto activity = ctx.rows.get(ac::activities, a.activity_id);
  if (!activity) return ctx.authoritative ? Status(ErrorCode::not_found, "no such activity") : Status::Ok();
  auto who = subject_candidate(ctx, *activity, a.candidate_id);
  if (!who) return who.error();
  const std::string& cand = *who;
  if (row_string(*activity, "status") == "cancelled") return Status(ErrorCode::conflict, "this activity was cancelled");
  auto start = parse_rfc3339(row_string(*activity, "start"));
  if (ctx.authoritative && start && ctx.now >= *start)
    return Status(ErrorCode::conflict, "registrations are closed: the activity has started");
  auto kind = act::parse_kind(row_string(*activity, "kind"));
  auto session_employers = row_strings(*activity, "employer_ids");
  std::vector<std::string> selection;
  if (kind == act::Kind::speed_jobbing) {
    if (!a.employers_given) selection = session_employers;
    for (const auto& e : a.employer_ids) {
      if (std::find(session_employers.begin(), session_employers.end(), e) == session_employers.end())
        return Status(ErrorCode::conflict, "employer " + e + " does not take part in this session");
      selection.push_back(e);
    }
  } else if (a.employers_given) {
    return Status(ErrorCode::bad_request, "field 'args.employer_ids' is only for a speed-jobbing session");
  }
  std::string reg_id = act::registration_id(a.activity_id, cand);
  auto existing = ctx.rows.get(ac::registrations, reg_id);
  std::string status = existing ? row_string(*existing, "status") : std::string();
  bool active = status == "confirmed" || status == "waitlisted" || status == "requested";

  if (!ctx.authoritative) {
    // The device cannot know the seats: it shows "requested" until the server's row arrives.
    if (active && status != "requested") return Status::Ok();
    json::object reg = existing.value_or(json::object{});
    reg["id"] = reg_id;
    reg["activity_id"] = a.activity_id;
    reg["candidate_id"] = cand;
    reg["status"] = "requested";
    reg["reason"] = "pending";
    reg["position"] = 0;
    if (kind == act::Kind::speed_jobbing) reg["employer_ids"] = to_json_array(selection);
    put_registration(ctx, *activity, reg);
    return Status::Ok();
  }

  auto roster = load_roster(ctx, a.activity_id);
  if (!roster) return Status(ErrorCode::internal, "the activity has no roster");
  bool invited = row_string(*activity, "audience") == "all" ||
                 std::find(roster->invited.begin(), roster->invited.end(), cand) != roster->invited.end();
  auto profile = ctx.rows.get(collection::profiles, cand);
  if (!profile || row_string(*profile, "role") != "candidate")
    return Status(ErrorCode::not_found, "no candidate with that id");
  if (!invited) return Status(ErrorCode::conflict, "this candidate is not invited to this activity");

  if (active) {
    // Registered already (a second device, a retried tap): only a speed-jobbing selection changes.
    if (kind == act::Kind::speed_jobbing && a.employers_given && row_strings(*existing, "employer_ids") != selection) {
      (*existing)["employer_ids"] = to_json_array(selection);
      add_history(*existing, ctx, "selection_changed");
      put_registration(ctx, *activity, *existing);
      save_counts(ctx, *activity, *roster);
    }
    return Status::Ok();
  }
  auto decision = act::decide_registration(act::SeatState{row_int(*activity, "capacity"),
                                                          static_cast<std::int64_t>(roster->confirmed.size()),
                                                          static_cast<std::int64_t>(roster->waitlist.size())});
  json::object reg = existing.value_or(json::object{});
  reg["id"] = reg_id;
  reg["activity_id"] = a.activity_id;
  reg["candidate_id"] = cand;
  reg["candidate_name"] = row_string(*profile, "name");
  reg["coach_id"] = row_string(*profile, "coach_id");
  reg["status"] = decision.seat ? "confirmed" : "waitlisted";
  reg["reason"] = decision.seat ? "seat" : "full";
  reg["position"] = decision.position;
  reg["registered_at"] = format_rfc3339(ctx.now);
  reg["registered_by"] = ctx.actor.user_id;
  if (kind == act::Kind::speed_jobbing) reg["employer_ids"] = to_json_array(selection);
  else reg.erase("employer_ids");
  add_history(reg, ctx, decision.seat ? "seat" : "waitlisted");
  (decision.seat ? roster->confirmed : roster->waitlist).push_back(cand);
  put_registration(ctx, *activity, reg);
  save_roster(ctx, *activity, *roster);
  save_counts(ctx, *activity, *roster, row_string(*profile, "coach_id"));
  return Status::Ok();
}

// ---------------------------------------------------------------- activity.unregister
struct UnregisterArgs {
  std::string activity_id, candidate_id;
};

Result<UnregisterArgs> decode_unregister(JsonReader& in) {
  UnregisterArgs a;
  a.activity_id = uuid_field(in, "activity_id");
  if (in.ok() && in.optional_value("candidate_id")) a.candidate_id = uuid_field(in, "candidate_id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_unregister(MutationContext& ctx, const UnregisterArgs& a) {
  auto activity = ctx.rows.get(ac::activities, a.activity_id);
  if (!activity) return ctx.authoritative ? Status(ErrorCode::not_found, "no such activity") : Status::Ok();
  auto who = subject_candidate(ctx, *activity, a.candidate_id);
  if (!who) return who.error();
  auto reg = ctx.rows.get(ac::registrations, act::registration_id(a.activity_id, *who));
  if (!reg) return ctx.authoritative ? Status(ErrorCode::not_found, "not registered to this activity") : Status::Ok();
  std::string status = row_string(*reg, "status");
  if (status == "cancelled") return Status::Ok();  // cancelled already: nothing changes
  auto start = parse_rfc3339(row_string(*activity, "start"));
  if (ctx.authoritative && start && ctx.now >= *start)
    return Status(ErrorCode::conflict, "the activity has started: a registration can no longer be cancelled");
  (*reg)["status"] = "cancelled";
  (*reg)["reason"] = "withdrawn";
  (*reg)["position"] = 0;
  add_history(*reg, ctx, "withdrawn");
  if (!ctx.authoritative) {
    put_registration(ctx, *activity, *reg);
    return Status::Ok();
  }
  auto roster = load_roster(ctx, a.activity_id);
  if (!roster) return Status(ErrorCode::internal, "the activity has no roster");
  auto drop = [&](std::vector<std::string>& v) {
    auto before = v.size();
    v.erase(std::remove(v.begin(), v.end(), *who), v.end());
    return v.size() != before;
  };
  bool had_seat = drop(roster->confirmed);
  bool was_waiting = drop(roster->waitlist);
  put_registration(ctx, *activity, *reg);  // her employers lose sight of it now
  if (had_seat) promote(ctx, *activity, *roster);
  if (was_waiting) renumber_waitlist(ctx, *activity, *roster);
  save_roster(ctx, *activity, *roster);
  save_counts(ctx, *activity, *roster);
  return Status::Ok();
}

// ---------------------------------------------------------------- activity.cancel
struct CancelArgs {
  std::string id, reason;
};

Result<CancelArgs> decode_cancel(JsonReader& in) {
  CancelArgs a;
  a.id = uuid_field(in, "id");
  a.reason = optional_text(in, "reason", 2000);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_cancel(MutationContext& ctx, const CancelArgs& a) {
  auto activity = ctx.rows.get(ac::activities, a.id);
  if (!activity) return ctx.authoritative ? Status(ErrorCode::not_found, "no such activity") : Status::Ok();
  if (!may_manage(ctx, *activity)) return Status(ErrorCode::forbidden, "only the organizer or an admin cancels an activity");
  if (row_string(*activity, "status") == "cancelled") return Status::Ok();
  auto end = parse_rfc3339(row_string(*activity, "end"));
  if (ctx.authoritative && end && ctx.now >= *end) return Status(ErrorCode::conflict, "this activity is over");
  (*activity)["status"] = "cancelled";
  (*activity)["sequence"] = row_int(*activity, "sequence") + 1;
  (*activity)["updated_at"] = format_rfc3339(ctx.now);
  if (!a.reason.empty()) (*activity)["cancel_reason"] = a.reason;
  add_history(*activity, ctx, "cancelled");
  // Nobody holds a seat or a waiting place any more: the counts and the roster say so (each
  // registration keeps who was there, with the reason).
  (*activity)["seats_taken"] = 0;
  (*activity)["waitlist_length"] = 0;
  ctx.rows.put(ac::activities, a.id, *activity, ctx.rows.audience(ac::activities, a.id));
  if (auto roster = load_roster(ctx, a.id)) {
    std::vector<std::string> everyone = roster->confirmed;
    everyone.insert(everyone.end(), roster->waitlist.begin(), roster->waitlist.end());
    for (const auto& cand : everyone) {
      auto reg = ctx.rows.get(ac::registrations, act::registration_id(a.id, cand));
      if (!reg) continue;
      (*reg)["status"] = "cancelled";
      (*reg)["reason"] = "activity_cancelled";
      (*reg)["position"] = 0;
      add_history(*reg, ctx, "activity_cancelled");
      put_registration(ctx, *activity, *reg);
    }
    roster->confirmed.clear();
    roster->waitlist.clear();
    save_roster(ctx, *activity, *roster);
  }
  // Agendas stay (their .ics now says CANCELLED); their sequence goes up with the activity's.
  if (auto schedule = ctx.rows.get(ac::schedules, a.id))
    for (const auto& id : row_strings(*schedule, "agenda_ids"))
      if (auto agenda = ctx.rows.get(ac::agendas, id)) {
        (*agenda)["sequence"] = row_int(*agenda, "sequence") + 1;
        (*agenda)["updated_at"] = format_rfc3339(ctx.now);
        ctx.rows.put(ac::agendas, id, *agenda, ctx.rows.audience(ac::agendas, id));
      }
  return Status::Ok();
}

// ---------------------------------------------------------------- activity.schedule
struct ScheduleArgs {
  std::string id;
};

Result<ScheduleArgs> decode_schedule(JsonReader& in) {
  ScheduleArgs a;
  a.id = uuid_field(in, "id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_schedule(MutationContext& ctx, const ScheduleArgs& a) {
  auto activity = ctx.rows.get(ac::activities, a.id);
  if (!activity) return ctx.authoritative ? Status(ErrorCode::not_found, "no such activity") : Status::Ok();
  if (!may_manage(ctx, *activity)) return Status(ErrorCode::forbidden, "only the organizer or an admin builds a schedule");
  if (act::parse_kind(row_string(*activity, "kind")) != act::Kind::speed_jobbing)
    return Status(ErrorCode::conflict, "only a speed-jobbing session has a rotation");
  if (row_string(*activity, "status") == "cancelled") return Status(ErrorCode::conflict, "this activity was cancelled");
  auto roster = load_roster(ctx, a.id);
  if (!roster) return ctx.authoritative ? Status(ErrorCode::internal, "the activity has no roster") : Status::Ok();

  auto employers = row_strings(*activity, "employer_ids");
  json::object names;
  if (auto* en = activity->if_contains("employer_names"); en && en->is_object()) names = en->get_object();
  std::vector<act::RotationCandidate> candidates;
  std::map<std::string, std::string> coach_of;
  for (const auto& cand : roster->confirmed) {
    auto reg = ctx.rows.get(ac::registrations, act::registration_id(a.id, cand));
    if (!reg || row_string(*reg, "status") != "confirmed") continue;
    candidates.push_back(act::RotationCandidate{cand, row_strings(*reg, "employer_ids")});
    names[cand] = row_string(*reg, "candidate_name");
    coach_of[cand] = row_string(*reg, "coach_id");
  }
  auto rotation = act::build_rotation(employers, candidates);
  if (auto wrong = act::check_rotation(employers, candidates, rotation); !wrong.empty())
    return Status(ErrorCode::internal, "the rotation is unsound: " + wrong);
  auto start = parse_rfc3339(row_string(*activity, "start")).value_or(Timestamp{});
  auto end = parse_rfc3339(row_string(*activity, "end")).value_or(start);
  std::int64_t slot = row_int(*activity, "slot_minutes", act::kDefaultSlotMinutes);
  std::int64_t pause = row_int(*activity, "break_minutes", act::kDefaultBreakMinutes);
  auto times = act::slot_times(start, slot, pause, rotation.slots);
  if (!times.empty() && times.back().second > end)
    return Status(ErrorCode::conflict, "the rotation needs " + std::to_string(rotation.slots) + " slots of " +
                                           std::to_string(slot) + " min (+" + std::to_string(pause) +
                                           " min to change tables), ending " + format_rfc3339(times.back().second) +
                                           ", after the session's end " + format_rfc3339(end) +
                                           "; lengthen the session, shorten the slots or fewer selections");
  json::object tables;
  for (std::size_t i = 0; i < employers.size(); ++i) tables[employers[i]] = static_cast<std::int64_t>(i + 1);
  json::array meetings;
  for (const auto& m : rotation.meetings)
    meetings.push_back(json::object{{"slot", m.slot},
                                    {"start", format_rfc3339(times[m.slot].first)},
                                    {"end", format_rfc3339(times[m.slot].second)},
                                    {"employer_id", m.employer_id},
                                    {"candidate_id", m.candidate_id},
                                    {"table", tables.at(m.employer_id)}});

  auto previous = ctx.rows.get(ac::schedules, a.id);
  std::int64_t sequence = previous ? row_int(*previous, "sequence") + 1 : 0;
  std::set<std::string> people;
  for (const auto& m : rotation.meetings) people.insert(m.candidate_id), people.insert(m.employer_id);
  std::vector<std::string> agenda_ids;
  auto staff = staff_audience(*activity);
  for (const auto& person : people) {
    bool employer_side = std::find(employers.begin(), employers.end(), person) != employers.end();
    auto agenda = act::agenda_row(*activity, person, employer_side, rotation, times, names, tables);
    agenda["sequence"] = sequence;
    agenda["updated_at"] = format_rfc3339(ctx.now);
    std::string id = row_string(agenda, "id");
    auto readers = with_user(staff, person);
    if (!employer_side) readers = with_user(readers, coach_of[person]);
    ctx.rows.put(ac::agendas, id, agenda, readers);
    agenda_ids.push_back(id);
  }
  if (previous)
    for (const auto& old : row_strings(*previous, "agenda_ids"))
      if (std::find(agenda_ids.begin(), agenda_ids.end(), old) == agenda_ids.end()) ctx.rows.remove(ac::agendas, old);

  json::object schedule{{"id", a.id},
                        {"activity_id", a.id},
                        {"slots", rotation.slots},
                        {"slot_minutes", slot},
                        {"break_minutes", pause},
                        {"employer_ids", to_json_array(employers)},
                        {"names", names},
                        {"meetings", std::move(meetings)},
                        {"agenda_ids", to_json_array(agenda_ids)},
                        {"sequence", sequence},
                        {"built_by", ctx.actor.user_id},
                        {"built_at", format_rfc3339(ctx.now)}};
  ctx.rows.put(ac::schedules, a.id, schedule, staff);
  (*activity)["scheduled_at"] = format_rfc3339(ctx.now);
  (*activity)["schedule_stale"] = false;
  (*activity)["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ac::activities, a.id, *activity, ctx.rows.audience(ac::activities, a.id));
  return Status::Ok();
}

// ---------------------------------------------------------------- activity.attendance
struct AttendanceArgs {
  std::string activity_id, candidate_id;
  bool attended = false;
};

Result<AttendanceArgs> decode_attendance(JsonReader& in) {
  AttendanceArgs a;
  a.activity_id = uuid_field(in, "activity_id");
  if (in.ok()) a.candidate_id = uuid_field(in, "candidate_id");
  if (in.ok()) a.attended = in.boolean("attended");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_attendance(MutationContext& ctx, const AttendanceArgs& a) {
  auto activity = ctx.rows.get(ac::activities, a.activity_id);
  if (!activity) return ctx.authoritative ? Status(ErrorCode::not_found, "no such activity") : Status::Ok();
  if (!may_manage(ctx, *activity))
    return Status(ErrorCode::forbidden, "only the organizer or an admin records attendance");
  if (row_string(*activity, "status") == "cancelled") return Status(ErrorCode::conflict, "this activity was cancelled");
  auto start = parse_rfc3339(row_string(*activity, "start"));
  if (ctx.authoritative && start && ctx.now < *start - act::kAttendanceOpensBefore)
    return Status(ErrorCode::conflict, "attendance is recorded from one hour before the activity's start (" +
                                           row_string(*activity, "start") + ")");
  auto reg = ctx.rows.get(ac::registrations, act::registration_id(a.activity_id, a.candidate_id));
  if (!reg) return ctx.authoritative ? Status(ErrorCode::not_found, "this candidate is not registered to this activity")
                                     : Status::Ok();
  std::string status = row_string(*reg, "status");
  // A walk-in from the waiting list counts; a withdrawn registration is not a registration.
  if (status == "cancelled")
    return Status(ErrorCode::conflict, "this candidate's registration was cancelled: register her again first");
  if (auto* was = reg->if_contains("attended"); was && was->is_bool() && was->get_bool() == a.attended)
    return Status::Ok();  // recorded already (a second tap, a retried push): nothing changes
  (*reg)["attended"] = a.attended;
  (*reg)["attendance_by"] = ctx.actor.user_id;
  (*reg)["attendance_at"] = format_rfc3339(ctx.now);
  add_history(*reg, ctx, a.attended ? "attended" : "absent");
  put_registration(ctx, *activity, *reg);
  return Status::Ok();
}

}  // namespace

Mutator activity_create() { return make_mutator<CreateArgs>("activity.create", decode_create, apply_create); }
Mutator activity_cancel() { return make_mutator<CancelArgs>("activity.cancel", decode_cancel, apply_cancel); }
Mutator activity_register() { return make_mutator<RegisterArgs>("activity.register", decode_register, apply_register); }
Mutator activity_unregister() {
  return make_mutator<UnregisterArgs>("activity.unregister", decode_unregister, apply_unregister);
}
Mutator activity_schedule() { return make_mutator<ScheduleArgs>("activity.schedule", decode_schedule, apply_schedule); }
Mutator activity_attendance() {
  return make_mutator<AttendanceArgs>("activity.attendance", decode_attendance, apply_attendance);
}

}  // namespace passerelle::sync::mutators
