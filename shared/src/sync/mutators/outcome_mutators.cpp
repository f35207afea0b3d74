// outcome.record: an employment outcome of a candidate after arrival (docs/dashboard.md), the
// records the program's employment indicators at 3, 6 and 12 months are computed from
// (indicators/indicators.h). Records are never edited: a newer one (by date) supersedes.
#include "mutators/mutators.h"

#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;

namespace {

struct OutcomeArgs {
  std::string id, candidate_id, status, date;
  std::optional<std::string> sector;
};

Result<OutcomeArgs> decode(JsonReader& in) {
  OutcomeArgs a;
  a.id = uuid_field(in, "id");
  a.candidate_id = uuid_field(in, "candidate_id");
  a.status = in.string("status");
  if (in.ok() && !indicators::is_outcome_status(a.status))
    in.fail("status", "must be one of employed_in_field, employed_out_of_field, studying, searching");
  a.date = in.string("date");
  if (in.ok() && !parse_date(a.date)) in.fail("date", "must be a date YYYY-MM-DD");
  if (in.optional_value("sector")) a.sector = text_field(in, "sector", 200);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply(MutationContext& ctx, const OutcomeArgs& a) {
  const std::string collection(indicators::kOutcomesCollection);
  auto candidate = ctx.rows.get(collection::profiles, a.candidate_id);
  std::string coach_id = candidate ? row_string(*candidate, "coach_id") : std::string();
  bool allowed = ctx.actor.role == Role::admin ||
                 (ctx.actor.role == Role::candidate && ctx.actor.user_id == a.candidate_id) ||
                 (ctx.actor.role == Role::coach && (!ctx.authoritative && !candidate ? true : coach_id == ctx.actor.user_id));
  if (!allowed) return Status(ErrorCode::forbidden, "only the candidate, their coach or an admin records an outcome");
  if (ctx.authoritative && (!candidate || row_string(*candidate, "role") != "candidate"))
    return Status(ErrorCode::not_found, "no candidate with that id");
  if (ctx.rows.get(collection, a.id)) return Status(ErrorCode::conflict, "an outcome with that id already exists");
  json::object row{{"id", a.id},
                   {"candidate_id", a.candidate_id},
                   {"status", a.status},
                   {"date", a.date},
                   {"recorded_by", ctx.actor.user_id},
                   {"recorded_at", format_rfc3339(ctx.now)}};
  if (a.sector) row["sector"] = *a.sector;
  std::vector<std::string> audience = with_user({a.candidate_id}, coach_id);
  audience = with_user(audience, role_audience(Role::admin));
  ctx.rows.put(collection, a.id, row, audience);
  return Status::Ok();
}

}  // namespace

Mutator outcome_record() { return make_mutator<OutcomeArgs>("outcome.record", decode, apply); }

}  // namespace passerelle::sync::mutators
