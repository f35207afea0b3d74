#include "passerelle/shared/json_text.h"

#include <cstdint>
#include <cstring>

namespace passerelle {
namespace {

// Whether any of the 8 bytes in `w` is a control character, the quote or the backslash (the
// bit tricks that find a zero byte, and a byte below 0x20, in a word: exact for "any").
bool any_to_escape(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto has_zero = [&](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
  bool below_space = ((w - ones * 0x20) & ~w & highs) != 0;
  return below_space || has_zero(w ^ (ones * '"')) || has_zero(w ^ (ones * '\\'));
}

}  // namespace

// Eight bytes are looked at at once while none needs escaping: a pull page's 400 KB of messages
// are almost all plain text, and byte by byte this was a tenth of a device's pull
// (docs/benchmarks.md).
bool append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  bool escaped = false;
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    while (s.size() - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (any_to_escape(w)) break;
      i += 8;
    }
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    escaped = true;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + plain_from, s.size() - plain_from);
  return escaped;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

}  // namespace passerelle
