// Checks on person-written text that both sides enforce the same way.
#pragma once

#include <string>
#include <string_view>

namespace passerelle {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;
// `s` without leading and trailing ASCII white space.
std::string_view trim(std::string_view s) noexcept;

}  // namespace passerelle
