#include "deferred_writes.h"

#include <soci/postgresql/soci-postgresql.h>

#include <libpq-fe.h>

#include "connection_cache.h"
#include "dialect.h"

#include <algorithm>
#include <deque>

namespace passerelle::server::storage {

namespace {

// ":name" placeholders become $1, $2... in order of appearance, as SOCI numbers them; "::type"
// casts and quoted text are left alone.
std::string numbered_placeholders(const char* sql, int& count) {
  std::string out;
  count = 0;
  char quote = 0;
  for (const char* p = sql; *p; ++p) {
    char c = *p;
    if (quote) {
      out += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c == ':' && p[1] == ':') {
      out += "::";
      ++p;
      continue;
    }
    if (c == ':' && (std::isalpha(static_cast<unsigned char>(p[1])) || p[1] == '_')) {
      while (std::isalnum(static_cast<unsigned char>(p[1])) || p[1] == '_') ++p;
      out += "$" + std::to_string(++count);
      continue;
    }
    out += c;
  }
  return out;
}

PGconn* connection_of(soci::session& sql) {
  auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
  return backend ? backend->conn_ : nullptr;
}

[[noreturn]] void fail(const std::string& what, const char* sqlstate) {
  throw soci::postgresql_soci_error(what, sqlstate && *sqlstate ? sqlstate : "08006");
}

}  // namespace

void run_statements(soci::session& sql, const char* statements) {
  if (!sql.get_backend() || sql.get_backend_name() != "postgresql") {
    std::string text(statements);
    for (std::size_t start = 0; start < text.size();) {
      std::size_t end = text.find(';', start);
      if (end == std::string::npos) end = text.size();
      std::string one = text.substr(start, end - start);
      if (one.find_first_not_of(" \t\n") != std::string::npos) sql << one;
      start = end + 1;
    }
    return;
  }
  PGconn* conn = connection_of(sql);
  if (!conn || PQstatus(conn) != CONNECTION_OK) fail("the connection is closed", "08003");
  PGresult* r = PQexec(conn, statements);
  if (!r) fail(std::string("the statements were not sent: ") + PQerrorMessage(conn), "08006");
  ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string what = PQresultErrorMessage(r);
    const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string sqlstate = code ? code : (PQstatus(conn) == CONNECTION_OK ? "" : "08006");
    PQclear(r);
    fail(what, sqlstate.c_str());
  }
  PQclear(r);
}

DeferredWrites::DeferredWrites(soci::session& sql) : sql_(sql) {
  available_ = sql.get_backend() && sql.get_backend_name() == "postgresql";
  named_ = ConnectionCache::of(sql) != nullptr;
}

void DeferredWrites::add(const char* sql, std::initializer_list<std::optional<std::string_view>> values) {
  entries_.push_back(Entry{sql, values_.size(), values.size()});
  for (const auto& v : values) {
    values_.emplace_back(v ? *v : std::string_view());
    nulls_.push_back(!v);
  }
}

void DeferredWrites::discard() {
  entries_.clear();
  values_.clear();
  nulls_.clear();
}

void DeferredWrites::flush() {
  if (entries_.empty() && lead_.empty()) return;
  send(0);
}

DeferredWrites::Rows DeferredWrites::flush_and_read(const char* sql,
                                                    std::initializer_list<std::optional<std::string_view>> values) {
  add(sql, values);
  return std::move(send(1).front());
}

std::vector<DeferredWrites::Rows> DeferredWrites::flush_and_read(const std::vector<Read>& reads) {
  for (const Read& r : reads) {
    entries_.push_back(Entry{r.sql, values_.size(), r.values.size()});
    for (const auto& v : r.values) {
      values_.emplace_back(v.value_or(std::string()));
      nulls_.push_back(!v);
    }
  }
  return send(reads.size());
}

DeferredWrites::Prepared& DeferredWrites::prepared_for(const char* sql) {
  auto [it, fresh] = prepared_.try_emplace(sql);
  Prepared& p = it->second;
  if (fresh) {
    p.text = numbered_placeholders(sql, p.params);
    p.name = "passerelle_dw_" + std::to_string(++names_);
    p.form = many_rows_form(sql);
    if (p.form && p.form->values != p.params) p.form = nullptr;  // not the text the dialect knows
  }
  return p;
}

