#include "privacy/account_data.h"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "audit/audit.h"
#include "auth/accounts.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/employers/employers.h"
#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/row_fields.h"
#include "sync/change_log.h"

namespace passerelle::server::privacy {
namespace {

namespace json = boost::json;
namespace sc = passerelle::sync::collection;
namespace mc = passerelle::mentors::collection;
namespace ec = passerelle::employers::collection;
namespace ac = passerelle::activities::collection;
using passerelle::sync::row_string;
using passerelle::sync::row_strings;

struct Row {
  std::string id;
  json::object data;
};

// The live rows of one collection. A person's rows are found by their fields (candidate_id,
// author_id...), which the change log does not index; a scan per collection is what an export
// or an erasure costs (rare requests), never a sync.
std::vector<Row> live_rows(soci::session& sql, std::string_view collection) {
  std::vector<Row> out;
  std::string c(collection);
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT id, data FROM sync_rows WHERE collection = :c AND deleted = 0 ORDER BY id", soci::use(c));
  for (const soci::row& r : rs) {
    boost::system::error_code ec;
    auto v = json::parse(r.get<std::string>(1), ec);
    if (!ec && v.is_object()) out.push_back(Row{r.get<std::string>(0), std::move(v.as_object())});
  }
  return out;
}

bool is_member(const json::object& thread, const std::string& user_id) {
  auto members = row_strings(thread, "members");
  return std::find(members.begin(), members.end(), user_id) != members.end();
}

// A mentorship, meeting or referral the person is a party to (candidate or mentor).
bool is_party(const json::object& row, const std::string& user_id) {
  return row_string(row, "candidate_id") == user_id || row_string(row, "mentor_id") == user_id;
}

std::vector<std::string> without(std::vector<std::string> audience, const std::string& user) {
  audience.erase(std::remove(audience.begin(), audience.end(), user), audience.end());
  return audience;
}

// The person's threads and the ids of their plans, which decide most of the rest.
struct Scope {
  std::set<std::string> threads;       // member of
  std::set<std::string> own_threads;   // about them (candidate_id)
  std::set<std::string> plans;         // candidate_id
};

Scope scope_of(soci::session& sql, const std::string& user_id) {
  Scope s;
  for (const auto& t : live_rows(sql, sc::threads)) {
    if (is_member(t.data, user_id)) s.threads.insert(t.id);
    if (row_string(t.data, "candidate_id") == user_id) s.own_threads.insert(t.id);
  }
  for (const auto& p : live_rows(sql, sc::plans))
    if (row_string(p.data, "candidate_id") == user_id) s.plans.insert(p.id);
  return s;
}

}  // namespace

json::object export_account(soci::session& sql, const std::string& user_id, Timestamp now) {
  auto user = auth::find_user_by_id(sql, user_id);
  if (!user) return {};
  Scope scope = scope_of(sql, user_id);

  json::object rows;
  std::set<std::string> files;
  auto add = [&](std::string_view collection, const Row& r) {
    for (auto& sha : passerelle::files::referenced_files(r.data)) files.insert(sha);
    auto& list = rows[collection];
    if (!list.is_array()) list = json::array();
    list.as_array().push_back(r.data);
  };
  // Rows whose id is the person's id.
  for (std::string_view c : {sc::profiles, mc::career_profiles, mc::mentor_profiles, mc::availability, mc::busy,
                             mc::calendar_feeds})
    if (auto row = server::sync::find_row(sql, c, user_id)) add(c, Row{user_id, std::move(*row)});
  for (const auto& t : live_rows(sql, sc::threads))
    if (scope.threads.count(t.id)) add(sc::threads, t);
  // Their own messages, and the messages of their threads addressed to them: a thread's
  // messages are addressed to all its members, so these are all of the thread's messages.
  for (const auto& m : live_rows(sql, sc::messages))
    if (row_string(m.data, "author_id") == user_id || scope.threads.count(row_string(m.data, "thread_id")))
      add(sc::messages, m);
  for (const auto& r : live_rows(sql, sc::receipts))
    if (row_string(r.data, "user_id") == user_id) add(sc::receipts, r);
  for (const auto& p : live_rows(sql, sc::plans))
    if (scope.plans.count(p.id)) add(sc::plans, p);
  for (const auto& s : live_rows(sql, sc::plan_steps))
    if (scope.plans.count(row_string(s.data, "plan_id"))) add(sc::plan_steps, s);
  for (std::string_view c : {mc::mentorships, mc::meetings, mc::referrals})
    for (const auto& r : live_rows(sql, c))
      if (is_party(r.data, user_id)) add(c, r);
  for (const auto& o : live_rows(sql, indicators::kOutcomesCollection))
    if (row_string(o.data, "candidate_id") == user_id) add(indicators::kOutcomesCollection, o);
  // Employers (docs/employers.md): her consent, card and internship periods, an employer's
  // profile; the needs, proposals and internships either of them is part of.
  for (std::string_view c : {ec::employer_profiles, ec::consents, ec::candidate_cards, ec::internship_periods})
    if (auto row = server::sync::find_row(sql, c, user_id)) add(c, Row{user_id, std::move(*row)});
  for (std::string_view c : {ec::employer_needs, ec::proposals, ec::internships})
    for (const auto& r : live_rows(sql, c))
      if (row_string(r.data, "candidate_id") == user_id || row_string(r.data, "employer_id") == user_id) add(c, r);
  // Activities (docs/activities.md): her registrations and her agendas; the activities she
  // registered to, organizes or takes part in as an employer.
  std::set<std::string> her_activities;
  for (const auto& r : live_rows(sql, ac::registrations))
    if (row_string(r.data, "candidate_id") == user_id) {
      her_activities.insert(row_string(r.data, "activity_id"));
      add(ac::registrations, r);
    }
  for (const auto& r : live_rows(sql, ac::agendas))
    if (row_string(r.data, "user_id") == user_id) add(ac::agendas, r);
  for (const auto& r : live_rows(sql, ac::activities)) {
    auto employers = row_strings(r.data, "employer_ids");
    if (her_activities.count(r.id) || row_string(r.data, "organizer_id") == user_id ||
        std::find(employers.begin(), employers.end(), user_id) != employers.end())
      add(ac::activities, r);
  }

  // Files they uploaded, and the files the exported rows refer to.
  {
    soci::rowset<std::string> owned =
        (sql.prepare << "SELECT sha256 FROM file_owners WHERE user_id = :u", soci::use(user_id));
    for (const auto& sha : owned) files.insert(sha);
  }
  json::array file_list;
  for (const auto& sha : files) {
    long long size = 0;
    std::string type;
    sql << "SELECT size, type FROM files WHERE sha256 = :h", soci::use(sha), soci::into(size), soci::into(type);
    if (!sql.got_data()) continue;  // referred to but never uploaded (an optimistic row)
    file_list.push_back(json::object{{"sha256", sha}, {"size", size}, {"type", type},
                                     {"download", "/v1/blobs/" + sha}});
  }

  // Who opened their file, exported it or changed their account. Another person's address is
  // theirs, not the subject's: it stays out.
  json::array audit_list;
  audit::Filter f;
  f.target_id = user_id;
  f.limit = 500;
  for (;;) {
    auto page = audit::list(sql, f);
    for (const auto& e : page)
      audit_list.push_back(json::object{{"at", format_rfc3339(e.at)},
                                        {"actor_id", e.actor_id},
                                        {"actor_role", e.actor_role},
                                        {"actor_name", e.actor_name},
                                        {"action", e.action},
                                        {"details", e.details}});
    if (static_cast<int>(page.size()) < f.limit) break;
    f.before_ms = to_unix_ms(page.back().at);
  }

  json::array sessions;
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT created_at, expires_at, revoked_at FROM sessions WHERE user_id = :u ORDER BY created_at",
         soci::use(user_id));
    for (const soci::row& r : rs) {
      json::object s{{"created_at", r.get<std::string>(0)}, {"expires_at", r.get<std::string>(1)}};
      if (r.get_indicator(2) == soci::i_ok) s["revoked_at"] = r.get<std::string>(2);
      sessions.push_back(std::move(s));
    }
  }
  json::object account{{"id", user->info.id},
                       {"email", user->info.email},
                       {"name", user->info.name},
                       {"role", protocol::to_string(user->info.role)},
                       {"locale", protocol::to_string(user->info.locale)},
                       {"created_at", user->created_at},
                       {"sessions", std::move(sessions)}};
  return json::object{{"format", "passerelle-export/1"},
                      {"exported_at", format_rfc3339(now)},
                      {"account", std::move(account)},
                      {"rows", std::move(rows)},
                      {"files", std::move(file_list)},
                      {"audit", std::move(audit_list)}};
}

