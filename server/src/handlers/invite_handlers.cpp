// Invitations (docs/protocol.md, docs/dashboard.md "Invitations"): invite.create, invite.list,
// invite.resend, invite.revoke, auth.accept_invite, and the cohort upload
// (POST /v1/invitations/cohort, docs/operations.md "Onboarding a cohort").
#include <soci/soci.h>

#include <boost/json.hpp>

#include <chrono>

#include "../auth/accounts.h"
#include "../log.h"
#include "../net/http_routes.h"
#include "../services.h"
#include "../storage/db_error.h"
#include "../storage/profiles.h"
#include "../sync/push.h"
#include "audit/audit.h"
#include "invites/cohort_csv.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/text.h"
#include "passerelle/shared/time.h"
#include "http_session.h"
#include "session_answer.h"

namespace passerelle::server::handlers {
namespace {

namespace json = boost::json;
using net::Access;
using net::Context;
using net::Reply;
using protocol::Role;

std::string after_days(double days) {
  return format_rfc3339(now_utc() + std::chrono::milliseconds(static_cast<std::int64_t>(days * 86400000.0)));
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now_utc().time_since_epoch()).count();
}

bool may_invite(Role inviter, Role invitee) {
  if (inviter == Role::admin) return true;
  // Program staff bring in the people they work with; only an admin creates staff.
  if (inviter == Role::coach) return invitee == Role::candidate || invitee == Role::mentor || invitee == Role::employer;
  return false;
}

// "a coach", "an admin", "an employer".
std::string with_article(Role role) {
  std::string name(protocol::to_string(role));
  bool vowel = !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + name;
}

Status forbidden_invite(Role inviter, Role invitee) {
  return Status(ErrorCode::forbidden, with_article(inviter) + " cannot invite " + with_article(invitee));
}

// The fields a new account starts with, checked now by the mutators' own rules (the same ops
// run as the new person when the invitation is accepted).
Status check_ops_args(const json::object& args, const char* mutator, const char* field) {
  if (args.empty()) return Status::Ok();
  for (const char* owned : {"name", "locale"})
    if (args.contains(owned))
      return Status(ErrorCode::bad_request, std::string("field '") + field + "." + owned +
                                                "' is not allowed; give '" + owned + "' beside 'email'");
  const auto* m = passerelle::sync::find_mutator(mutator);
  auto st = m->validate(args);
  if (!st) return Status(st.error().code, std::string("field '") + field + "': " + st.error().message);
  return Status::Ok();
}

Result<std::string> clean_name(const std::optional<std::string>& raw) {
  if (!raw) return std::string();
  if (!is_valid_utf8(*raw)) return Error{ErrorCode::bad_request, "field 'name' must be UTF-8 text"};
  std::string name(trim(*raw));
  if (name.size() > 200) return Error{ErrorCode::too_large, "field 'name' is longer than 200 bytes"};
  return name;
}

// What the inviter asks for, checked; the coach of a candidate is the inviting coach, or the
// coach an admin names.
struct InviteAsk {
  std::string email, name, coach_id;
  Role role = Role::candidate;
  protocol::Locale locale = protocol::Locale::fr;
  json::object profile, mentor;

