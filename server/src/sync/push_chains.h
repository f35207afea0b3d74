// The push window's order (docs/protocol.md, `push`): per session token, the last push that
// reached the writer and whether it failed.
//
// A push that names the one it follows (`after`) runs only if that push is its token's last one
// on the writer and has not failed: if it failed (its item threw, its batch's COMMIT failed) or
// never got there (refused before: a bad field, a rate limit), this one fails too, unrun, and the
// pushes behind it in turn, so that no op of a device runs before the ops it sent earlier.
//
// What a caller must keep: `arrive` is called on the writer, in the order the writer runs the
// pushes (a connection hands them over in the order it reads them); `failed` is called before
// the writer's next batch begins. Two connections on one token may see the other's push as the
// last one: their follower fails and is pushed again (never runs out of order). Bounded: past
// `kBound` tokens the record starts over, and a follower whose predecessor it forgot fails the
// same safe way. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace passerelle::server::sync {

class PushChains {
 public:
  static constexpr std::size_t kBound = 1 << 16;

  // The push `id` of `token` reaches the writer: whether it may run. It becomes the token's last
  // push either way (failed when it may not run).
  bool arrive(const std::string& token, std::int64_t id, std::optional<std::int64_t> after);
  // The push `id` of `token` failed after it arrived: its followers must not run.
  void failed(const std::string& token, std::int64_t id);

 private:
  struct Last {
    std::int64_t id = 0;
    bool failed = false;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Last> last_;
};

}  // namespace passerelle::server::sync
