// profile.update: a person edits their own profile. Fields absent from args keep their value;
// concurrent edits of different fields both survive, the later server write wins per field.
#include "mutators/mutators.h"

#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/text.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;

namespace {

struct ProfileUpdateArgs {
  json::object fields;  // validated subset of the editable fields
};

bool is_country_code(std::string_view s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

void copy_text(JsonReader& in, json::object& out, std::string_view key, std::size_t max_bytes,
               bool allow_empty) {
  auto v = in.optional_string(key);
  if (!v) return;
  if (!is_valid_utf8(*v)) return in.fail(key, "must be valid UTF-8");
  std::string t(trim(*v));
  if (!allow_empty && t.empty()) return in.fail(key, "must not be empty");
  if (t.size() > max_bytes) return in.fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
  out[key] = t;
}

Result<ProfileUpdateArgs> decode(JsonReader& in) {
  ProfileUpdateArgs a;
  copy_text(in, a.fields, "name", 100, false);
  copy_text(in, a.fields, "profession", 100, true);
  copy_text(in, a.fields, "bio", 2000, true);
  if (auto l = in.optional_string("locale")) {
    if (!protocol::parse_locale(*l)) in.fail("locale", "must be \"fr\" or \"en\"");
    a.fields["locale"] = *l;
  }
  if (auto z = in.optional_string("time_zone")) {
    if (!is_valid_time_zone(*z)) in.fail("time_zone", "must be an IANA time zone such as \"America/Toronto\"");
    a.fields["time_zone"] = *z;
  }
  if (auto c = in.optional_string("country")) {
    if (!is_country_code(*c)) in.fail("country", "must be an ISO 3166 alpha-2 code such as \"MA\"");
    a.fields["country"] = *c;
  }
  if (auto d = in.optional_string("planned_arrival")) {
    if (!parse_date(*d)) in.fail("planned_arrival", "must be a date YYYY-MM-DD");
    a.fields["planned_arrival"] = *d;
  }
  if (auto d = in.optional_string("email_digest")) {
    // "full": unread-message digests quote the latest message; "private": only who wrote and
    // how many; "off": no digest e-mail (docs/messages.md).
    if (*d != "full" && *d != "private" && *d != "off") in.fail("email_digest", "must be \"full\", \"private\" or \"off\"");
    a.fields["email_digest"] = *d;
  }
  if (auto st = in.status(); !st) return st.error();
  if (a.fields.empty()) return Error{ErrorCode::bad_request, "profile.update needs at least one field to change"};
  return a;
}

Status apply(MutationContext& ctx, const ProfileUpdateArgs& a) {
  auto row = ctx.rows.get(collection::profiles, ctx.actor.user_id);
  if (!row) {
    if (ctx.authoritative) return Status(ErrorCode::not_found, "your profile does not exist");
    return Status::Ok();  // not pulled yet on this device: the server's run will decide
  }
  for (const auto& kv : a.fields) (*row)[kv.key()] = kv.value();
  (*row)["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(collection::profiles, ctx.actor.user_id, *row,
               with_user(ctx.rows.audience(collection::profiles, ctx.actor.user_id), ctx.actor.user_id));
  return Status::Ok();
}

}  // namespace

Mutator profile_update() { return make_mutator<ProfileUpdateArgs>("profile.update", decode, apply); }

}  // namespace passerelle::sync::mutators
