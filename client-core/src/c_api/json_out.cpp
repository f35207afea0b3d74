#include "json_out.h"

#include "passerelle/shared/protocol.h"

namespace passerelle::capi {

namespace json = boost::json;
using namespace passerelle::client;

namespace {
json::value optional_string(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
}  // namespace

json::object to_json(const Failure& f) {
  return json::object{{"code", to_string(f.error.code)}, {"origin", to_string(f.origin)}, {"message", f.error.message}};
}

json::object to_json(const SyncStatus& s) {
  json::object o{{"online", s.online},
                 {"state", to_string(s.state)},
                 {"pending_ops", s.pending_ops},
                 {"last_synced_at", optional_string(s.last_synced_at)},
                 {"cursor", s.cursor},
                 {"rejections", s.rejections},
                 {"last_error", nullptr},
                 {"progress", nullptr}};
  if (s.last_error) o["last_error"] = to_json(*s.last_error);
  if (s.progress)
    o["progress"] = json::object{{"pushed", s.progress->pushed},
                                 {"pulled_rows", s.progress->pulled_rows},
                                 {"cursor", s.progress->cursor},
                                 {"pulling", s.progress->pulling},
                                 {"more", s.progress->more}};
  return o;
}

json::object to_json(const Rejection& r) {
  return json::object{{"op_id", r.op_id},
                      {"name", r.name},
                      {"args", r.args},
                      {"error", json::object{{"code", to_string(r.error.code)}, {"message", r.error.message}}},
                      {"rejected_at", r.rejected_at}};
}

json::array to_json(const std::vector<Rejection>& rejections) {
  json::array a;
  a.reserve(rejections.size());
  for (const auto& r : rejections) a.push_back(to_json(r));
  return a;
}

json::object to_json(const SyncSummary& s) {
  return json::object{{"pushed", s.pushed},           {"applied", s.applied}, {"rejected", s.rejected},
                      {"pulled_rows", s.pulled_rows}, {"cursor", s.cursor},   {"new_rejections", to_json(s.new_rejections)}};
}

json::object to_json(const Account& a) {
  return json::object{{"user", protocol::to_json(a.user)}, {"server_url", a.server_url}};
}

json::object to_json(const LogoutResult& r) {
  json::object o{{"was_signed_in", r.was_signed_in},
                 {"revoked_on_server", r.revoked_on_server},
                 {"wiped_local_data", r.wiped_local_data},
                 {"server_problem", nullptr}};
  if (r.server_problem) o["server_problem"] = to_json(*r.server_problem);
  return o;
}

json::array to_json(const ChangedRows& rows) {
  json::array a;
  a.reserve(rows.size());
  for (const auto& [collection, id] : rows) a.push_back(json::object{{"collection", collection}, {"id", id}});
  return a;
}

json::object to_json(const MessageView& m) {
  json::object o = m.row;
  o["id"] = m.id;
  o["thread_id"] = m.thread_id;
  o["author_id"] = m.author_id;
  o["author_name"] = m.author_name;
  o["body"] = m.body;
  o["n"] = m.n;
  o["mine"] = m.mine;
  o["state"] = std::string(messages::to_string(m.state));
  o["sent_at"] = optional_string(m.sent_at);
  o["written_at"] = optional_string(m.written_at);
  json::array files;
  files.reserve(m.attachments.size());
  for (const auto& a : m.attachments)
    files.push_back(json::object{
        {"sha256", a.sha256}, {"name", a.name}, {"size", a.size}, {"type", a.type}, {"on_device", a.on_device}});
  o["attachments"] = std::move(files);
  return o;
}

json::object to_json(const ThreadSummary& t) {
  json::object o = t.row;
  o["id"] = t.id;
  o["kind"] = t.kind;
  o["title"] = t.title;
  json::array members;
  for (const auto& m : t.members) members.push_back(json::value(m));
  o["members"] = std::move(members);
  o["message_count"] = t.message_count;
  o["unread"] = t.unread;
  o["last_activity"] = optional_string(t.last_activity);
  o["last_message"] = t.last_message ? json::value(to_json(*t.last_message)) : json::value(nullptr);
  return o;
}

json::array to_json(const std::vector<client::SessionInfo>& sessions) {
  json::array out;
  for (const auto& s : sessions)
    out.push_back(json::object{{"id", s.id},
                               {"device", s.device},
                               {"address", s.address},
                               {"first_seen_at", s.first_seen_at},
                               {"last_seen_at", s.last_seen_at},
                               {"expires_at", s.expires_at},
                               {"current", s.current}});
  return out;
}

}  // namespace passerelle::capi
