#include "passerelle/shared/ids.h"

#include "passerelle/shared/crypto.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>

namespace passerelle {
namespace {

// Through crypto.h, so that this file builds wherever crypto.h has a backend (WebAssembly too).
void fill_random(std::uint8_t* out, std::size_t n) {
  std::string r = random_bytes(n);
  std::copy(r.begin(), r.end(), out);
}

std::int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Uuid build_v7(std::int64_t ms, std::uint16_t counter12) {
  std::array<std::uint8_t, 16> b{};
  fill_random(b.data() + 8, 8);
  auto t = static_cast<std::uint64_t>(ms);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(t >> (40 - 8 * i));
  b[6] = static_cast<std::uint8_t>(0x70 | ((counter12 >> 8) & 0x0F));
  b[7] = static_cast<std::uint8_t>(counter12 & 0xFF);
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3F));  // variant 10
  return Uuid(b);
}

}  // namespace

Uuid Uuid::v7() {
  static std::mutex mu;
  static std::int64_t last_ms = 0;
  static std::uint16_t counter = 0;
  std::int64_t ms = now_unix_ms();
  std::uint16_t c;
  {
    std::lock_guard lock(mu);
    if (ms > last_ms) {
      // Start each millisecond at a random counter below half range, leaving room to count up.
      std::uint8_t r[2];
      fill_random(r, 2);
      counter = static_cast<std::uint16_t>(((r[0] << 8) | r[1]) & 0x07FF);
      last_ms = ms;
    } else {
      // Same millisecond, or the clock stepped back: stay monotonic on the last time used.
      if (++counter > 0x0FFF) {
        ++last_ms;
        counter = 0;
      }
      ms = last_ms;
    }
    c = counter;
  }
  return build_v7(ms, c);
}

Uuid Uuid::v7_at(std::int64_t unix_ms) {
  std::uint8_t r[2];
  fill_random(r, 2);
  return build_v7(unix_ms, static_cast<std::uint16_t>(((r[0] << 8) | r[1]) & 0x0FFF));
}

Uuid Uuid::derived(std::string_view name) {
  std::string digest = sha256(name);
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 0; i < 16; ++i) b[i] = static_cast<std::uint8_t>(digest[i]);
  b[6] = static_cast<std::uint8_t>(0x80 | (b[6] & 0x0F));  // version 8
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3F));  // variant 10
  return Uuid(b);
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::array<std::uint8_t, 16> b{};
  std::size_t j = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    b[j++] = static_cast<std::uint8_t>((hi << 4) | lo);
    i += 2;
  }
  return Uuid(b);
}

std::string Uuid::str() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes_[i] >> 4]);
    s.push_back(kHex[bytes_[i] & 0x0F]);
  }
  return s;
}

bool Uuid::is_nil() const {
  for (auto x : bytes_)
    if (x) return false;
  return true;
}

std::int64_t Uuid::unix_ms() const {
  std::uint64_t t = 0;
  for (int i = 0; i < 6; ++i) t = (t << 8) | bytes_[i];
  return static_cast<std::int64_t>(t);
}

std::string new_id() { return Uuid::v7().str(); }

bool is_uuid(std::string_view text) { return Uuid::parse(text).has_value(); }

}  // namespace passerelle
