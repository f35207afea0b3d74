// Mutators: the only way data changes. A mutator is a named write `{op_id, name, args}` whose
// code runs twice: optimistically on the device against its local view, and authoritatively on
// the server inside the push transaction. Both run the SAME function below; the server's run
// is the one that counts (it sees every row and decides conflicts; device clocks never do).
//
// Adding a mutator is one definition: an Args struct, a decode function (typed validation,
// errors name the field), an apply function, and its line in the registry (mutators.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::sync {

// Rows as mutators see them: JSON objects in named collections, keyed by id (a UUIDv7 or a
// user id). The server implements this over SOCI inside the push transaction and records who
// may read each row; the device implements it over its local view (audience ignored).
// Storage failures are exceptions (the caller turns them into `internal`); domain rejections
// are Status values returned by the mutator.
class RowStore {
 public:
  virtual ~RowStore() = default;
  // The current row, or nullopt if absent or deleted. On a device: only what it can see.
  virtual std::optional<boost::json::object> get(std::string_view collection, std::string_view id) = 0;
  // Creates or replaces a row. `audience` is every user allowed to read it after this write;
  // users who could read it before and are not listed get a tombstone.
  virtual void put(std::string_view collection, std::string_view id, const boost::json::object& data,
                   const std::vector<std::string>& audience) = 0;
  // Deletes a row; everyone who could read it gets a tombstone.
  virtual void remove(std::string_view collection, std::string_view id) = 0;
  // Who may read the row now. The server knows; a device returns an empty list (it never
  // decides audiences, it only mirrors what it was sent).
  virtual std::vector<std::string> audience(std::string_view collection, std::string_view id) = 0;
};

// Uploaded files, as the server knows them (a device has no catalog: it cannot tell, and the
// server's run decides). A mutator that attaches a file asks whether the actor may use it.
struct FileInfo {
  std::int64_t size = 0;
  std::string type;  // MIME type judged from the content at upload
};
class FileCatalog {
 public:
  virtual ~FileCatalog() = default;
  // The file with this SHA-256 if it was uploaded and `user_id` may attach it: they uploaded
  // it themselves or can read a row that refers to it (forwarding). nullopt otherwise, so a
  // guessed hash grants nothing.
  virtual std::optional<FileInfo> usable(std::string_view sha256, std::string_view user_id) = 0;
};

struct Actor {
  std::string user_id;
  protocol::Role role = protocol::Role::candidate;
};

// Rules that are server configuration rather than code (docs/mentoring.md). The server fills
// them from its flags (--meeting-notice-hours, --video-base-url); a device keeps the defaults,
// which only shape its optimistic view: the checks that depend on them run where authoritative.
struct MutationSettings {
  std::chrono::minutes meeting_min_notice{24 * 60};  // a meeting starts at least this far ahead
  std::string video_base_url = "https://meet.jit.si/passerelle-";  // + meeting id, when the mentor has no link
};

struct MutationContext {
  Actor actor;
  RowStore& rows;
  Timestamp now;         // server time on the server; device time (display only) on a device
  std::string op_id;
  bool authoritative;    // true on the server: every row is visible and this run decides
  FileCatalog* files = nullptr;  // the server's uploads; null on a device
  MutationSettings settings{};   // server configuration of domain rules (defaults on a device)
};

// A type-erased mutator as the registry holds it.
struct Mutator {
  std::string_view name;
  // Typed validation of the args only (no store access): devices refuse a bad op before
  // queueing it, and fuzzers exercise it alone.
  std::function<Status(const boost::json::object& args)> validate;
  // Decodes and applies. A non-ok Status rejects the op and the caller rolls back its writes.
  std::function<Status(MutationContext&, const boost::json::object& args)> apply;
};

// Builds a Mutator from a typed pair: `Result<Args> decode(JsonReader&)` and
// `Status apply(MutationContext&, const Args&)`.
template <class Args>
Mutator make_mutator(std::string_view name, Result<Args> (*decode)(JsonReader&),
                     Status (*apply)(MutationContext&, const Args&)) {
  auto run_decode = [decode](const boost::json::object& args) {
    boost::json::value v(args);
    JsonReader in(v, "args");
    return decode(in);
  };
  return Mutator{
      name,
      [run_decode](const boost::json::object& args) -> Status {
        auto a = run_decode(args);
        if (!a) return a.error();
        return Status::Ok();
      },
      [run_decode, apply](MutationContext& ctx, const boost::json::object& args) -> Status {
        auto a = run_decode(args);
        if (!a) return a.error();
        return apply(ctx, *a);
      }};
}

// The registered mutator called `name`, or nullptr.
const Mutator* find_mutator(std::string_view name);
// Every registered mutator, in registration order (docs, tests, fuzzers).
const std::vector<Mutator>& all_mutators();

// Looks up and applies a mutator: unknown names are `bad_request`. Storage exceptions propagate.
Status run_mutator(MutationContext& ctx, std::string_view name, const boost::json::object& args);

}  // namespace passerelle::sync
