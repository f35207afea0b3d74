// A pull page as the device stores it: each row's `data` as JSON text, never as an object.
// A first sync stores tens of thousands of rows it does not read (docs/benchmarks.md, "The
// browser": parsing each row into an object and serializing it again to store it was most of
// the browser's pull). read_pull_answer (pull_answer.h) fills one straight from the frame;
// SyncStore::apply_pull_page also makes one from a parsed PullPage (a carried poke).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace passerelle::client {

struct PulledPage {
  // Where a piece of text lies in `text`: offsets, so the page can be moved.
  struct Slice {
    std::size_t at = 0;
    std::size_t size = 0;
  };
  struct Row {
    Slice collection, id;
    Slice data;       // the row as compact JSON, as json::serialize writes it (empty for a tombstone)
    Slice thread_id;  // the data's top-level "thread_id" string, when it has one
    std::int64_t seq = 0;
    bool deleted = false;
  };

  std::vector<Row> rows;
  std::string text;  // the characters of every slice
  std::int64_t cursor = 0;
  bool more = false;
  bool resync = false;
  std::string epoch;
  std::int64_t horizon = 0;

  std::string_view operator[](Slice s) const { return std::string_view(text).substr(s.at, s.size); }
  Slice add(std::string_view s) {
    Slice slice{text.size(), s.size()};
    text.append(s);
    return slice;
  }
};

}  // namespace passerelle::client
