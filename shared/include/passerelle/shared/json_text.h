// JSON text written by hand, where building Boost.JSON values only to serialize them would cost
// more than the text itself (a pull page's rows, a poke's changes, the web core's actions).
// Strings are escaped exactly as json::serialize escapes them: the quote, the backslash and the
// control characters below 0x20, nothing else (no UTF-8 check: the text was checked on the way in).
#pragma once

#include <string>
#include <string_view>

namespace passerelle {

// Appends `s` escaped, without quotes; returns whether any character needed an escape.
bool append_json_escaped(std::string& out, std::string_view s);

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace passerelle
