#include "files/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

#include "passerelle/shared/crypto.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/time.h"

namespace passerelle::client {

std::string_view to_string(UploadState state) noexcept {
  switch (state) {
    case UploadState::pending: return "pending";
    case UploadState::done: return "done";
    case UploadState::failed: return "failed";
  }
  return "pending";
}

namespace files {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempPrefix = ".part-";

Error io_error(const std::string& doing, const fs::path& path, int err) {
  return Error{ErrorCode::internal, "cannot " + doing + " " + path.string() + ": " + std::strerror(err)};
}

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status sync_folder(const fs::path& folder) {
  Fd dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd < 0) return io_error("open the folder", folder, errno);
  // Some file systems cannot sync a directory (EINVAL); the rename is then as durable as they allow.
  if (::fsync(dir.fd) != 0 && errno != EINVAL) return io_error("sync the folder", folder, errno);
  return Status::Ok();
}

fs::path temp_beside(const fs::path& path) {
  return path.parent_path() / (std::string(kTempPrefix) + to_hex(random_bytes(8)));
}

// Streams chunks from `next` into a new temporary beside `path`, syncs it, renames it.
template <class Next>
Status write_atomically(const fs::path& path, bool replace, Next next) {
  std::error_code ec;
  if (!replace && fs::exists(path, ec))
    return Error{ErrorCode::conflict, path.string() + " already exists; choose another name"};
  fs::path temp = temp_beside(path);
  Status written = [&]() -> Status {
    Fd out{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (out.fd < 0) return io_error("create", temp, errno);
    for (;;) {
      auto chunk = next();
      if (!chunk) return chunk.error();
      if (chunk->empty()) break;
      std::string_view rest = *chunk;
      while (!rest.empty()) {
        ssize_t n = ::write(out.fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return io_error("write", temp, errno);
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    if (::fsync(out.fd) != 0) return io_error("sync", temp, errno);
    return Status::Ok();
  }();
  if (written && ::rename(temp.c_str(), path.c_str()) != 0) written = io_error("rename a file to", path, errno);
  if (!written) {
    fs::remove(temp, ec);
    return written;
  }
  return sync_folder(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

}  // namespace

Status write_file_atomically(const fs::path& path, std::string_view content, bool replace) {
  bool sent = false;
  return write_atomically(path, replace, [&]() -> Result<std::string_view> {
    if (sent) return std::string_view();
    sent = true;
    return content;
  });
}

Status copy_file_atomically(const fs::path& from, const fs::path& to, bool replace) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return Error{ErrorCode::internal, "cannot read " + from.string()};
  std::vector<char> buf(64 * 1024);
  return write_atomically(to, replace, [&]() -> Result<std::string_view> {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.bad()) return Error{ErrorCode::internal, "cannot read " + from.string()};
    return std::string_view(buf.data(), static_cast<std::size_t>(in.gcount()));
  });
}

std::vector<sqlite::Migration> FileStore::migrations(int v) {
  return {
      {v,
       "CREATE TABLE uploads (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL,"
       " type TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),"
       " error_code TEXT, error_message TEXT, queued_at TEXT NOT NULL, position INTEGER NOT NULL);"},
  };
}

fs::path FileStore::folder_for(const fs::path& account_file) {
  fs::path folder = account_file;
  folder.replace_extension(".files");
  return folder;
}

Result<std::unique_ptr<FileStore>> FileStore::open(sqlite::Database& db, fs::path folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) {
    fs::create_directories(folder, ec);
    if (ec) return Error{ErrorCode::internal, "cannot create " + folder.string() + ": " + ec.message()};
  }
  fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, ec);
  // Temporaries a kill -9 left behind. Another process of this account may be writing one
  // right now, so only those untouched for an hour go.
  auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    std::error_code e;
    if (name.rfind(kTempPrefix, 0) == 0 && entry.last_write_time(e) < old && !e) fs::remove(entry.path(), e);
  }
  return std::unique_ptr<FileStore>(new FileStore(db, std::move(folder)));
}

std::optional<fs::path> FileStore::find(std::string_view sha256) const {
  if (!passerelle::files::is_sha256_hex(sha256)) return std::nullopt;
  fs::path p = folder_ / std::string(sha256);
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return p;
  return std::nullopt;
}

Result<fs::path> FileStore::keep(std::string_view sha256, std::string_view content) {
  if (!passerelle::files::is_sha256_hex(sha256)) return Error{ErrorCode::internal, "not a SHA-256: " + std::string(sha256)};
  if (auto p = find(sha256)) return *p;
  fs::path p = folder_ / std::string(sha256);
  // Another process may store the same content at the same moment: both write whole files
  // with the same bytes, and the last rename wins, so replacing is harmless.
  if (auto st = write_file_atomically(p, content, true); !st) return st.error();
  return p;
}

fs::path FileStore::temp_path() const { return temp_beside(folder_ / "x"); }

Result<fs::path> FileStore::adopt(const fs::path& temp, std::string_view sha256) {
  if (!passerelle::files::is_sha256_hex(sha256)) return Error{ErrorCode::internal, "not a SHA-256: " + std::string(sha256)};
  fs::path p = folder_ / std::string(sha256);
  ::chmod(temp.c_str(), 0600);
  if (::rename(temp.c_str(), p.c_str()) != 0) return io_error("rename a file to", p, errno);
  if (auto st = sync_folder(folder_); !st) return st.error();
  return p;
}

void FileStore::forget(std::string_view sha256) {
  if (!passerelle::files::is_sha256_hex(sha256)) return;
  std::error_code ec;
  fs::remove(folder_ / std::string(sha256), ec);
}

Status FileStore::queue_upload(const UploadInfo& u, std::string_view queued_at) {
  // Queued again after a failure: pending again (the person chose to retry). Already up: done.
  auto st = db_.prepare(
      "INSERT INTO uploads (sha256, name, size, type, state, queued_at, position)"
      " VALUES (?, ?, ?, ?, 'pending', ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM uploads))"
      " ON CONFLICT (sha256) DO UPDATE SET"
      "  state = CASE WHEN uploads.state = 'done' THEN 'done' ELSE 'pending' END,"
      "  error_code = CASE WHEN uploads.state = 'done' THEN uploads.error_code ELSE NULL END,"
      "  error_message = CASE WHEN uploads.state = 'done' THEN uploads.error_message ELSE NULL END,"
      "  position = CASE WHEN uploads.state = 'done' THEN uploads.position ELSE excluded.position END");
  if (!st) return st.error();
  st->bind(1, u.sha256).bind(2, u.name).bind(3, u.size).bind(4, u.type).bind(5, queued_at);
  return st->run();
}

Result<std::vector<UploadInfo>> FileStore::select(std::string_view where) {
  auto st = db_.prepare_cached("SELECT sha256, name, size, type, state, error_code, error_message, queued_at FROM uploads " +
                               std::string(where) + " ORDER BY position");
  if (!st) return st.error();
  std::vector<UploadInfo> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    UploadInfo u;
    u.sha256 = st->text(0);
    u.name = st->text(1);
    u.size = st->integer(2);
    u.type = st->text(3);
    std::string state = st->text(4);
    u.state = state == "done" ? UploadState::done : state == "failed" ? UploadState::failed : UploadState::pending;
    if (auto code = st->optional_text(5))
      u.error = Error{parse_error_code(*code).value_or(ErrorCode::internal), st->optional_text(6).value_or("")};
    u.queued_at = st->text(7);
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::vector<UploadInfo>> FileStore::uploads() { return select(""); }

Result<std::vector<UploadInfo>> FileStore::pending_uploads() { return select("WHERE state = 'pending'"); }

Status FileStore::mark_done(std::string_view sha256) {
  auto st = db_.prepare("UPDATE uploads SET state = 'done', error_code = NULL, error_message = NULL WHERE sha256 = ?");
  if (!st) return st.error();
  st->bind(1, sha256);
  return st->run();
}

Status FileStore::mark_failed(std::string_view sha256, const Error& error) {
  auto st = db_.prepare("UPDATE uploads SET state = 'failed', error_code = ?, error_message = ? WHERE sha256 = ?");
  if (!st) return st.error();
  st->bind(1, to_string(error.code)).bind(2, error.message).bind(3, sha256);
  return st->run();
}

}  // namespace files
}  // namespace passerelle::client
