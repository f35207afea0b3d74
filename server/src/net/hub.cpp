#include "hub.h"

#include <algorithm>
#include <string_view>

#include "../log.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::server::net {

Hub::~Hub() {
  {
    std::lock_guard lock(tasks_mutex_);
    tasks_stopping_ = true;
  }
  tasks_cv_.notify_all();
  if (delivery_.joinable()) delivery_.join();
}

void Hub::after_commit(std::function<void()> task) {
  {
    std::lock_guard lock(tasks_mutex_);
    if (!tasks_stopping_) {
      if (!delivery_.joinable()) delivery_ = std::thread([this] { deliver_tasks(); });
      tasks_.push_back(std::move(task));
      tasks_cv_.notify_one();
      return;
    }
  }
  task();
}

void Hub::deliver_tasks() {
  std::unique_lock lock(tasks_mutex_);
  for (;;) {
    tasks_cv_.wait(lock, [&] { return tasks_stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping and drained
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      log::error("after_commit_failed", {{"what", e.what()}});
    } catch (...) {
      log::error("after_commit_failed", {{"what", "unknown exception"}});
    }
    lock.lock();
  }
}

void Hub::add(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mutex_);
  all_[conn.get()] = Entry{conn, {}};
}

void Hub::remove(Connection* conn) {
  std::lock_guard lock(mutex_);
  auto it = all_.find(conn);
  if (it == all_.end()) return;
  if (!it->second.user_id.empty()) leave(conn, it->second.user_id);
  leave_role(conn, it->second.role_audience);
  all_.erase(it);
}

void Hub::set_user(Connection* conn, const std::string& user_id, const std::string& token_hash,
                   const std::string& role_audience) {
  std::lock_guard lock(mutex_);
  auto it = all_.find(conn);
  if (it == all_.end()) return;
  it->second.token_hash = user_id.empty() ? std::string() : token_hash;
  std::string role = user_id.empty() ? std::string() : role_audience;
  if (it->second.role_audience != role) {
    leave_role(conn, it->second.role_audience);
    it->second.role_audience = role;
    if (!role.empty()) by_role_[role].insert(conn);
  }
  if (it->second.user_id == user_id) return;
  if (!it->second.user_id.empty()) leave(conn, it->second.user_id);
  it->second.user_id = user_id;
  if (!user_id.empty()) by_user_[user_id].insert(conn);
}

void Hub::leave_role(Connection* conn, const std::string& role_audience) {
  if (role_audience.empty()) return;
  auto r = by_role_.find(role_audience);
  if (r == by_role_.end()) return;
  r->second.erase(conn);
  if (r->second.empty()) by_role_.erase(r);
}

std::vector<std::pair<std::shared_ptr<Connection>, const std::string*>> Hub::reached(
    const std::vector<std::string>& names) {
  auto is_role = [](const std::string& name) { return name.rfind("role:", 0) == 0; };
  // Only a role audience can reach a connection twice (a user's names are distinct): the set is
  // kept off the chat's path, where every push pokes two users.
  bool any_role = std::any_of(names.begin(), names.end(), is_role);
  std::vector<std::pair<std::shared_ptr<Connection>, const std::string*>> out;
  std::unordered_set<Connection*> seen;
  for (const auto& name : names) {
    const auto& index = is_role(name) ? by_role_ : by_user_;
    auto u = index.find(name);
    if (u == index.end()) continue;
    for (Connection* c : u->second)
      if (!any_role || seen.insert(c).second)
        if (auto sp = all_[c].conn.lock()) out.emplace_back(std::move(sp), &name);
  }
  return out;
}

std::size_t Hub::connections_of(const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  auto u = by_user_.find(user_id);
  return u == by_user_.end() ? 0 : u->second.size();
}

namespace {
// A session-ending order travels through the relay like an event, to the user's audience. It
// starts with a prefix no event frame has (they are JSON objects), so deliver_local can tell.
constexpr std::string_view kEndSessionPrefix = "passerelle-hub:end-session\n";

std::string end_session_order(const std::string& token_hash, const std::string& reason) {
  return std::string(kEndSessionPrefix) + token_hash + "\n" + reason;
}

bool parse_end_session_order(std::string_view text, std::string& token_hash, std::string& reason) {
  if (text.substr(0, kEndSessionPrefix.size()) != kEndSessionPrefix) return false;
  text.remove_prefix(kEndSessionPrefix.size());
  auto nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  token_hash = std::string(text.substr(0, nl));
  reason = std::string(text.substr(nl + 1));
  return true;
}
}  // namespace

std::size_t Hub::disconnect_user(const std::string& user_id, const std::string& reason) {
  return disconnect_token(user_id, {}, reason);
}

std::size_t Hub::disconnect_token(const std::string& user_id, const std::string& token_hash, const std::string& reason) {
  Relay relay;
  {
    std::lock_guard lock(mutex_);
    relay = relay_;
  }
  if (relay) relay({user_id}, end_session_order(token_hash, reason));
  return end_sessions_here(user_id, token_hash, reason);
}

std::size_t Hub::end_sessions_here(const std::string& user_id, const std::string& token_hash, const std::string& reason) {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mutex_);
    auto u = by_user_.find(user_id);
    if (u != by_user_.end())
      for (Connection* c : u->second) {
        const Entry& e = all_[c];
        if (!token_hash.empty() && e.token_hash != token_hash) continue;
        if (auto sp = e.conn.lock()) targets.push_back(std::move(sp));
      }
  }
  for (auto& t : targets) t->end_session(user_id, token_hash, reason);
  return targets.size();
}

