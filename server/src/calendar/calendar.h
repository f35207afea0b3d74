// Calendars on the server (docs/mentoring.md, "Calendars"): the secret feed
// GET /v1/calendar/<token>.ics and the e-mail sent to both people when a meeting is booked,
// moved or cancelled, with its .ics (text/calendar; method=REQUEST or CANCEL).
//
// Feed tokens: the device makes the token and pushes only its SHA-256 (calendar.feed.set), which
// lands in the server-only `calendar_tokens` rows. The feed answers 404 for an unknown or
// revoked token, exactly as for a malformed one, so it tells a prober nothing.
//
// Meeting e-mails run after the push transaction committed (the post-commit hook in
// handlers/sync_handlers.cpp), on the worker pool, from the committed meeting row: a refused or
// rolled-back op sends nothing. A crash between the commit and the send loses that e-mail (the
// feed still shows the change); see docs/mentoring.md.
#pragma once

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "../mail/message.h"
#include "passerelle/shared/sync/wire.h"
#include "passerelle/shared/time.h"

namespace passerelle::server {
struct Services;
namespace net {
class HttpRoutes;
}

namespace calendar {

// The user whose feed token has this SHA-256 (hex), if it is live.
std::optional<std::string> feed_owner(soci::session& sql, const std::string& token_hash);

// The user's meetings (as candidate or mentor, cancelled ones too so calendars drop them) as
// one VCALENDAR in the user's language.
std::string feed_ics(soci::session& sql, const std::string& user_id);

// "/v1/calendar/<token>.ics" -> the token; nullopt when the path has any other shape.
std::optional<std::string> token_of_path(std::string_view path);

// Why a meeting e-mail goes out: the meeting changed (booked, moved, cancelled), or it starts
// soon (reminder_24h, reminder_1h; the .ics then repeats the unchanged event).
enum class MeetingMail { change, reminder_24h, reminder_1h };

// The e-mails about the current state of a meeting: one to each of its two people, in their
// language, with both local times, the video link, and the .ics (REQUEST, or CANCEL when
// cancelled). Empty when the meeting does not exist.
std::vector<mail::Message> meeting_messages(soci::session& sql, const std::string& meeting_id,
                                            const std::string& public_url, Timestamp now,
                                            MeetingMail why = MeetingMail::change);

// The meetings whose e-mail is due after a push: the ids of the applied meeting.request,
// meeting.reschedule and meeting.cancel ops (a repeated cancel of a cancelled meeting
// changes nothing and mails nothing: its SEQUENCE did not move).
// Also the meetings a coach's applied `mentorship.complete` cancelled by closing the mentorship
// (read on `sql`, inside the push transaction).
std::vector<std::string> meetings_to_mail(soci::session& sql, const std::vector<passerelle::sync::Op>& ops,
                                          const std::vector<passerelle::sync::OpResult>& results);

// Registers GET /v1/calendar/ (HEAD too). Reads run on the worker pool.
void register_calendar_routes(net::HttpRoutes& routes, Services& services);

// Sends meeting_messages() of each id on the worker pool (the post-commit hook).
void mail_meetings(Services& services, std::vector<std::string> meeting_ids);

}  // namespace calendar
}  // namespace passerelle::server
