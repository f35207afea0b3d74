// The coach dashboard's requests (docs/dashboard.md):
//   dashboard.caseload    the caseload table (coach: own candidates; admin: everyone)
//   dashboard.open        a coach or admin opens a candidate's file (audited)
//   dashboard.indicators  program indicators for a date range and a cohort
//   mentors.suggest       ranked mentors for a candidate, with reasons in French and English
//   audit.list            the audit log, filtered (admin)
// and the CSV exports over HTTP (Authorization: Bearer <token>; audited):
//   GET /v1/export/caseload.csv?cohort=COHORT
//   GET /v1/export/indicators.csv?from=YYYY-MM-DD&to=YYYY-MM-DD&cohort=COHORT
// Figures come from indicators/indicators.h; reads run on the worker pool, audit entries go
// through the writer and the answer waits for their commit (no export without its entry).
#include <boost/json/object.hpp>
#include <soci/soci.h>

#include "../log.h"
#include "../services.h"
#include "audit/audit.h"
#include "dashboard/mentor_suggestions.h"
#include "dashboard/program_rows.h"
#include "auth/accounts.h"
#include "net/http_routes.h"
#include "http_session.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/time.h"
#include "../storage/db_error.h"

namespace passerelle::server::handlers {
namespace {

namespace json = boost::json;
using net::Access;
using net::Context;
using net::Reply;
using protocol::Role;

bool is_staff(const protocol::UserInfo& u) { return u.role == Role::coach || u.role == Role::admin; }

Error staff_only() { return Error{ErrorCode::forbidden, "only coaches and admins use the dashboard"}; }

// Writes `entry` through the writer, then calls `then` (with the commit's status).
void write_audit(Services& svc, audit::Entry entry, std::function<void(Status)> then) {
  svc.db.writer().submit(
      [entry = std::move(entry)](soci::session& sql) mutable {
        audit::record(sql, std::move(entry));
        return Status::Ok();
      },
      std::move(then));
}

// from/to/cohort, from a request or a query string.
Result<indicators::IndicatorQuery> indicator_query(const std::optional<std::string>& from,
                                                   const std::optional<std::string>& to,
                                                   const std::optional<std::string>& cohort) {
  indicators::IndicatorQuery q;
  if (from && !from->empty()) {
    q.from = parse_date(*from);
    if (!q.from) return Error{ErrorCode::bad_request, "field 'from' must be a date YYYY-MM-DD"};
  }
  if (to && !to->empty()) {
    q.to = parse_date(*to);
    if (!q.to) return Error{ErrorCode::bad_request, "field 'to' must be a date YYYY-MM-DD"};
  }
  if (cohort && !cohort->empty()) {
    if (!indicators::is_cohort_label(*cohort))
      return Error{ErrorCode::bad_request, "field 'cohort' must be a cohort label or a year of planned arrival, e.g. 2027"};
    q.cohort = *cohort;
  }
  return q;
}

json::object query_details(const indicators::IndicatorQuery& q) {
  json::object d;
  if (q.from) d["from"] = format_date(*q.from);
  if (q.to) d["to"] = format_date(*q.to);
  if (q.cohort) d["cohort"] = *q.cohort;
  return d;
}

// Pages of the caseload (docs/protocol.md): without `limit`, the whole caseload sorted by name,
// for caseloads of up to kMaxUnpagedCaseload candidates (a larger answer would not fit the
// connection's outgoing queue); with `limit`, the candidates after `after` in id order.
constexpr std::int64_t kMaxCaseloadPage = 5000;
constexpr std::size_t kMaxUnpagedCaseload = 5000;

void caseload(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  if (!is_staff(*ctx.user)) return reply.fail(staff_only());
  JsonReader in(req.body);
  auto after = in.optional_string("after");
  auto limit = in.optional_integer("limit");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (limit && (*limit < 1 || *limit > kMaxCaseloadPage))
    return reply.fail(ErrorCode::bad_request, "field 'limit' must be 1.." + std::to_string(kMaxCaseloadPage));
  if (after && !limit) return reply.fail(ErrorCode::bad_request, "field 'after' goes with 'limit'");
  svc.workers.post([&svc, user = *ctx.user, after = after.value_or(""), limit, reply] {
    Timestamp now = now_utc();
    json::array list;
    if (!limit) {
      std::size_t n = svc.db.read([&](soci::session& sql) { return dashboard::count_candidates(sql, user); });
      if (n > kMaxUnpagedCaseload)
        return reply.fail(ErrorCode::too_large, "the caseload has " + std::to_string(n) +
                                                    " candidates: ask for it in pages ('limit', then 'after')");
      auto rows = svc.db.read([&](soci::session& sql) { return dashboard::load_program_rows(sql, user); });
      for (const auto& r : indicators::caseload(rows, now)) list.push_back(indicators::to_json(r));
      return reply.ok({{"candidates", std::move(list)}, {"generated_at", format_rfc3339(now)}});
    }
    bool more = false;
    auto rows = svc.db.read([&](soci::session& sql) {
      return dashboard::load_program_rows_page(sql, user, after, static_cast<std::size_t>(*limit), more);
    });
    auto page = indicators::caseload(rows, now);
    std::sort(page.begin(), page.end(), [](const auto& a, const auto& b) { return a.candidate_id < b.candidate_id; });
    for (const auto& r : page) list.push_back(indicators::to_json(r));
    json::object answer{{"candidates", std::move(list)}, {"generated_at", format_rfc3339(now)}};
    if (more && !page.empty()) answer["next"] = page.back().candidate_id;
    reply.ok(std::move(answer));
  });
}

void open_candidate(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  if (!is_staff(*ctx.user)) return reply.fail(staff_only());
  JsonReader in(req.body);
  std::string candidate_id = in.string("candidate_id");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  svc.workers.post([&svc, user = *ctx.user, remote = ctx.remote_address, candidate_id, reply] {
    bool allowed = svc.db.read([&](soci::session& sql) { return dashboard::may_open_candidate(sql, user, candidate_id); });
    if (!allowed) return reply.fail(ErrorCode::not_found, "no candidate with that id in your caseload");
    write_audit(svc, audit::make_entry(user.id, user.role, remote, "candidate.open", candidate_id), [reply, candidate_id](Status st) {
      if (!st) return reply.fail(ErrorCode::internal, "the audit entry could not be written; try again");
      reply.ok({{"candidate_id", candidate_id}});
    });
  });
}

// The rows the indicators read: the caseload's and those of employers and activities.
indicators::ProgramRows indicator_rows(soci::session& sql, const protocol::UserInfo& user) {
  auto rows = dashboard::load_program_rows(sql, user);
  dashboard::add_employment_rows(sql, user, rows);
  return rows;
}

void indicators_request(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  if (!is_staff(*ctx.user)) return reply.fail(staff_only());
  JsonReader in(req.body);
  auto from = in.optional_string("from");
  auto to = in.optional_string("to");
  auto cohort = in.optional_string("cohort");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  auto q = indicator_query(from, to, cohort);
  if (!q) return reply.fail(q.error());
  svc.workers.post([&svc, user = *ctx.user, q = *q, reply] {
    auto rows = svc.db.read([&](soci::session& sql) { return indicator_rows(sql, user); });
    auto ind = indicators::compute_indicators(rows, q, now_utc());
    reply.ok({{"indicators", indicators::to_json(ind)},
              {"scope", user.role == Role::admin ? "program" : "caseload"}});
  });
}

// Any caller who may not open the file (a candidate or mentor token, another coach's candidate,
// a made-up id) gets the same answer, so the request tells nobody who is a candidate where.
void suggest_mentors(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string candidate_id = in.string("candidate_id");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  svc.workers.post([&svc, user = *ctx.user, candidate_id, reply] {
    auto answer = svc.db.read(
        [&](soci::session& sql) { return dashboard::suggest_mentors_for(sql, user, candidate_id, now_utc()); });
    if (!answer) return reply.fail(ErrorCode::not_found, "no candidate with that id in your caseload");
    reply.ok(std::move(*answer));
  });
}

void audit_list(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  if (ctx.user->role != Role::admin) return reply.fail(ErrorCode::forbidden, "only admins read the audit log");
  JsonReader in(req.body);
  audit::Filter f;
  f.actor_id = in.optional_string("actor_id");
  f.action = in.optional_string("action");
  f.target_id = in.optional_string("target_id");
  auto from = in.optional_string("from");
  auto to = in.optional_string("to");
  f.before_ms = in.optional_integer("before_ms");
  auto limit = in.optional_integer("limit");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (limit && (*limit < 1 || *limit > 500)) return reply.fail(ErrorCode::bad_request, "field 'limit' must be 1..500");
  f.limit = limit ? static_cast<int>(*limit) : 100;
  // A bound is an RFC 3339 instant or a date (from: its start; to: its end, UTC).
  auto bound = [](const std::optional<std::string>& text, bool end) -> Result<std::optional<Timestamp>> {
    if (!text || text->empty()) return std::optional<Timestamp>{};
    if (auto t = parse_rfc3339(*text)) return std::optional<Timestamp>{*t};
    if (auto d = parse_date(*text))
      return std::optional<Timestamp>{Timestamp(*d) + (end ? std::chrono::milliseconds(86400000 - 1) : std::chrono::milliseconds(0))};
    return Error{ErrorCode::bad_request, "fields 'from' and 'to' must be dates or RFC 3339 instants"};
  };
  auto from_t = bound(from, false);
  auto to_t = bound(to, true);
  if (!from_t) return reply.fail(from_t.error());
  if (!to_t) return reply.fail(to_t.error());
  f.from = *from_t;
  f.to = *to_t;
  svc.workers.post([&svc, f, reply] {
    auto entries = svc.db.read([&](soci::session& sql) { return audit::list(sql, f); });
    json::array out;
    for (const auto& e : entries) out.push_back(audit::to_json(e));
    json::object answer{{"entries", std::move(out)}};
    if (static_cast<int>(entries.size()) == f.limit) answer["before_ms"] = to_unix_ms(entries.back().at);
    reply.ok(std::move(answer));
  });
}

// --- HTTP exports ---------------------------------------------------------------------------

constexpr std::string_view kExportPrefix = "/v1/export/";

// A form-encoded query value: '+' is a space and %XX a byte (a cohort label has spaces and may
// have accents). nullopt for a bad escape, answered like any invalid value.
std::optional<std::string> form_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] != '%') out += s[i];
    else {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

// The value of `name` in a query string (nullopt when absent), or bad_request when it does not decode.
Result<std::optional<std::string>> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      auto value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      if (!value) return Error{ErrorCode::bad_request, "the query parameter '" + std::string(name) + "' has a bad %-escape"};
      return std::optional<std::string>(std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::optional<std::string>();
}

net::HttpAnswer csv_answer(std::string body, const std::string& filename) {
  net::HttpAnswer a;
  a.status = 200;
  a.content_type = "text/csv; charset=utf-8; header=present";
  a.body = std::move(body);
  a.headers = {{"Content-Disposition", "attachment; filename=\"" + filename + "\""},
               {"Cache-Control", "private, no-store"}};
  return a;
}

// The caseload export, written as it is read: the header, then a page of candidates at a time
// (in id order, as dashboard.caseload's pages), each page read when the one before is sent.
constexpr std::size_t kExportPage = 1000;

struct CaseloadExport {
  Services& svc;
  protocol::UserInfo user;
  std::optional<std::string> cohort;
  Timestamp now;
  std::string after;
  bool started = false, done = false;
};

net::NextPiece caseload_pieces(std::shared_ptr<CaseloadExport> ex) {
  return [ex](net::GivePiece give) {
    ex->svc.workers.post([ex, give = std::move(give)] {
      try {
        std::string piece;
        if (!ex->started) piece = indicators::caseload_csv_header(), ex->started = true;
        while (piece.empty() && !ex->done) {
          bool more = false;
          auto rows = ex->svc.db.read([&](soci::session& sql) {
            return dashboard::load_program_rows_page(sql, ex->user, ex->after, kExportPage, more);
          });
          auto page = indicators::caseload(rows, ex->now);
          std::sort(page.begin(), page.end(), [](const auto& a, const auto& b) { return a.candidate_id < b.candidate_id; });
          if (!page.empty()) ex->after = page.back().candidate_id;
          ex->done = !more || page.empty();
          if (ex->cohort) page = indicators::only_cohort(std::move(page), *ex->cohort);
          piece += indicators::caseload_csv_lines(page);
        }
        give(std::move(piece));  // "" once done: the end
      } catch (const std::exception& e) {
        log::error("export_failed", storage::failure_fields(e, {{"path", "/v1/export/caseload.csv"}}));
        give(std::nullopt);
      }
    });
  };
}

void export_csv(Services& svc, const net::HttpRequest& req, const net::Respond& respond) {
  auto session = authenticate_http(svc, req);
  if (!session) return respond(net::error_answer(session.error()));
  const protocol::UserInfo user = *session;
  if (!is_staff(user)) return respond(net::error_answer(staff_only()));
  std::string what = req.path.substr(kExportPrefix.size());
  if (what != "caseload.csv" && what != "indicators.csv")
    return respond(net::error_answer(Error{ErrorCode::not_found, "exports are caseload.csv and indicators.csv"}));
  auto from = query_param(req.query, "from");
  auto to = query_param(req.query, "to");
  auto cohort = query_param(req.query, "cohort");
  for (const auto* p : {&from, &to, &cohort})
    if (!*p) return respond(net::error_answer(p->error()));
  auto q = indicator_query(*from, *to, *cohort);
  if (!q) return respond(net::error_answer(q.error()));
  Timestamp now = now_utc();
  json::object details = query_details(*q);
  std::string action;
  net::HttpAnswer answer;
  if (what == "caseload.csv") {
    // The entry is written before the first byte leaves, with the number of rows to come.
    details["rows"] = static_cast<std::int64_t>(svc.db.read(
        [&](soci::session& sql) { return dashboard::count_candidates(sql, user, q->cohort); }));
    answer = csv_answer("", what);
    answer.stream = caseload_pieces(std::make_shared<CaseloadExport>(CaseloadExport{svc, user, q->cohort, now, "", false, false}));
    action = "export.caseload";
  } else {
    auto rows = svc.db.read([&](soci::session& sql) { return indicator_rows(sql, user); });
    answer = csv_answer(indicators::indicators_csv(indicators::compute_indicators(rows, *q, now)), what);
    action = "export.indicators";
  }
  write_audit(svc, audit::make_entry(user.id, user.role, req.remote_address, action, "", std::move(details)),
              [respond, answer = std::move(answer)](Status st) mutable {
                if (!st)
                  return respond(net::error_answer(Error{ErrorCode::internal, "the audit entry could not be written; try again"}));
                respond(std::move(answer));
              });
}

}  // namespace