namespace {
// A PostgreSQL array literal of the `column`th value of each row: {"a","b\"c",NULL}.
std::string array_literal(const std::vector<std::string>& values, const std::vector<bool>& nulls,
                          const std::vector<std::size_t>& first_values, std::size_t column) {
  std::string out = "{";
  for (std::size_t n = 0; n < first_values.size(); ++n) {
    if (n) out += ',';
    std::size_t v = first_values[n] + column;
    if (nulls[v]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : values[v]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + '}';
}
}  // namespace

std::vector<DeferredWrites::Rows> DeferredWrites::send(std::size_t reads) {
  ++sends_;
  std::vector<Entry> entries;
  entries.reserve(lead_.size() + entries_.size());
  for (const char* statement : lead_) entries.push_back(Entry{statement, 0, 0});
  lead_.clear();
  entries.insert(entries.end(), entries_.begin(), entries_.end());
  entries_.clear();
  const std::size_t first_read = entries.size() - reads;
  std::vector<std::string> values = std::move(values_);
  std::vector<bool> nulls = std::move(nulls_);
  discard();
  PGconn* conn = connection_of(sql_);
  if (!conn || PQstatus(conn) != CONNECTION_OK) fail("the connection is closed", "08003");

  // What goes out: the queue in order, except that the row writes the dialect has a multi-row
  // form of (dialect.h: ManyRows), between two other statements, become one statement: one
  // unnest() per table, the tables merged in one WITH. Nothing that reads, and no savepoint,
  // moves across them; the tables they write have no triggers or foreign keys between them,
  // so their order among themselves changes nothing but which failure is reported first.
  struct Out {
    Prepared* prepared;
    std::vector<const char*> params;
    int read;  // a read's result, kept in rows[read]; -1: none
  };
  std::vector<Out> outs;
  outs.reserve(entries.size());
  std::deque<std::string> arrays;  // the merged statements' values (stable addresses)
  std::string send_error;
  auto single = [&](const Entry& e, Prepared& p, int read) {
    if (static_cast<std::size_t>(p.params) != e.values) {
      send_error = "a deferred statement got the wrong number of values";
      return;
    }
    Out out{&p, std::vector<const char*>(e.values, nullptr), read};
    for (std::size_t i = 0; i < e.values; ++i)
      if (!nulls[e.first_value + i]) out.params[i] = values[e.first_value + i].c_str();
    outs.push_back(std::move(out));
  };
  struct Group {
    const ManyRows* form;
    std::vector<std::size_t> rows;  // indexes into entries
  };
  std::vector<Group> groups;
  auto close_groups = [&] {
    if (groups.empty()) return;
    std::sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) { return a.form->rank < b.form->rank; });
    std::size_t total = 0;
    for (Group& g : groups) {
      // As the rows would have run one by one: an upsert's last row of a key wins, DO NOTHING's
      // first; a plain INSERT keeps them all (a duplicate fails as it did).
      if (g.form->repeats != ManyRows::Repeats::all_kept && g.rows.size() > 1) {
        std::unordered_map<std::string, std::size_t> at;
        std::vector<std::size_t> kept;
        for (std::size_t r : g.rows) {
          std::string key;
          for (int c = 0; c < g.form->key; ++c) {
            std::size_t v = entries[r].first_value + c;
            key += nulls[v] ? '\1' : '\2';
            key += values[v];
            key += '\0';
          }
          auto [it, fresh] = at.try_emplace(std::move(key), kept.size());
          if (fresh) kept.push_back(r);
          else if (g.form->repeats == ManyRows::Repeats::last_wins) kept[it->second] = r;
        }
        g.rows = std::move(kept);
      }
      total += g.rows.size();
    }
    if (total == 1) {  // one row: its own prepared statement
      const Entry& e = entries[groups.front().rows.front()];
      single(e, prepared_for(e.sql), -1);
      groups.clear();
      return;
    }
    unsigned mask = 0;
    std::vector<const ManyRows*> parts;
    for (const Group& g : groups) mask |= 1u << g.form->rank, parts.push_back(g.form);
    auto [it, fresh] = merged_.try_emplace(mask);
    Prepared& p = it->second;
    if (fresh) {
      p.text = numbered_placeholders(merged_writes_sql(parts).c_str(), p.params);
      p.name = "passerelle_dw_" + std::to_string(++names_);
    }
    Out out{&p, {}, -1};
    out.params.reserve(p.params);
    for (const Group& g : groups) {
      std::vector<std::size_t> first_values;
      first_values.reserve(g.rows.size());
      for (std::size_t r : g.rows) first_values.push_back(entries[r].first_value);
      for (int c = 0; c < g.form->values; ++c)
        out.params.push_back(arrays.emplace_back(array_literal(values, nulls, first_values, c)).c_str());
    }
    if (out.params.size() != static_cast<std::size_t>(p.params)) send_error = "a merged write got the wrong number of values";
    else outs.push_back(std::move(out));
    groups.clear();
  };
  for (std::size_t n = 0; n < entries.size() && send_error.empty(); ++n) {
    const Entry& e = entries[n];
    Prepared& p = prepared_for(e.sql);
    if (p.form && n < first_read && e.values == static_cast<std::size_t>(p.form->values)) {
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.form == p.form; });
      if (g == groups.end()) groups.push_back(Group{p.form, {n}});
      else g->rows.push_back(n);
      continue;
    }
    close_groups();
    if (send_error.empty()) single(e, p, n >= first_read ? static_cast<int>(n - first_read) : -1);
  }
  if (send_error.empty()) close_groups();
  statements_ += outs.size();

  if (!send_error.empty() || !PQenterPipelineMode(conn)) {
    if (send_error.empty()) send_error = std::string("cannot enter pipeline mode: ") + PQerrorMessage(conn);
    fail("deferred write failed: " + send_error, "08006");
  }

  // What was sent, in order: each yields one result, then a null.
  struct Sent {
    Prepared* prepare = nullptr;  // a PREPARE (its success marks the statement ready)
    int read = -1;                // a read's result, kept in rows[read]
  };
  std::vector<Rows> rows(reads);
  std::vector<Sent> sent;
  sent.reserve(outs.size() + 8);
  for (const Out& o : outs) {
    Prepared& p = *o.prepared;
    bool ok;
    if (named_ && p.params > 0) {  // a statement without values (a savepoint) is not worth a name
      if (!p.ready) {
        if (!PQsendPrepare(conn, p.name.c_str(), p.text.c_str(), p.params, nullptr)) {
          send_error = PQerrorMessage(conn);
          break;
        }
        sent.push_back(Sent{&p, -1});
        p.ready = true;  // taken back below if the PREPARE fails
      }
      ok = PQsendQueryPrepared(conn, p.name.c_str(), p.params, o.params.data(), nullptr, nullptr, 0);
    } else {
      ok = PQsendQueryParams(conn, p.text.c_str(), p.params, nullptr, o.params.data(), nullptr, nullptr, 0);
    }
    if (!ok) {
      send_error = PQerrorMessage(conn);
      break;
    }
    sent.push_back(Sent{nullptr, o.read});
  }
  bool synced = PQpipelineSync(conn) == 1;

  // Every answer is read, failed or not, so the connection is idle again for SOCI.
  std::string error;
  std::string sqlstate;
  for (const Sent& s : sent) {
    PGresult* r = PQgetResult(conn);
    if (!r) {  // the connection went away in the middle
      if (error.empty()) error = PQerrorMessage(conn), sqlstate = "08006";
      break;
    }
    ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_FATAL_ERROR && error.empty()) {
      error = PQresultErrorMessage(r);
      const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      sqlstate = code ? code : "";
    }
    if (s.prepare && status != PGRES_COMMAND_OK) s.prepare->ready = false;
    if (s.read >= 0 && status == PGRES_TUPLES_OK) {
      Rows& out = rows[s.read];
      const int n = PQntuples(r), columns = PQnfields(r);
      out.resize(n);
      for (int i = 0; i < n; ++i) {
        out[i].reserve(columns);
        for (int c = 0; c < columns; ++c)
          out[i].push_back(PQgetisnull(r, i, c) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, c)));
      }
    }
    PQclear(r);
    while ((r = PQgetResult(conn))) PQclear(r);  // the command's end
  }
  if (synced && PQstatus(conn) == CONNECTION_OK) {
    for (PGresult* r; (r = PQgetResult(conn));) {
      bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync) break;
    }
  }
  bool left = PQexitPipelineMode(conn) == 1;
  if (!send_error.empty() && error.empty()) error = send_error, sqlstate = "08006";
  if (!left && error.empty()) error = std::string("cannot leave pipeline mode: ") + PQerrorMessage(conn), sqlstate = "08006";
  if (!synced && error.empty()) error = std::string("cannot send the pipeline: ") + PQerrorMessage(conn), sqlstate = "08006";
  if (!error.empty()) {
    // A PREPARE that succeeded stays (prepared statements outlive a rollback); one whose answer
    // was not read is made again next time.
    if (sent.empty() || PQstatus(conn) != CONNECTION_OK) {
      for (auto& [sql, p] : prepared_) p.ready = false;
      for (auto& [mask, p] : merged_) p.ready = false;
    }
    fail("deferred write failed: " + error, sqlstate.c_str());
  }
  return rows;
}

}  // namespace passerelle::server::storage
