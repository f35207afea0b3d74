// The registry: every mutator the protocol knows, by name. A new mutator adds one line here.
#include "mutators/mutators.h"

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
  };
  return kAll;
}

const Mutator* find_mutator(std::string_view name) {
  for (const auto& m : all_mutators())
    if (m.name == name) return &m;
  return nullptr;
}

Status run_mutator(MutationContext& ctx, std::string_view name, const boost::json::object& args) {
  const Mutator* m = find_mutator(name);
  if (!m) return Status(ErrorCode::bad_request, "unknown mutator '" + std::string(name) + "'");
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
