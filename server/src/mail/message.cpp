#include "message.h"

#include <openssl/evp.h>

#include <chrono>
#include <cstdio>

#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"

namespace passerelle::server::mail {
namespace {

bool plain_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}


}  // namespace

std::string encode_header(std::string_view text) {
  if (plain_ascii(text)) return std::string(text);
  // "=?UTF-8?B?" + data + "?=" <= 75  → data <= 63 chars → 45 raw bytes per word at most.
  constexpr std::size_t kMaxRaw = 45;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = std::min(text.size(), i + kMaxRaw);
    // Never cut a UTF-8 sequence: back up over continuation bytes.
    while (end < text.size() && end > i && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  std::size_t line_len = 0;
  auto emit = [&](std::string_view piece) {
    if (line_len + piece.size() > 75) {  // leave room for the soft-break '='
      out += "=\r\n";
      line_len = 0;
    }
    out += piece;
    line_len += piece.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r') continue;
    if (c == '\n') {
      // Trailing whitespace before a line break must be encoded.
      if (!out.empty() && (out.back() == ' ' || out.back() == '\t') && line_len > 0) {
        char ws = out.back();
        out.pop_back();
        --line_len;
        char enc[4] = {'=', hex[(unsigned char)ws >> 4], hex[ws & 15], 0};
        emit(enc);
      }
      out += "\r\n";
      line_len = 0;
      continue;
    }
    if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') {
      char s[2] = {static_cast<char>(c), 0};
      emit(s);
    } else {
      char enc[4] = {'=', hex[c >> 4], hex[c & 15], 0};
      emit(enc);
    }
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

std::string rfc5322_date(Timestamp t) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd(days);
  std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(t - days));
  std::chrono::weekday wd(days);
  static const char* wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", wdays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string compose(const Message& m) {
  std::string out;
  out += "Date: " + rfc5322_date(m.date) + "\r\n";
  out += "From: " + m.from + "\r\n";
  out += "To: " + m.to + "\r\n";
  out += "Subject: " + encode_header(m.subject) + "\r\n";
  out += "Message-ID: " + m.message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (!m.calendar.empty()) {
    // The boundary never occurs in quoted-printable or base64 text ("=_" is not produced by either).
    std::string boundary = "=_passerelle_" + to_hex(random_bytes(12));
    out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quoted_printable(m.body);
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/calendar; charset=UTF-8; method=" + m.calendar_method + "; name=\"meeting.ics\"\r\n";
    out += "Content-Disposition: attachment; filename=\"meeting.ics\"\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string b64 = base64(m.calendar);
    for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
    out += "--" + boundary + "--\r\n";
    return out;
  }
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n";
  out += "\r\n";
  out += quoted_printable(m.body);
  return out;
}

std::string host_of_url(const std::string& url) {
  auto p = url.find("://");
  std::string rest = p == std::string::npos ? url : url.substr(p + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') rest = rest.substr(0, rest.find(']') + 1);
  else rest = rest.substr(0, rest.find(':'));
  return rest.empty() ? "localhost" : rest;
}

