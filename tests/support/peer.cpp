#include "passerelle/test/peer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "passerelle/shared/ids.h"

namespace passerelle::test {
namespace json = boost::json;
using namespace std::chrono_literals;

json::object Peer::call(const std::string& type, json::object fields, std::chrono::milliseconds timeout) {
  return ws->call(next++, type, std::move(fields), timeout);
}

std::unique_ptr<RawWsClient> connect_hello(TestServer& s) {
  auto ws = std::make_unique<RawWsClient>();
  EXPECT_TRUE(ws->connect(s.port())) << ws->last_error();
  auto a = ws->call(1, "hello", {{"protocol", 1}});
  EXPECT_EQ(a["ok"], true) << json::serialize(a);
  return ws;
}

Peer sign_in(TestServer& s, const std::string& email, const std::string& password) {
  Peer p;
  p.ws = connect_hello(s);
  auto a = p.ws->call(2, "auth.login", {{"email", email}, {"password", password}}, 10s);
  EXPECT_EQ(a["ok"], true) << email << " " << json::serialize(a);
  if (a.contains("user")) p.id = std::string(a.at("user").at("id").as_string());
  if (a.contains("token")) p.token = std::string(a.at("token").as_string());
  return p;
}

Peer resume(TestServer& s, const std::string& id, const std::string& token) {
  Peer p;
  p.ws = connect_hello(s);
  auto a = p.ws->call(2, "auth.resume", {{"token", token}}, 10s);
  EXPECT_EQ(a["ok"], true) << id << " " << json::serialize(a);
  p.id = id;
  p.token = token;
  return p;
}

json::object op(const std::string& name, json::object args, std::string op_id) {
  if (op_id.empty()) op_id = new_id();
  return {{"op_id", op_id}, {"name", name}, {"args", std::move(args)}};
}

json::object send_op(const std::string& thread_id, const std::string& body, std::string message_id) {
  if (message_id.empty()) message_id = new_id();
  return op("message.send", {{"id", message_id}, {"thread_id", thread_id}, {"body", body}});
}

json::object push(Peer& p, json::array ops) { return p.call("push", {{"ops", std::move(ops)}}); }

Pulled pull_all(Peer& p, std::int64_t cursor, std::int64_t limit) {
  Pulled out;
  out.cursor = cursor;
  for (int guard = 0; guard < 1000; ++guard) {
    auto a = p.call("pull", {{"cursor", out.cursor}, {"limit", limit}});
    EXPECT_EQ(a["ok"], true) << json::serialize(a);
    if (a["ok"] != true) break;
    EXPECT_FALSE(a.contains("resync") && a.at("resync") == true) << json::serialize(a);
    ++out.pages;
    for (const auto& c : a.at("changes").as_array()) {
      const auto& o = c.as_object();
      ++out.changes;
      out.rows[std::string(o.at("collection").as_string()) + "/" + std::string(o.at("id").as_string())] = o;
    }
    out.cursor = a.at("cursor").as_int64();
    if (a.at("more") != true) break;
  }
  return out;
}

std::size_t count_prefix(const Pulled& p, const std::string& collection, bool include_deleted) {
  std::size_t n = 0;
  for (const auto& [k, v] : p.rows)
    if (k.rfind(collection + "/", 0) == 0 && (include_deleted || v.at("deleted") == false)) ++n;
  return n;
}

std::optional<json::object> pulled_row(const Pulled& p, const std::string& collection, const std::string& id) {
  auto it = p.rows.find(collection + "/" + id);
  if (it == p.rows.end() || it->second.at("deleted") == true || !it->second.contains("data")) return std::nullopt;
  return it->second.at("data").as_object();
}

std::optional<json::object> read_poke(RawWsClient& ws, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto f = ws.read(std::max(left, 1ms));
    if (!f.is_text()) return std::nullopt;
    auto v = json::parse(f.data).as_object();
    if (v.contains("type") && v.at("type") == "poke") return v;
  }
  return std::nullopt;
}

}  // namespace passerelle::test