ErasedAccount erase_account(soci::session& sql, const std::string& user_id, Timestamp now) {
  ErasedAccount out;
  auto user = auth::find_user_by_id(sql, user_id);
  if (!user) return out;
  out.found = true;
  bool candidate = user->info.role == protocol::Role::candidate;
  Scope scope = scope_of(sql, user_id);
  server::sync::ChangeLog log(sql, now);
  std::set<std::string> files;  // to check once the rows are gone
  auto note_files = [&](const json::object& row) {
    for (auto& sha : passerelle::files::referenced_files(row)) files.insert(sha);
  };
  auto remove = [&](std::string_view c, const Row& r) {
    note_files(r.data);
    log.remove(c, r.id);
    ++out.rows_removed;
  };
  // Rewrites a row that the program still counts: same readers but the person.
  auto anonymize = [&](std::string_view c, const Row& r, json::object data) {
    note_files(r.data);
    log.put(c, r.id, data, without(log.audience(c, r.id), user_id));
    // The old version's file references go with it (file_refs only grows on put).
    std::string cs(c);
    sql << "DELETE FROM file_refs WHERE collection = :c AND row_id = :i", soci::use(cs), soci::use(r.id);
    for (auto& sha : passerelle::files::referenced_files(data))
      sql << "INSERT INTO file_refs (sha256, collection, row_id) VALUES (:h, :c, :i) ON CONFLICT DO NOTHING",
          soci::use(sha), soci::use(cs), soci::use(r.id);
    ++out.rows_anonymized;
  };

  // Messages: theirs everywhere; a candidate's conversations are about them, so all of theirs.
  for (const auto& m : live_rows(sql, sc::messages))
    if (row_string(m.data, "author_id") == user_id || (candidate && scope.own_threads.count(row_string(m.data, "thread_id"))))
      remove(sc::messages, m);
  for (const auto& r : live_rows(sql, sc::receipts))
    if (row_string(r.data, "user_id") == user_id) remove(sc::receipts, r);
  // Rows that only describe the person (their id is the row id): gone.
  for (std::string_view c : {mc::career_profiles, mc::mentor_profiles, mc::availability, mc::busy, mc::calendar_feeds})
    if (auto row = server::sync::find_row(sql, c, user_id)) remove(c, Row{user_id, std::move(*row)});
  for (const auto& t : live_rows(sql, mc::calendar_tokens))
    if (row_string(t.data, "user_id") == user_id) remove(mc::calendar_tokens, t);
  // Employers (docs/employers.md): her card leaves every employer's device; proposals and
  // internships stay counted (indicators) without her name or anyone's free text about her.
  for (std::string_view c : {ec::employer_profiles, ec::consents, ec::candidate_cards, ec::internship_periods})
    if (auto row = server::sync::find_row(sql, c, user_id)) remove(c, Row{user_id, std::move(*row)});
  for (std::string_view c : {ec::proposals, ec::internships})
    for (const auto& r : live_rows(sql, c)) {
      if (row_string(r.data, "candidate_id") != user_id) continue;
      json::object d = r.data;
      d["candidate_name"] = "";
      for (std::string_view k : {"reason", "outcome_note", "reasons"}) d.erase(k);
      anonymize(c, r, std::move(d));
    }
  // Activities (docs/activities.md): her agendas go; her registrations stay counted (seats,
  // attendance) without her name; her name leaves the schedules and the employers' agendas
  // that list her, and an employer's name leaves the activities that list it.
  for (const auto& r : live_rows(sql, ac::agendas)) {
    if (row_string(r.data, "user_id") == user_id) {
      remove(ac::agendas, r);
      continue;
    }
    auto* items = r.data.if_contains("items");
    if (!items || !items->is_array()) continue;
    json::object d = r.data;
    bool named = false;
    for (auto& item : d["items"].as_array())
      if (item.is_object() && (row_string(item.as_object(), "candidate_id") == user_id ||
                               row_string(item.as_object(), "with_id") == user_id)) {
        item.as_object()["with_name"] = "";
        named = true;
      }
    if (named) anonymize(ac::agendas, r, std::move(d));
  }
  for (const auto& r : live_rows(sql, ac::registrations)) {
    if (row_string(r.data, "candidate_id") != user_id) continue;
    json::object d = r.data;
    d["candidate_name"] = "";
    anonymize(ac::registrations, r, std::move(d));
  }
  for (std::string_view c : {ac::schedules, ac::activities}) {
    std::string_view names_key = c == ac::schedules ? "names" : "employer_names";
    for (const auto& r : live_rows(sql, c)) {
      auto* names = r.data.if_contains(names_key);
      if (!names || !names->is_object() || !names->get_object().contains(user_id)) continue;
      json::object d = r.data;
      d[names_key].as_object()[user_id] = "";
      anonymize(c, r, std::move(d));
    }
  }

  // The profile stays as a counted, nameless record: role, coach, plan and planned arrival are
  // what the indicators and the cohorts read.
  if (auto p = server::sync::find_row(sql, sc::profiles, user_id)) {
    json::object kept{{"id", user_id}, {"role", row_string(*p, "role")}, {"name", ""}, {"deleted", true},
                      {"deleted_at", format_rfc3339(now)}};
    for (std::string_view k : {"coach_id", "plan_id", "planned_arrival", "created_at"})
      if (auto* v = p->if_contains(k)) kept[k] = *v;
    anonymize(sc::profiles, Row{user_id, *p}, std::move(kept));
  }
  // Plan steps keep category, title, dates and statuses (plan completion); free text written on
  // them and the evidence files go.
  for (const auto& s : live_rows(sql, sc::plan_steps)) {
    if (!scope.plans.count(row_string(s.data, "plan_id"))) continue;
    json::object d = s.data;
    for (std::string_view k : {"notes", "comments", "evidence"}) d[k] = json::array();
    if (auto* h = d.if_contains("history"); h && h->is_array())
      for (auto& entry : h->as_array())
        if (entry.is_object()) entry.as_object().erase("reason");
    anonymize(sc::plan_steps, s, std::move(d));
  }
  // Mentoring: times, statuses and outcomes are counted; notes, reasons and the people met
  // through referrals (third parties) are not kept.
  for (const auto& r : live_rows(sql, mc::mentorships)) {
    if (!is_party(r.data, user_id)) continue;
    json::object d = r.data;
    d.erase("reason");
    anonymize(mc::mentorships, r, std::move(d));
  }
  for (const auto& r : live_rows(sql, mc::meetings)) {
    if (!is_party(r.data, user_id)) continue;
    json::object d = r.data;
    d["notes"] = json::array();
    d.erase("reason");
    d.erase("cancel_reason");
    anonymize(mc::meetings, r, std::move(d));
  }
  for (const auto& r : live_rows(sql, mc::referrals)) {
    if (!is_party(r.data, user_id)) continue;
    json::object d = r.data;
    for (std::string_view k : {"name", "role", "organization"}) d[k] = "";
    d.erase("contact");
    anonymize(mc::referrals, r, std::move(d));
  }
  // Threads and outcomes hold ids, dates and statuses only: kept as they are (the coaching
  // start and employment figures count them).

  // Files: what they uploaded is no longer theirs; a file nobody owns and no live row refers to
  // is deleted (the caller unlinks it after the commit).
  {
    soci::rowset<std::string> owned =
        (sql.prepare << "SELECT sha256 FROM file_owners WHERE user_id = :u", soci::use(user_id));
    for (const auto& sha : owned) files.insert(sha);
  }
  sql << "DELETE FROM file_owners WHERE user_id = :u", soci::use(user_id);
  for (const auto& sha : files) {
    long long owners = 0, refs = 0;
    sql << "SELECT COUNT(*) FROM file_owners WHERE sha256 = :h", soci::use(sha), soci::into(owners);
    sql << "SELECT COUNT(*) FROM file_refs WHERE sha256 = :h", soci::use(sha), soci::into(refs);
    if (owners > 0 || refs > 0) continue;
    sql << "DELETE FROM files WHERE sha256 = :h", soci::use(sha);
    out.files_to_unlink.push_back(sha);
  }

  // Server-side records about them: idempotency outcomes (their error messages can quote
  // what they sent), unread notifications, digests, invitations to their address, and what
  // they could read (they never pull again).
  sql << "DELETE FROM sync_ops WHERE user_id = :u", soci::use(user_id);
  sql << "DELETE FROM message_inbox WHERE user_id = :u", soci::use(user_id);
  sql << "DELETE FROM mail_digests WHERE user_id = :u", soci::use(user_id);
  // (a cohort invitation's queue row first: it references the invitation)
  sql << "DELETE FROM invitation_queue WHERE invitation_id IN (SELECT id FROM invitations WHERE email = :e)",
      soci::use(user->info.email);
  sql << "DELETE FROM invitations WHERE email = :e", soci::use(user->info.email);
  sql << "DELETE FROM password_resets WHERE user_id = :u", soci::use(user_id);
  sql << "DELETE FROM sync_audience WHERE user_id = :u", soci::use(user_id);
  sql << "DELETE FROM sync_scope_members WHERE user_id = :u", soci::use(user_id);

  // The sign-in record: no e-mail, name or password; every session revoked. It stays until the
  // retention job forgets it, so a device with an old token is told the account is gone.
  std::string at = format_rfc3339(now), email = "deleted-" + user_id + "@deleted.invalid", empty, no_password = "!";
  sql << "UPDATE users SET email = :e, name = :n, password_hash = :p, disabled = 1, deleted_at = :d WHERE id = :i",
      soci::use(email), soci::use(empty), soci::use(no_password), soci::use(at), soci::use(user_id);
  sql << "UPDATE sessions SET revoked_at = :t WHERE user_id = :u AND revoked_at IS NULL", soci::use(at),
      soci::use(user_id);

  out.touched_users = log.touched_users();
  out.touched_users.erase(user_id);
  out.last_seq = log.last_seq();
  return out;
}

bool token_of_deleted_account(soci::session& sql, const std::string& token_hash) {
  std::string deleted_at;
  soci::indicator ind = soci::i_null;
  sql << "SELECT u.deleted_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = :h",
      soci::use(token_hash), soci::into(deleted_at, ind);
  return sql.got_data() && ind == soci::i_ok;
}

}  // namespace passerelle::server::privacy
