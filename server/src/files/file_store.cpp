#include "files/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "passerelle/shared/crypto.h"

namespace passerelle::server::files {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempPrefix = ".upload-";

Status io_error(const std::string& what, const fs::path& p) {
  return Status(ErrorCode::internal, what + " " + p.string() + ": " + std::strerror(errno));
}

Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot sync directory", dir);
  return Status::Ok();
}

}  // namespace

Result<FileStore> FileStore::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{ErrorCode::internal, "cannot create the files directory " + dir.string() + ": " + ec.message()};
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  // Temporaries are uploads a crash interrupted: nobody refers to them.
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().filename().string().rfind(kTempPrefix, 0) == 0) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
  return FileStore(dir);
}

fs::path FileStore::path_of(std::string_view sha256) const {
  return dir_ / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

bool FileStore::has(std::string_view sha256) const {
  std::error_code ec;
  return fs::is_regular_file(path_of(sha256), ec);
}

Status FileStore::put(std::string_view sha256, std::string_view content) const {
  fs::path final_path = path_of(sha256);
  if (has(sha256)) return Status::Ok();
  fs::path sub = final_path.parent_path();
  std::error_code ec;
  fs::create_directories(sub, ec);
  if (ec) return Status(ErrorCode::internal, "cannot create " + sub.string() + ": " + ec.message());
  fs::path temp = sub / (std::string(kTempPrefix) + new_token());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", temp);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto st = io_error("cannot write", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return st;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto st = io_error("cannot sync", temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return st;
  }
  ::close(fd);
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    auto st = io_error("cannot rename into", final_path);
    ::unlink(temp.c_str());
    return st;
  }
  return fsync_dir(sub);
}

}  // namespace passerelle::server::files
