// The server's RowStore: mutators read and write replicated rows through it inside the push
// transaction, and every write lands in the change log with the next global seq and its
// audience. It must be used on the writer's connection, inside a transaction.
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "passerelle/shared/sync/mutator.h"
#include "storage/connection_cache.h"
#include "storage/deferred_writes.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::sync {

// A row change as it was written, for pokes that carry it (docs/sync.md, "Live"): the stored
// JSON text (not parsed again on the way out), who reads it after the change and who lost it.
struct WrittenRow {
  std::string collection, id;
  std::int64_t seq = 0;
  bool deleted = false;
  std::string data;  // the stored JSON object; empty when deleted
  std::vector<std::string> readers, lost;
};

class ChangeLog : public passerelle::sync::RowStore {
 public:
  // `plain` writes the seq counter for every row and reads every row from the database: right
  // for any caller. `batched` is for a push, which writes hundreds of rows, many of them the
  // same thread: it reads the counter once and keeps it in memory, and remembers the rows and
  // audiences it read or wrote. The caller must then call flush() before its transaction
  // ends, and must write replicated rows only through this object while it lives.
  // `coalesced` is `batched` that also holds row writes until flush() (or remove(), or
  // write_pending()), so a row written many times (a thread, once per message) is written
  // once, with its last seq and content: the same final state, fewer writes. Not with
  // mark()/rewind(): a held write cannot be rolled back to a mark. Whoever reads the
  // replicated tables directly meanwhile must call write_pending() first.
  enum class Mode { plain, batched, coalesced };
  ChangeLog(soci::session& sql, Timestamp now, Mode mode = Mode::plain);
  ~ChangeLog();

  // Batched and coalesced modes: writes the held rows and the seq counter (nothing to do in
  // plain mode, or if no seq was allocated). Storage failures throw, like every write here.
  // `then`, a statement without values (a RELEASE SAVEPOINT), runs right after the writes: in
  // their pipeline when they are deferred, so it costs no round trip of its own.
  void flush(const char* then = nullptr);
  // flush() whose pipeline also carries, after `then`, the reads that `reads` gives once the
  // held rows are written (so they may depend on what was captured): their rows. Without
  // deferred writes nothing is read and the answer is empty.
  std::vector<storage::DeferredWrites::Rows> flush_and_read(
      const char* then, const std::function<std::vector<storage::DeferredWrites::Read>()>& reads);
  // Coalesced mode: writes the held rows now (see Mode), and the deferred writes.
  void write_pending();
  // The caller rolls back what this object wrote: the held rows and the deferred writes that
  // were not sent yet are forgotten.
  void discard_deferred();
  // Coalesced mode on PostgreSQL: the connection's queue that the row writes go to (see
  // storage/deferred_writes.h); it is flushed by flush() and write_pending(). nullptr otherwise.
  storage::DeferredWrites* deferred() const { return deferred_; }
  // Coalesced mode on PostgreSQL: ids the coming ops will probably read (their arguments).
  // The first get() of one of them in a collection reads every one of them in that collection,
  // with their audiences, in one query (a push of 100 messages then reads its messages once,
  // not 100 times). Ids not among them are read one by one, as always.
  void expect_reads(std::vector<std::string> ids);
  // The same read done by the caller in a pipeline of its own (a push sends it with the op
  // ledger's read): `rows` is what storage::rows_and_audiences_sql() returned for `collection`
  // and expected_ids_text(); that collection is not read again.
  std::string expected_ids_text() const;
  // What expected_ids_text() gives once expect_reads(ids) ran, without a ChangeLog (a push
  // read ahead by the push before it: sync/push.h, PushReadAhead).
  static std::string expected_ids_text_of(std::vector<std::string> ids);
  void take_expected(std::string_view collection, const storage::DeferredWrites::Rows& rows);
  // The seq counter read by the caller in a pipeline of its own (a push's, with the ledger:
  // storage::op_outcomes_sql()), inside this transaction: the first change then does not read
  // it again.
  void know_counter(std::int64_t value) { known_counter_ = value; }
  // The collections whose expected ids were read (by get() or take_expected()).
  const std::set<std::string, std::less<>>& expected_collections() const { return expected_read_; }

  std::optional<boost::json::object> get(std::string_view collection, std::string_view id) override;
  void put(std::string_view collection, std::string_view id, const boost::json::object& data,
           const std::vector<std::string>& audience) override;
  void remove(std::string_view collection, std::string_view id) override;
  std::vector<std::string> audience(std::string_view collection, std::string_view id) override;

  // Appends every row written from now on to `out` (a rewind forgets those after its mark).
  void capture_into(std::vector<WrittenRow>* out) { captured_ = out; }

  // For the migrations older than scopes (17): rows keep an entry per reader, as they were
  // written then (migration 17 moves them). Before any read or write.
  void without_scopes();

