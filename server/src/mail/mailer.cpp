#include "mailer.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "passerelle/shared/ids.h"

namespace passerelle::server::mail {
namespace {

// A mail command that exits without reading all of its input makes our write raise SIGPIPE,
// whose default action kills the whole server. Block it on this thread while we talk to the
// command and discard the one it may have left pending: the failure shows as a short write.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
};

}  // namespace

Result<std::string> Mailer::send(const Message& m) {
  std::string text = compose(m);
  if (!command_.empty()) {
    std::lock_guard lock(command_mutex_);
    SigpipeBlocked no_sigpipe;
    FILE* pipe = ::popen(command_.c_str(), "w");
    if (!pipe) return Error{ErrorCode::internal, "cannot start the mail command"};
    std::size_t n = std::fwrite(text.data(), 1, text.size(), pipe);
    int status = ::pclose(pipe);
    if (n != text.size() || status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      return Error{ErrorCode::internal, "the mail command failed"};
    return std::string();
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Error{ErrorCode::internal, "cannot create the mail directory: " + ec.message()};
  std::string id = m.file_stem.empty() ? new_id() : m.file_stem;
  fs::path final_path = fs::path(dir_) / (id + ".eml");
  fs::path tmp_path = fs::path(dir_) / ("." + id + ".tmp");
  {
    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      fs::remove(tmp_path, ec);
      return Error{ErrorCode::internal, "cannot write the e-mail file"};
    }
  }
  fs::rename(tmp_path, final_path, ec);
  if (ec) {
    fs::remove(tmp_path, ec);
    return Error{ErrorCode::internal, "cannot write the e-mail file"};
  }
  return final_path.string();
}

}  // namespace passerelle::server::mail
