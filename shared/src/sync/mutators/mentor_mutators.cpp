// Mentoring profiles, availability and the mentorship itself (docs/mentoring.md):
//   career.update        a candidate's career profile (occupation, languages, stage...)
//   mentor.update        a mentor's profile (occupation, employer, capacity, video link...)
//   availability.set     a mentor's weekly windows, one-off additions and blocked dates
//   mentorship.propose   a coach proposes a mentor to a candidate (hard filters re-checked)
//   mentorship.respond   the mentor accepts (opening the mentorship thread) or declines with a reason
//   mentorship.complete  two held meetings and three referrals, or the coach closes it with a reason
#include "mutators/mentoring.h"
#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/mentors/matching.h"
#include "passerelle/shared/text.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;
using namespace mentoring;
namespace m = passerelle::mentors;

namespace {

void copy_text(JsonReader& in, json::object& out, std::string_view key, std::size_t max_bytes) {
  auto v = in.optional_string(key);
  if (!v || !in.ok()) return;
  if (!is_valid_utf8(*v)) return in.fail(key, "must be valid UTF-8");
  std::string t(trim(*v));
  if (t.size() > max_bytes) return in.fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
  out[key] = t;
}

void copy_noc(JsonReader& in, json::object& out) {
  auto v = in.optional_string("occupation_code");
  if (!v || !in.ok()) return;
  if (!m::is_noc_code(*v)) return in.fail("occupation_code", "must be a NOC 2021 code of five digits, e.g. \"21231\"");
  out["occupation_code"] = *v;
}

void copy_languages(JsonReader& in, json::object& out) {
  if (!in.ok() || !in.optional_value("languages")) return;
  auto langs = m::languages_field(in, "languages");
  if (in.ok()) out["languages"] = m::to_json(langs);
}

void copy_zone(JsonReader& in, json::object& out) {
  auto z = in.optional_string("time_zone");
  if (!z || !in.ok()) return;
  if (!is_valid_time_zone(*z)) return in.fail("time_zone", "must be an IANA time zone such as \"America/Toronto\"");
  out["time_zone"] = *z;
}

// ---------------------------------------------------------------- career.update
struct ProfileArgs {
  json::object fields;
};

Result<ProfileArgs> decode_career(JsonReader& in) {
  ProfileArgs a;
  copy_noc(in, a.fields);
  copy_text(in, a.fields, "profession", 100);
  copy_text(in, a.fields, "target_region", 100);
  copy_languages(in, a.fields);
  copy_zone(in, a.fields);
  if (auto y = in.optional_integer("years_experience"); y && in.ok()) {
    if (*y < 0 || *y > 60) in.fail("years_experience", "must be between 0 and 60");
    a.fields["years_experience"] = *y;
  }
  if (auto c = in.optional_string("country"); c && in.ok()) {
    if (c->size() != 2 || !std::isupper(static_cast<unsigned char>((*c)[0])) || !std::isupper(static_cast<unsigned char>((*c)[1])))
      in.fail("country", "must be an ISO 3166 alpha-2 code such as \"MA\"");
    a.fields["country"] = *c;
  }
  if (auto s = in.optional_string("immigration_stage"); s && in.ok()) {
    if (!m::is_immigration_stage(*s)) in.fail("immigration_stage", "is not a known stage (see docs/mentoring.md)");
    a.fields["immigration_stage"] = *s;
  }
  if (auto d = in.optional_string("planned_arrival"); d && in.ok()) {
    if (!parse_date(*d)) in.fail("planned_arrival", "must be a date YYYY-MM-DD");
    a.fields["planned_arrival"] = *d;
  }
  if (in.ok() && in.optional_value("organizations")) {
    const json::array& orgs = in.array("organizations");
    json::array out;
    if (in.ok() && orgs.size() > 20) in.fail("organizations", "holds more than 20 names");
    for (std::size_t i = 0; in.ok() && i < orgs.size(); ++i) {
      if (!orgs[i].is_string() || !is_valid_utf8(orgs[i].get_string()) || trim(orgs[i].get_string()).empty() ||
          orgs[i].get_string().size() > 100)
        in.fail("organizations[" + std::to_string(i) + "]", "must be a name of 1 to 100 bytes");
      else out.emplace_back(trim(orgs[i].get_string()));
    }
    if (in.ok()) a.fields["organizations"] = std::move(out);
  }
  if (auto st = in.status(); !st) return st.error();
  if (a.fields.empty()) return Error{ErrorCode::bad_request, "career.update needs at least one field to change"};
  return a;
}

Status apply_career(MutationContext& ctx, const ProfileArgs& a) {
  if (ctx.actor.role != Role::candidate) return Status(ErrorCode::forbidden, "only a candidate has a career profile");
  auto row = ctx.rows.get(mc::career_profiles, ctx.actor.user_id)
                 .value_or(json::object{{"id", ctx.actor.user_id}, {"created_at", format_rfc3339(ctx.now)}});
  for (const auto& kv : a.fields) row[kv.key()] = kv.value();
  std::string coach;
  if (auto p = ctx.rows.get(collection::profiles, ctx.actor.user_id)) {
    row["name"] = row_string(*p, "name");
    coach = row_string(*p, "coach_id");
  }
  row["updated_at"] = format_rfc3339(ctx.now);
  // Their coach matches them to mentors; mentors never read this row (immigration details).
  ctx.rows.put(mc::career_profiles, ctx.actor.user_id, row, m::career_audience(ctx.actor.user_id, coach));
  refresh_candidate_card(ctx, ctx.actor.user_id);  // what employers read follows what she updates
  return Status::Ok();
}

// ---------------------------------------------------------------- mentor.update
Result<ProfileArgs> decode_mentor(JsonReader& in) {
  ProfileArgs a;
  copy_noc(in, a.fields);
  copy_text(in, a.fields, "profession", 100);
  copy_text(in, a.fields, "employer", 100);
  copy_text(in, a.fields, "sector", 100);
  copy_text(in, a.fields, "city", 100);
  copy_text(in, a.fields, "bio", 2000);
  copy_languages(in, a.fields);
  copy_zone(in, a.fields);
  if (auto c = in.optional_integer("capacity"); c && in.ok()) {
    if (*c < 0 || *c > 20) in.fail("capacity", "must be between 0 and 20 mentorships at once");
    a.fields["capacity"] = *c;
  }
  if (auto u = in.optional_string("video_url"); u && in.ok()) {
    if (!u->empty() && (u->rfind("https://", 0) != 0 || u->size() > 500 ||
                        u->find_first_of(" \t\r\n\"<>") != std::string::npos))
      in.fail("video_url", "must be an https:// link of at most 500 bytes (or empty to use the program's)");
    a.fields["video_url"] = *u;
  }
  if (auto st = in.status(); !st) return st.error();
  if (a.fields.empty()) return Error{ErrorCode::bad_request, "mentor.update needs at least one field to change"};
  return a;
}

Status apply_mentor(MutationContext& ctx, const ProfileArgs& a) {
  if (ctx.actor.role != Role::mentor) return Status(ErrorCode::forbidden, "only a mentor has a mentor profile");
  auto row = ctx.rows.get(mc::mentor_profiles, ctx.actor.user_id)
                 .value_or(json::object{{"id", ctx.actor.user_id},
                                        {"capacity", 1},
                                        {"active_mentorship_ids", json::array()},
                                        {"created_at", format_rfc3339(ctx.now)}});
  for (const auto& kv : a.fields) row[kv.key()] = kv.value();
  if (auto p = ctx.rows.get(collection::profiles, ctx.actor.user_id)) row["name"] = row_string(*p, "name");
  row["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(mc::mentor_profiles, ctx.actor.user_id, row, mentor_audience(ctx, ctx.actor.user_id));
  return Status::Ok();
}

// ---------------------------------------------------------------- availability.set
struct AvailabilityArgs {
  m::Availability availability;
};

Result<AvailabilityArgs> decode_availability(JsonReader& in) {
  const json::value* v = in.optional_value("availability");
  if (!v) {
    in.fail("availability", "is missing");
    return in.status().error();
  }
  auto a = m::availability_from_json(*v);
  if (!a) return Error{ErrorCode::bad_request, "in args.availability: " + a.error().message};
  return AvailabilityArgs{std::move(*a)};
}

Status apply_availability(MutationContext& ctx, const AvailabilityArgs& a) {
  if (ctx.actor.role != Role::mentor) return Status(ErrorCode::forbidden, "only a mentor publishes availability");
  json::object row = m::to_json(a.availability);
  row["id"] = ctx.actor.user_id;
  row["mentor_id"] = ctx.actor.user_id;
  row["updated_at"] = format_rfc3339(ctx.now);
  // Meetings already booked stay booked: availability decides new bookings only.
  ctx.rows.put(mc::availability, ctx.actor.user_id, row, mentor_audience(ctx, ctx.actor.user_id));
  return Status::Ok();
}

// ---------------------------------------------------------------- mentorship.propose
struct ProposeArgs {
  std::string id, candidate_id, mentor_id;
};

Result<ProposeArgs> decode_propose(JsonReader& in) {
  ProposeArgs a;
  a.id = uuid_field(in, "id");
  a.candidate_id = uuid_field(in, "candidate_id");
  a.mentor_id = uuid_field(in, "mentor_id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

bool is_open_status(std::string_view s) { return s == "proposed" || s == "active"; }

Status apply_propose(MutationContext& ctx, const ProposeArgs& a) {
  if (ctx.actor.role != Role::coach && ctx.actor.role != Role::admin)
    return Status(ErrorCode::forbidden, "only a coach proposes a mentorship");
  if (ctx.rows.get(mc::mentorships, a.id)) return Status(ErrorCode::conflict, "a mentorship with that id already exists");
  auto person = ctx.rows.get(collection::profiles, a.candidate_id);
  auto career = ctx.rows.get(mc::career_profiles, a.candidate_id);
  auto mentor = ctx.rows.get(mc::mentor_profiles, a.mentor_id);
  if (!person || !mentor) {
    if (ctx.authoritative) return Status(ErrorCode::not_found, !person ? "no candidate with that id" : "no mentor with that id");
    return Status::Ok();  // this device does not hold them: the server decides
  }
  if (row_string(*person, "role") != "candidate") return Status(ErrorCode::not_found, "no candidate with that id");
  std::string coach = row_string(*person, "coach_id");
  if (ctx.actor.role == Role::coach && coach != ctx.actor.user_id)
    return Status(ErrorCode::forbidden, "this candidate is not in your caseload");
  if (!career) return Status(ErrorCode::conflict, "the candidate has no career profile yet (career.update)");
  // The hard filters of matching, re-checked here: the server's run is the one that counts.
  if (auto open = row_string(*career, "mentorship_id"); !open.empty()) {
    auto ms = ctx.rows.get(mc::mentorships, open);
    if (ms && is_open_status(row_string(*ms, "status")))
      return Status(ErrorCode::conflict, "the candidate already has a mentorship (" + open + ")");
  }
  auto history = row_strings(*career, "mentor_history");
  if (std::find(history.begin(), history.end(), a.mentor_id) != history.end())
    return Status(ErrorCode::conflict, "this mentor was already proposed to this candidate");
  if (m::capacity_left(*mentor) <= 0) return Status(ErrorCode::conflict, "this mentor has no capacity left");
  auto shared = m::shared_working_languages(m::languages_of(*career), m::languages_of(*mentor));
  if (shared.empty()) return Status(ErrorCode::conflict, "the candidate and the mentor share no working language (B2 or above)");

  // What the mentor needs for the meetings, and nothing of the immigration file.
  json::object card{{"name", row_string(*person, "name")}, {"languages", career->contains("languages") ? career->at("languages") : json::array()}};
  for (std::string_view k : {"profession", "occupation_code", "time_zone", "target_region"})
    if (auto v = row_string(*career, k); !v.empty()) card[k] = v;
  if (auto* y = career->if_contains("years_experience")) card["years_experience"] = *y;
  if (!card.contains("time_zone") && !row_string(*person, "time_zone").empty()) card["time_zone"] = row_string(*person, "time_zone");
  card["locale"] = row_string(*person, "locale");

  json::object ms{{"id", a.id},
                  {"candidate_id", a.candidate_id},
                  {"mentor_id", a.mentor_id},
                  {"coach_id", coach.empty() ? ctx.actor.user_id : coach},
                  {"status", "proposed"},
                  {"candidate", std::move(card)},
                  {"mentor_name", row_string(*mentor, "name")},
                  {"mentor_time_zone", row_string(*mentor, "time_zone")},
                  {"shared_languages", to_json_array(shared)},
                  {"meeting_ids", json::array()},
                  {"referral_ids", json::array()},
                  {"proposed_by", ctx.actor.user_id},
                  {"proposed_at", format_rfc3339(ctx.now)}};
  ctx.rows.put(mc::mentorships, a.id, ms, mentorship_audience(ms));

  (*mentor)["active_mentorship_ids"] = to_json_array(with_user(row_strings(*mentor, "active_mentorship_ids"), a.id));
  ctx.rows.put(mc::mentor_profiles, a.mentor_id, *mentor, mentor_audience(ctx, a.mentor_id));
  (*career)["mentorship_id"] = a.id;
  (*career)["mentor_history"] = to_json_array(with_user(history, a.mentor_id));
  ctx.rows.put(mc::career_profiles, a.candidate_id, *career, m::career_audience(a.candidate_id, coach));
  return Status::Ok();
}

// Ends a mentorship's hold on the mentor's capacity and the candidate's "current mentorship".
void release(MutationContext& ctx, const json::object& ms) {
  std::string id = row_string(ms, "id"), mentor_id = row_string(ms, "mentor_id"), cand = row_string(ms, "candidate_id");
  if (auto mentor = ctx.rows.get(mc::mentor_profiles, mentor_id)) {
    (*mentor)["active_mentorship_ids"] = to_json_array(without_user(row_strings(*mentor, "active_mentorship_ids"), id));
    ctx.rows.put(mc::mentor_profiles, mentor_id, *mentor, mentor_audience(ctx, mentor_id));
  }
  if (auto career = ctx.rows.get(mc::career_profiles, cand); career && row_string(*career, "mentorship_id") == id) {
    career->erase("mentorship_id");
    auto person = ctx.rows.get(collection::profiles, cand);  // their coach now, not at the proposal
    ctx.rows.put(mc::career_profiles, cand, *career, m::career_audience(cand, person ? row_string(*person, "coach_id") : ""));
  }
}

// ---------------------------------------------------------------- mentorship.respond
struct RespondArgs {
  std::string id;
  bool accept = false;
  std::string reason, thread_id;
};

Result<RespondArgs> decode_respond(JsonReader& in) {
  RespondArgs a;
  a.id = uuid_field(in, "id");
  a.accept = in.boolean("accept");
  if (in.ok() && a.accept) a.thread_id = uuid_field(in, "thread_id");  // device-made: the optimistic thread keeps its id
  if (in.ok() && !a.accept) a.reason = text_field(in, "reason", 2000);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_respond(MutationContext& ctx, const RespondArgs& a) {
  auto ms = ctx.rows.get(mc::mentorships, a.id);
  if (!ms) return ctx.authoritative ? Status(ErrorCode::not_found, "no such mentorship") : Status::Ok();
  if (ctx.actor.user_id != row_string(*ms, "mentor_id"))
    return Status(ErrorCode::forbidden, "only the proposed mentor answers a proposal");
  if (row_string(*ms, "status") != "proposed")
    return Status(ErrorCode::conflict, "this mentorship is " + row_string(*ms, "status") + ", not proposed");
  std::string cand = row_string(*ms, "candidate_id"), mentor = row_string(*ms, "mentor_id");
  if (a.accept) {
    if (ctx.rows.get(collection::threads, a.thread_id)) return Status(ErrorCode::conflict, "a thread with that id already exists");
    (*ms)["status"] = "active";
    (*ms)["accepted_at"] = format_rfc3339(ctx.now);
    (*ms)["thread_id"] = a.thread_id;
    json::object thread{{"id", a.thread_id},
                        {"kind", "mentorship"},
                        {"candidate_id", cand},
                        {"mentor_id", mentor},
                        {"coach_id", row_string(*ms, "coach_id")},
                        {"mentorship_id", a.id},
                        {"members", json::array{json::value(cand), json::value(mentor)}},
                        {"created_at", format_rfc3339(ctx.now)}};
    // Members write; the coach reads (message.send writes to the thread's audience).
    std::vector<std::string> audience{cand, mentor};
    audience = with_user(audience, row_string(*ms, "coach_id"));
    ctx.rows.put(collection::threads, a.thread_id, thread, audience);
    set_mentee_access(ctx, mentor, cand, true);
  } else {
    (*ms)["status"] = "declined";
    (*ms)["declined_at"] = format_rfc3339(ctx.now);
    (*ms)["decline_reason"] = a.reason;
    release(ctx, *ms);
  }
  ctx.rows.put(mc::mentorships, a.id, *ms, mentorship_audience(*ms));
  return Status::Ok();
}

// ---------------------------------------------------------------- mentorship.complete
struct CompleteArgs {
  std::string id;
  std::optional<std::string> reason;
};

Result<CompleteArgs> decode_complete(JsonReader& in) {
  CompleteArgs a;
  a.id = uuid_field(in, "id");
  if (in.ok() && in.optional_value("reason")) a.reason = text_field(in, "reason", 2000);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_complete(MutationContext& ctx, const CompleteArgs& a) {
  auto ms = ctx.rows.get(mc::mentorships, a.id);
  if (!ms) return ctx.authoritative ? Status(ErrorCode::not_found, "no such mentorship") : Status::Ok();
  bool coach = is_coach_of(ctx, *ms);
  if (!coach && ctx.actor.user_id != row_string(*ms, "mentor_id"))
    return Status(ErrorCode::forbidden, "only the mentor or the coach completes a mentorship");
  std::string status = row_string(*ms, "status");
  if (!is_open_status(status)) return Status(ErrorCode::conflict, "this mentorship is already " + status);

  std::vector<json::object> meetings;
  int held = 0;
  for (const auto& id : row_strings(*ms, "meeting_ids"))
    if (auto mt = ctx.rows.get(mc::meetings, id)) {
      if (row_string(*mt, "status") == "scheduled" && row_string(*mt, "outcome") == "held") ++held;
      meetings.push_back(std::move(*mt));
    }
  int referred = 0;
  for (const auto& id : row_strings(*ms, "referral_ids"))
    if (auto r = ctx.rows.get(mc::referrals, id)) {
      std::string st = row_string(*r, "status");
      if (row_string(*r, "parent_id").empty() && (st == "introduced" || st == "met")) ++referred;
    }

  if (!a.reason) {
    if (status != "active") return Status(ErrorCode::conflict, "only an active mentorship can be completed");
    if (held < 2 || referred < 3)
      return Status(ErrorCode::conflict, "a mentorship is completed after two held meetings and three referrals (" +
                                             std::to_string(held) + " held, " + std::to_string(referred) +
                                             " introduced or met); the coach may close it with a written reason");
    (*ms)["status"] = "completed";
    (*ms)["completed_at"] = format_rfc3339(ctx.now);
  } else {
    if (!coach) return Status(ErrorCode::forbidden, "only the coach closes a mentorship early, with a reason");
    (*ms)["status"] = "closed";
    (*ms)["closed_at"] = format_rfc3339(ctx.now);
    (*ms)["close_reason"] = *a.reason;
    // Meetings still to come are cancelled with it (their calendars get the cancellation).
    for (auto& mt : meetings)
      if (row_string(mt, "status") == "scheduled" && row_string(mt, "outcome").empty())
        cancel_meeting(ctx, mt, "mentorship closed: " + *a.reason);
  }
  (*ms)["closed_by"] = ctx.actor.user_id;
  release(ctx, *ms);
  set_mentee_access(ctx, row_string(*ms, "mentor_id"), row_string(*ms, "candidate_id"), false);
  ctx.rows.put(mc::mentorships, a.id, *ms, mentorship_audience(*ms));
  return Status::Ok();
}

}  // namespace

void move_career_to_coach(MutationContext& ctx, const std::string& candidate_id, const std::string& coach_id) {
  if (auto career = ctx.rows.get(mc::career_profiles, candidate_id))
    ctx.rows.put(mc::career_profiles, candidate_id, *career, m::career_audience(candidate_id, coach_id));
}

Mutator career_update() { return make_mutator<ProfileArgs>("career.update", decode_career, apply_career); }
Mutator mentor_update() { return make_mutator<ProfileArgs>("mentor.update", decode_mentor, apply_mentor); }
Mutator availability_set() { return make_mutator<AvailabilityArgs>("availability.set", decode_availability, apply_availability); }
Mutator mentorship_propose() { return make_mutator<ProposeArgs>("mentorship.propose", decode_propose, apply_propose); }
Mutator mentorship_respond() { return make_mutator<RespondArgs>("mentorship.respond", decode_respond, apply_respond); }
Mutator mentorship_complete() { return make_mutator<CompleteArgs>("mentorship.complete", decode_complete, apply_complete); }

}  // namespace passerelle::sync::mutators
