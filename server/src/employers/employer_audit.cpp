#include "employers/employer_audit.h"

#include "audit/audit.h"

namespace passerelle::server::employers {
namespace json = boost::json;

namespace {

std::string arg(const json::object& args, std::string_view key) {
  auto* v = args.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

void audit_applied_op(soci::session& sql, const passerelle::sync::Actor& actor, const std::string& remote,
                      const passerelle::sync::Op& op) {
  const json::object& a = op.args;
  std::string target;
  json::object details;
  if (op.name == "consent.give" || op.name == "consent.withdraw") {
    target = actor.user_id;
  } else if (op.name == "employer.confirm_conditions") {
    target = arg(a, "employer_id");
    if (auto* c = a.if_contains("confirmed")) details["confirmed"] = *c;
  } else if (op.name == "proposal.create") {
    target = arg(a, "candidate_id");
    details = {{"proposal_id", arg(a, "id")}, {"need_id", arg(a, "need_id")}};
  } else if (op.name == "proposal.respond") {
    target = arg(a, "id");
    if (auto* c = a.if_contains("accept")) details["accept"] = *c;
  } else if (op.name == "internship.create") {
    target = arg(a, "candidate_id");
    details = {{"internship_id", arg(a, "id")}, {"employer_id", arg(a, "employer_id")}};
  } else if (op.name == "internship.extend") {
    target = arg(a, "id");
    details = {{"end", arg(a, "end")}};
  } else if (op.name == "internship.outcome") {
    target = arg(a, "id");
    details = {{"outcome", arg(a, "outcome")}};
  } else {
    return;
  }
  audit::record(sql, audit::make_entry(actor.user_id, actor.role, remote, op.name, target, std::move(details)));
}

}  // namespace passerelle::server::employers
