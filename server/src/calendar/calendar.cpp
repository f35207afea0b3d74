#include "calendar/calendar.h"

#include <boost/json/parse.hpp>

#include "../log.h"
#include "../services.h"
#include "auth/accounts.h"
#include "sync/change_log.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/mentors/ics.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/row_fields.h"
#include "../storage/db_error.h"

namespace passerelle::server::calendar {
namespace json = boost::json;
namespace mc = passerelle::mentors::collection;

namespace {

// The person behind an id, if their account is active.
std::optional<protocol::UserInfo> read_person(soci::session& sql, const std::string& id) {
  auto u = auth::find_user_by_id(sql, id);
  if (!u || u->disabled) return std::nullopt;
  return u->info;
}

}  // namespace

std::optional<std::string> feed_owner(soci::session& sql, const std::string& token_hash) {
  auto row = server::sync::find_row(sql, mc::calendar_tokens, token_hash);
  if (!row) return std::nullopt;
  std::string user = passerelle::sync::row_string(*row, "user_id");
  if (user.empty()) return std::nullopt;
  return user;
}

std::string feed_ics(soci::session& sql, const std::string& user_id) {
  protocol::Locale locale = protocol::Locale::fr;
  if (auto p = read_person(sql, user_id)) locale = p->locale;
  std::vector<mentors::IcsEvent> events;
  std::string c(mc::meetings);
  soci::rowset<std::string> rs = (sql.prepare << "SELECT r.data FROM sync_readable a JOIN sync_rows r"
                                                 " ON r.collection = a.collection AND r.id = a.row_id"
                                                 " WHERE a.user_id = :u AND a.collection = :c AND a.visible = 1"
                                                 " AND r.deleted = 0 ORDER BY r.id",
                                  soci::use(user_id), soci::use(c));
  for (const std::string& data : rs) {
    boost::system::error_code ec;
    auto v = json::parse(data, ec);
    if (ec || !v.is_object()) continue;
    const auto& m = v.as_object();
    // A coach reads their candidates' meetings in the app; their calendar holds their own only.
    if (passerelle::sync::row_string(m, "candidate_id") != user_id && passerelle::sync::row_string(m, "mentor_id") != user_id) continue;
    events.push_back(mentors::meeting_event(m, user_id, locale));
  }
  return mentors::ics_calendar(events, "", locale == protocol::Locale::fr ? "Passerelle — rencontres" : "Passerelle — meetings");
}

std::optional<std::string> token_of_path(std::string_view path) {
  constexpr std::string_view prefix = "/v1/calendar/", suffix = ".ics";
  if (path.size() <= prefix.size() + suffix.size() || path.substr(0, prefix.size()) != prefix ||
      path.substr(path.size() - suffix.size()) != suffix)
    return std::nullopt;
  std::string token(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
  if (token.size() < 32 || token.size() > 128) return std::nullopt;
  for (char ch : token)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') return std::nullopt;
  return token;
}

std::vector<mail::Message> meeting_messages(soci::session& sql, const std::string& meeting_id, const std::string& public_url,
                                            Timestamp now, MeetingMail why) {
  std::vector<mail::Message> out;
  auto m = server::sync::find_row(sql, mc::meetings, meeting_id);
  if (!m) return out;
  bool cancelled = passerelle::sync::row_string(*m, "status") == "cancelled";
  std::int64_t sequence = 0;
  if (auto* s = m->if_contains("sequence"); s && s->is_int64()) sequence = s->get_int64();
  auto start = parse_rfc3339(passerelle::sync::row_string(*m, "start")).value_or(now);
  std::string host = mail::host_of_url(public_url);
  std::vector<std::pair<std::string, protocol::UserInfo>> people;
  for (const auto& id : {passerelle::sync::row_string(*m, "candidate_id"), passerelle::sync::row_string(*m, "mentor_id")})
    if (auto p = read_person(sql, id)) people.emplace_back(id, *p);
  std::vector<std::string> emails;
  for (const auto& [id, p] : people) emails.push_back(p.email);

  for (const auto& [id, p] : people) {
    bool fr = p.locale == protocol::Locale::fr;
    bool is_mentor = id == passerelle::sync::row_string(*m, "mentor_id");
    std::string zone = is_mentor ? passerelle::sync::row_string(*m, "mentor_time_zone") : passerelle::sync::row_string(*m, "candidate_time_zone");
    if (zone.empty()) zone = "UTC";
    std::string when = mentors::local_label(start, zone);
    auto ev = mentors::meeting_event(*m, id, p.locale);
    ev.organizer_email = "no-reply@" + host;
    ev.attendee_emails = emails;
    mail::Message msg;
    msg.from = "Passerelle <no-reply@" + host + ">";
    msg.to = p.email;
    msg.date = now;
    msg.message_id = "<" + new_id() + "@" + host + ">";
    std::string what = cancelled ? (fr ? "annulée" : "cancelled")
                                 : sequence > 0 ? (fr ? "déplacée" : "moved") : (fr ? "confirmée" : "confirmed");
    msg.subject = (fr ? "Rencontre de mentorat " : "Mentoring meeting ") + what + " — " + when;
    std::string soon;
    if (why != MeetingMail::change) {
      bool hour = why == MeetingMail::reminder_1h;
      msg.subject = fr ? std::string("Rappel : rencontre de mentorat ") + (hour ? "dans 1 h" : "demain") + " — " + when
                       : std::string("Reminder: mentoring meeting ") + (hour ? "in 1 hour" : "tomorrow") + " — " + when;
      soon = fr ? std::string("Votre rencontre commence ") + (hour ? "dans moins d'une heure" : "dans moins de 24 heures") + ".\n\n"
                : std::string("Your meeting starts ") + (hour ? "in less than an hour" : "in less than 24 hours") + ".\n\n";
    }
    std::string body = (fr ? "Bonjour " : "Hello ") + p.name + ",\n\n" + soon + ev.description + "\n" +
                       (fr ? "Le fichier .ics joint met votre agenda à jour.\n"
                             "Annuler ou déplacer : passerelle cancel " + meeting_id.substr(0, 8) + "\n"
                           : "The attached .ics updates your calendar.\n"
                             "To cancel or move it: passerelle cancel " + meeting_id.substr(0, 8) + "\n");
    msg.body = body;
    msg.calendar = mentors::ics_calendar({ev}, cancelled ? "CANCEL" : "REQUEST");
    msg.calendar_method = cancelled ? "CANCEL" : "REQUEST";
    out.push_back(std::move(msg));
  }
  return out;
}

std::vector<std::string> meetings_to_mail(soci::session& sql, const std::vector<passerelle::sync::Op>& ops,
                                          const std::vector<passerelle::sync::OpResult>& results) {
  std::vector<std::string> ids;
  auto add = [&ids](std::string_view id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.emplace_back(id);
  };
  for (std::size_t i = 0; i < ops.size() && i < results.size(); ++i) {
    if (results[i].status != passerelle::sync::OpStatus::applied) continue;
    const auto& name = ops[i].name;
    auto* id = ops[i].args.if_contains("id");
    if (!id || !id->is_string()) continue;
    if (name == "meeting.request" || name == "meeting.reschedule" || name == "meeting.cancel") {
      add(id->get_string());
    } else if (name == "mentorship.complete") {
      // Closing a mentorship cancels its upcoming meetings: both people get the CANCEL too.
      std::string mentorship(id->get_string()), collection(mc::meetings), meeting, data;
      soci::statement st = (sql.prepare << "SELECT id, data FROM sync_rows WHERE collection = :c AND deleted = 0"
                                           " AND data LIKE '%' || :m || '%'",
                            soci::into(meeting), soci::into(data), soci::use(collection), soci::use(mentorship));
      st.execute();
      while (st.fetch()) {
        auto row = boost::json::parse(data);
        if (!row.is_object()) continue;
        const auto& m = row.get_object();
        if (passerelle::sync::row_string(m, "mentorship_id") == mentorship && passerelle::sync::row_string(m, "status") == "cancelled" &&
            passerelle::sync::row_string(m, "cancel_reason").rfind("mentorship closed", 0) == 0)
          add(meeting);
      }
    }
  }
  return ids;
}

void mail_meetings(Services& svc, std::vector<std::string> meeting_ids) {
  if (meeting_ids.empty()) return;
  svc.workers.post([&svc, ids = std::move(meeting_ids)] {
    for (const auto& id : ids) {
      try {
        auto messages = svc.db.read([&](soci::session& sql) { return meeting_messages(sql, id, svc.config.public_url, now_utc()); });
        for (const auto& m : messages)
          if (auto sent = svc.mailer.send(m); !sent)
            log::warn("meeting_mail_failed", {{"meeting_id", id}, {"message", sent.error().message}});
      } catch (const std::exception& e) {
        log::error("meeting_mail_failed", storage::failure_fields(e, {{"meeting_id", id}}));
      }
    }
  });
}

}  // namespace passerelle::server::calendar
