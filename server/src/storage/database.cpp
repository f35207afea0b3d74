#include "database.h"

#include <soci/soci.h>

#include <sstream>

#include "../log.h"
#include "migrations.h"
#include "sync/pull.h"
#include "db_error.h"

namespace passerelle::server::storage {

Result<std::unique_ptr<Database>> Database::open(std::string_view url, Options options) {
  auto parsed = parse_db_url(url);
  if (!parsed) return parsed.error();
  std::unique_ptr<Database> db(new Database());
  db->url_ = *parsed;
  db->options_ = options;
  db->write_.sql = std::make_unique<soci::session>();
  soci::session& write_sql = *db->write_.sql;
  if (auto st = open_connection(write_sql, db->url_); !st) return st.error();
  // Several instances may start together on one PostgreSQL: one migrates, the others wait.
  auto st = with_migration_lock(write_sql, db->url_, [&]() -> Status {
    if (auto m = migrate(write_sql, begin_write_sql(db->url_)); !m) return m;
    try {
      sync::init_sync_state(write_sql);  // the change log's epoch, made once per database
    } catch (const std::exception& e) {
      return Status(ErrorCode::internal, std::string("cannot initialise the change log: ") + describe(e));
    }
    return Status::Ok();
  });
  if (!st) return st.error();
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options.read_connections); ++i) {
    auto slot = std::make_unique<Slot>();
    slot->sql = std::make_unique<soci::session>();
    if (auto st = open_connection(*slot->sql, db->url_); !st) return st.error();
    slot->cache = std::make_unique<ConnectionCache>(*slot->sql);
    db->free_.push_back(slot.get());
    db->readers_.push_back(std::move(slot));
  }
  db->write_.cache = std::make_unique<ConnectionCache>(write_sql);
  options.writer.begin_sql = begin_write_sql(db->url_);
  options.writer.lock_sql = write_lock_sql(db->url_);
  options.writer.next_item_sql = next_item_savepoint_sql(db->url_);
  options.writer.begin_batch_sql = begin_write_batch_sql(db->url_);
  options.writer.linger_per_batch = !db->url_.is_postgresql();  // storage/writer.h
  if (db->url_.is_postgresql()) {
    Database* self = db.get();
    options.writer.ready = [self](soci::session&) { return self->repair(self->write_, false); };
    db->monitor_ = std::thread([self] { self->monitor(); });
  } else {
    auto checkpointer = WalCheckpointer::start(write_sql, db->url_, options.checkpoints);
    if (!checkpointer) return checkpointer.error();
    db->checkpointer_ = std::move(*checkpointer);
  }
  db->writer_ = std::make_unique<Writer>(write_sql, options.writer);
  return db;
}

Database::~Database() {
  if (writer_) writer_->stop();
  checkpointer_.reset();  // the writer commits no more: its connection can have SQLite's checkpoints back
  {
    std::lock_guard lock(health_mutex_);
    stopping_ = true;
  }
  health_cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
}

Database::Lease::Lease(Database& d) : db(d) {
  {
    std::unique_lock lock(db.mutex_);
    db.cv_.wait(lock, [&] { return !db.free_.empty(); });
    slot = db.free_.back();
    db.free_.pop_back();
  }
  sql = slot->sql.get();
  if (!db.repair(*slot, false)) {
    {
      std::lock_guard lock(db.mutex_);
      db.free_.push_back(slot);
    }
    db.cv_.notify_one();
    throw Unavailable();
  }
}

Database::Lease::~Lease() {
  {
    std::lock_guard lock(db.mutex_);
    db.free_.push_back(slot);
  }
  db.cv_.notify_one();
}

void Database::Lease::failed() {
  if (!db.url_.is_postgresql() || !connection_lost(*sql)) return;
  slot->broken = true;
  db.probe_now_ = true;  // let /healthz know soon, not at the next scheduled probe
  db.health_cv_.notify_all();
}

