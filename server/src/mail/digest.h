// The digest e-mail of unread messages (docs/messages.md): one per person and period, in the
// person's language, naming who wrote and how many messages wait. Message text appears only
// when the person allows it (profile `email_digest`: "full", "private" or "off").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "message.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::server::mail {

struct DigestThread {
  std::string with;            // who else is in the conversation, e.g. "Sophie Tremblay (coach)"
  std::int64_t unread = 0;
  std::string latest_preview;  // the latest unread message's text; empty when not to be shown
};

struct Digest {
  protocol::Locale locale = protocol::Locale::fr;
  std::string to;  // e-mail address
  std::string name;
  std::vector<DigestThread> threads;
};

// Longest text of one message quoted in a digest (bytes, cut on a character boundary).
inline constexpr std::size_t kDigestPreviewBytes = 280;

Message digest_message(const Digest& digest, const std::string& public_url);

}  // namespace passerelle::server::mail