void register_dashboard_handlers(net::Dispatcher& d, Services& svc) {
  d.add("dashboard.caseload", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { caseload(svc, c, r, std::move(reply)); });
  d.add("dashboard.open", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    open_candidate(svc, c, r, std::move(reply));
  });
  d.add("dashboard.indicators", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) {
          indicators_request(svc, c, r, std::move(reply));
        });
  d.add("mentors.suggest", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    suggest_mentors(svc, c, r, std::move(reply));
  });
  d.add("audit.list", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { audit_list(svc, c, r, std::move(reply)); });
}

void register_dashboard_routes(net::HttpRoutes& routes, Services& svc) {
  routes.add({std::string(kExportPrefix), 0, [&svc](net::HttpRequest req, net::Respond respond) {
                if (req.method != "GET") {
                  auto a = net::error_answer(Error{ErrorCode::unsupported, "use GET"});
                  a.status = 405;
                  a.headers = {{"Allow", "GET"}};
                  return respond(std::move(a));
                }
                svc.workers.post([&svc, req = std::move(req), respond] {
                  try {
                    export_csv(svc, req, respond);
                  } catch (const std::exception& e) {
                    log::error("export_failed", storage::failure_fields(e, {{"path", req.path}}));
                    respond(net::error_answer(Error{ErrorCode::internal, "the export failed on the server; try again"}));
                  }
                });
              }});
}

}  // namespace passerelle::server::handlers
