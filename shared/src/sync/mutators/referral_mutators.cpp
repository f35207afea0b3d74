// Referrals (docs/mentoring.md): the mentor records each contact of their network they refer the
// candidate to, and its progress suggested -> introduced -> met. A contact may refer the
// candidate onward (`parent_id`), recorded by the mentor or the candidate. Introducing a contact
// needs the candidate's consent, which only the candidate gives.
//   referral.add     {id, mentorship_id, name, role, organization, contact?, parent_id?, consent?}
//   referral.update  {id, status?, consent?}
#include "mutators/mentoring.h"
#include "passerelle/shared/text.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using namespace mentoring;

namespace {

int status_rank(std::string_view s) { return s == "suggested" ? 0 : s == "introduced" ? 1 : s == "met" ? 2 : -1; }

struct AddArgs {
  std::string id, mentorship_id, name, role, organization, contact, parent_id;
  std::optional<bool> consent;
};

Result<AddArgs> decode_add(JsonReader& in) {
  AddArgs a;
  a.id = uuid_field(in, "id");
  a.mentorship_id = uuid_field(in, "mentorship_id");
  a.name = text_field(in, "name", 100);
  a.role = text_field(in, "role", 100);
  a.organization = text_field(in, "organization", 100);
  if (in.ok() && in.optional_value("contact")) a.contact = text_field(in, "contact", 200);
  if (in.ok() && in.optional_value("parent_id")) a.parent_id = uuid_field(in, "parent_id");
  a.consent = in.optional_boolean("consent");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

bool open_for_referrals(std::string_view status) { return status == "active" || status == "completed"; }

Status apply_add(MutationContext& ctx, const AddArgs& a) {
  auto ms = ctx.rows.get(mc::mentorships, a.mentorship_id);
  if (!ms) return ctx.authoritative ? Status(ErrorCode::not_found, "no such mentorship") : Status::Ok();
  bool mentor = ctx.actor.user_id == row_string(*ms, "mentor_id");
  bool candidate = ctx.actor.user_id == row_string(*ms, "candidate_id");
  if (!mentor && !(candidate && !a.parent_id.empty()))
    return Status(ErrorCode::forbidden, "the mentor records referrals; the candidate records onward ones (--parent)");
  if (!open_for_referrals(row_string(*ms, "status")))
    return Status(ErrorCode::conflict, "this mentorship is " + row_string(*ms, "status"));
  if (ctx.rows.get(mc::referrals, a.id)) return Status(ErrorCode::conflict, "a referral with that id already exists");
  if (a.consent && !candidate) return Status(ErrorCode::forbidden, "only the candidate gives consent");
  if (!a.parent_id.empty()) {
    auto parent = ctx.rows.get(mc::referrals, a.parent_id);
    if (!parent) return ctx.authoritative ? Status(ErrorCode::not_found, "no referral with parent_id") : Status::Ok();
    if (row_string(*parent, "mentorship_id") != a.mentorship_id)
      return Status(ErrorCode::bad_request, "the parent referral belongs to another mentorship");
  }
  json::object r{{"id", a.id},
                 {"mentorship_id", a.mentorship_id},
                 {"candidate_id", row_string(*ms, "candidate_id")},
                 {"mentor_id", row_string(*ms, "mentor_id")},
                 {"coach_id", row_string(*ms, "coach_id")},
                 {"name", a.name},
                 {"role", a.role},
                 {"organization", a.organization},
                 {"status", "suggested"},
                 {"consent", a.consent.value_or(false)},
                 {"added_by", ctx.actor.user_id},
                 {"created_at", format_rfc3339(ctx.now)},
                 {"history", json::array{json::object{{"status", "suggested"}, {"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)}}}}};
  if (!a.contact.empty()) r["contact"] = a.contact;
  if (!a.parent_id.empty()) r["parent_id"] = a.parent_id;
  ctx.rows.put(mc::referrals, a.id, r, mentorship_audience(*ms));
  (*ms)["referral_ids"] = to_json_array(with_user(row_strings(*ms, "referral_ids"), a.id));
  ctx.rows.put(mc::mentorships, a.mentorship_id, *ms, mentorship_audience(*ms));
  return Status::Ok();
}

struct UpdateArgs {
  std::string id;
  std::optional<std::string> status;
  std::optional<bool> consent;
};

Result<UpdateArgs> decode_update(JsonReader& in) {
  UpdateArgs a;
  a.id = uuid_field(in, "id");
  a.status = in.optional_string("status");
  a.consent = in.optional_boolean("consent");
  if (in.ok() && a.status && status_rank(*a.status) < 0) in.fail("status", "must be suggested, introduced or met");
  if (auto st = in.status(); !st) return st.error();
  if (!a.status && !a.consent) return Error{ErrorCode::bad_request, "referral.update needs status or consent"};
  return a;
}

Status apply_update(MutationContext& ctx, const UpdateArgs& a) {
  auto r = ctx.rows.get(mc::referrals, a.id);
  if (!r) return ctx.authoritative ? Status(ErrorCode::not_found, "no such referral") : Status::Ok();
  auto ms = ctx.rows.get(mc::mentorships, row_string(*r, "mentorship_id"));
  if (!ms) return ctx.authoritative ? Status(ErrorCode::not_found, "the referral's mentorship does not exist") : Status::Ok();
  if (!is_party(ctx, *ms)) return Status(ErrorCode::forbidden, "only the mentor and the candidate update a referral");
  bool candidate = ctx.actor.user_id == row_string(*ms, "candidate_id");
  if (a.consent) {
    if (!candidate) return Status(ErrorCode::forbidden, "only the candidate gives or withdraws consent");
    (*r)["consent"] = *a.consent;
  }
  if (a.status) {
    std::string from = row_string(*r, "status");
    if (status_rank(*a.status) < status_rank(from))
      return Status(ErrorCode::conflict, "a referral moves forward only (suggested -> introduced -> met)");
    if (*a.status != from) {
      auto* c = r->if_contains("consent");
      if (status_rank(*a.status) >= 1 && !(c && c->is_bool() && c->get_bool()))
        return Status(ErrorCode::conflict, "the candidate has not consented to this introduction yet");
      (*r)["status"] = *a.status;
      push_back(*r, "history", json::object{{"status", *a.status}, {"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)}});
    }
  }
  (*r)["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(mc::referrals, a.id, *r, mentorship_audience(*ms));
  return Status::Ok();
}

}  // namespace

Mutator referral_add() { return make_mutator<AddArgs>("referral.add", decode_add, apply_add); }
Mutator referral_update() { return make_mutator<UpdateArgs>("referral.update", decode_update, apply_update); }

}  // namespace passerelle::sync::mutators
