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
Mutator template_put();
Mutator plan_create();
Mutator step_add();
Mutator step_remove();
Mutator step_move();
Mutator step_reschedule();
Mutator step_set_status();
Mutator step_note();
Mutator step_comment();
Mutator step_attach();
Mutator plan_share();

// When a candidate changes coach, their plan follows: the new coach reads and edits it.
void move_plan_to_coach(MutationContext& ctx, const std::string& plan_id, const std::string& coach_id);

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
