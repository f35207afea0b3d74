// The server's RowStore: mutators read and write replicated rows through it inside the push
// transaction, and every write lands in the change log with the next global seq and its
// audience. It must be used on the writer's connection, inside a transaction.
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::sync {

class ChangeLog : public passerelle::sync::RowStore {
 public:
  ChangeLog(soci::session& sql, Timestamp now);
  ~ChangeLog();

  std::optional<boost::json::object> get(std::string_view collection, std::string_view id) override;
  void put(std::string_view collection, std::string_view id, const boost::json::object& data,
           const std::vector<std::string>& audience) override;
  void remove(std::string_view collection, std::string_view id) override;
  std::vector<std::string> audience(std::string_view collection, std::string_view id) override;

  // Everyone who gained, kept or lost sight of a row written through this object: they get a poke.
  const std::set<std::string>& touched_users() const { return touched_; }
  // The highest seq this object allocated, 0 if it wrote nothing.
  std::int64_t last_seq() const { return last_seq_; }

  // Forgets what was recorded since `mark` (the caller rolled back a savepoint).
  struct Mark {
    std::set<std::string> touched;
    std::int64_t last_seq;
  };
  Mark mark() const { return Mark{touched_, last_seq_}; }
  void rewind(const Mark& m) {
    touched_ = m.touched;
    last_seq_ = m.last_seq;
  }

 private:
  std::int64_t next_seq();
  void set_reader(const std::string& user, const std::string& collection, const std::string& id,
                  std::int64_t seq, bool visible);

  // The row statements, prepared on first use and re-run for every row this object writes: a
  // push of 100 ops runs each of them hundreds of times, and preparing (parsing, planning) was
  // the largest share of the writer's CPU (docs/benchmarks.md). They live no longer than this
  // object, which lives inside one transaction on one session.
  struct Statements;
  Statements& statements();

  soci::session& sql_;
  Timestamp now_;
  std::unique_ptr<Statements> statements_;
  std::set<std::string> touched_;
  std::int64_t last_seq_ = 0;
};

// A live row for readers outside a push (mail jobs, the calendar feed), on any connection:
// nullopt when absent, deleted, or not a JSON object (a reader skips what it cannot show).
std::optional<boost::json::object> find_row(soci::session& sql, std::string_view collection, const std::string& id);

// The last seq handed out (0 for an empty log), read on any connection.
std::int64_t current_seq(soci::session& sql);
// Tombstones at or below this seq were purged; cursors below it must resync.
std::int64_t compaction_horizon(soci::session& sql);

}  // namespace passerelle::server::sync
