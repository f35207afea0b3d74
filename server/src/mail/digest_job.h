// Sends the digest e-mails of unread messages (docs/messages.md). A person gets one when:
// messages written to them have been unread for `delay`, they have no signed-in connection
// and none ended within `delay` (the server's start counts as one), their profile does not
// say `email_digest: "off"`, some unread message is newer than their last digest, and their
// last digest is older than `interval`. The digest is recorded before it is sent: a crash in
// between loses one digest rather than sending two.
#pragma once

#include <chrono>
#include <string>

#include "mail/mailer.h"
#include "net/hub.h"
#include "passerelle/shared/time.h"
#include "storage/database.h"

namespace passerelle::server::mail {

struct DigestRules {
  std::chrono::seconds delay{1800};
  std::chrono::seconds interval{43200};
};

class DigestJob {
 public:
  DigestJob(storage::Database& db, const net::Hub& hub, Mailer& mailer, std::string public_url, DigestRules rules,
            Timestamp started_at);

  // One pass at `now`: finds, records and sends the due digests. Returns how many were sent.
  // Blocking (reads, a durable write, mail delivery). The server runs it as a PeriodicTask.
  std::size_t run_once(Timestamp now);

 private:
  storage::Database& db_;
  const net::Hub& hub_;
  Mailer& mailer_;
  std::string public_url_;
  DigestRules rules_;
  Timestamp started_at_;
};

}  // namespace passerelle::server::mail
