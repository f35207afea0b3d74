// Loading plan templates into the change log: the shipped ones at start, and any file an admin
// imports (`passerelle-server admin import-template FILE`). A template whose content is already
// the latest edition is left alone, so restarting the server publishes nothing new.
#pragma once

#include <soci/soci.h>

#include <filesystem>
#include <string>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/plans/plan_template.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::plans {

// Reads and validates a template file; errors name the file and the field.
Result<passerelle::plans::PlanTemplate> read_template_file(const std::filesystem::path& path);

// What import_template did.
struct ImportOutcome {
  std::string key;
  int version = 0;
  bool changed = false;  // false: the same content was already the latest edition
};

// Publishes `tpl` as the next edition of its key unless the latest edition has the same
// steps and titles. Runs inside the caller's transaction on the writer connection.
ImportOutcome import_template(soci::session& sql, const passerelle::plans::PlanTemplate& tpl, Timestamp now);

// Imports every *.json in `dir` (the shipped templates). Returns the first error, naming the file.
Result<std::vector<ImportOutcome>> import_template_dir(soci::session& sql, const std::filesystem::path& dir, Timestamp now);

}  // namespace passerelle::server::plans
