// caseload.assign: puts a candidate in a coach's caseload. It opens the coaching thread
// between them, lets the coach read the candidate's profile and the candidate read the
// coach's. A candidate has one coach at a time; reassigning removes the former coach's access
// to the profile (the former thread stays with its members as history).
#include "mutators/mutators.h"

#include "passerelle/shared/sync/collections.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;

namespace {

struct CaseloadAssignArgs {
  std::string candidate_id;
  std::string coach_id;
  std::string thread_id;  // made on the device so its optimistic thread keeps its id
};

Result<CaseloadAssignArgs> decode(JsonReader& in) {
  CaseloadAssignArgs a;
  a.candidate_id = uuid_field(in, "candidate_id");
  a.coach_id = uuid_field(in, "coach_id");
  a.thread_id = uuid_field(in, "thread_id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

bool has_role(const std::optional<json::object>& profile, Role role) {
  if (!profile) return false;
  auto it = profile->find("role");
  return it != profile->end() && it->value().is_string() &&
         protocol::parse_role(it->value().get_string()) == role;
}

Status apply(MutationContext& ctx, const CaseloadAssignArgs& a) {
  if (ctx.actor.role != Role::admin && !(ctx.actor.role == Role::coach && ctx.actor.user_id == a.coach_id))
    return Status(ErrorCode::forbidden, "only an admin, or the coach themself, can assign a candidate to a coach");

  auto candidate = ctx.rows.get(collection::profiles, a.candidate_id);
  auto coach = ctx.rows.get(collection::profiles, a.coach_id);
  if (ctx.authoritative) {
    if (!has_role(candidate, Role::candidate)) return Status(ErrorCode::not_found, "no candidate with that id");
    if (!has_role(coach, Role::coach)) return Status(ErrorCode::not_found, "no coach with that id");
  }
  if (ctx.rows.get(collection::threads, a.thread_id))
    return Status(ErrorCode::conflict, "a thread with that id already exists");

  std::string former_coach = candidate ? row_string(*candidate, "coach_id") : std::string();
  if (former_coach == a.coach_id) return Status::Ok();  // already in this caseload: nothing to do
  // Another coach's candidate answers like an unknown id: coaches cannot probe who exists
  // (docs/security.md). Only an admin reassigns.
  if (!former_coach.empty() && ctx.actor.role != Role::admin)
    return Status(ErrorCode::not_found, "no candidate with that id");

  if (candidate) {
    (*candidate)["coach_id"] = a.coach_id;
    (*candidate)["coach_thread_id"] = a.thread_id;
    auto audience = with_user(with_user(without_user(ctx.rows.audience(collection::profiles, a.candidate_id),
                                                     former_coach),
                                        a.candidate_id),
                              a.coach_id);
    ctx.rows.put(collection::profiles, a.candidate_id, *candidate, audience);
  }
  if (coach) {
    ctx.rows.put(collection::profiles, a.coach_id, *coach,
                 with_user(with_user(ctx.rows.audience(collection::profiles, a.coach_id), a.coach_id), a.candidate_id));
  }
  if (!former_coach.empty()) {
    if (auto former = ctx.rows.get(collection::profiles, former_coach))
      ctx.rows.put(collection::profiles, former_coach, *former,
                   without_user(ctx.rows.audience(collection::profiles, former_coach), a.candidate_id));
  }
  if (candidate) {
    auto plan_id = candidate->find("plan_id");
    if (plan_id != candidate->end() && plan_id->value().is_string())
      move_plan_to_coach(ctx, std::string(plan_id->value().get_string()), a.coach_id);
    move_career_to_coach(ctx, a.candidate_id, a.coach_id);
  }
  json::object thread{{"id", a.thread_id},
                      {"kind", "coaching"},
                      {"candidate_id", a.candidate_id},
                      {"coach_id", a.coach_id},
                      {"members", json::array{json::value(a.candidate_id), json::value(a.coach_id)}},
                      {"created_at", format_rfc3339(ctx.now)}};
  ctx.rows.put(collection::threads, a.thread_id, thread, {a.candidate_id, a.coach_id});
  return Status::Ok();
}

}  // namespace

Mutator caseload_assign() { return make_mutator<CaseloadAssignArgs>("caseload.assign", decode, apply); }

}  // namespace passerelle::sync::mutators
