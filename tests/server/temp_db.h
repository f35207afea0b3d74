// A SQLite database in a fresh temporary folder, removed at the end: for the server's unit
// tests that open a real storage::Database.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace passerelle::testing {

struct TempDb {
  TempDb() {
    dir = std::filesystem::temp_directory_path() /
          ("pw-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;
  std::string url() const { return "sqlite:" + (dir / "db.sqlite").string(); }
  std::filesystem::path dir;
  static inline int counter = 0;
};

}  // namespace passerelle::testing
