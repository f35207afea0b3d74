// Mentor meetings (docs/mentoring.md, "Booking"):
//   meeting.request     book a one-hour slot of the mentor's availability (works offline)
//   meeting.reschedule  move it to another slot; same meeting id, SEQUENCE + 1
//   meeting.cancel      cancel it (its place in the mentorship's two is freed); SEQUENCE + 1
//   meeting.outcome     held / no-show of either side, with notes
// The server's run re-checks everything inside the push transaction, where ops are applied one
// after another: the slot is one of the mentor's, at least the minimum notice ahead, overlaps
// no meeting of the mentor nor of the candidate, and the mentorship holds at most two meetings
// that are not cancelled. A refused request names the reason and the next free slots.
#include "mutators/mentoring.h"
#include "passerelle/shared/mentors/availability.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;
using namespace mentoring;
namespace m = passerelle::mentors;

namespace mentoring {

void set_busy(MutationContext& ctx, const std::string& user_id, const std::string& meeting_id,
              std::optional<std::pair<Timestamp, Timestamp>> interval, const std::vector<std::string>& extra) {
  auto row = ctx.rows.get(mc::busy, user_id);
  auto busy = row ? m::busy_of(*row) : std::vector<m::Busy>{};
  busy.erase(std::remove_if(busy.begin(), busy.end(), [&](const m::Busy& b) { return b.meeting_id == meeting_id; }),
             busy.end());
  if (interval) busy.push_back(m::Busy{meeting_id, interval->first, interval->second});
  std::sort(busy.begin(), busy.end(), [](const m::Busy& a, const m::Busy& b) { return a.start < b.start; });
  auto audience = ctx.rows.audience(mc::busy, user_id);
  for (const auto& u : extra) audience = with_user(audience, u);
  ctx.rows.put(mc::busy, user_id, m::busy_row(user_id, busy), with_user(audience, user_id));
}

void cancel_meeting(MutationContext& ctx, json::object& mt, const std::string& reason) {
  std::string id = row_string(mt, "id");
  mt["status"] = "cancelled";
  mt["sequence"] = row_int(mt, "sequence") + 1;
  mt["cancelled_by"] = ctx.actor.user_id;
  mt["cancelled_at"] = format_rfc3339(ctx.now);
  if (!reason.empty()) mt["cancel_reason"] = reason;
  mt["updated_at"] = format_rfc3339(ctx.now);
  push_back(mt, "history", json::object{{"action", "cancelled"}, {"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)}});
  set_busy(ctx, row_string(mt, "mentor_id"), id, std::nullopt);
  set_busy(ctx, row_string(mt, "candidate_id"), id, std::nullopt);
  auto ms = ctx.rows.get(mc::mentorships, row_string(mt, "mentorship_id"));
  ctx.rows.put(mc::meetings, id, mt, ms ? mentorship_audience(*ms) : ctx.rows.audience(mc::meetings, id));
}

}  // namespace mentoring

namespace {

std::string candidate_zone(const json::object& ms) {
  auto* c = ms.if_contains("candidate");
  return c && c->is_object() ? row_string(c->get_object(), "time_zone") : std::string();
}

std::string slot_label(Timestamp t, const std::string& candidate_tz, const std::string& mentor_tz) {
  std::string s = format_rfc3339(t) + " (";
  if (!candidate_tz.empty()) s += m::local_label(t, candidate_tz) + ", ";
  return s + m::local_label(t, mentor_tz) + ")";
}

std::vector<m::Busy> busy_rows(MutationContext& ctx, const std::string& user) {
  auto row = ctx.rows.get(mc::busy, user);
  return row ? m::busy_of(*row) : std::vector<m::Busy>{};
}

// Checks that [start, start + 1 h) may be booked for `meeting_id` in mentorship `ms`. A device
// without the mentor's availability lets the server decide.
Status check_slot(MutationContext& ctx, const json::object& ms, const std::string& meeting_id, Timestamp start) {
  std::string mentor = row_string(ms, "mentor_id"), cand = row_string(ms, "candidate_id");
  auto avail_row = ctx.rows.get(mc::availability, mentor);
  if (!avail_row)
    return ctx.authoritative ? Status(ErrorCode::conflict, "the mentor has not published any availability yet") : Status::Ok();
  auto av = m::availability_from_json(json::value(*avail_row));
  if (!av) return Status(ErrorCode::internal, "the mentor's availability is damaged: " + av.error().message);
  auto mentor_busy = busy_rows(ctx, mentor), cand_busy = busy_rows(ctx, cand);
  Timestamp end = start + m::kSlotLength;
  Timestamp earliest = ctx.now + ctx.settings.meeting_min_notice;

  auto refuse = [&](const std::string& why) {
    std::vector<m::Busy> all;
    for (const auto& b : mentor_busy)
      if (b.meeting_id != meeting_id) all.push_back(b);
    for (const auto& b : cand_busy)
      if (b.meeting_id != meeting_id) all.push_back(b);
    std::string msg = why;
    auto next = m::free_slots(*av, all, std::max(earliest, ctx.now), 3);
    if (next.empty()) msg += "; the mentor has no free slot in the next six weeks";
    else {
      msg += "; next free slots: ";
      for (std::size_t i = 0; i < next.size(); ++i)
        msg += (i ? ", " : "") + slot_label(next[i].start, candidate_zone(ms), av->time_zone);
    }
    return Status(ErrorCode::conflict, msg);
  };

  if (!m::is_offered_slot(*av, start)) return refuse("that time is not one of the mentor's slots");
  if (ctx.authoritative && start < earliest)
    return refuse("a meeting is booked at least " + std::to_string(ctx.settings.meeting_min_notice.count() / 60) +
                  " h ahead");
  if (m::overlaps(mentor_busy, start, end, meeting_id)) return refuse("that slot is already taken");
  if (m::overlaps(cand_busy, start, end, meeting_id)) return refuse("the candidate already has a meeting at that time");
  return Status::Ok();
}

Timestamp start_field(JsonReader& in, std::string_view key, std::string& text) {
  text = in.string(key);
  auto t = in.ok() ? parse_rfc3339(text) : std::nullopt;
  if (in.ok() && !t) in.fail(key, "must be an RFC 3339 date-time, e.g. 2027-03-09T23:00:00Z");
  // Slots start on the minute: seconds would never match one.
  if (t && std::chrono::floor<std::chrono::minutes>(*t) != *t) in.fail(key, "must start on a whole minute");
  return t.value_or(Timestamp{});
}

// ---------------------------------------------------------------- meeting.request
struct RequestArgs {
  std::string id, mentorship_id, start_text;
  Timestamp start;
};

Result<RequestArgs> decode_request(JsonReader& in) {
  RequestArgs a;
  a.id = uuid_field(in, "id");
  a.mentorship_id = uuid_field(in, "mentorship_id");
  a.start = start_field(in, "start", a.start_text);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_request(MutationContext& ctx, const RequestArgs& a) {
  auto ms = ctx.rows.get(mc::mentorships, a.mentorship_id);
  if (!ms) return ctx.authoritative ? Status(ErrorCode::not_found, "no such mentorship") : Status::Ok();
  if (!is_party(ctx, *ms)) return Status(ErrorCode::forbidden, "only the candidate and the mentor book their meetings");
  if (row_string(*ms, "status") != "active")
    return Status(ErrorCode::conflict, "this mentorship is " + row_string(*ms, "status") + ", not active");
  if (ctx.rows.get(mc::meetings, a.id)) return Status(ErrorCode::conflict, "a meeting with that id already exists");
  int booked = 0;
  for (const auto& id : row_strings(*ms, "meeting_ids"))
    if (auto mt = ctx.rows.get(mc::meetings, id); mt && row_string(*mt, "status") != "cancelled") {
      // Held or upcoming meetings count; a no-show (either side) frees its place, like a cancellation.
      std::string outcome = row_string(*mt, "outcome");
      if (outcome.empty() || outcome == "held") ++booked;
    }
  if (booked >= 2)
    return Status(ErrorCode::conflict, "a mentorship has at most two meetings (held or upcoming); cancel one to book another");
  if (auto st = check_slot(ctx, *ms, a.id, a.start); !st) return st;

  std::string mentor = row_string(*ms, "mentor_id"), cand = row_string(*ms, "candidate_id");
  auto mentor_profile = ctx.rows.get(mc::mentor_profiles, mentor);
  std::string video = mentor_profile ? row_string(*mentor_profile, "video_url") : std::string();
  if (video.empty()) video = ctx.settings.video_base_url + a.id;
  std::string mentor_tz = row_string(*ms, "mentor_time_zone");
  if (auto av = ctx.rows.get(mc::availability, mentor)) mentor_tz = row_string(*av, "time_zone");
  auto* card = ms->if_contains("candidate");
  Timestamp end = a.start + m::kSlotLength;
  json::object mt{{"id", a.id},
                  {"mentorship_id", a.mentorship_id},
                  {"candidate_id", cand},
                  {"mentor_id", mentor},
                  {"coach_id", row_string(*ms, "coach_id")},
                  {"start", format_rfc3339(a.start)},
                  {"end", format_rfc3339(end)},
                  {"status", "scheduled"},
                  {"sequence", 0},
                  {"video_url", video},
                  {"candidate_name", card && card->is_object() ? row_string(card->get_object(), "name") : ""},
                  {"mentor_name", row_string(*ms, "mentor_name")},
                  {"candidate_time_zone", candidate_zone(*ms)},
                  {"mentor_time_zone", mentor_tz},
                  {"requested_by", ctx.actor.user_id},
                  {"created_at", format_rfc3339(ctx.now)},
                  {"updated_at", format_rfc3339(ctx.now)},
                  {"history", json::array{json::object{{"action", "requested"}, {"by", ctx.actor.user_id},
                                                       {"at", format_rfc3339(ctx.now)}, {"start", format_rfc3339(a.start)}}}},
                  {"notes", json::array()}};
  ctx.rows.put(mc::meetings, a.id, mt, mentorship_audience(*ms));
  (*ms)["meeting_ids"] = to_json_array(with_user(row_strings(*ms, "meeting_ids"), a.id));
  ctx.rows.put(mc::mentorships, a.mentorship_id, *ms, mentorship_audience(*ms));
  set_busy(ctx, mentor, a.id, std::pair{a.start, end}, mentor_audience(ctx, mentor));
  set_busy(ctx, cand, a.id, std::pair{a.start, end});
  return Status::Ok();
}

// Loads a meeting and its mentorship for a change by one of its two people, still scheduled
// and not yet started (server time decides "started").
struct Loaded {
  json::object meeting, mentorship;
};
Result<std::optional<Loaded>> load_for_change(MutationContext& ctx, const std::string& id, bool before_start) {
  auto mt = ctx.rows.get(mc::meetings, id);
  if (!mt) {
    if (ctx.authoritative) return Error{ErrorCode::not_found, "no such meeting"};
    return std::optional<Loaded>();
  }
  auto ms = ctx.rows.get(mc::mentorships, row_string(*mt, "mentorship_id"));
  if (!ms) {
    if (ctx.authoritative) return Error{ErrorCode::not_found, "the meeting's mentorship does not exist"};
    return std::optional<Loaded>();
  }
  if (!is_party(ctx, *ms) && !(before_start && is_coach_of(ctx, *ms)))
    return Error{ErrorCode::forbidden, "only the candidate and the mentor change their meetings"};
  if (row_string(*mt, "status") == "cancelled") return Error{ErrorCode::conflict, "this meeting is cancelled"};
  auto start = parse_rfc3339(row_string(*mt, "start"));
  if (before_start && ctx.authoritative && start && ctx.now >= *start)
    return Error{ErrorCode::conflict, "this meeting has already started"};
  if (!before_start && ctx.authoritative && start && ctx.now < *start)
    return Error{ErrorCode::conflict, "a meeting's outcome is recorded once it has started"};
  return std::optional<Loaded>(Loaded{std::move(*mt), std::move(*ms)});
}

// ---------------------------------------------------------------- meeting.reschedule
struct RescheduleArgs {
  std::string id, start_text;
  Timestamp start;
};

Result<RescheduleArgs> decode_reschedule(JsonReader& in) {
  RescheduleArgs a;
  a.id = uuid_field(in, "id");
  a.start = start_field(in, "start", a.start_text);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_reschedule(MutationContext& ctx, const RescheduleArgs& a) {
  auto loaded = load_for_change(ctx, a.id, true);
  if (!loaded) return loaded.error();
  if (!*loaded) return Status::Ok();
  auto& [mt, ms] = **loaded;
  if (!is_party(ctx, ms)) return Status(ErrorCode::forbidden, "only the candidate and the mentor reschedule their meetings");
  if (row_string(ms, "status") != "active")
    return Status(ErrorCode::conflict, "this mentorship is " + row_string(ms, "status") + ", not active");
  if (row_string(mt, "start") == format_rfc3339(a.start)) return Status::Ok();  // already there
  if (auto st = check_slot(ctx, ms, a.id, a.start); !st) return st;
  Timestamp end = a.start + m::kSlotLength;
  mt["start"] = format_rfc3339(a.start);
  mt["end"] = format_rfc3339(end);
  mt["sequence"] = row_int(mt, "sequence") + 1;
  mt["updated_at"] = format_rfc3339(ctx.now);
  push_back(mt, "history", json::object{{"action", "rescheduled"}, {"by", ctx.actor.user_id},
                                        {"at", format_rfc3339(ctx.now)}, {"start", format_rfc3339(a.start)}});
  ctx.rows.put(mc::meetings, a.id, mt, mentorship_audience(ms));
  set_busy(ctx, row_string(mt, "mentor_id"), a.id, std::pair{a.start, end}, mentor_audience(ctx, row_string(mt, "mentor_id")));
  set_busy(ctx, row_string(mt, "candidate_id"), a.id, std::pair{a.start, end});
  return Status::Ok();
}

// ---------------------------------------------------------------- meeting.cancel
struct CancelArgs {
  std::string id, reason;
};

Result<CancelArgs> decode_cancel(JsonReader& in) {
  CancelArgs a;
  a.id = uuid_field(in, "id");
  if (in.ok() && in.optional_value("reason")) a.reason = text_field(in, "reason", 2000);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_cancel(MutationContext& ctx, const CancelArgs& a) {
  if (auto mt = ctx.rows.get(mc::meetings, a.id); mt && row_string(*mt, "status") == "cancelled") {
    auto ms = ctx.rows.get(mc::mentorships, row_string(*mt, "mentorship_id"));
    if (ms && (is_party(ctx, *ms) || is_coach_of(ctx, *ms))) return Status::Ok();  // cancelled already: nothing changes
  }
  auto loaded = load_for_change(ctx, a.id, true);
  if (!loaded) return loaded.error();
  if (!*loaded) return Status::Ok();
  cancel_meeting(ctx, (*loaded)->meeting, a.reason);
  return Status::Ok();
}

// ---------------------------------------------------------------- meeting.outcome
struct OutcomeArgs {
  std::string id, outcome, notes;
};

Result<OutcomeArgs> decode_outcome(JsonReader& in) {
  OutcomeArgs a;
  a.id = uuid_field(in, "id");
  a.outcome = in.string("outcome");
  if (in.ok() && a.outcome != "held" && a.outcome != "no_show_candidate" && a.outcome != "no_show_mentor")
    in.fail("outcome", "must be held, no_show_candidate or no_show_mentor");
  if (in.ok() && in.optional_value("notes")) a.notes = text_field(in, "notes", 4000);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_outcome(MutationContext& ctx, const OutcomeArgs& a) {
  auto loaded = load_for_change(ctx, a.id, false);
  if (!loaded) return loaded.error();
  if (!*loaded) return Status::Ok();
  auto& [mt, ms] = **loaded;
  mt["outcome"] = a.outcome;
  mt["outcome_by"] = ctx.actor.user_id;
  mt["outcome_at"] = format_rfc3339(ctx.now);
  if (!a.notes.empty())
    push_back(mt, "notes", json::object{{"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)}, {"text", a.notes}});
  push_back(mt, "history", json::object{{"action", "outcome"}, {"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)},
                                        {"outcome", a.outcome}});
  mt["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(mc::meetings, a.id, mt, mentorship_audience(ms));
  return Status::Ok();
}

}  // namespace

Mutator meeting_request() { return make_mutator<RequestArgs>("meeting.request", decode_request, apply_request); }
Mutator meeting_reschedule() { return make_mutator<RescheduleArgs>("meeting.reschedule", decode_reschedule, apply_reschedule); }
Mutator meeting_cancel() { return make_mutator<CancelArgs>("meeting.cancel", decode_cancel, apply_cancel); }
Mutator meeting_outcome() { return make_mutator<OutcomeArgs>("meeting.outcome", decode_outcome, apply_outcome); }

}  // namespace passerelle::sync::mutators
