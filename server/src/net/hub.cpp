#include "hub.h"

namespace passerelle::server::net {

void Hub::add(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mutex_);
  all_[conn.get()] = Entry{conn, {}};
}

void Hub::remove(Connection* conn) {
  std::lock_guard lock(mutex_);
  auto it = all_.find(conn);
  if (it == all_.end()) return;
  if (!it->second.user_id.empty()) leave(conn, it->second.user_id);
  all_.erase(it);
}

void Hub::set_user(Connection* conn, const std::string& user_id) {
  std::lock_guard lock(mutex_);
  auto it = all_.find(conn);
  if (it == all_.end() || it->second.user_id == user_id) return;
  if (!it->second.user_id.empty()) leave(conn, it->second.user_id);
  it->second.user_id = user_id;
  if (!user_id.empty()) by_user_[user_id].insert(conn);
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

std::size_t Hub::deliver_local(const std::vector<std::string>& user_ids, const std::string& text) {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& uid : user_ids) {
      auto u = by_user_.find(uid);
      if (u == by_user_.end()) continue;
      for (Connection* c : u->second)
        if (auto sp = all_[c].conn.lock()) targets.push_back(std::move(sp));
    }
  }
  // Outside the lock: deliver() only posts, but keep the critical section minimal anyway.
  for (auto& t : targets) t->send_event(text);
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
