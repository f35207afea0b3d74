// The registry: every mutator the protocol knows, by name. A new mutator adds one line here.
#include "mutators/mutators.h"

#include "passerelle/shared/employers/employers.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::sync {

const std::vector<Mutator>& all_mutators() {
  static const std::vector<Mutator> kAll = {
      mutators::profile_update(),
      mutators::caseload_assign(),
      mutators::message_send(),
      mutators::message_delete(),
      mutators::receipt_update(),
      mutators::template_put(),
      mutators::plan_create(),
      mutators::step_add(),
      mutators::step_remove(),
      mutators::step_move(),
      mutators::step_reschedule(),
      mutators::step_rename(),
      mutators::step_set_status(),
      mutators::step_note(),
      mutators::step_comment(),
      mutators::step_attach(),
      mutators::plan_share(),
      // Mentoring (docs/mentoring.md)
      mutators::career_update(),
      mutators::mentor_update(),
      mutators::availability_set(),
      mutators::mentorship_propose(),
      mutators::mentorship_respond(),
      mutators::mentorship_complete(),
      mutators::meeting_request(),
      mutators::meeting_reschedule(),
      mutators::meeting_cancel(),
      mutators::meeting_outcome(),
      mutators::referral_add(),
      mutators::referral_update(),
      mutators::calendar_feed_set(),
      mutators::calendar_feed_revoke(),
      // Employment outcomes (docs/dashboard.md)
      mutators::outcome_record(),
      mutators::candidate_set_cohort(),
      // Employers (docs/employers.md)
      mutators::employer_update(),
      mutators::employer_confirm_conditions(),
      mutators::need_create(),
      mutators::need_close(),
      mutators::consent_give(),
      mutators::consent_withdraw(),
      mutators::proposal_create(),
      mutators::proposal_respond(),
      mutators::internship_create(),
      mutators::internship_extend(),
      mutators::internship_outcome(),
      // Program activities (docs/activities.md)
      mutators::activity_create(),
      mutators::activity_cancel(),
      mutators::activity_register(),
      mutators::activity_unregister(),
      mutators::activity_schedule(),
      mutators::activity_attendance(),
  };
  return kAll;
}

const Mutator* find_mutator(std::string_view name) {
  for (const auto& m : all_mutators())
    if (m.name == name) return &m;
  return nullptr;
}

