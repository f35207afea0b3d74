// The people of the fuzz targets' little program, with fixed UUIDv7 ids so that seed inputs
// can name them and their rows.
#pragma once

#include <string_view>

#include "passerelle/shared/protocol.h"

namespace passerelle::fuzz {

struct Person {
  const char* key;
  const char* id;
  protocol::Role role;
};

inline constexpr Person kPeople[] = {
    {"admin", "01890000-0000-7000-8000-000000000001", protocol::Role::admin},
    {"coach", "01890000-0000-7000-8000-000000000002", protocol::Role::coach},
    {"coach2", "01890000-0000-7000-8000-000000000003", protocol::Role::coach},
    {"cand", "01890000-0000-7000-8000-000000000004", protocol::Role::candidate},
    {"cand2", "01890000-0000-7000-8000-000000000005", protocol::Role::candidate},
    {"mentor", "01890000-0000-7000-8000-000000000006", protocol::Role::mentor},
};

// The person called `key`; the candidate when there is none.
inline const Person& person(std::string_view key) {
  for (const auto& p : kPeople)
    if (key == p.key) return p;
  return kPeople[3];
}

}  // namespace passerelle::fuzz
