#include "sync/projections.h"

#include <soci/soci.h>

#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/messages/receipts.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::server::sync {
namespace json = boost::json;
namespace collection = passerelle::sync::collection;

namespace {

void index_file_refs(soci::session& sql, const std::string& c, const std::string& i, const json::object& row) {
  auto refs = files::referenced_files(row);
  if (refs.empty()) return;  // rows only gain references (evidence is appended, messages never edited)
  for (auto& sha : refs)
    sql << "INSERT INTO file_refs (sha256, collection, row_id) VALUES (:h, :c, :i) ON CONFLICT DO NOTHING",
        soci::use(sha), soci::use(c), soci::use(i);
}

void clear_read(soci::session& sql, const json::object& receipt) {
  std::string user = passerelle::sync::row_string(receipt, "user_id"), thread = passerelle::sync::row_string(receipt, "thread_id");
  long long read_n = messages::read_marks(receipt).read_n;
  sql << "DELETE FROM message_inbox WHERE user_id = :u AND thread_id = :t AND n <= :n", soci::use(user),
      soci::use(thread), soci::use(read_n);
}

}  // namespace

struct Projections::InboxInsert {
  explicit InboxInsert(soci::session& sql)
      : st((sql.prepare << "INSERT INTO message_inbox (user_id, message_id, thread_id, n, sent_at_ms)"
                           " VALUES (:u, :m, :t, :n, :s) ON CONFLICT DO NOTHING",
            soci::use(user), soci::use(message_id), soci::use(thread_id), soci::use(n), soci::use(at))) {}
  std::string user, message_id, thread_id;  // bound before `st`, which refers to them
  long long n = 0, at = 0;
  soci::statement st;
};

Projections::Projections(soci::session& sql) : sql_(sql) {}
Projections::~Projections() = default;

void Projections::add_to_inboxes(passerelle::sync::RowStore& rows, const std::string& message_id,
                                 const json::object& message, Timestamp sent_at) {
  std::string thread_id = passerelle::sync::row_string(message, "thread_id");
  std::string author = passerelle::sync::row_string(message, "author_id");
  auto thread = rows.get(collection::threads, thread_id);
  if (!thread) return;
  auto members = thread->find("members");
  if (members == thread->end() || !members->value().is_array()) return;
  if (!inbox_insert_) inbox_insert_ = std::make_unique<InboxInsert>(sql_);
  auto& ins = *inbox_insert_;
  ins.message_id = message_id;
  ins.thread_id = thread_id;
  ins.n = messages::message_number(message);
  ins.at = to_unix_ms(sent_at);
  for (const auto& m : members->value().get_array()) {
    if (!m.is_string() || m.get_string() == author) continue;
    ins.user.assign(m.get_string());
    ins.st.execute(true);
  }
}

void Projections::put(passerelle::sync::RowStore& rows, std::string_view collection_name, std::string_view id,
                      const json::object& row, Timestamp now) {
  std::string c(collection_name), i(id);
  index_file_refs(sql_, c, i, row);
  if (collection_name == collection::messages) add_to_inboxes(rows, i, row, now);
  else if (collection_name == collection::receipts) clear_read(sql_, row);
}

void Projections::remove(std::string_view collection_name, std::string_view id) {
  std::string c(collection_name), i(id);
  sql_ << "DELETE FROM file_refs WHERE collection = :c AND row_id = :i", soci::use(c), soci::use(i);
  if (collection_name == collection::messages) sql_ << "DELETE FROM message_inbox WHERE message_id = :i", soci::use(i);
}

}  // namespace passerelle::server::sync