  // For the migrations older than the dashboard's row_keys table: write rows without indexing
  // them there (migration 9 indexes every row already written).
  void without_row_keys();

  // Everyone who gained, kept or lost sight of a row written through this object: they get a poke.
  const std::set<std::string>& touched_users() const { return touched_; }
  // The highest seq this object allocated, 0 if it wrote nothing.
  std::int64_t last_seq() const { return last_seq_; }

  // Forgets what was recorded since `mark` (the caller rolled back a savepoint).
  struct Mark {
    std::set<std::string> touched;
    std::int64_t last_seq;
    std::int64_t counter;
    std::size_t captured;
  };
  Mark mark() const { return Mark{touched_, last_seq_, counter_, captured_ ? captured_->size() : 0}; }
  void rewind(const Mark& m);

 private:
  std::int64_t next_seq();
  void write_held();  // the held rows, into the deferred writes when there are
  void read_expected(std::string_view collection);
  void set_reader(const std::string& user, const std::string& collection, const std::string& id,
                  std::int64_t seq, bool visible);
  void drop_reader(const std::string& user, const std::string& collection, const std::string& id);

  // The row statements, prepared once per connection (storage::ConnectionCache; once per
  // object on a bare session) and re-run for every row: preparing (parsing, planning) was the
  // largest share of the writer's CPU (docs/benchmarks.md).
  struct Statements;
  Statements& statements();

  // Batched mode's memory of rows: what get() and audience() would read now. Unknown parts are
  // nullopt; `row` holds nullopt-as-value for "absent or deleted".
  struct Known {
    std::optional<std::optional<boost::json::object>> row;
    std::optional<std::vector<std::string>> audience;
  };
  Known* known(std::string_view collection, std::string_view id);
  void write_row(const std::string& collection, const std::string& id, const boost::json::object& data,
                 std::int64_t seq, const std::vector<std::string>& audience_after,
                 const std::vector<std::string>& lost, const std::vector<std::string>& before, bool absent);
  // The scope of `readers` (sorted, two or more), its members written once per object.
  std::string scope_of(const std::vector<std::string>& readers);
  // The scopes whose members this object wrote, by their readers, with their keys; forgotten
  // by rewind() and discard_deferred(): a rollback undoes the members.
  std::map<std::vector<std::string>, std::string> scopes_written_;
  bool scoped_ = true;
  std::unique_ptr<Statements> unscoped_statements_;  // without_scopes()

  // Coalesced mode: a row's write held until write_pending(): its last content, seq and
  // audience, and everyone who could read it at some point since the database's version (they
  // get a tombstone unless they are in the last audience, as successive writes would give).
  struct Held {
    std::string collection, id;
    boost::json::object data;
    std::int64_t seq = 0;
    std::vector<std::string> audience, ever;
    std::vector<std::string> before;  // the readers in the database's version
    bool absent = false;               // known absent or deleted there (no audience read)
  };
  std::vector<Held> held_;
  std::unordered_map<std::string, std::size_t> held_index_;  // by known() key

  soci::session& sql_;
  Timestamp now_;
  Mode mode_;
  storage::DeferredWrites* deferred_ = nullptr;
  std::vector<std::string> expected_ids_;
  std::set<std::string, std::less<>> expected_read_;  // collections read for expected_ids_
  // Keeps a row and audience read for the expected ids (what this push wrote or read is newer).
  void know_expected(std::string_view collection, const std::string& id, const std::optional<std::string>& data,
                     const std::optional<std::string>& users);
  std::optional<storage::Cached<Statements>> statements_;
  std::set<std::string> touched_;
  std::int64_t last_seq_ = 0;
  std::optional<std::int64_t> known_counter_;  // know_counter()
  std::int64_t counter_ = -1;  // batched mode: the seq counter as this object left it (-1: unread)
  std::unordered_map<std::string, Known> known_;
  std::vector<WrittenRow>* captured_ = nullptr;
};

// The scope key of an audience of two or more readers (sorted, unique): the hex of a SHA-256
// of the readers, so the same audience always has the same key and no lookup is needed.
std::string scope_key(const std::vector<std::string>& sorted_readers);
// Migration 17: the scope column (where it is missing), kScopesSql, then scope_existing_rows.
void migrate_to_scopes(soci::session& sql);
// Every row that two or more readers see gets its scope, and their entries go.
void scope_existing_rows(soci::session& sql);

// A live row for readers outside a push (mail jobs, the calendar feed), on any connection:
// nullopt when absent, deleted, or not a JSON object (a reader skips what it cannot show).
std::optional<boost::json::object> find_row(soci::session& sql, std::string_view collection, const std::string& id);

// The last seq handed out (0 for an empty log), read on any connection.
std::int64_t current_seq(soci::session& sql);
// Tombstones at or below this seq were purged; cursors below it must resync.
std::int64_t compaction_horizon(soci::session& sql);

}  // namespace passerelle::server::sync
