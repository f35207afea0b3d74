// Sends a cohort's invitation e-mails from the invitation_queue table (migration 10), one at a
// time at a paced rate so the mail relay is not flooded, and resumes where it stopped after a
// restart: the queue is in the database, not in memory.
//
// Exactly once: an item's turn gives its invitation a fresh token (committed first: only then
// can the e-mail carry a usable link), then the e-mail is handed to the relay, then the item is
// marked sent. A crash between the last two sends it again on restart with another token, in a
// message named after the invitation: with --mail-dir it replaces the first file, so each
// person has one e-mail; through --mail-command the first e-mail's link is dead and the second
// one works (docs/operations.md).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "mail/mailer.h"
#include "storage/database.h"

namespace passerelle::server::invites {

class InvitationSender {
 public:
  struct Settings {
    double per_second = 2;    // pacing: at most this many e-mails a second
    double ttl_days = 14;     // the invitation's lifetime counts from its e-mail
    std::string public_url;
    int max_attempts = 5;     // a relay failing this often leaves the item, with its last error;
                              // each failure puts it back a minute per attempt
  };
  InvitationSender(storage::Database& db, mail::Mailer& mailer, Settings settings);
  ~InvitationSender() { stop(); }

  void start();
  void stop();
  // New items were queued: do not wait for the idle poll.
  void wake();
  // Sends the next due item; false when there was none. Blocking (a durable write, the relay).
  bool send_one();

 private:
  storage::Database& db_;
  mail::Mailer& mailer_;
  Settings settings_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace passerelle::server::invites
