// candidate.set_cohort: the candidate's coach or an admin puts a candidate in a cohort (a label
// such as "2027-Q1 Casablanca", kept in the profile's `cohort`); an empty label takes it away,
// and the candidate's cohort is then the year of their planned arrival (indicators/indicators.h).
// The program reports by cohort, so the label is staff's to set, never the candidate's
// (profile.update does not accept it).
#include "mutators/mutators.h"

#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;

namespace {

struct SetCohortArgs {
  std::string candidate_id;
  std::string cohort;  // "" removes the label
};

Result<SetCohortArgs> decode(JsonReader& in) {
  SetCohortArgs a;
  a.candidate_id = uuid_field(in, "candidate_id");
  std::string label = in.string("cohort");
  if (in.ok()) {
    a.cohort = std::string(trim(label));
    if (!a.cohort.empty() && !indicators::is_cohort_label(a.cohort))
      in.fail("cohort", "must be a label of at most " + std::to_string(indicators::kMaxCohortBytes) +
                            " bytes of UTF-8 text without control characters (or empty to remove it)");
  }
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply(MutationContext& ctx, const SetCohortArgs& a) {
  if (ctx.actor.role != Role::coach && ctx.actor.role != Role::admin)
    return Status(ErrorCode::forbidden, "only the candidate's coach or an admin sets a cohort");
  auto candidate = ctx.rows.get(collection::profiles, a.candidate_id);
  if (!candidate) return ctx.authoritative ? Status(ErrorCode::not_found, "no candidate with that id") : Status::Ok();
  if (row_string(*candidate, "role") != "candidate") return Status(ErrorCode::not_found, "no candidate with that id");
  if (ctx.actor.role == Role::coach && row_string(*candidate, "coach_id") != ctx.actor.user_id)
    return Status(ErrorCode::forbidden, "this candidate is not in your caseload");
  if (a.cohort.empty()) candidate->erase("cohort");
  else (*candidate)["cohort"] = a.cohort;
  (*candidate)["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(collection::profiles, a.candidate_id, *candidate, ctx.rows.audience(collection::profiles, a.candidate_id));
  return Status::Ok();
}

}  // namespace

Mutator candidate_set_cohort() { return make_mutator<SetCohortArgs>("candidate.set_cohort", decode, apply); }

}  // namespace passerelle::sync::mutators
