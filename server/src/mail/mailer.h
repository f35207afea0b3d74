// Delivers composed messages: atomically into `<mail-dir>/<uuid>.eml` (temp file + rename, so
// a reader never sees half a message), or piped into `--mail-command` (e.g. sendmail -t).
// Blocking: call from the WorkerPool.
#pragma once

#include <mutex>
#include <string>

#include "message.h"
#include "passerelle/shared/error.h"

namespace passerelle::server::mail {

class Mailer {
 public:
  Mailer(std::string dir, std::string command) : dir_(std::move(dir)), command_(std::move(command)) {}
  // Thread-safe. On success returns the file written (empty with a command).
  Result<std::string> send(const Message& m);

 private:
  std::string dir_, command_;
  std::mutex command_mutex_;  // one sendmail at a time keeps popen simple
};

}  // namespace passerelle::server::mail