bool Database::repair(Slot& slot, bool force) {
  if (!url_.is_postgresql()) return true;
  bool lost = force || slot.broken || connection_lost(*slot.sql);
  {
    std::lock_guard lock(health_mutex_);
    // Down: fail at once (the monitor says when to try again); a connection that looks fine
    // would most likely hang or fail on its first statement.
    if (!reachable_) return false;
  }
  if (!lost) return true;
  slot.broken = true;
  slot.cache.reset();  // its prepared statements died with the connection
  try {
    slot.sql->close();
  } catch (...) {
  }
  Status st = open_connection(*slot.sql, url_);
  if (!st) {
    log::warn("db_reconnect_failed", {{"connection", &slot == &write_ ? "write" : "read"}});
    probe_now_ = true;
    health_cv_.notify_all();
    return false;
  }
  slot.cache = std::make_unique<ConnectionCache>(*slot.sql);
  slot.broken = false;
  reconnects_.fetch_add(1);
  log::info("db_reconnected", {{"connection", &slot == &write_ ? "write" : "read"}});
  return true;
}

void Database::mark_down(std::string reason) {
  std::lock_guard lock(health_mutex_);
  if (!reachable_) return;
  reachable_ = false;
  reason_ = std::move(reason);
  down_since_ = std::chrono::steady_clock::now();
  ++outages_;
  log::error("db_unreachable", {{"reason", reason_}});
}

void Database::mark_up() {
  std::lock_guard lock(health_mutex_);
  if (reachable_) return;
  reachable_ = true;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - down_since_);
  reason_.clear();
  log::info("db_reachable", {{"down_ms", ms.count()}});
}

// The monitor owns a connection of its own: probing never waits for a pool slot, and a probe
// storm on /healthz never reaches the database (it reads the verdict kept here).
void Database::monitor() {
  soci::session probe;
  bool open = false;
  auto backoff = std::chrono::milliseconds(100);
  auto try_probe = [&]() -> std::string {  // "" when the database answered
    if (!open) {
      try {
        probe.close();  // what a failed attempt may have left half open
      } catch (...) {
      }
      Status st = open_connection(probe, url_);
      if (!st) return "cannot connect to the database";
      open = true;
    }
    try {
      int one = 0;
      probe << "SELECT 1", soci::into(one);
      return "";
    } catch (const std::exception& e) {
      try {
        probe.close();
      } catch (...) {
      }
      open = false;
      auto f = classify(e);
      return "the database does not answer (" + f.label + (f.code.empty() ? "" : " " + f.code) + ")";
    }
  };
  for (;;) {
    {
      std::unique_lock lock(health_mutex_);
      auto wait = reachable_ ? options_.probe_interval : backoff;
      health_cv_.wait_for(lock, wait, [&] { return stopping_ || probe_now_.load(); });
      if (stopping_) return;
    }
    probe_now_ = false;
    std::string problem = try_probe();
    if (!problem.empty() && problem.rfind("the database does not answer", 0) == 0) problem = try_probe();  // a stale connection of its own
    if (problem.empty()) {
      backoff = std::chrono::milliseconds(100);
      mark_up();
    } else {
      mark_down(problem);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
}

Database::Health Database::health() const {
  Health h;
  std::lock_guard lock(health_mutex_);
  h.reachable = reachable_;
  h.reason = reason_;
  h.outages = outages_;
  h.reconnects = reconnects_.load();
  if (!reachable_) h.down_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - down_since_).count();
  return h;
}

std::optional<std::chrono::milliseconds> Database::retry_after() const {
  std::lock_guard lock(health_mutex_);
  if (reachable_) return std::nullopt;
  return std::max(std::chrono::milliseconds(500), options_.max_backoff);
}

std::string Database::render_metrics() const {
  Health h = health();
  std::ostringstream out;
  out << "# HELP passerelle_db_up 1 while the database answers the server's probe, 0 while it cannot be reached.\n"
         "# TYPE passerelle_db_up gauge\n"
      << "passerelle_db_up " << (h.reachable ? 1 : 0) << "\n"
      << "# HELP passerelle_db_down_seconds How long the current database outage has lasted (0 when up).\n"
         "# TYPE passerelle_db_down_seconds gauge\n"
      << "passerelle_db_down_seconds " << h.down_seconds << "\n"
      << "# HELP passerelle_db_outages_total Times the database became unreachable since start.\n"
         "# TYPE passerelle_db_outages_total counter\n"
      << "passerelle_db_outages_total " << h.outages << "\n"
      << "# HELP passerelle_db_reconnects_total Broken database connections replaced since start.\n"
         "# TYPE passerelle_db_reconnects_total counter\n"
      << "passerelle_db_reconnects_total " << h.reconnects << "\n";
  return out.str();
}

}  // namespace passerelle::server::storage