Message invitation_message(protocol::Locale locale, const std::string& to, const std::string& token,
                           const std::string& public_url, const std::string& inviter_name,
                           protocol::Role role, const std::string& expires_at) {
  std::string host = host_of_url(public_url);
  std::string ws_url = public_url;
  if (ws_url.rfind("https://", 0) == 0) ws_url = "wss://" + ws_url.substr(8);
  else if (ws_url.rfind("http://", 0) == 0) ws_url = "ws://" + ws_url.substr(7);
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  // The phone app's own screen (web/app/): the token stays in the fragment, never sent to a server.
  std::string link = base + "/app/invite#" + token;
  std::string command = "passerelle --server " + ws_url + " --data ~/.passerelle accept-invite " + token;

  Message m;
  m.from = "Passerelle <no-reply@" + host + ">";
  m.to = to;
  m.date = now_utc();
  m.message_id = "<" + new_id() + "@" + host + ">";
  std::string_view role_fr, role_en;
  switch (role) {
    case protocol::Role::candidate: role_fr = "candidat·e"; role_en = "candidate"; break;
    case protocol::Role::mentor: role_fr = "mentor·e"; role_en = "mentor"; break;
    case protocol::Role::coach: role_fr = "coach"; role_en = "coach"; break;
    case protocol::Role::admin: role_fr = "administrateur·rice"; role_en = "administrator"; break;
    case protocol::Role::employer: role_fr = "employeur·e partenaire"; role_en = "partner employer"; break;
  }
  if (locale == protocol::Locale::fr) {
    m.subject = "Votre invitation à Passerelle";
    m.body = "Bonjour,\n\n" + inviter_name + " vous invite à rejoindre Passerelle en tant que " +
             std::string(role_fr) +
             ".\n\nPasserelle vous accompagne avant votre arrivée au Québec : plan d'action, "
             "échanges avec votre coach et rencontres avec un mentor de votre domaine.\n\n"
             "Pour créer votre compte, ouvrez ce lien :\n" + link +
             "\n\nOu, avec l'application en ligne de commande :\n" + command +
             "\n\nVotre code d'invitation : " + token +
             "\nIl est valable une seule fois, jusqu'au " + expires_at +
             " (UTC).\n\nSi vous n'attendiez pas ce message, ignorez-le.\n\n— L'équipe Passerelle\n";
  } else {
    m.subject = "Your invitation to Passerelle";
    m.body = "Hello,\n\n" + inviter_name + " invites you to join Passerelle as a " + std::string(role_en) +
             ".\n\nPasserelle supports you before you arrive in Québec: an action plan, messages "
             "with your coach and meetings with a mentor in your field.\n\n"
             "To create your account, open this link:\n" + link +
             "\n\nOr, with the command-line app:\n" + command + "\n\nYour invitation code: " + token +
             "\nIt can be used once, until " + expires_at +
             " (UTC).\n\nIf you did not expect this message, you can ignore it.\n\n— The Passerelle team\n";
  }
  return m;
}

Message password_reset_message(protocol::Locale locale, const std::string& to, const std::string& name,
                               const std::string& token, const std::string& code, const std::string& public_url,
                               const std::string& expires_at) {
  std::string host = host_of_url(public_url);
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string link = base + "/app/reset#" + token;
  std::string command = "passerelle password reset --code " + code;
  std::string fr =
      "Bonjour " + name + ",\n\nQuelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte "
      "Passerelle.\n\nPour choisir un nouveau mot de passe, ouvrez ce lien :\n" + link +
      "\n\nOu, avec l'application en ligne de commande :\n" + command +
      "\n\nLe lien et le code servent une seule fois, jusqu'au " + expires_at +
      " (UTC). Une fois le mot de passe changé, tous vos appareils devront se reconnecter.\n\n"
      "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.\n\n"
      "— L'équipe Passerelle\n";
  std::string en =
      "Hello " + name + ",\n\nSomeone (probably you) asked to change the password of your Passerelle account.\n\n"
      "To choose a new password, open this link:\n" + link + "\n\nOr, with the command-line app:\n" + command +
      "\n\nThe link and the code work once, until " + expires_at +
      " (UTC). Once the password is changed, every one of your devices signs in again.\n\n"
      "If you did not ask for this, ignore this message: your password stays the same.\n\n"
      "— The Passerelle team\n";
  const std::string separator = "\n----------------------------------------\n\n";
  Message m;
  m.from = "Passerelle <no-reply@" + host + ">";
  m.to = to;
  m.date = now_utc();
  m.message_id = "<" + new_id() + "@" + host + ">";
  if (locale == protocol::Locale::fr) {
    m.subject = "Nouveau mot de passe Passerelle / New Passerelle password";
    m.body = fr + separator + en;
  } else {
    m.subject = "New Passerelle password / Nouveau mot de passe Passerelle";
    m.body = en + separator + fr;
  }
  return m;
}

}  // namespace passerelle::server::mail
