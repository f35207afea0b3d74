// The audit entries of the employer mutators (docs/employers.md, "Audit"): consent given and
// withdrawn, conditions confirmed, proposals and their answers, internships and their outcomes.
// Written in the push's transaction, so an applied op never lacks its entry.
#pragma once

#include <soci/soci.h>

#include <string>

#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/sync/wire.h"

namespace passerelle::server::employers {

// Records one entry when `op` (applied) is an employer mutator; does nothing for the others.
void audit_applied_op(soci::session& sql, const passerelle::sync::Actor& actor, const std::string& remote,
                      const passerelle::sync::Op& op);

}  // namespace passerelle::server::employers
