// What staff do to activities goes to the audit log (docs/dashboard.md, "Audit";
// docs/activities.md): creating, cancelling and scheduling an activity, and registering or
// withdrawing a candidate on her behalf. Written in the push's transaction, beside the ops.
// A candidate's own registration is her own business (its row keeps its history) and is not
// audited.
#pragma once

#include <soci/soci.h>

#include <string>
#include <vector>

#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/sync/wire.h"

namespace passerelle::server::activities {

void audit_activity_ops(soci::session& sql, const passerelle::sync::Actor& actor, const std::string& remote,
                        const std::vector<passerelle::sync::Op>& ops,
                        const std::vector<passerelle::sync::OpResult>& results);

}  // namespace passerelle::server::activities
