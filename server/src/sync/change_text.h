// The JSON text of one change as the server sends it, in a pull answer's `changes` and in a
// carried poke alike (docs/protocol.md): one writer, so the two cannot drift apart.
//
//   std::string out;
//   if (!sync::append_change(out, {"messages", id, 57, false, stored_text})) ...  // damaged row
//
// A row's data goes out as the text it was stored with (written by the server from a JSON
// object at push), not parsed and written again: that was most of a pull's cost on the server
// (docs/benchmarks.md). The text is still checked, without building anything, so that a row
// damaged in the database cannot make a frame that is not JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace passerelle::server::sync {

// What a stored data text is: one JSON object (what the server writes), some other JSON value,
// or not JSON at all. A validating scan (UTF-8 included) that allocates nothing.
enum class StoredText { object, other_json, invalid };
StoredText classify_stored_text(std::string_view text);

struct ChangeView {
  std::string_view collection;
  std::string_view id;
  std::int64_t seq = 0;
  bool deleted = false;
  std::string_view data;  // the stored text; ignored for a tombstone
};

// Appends {"collection":..,"id":..,"seq":..,"deleted":..[,"data":<data>]} to `out`.
// Returns false and appends nothing when the change is not a tombstone and its data is not
// one JSON object (classify_stored_text): the caller decides what such a row becomes.
bool append_change(std::string& out, const ChangeView& change);

}  // namespace passerelle::server::sync
