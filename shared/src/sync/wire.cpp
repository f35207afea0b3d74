#include "passerelle/shared/sync/wire.h"

#include "passerelle/shared/ids.h"
#include "passerelle/shared/json_reader.h"

namespace passerelle::sync {
namespace json = boost::json;

json::object to_json(const Op& op) {
  return json::object{{"op_id", op.op_id}, {"name", op.name}, {"args", op.args}};
}

Result<Op> op_from_json(const json::value& v, std::string path) {
  JsonReader in(v, std::move(path));
  Op op;
  op.op_id = in.string("op_id");
  op.name = in.string("name");
  op.args = in.object("args");
  if (in.ok() && !is_uuid(op.op_id)) in.fail("op_id", "must be a UUID");
  if (in.ok() && op.name.empty()) in.fail("name", "must not be empty");
  if (auto st = in.status(); !st) return st.error();
  return op;
}

json::object to_json(const OpResult& r) {
  json::object o{{"op_id", r.op_id}, {"status", r.status == OpStatus::applied ? "applied" : "rejected"}};
  if (r.error) o["error"] = json::object{{"code", to_string(r.error->code)}, {"message", r.error->message}};
  return o;
}

Result<OpResult> op_result_from_json(const json::value& v, std::string path) {
  JsonReader in(v, std::move(path));
  OpResult r;
  r.op_id = in.string("op_id");
  std::string status = in.string("status");
  if (in.ok() && status != "applied" && status != "rejected") in.fail("status", "must be \"applied\" or \"rejected\"");
  if (in.ok() && status == "rejected") {
    JsonReader err = in.nested("error");
    std::string code = err.string("code");
    std::string message = err.string("message");
    if (auto st = err.status(); !st) return st.error();
    r.error = Error{parse_error_code(code).value_or(ErrorCode::internal), message};
  }
  if (auto st = in.status(); !st) return st.error();
  r.status = status == "applied" ? OpStatus::applied : OpStatus::rejected;
  return r;
}

json::object to_json(const Change& c) {
  json::object o{{"collection", c.collection}, {"id", c.id}, {"seq", c.seq}, {"deleted", c.deleted}};
  if (!c.deleted) o["data"] = c.data;
  return o;
}

namespace {
// Reads and checks a change, all but copying its `data`, which `*data` then points at (null
// for a tombstone): a pull page moves it out of the page it owns instead of copying it
// (each row's copy was a tenth of a first sync's time in the browser: docs/benchmarks.md).
Result<Change> read_change(const json::value& v, std::string path, const json::object** data) {
  JsonReader in(v, std::move(path));
  Change c;
  c.collection = in.string("collection");
  c.id = in.string("id");
  c.seq = in.integer("seq");
  c.deleted = in.optional_boolean("deleted").value_or(false);
  *data = nullptr;
  if (in.ok() && !c.deleted) *data = &in.object("data");
  if (auto st = in.status(); !st) return st.error();
  return c;
}
}  // namespace

Result<Change> change_from_json(const json::value& v, std::string path) {
  const json::object* data = nullptr;
  auto c = read_change(v, std::move(path), &data);
  if (c && data) c->data = *data;
  return c;
}

json::object to_json(const PullPage& p) {
  json::array changes;
  changes.reserve(p.changes.size());
  for (const auto& c : p.changes) changes.emplace_back(to_json(c));
  json::object o{{"changes", std::move(changes)}, {"cursor", p.cursor}, {"more", p.more}, {"epoch", p.epoch},
                 {"horizon", p.horizon}};
  if (p.resync) o["resync"] = true;
  return o;
}

Result<PullPage> pull_page_from_json(json::object answer) {
  JsonReader in(answer);
  PullPage p;
  p.resync = in.optional_boolean("resync").value_or(false);
  p.epoch = in.optional_string("epoch").value_or("");
  p.cursor = in.optional_integer("cursor").value_or(0);
  p.more = in.optional_boolean("more").value_or(false);
  p.horizon = in.optional_integer("horizon").value_or(0);
  if (!p.resync) {
    // The page is ours (taken by value): its rows are moved out, not copied.
    in.array("changes");
    if (auto st = in.status(); !st) return st.error();
    json::array& changes = answer.at("changes").as_array();
    p.changes.reserve(changes.size());
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const json::object* data = nullptr;
      auto c = read_change(changes[i], "changes[" + std::to_string(i) + "]", &data);
      if (!c) return c.error();
      if (data) c->data = std::move(changes[i].as_object().at("data").as_object());
      p.changes.push_back(std::move(*c));
    }
  }
  if (auto st = in.status(); !st) return st.error();
  return p;
}

}  // namespace passerelle::sync

namespace passerelle::sync {

Result<LivePoke> live_poke_from_json(const json::object& event) {
  json::value v(event);
  JsonReader in(v);
  LivePoke p;
  p.seq = in.integer("seq");
  if (auto st = in.status(); !st) return st.error();
  if (!event.contains("changes")) return p;
  p.prev = in.integer("prev");
  const json::array& changes = in.array("changes");
  if (auto st = in.status(); !st) return st.error();
  p.changes.reserve(changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    auto c = change_from_json(changes[i], "changes[" + std::to_string(i) + "]");
    if (!c) return c.error();
    if (c->seq <= *p.prev || c->seq > p.seq) return Error{ErrorCode::bad_request, "changes[" + std::to_string(i) + "].seq is outside (prev, seq]"};
    p.changes.push_back(std::move(*c));
  }
  return p;
}

}  // namespace passerelle::sync
