#include "cli.h"
#include "plan_format.h"

#include "passerelle/shared/ids.h"

namespace passerelle::cli {

std::optional<std::string> resolve_id(Client& client, std::string_view coll, const std::string& text,
                                      std::string_view what, int& exit, bool allow_unseen) {
  auto rows = client.list(coll);
  if (!rows) {
    exit = fail_data(rows.failure());
    return std::nullopt;
  }
  std::vector<std::string> ids;
  ids.reserve(rows->size());
  for (const auto& r : *rows) ids.push_back(field(r, "id"));
  auto found = match_prefix(ids, text);
  if (found.size() == 1) return found[0];
  std::string name(what);
  if (found.size() > 1)
    exit = fail(kUsage, "'" + text + "' is the start of " + std::to_string(found.size()) + " " + name +
                            " ids on this device; give more of the id");
  else if (allow_unseen && is_uuid(text))
    return text;
  else
    exit = fail(kUsage, "unknown " + name + " '" + text + "' on this device (passerelle sync fetches new ones)");
  return std::nullopt;
}

}  // namespace passerelle::cli
