// Wire forms of the sync protocol (docs/sync.md): ops pushed by a device, their outcomes, and
// the row changes a pull returns. Server and client encode and decode them here only.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::sync {

// Most ops one push may carry; a device with more queued sends several pushes in order.
inline constexpr std::size_t kMaxOpsPerPush = 100;
// The push window (docs/protocol.md, `push`): a server that answers `hello` with
// {"push_window": N} accepts up to N pushes of one connection in flight, applies them in the
// order sent and answers them in that order; a device then sends the next push before the
// previous answer arrives, each naming the push it follows (`after`: that push's request id),
// so that a push whose predecessor failed fails too instead of running out of order. A server
// that announces nothing gets one push at a time.
inline constexpr const char* kPushWindowField = "push_window";
inline constexpr const char* kPushAfterField = "after";
// What this server announces, and the most the client core uses.
inline constexpr std::int64_t kPushWindow = 4;
// Page size of a pull when the client names none, and the most it may ask for.
inline constexpr std::int64_t kDefaultPullLimit = 500;
inline constexpr std::int64_t kMaxPullLimit = 2000;
// What the client core asks for: pages of 2,000 were slower per row on both sides
// (docs/benchmarks.md).
inline constexpr std::int64_t kClientPullLimit = 1000;
// A pull page also stops once its rows hold this many bytes of JSON (at least one row is
// always sent), so a page of long messages stays well inside the 16 MiB a device's sync
// connection accepts. Large pages matter for a first sync: each page is a round trip, a read
// transaction on the server and a durable commit on the device (docs/benchmarks.md).
inline constexpr std::size_t kPullPageBytes = 1024 * 1024;

// One named write made on a device: `op_id` is a UUIDv7 made there, unique per user forever.
struct Op {
  std::string op_id;
  std::string name;
  boost::json::object args;
};
boost::json::object to_json(const Op& op);
Result<Op> op_from_json(const boost::json::value& v, std::string path = "op");

enum class OpStatus { applied, rejected };

// The server's final word on one op. The same op pushed again gets the same result.
struct OpResult {
  std::string op_id;
  OpStatus status = OpStatus::applied;
  std::optional<Error> error;  // set when rejected
};
boost::json::object to_json(const OpResult& r);
Result<OpResult> op_result_from_json(const boost::json::value& v, std::string path = "result");

// The latest state of one row as a pull returns it; `deleted` rows carry no data (tombstone).
// A row also comes back deleted when the caller stopped being allowed to see it.
struct Change {
  std::string collection;
  std::string id;
  std::int64_t seq = 0;
  bool deleted = false;
  boost::json::object data;
};
boost::json::object to_json(const Change& c);
Result<Change> change_from_json(const boost::json::value& v, std::string path = "change");

// One page of a pull. `resync` means the cursor is older than the server keeps (or from another
// database): the client starts again from cursor 0, keeping its outbox.
struct PullPage {
  std::vector<Change> changes;
  std::int64_t cursor = 0;
  bool more = false;
  bool resync = false;
  std::string epoch;  // identifies the server database; a change of epoch also means resync
  // The compaction horizon when this page was read. A device re-reading everything from 0
  // sends the horizon of its first page with each later page: if compaction ran meanwhile,
  // a tombstone it needed may be gone, and the server makes it start again.
  std::int64_t horizon = 0;
};
boost::json::object to_json(const PullPage& p);
// Takes the answer by value: a caller that hands it over (std::move) has its rows moved into
// the page rather than copied.
Result<PullPage> pull_page_from_json(boost::json::object answer);

// A poke that carries the change (docs/sync.md, "Live"): `{"type":"poke","seq":L,"prev":P,
// "changes":[...]}`, sent only to sessions whose hello asked for it (`"live_rows": true`).
// `changes` are every change the reader can see with seq in (prev, seq], in pull's form; a
// device whose cursor is at least `prev` may apply them as a pull page and move its cursor to
// `seq`; any other device pulls. A plain poke (no `changes`) always means "pull".
struct LivePoke {
  std::int64_t seq = 0;
  std::optional<std::int64_t> prev;  // set when the poke carries its changes
  std::vector<Change> changes;
};
// nullopt `prev` for a plain poke; an error when the carried part is malformed.
Result<LivePoke> live_poke_from_json(const boost::json::object& event);
// The hello field a device sends to ask for carried pokes, and the server echoes when it will.
inline constexpr const char* kLiveRowsField = "live_rows";

}  // namespace passerelle::sync
