#include "migrate_db.h"

#include <filesystem>

#include <soci/soci.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <vector>

#include "database.h"
#include "dialect.h"
#include "migrations.h"
#include "db_error.h"

namespace passerelle::server::storage {

namespace {

std::vector<std::string> list_tables(soci::session& sql, const DbUrl& url) {
  std::vector<std::string> names;
  soci::rowset<std::string> rs = (sql.prepare << table_names_sql(url));
  for (const auto& n : rs) names.push_back(n);
  // Parents before children (sessions and invitations refer to users).
  std::stable_partition(names.begin(), names.end(), [](const std::string& n) { return n == "users"; });
  return names;
}

long long count_rows(soci::session& sql, const std::string& table) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM " + table, soci::into(n);
  return n;
}

// Copies one row's column into `v` under the name `name`, keeping its type and NULL.
void copy_column(const soci::row& r, std::size_t i, const std::string& name, soci::values& v) {
  soci::indicator ind = r.get_indicator(i);
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_string:
    case soci::dt_blob:
    case soci::dt_xml:
      v.set(name, ind == soci::i_ok ? r.get<std::string>(i) : std::string(), ind);
      break;
    case soci::dt_integer:
      v.set(name, ind == soci::i_ok ? r.get<int>(i) : 0, ind);
      break;
    case soci::dt_long_long:
      v.set(name, ind == soci::i_ok ? r.get<long long>(i) : 0LL, ind);
      break;
    case soci::dt_unsigned_long_long:
      v.set(name, ind == soci::i_ok ? static_cast<long long>(r.get<unsigned long long>(i)) : 0LL, ind);
      break;
    case soci::dt_double:
      v.set(name, ind == soci::i_ok ? r.get<double>(i) : 0.0, ind);
      break;
    case soci::dt_date:
      v.set(name, ind == soci::i_ok ? r.get<std::tm>(i) : std::tm{}, ind);
      break;
  }
}

}  // namespace

Status migrate_database(const std::string& from_url, const std::string& to_url, std::ostream& out) {
  auto from = parse_db_url(from_url);
  if (!from) return from.error();
  auto to = parse_db_url(to_url);
  if (!to) return to.error();
  if (from->backend == to->backend && from->path == to->path && from->conninfo == to->conninfo)
    return Status(ErrorCode::bad_request, "--from and --to name the same database");
  // Opening a SQLite path creates it (and its folder): a mistyped --from would "copy" an empty
  // new database and succeed. The source must already be there.
  if (!from->is_postgresql()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(from->path, ec))
      return Status(ErrorCode::bad_request,
                    "--from: no database file at " + from->path + " (the source must exist; nothing was copied)");
  }

  // Both schemas up to this binary's version (the target gets its tables, an epoch of its own
  // and zero counters, all replaced below).
  for (const std::string* u : {&from_url, &to_url}) {
    Database::Options o;
    o.read_connections = 1;
    auto db = Database::open(*u, o);
    if (!db) return db.error();
  }

  try {
    soci::session src, dst;
    if (auto st = open_connection(src, *from); !st) return st;
    if (auto st = open_connection(dst, *to); !st) return st;
    auto vs = schema_version(src), vd = schema_version(dst);
    if (!vs) return vs.error();
    if (!vd) return vd.error();
    if (*vs != *vd)
      return Status(ErrorCode::bad_request, "schema versions differ: " + std::to_string(*vs) + " and " + std::to_string(*vd));
    if (count_rows(dst, "users") > 0 || count_rows(dst, "sync_rows") > 0)
      return Status(ErrorCode::bad_request, "the target database " + to->redacted() +
                                                " already holds users or changes; give an empty database");

    src << "BEGIN";  // one snapshot of the source
    dst << begin_write_sql(*to);
    try {
      std::vector<std::string> tables = list_tables(src, *from);
      std::vector<std::string> target_tables = list_tables(dst, *to);
      for (const auto& t : tables)
        if (t != "schema_migrations" && std::find(target_tables.begin(), target_tables.end(), t) == target_tables.end())
          throw std::runtime_error("table " + t + " of the source does not exist in the target");
      // Children first when emptying (the target holds only what its migrations seeded).
      for (auto it = tables.rbegin(); it != tables.rend(); ++it)
        if (*it != "schema_migrations") dst << "DELETE FROM " + *it;
      for (const auto& t : tables) {
        if (t == "schema_migrations") continue;
        long long copied = 0;
        std::string cols;
        soci::rowset<soci::row> rs = (src.prepare << "SELECT * FROM " + t);
        for (const soci::row& r : rs) {
          if (cols.empty())
            for (std::size_t i = 0; i < r.size(); ++i) cols += (i ? ", " : "") + r.get_properties(i).get_name();
          // NULLs are written as the literal: SOCI's `values` does not carry a NULL indicator
          // through to every backend.
          std::string params;
          soci::values v;
          for (std::size_t i = 0; i < r.size(); ++i) {
            std::string name = "p" + std::to_string(i);
            params += i ? ", " : "";
            if (r.get_indicator(i) == soci::i_null) {
              params += "NULL";
            } else {
              params += ":" + name;
              copy_column(r, i, name, v);
            }
          }
          dst << "INSERT INTO " + t + " (" + cols + ") VALUES (" + params + ")", soci::use(v);
          ++copied;
        }
        long long there = count_rows(dst, t);
        if (there != copied)
          throw std::runtime_error("table " + t + ": copied " + std::to_string(copied) + " rows but the target holds " +
                                   std::to_string(there));
        out << t << ": " << copied << " rows\n";
      }
      dst << "COMMIT";
      src << "ROLLBACK";
    } catch (...) {
      try { dst << "ROLLBACK"; } catch (...) {}
      try { src << "ROLLBACK"; } catch (...) {}
      throw;
    }
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, std::string("migrate-db failed: ") + describe(e));
  }
  return Status::Ok();
}

}  // namespace passerelle::server::storage
