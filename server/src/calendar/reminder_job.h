// Reminder e-mails before mentor meetings (docs/mentoring.md): one about 24 hours before and one
// about an hour before, to both people, with the meeting's .ics. A reminder is claimed in
// `meeting_reminders` (meeting, kind, start) before it is sent, so it goes once even across
// restarts and instances; a moved meeting gets reminders for its new time, a cancelled one
// none. The 24-hour reminder is skipped when the meeting changed within the last two hours
// (its confirmation just went out).
#pragma once

#include <string>

#include "mail/mailer.h"
#include "passerelle/shared/time.h"
#include "storage/database.h"

namespace passerelle::server::calendar {

// Runs as a PeriodicTask (periodic_task.h).
class ReminderJob {
 public:
  ReminderJob(storage::Database& db, mail::Mailer& mailer, std::string public_url);

  // One pass at `now`; returns how many meetings got a reminder. Blocking.
  std::size_t run_once(Timestamp now);

 private:
  storage::Database& db_;
  mail::Mailer& mailer_;
  std::string public_url_;
};

}  // namespace passerelle::server::calendar
