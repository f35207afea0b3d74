#include "plans/template_store.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/sync/collections.h"
#include "sync/change_log.h"

namespace passerelle::server::plans {
namespace json = boost::json;
using passerelle::plans::PlanTemplate;

Result<PlanTemplate> read_template_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::not_found, "cannot read template file " + path.string()};
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().size() > 1024 * 1024) return Error{ErrorCode::too_large, path.string() + " is larger than 1 MiB"};
  auto v = parse_json(text.str());
  if (!v) return Error{ErrorCode::bad_request, path.string() + ": " + v.error().message};
  auto t = passerelle::plans::template_from_json(*v);
  if (!t) return Error{ErrorCode::bad_request, path.string() + ": " + t.error().message};
  return t;
}

ImportOutcome import_template(soci::session& sql, const PlanTemplate& tpl, Timestamp now) {
  sync::ChangeLog log(sql, now);
  PlanTemplate next = tpl;
  next.version = 1;
  if (auto old = log.get(passerelle::sync::collection::templates, tpl.key)) {
    auto current = passerelle::plans::template_from_json(json::value(*old));
    if (current) {
      PlanTemplate same = tpl;
      same.version = current->version;
      if (json::serialize(passerelle::plans::to_json(same)) == json::serialize(passerelle::plans::to_json(*current)))
        return ImportOutcome{tpl.key, current->version, false};
      next.version = current->version + 1;
    }
  }
  json::object row = passerelle::plans::to_json(next);
  row["updated_at"] = format_rfc3339(now);
  log.put(passerelle::sync::collection::templates, next.key, row,
          {passerelle::sync::role_audience(protocol::Role::coach), passerelle::sync::role_audience(protocol::Role::admin)});
  return ImportOutcome{next.key, next.version, true};
}

Result<std::vector<ImportOutcome>> import_template_dir(soci::session& sql, const std::filesystem::path& dir,
                                                       Timestamp now) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  if (ec) return Error{ErrorCode::not_found, "cannot list templates in " + dir.string() + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  std::vector<ImportOutcome> out;
  for (const auto& f : files) {
    auto t = read_template_file(f);
    if (!t) return t.error();
    out.push_back(import_template(sql, *t, now));
  }
  return out;
}

}  // namespace passerelle::server::plans