  std::string details() const {
    json::object d;
    if (!coach_id.empty()) d["coach_id"] = coach_id;
    if (!profile.empty()) d["profile"] = profile;
    if (!mentor.empty()) d["mentor"] = mentor;
    return json::serialize(d);
  }
};

Result<InviteAsk> read_invite(const protocol::Request& req, const protocol::UserInfo& me) {
  JsonReader in(req.body);
  std::string email_raw = in.string("email");
  std::string role_text = in.string("role");
  auto locale_text = in.optional_string("locale");
  auto name_raw = in.optional_string("name");
  auto coach_id = in.optional_string("coach_id");
  const json::value* profile = in.optional_value("profile");
  const json::value* mentor = in.optional_value("mentor");
  if (auto st = in.status(); !st) return st.error();
  InviteAsk a;
  auto email = protocol::normalize_email(email_raw);
  if (!email) return Error{ErrorCode::bad_request, "field 'email' " + email.error().message};
  a.email = *email;
  auto role = protocol::parse_role(role_text);
  if (!role) return Error{ErrorCode::bad_request, "field 'role' must be one of candidate, mentor, coach, admin, employer"};
  a.role = *role;
  auto locale = locale_text ? protocol::parse_locale(*locale_text) : me.locale;
  if (!locale) return Error{ErrorCode::bad_request, "field 'locale' must be fr or en"};
  a.locale = *locale;
  auto name = clean_name(name_raw);
  if (!name) return name.error();
  a.name = *name;
  if (!may_invite(me.role, a.role)) return forbidden_invite(me.role, a.role).error();
  if (profile && !profile->is_object()) return Error{ErrorCode::bad_request, "field 'profile' must be an object"};
  if (mentor && !mentor->is_object()) return Error{ErrorCode::bad_request, "field 'mentor' must be an object"};
  if (profile) a.profile = profile->get_object();
  if (mentor) {
    if (a.role != Role::mentor) return Error{ErrorCode::bad_request, "field 'mentor' is for a mentor's invitation only"};
    a.mentor = mentor->get_object();
  }
  if (auto st = check_ops_args(a.profile, "profile.update", "profile"); !st) return st.error();
  if (auto st = check_ops_args(a.mentor, "mentor.update", "mentor"); !st) return st.error();
  if (coach_id && !coach_id->empty()) {
    if (a.role != Role::candidate) return Error{ErrorCode::bad_request, "field 'coach_id' is for a candidate's invitation only"};
    if (me.role != Role::admin && *coach_id != me.id)
      return Error{ErrorCode::forbidden, "only an admin may put a candidate in another coach's caseload"};
    a.coach_id = *coach_id;
  } else if (a.role == Role::candidate && me.role == Role::coach) {
    a.coach_id = me.id;  // a coach's candidate joins that coach's caseload
  }
  return a;
}

bool is_coach(soci::session& sql, const std::string& id) {
  auto u = auth::find_user_by_id(sql, id);
  return u && !u->disabled && u->info.role == Role::coach;
}

json::object invitation_json(const auth::InvitationRecord& inv, const std::string& status) {
  json::object o{{"id", inv.id},         {"email", inv.email},           {"name", inv.name},
                 {"role", inv.role},     {"locale", inv.locale},         {"invited_by", inv.invited_by},
                 {"created_at", inv.created_at}, {"expires_at", inv.expires_at}, {"status", status}};
  if (inv.used_at) o["accepted_at"] = *inv.used_at;
  if (inv.accepted_user_id && !inv.accepted_user_id->empty()) o["user_id"] = *inv.accepted_user_id;
  if (inv.revoked_at) o["revoked_at"] = *inv.revoked_at;
  if (inv.cohort_id) o["cohort_id"] = *inv.cohort_id;
  return o;
}

// Hands the invitation's e-mail to the relay (on a worker); `token` is the only usable one.
Status send_invitation_mail(Services& svc, const auth::InvitationRecord& inv, const std::string& token,
                            const std::string& inviter) {
  auto msg = mail::invitation_message(protocol::parse_locale(inv.locale).value_or(protocol::Locale::fr), inv.email,
                                      token, svc.config.public_url, inviter,
                                      protocol::parse_role(inv.role).value_or(Role::candidate), inv.expires_at);
  auto sent = svc.mailer.send(msg);
  if (!sent) {
    log::error("invitation_mail_failed", {{"invitation_id", inv.id}, {"message", sent.error().message}});
    return Status(ErrorCode::internal, "the invitation was saved but its e-mail could not be sent; resend it");
  }
  return Status::Ok();
}

void create_invite(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  const protocol::UserInfo& me = *ctx.user;
  auto ask = read_invite(req, me);
  if (!ask) return reply.fail(ask.error());

  auto token = new_token();
  auth::InvitationRecord inv;
  inv.id = new_id();
  inv.token_hash = sha256_hex(token);
  inv.email = ask->email;
  inv.name = ask->name;
  inv.details = ask->details();
  inv.role = std::string(protocol::to_string(ask->role));
  inv.locale = std::string(protocol::to_string(ask->locale));
  inv.invited_by = me.id;
  inv.created_at = format_rfc3339(now_utc());
  inv.expires_at = after_days(svc.config.invite_ttl_days);

  // Inviting someone is an account change: audited in the same transaction (docs/dashboard.md).
  json::object audit_details{{"role", inv.role}};
  if (!ask->coach_id.empty()) audit_details["coach_id"] = ask->coach_id;
  audit::Entry entry = audit::make_entry(me.id, me.role, ctx.remote_address, "account.invite", inv.id, audit_details);
  svc.db.writer().submit(
      [inv, entry, coach_id = ask->coach_id](soci::session& sql) -> Status {
        if (auth::email_taken(sql, inv.email))
          return Status(ErrorCode::conflict, "an account already uses this e-mail");
        if (!coach_id.empty() && !is_coach(sql, coach_id)) return Status(ErrorCode::not_found, "no coach with that id");
        auth::insert_invitation(sql, inv);
        audit::record(sql, entry);
        return Status::Ok();
      },
      [&svc, reply, inv, token, inviter = me.name](Status st) {
        if (!st) return reply.fail(st.error());
        svc.workers.post([&svc, reply, inv, token, inviter] {
          if (auto sent = send_invitation_mail(svc, inv, token, inviter); !sent) return reply.fail(sent.error());
          log::info("invitation_created", {{"invitation_id", inv.id}, {"invited_by", inv.invited_by}, {"role", inv.role}});
          reply.ok({{"invitation", invitation_json(inv, "pending")}});
        });
      });
}

// invite.list: a coach sees the invitations they made, an admin every one (newest first).
void list_invites(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  const protocol::UserInfo& me = *ctx.user;
  if (me.role != Role::admin && me.role != Role::coach)
    return reply.fail(ErrorCode::forbidden, "only coaches and admins see invitations");
  JsonReader in(req.body);
  auto status = in.optional_string("status");
  auto cohort = in.optional_string("cohort_id");
  auto limit = in.optional_integer("limit").value_or(500);
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (limit < 1 || limit > 5000) return reply.fail(ErrorCode::bad_request, "field 'limit' must be between 1 and 5000");
  svc.workers.post([&svc, reply, me, status, cohort, limit] {
    try {
      auto answer = svc.db.read([&](soci::session& sql) {
        std::string now = format_rfc3339(now_utc());
        std::string only = me.role == Role::admin ? std::string() : me.id;
        std::string cohort_id = cohort.value_or("");
        soci::rowset<soci::row> rs =
            (sql.prepare << "SELECT i.id, i.token_hash, i.email, i.role, i.locale, i.invited_by, i.created_at, i.expires_at,"
                            " i.used_at, i.name, i.details, i.revoked_at, i.accepted_user_id, i.cohort_id,"
                            " COALESCE(u.name, ''),"
                            " COALESCE(q.invitation_id, ''), q.sent_at_ms,"
                            " COALESCE(q.last_error, '')"
                            " FROM invitations i LEFT JOIN users u ON u.id = i.invited_by"
                            " LEFT JOIN invitation_queue q ON q.invitation_id = i.id"
                            " WHERE (:o1 = '' OR i.invited_by = :o2) AND (:c1 = '' OR i.cohort_id = :c2)"
                            " ORDER BY i.created_at DESC, i.id DESC",
             soci::use(only, "o1"), soci::use(only, "o2"), soci::use(cohort_id, "c1"), soci::use(cohort_id, "c2"));
        json::array list;
        json::object counts;
        for (const soci::row& r : rs) {
          auth::InvitationRecord inv;
          inv.id = r.get<std::string>(0);
          inv.email = r.get<std::string>(2);
          inv.role = r.get<std::string>(3);
          inv.locale = r.get<std::string>(4);
          inv.invited_by = r.get<std::string>(5);
          inv.created_at = r.get<std::string>(6);
          inv.expires_at = r.get<std::string>(7);
          if (r.get_indicator(8) == soci::i_ok) inv.used_at = r.get<std::string>(8);
          inv.name = r.get<std::string>(9);
          if (r.get_indicator(11) == soci::i_ok) inv.revoked_at = r.get<std::string>(11);
          if (r.get_indicator(12) == soci::i_ok) inv.accepted_user_id = r.get<std::string>(12);
          if (r.get_indicator(13) == soci::i_ok) inv.cohort_id = r.get<std::string>(13);
          bool queued = !r.get<std::string>(15).empty() && r.get_indicator(16) != soci::i_ok;
          std::string st = auth::invitation_status(inv, now, queued);
          counts[st] = (counts.contains(st) ? counts[st].as_int64() : 0) + 1;
          if (status && *status != st) continue;
          if (static_cast<std::int64_t>(list.size()) >= limit) continue;
          auto o = invitation_json(inv, st);
          o["invited_by_name"] = r.get<std::string>(14);
          if (std::string err = r.get<std::string>(17); queued && !err.empty()) o["send_error"] = err;
          list.push_back(std::move(o));
        }
        return json::object{{"invitations", std::move(list)}, {"counts", std::move(counts)}};
      });
      reply.ok(std::move(answer));
    } catch (const std::exception& e) {
      log::error("invite_list_failed", storage::failure_fields(e));
      reply.fail(ErrorCode::internal, "the invitations could not be read; try again");
    }
  });
}

// The invitation a request names, if this person may act on it: an admin any, a coach their own.
Status may_change(const std::optional<auth::InvitationRecord>& inv, const protocol::UserInfo& me) {
  if (!inv || (me.role != Role::admin && inv->invited_by != me.id))
    return Status(ErrorCode::not_found, "no such invitation");
  if (inv->used_at) return Status(ErrorCode::conflict, "this invitation was already accepted");
  if (inv->revoked_at) return Status(ErrorCode::conflict, "this invitation was revoked");
  return Status::Ok();
}

Result<std::string> read_invitation_id(const protocol::Request& req, const protocol::UserInfo& me) {
  if (me.role != Role::admin && me.role != Role::coach)
    return Error{ErrorCode::forbidden, "only coaches and admins manage invitations"};
  JsonReader in(req.body);
  std::string id = in.string("invitation_id");
  if (auto st = in.status(); !st) return st.error();
  return id;
}

void revoke_invite(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  const protocol::UserInfo& me = *ctx.user;
  auto id = read_invitation_id(req, me);
  if (!id) return reply.fail(id.error());
  auto entry = audit::make_entry(me.id, me.role, ctx.remote_address, "invite.revoke", *id);
  auto out = std::make_shared<auth::InvitationRecord>();
  svc.db.writer().submit(
      [id = *id, me, entry, out](soci::session& sql) -> Status {
        auto inv = auth::find_invitation_by_id(sql, id);
        if (auto st = may_change(inv, me); !st) return st;
        std::string now = format_rfc3339(now_utc());
        auth::revoke_invitation(sql, id, now);
        sql << "DELETE FROM invitation_queue WHERE invitation_id = :i AND sent_at_ms IS NULL", soci::use(id);
        audit::record(sql, entry);
        *out = *inv;
        out->revoked_at = now;
        return Status::Ok();
      },
      [reply, out, me_id = me.id](Status st) {
        if (!st) return reply.fail(st.error());
        log::info("invitation_revoked", {{"invitation_id", out->id}, {"by", me_id}});
        reply.ok({{"invitation", invitation_json(*out, "revoked")}});
      });
}

// A new single-use token and lifetime; the former link stops working in the same commit.
void resend_invite(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  const protocol::UserInfo& me = *ctx.user;
  auto id = read_invitation_id(req, me);
  if (!id) return reply.fail(id.error());
  auto token = new_token();
  std::string expires = after_days(svc.config.invite_ttl_days);
  auto entry = audit::make_entry(me.id, me.role, ctx.remote_address, "invite.resend", *id);
  auto out = std::make_shared<auth::InvitationRecord>();
  svc.db.writer().submit(
      [id = *id, me, entry, out, hash = sha256_hex(token), expires](soci::session& sql) -> Status {
        auto inv = auth::find_invitation_by_id(sql, id);
        if (auto st = may_change(inv, me); !st) return st;
        if (auth::email_taken(sql, inv->email)) return Status(ErrorCode::conflict, "an account already uses this e-mail");
        auth::set_invitation_token(sql, id, hash, expires);
        // A cohort's invitation not sent yet leaves the queue: it goes now.
        std::int64_t at = now_ms();
        sql << "UPDATE invitation_queue SET sent_at_ms = :t WHERE invitation_id = :i AND sent_at_ms IS NULL",
            soci::use(at), soci::use(id);
        audit::record(sql, entry);
        *out = *inv;
        out->expires_at = expires;
        return Status::Ok();
      },
      [&svc, reply, out, token, inviter = me.name](Status st) {
        if (!st) return reply.fail(st.error());
        svc.workers.post([&svc, reply, out, token, inviter] {
          if (auto sent = send_invitation_mail(svc, *out, token, inviter); !sent) return reply.fail(sent.error());
          log::info("invitation_resent", {{"invitation_id", out->id}});
          reply.ok({{"invitation", invitation_json(*out, "pending")}});
        });
      });
}

// Checks an invitation as it is now; the writer re-checks inside the transaction.
Status check_invitation(const std::optional<auth::InvitationRecord>& inv, const std::string& now) {
  if (!inv || inv->expires_at <= now) return Status(ErrorCode::not_found, "unknown or expired invitation");
  if (inv->revoked_at) return Status(ErrorCode::not_found, "this invitation was revoked; ask for a new one");
  if (inv->used_at) return Status(ErrorCode::conflict, "this invitation was already used");
  return Status::Ok();
}

// What the invitation asked for, as the mutators do it: the profile fields and mentor profile
// as the new person, the caseload as the coach. A refused op (say, the coach's account was
// disabled since) leaves the account made, without that part; the coach or an admin redoes it.
void apply_invitation_details(soci::session& sql, const auth::InvitationRecord& inv, const protocol::UserInfo& user,
                              Timestamp now, const std::string& remote, server::sync::PushOutcome& out) {
  boost::system::error_code ec;
  auto parsed = json::parse(inv.details, ec);
  if (ec || !parsed.is_object()) return;
  const auto& d = parsed.get_object();
  auto run = [&](const passerelle::sync::Actor& actor, std::string name, json::object args) {
    auto o = server::sync::run_push(sql, actor, {passerelle::sync::Op{new_id(), std::move(name), std::move(args)}}, now);
    const auto& r = o.results.front();
    if (r.status == passerelle::sync::OpStatus::rejected) {
      log::warn("invitation_detail_refused", {{"invitation_id", inv.id}, {"op", o.results.front().op_id},
                                              {"code", std::string(to_string(r.error->code))}});
      return false;
    }
    out.touched_users.insert(o.touched_users.begin(), o.touched_users.end());
    out.last_seq = std::max(out.last_seq, o.last_seq);
    return true;
  };
  if (auto* p = d.if_contains("profile"); p && p->is_object() && !p->get_object().empty())
    run({user.id, user.role}, "profile.update", p->get_object());
  if (auto* m = d.if_contains("mentor"); m && m->is_object() && !m->get_object().empty() && user.role == Role::mentor)
    run({user.id, user.role}, "mentor.update", m->get_object());
  if (auto* c = d.if_contains("coach_id"); c && c->is_string() && user.role == Role::candidate) {
    std::string coach(c->get_string());
    if (run({coach, Role::coach}, "caseload.assign",
            {{"candidate_id", user.id}, {"coach_id", coach}, {"thread_id", new_id()}}))
      audit::record(sql, audit::make_entry(coach, Role::coach, remote, "caseload.assign", user.id,
                                           {{"coach_id", coach}, {"invitation_id", inv.id}}));
  }
}

void accept_invite(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string token = in.string("token");
  auto name_raw = in.optional_string("name");
  std::string password = in.string("password");
  std::string device = in.optional_string("device").value_or("");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (device.size() > 100 || !is_valid_utf8(device))
    return reply.fail(ErrorCode::bad_request, "field 'device' must be UTF-8 text of at most 100 bytes");
  auto name = clean_name(name_raw);
  if (!name) return reply.fail(name.error());
  if (auto st = auth::check_new_password("password", password); !st) return reply.fail(st.error());

  svc.workers.post([&svc, reply, token_hash = sha256_hex(token), given_name = *name, password,
                    remote = ctx.remote_address, device] {
    // Cheap check first so that a bad token never costs a password hash.
    auto inv = svc.db.read([&](soci::session& sql) { return auth::find_invitation(sql, token_hash); });
    if (auto st = check_invitation(inv, format_rfc3339(now_utc())); !st) return reply.fail(st.error());
    // The name the person types wins; the inviter's spelling is the default.
    std::string name = given_name.empty() ? inv->name : given_name;
    if (name.empty()) return reply.fail(ErrorCode::bad_request, "field 'name' must not be empty");
    auto hash = auth::hash_password(password, svc.scrypt());
    if (!hash) return reply.fail(hash.error());

    auth::UserRecord user;
    user.info.id = new_id();
    user.info.email = inv->email;
    user.info.name = name;
    user.info.role = protocol::parse_role(inv->role).value_or(Role::candidate);
    user.info.locale = protocol::parse_locale(inv->locale).value_or(protocol::Locale::fr);
    user.password_hash = *hash;
    std::string session_token = new_token();
    std::string session_hash = sha256_hex(session_token);
    std::string expires = after_days(svc.config.token_ttl_days);
    auto pushed = std::make_shared<server::sync::PushOutcome>();
    svc.db.writer().submit(
        [user, token_hash, session_hash, expires, remote, device, pushed](soci::session& sql) mutable -> Status {
          Timestamp now_ts = now_utc();
          std::string now = format_rfc3339(now_ts);
          auto current = auth::find_invitation(sql, token_hash);
          if (auto st = check_invitation(current, now); !st) return st;
          if (auth::email_taken(sql, user.info.email))
            return Status(ErrorCode::conflict, "an account already uses this e-mail");
          user.created_at = now;
          auth::insert_user(sql, user);
          storage::write_new_profile(sql, user.info, now_ts);
          auth::mark_invitation_used(sql, current->id, now, user.info.id);
          apply_invitation_details(sql, *current, user.info, now_ts, remote, *pushed);
          auth::insert_session(sql, {session_hash, user.info.id, now, expires, device, remote});
          return Status::Ok();
        },
        [&svc, reply, info = user.info, session_token, session_hash, expires, remote, pushed](Status st) {
          if (!st) return reply.fail(st.error());
          svc.metrics.login(true);
          log::info("invitation_accepted", {{"user_id", info.id}, {"role", protocol::to_string(info.role)}, {"remote", remote}});
          if (pushed->last_seq > 0 && !pushed->touched_users.empty()) {
            std::vector<std::string> users(pushed->touched_users.begin(), pushed->touched_users.end());
            svc.hub.send_event(users, protocol::serialize_event("poke", {{"seq", pushed->last_seq}}));
          }
          reply.ok(session_fields(info, expires, &session_token), sign_in(info, session_hash));
        });
  });
}

// --- the cohort upload ------------------------------------------------------------------

using net::error_answer;
using net::HttpAnswer;
using net::HttpRequest;
using net::json_answer;
using net::Respond;

constexpr std::string_view kRoutePrefix = "/v1/invitations/";
constexpr std::size_t kMaxCohortBytes = 2 << 20;

std::string query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (part.substr(0, key.size()) == key && part.size() > key.size() && part[key.size()] == '=')
      return std::string(part.substr(key.size() + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// Checks every row against the file and the database; with `send`, queues the good rows in one
// transaction (all of them or, on a storage failure, none) and the sender paces their e-mails.
void import_cohort(Services& svc, const HttpRequest& req, const Respond& respond) {
  auto me = authenticate_http(svc, req);
  if (!me) return respond(error_answer(me.error()));
  if (me->role != Role::admin && me->role != Role::coach)
    return respond(error_answer(Error{ErrorCode::forbidden, "only coaches and admins invite a cohort"}));
  std::string mode = query_value(req.query, "mode");
  if (mode.empty()) mode = "check";
  if (mode != "check" && mode != "send")
    return respond(error_answer(Error{ErrorCode::bad_request, "mode must be check or send"}));
  std::string coach_id = query_value(req.query, "coach_id");
  if (!coach_id.empty() && me->role != Role::admin && coach_id != me->id)
    return respond(error_answer(Error{ErrorCode::forbidden, "only an admin may put candidates in another coach's caseload"}));
  if (coach_id.empty() && me->role == Role::coach) coach_id = me->id;
  auto rows = invites::read_cohort(req.body);
  if (!rows) return respond(error_answer(rows.error()));

  auto checked = std::make_shared<std::vector<invites::CohortRow>>(std::move(*rows));
  std::string cohort_id = new_id();
  bool send = mode == "send";
  auto entry = audit::make_entry(me->id, me->role, req.remote_address, "invite.cohort", cohort_id);
  std::string now = format_rfc3339(now_utc());
  std::string expires = after_days(svc.config.invite_ttl_days);
  auto finish = [&svc, checked, cohort_id, send, respond, me_id = me->id](Status st) {
    if (!st) return respond(error_answer(st.error()));
    json::array report;
    json::object counts;
    std::int64_t ok = 0;
    for (const auto& r : *checked) {
      std::string outcome = r.outcome == "ok" ? (send ? "sent" : "ok") : r.outcome;
      if (r.outcome == "ok") ++ok;
      counts[outcome] = (counts.contains(outcome) ? counts[outcome].as_int64() : 0) + 1;
      json::object o{{"row", r.row}, {"line", r.line}, {"email", r.email}, {"outcome", outcome}};
      if (!r.message.empty()) o["message"] = r.message;
      report.push_back(std::move(o));
    }
    if (send && ok > 0) {
      log::info("cohort_queued", {{"cohort_id", cohort_id}, {"by", me_id}, {"invitations", ok}});
      svc.invitations_queued();
    }
    json::object answer{{"rows", static_cast<std::int64_t>(checked->size())}, {"counts", std::move(counts)},
                        {"report", std::move(report)}};
    if (send) answer["cohort_id"] = cohort_id;
    respond(json_answer(200, answer));
  };
  auto work = [checked, me = *me, coach_id, cohort_id, send, entry, now, expires](soci::session& sql) mutable -> Status {
    if (!coach_id.empty() && !is_coach(sql, coach_id)) return Status(ErrorCode::not_found, "no coach with that id");
    std::int64_t at = now_ms();
    std::int64_t queued = 0;
    for (auto& r : *checked) {
      if (r.outcome != "ok") continue;
      if (auth::email_taken(sql, r.email)) {
        r.outcome = "already_registered";
        continue;
      }
      int open = 0;
      sql << "SELECT COUNT(*) FROM invitations WHERE email = :e AND used_at IS NULL AND revoked_at IS NULL"
             " AND expires_at > :now",
          soci::use(r.email), soci::use(now), soci::into(open);
      if (open > 0) {
        r.outcome = "already_invited";
        r.message = "an invitation to this e-mail is still open; resend it from the list";
        continue;
      }
      if (!send) continue;
      auth::InvitationRecord inv;
      inv.id = new_id();
      inv.token_hash = "queued:" + inv.id;
      inv.email = r.email;
      inv.name = r.name;
      inv.role = "candidate";
      inv.locale = r.locale.empty() ? std::string(protocol::to_string(me.locale)) : r.locale;
      inv.invited_by = me.id;
      inv.created_at = now;
      inv.expires_at = expires;  // renewed when its e-mail goes
      inv.cohort_id = cohort_id;
      json::object profile;
      if (!r.planned_arrival.empty()) profile["planned_arrival"] = r.planned_arrival;
      if (!r.country.empty()) profile["country"] = r.country;
      json::object d;
      if (!coach_id.empty()) d["coach_id"] = coach_id;
      if (!profile.empty()) d["profile"] = profile;
      inv.details = json::serialize(d);
      auth::insert_invitation(sql, inv);
      sql << "INSERT INTO invitation_queue (invitation_id, cohort_id, queued_at_ms) VALUES (:i, :c, :t)",
          soci::use(inv.id), soci::use(cohort_id), soci::use(at);
      ++queued;
    }
    if (send) {
      entry.details = {{"invitations", queued}, {"rows", static_cast<std::int64_t>(checked->size())}};
      if (!coach_id.empty()) entry.details["coach_id"] = coach_id;
      audit::record(sql, entry);
    }
    return Status::Ok();
  };
  // A check changes nothing but reads through the writer all the same: one code path, and the
  // answer is what a send at that moment would do.
  svc.db.writer().submit(std::move(work), std::move(finish));
}

void serve_route(Services& svc, HttpRequest req, Respond respond) {
  std::string_view rest = std::string_view(req.path).substr(kRoutePrefix.size());
  if (rest == "template.csv") {
    if (req.method != "GET" && req.method != "HEAD") {
      auto a = error_answer(Error{ErrorCode::unsupported, "use GET"});
      a.status = 405;
      a.headers = {{"Allow", "GET, HEAD"}};
      return respond(std::move(a));
    }
    HttpAnswer a;
    a.content_type = "text/csv; charset=utf-8";
    a.body = invites::cohort_template();
    a.headers = {{"Content-Disposition", "attachment; filename=\"cohort-template.csv\""}};
    return respond(std::move(a));
  }
  if (rest != "cohort") return respond(error_answer(Error{ErrorCode::not_found, "no such resource"}));
  if (req.method != "POST") {
    auto a = error_answer(Error{ErrorCode::unsupported, "use POST with the CSV file as the body"});
    a.status = 405;
    a.headers = {{"Allow", "POST"}};
    return respond(std::move(a));
  }
  svc.workers.post([&svc, req = std::move(req), respond] {
    try {
      import_cohort(svc, req, respond);
    } catch (const std::exception& e) {
      log::error("cohort_import_failed", storage::failure_fields(e));
      respond(error_answer(Error{ErrorCode::internal, "the file could not be processed; nothing was sent; try again"}));
    }
  });
}

}  // namespace

void register_invite_handlers(net::Dispatcher& d, Services& svc) {
  d.add("invite.create", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    create_invite(svc, c, r, std::move(reply));
  });
  d.add("invite.list", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    list_invites(svc, c, r, std::move(reply));
  });
  d.add("invite.revoke", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    revoke_invite(svc, c, r, std::move(reply));
  });
  d.add("invite.resend", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    resend_invite(svc, c, r, std::move(reply));
  });
  d.add("auth.accept_invite", Access::anonymous, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    accept_invite(svc, c, r, std::move(reply));
  });
}

void register_invite_routes(net::HttpRoutes& routes, Services& svc) {
  routes.add({std::string(kRoutePrefix), kMaxCohortBytes,
              [&svc](HttpRequest req, Respond respond) { serve_route(svc, std::move(req), std::move(respond)); }});
}

}  // namespace passerelle::server::handlers