bool Hub::admit_address(const std::string& address, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::size_t& n = per_address_[address];
  if (limit != 0 && n >= limit) return false;
  ++n;
  return true;
}

void Hub::release_address(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(address);
  if (it == per_address_.end()) return;
  if (--it->second == 0) per_address_.erase(it);
}

void Hub::leave(Connection* conn, const std::string& user_id) {
  auto u = by_user_.find(user_id);
  if (u != by_user_.end()) {
    u->second.erase(conn);
    if (u->second.empty()) by_user_.erase(u);
  }
  last_seen_[user_id] = std::chrono::system_clock::now();
}

bool Hub::is_online(const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  return by_user_.count(user_id) > 0;
}

std::optional<std::chrono::system_clock::time_point> Hub::last_seen(const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  auto it = last_seen_.find(user_id);
  if (it == last_seen_.end()) return std::nullopt;
  return it->second;
}

void Hub::set_relay(Relay relay) {
  std::lock_guard lock(mutex_);
  relay_ = std::move(relay);
}

std::vector<std::string> Hub::signed_in_users() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [uid, _] : by_user_) out.push_back(uid);
  return out;
}

std::size_t Hub::send_event(const std::vector<std::string>& user_ids, const std::string& text) {
  Relay relay;
  {
    std::lock_guard lock(mutex_);
    relay = relay_;
  }
  if (relay) relay(user_ids, text);
  return deliver_local(user_ids, text);
}

void Hub::set_poke_loader(PokeLoader loader) {
  std::lock_guard lock(mutex_);
  loader_ = std::move(loader);
}

std::size_t Hub::send_poke(const sync::LivePoke& poke) {
  Relay relay;
  {
    std::lock_guard lock(mutex_);
    relay = relay_;
  }
  if (relay && !poke.users.empty()) {
    // A notification holds 8000 bytes; a notice too big for one (a huge audience) relays the
    // plain poke, and the devices there pull.
    std::string notice = sync::relay_notice(poke);
    relay(poke.users, !notice.empty() && notice.size() <= 3500 ? notice : poke.plain);
  }
  return deliver_poke(poke);
}

std::size_t Hub::deliver_poke(const sync::LivePoke& poke) {
  std::vector<std::pair<std::shared_ptr<Connection>, const std::string*>> targets;
  {
    std::lock_guard lock(mutex_);
    targets = reached(poke.users);
  }
  // One frame per user (its changes and its prev), copied to each of the user's sessions.
  // The targets come grouped by user: the frame is moved into the last session of its user
  // rather than copied (a user has one session most of the time).
  std::string frame;
  const std::string* frame_user = nullptr;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    auto& [conn, uid] = targets[i];
    if (!conn->live_rows.load()) {
      conn->send_event(poke.plain);
      continue;
    }
    if (frame_user != uid) {
      frame = poke.frame_for(*uid);
      frame_user = uid;
    }
    bool last_of_user = true;
    for (std::size_t j = i + 1; j < targets.size() && targets[j].second == uid; ++j)
      if (targets[j].first->live_rows.load()) last_of_user = false;
    if (last_of_user) {
      conn->send_event(std::move(frame));
      frame_user = nullptr;
    } else {
      conn->send_event(frame);
    }
  }
  return targets.size();
}

std::size_t Hub::deliver_local(const std::vector<std::string>& user_ids, const std::string& text) {
  if (std::int64_t first = 0, last = 0; text.rfind("passerelle-live:", 0) == 0) {
    std::map<std::string, std::int64_t> prevs;
    PokeLoader loader;
    {
      std::lock_guard lock(mutex_);
      loader = loader_;
    }
    if (!sync::parse_relay_notice(text, first, last, prevs)) return 0;
    sync::LivePoke poke;
    try {
      if (loader) poke = loader(first, last, prevs);
    } catch (...) {
      // The rows could not be read: the devices get the plain poke and pull; the bus logs it.
      poke.plain = protocol::serialize_event("poke", {{"seq", last}});
      poke.users = user_ids;
      deliver_poke(poke);
      throw;
    }
    poke.first = first;
    poke.last = last;
    poke.plain = protocol::serialize_event("poke", {{"seq", last}});
    poke.users = user_ids;
    return deliver_poke(poke);
  }
  if (std::string token_hash, reason; parse_end_session_order(text, token_hash, reason)) {
    std::size_t n = 0;
    for (const auto& uid : user_ids) n += end_sessions_here(uid, token_hash, reason);
    return n;
  }
  std::vector<std::pair<std::shared_ptr<Connection>, const std::string*>> targets;
  {
    std::lock_guard lock(mutex_);
    targets = reached(user_ids);
  }
  // Outside the lock: deliver() only posts, but keep the critical section minimal anyway.
  for (auto& [t, _] : targets) t->send_event(text);
  return targets.size();
}

void Hub::shut_down_all() {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mutex_);
    for (auto& [_, e] : all_)
      if (auto sp = e.conn.lock()) targets.push_back(std::move(sp));
  }
  for (auto& t : targets) t->shut_down();
}

std::size_t Hub::size() const {
  std::lock_guard lock(mutex_);
  return all_.size();
}

}  // namespace passerelle::server::net
