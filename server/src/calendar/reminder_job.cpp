#include "calendar/reminder_job.h"

#include <boost/json/parse.hpp>
#include <soci/soci.h>

#include "calendar/calendar.h"
#include "log.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::server::calendar {
namespace json = boost::json;

namespace {

struct Due {
  std::string meeting_id;
  std::string kind;  // "24h" or "1h"
  long long start_ms = 0;
};

}  // namespace

ReminderJob::ReminderJob(storage::Database& db, mail::Mailer& mailer, std::string public_url)
    : db_(db), mailer_(mailer), public_url_(std::move(public_url)) {}

std::size_t ReminderJob::run_once(Timestamp now) {
  using std::chrono::hours;
  std::vector<Due> due = db_.read([&](soci::session& sql) {
    std::vector<Due> out;
    std::string id, data;
    std::string collection(mentors::collection::meetings);
    soci::statement st = (sql.prepare << "SELECT id, data FROM sync_rows WHERE collection = :c AND deleted = 0",
                          soci::into(id), soci::into(data), soci::use(collection));
    st.execute();
    while (st.fetch()) {
      auto v = json::parse(data);
      if (!v.is_object() || passerelle::sync::row_string(v.get_object(), "status") != "scheduled") continue;
      auto start = parse_rfc3339(passerelle::sync::row_string(v.get_object(), "start"));
      if (!start || *start <= now) continue;
      auto left = *start - now;
      if (left <= hours(1)) {
        out.push_back({id, "1h", to_unix_ms(*start)});
      } else if (left <= hours(24)) {
        auto changed = parse_rfc3339(passerelle::sync::row_string(v.get_object(), "updated_at"));
        if (changed && now - *changed < hours(2)) continue;  // the confirmation has just gone out
        out.push_back({id, "24h", to_unix_ms(*start)});
      }
    }
    return out;
  });

  std::size_t sent = 0;
  for (const Due& d : due) {
    bool claimed = false;
    long long at = to_unix_ms(now);
    Status st = db_.writer().run([&](soci::session& sql) {
      sql << "INSERT INTO meeting_reminders (meeting_id, kind, start_ms, sent_at_ms) VALUES (:m, :k, :s, :a)"
             " ON CONFLICT DO NOTHING RETURNING meeting_id",
          soci::use(d.meeting_id), soci::use(d.kind), soci::use(d.start_ms), soci::use(at);
      claimed = sql.got_data();
      return Status::Ok();
    });
    if (!st) {
      log::error("meeting_reminder_record_failed", {{"meeting_id", d.meeting_id}, {"message", st.error().message}});
      continue;
    }
    if (!claimed) continue;
    auto why = d.kind == "1h" ? MeetingMail::reminder_1h : MeetingMail::reminder_24h;
    auto messages = db_.read([&](soci::session& sql) { return meeting_messages(sql, d.meeting_id, public_url_, now, why); });
    for (const auto& m : messages)
      if (auto r = mailer_.send(m); !r)
        log::warn("meeting_reminder_mail_failed", {{"meeting_id", d.meeting_id}, {"message", r.error().message}});
    log::info("meeting_reminder_sent", {{"meeting_id", d.meeting_id}, {"kind", d.kind}});
    ++sent;
  }
  return sent;
}

}  // namespace passerelle::server::calendar
