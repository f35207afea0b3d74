#include "mail/digest.h"

#include "passerelle/shared/ids.h"
#include "passerelle/shared/text.h"

namespace passerelle::server::mail {
namespace {

// Cut at most `max` bytes without splitting a UTF-8 character; one line, trimmed.
std::string preview(std::string text, std::size_t max) {
  for (auto& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  text = std::string(trim(text));
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

}  // namespace

Message digest_message(const Digest& d, const std::string& public_url) {
  std::string host = host_of_url(public_url);
  Message m;
  m.from = "Passerelle <no-reply@" + host + ">";
  m.to = d.to;
  m.date = now_utc();
  m.message_id = "<" + new_id() + "@" + host + ">";
  std::int64_t total = 0;
  for (const auto& t : d.threads) total += t.unread;
  bool fr = d.locale == protocol::Locale::fr;
  std::string n = std::to_string(total);
  if (fr) {
    m.subject = total == 1 ? "Passerelle : 1 message non lu" : "Passerelle : " + n + " messages non lus";
    m.body = "Bonjour " + d.name + ",\n\n" +
             (total == 1 ? std::string("Un message vous attend dans Passerelle :\n\n")
                         : n + " messages vous attendent dans Passerelle :\n\n");
  } else {
    m.subject = total == 1 ? "Passerelle: 1 unread message" : "Passerelle: " + n + " unread messages";
    m.body = "Hello " + d.name + ",\n\n" +
             (total == 1 ? std::string("A message is waiting for you in Passerelle:\n\n")
                         : n + " messages are waiting for you in Passerelle:\n\n");
  }
  for (const auto& t : d.threads) {
    m.body += "- " + t.with + (fr ? " : " : ": ") + std::to_string(t.unread) + "\n";
    if (t.latest_preview.empty()) continue;
    std::string quoted = preview(t.latest_preview, kDigestPreviewBytes);
    m.body += fr ? "  « " + quoted + " »\n" : "  \"" + quoted + "\"\n";
  }
  if (fr) {
    m.body += "\nOuvrez l'application Passerelle pour les lire et répondre : " + public_url +
              "\n\nVous recevez au plus un tel courriel par période, seulement quand vous n'êtes pas connecté·e. "
              "Pour ne plus y voir le texte des messages, ou ne plus le recevoir, changez « email_digest » "
              "dans votre profil (private ou off).\n\n— L'équipe Passerelle\n";
  } else {
    m.body += "\nOpen the Passerelle app to read and answer them: " + public_url +
              "\n\nYou get at most one such e-mail per period, only while you are not signed in. To leave "
              "message text out of it, or to stop it, change \"email_digest\" in your profile (private or "
              "off).\n\n— The Passerelle team\n";
  }
  return m;
}

}  // namespace passerelle::server::mail
