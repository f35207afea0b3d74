#include "sync/push_chains.h"

namespace passerelle::server::sync {

bool PushChains::arrive(const std::string& token, std::int64_t id, std::optional<std::int64_t> after) {
  std::lock_guard lock(mutex_);
  auto it = last_.find(token);
  bool ok = !after || (it != last_.end() && it->second.id == *after && !it->second.failed);
  if (it == last_.end()) {
    if (last_.size() >= kBound) last_.clear();
    it = last_.emplace(token, Last{}).first;
  }
  it->second = Last{id, !ok};
  return ok;
}

void PushChains::failed(const std::string& token, std::int64_t id) {
  std::lock_guard lock(mutex_);
  if (auto it = last_.find(token); it != last_.end() && it->second.id == id) it->second.failed = true;
}

}  // namespace passerelle::server::sync
