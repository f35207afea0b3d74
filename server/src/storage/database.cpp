#include "database.h"

#include <soci/soci.h>

#include "migrations.h"
#include "sync/pull.h"

namespace passerelle::server::storage {

Result<std::unique_ptr<Database>> Database::open(std::string_view url, Options options) {
  auto parsed = parse_db_url(url);
  if (!parsed) return parsed.error();
  std::unique_ptr<Database> db(new Database());
  db->url_ = *parsed;
  if (auto st = open_connection(db->write_sql_, db->url_); !st) return st.error();
  // Several instances may start together on one PostgreSQL: one migrates, the others wait.
  auto st = with_migration_lock(db->write_sql_, db->url_, [&]() -> Status {
    if (auto m = migrate(db->write_sql_, begin_write_sql(db->url_)); !m) return m;
    try {
      sync::init_sync_state(db->write_sql_);  // the change log's epoch, made once per database
    } catch (const std::exception& e) {
      return Status(ErrorCode::internal, std::string("cannot initialise the change log: ") + e.what());
    }
    return Status::Ok();
  });
  if (!st) return st.error();
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options.read_connections); ++i) {
    auto s = std::make_unique<soci::session>();
    if (auto st = open_connection(*s, db->url_); !st) return st.error();
    db->free_.push_back(s.get());
    db->readers_.push_back(std::move(s));
  }
  db->caches_.push_back(std::make_unique<ConnectionCache>(db->write_sql_));
  for (auto& reader : db->readers_) db->caches_.push_back(std::make_unique<ConnectionCache>(*reader));
  options.writer.begin_sql = begin_write_sql(db->url_);
  options.writer.lock_sql = write_lock_sql(db->url_);
  if (!db->url_.is_postgresql()) {
    auto checkpointer = WalCheckpointer::start(db->write_sql_, db->url_, options.checkpoints);
    if (!checkpointer) return checkpointer.error();
    db->checkpointer_ = std::move(*checkpointer);
  }
  db->writer_ = std::make_unique<Writer>(db->write_sql_, options.writer);
  return db;
}

Database::~Database() {
  if (writer_) writer_->stop();
  checkpointer_.reset();  // the writer commits no more: its connection can have SQLite's checkpoints back
}

Database::Lease::Lease(Database& d) : db(d) {
  std::unique_lock lock(db.mutex_);
  db.cv_.wait(lock, [&] { return !db.free_.empty(); });
  sql = db.free_.back();
  db.free_.pop_back();
}

Database::Lease::~Lease() {
  {
    std::lock_guard lock(db.mutex_);
    db.free_.push_back(sql);
  }
  db.cv_.notify_one();
}

}  // namespace passerelle::server::storage
