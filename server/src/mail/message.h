// RFC 5322 e-mail composition: CRLF line ends, RFC 2047 encoded-words for non-ASCII
// subjects, UTF-8 quoted-printable bodies (RFC 2045), Date in RFC 5322 format.
#pragma once

#include <string>
#include <string_view>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::mail {

struct Message {
  std::string from;        // "Passerelle <no-reply@example.org>"
  std::string to;          // an address
  std::string subject;     // UTF-8
  std::string body;        // UTF-8 text, '\n' line ends (converted to CRLF)
  Timestamp date;
  std::string message_id;  // "<id@host>"
  // With --mail-dir, the file's name (without .eml) instead of a fresh id: sending the same
  // message again replaces its file (the invitation queue after a crash, docs/operations.md).
  std::string file_stem;
  // Optional iCalendar part (meeting e-mails, docs/mentoring.md): when set, the message is
  // multipart/mixed with the text first and then `text/calendar; method=<calendar_method>`
  // (base64, so its CRLF lines arrive intact) that calendar programs offer to add or update.
  std::string calendar;
  std::string calendar_method;  // "REQUEST" or "CANCEL"
};

// The full message, ready for a file or `sendmail -t`.
std::string compose(const Message& m);

// Header text: unchanged when printable ASCII, else RFC 2047 "=?UTF-8?B?...?=" words of at most
// 75 characters each (split on UTF-8 character boundaries), joined by CRLF SP folding.
std::string encode_header(std::string_view text);
// RFC 2045 quoted-printable with CRLF line ends and soft breaks keeping lines <= 76 chars.
std::string quoted_printable(std::string_view text);
// The host of a URL ("https://x.org:8443/a" -> "x.org", IPv6 keeps its brackets), for From
// addresses and Message-IDs; "localhost" when there is none.
std::string host_of_url(const std::string& url);
// "Tue, 01 Dec 2026 15:04:05 +0000"
std::string rfc5322_date(Timestamp t);

// The invitation e-mail in the invitation's locale: token, link <public_url>/app/invite#<token> (the phone app),
// and the command line to accept it with the `passerelle` client.
Message invitation_message(protocol::Locale locale, const std::string& to, const std::string& token,
                           const std::string& public_url, const std::string& inviter_name,
                           protocol::Role role, const std::string& expires_at);

// The password-reset e-mail: both languages, the account's locale first. The link opens the
// app at <public_url>/app/reset#<token>; the code is for `passerelle password reset --code`.
// Both work once, until `expires_at` (UTC).
Message password_reset_message(protocol::Locale locale, const std::string& to, const std::string& name,
                               const std::string& token, const std::string& code, const std::string& public_url,
                               const std::string& expires_at);

}  // namespace passerelle::server::mail
