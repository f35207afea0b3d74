#include "activities/activity_audit.h"

#include "audit/audit.h"

namespace passerelle::server::activities {
namespace ws = passerelle::sync;

namespace {
std::string arg(const ws::Op& op, std::string_view key) {
  auto* v = op.args.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
}  // namespace

void audit_activity_ops(soci::session& sql, const ws::Actor& actor, const std::string& remote,
                        const std::vector<ws::Op>& ops, const std::vector<ws::OpResult>& results) {
  if (actor.role != protocol::Role::coach && actor.role != protocol::Role::admin) return;
  for (std::size_t i = 0; i < ops.size() && i < results.size(); ++i) {
    if (results[i].status != ws::OpStatus::applied) continue;
    const ws::Op& op = ops[i];
    if (op.name == "activity.create") {
      audit::record(sql, audit::make_entry(actor.user_id, actor.role, remote, op.name, arg(op, "id"),
                                           {{"kind", arg(op, "kind")}, {"audience", arg(op, "audience")}}));
    } else if (op.name == "activity.cancel" || op.name == "activity.schedule") {
      audit::record(sql, audit::make_entry(actor.user_id, actor.role, remote, op.name, arg(op, "id")));
    } else if (op.name == "activity.register" || op.name == "activity.unregister") {
      audit::record(sql, audit::make_entry(actor.user_id, actor.role, remote, op.name, arg(op, "candidate_id"),
                                           {{"activity_id", arg(op, "activity_id")}}));
    } else if (op.name == "activity.attendance") {
      auto* attended = op.args.if_contains("attended");
      audit::record(sql, audit::make_entry(actor.user_id, actor.role, remote, op.name, arg(op, "candidate_id"),
                                           {{"activity_id", arg(op, "activity_id")},
                                            {"attended", attended && attended->is_bool() && attended->get_bool()}}));
    }
  }
}

}  // namespace passerelle::server::activities
