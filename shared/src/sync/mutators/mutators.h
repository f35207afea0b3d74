// Internal to shared/: the mutator definitions and small helpers they share.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/mutator.h"

namespace passerelle::sync::mutators {

Mutator profile_update();
Mutator caseload_assign();
Mutator message_send();
Mutator message_delete();

inline std::vector<std::string> with_user(std::vector<std::string> audience, const std::string& user) {
  if (!user.empty() && std::find(audience.begin(), audience.end(), user) == audience.end())
    audience.push_back(user);
  return audience;
}

inline std::vector<std::string> without_user(std::vector<std::string> audience, const std::string& user) {
  audience.erase(std::remove(audience.begin(), audience.end(), user), audience.end());
  return audience;
}

// Reads a required UUID field.
inline std::string uuid_field(JsonReader& in, std::string_view key) {
  std::string v = in.string(key);
  if (in.ok() && !is_uuid(v)) in.fail(key, "must be a UUID");
  return v;
}

}  // namespace passerelle::sync::mutators
