// The dashboard's employer and activity tools (docs/dashboard.md, "Employers", "Activities"):
//   employers.preselect   consenting candidates ranked for an employer's need, with reasons
//   activities.calendar   a speed-jobbing session's printable grid and .ics files
// The page does not run the client core, so the server runs the shared functions for it
// (employers::preselect, activities::schedule_text / agenda_ics / activity_ics) on the rows it
// holds: the ranking and the calendar text exist once, in shared/. Reads only, on the worker
// pool; nothing is written or audited (the proposal, written by `proposal.create`, is).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <soci/soci.h>

#include "../services.h"
#include "dashboard/program_rows.h"
#include "http_session.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/activities/schedule.h"
#include "passerelle/shared/employers/employers.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/sync/row_fields.h"
#include "sync/change_log.h"

namespace passerelle::server::handlers {
namespace {

namespace json = boost::json;
namespace ec = employers::collection;
namespace ac = activities::collection;
using net::Access;
using net::Context;
using net::Reply;
using passerelle::sync::row_string;
using passerelle::sync::row_strings;
using protocol::Role;

bool is_staff(const protocol::UserInfo& u) { return u.role == Role::coach || u.role == Role::admin; }

json::object reason_json(const mentors::Reason& r) {
  return json::object{{"code", r.code},
                      {"points", r.points},
                      {"text", json::object{{"fr", r.text_in(protocol::Locale::fr)}, {"en", r.text_in(protocol::Locale::en)}}}};
}

// {need_id, need_status, candidates: [{candidate_id, name, score, reasons}]}, or nullopt for an
// unknown need. Employer rows belong to the program (every coach reads every need), so staff
// need no further scoping here.
std::optional<json::object> preselect_for(soci::session& sql, const std::string& need_id) {
  auto need = server::sync::find_row(sql, ec::employer_needs, need_id);
  if (!need) return std::nullopt;
  auto employer = server::sync::find_row(sql, ec::employer_profiles, row_string(*need, "employer_id"));
  auto cards = dashboard::live_rows(sql, std::string(ec::candidate_cards));
  json::array list;
  for (const auto& p : employers::preselect(*need, employer ? *employer : json::object{}, cards,
                                            row_strings(*need, "proposed_candidate_ids"))) {
    json::array reasons;
    for (const auto& r : p.reasons) reasons.push_back(reason_json(r));
    list.push_back(json::object{{"candidate_id", p.candidate_id}, {"name", p.name}, {"score", p.score}, {"reasons", std::move(reasons)}});
  }
  return json::object{{"need_id", need_id}, {"need_status", row_string(*need, "status")}, {"candidates", std::move(list)}};
}

void preselect(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string need_id = in.string("need_id");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (!is_staff(*ctx.user)) return reply.fail(ErrorCode::forbidden, "only coaches and admins preselect candidates");
  svc.workers.post([&svc, need_id, reply] {
    auto answer = svc.db.read([&](soci::session& sql) { return preselect_for(sql, need_id); });
    if (!answer) return reply.fail(ErrorCode::not_found, "no employer need with that id");
    reply.ok(std::move(*answer));
  });
}

// The organizer and admins read a session's schedule (docs/activities.md); to another coach the
// activity answers like a made-up id, as its mutators do.
std::optional<json::object> calendar_for(soci::session& sql, const protocol::UserInfo& viewer,
                                         const std::string& activity_id, protocol::Locale locale) {
  auto activity = server::sync::find_row(sql, ac::activities, activity_id);
  if (!activity) return std::nullopt;
  if (viewer.role != Role::admin && row_string(*activity, "organizer_id") != viewer.id) return std::nullopt;
  json::object answer{{"activity_id", activity_id},
                      {"activity_ics", activities::activity_ics(*activity, locale)},
                      {"grid", nullptr},
                      {"agendas", json::array()}};
  auto schedule = server::sync::find_row(sql, ac::schedules, activity_id);
  if (!schedule) return answer;
  answer["grid"] = activities::schedule_text(*activity, *schedule, locale);
  json::array agendas;
  for (const auto& agenda_id : row_strings(*schedule, "agenda_ids")) {
    auto agenda = server::sync::find_row(sql, ac::agendas, agenda_id);
    if (!agenda) continue;
    agendas.push_back(json::object{{"agenda_id", agenda_id},
                                   {"user_id", row_string(*agenda, "user_id")},
                                   {"side", row_string(*agenda, "side")},
                                   {"title", row_string(*agenda, "title")},
                                   {"text", activities::agenda_text(*activity, *agenda, locale)},
                                   {"ics", activities::agenda_ics(*activity, *agenda, locale)}});
  }
  answer["agendas"] = std::move(agendas);
  return answer;
}

void calendar(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string activity_id = in.string("activity_id");
  auto locale_text = in.optional_string("locale");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (!is_staff(*ctx.user)) return reply.fail(ErrorCode::forbidden, "only coaches and admins print activity schedules");
  auto locale = ctx.user->locale;
  if (locale_text) {
    auto parsed = protocol::parse_locale(*locale_text);
    if (!parsed) return reply.fail(ErrorCode::bad_request, "field 'locale' must be \"fr\" or \"en\"");
    locale = *parsed;
  }
  svc.workers.post([&svc, user = *ctx.user, activity_id, locale, reply] {
    auto answer = svc.db.read([&](soci::session& sql) { return calendar_for(sql, user, activity_id, locale); });
    if (!answer) return reply.fail(ErrorCode::not_found, "no activity with that id among yours");
    reply.ok(std::move(*answer));
  });
}

}  // namespace

void register_staff_tool_handlers(net::Dispatcher& d, Services& svc) {
  d.add("employers.preselect", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { preselect(svc, c, r, std::move(reply)); });
  d.add("activities.calendar", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { calendar(svc, c, r, std::move(reply)); });
}

}  // namespace passerelle::server::handlers
