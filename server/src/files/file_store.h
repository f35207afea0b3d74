// Uploaded files on disk, named by their SHA-256: <dir>/<first two hex digits>/<sha256>.
// A file appears under its name only complete and durable (written to a temporary name,
// fsynced, renamed, directory fsynced), so a crash or a refused upload never leaves a partial
// file where a reader could find it. Thread-safe: concurrent stores of the same bytes race to
// an identical rename.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "passerelle/shared/error.h"

namespace passerelle::server::files {

class FileStore {
 public:
  // Creates the directory (0700) and removes temporaries left by a crash.
  static Result<FileStore> open(const std::filesystem::path& dir);

  // Stores `content` under `sha256` (the caller verified the hash). No-op when present.
  Status put(std::string_view sha256, std::string_view content) const;
  bool has(std::string_view sha256) const;
  std::filesystem::path path_of(std::string_view sha256) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit FileStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace passerelle::server::files
