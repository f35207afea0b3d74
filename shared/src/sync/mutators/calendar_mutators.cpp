// The secret calendar feed (docs/mentoring.md, "Calendars"): GET /v1/calendar/<token>.ics.
// The device makes the token and sends only its SHA-256, so the server never stores the secret
// (like session tokens) and the feed can be made or revoked offline:
//   calendar.feed.set     {token_hash}  replaces the user's feed (the former URL stops working)
//   calendar.feed.revoke  {}            the user has no feed any more
// Rows: `calendar_feeds` (id = user id, read by the user: {token_hash, created_at}) and
// `calendar_tokens` (id = token hash, read by nobody: the server's lookup {user_id}).
#include "mutators/mentoring.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using namespace mentoring;

namespace {

struct SetArgs {
  std::string token_hash;
};

Result<SetArgs> decode_set(JsonReader& in) {
  SetArgs a;
  a.token_hash = in.string("token_hash");
  if (in.ok() && (a.token_hash.size() != 64 || a.token_hash.find_first_not_of("0123456789abcdef") != std::string::npos))
    in.fail("token_hash", "must be the SHA-256 of the token in 64 lower-case hex digits");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

void drop_current(MutationContext& ctx) {
  if (auto feed = ctx.rows.get(mc::calendar_feeds, ctx.actor.user_id)) {
    std::string old = row_string(*feed, "token_hash");
    if (!old.empty() && ctx.rows.get(mc::calendar_tokens, old)) ctx.rows.remove(mc::calendar_tokens, old);
  }
}

Status apply_set(MutationContext& ctx, const SetArgs& a) {
  if (auto t = ctx.rows.get(mc::calendar_tokens, a.token_hash); t && row_string(*t, "user_id") != ctx.actor.user_id)
    return Status(ErrorCode::conflict, "that token is in use; make another");
  drop_current(ctx);
  ctx.rows.put(mc::calendar_feeds, ctx.actor.user_id,
               json::object{{"id", ctx.actor.user_id}, {"token_hash", a.token_hash}, {"created_at", format_rfc3339(ctx.now)}},
               {ctx.actor.user_id});
  ctx.rows.put(mc::calendar_tokens, a.token_hash,
               json::object{{"id", a.token_hash}, {"user_id", ctx.actor.user_id}, {"created_at", format_rfc3339(ctx.now)}}, {});
  return Status::Ok();
}

struct RevokeArgs {};

Result<RevokeArgs> decode_revoke(JsonReader& in) {
  if (auto st = in.status(); !st) return st.error();
  return RevokeArgs{};
}

Status apply_revoke(MutationContext& ctx, const RevokeArgs&) {
  drop_current(ctx);
  if (ctx.rows.get(mc::calendar_feeds, ctx.actor.user_id)) ctx.rows.remove(mc::calendar_feeds, ctx.actor.user_id);
  return Status::Ok();
}

}  // namespace

Mutator calendar_feed_set() { return make_mutator<SetArgs>("calendar.feed.set", decode_set, apply_set); }
Mutator calendar_feed_revoke() { return make_mutator<RevokeArgs>("calendar.feed.revoke", decode_revoke, apply_revoke); }

}  // namespace passerelle::sync::mutators
