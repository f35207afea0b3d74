// SHA-256 computed as bytes go by: a file is hashed while it is read from disk or from the
// network, never loaded twice. Files are named by this hash everywhere (docs/messages.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "passerelle/shared/error.h"

namespace passerelle::client::files {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // 64 lower-case hex digits. Ends this hasher: update() must not be called after it.
  std::string hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// The SHA-256 (hex) of a file's content, read in chunks.
Result<std::string> sha256_of_file(const std::filesystem::path& path);

}  // namespace passerelle::client::files