namespace {

// "Not yours" answers like "does not exist" (docs/security.md): a mutator that names an object
// (its subject) gets the same not_found, word for word, whether the object is missing or the
// actor may not read it, so that ids cannot be probed. Admins read every row (program staff);
// everyone else reads a row when its audience names them or their role. The mutator's own
// checks run after this one (role rules, states), on objects the actor can see anyway.
// caseload.assign is not here: a coach may take an unassigned candidate they cannot read yet
// (the mutator itself hides candidates of other coaches).
struct Subject {
  std::string_view mutator, collection, arg, missing;
};
constexpr Subject kSubjects[] = {
    {"message.send", collection::threads, "thread_id", "no such thread"},
    {"message.delete", collection::messages, "id", "no such message"},
    {"receipt.update", collection::threads, "thread_id", "no such thread"},
    {"plan.create", collection::profiles, "candidate_id", "no candidate with that id"},
    {"step.add", collection::plans, "plan_id", "no such plan"},
    {"step.remove", collection::plan_steps, "id", "no such step"},
    {"step.move", collection::plan_steps, "id", "no such step"},
    {"step.reschedule", collection::plan_steps, "id", "no such step"},
    {"step.rename", collection::plan_steps, "id", "no such step"},
    {"step.set_status", collection::plan_steps, "id", "no such step"},
    {"step.note", collection::plan_steps, "id", "no such step"},
    {"step.comment", collection::plan_steps, "id", "no such step"},
    {"step.attach", collection::plan_steps, "id", "no such step"},
    {"plan.share", collection::plans, "plan_id", "no such plan"},
    {"mentorship.propose", collection::profiles, "candidate_id", "no candidate with that id"},
    {"mentorship.respond", mentors::collection::mentorships, "id", "no such mentorship"},
    {"mentorship.complete", mentors::collection::mentorships, "id", "no such mentorship"},
    {"meeting.request", mentors::collection::mentorships, "mentorship_id", "no such mentorship"},
    {"meeting.reschedule", mentors::collection::meetings, "id", "no such meeting"},
    {"meeting.cancel", mentors::collection::meetings, "id", "no such meeting"},
    {"meeting.outcome", mentors::collection::meetings, "id", "no such meeting"},
    {"referral.add", mentors::collection::mentorships, "mentorship_id", "no such mentorship"},
    {"referral.update", mentors::collection::referrals, "id", "no such referral"},
    {"outcome.record", collection::profiles, "candidate_id", "no candidate with that id"},
    {"candidate.set_cohort", collection::profiles, "candidate_id", "no candidate with that id"},
    // Employers (docs/employers.md)
    {"employer.confirm_conditions", employers::collection::employer_profiles, "employer_id", "no employer with that id"},
    {"need.create", employers::collection::employer_profiles, "employer_id", "no employer with that id"},
    {"need.close", employers::collection::employer_needs, "id", "no such need"},
    {"proposal.create", employers::collection::employer_needs, "need_id", "no such need"},
    {"proposal.respond", employers::collection::proposals, "id", "no such proposal"},
    {"internship.create", employers::collection::candidate_cards, "candidate_id", "no consenting candidate with that id"},
    {"internship.extend", employers::collection::internships, "id", "no such internship"},
    {"internship.outcome", employers::collection::internships, "id", "no such internship"},
    // Program activities
    {"activity.cancel", activities::collection::activities, "id", "no such activity"},
    {"activity.register", activities::collection::activities, "activity_id", "no such activity"},
    {"activity.unregister", activities::collection::activities, "activity_id", "no such activity"},
    {"activity.schedule", activities::collection::activities, "id", "no such activity"},
    {"activity.attendance", activities::collection::activities, "activity_id", "no such activity"},
};

bool may_read(MutationContext& ctx, std::string_view collection, std::string_view id) {
  if (ctx.actor.role == protocol::Role::admin) return true;
  std::string group = role_audience(ctx.actor.role);
  for (const auto& reader : ctx.rows.audience(collection, id))
    if (reader == ctx.actor.user_id || reader == group) return true;
  return false;
}

// The answer for a subject the actor cannot see, or nullopt to let the mutator decide.
std::optional<Status> hidden_subject(MutationContext& ctx, std::string_view name, const boost::json::object& args) {
  if (!ctx.authoritative) return std::nullopt;  // a device holds only what it may read
  for (const auto& s : kSubjects) {
    if (s.mutator != name) continue;
    auto* v = args.if_contains(s.arg);
    if (!v || !v->is_string()) return std::nullopt;  // the mutator's decoding names the field
    std::string_view id = v->get_string();
    if (!ctx.rows.get(s.collection, id) || !may_read(ctx, s.collection, id))
      return Status(ErrorCode::not_found, std::string(s.missing));
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

Status run_mutator(MutationContext& ctx, std::string_view name, const boost::json::object& args) {
  const Mutator* m = find_mutator(name);
  if (!m) return Status(ErrorCode::bad_request, "unknown mutator '" + std::string(name) + "'");
  if (auto hidden = hidden_subject(ctx, name, args)) return *hidden;
  return m->apply(ctx, args);
}

std::string role_audience(protocol::Role role) { return "role:" + std::string(protocol::to_string(role)); }

boost::json::object new_profile_row(const protocol::UserInfo& user, Timestamp now) {
  return boost::json::object{{"id", user.id},
                             {"role", protocol::to_string(user.role)},
                             {"name", user.name},
                             {"locale", protocol::to_string(user.locale)},
                             {"created_at", format_rfc3339(now)},
                             {"updated_at", format_rfc3339(now)}};
}

}  // namespace passerelle::sync
