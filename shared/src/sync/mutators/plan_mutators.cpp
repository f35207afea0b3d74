// Action plans (docs/action-plans.md). A plan row holds the ordered step ids, so the coach
// reordering (plan row) and the candidate marking a step done (step row) touch different rows
// and never overwrite each other. Everyone who may read the plan reads every step:
// the candidate, their coach, and mentors the candidate shared it with.
#include "mutators/mutators.h"

#include "passerelle/shared/plans/plan_template.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/text.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;

namespace {

// The candidate, their coach, mentors they shared with, and program admins (who report on
// every plan).
std::vector<std::string> plan_audience(const json::object& plan) {
  std::vector<std::string> a = row_strings(plan, "shared_with");
  a = with_user(a, row_string(plan, "candidate_id"));
  a = with_user(a, row_string(plan, "coach_id"));
  a = with_user(a, role_audience(Role::admin));
  return a;
}

bool is_candidate_of(const MutationContext& ctx, const json::object& plan) {
  return ctx.actor.role == Role::candidate && ctx.actor.user_id == row_string(plan, "candidate_id");
}
bool is_coach_of(const MutationContext& ctx, const json::object& plan) {
  return ctx.actor.role == Role::admin || (ctx.actor.role == Role::coach && ctx.actor.user_id == row_string(plan, "coach_id"));
}

// Loads a step and its plan, or says why not. On a device a missing row defers to the server.
struct StepAndPlan {
  json::object step;
  json::object plan;
};
Result<std::optional<StepAndPlan>> load_step(MutationContext& ctx, const std::string& step_id) {
  auto step = ctx.rows.get(collection::plan_steps, step_id);
  if (!step) {
    if (ctx.authoritative) return Error{ErrorCode::not_found, "no such step"};
    return std::optional<StepAndPlan>();
  }
  auto plan = ctx.rows.get(collection::plans, row_string(*step, "plan_id"));
  if (!plan) {
    if (ctx.authoritative) return Error{ErrorCode::not_found, "the step's plan does not exist"};
    return std::optional<StepAndPlan>();
  }
  return std::optional<StepAndPlan>(StepAndPlan{std::move(*step), std::move(*plan)});
}

void put_step(MutationContext& ctx, const std::string& id, const json::object& step, const json::object& plan) {
  ctx.rows.put(collection::plan_steps, id, step, plan_audience(plan));
}

void put_plan(MutationContext& ctx, const json::object& plan) {
  ctx.rows.put(collection::plans, row_string(plan, "id"), plan, plan_audience(plan));
}

std::string date_field(JsonReader& in, std::string_view key) {
  std::string d = in.string(key);
  if (in.ok() && !parse_date(d)) in.fail(key, "must be a date YYYY-MM-DD");
  return d;
}

json::object new_step(const std::string& id, const std::string& plan_id, const std::string& category,
                      const plans::Bilingual& title, const plans::Bilingual& description, const std::string& due_date) {
  return json::object{{"id", id},
                      {"plan_id", plan_id},
                      {"category", category},
                      {"title", plans::to_json(title)},
                      {"description", plans::to_json(description)},
                      {"due_date", due_date},
                      {"status", "todo"},
                      {"history", json::array()},
                      {"notes", json::array()},
                      {"comments", json::array()},
                      {"evidence", json::array()}};
}

void append(json::object& row, std::string_view key, json::object item) {
  auto it = row.find(key);
  if (it == row.end() || !it->value().is_array()) row[key] = json::array();
  row[key].as_array().emplace_back(std::move(item));
}

// ---------------------------------------------------------------- plan.create
struct PlanCreateArgs {
  std::string plan_id, candidate_id, template_key;
  std::optional<std::string> arrival_date;
};

Result<PlanCreateArgs> decode_create(JsonReader& in) {
  PlanCreateArgs a;
  a.plan_id = uuid_field(in, "plan_id");
  a.candidate_id = uuid_field(in, "candidate_id");
  a.template_key = in.string("template_key");
  a.arrival_date = in.optional_string("arrival_date");
  if (in.ok() && a.arrival_date && !parse_date(*a.arrival_date)) in.fail("arrival_date", "must be a date YYYY-MM-DD");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_create(MutationContext& ctx, const PlanCreateArgs& a) {
  if (ctx.actor.role != Role::coach && ctx.actor.role != Role::admin)
    return Status(ErrorCode::forbidden, "only a coach or an admin creates plans");
  auto candidate = ctx.rows.get(collection::profiles, a.candidate_id);
  if (!candidate) {
    if (ctx.authoritative) return Status(ErrorCode::not_found, "no candidate with that id");
    return Status::Ok();
  }
  if (row_string(*candidate, "role") != "candidate") return Status(ErrorCode::not_found, "no candidate with that id");
  std::string coach = row_string(*candidate, "coach_id");
  if (ctx.actor.role == Role::coach && coach != ctx.actor.user_id)
    return Status(ErrorCode::forbidden, "this candidate is not in your caseload");
  if (!row_string(*candidate, "plan_id").empty()) return Status(ErrorCode::conflict, "this candidate already has a plan");
  std::string arrival = a.arrival_date.value_or(row_string(*candidate, "planned_arrival"));
  if (arrival.empty())
    return Status(ErrorCode::bad_request, "the candidate has no planned arrival date: give arrival_date");
  auto tpl_row = ctx.rows.get(collection::templates, a.template_key);
  if (!tpl_row) {
    if (ctx.authoritative) return Status(ErrorCode::not_found, "no template '" + a.template_key + "'");
    return Status::Ok();  // the device has no copy of the template: the server expands it
  }
  auto tpl = plans::template_from_json(json::value(*tpl_row));
  if (!tpl) return Status(ErrorCode::internal, "template '" + a.template_key + "' is damaged: " + tpl.error().message);

  json::object plan{{"id", a.plan_id},
                    {"candidate_id", a.candidate_id},
                    {"coach_id", coach},
                    {"template_key", tpl->key},
                    {"template_version", tpl->version},
                    {"title", plans::to_json(tpl->title)},  // candidates never receive templates
                    {"arrival_date", arrival},
                    {"shared_with", json::array()},
                    {"created_by", ctx.actor.user_id},
                    {"created_at", format_rfc3339(ctx.now)}};
  std::vector<std::string> ids;
  auto arrival_day = *parse_date(arrival);
  for (const auto& s : tpl->steps) {
    std::string id = Uuid::derived(a.plan_id + "/" + s.key).str();
    ids.push_back(id);
    put_step(ctx, id,
             new_step(id, a.plan_id, s.category, s.title, s.description,
                      format_date(plans::resolve_due_date(arrival_day, s.due_offset_days))),
             plan);
  }
  plan["step_ids"] = to_json_array(ids);
  put_plan(ctx, plan);
  (*candidate)["plan_id"] = a.plan_id;
  ctx.rows.put(collection::profiles, a.candidate_id, *candidate, ctx.rows.audience(collection::profiles, a.candidate_id));
  return Status::Ok();
}

// ---------------------------------------------------------------- step.add
struct StepAddArgs {
  std::string plan_id, step_id, category, due_date;
  plans::Bilingual title, description;
  std::optional<std::int64_t> index;
};

Result<StepAddArgs> decode_add(JsonReader& in) {
  StepAddArgs a;
  a.plan_id = uuid_field(in, "plan_id");
  a.step_id = uuid_field(in, "step_id");
  a.category = in.string("category");
  a.due_date = date_field(in, "due_date");
  // A coach writes in one language; the step shows that text in both until translated.
  std::string title = text_field(in, "title", 200);
  a.title = {title, title};
  if (auto d = in.optional_string("description")) a.description = {*d, *d};
  a.index = in.optional_integer("index");
  if (in.ok() && !plans::is_category(a.category)) in.fail("category", "is not a known category");
  if (in.ok() && a.description.fr.size() > 4000) in.fail("description", "is longer than 4000 bytes");
  if (in.ok() && a.index && *a.index < 0) in.fail("index", "must not be negative");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_add(MutationContext& ctx, const StepAddArgs& a) {
  auto plan = ctx.rows.get(collection::plans, a.plan_id);
  if (!plan) return ctx.authoritative ? Status(ErrorCode::not_found, "no such plan") : Status::Ok();
  if (!is_coach_of(ctx, *plan)) return Status(ErrorCode::forbidden, "only the candidate's coach edits the plan");
  if (ctx.rows.get(collection::plan_steps, a.step_id)) return Status(ErrorCode::conflict, "a step with that id already exists");
  auto ids = row_strings(*plan, "step_ids");
  std::size_t at = a.index ? std::min<std::size_t>(static_cast<std::size_t>(*a.index), ids.size()) : ids.size();
  ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(at), a.step_id);
  (*plan)["step_ids"] = to_json_array(ids);
  put_step(ctx, a.step_id, new_step(a.step_id, a.plan_id, a.category, a.title, a.description, a.due_date), *plan);
  put_plan(ctx, *plan);
  return Status::Ok();
}

// ---------------------------------------------------------------- step.remove / move / reschedule
struct StepRefArgs {
  std::string id;
  std::optional<std::int64_t> index;
  std::string due_date;
};

Result<StepRefArgs> decode_remove(JsonReader& in) {
  StepRefArgs a;
  a.id = uuid_field(in, "id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Result<StepRefArgs> decode_move(JsonReader& in) {
  StepRefArgs a;
  a.id = uuid_field(in, "id");
  a.index = in.integer("index");
  if (in.ok() && *a.index < 0) in.fail("index", "must not be negative");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Result<StepRefArgs> decode_reschedule(JsonReader& in) {
  StepRefArgs a;
  a.id = uuid_field(in, "id");
  a.due_date = date_field(in, "due_date");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

// Runs `edit` on a step and its plan when the caller is the plan's coach (or an admin): the
// shared prelude of every structural edit. A device that cannot see the step lets the server decide.
template <class Edit>
Status coach_edits_step(MutationContext& ctx, const std::string& step_id, Edit edit) {
  auto loaded = load_step(ctx, step_id);
  if (!loaded) return loaded.error();
  if (!*loaded) return Status::Ok();
  auto& [step, plan] = **loaded;
  if (!is_coach_of(ctx, plan)) return Status(ErrorCode::forbidden, "only the candidate's coach edits the plan");
  edit(step, plan);
  return Status::Ok();
}

Status apply_remove(MutationContext& ctx, const StepRefArgs& a) {
  return coach_edits_step(ctx, a.id, [&](json::object&, json::object& plan) {
    plan["step_ids"] = to_json_array(without_user(row_strings(plan, "step_ids"), a.id));
    ctx.rows.remove(collection::plan_steps, a.id);
    put_plan(ctx, plan);
  });
}

Status apply_move(MutationContext& ctx, const StepRefArgs& a) {
  return coach_edits_step(ctx, a.id, [&](json::object&, json::object& plan) {
    auto ids = without_user(row_strings(plan, "step_ids"), a.id);
    std::size_t at = std::min<std::size_t>(static_cast<std::size_t>(*a.index), ids.size());
    ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(at), a.id);
    plan["step_ids"] = to_json_array(ids);
    put_plan(ctx, plan);
  });
}

Status apply_reschedule(MutationContext& ctx, const StepRefArgs& a) {
  return coach_edits_step(ctx, a.id, [&](json::object& step, json::object& plan) {
    step["due_date"] = a.due_date;
    put_step(ctx, a.id, step, plan);
  });
}

// ---------------------------------------------------------------- step.rename
struct StepRenameArgs {
  std::string id;
  plans::Bilingual title;
  std::optional<plans::Bilingual> description;
};

Result<StepRenameArgs> decode_rename(JsonReader& in) {
  StepRenameArgs a;
  a.id = uuid_field(in, "id");
  // As in step.add: the coach writes in one language and the text stands for both.
  std::string title = text_field(in, "title", 200);
  a.title = {title, title};
  if (in.ok() && in.optional_value("description")) {
    std::string d = in.string("description");
    if (in.ok() && (!is_valid_utf8(d) || d.size() > 4000)) in.fail("description", "must be valid UTF-8 of at most 4000 bytes");
    a.description = plans::Bilingual{d, d};
  }
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_rename(MutationContext& ctx, const StepRenameArgs& a) {
  return coach_edits_step(ctx, a.id, [&](json::object& step, json::object& plan) {
    step["title"] = plans::to_json(a.title);
    if (a.description) step["description"] = plans::to_json(*a.description);
    put_step(ctx, a.id, step, plan);
  });
}

// ---------------------------------------------------------------- step.set_status
struct SetStatusArgs {
  std::string id, status;
  std::optional<std::string> reason;
};

bool is_status(std::string_view s) { return s == "todo" || s == "in_progress" || s == "done" || s == "skipped"; }

Result<SetStatusArgs> decode_status(JsonReader& in) {
  SetStatusArgs a;
  a.id = uuid_field(in, "id");
  a.status = in.string("status");
  a.reason = in.optional_string("reason");
  if (in.ok() && !is_status(a.status)) in.fail("status", "must be todo, in_progress, done or skipped");
  if (in.ok() && a.status == "skipped" && (!a.reason || trim(*a.reason).empty()))
    in.fail("reason", "is required to skip a step");
  if (in.ok() && a.reason && (!is_valid_utf8(*a.reason) || a.reason->size() > 2000))
    in.fail("reason", "must be valid UTF-8 of at most 2000 bytes");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

// What a candidate may do to their own step; a coach may make any change (a reopening too).
bool candidate_may(std::string_view from, std::string_view to) {
  if (from == "todo") return to == "in_progress" || to == "done" || to == "skipped";
  if (from == "in_progress") return to == "todo" || to == "done" || to == "skipped";
  return false;  // done and skipped are reopened by the coach
}

Status apply_status(MutationContext& ctx, const SetStatusArgs& a) {
  auto loaded = load_step(ctx, a.id);
  if (!loaded) return loaded.error();
  if (!*loaded) return Status::Ok();
  auto& [step, plan] = **loaded;
  std::string from = row_string(step, "status");
  if (from == a.status) return Status::Ok();  // already there: a repeated tap changes nothing
  if (is_candidate_of(ctx, plan)) {
    if (!candidate_may(from, a.status))
      return Status(ErrorCode::forbidden, "a step that is " + from + " can only be reopened by your coach");
  } else if (!is_coach_of(ctx, plan)) {
    return Status(ErrorCode::forbidden, "only the candidate and their coach change a step's status");
  }
  step["status"] = a.status;
  if (a.reason) step["status_reason"] = *a.reason;
  else step.erase("status_reason");
  json::object change{{"from", from}, {"to", a.status}, {"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)}};
  if (a.reason) change["reason"] = *a.reason;
  append(step, "history", std::move(change));
  if (is_candidate_of(ctx, plan)) step["last_activity_at"] = format_rfc3339(ctx.now);
  put_step(ctx, a.id, step, plan);
  return Status::Ok();
}

// ---------------------------------------------------------------- step.note / step.comment / step.attach
struct StepTextArgs {
  std::string id, entry_id, text;
};

Result<StepTextArgs> decode_text(JsonReader& in) {
  StepTextArgs a;
  a.id = uuid_field(in, "id");
  a.entry_id = uuid_field(in, "entry_id");
  a.text = text_field(in, "text", 4000);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status add_entry(MutationContext& ctx, const StepTextArgs& a, std::string_view list, bool candidate_only) {
  auto loaded = load_step(ctx, a.id);
  if (!loaded) return loaded.error();
  if (!*loaded) return Status::Ok();
  auto& [step, plan] = **loaded;
  bool candidate = is_candidate_of(ctx, plan);
  if (candidate_only ? !candidate : !(candidate || is_coach_of(ctx, plan)))
    return Status(ErrorCode::forbidden, candidate_only ? "only the candidate writes notes on their steps"
                                                       : "only the candidate and their coach comment on a step");
  auto it = step.find(list);
  if (it != step.end() && it->value().is_array())
    for (const auto& e : it->value().get_array())
      if (e.is_object() && row_string(e.get_object(), "id") == a.entry_id) return Status::Ok();  // same entry again
  append(step, list, json::object{{"id", a.entry_id}, {"by", ctx.actor.user_id}, {"at", format_rfc3339(ctx.now)}, {"text", a.text}});
  if (candidate) step["last_activity_at"] = format_rfc3339(ctx.now);
  put_step(ctx, a.id, step, plan);
  return Status::Ok();
}

Status apply_note(MutationContext& ctx, const StepTextArgs& a) { return add_entry(ctx, a, "notes", true); }
Status apply_comment(MutationContext& ctx, const StepTextArgs& a) { return add_entry(ctx, a, "comments", false); }

struct AttachArgs {
  std::string id, entry_id, kind, url, sha256, name;
  std::int64_t size = 0;
};

Result<AttachArgs> decode_attach(JsonReader& in) {
  AttachArgs a;
  a.id = uuid_field(in, "id");
  a.entry_id = uuid_field(in, "entry_id");
  a.kind = in.string("kind");
  if (in.ok() && a.kind == "link") {
    a.url = in.string("url");
    if (in.ok() && !(a.url.rfind("https://", 0) == 0 || a.url.rfind("http://", 0) == 0))
      in.fail("url", "must be an http(s) link");
    if (in.ok() && a.url.size() > 2000) in.fail("url", "is longer than 2000 bytes");
  } else if (in.ok() && a.kind == "file") {
    a.sha256 = in.string("sha256");
    a.name = text_field(in, "name", 255);
    a.size = in.integer("size");
    if (in.ok() && (a.sha256.size() != 64 || a.sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
      in.fail("sha256", "must be 64 lower-case hex digits");
    if (in.ok() && (a.size <= 0 || a.size > 100 * 1024 * 1024)) in.fail("size", "must be between 1 byte and 100 MiB");
  } else if (in.ok()) {
    in.fail("kind", "must be \"link\" or \"file\"");
  }
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_attach(MutationContext& ctx, const AttachArgs& a) {
  auto loaded = load_step(ctx, a.id);
  if (!loaded) return loaded.error();
  if (!*loaded) return Status::Ok();
  auto& [step, plan] = **loaded;
  if (!is_candidate_of(ctx, plan)) return Status(ErrorCode::forbidden, "only the candidate attaches evidence to their steps");
  json::object e{{"id", a.entry_id}, {"kind", a.kind}, {"at", format_rfc3339(ctx.now)}};
  if (a.kind == "link") e["url"] = a.url;
  else {
    e["sha256"] = a.sha256;
    e["name"] = a.name;
    e["size"] = a.size;
    if (ctx.authoritative && ctx.files) {
      // As for message attachments: only a file this person uploaded (or can read) is usable.
      auto known = ctx.files->usable(a.sha256, ctx.actor.user_id);
      if (!known) return Status(ErrorCode::not_found, "the file '" + a.name + "' was not uploaded; attach it again");
      e["size"] = known->size;
      e["type"] = known->type;
    }
  }
  auto it = step.find("evidence");
  if (it != step.end() && it->value().is_array())
    for (const auto& x : it->value().get_array())
      if (x.is_object() && row_string(x.get_object(), "id") == a.entry_id) return Status::Ok();
  append(step, "evidence", std::move(e));
  step["last_activity_at"] = format_rfc3339(ctx.now);
  put_step(ctx, a.id, step, plan);
  return Status::Ok();
}

// ---------------------------------------------------------------- plan.share
struct ShareArgs {
  std::string plan_id, mentor_id;
  bool shared = true;
};

Result<ShareArgs> decode_share(JsonReader& in) {
  ShareArgs a;
  a.plan_id = uuid_field(in, "plan_id");
  a.mentor_id = uuid_field(in, "mentor_id");
  a.shared = in.boolean("shared");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_share(MutationContext& ctx, const ShareArgs& a) {
  auto plan = ctx.rows.get(collection::plans, a.plan_id);
  if (!plan) return ctx.authoritative ? Status(ErrorCode::not_found, "no such plan") : Status::Ok();
  if (!is_candidate_of(ctx, *plan)) return Status(ErrorCode::forbidden, "only the candidate shares their plan");
  if (ctx.authoritative) {
    auto mentor = ctx.rows.get(collection::profiles, a.mentor_id);
    if (!mentor || row_string(*mentor, "role") != "mentor") return Status(ErrorCode::not_found, "no mentor with that id");
  }
  auto shared = row_strings(*plan, "shared_with");
  shared = a.shared ? with_user(shared, a.mentor_id) : without_user(shared, a.mentor_id);
  (*plan)["shared_with"] = to_json_array(shared);
  put_plan(ctx, *plan);
  for (const auto& id : row_strings(*plan, "step_ids"))
    if (auto step = ctx.rows.get(collection::plan_steps, id)) put_step(ctx, id, *step, *plan);
  return Status::Ok();
}

// ---------------------------------------------------------------- template.put
struct TemplatePutArgs {
  plans::PlanTemplate tpl;
};

Result<TemplatePutArgs> decode_template(JsonReader& in) {
  const json::value& v = in.value("template");
  if (auto st = in.status(); !st) return st.error();
  auto t = plans::template_from_json(v);
  if (!t) return t.error();
  for (char c : t->key)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return Error{ErrorCode::bad_request, "field 'template.key' may hold only a-z, 0-9 and '-'"};
  return TemplatePutArgs{std::move(*t)};
}

Status apply_template(MutationContext& ctx, const TemplatePutArgs& a) {
  if (ctx.actor.role != Role::admin) return Status(ErrorCode::forbidden, "only an admin edits templates");
  plans::PlanTemplate t = a.tpl;
  // Each edition gets the next version; plans made earlier keep the version they came from.
  t.version = 1;
  if (auto old = ctx.rows.get(collection::templates, t.key)) {
    auto v = old->find("version");
    if (v != old->end() && v->value().is_int64()) t.version = static_cast<int>(v->value().get_int64()) + 1;
  }
  json::object row = plans::to_json(t);
  row["updated_at"] = format_rfc3339(ctx.now);
  row["updated_by"] = ctx.actor.user_id;
  ctx.rows.put(collection::templates, t.key, row, {role_audience(Role::coach), role_audience(Role::admin)});
  return Status::Ok();
}

}  // namespace

Mutator template_put() { return make_mutator<TemplatePutArgs>("template.put", decode_template, apply_template); }

void move_plan_to_coach(MutationContext& ctx, const std::string& plan_id, const std::string& coach_id) {
  auto plan = ctx.rows.get(collection::plans, plan_id);
  if (!plan) return;
  (*plan)["coach_id"] = coach_id;
  put_plan(ctx, *plan);
  for (const auto& id : row_strings(*plan, "step_ids"))
    if (auto step = ctx.rows.get(collection::plan_steps, id)) put_step(ctx, id, *step, *plan);
}

Mutator plan_create() { return make_mutator<PlanCreateArgs>("plan.create", decode_create, apply_create); }
Mutator step_add() { return make_mutator<StepAddArgs>("step.add", decode_add, apply_add); }
Mutator step_remove() { return make_mutator<StepRefArgs>("step.remove", decode_remove, apply_remove); }
Mutator step_move() { return make_mutator<StepRefArgs>("step.move", decode_move, apply_move); }
Mutator step_reschedule() { return make_mutator<StepRefArgs>("step.reschedule", decode_reschedule, apply_reschedule); }
Mutator step_rename() { return make_mutator<StepRenameArgs>("step.rename", decode_rename, apply_rename); }
Mutator step_set_status() { return make_mutator<SetStatusArgs>("step.set_status", decode_status, apply_status); }
Mutator step_note() { return make_mutator<StepTextArgs>("step.note", decode_text, apply_note); }
Mutator step_comment() { return make_mutator<StepTextArgs>("step.comment", decode_text, apply_comment); }
Mutator step_attach() { return make_mutator<AttachArgs>("step.attach", decode_attach, apply_attach); }
Mutator plan_share() { return make_mutator<ShareArgs>("plan.share", decode_share, apply_share); }

}  // namespace passerelle::sync::mutators
