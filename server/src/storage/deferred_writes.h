// Writes sent together instead of one round trip each (PostgreSQL only). A push writes a dozen
// rows per op (the op's record, the message, its readers, the thread's index row, inboxes)
// and, through SOCI, each write waited for its answer before the next was sent: on PostgreSQL
// every one is a round trip to another process, where SQLite's are function calls
// (docs/benchmarks.md, "PostgreSQL"). Queued here, they go in one libpq pipeline: the same
// statements, in the same order, in the same transaction, with one wait for all their answers.
//
//   storage::Cached<DeferredWrites> w(sql);
//   if (w->available()) w->add(kInsertSql, {user, op_id, std::nullopt});  // NULL: nullopt
//   else soci_statement.execute(true);
//   ...
//   w->flush();  // before anything reads what was queued, and before RELEASE/COMMIT
//
// The row writes of one table that a pipeline carries go as one multi-row statement, and
// those of several tables as one statement (dialect.h: ManyRows, merged_writes_sql): a
// one-message push's ten row writes cost one statement to the database, not ten.
//
// SOCI has no pipelining (each statement is PQexecPrepared and its result); this class speaks
// libpq on the session's own connection between two SOCI statements, when SOCI has none in
// flight. Statements are prepared once per connection (as SOCI's are) under names of their own.
//
// Contract: a caller queues only writes whose effect nobody reads before flush(): it flushes
// first whenever it reads a table it queued writes to (or runs any statement whose result may
// depend on them), and calls discard() when its transaction or savepoint is rolled back.
#pragma once

#include <soci/session.h>

#include "dialect.h"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace passerelle::server::storage {

// Runs `statements`, several SQL statements without values separated by ';', in one round
// trip: libpq's simple query (PQexec) on PostgreSQL, which SOCI does not promise for a text of
// several statements. A failure throws as SOCI's PostgreSQL error with its SQLSTATE; the
// statements after the failed one do not run. On SQLite, where a statement costs a function
// call, each runs through SOCI in turn.
void run_statements(soci::session& sql, const char* statements);

// What a writer item lets the item before it read on its behalf, in that item's last pipeline
// (PostgreSQL; storage/writer.h, Writer::submit): a push's op ledger, seq counter and rows
// (sync/push.h, PushReadAhead). The next item's first statement is then its writes: one round
// trip per push instead of two. Whoever reads ahead sets `filled` and `filled_at`.
struct ReadAhead {
  virtual ~ReadAhead() = default;
  bool filled = false;
  std::uint64_t filled_at = 0;  // DeferredWrites::sends() just after the answers came back
};

class DeferredWrites {
 public:
  explicit DeferredWrites(soci::session& sql);

  // True on PostgreSQL. On SQLite a statement costs a function call: callers run theirs at once.
  bool available() const { return available_; }

  // Queues `sql` (the portable text, with :name placeholders bound in order of appearance)
  // with its values as text; nullopt is NULL. `sql` must outlive the connection (a literal).
  void add(const char* sql, std::initializer_list<std::optional<std::string_view>> values);
  std::size_t queued() const { return entries_.size(); }

  // Sends everything queued in one pipeline and waits for every answer. The first failure is
  // thrown as SOCI's PostgreSQL error (its SQLSTATE, so storage::classify() sees a lost
  // connection or a constraint as it would from SOCI); the queue is empty afterwards either way.
  void flush();
  // flush() with one read after the queued statements, in the same pipeline: the queue and the
  // read cost one round trip. Returns the read's rows, each value as text (nullopt: NULL).
  // The contract is flush()'s: nothing queued is lost or reordered, the first failure throws.
  using Rows = std::vector<std::vector<std::optional<std::string>>>;
  Rows flush_and_read(const char* sql, std::initializer_list<std::optional<std::string_view>> values);
  // The same with several reads, after the queue, in this order: their rows, one Rows each.
  struct Read {
    const char* sql;  // as for add()
    std::vector<std::optional<std::string>> values;
  };
  std::vector<Rows> flush_and_read(const std::vector<Read>& reads);
  // Forgets what is queued (the caller rolls back instead). Not the lead (below).
  void discard();

  // Statements without values that the next send (flush(), flush_and_read()) puts ahead of
  // the queue: the writer's `SAVEPOINT item` (storage/writer.h) rides in its item's first
  // pipeline instead of a round trip of its own. discard() keeps them; a send takes them
  // whether it succeeds or fails. Literals only, as for add().
  void lead_with(std::vector<const char*> statements) { lead_ = std::move(statements); }
  bool lead_pending() const { return !lead_.empty(); }
  // How many pipelines were sent (or tried) on this connection: a caller tells from it whether
  // what it queued went out.
  std::uint64_t sends() const { return sends_; }
  void drop_lead() { lead_.clear(); }
  // The writer's items around the one that runs (storage/writer.h), on the writer's connection.
  // this_item(): the running item's ReadAhead when the item before it in this transaction
  // returned ok, so that what it read ahead was read after its writes and they stand (null
  // otherwise). The reader of it still checks `filled_at == sends()`: nothing was sent since.
  // next_item(): the ReadAhead of the item that runs right after this one in the same
  // transaction (null: none queued yet, none offered, or the batch ends first).
  void set_items(std::shared_ptr<ReadAhead> current, std::function<std::shared_ptr<ReadAhead>()> next) {
    current_ = std::move(current);
    next_ = std::move(next);
  }
  const std::shared_ptr<ReadAhead>& this_item() const { return current_; }
  std::shared_ptr<ReadAhead> next_item() const { return next_ ? next_() : nullptr; }
  // How many statements were sent on this connection (the row writes of one table, or of
  // several tables, between two other statements go as one: see send()). For tests and
  // profiles.
  std::uint64_t statements_sent() const { return statements_; }

 private:
  struct Entry {
    const char* sql;
    std::size_t first_value, values;
  };
  // Sends the queue, whose last `reads` entries are reads; returns their rows.
  std::vector<Rows> send(std::size_t reads);
  soci::session& sql_;
  bool available_ = false;
  bool named_ = false;  // a Database connection's cache: statements prepared once, by name
  std::vector<Entry> entries_;
  std::vector<const char*> lead_;
  std::shared_ptr<ReadAhead> current_;
  std::function<std::shared_ptr<ReadAhead>()> next_;
  std::uint64_t sends_ = 0;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  struct Prepared {
    std::string name, text;  // text: the SQL with $1.. placeholders
    int params = 0;
    bool ready = false;      // PREPARE succeeded on this connection
    const ManyRows* form = nullptr;  // its multi-row form (dialect.h), if any
  };
  Prepared& prepared_for(const char* sql);
  std::unordered_map<const char*, Prepared> prepared_;
  // The merged row writes (dialect.h: merged_writes_sql), by the set of their ranks.
  std::unordered_map<unsigned, Prepared> merged_;
  std::uint64_t names_ = 0;
  std::uint64_t statements_ = 0;
};

}  // namespace passerelle::server::storage
