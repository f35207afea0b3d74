// Employers' mutators (docs/employers.md):
//   employer.update             an employer's profile (the employer, or staff naming employer_id)
//   employer.confirm_conditions staff confirm (or revoke) the internship conditions checklist
//   need.create, need.close     a position or internship an employer wants to fill
//   consent.give                a candidate agrees to be shown to employers (her card is made)
//   consent.withdraw            she withdraws: her card goes from every device that held it
//   proposal.create             staff propose a consenting candidate for a need, with reasons
//   proposal.respond            the employer accepts or declines
//   internship.create           staff record an internship of at most 28 days, no overlap
//   internship.extend           a new end, refused past 28 days (with a pointer to hiring)
//   internship.outcome          hired (with or without PRIIME), not hired, ended early
// Refusals a person reads are in the actor's language (their profile's locale).
#include "mutators/mutators.h"

#include <cctype>

#include "passerelle/shared/employers/employers.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::sync::mutators {
namespace json = boost::json;
using protocol::Role;
namespace ec = passerelle::employers::collection;
namespace m = passerelle::mentors;

namespace {

bool is_staff(const MutationContext& ctx) { return ctx.actor.role == Role::coach || ctx.actor.role == Role::admin; }

protocol::Locale locale_of(MutationContext& ctx) {
  auto p = ctx.rows.get(collection::profiles, ctx.actor.user_id);
  if (!p) return protocol::Locale::fr;
  return protocol::parse_locale(row_string(*p, "locale")).value_or(protocol::Locale::fr);
}

Status say(MutationContext& ctx, ErrorCode code, const std::string& en, const std::string& fr) {
  return Status(code, locale_of(ctx) == protocol::Locale::fr ? fr : en);
}

// Program staff read every employer row: employer relations are the program's, not one coach's.
std::vector<std::string> staff_audience() { return {role_audience(Role::coach), role_audience(Role::admin)}; }

std::vector<std::string> staff_and(std::initializer_list<std::string> people) {
  auto a = staff_audience();
  for (const auto& p : people) a = with_user(a, p);
  return a;
}

void push_string(json::object& row, std::string_view key, const std::string& v) {
  auto* a = row.if_contains(key);
  if (!a || !a->is_array()) row[key] = json::array();
  row[key].as_array().emplace_back(v);
}

bool is_live_proposal(const json::object& p) {
  auto s = row_string(p, "status");
  return s == "proposed" || s == "accepted";
}

std::string optional_text(JsonReader& in, json::object& out, std::string_view key, std::size_t max_bytes) {
  if (!in.ok() || !in.optional_value(key)) return {};
  std::string t = text_field(in, key, max_bytes);
  if (in.ok()) out[key] = t;
  return t;
}

// ["fr", "en"]: ISO 639-1 codes, 1 to 10, unique.
void language_codes(JsonReader& in, json::object& out, std::string_view key) {
  if (!in.ok() || !in.optional_value(key)) return;
  const json::array& a = in.array(key);
  if (!in.ok()) return;
  if (a.empty() || a.size() > 10) return in.fail(key, "must list 1 to 10 language codes");
  json::array codes;
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool ok = a[i].is_string() && a[i].get_string().size() == 2 && std::islower(static_cast<unsigned char>(a[i].get_string()[0])) &&
              std::islower(static_cast<unsigned char>(a[i].get_string()[1]));
    if (!ok) return in.fail(std::string(key) + "[" + std::to_string(i) + "]", "must be an ISO 639-1 code such as \"fr\"");
    for (const auto& c : codes)
      if (c == a[i]) return in.fail(key, "lists a language twice");
    codes.push_back(a[i]);
  }
  out[key] = std::move(codes);
}

// ------------------------------------------------------------------ employer.update
struct EmployerArgs {
  std::string employer_id;  // empty: the actor
  json::object fields;
  bool conditions_changed = false;
};

Result<EmployerArgs> decode_employer(JsonReader& in) {
  EmployerArgs a;
  if (in.optional_value("employer_id")) a.employer_id = uuid_field(in, "employer_id");
  for (const char* key : {"organization", "sector", "city", "region"}) optional_text(in, a.fields, key, 200);
  if (in.ok() && in.optional_value("occupation_codes")) {
    const json::array& codes = in.array("occupation_codes");
    if (in.ok() && codes.size() > 20) in.fail("occupation_codes", "holds more than 20 codes");
    for (std::size_t i = 0; in.ok() && i < codes.size(); ++i)
      if (!codes[i].is_string() || !m::is_noc_code(codes[i].get_string()))
        in.fail("occupation_codes[" + std::to_string(i) + "]", "must be a NOC 2021 code of five digits, e.g. \"21231\"");
    if (in.ok()) a.fields["occupation_codes"] = codes;
  }
  language_codes(in, a.fields, "languages");
  for (const char* key : {"positions_open", "internship_capacity"})
    if (auto n = in.optional_integer(key); n && in.ok()) {
      if (*n < 0 || *n > 1000) in.fail(key, "must be between 0 and 1000");
      a.fields[key] = *n;
    }
  if (auto b = in.optional_boolean("priime_interest"); b && in.ok()) a.fields["priime_interest"] = *b;
  if (in.ok() && in.optional_value("conditions")) {
    JsonReader c = in.nested("conditions");
    json::object conditions;
    for (const char* key : {"work_station", "colleagues_on_site", "coach_on_site"}) conditions[key] = c.boolean(key);
    if (auto st = c.status(); !st) return st.error();
    a.fields["conditions"] = std::move(conditions);
    a.conditions_changed = true;
  }
  if (auto st = in.status(); !st) return st.error();
  if (a.fields.empty()) return Error{ErrorCode::bad_request, "employer.update needs at least one field to change"};
  return a;
}

Status apply_employer(MutationContext& ctx, const EmployerArgs& a) {
  std::string id = a.employer_id;
  if (ctx.actor.role == Role::employer) {
    if (!id.empty() && id != ctx.actor.user_id)
      return say(ctx, ErrorCode::forbidden, "an employer changes only their own profile", "un employeur ne modifie que son propre profil");
    id = ctx.actor.user_id;
  } else if (is_staff(ctx)) {
    if (id.empty()) return Status(ErrorCode::bad_request, "args.employer_id is missing (staff name the employer)");
  } else {
    return say(ctx, ErrorCode::forbidden, "only an employer or program staff edit an employer profile",
               "seuls un employeur ou l'équipe du programme modifient un profil d'employeur");
  }
  auto person = ctx.rows.get(collection::profiles, id);
  if (ctx.authoritative && (!person || row_string(*person, "role") != "employer"))
    return say(ctx, ErrorCode::not_found, "no employer with that id", "aucun employeur avec cet identifiant");
  auto row = ctx.rows.get(ec::employer_profiles, id)
                 .value_or(json::object{{"id", id}, {"conditions_confirmed", false}, {"created_at", format_rfc3339(ctx.now)}});
  for (const auto& kv : a.fields) row[kv.key()] = kv.value();
  if (a.conditions_changed) {
    // A declaration changed after staff checked it: it needs checking again.
    row["conditions_confirmed"] = false;
    row.erase("conditions_confirmed_by");
    row.erase("conditions_confirmed_at");
  }
  if (person) row["name"] = row_string(*person, "name");
  row["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ec::employer_profiles, id, row, staff_and({id}));
  return Status::Ok();
}

// ------------------------------------------------------------------ employer.confirm_conditions
struct ConfirmArgs {
  std::string employer_id;
  bool confirmed = true;
};

Result<ConfirmArgs> decode_confirm(JsonReader& in) {
  ConfirmArgs a;
  a.employer_id = uuid_field(in, "employer_id");
  a.confirmed = in.boolean("confirmed");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_confirm(MutationContext& ctx, const ConfirmArgs& a) {
  if (!is_staff(ctx))
    return say(ctx, ErrorCode::forbidden, "only program staff confirm internship conditions",
               "seule l'équipe du programme confirme les conditions de stage");
  auto row = ctx.rows.get(ec::employer_profiles, a.employer_id);
  if (!row) return say(ctx, ErrorCode::not_found, "no employer with that id", "aucun employeur avec cet identifiant");
  if (a.confirmed) {
    const json::value* c = row->if_contains("conditions");
    bool all = c && c->is_object();
    for (const char* key : {"work_station", "colleagues_on_site", "coach_on_site"})
      all = all && c->get_object().if_contains(key) && c->get_object().at(key) == true;
    if (!all)
      return say(ctx, ErrorCode::conflict,
                 "the employer has not declared all three internship conditions (a work station, colleagues on site, "
                 "someone to coach the intern)",
                 "l'employeur n'a pas déclaré les trois conditions de stage (un poste de travail, des collègues sur place, "
                 "une personne pour encadrer le ou la stagiaire)");
    (*row)["conditions_confirmed_by"] = ctx.actor.user_id;
    (*row)["conditions_confirmed_at"] = format_rfc3339(ctx.now);
  } else {
    row->erase("conditions_confirmed_by");
    row->erase("conditions_confirmed_at");
  }
  (*row)["conditions_confirmed"] = a.confirmed;
  (*row)["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ec::employer_profiles, a.employer_id, *row, staff_and({a.employer_id}));
  return Status::Ok();
}

// ------------------------------------------------------------------ need.create / need.close
struct NeedArgs {
  std::string id, employer_id;
  json::object fields;
};

Result<NeedArgs> decode_need(JsonReader& in) {
  NeedArgs a;
  a.id = uuid_field(in, "id");
  if (in.optional_value("employer_id")) a.employer_id = uuid_field(in, "employer_id");
  if (in.ok()) a.fields["title"] = text_field(in, "title", 200);
  std::string kind = in.optional_string("kind").value_or("job");
  if (in.ok() && kind != "job" && kind != "internship") in.fail("kind", "must be job or internship");
  a.fields["kind"] = kind;
  if (auto c = in.optional_string("occupation_code"); c && in.ok()) {
    if (!m::is_noc_code(*c)) in.fail("occupation_code", "must be a NOC 2021 code of five digits, e.g. \"21231\"");
    a.fields["occupation_code"] = *c;
  }
  language_codes(in, a.fields, "languages");
  optional_text(in, a.fields, "region", 200);
  std::int64_t positions = in.optional_integer("positions").value_or(1);
  if (in.ok() && (positions < 1 || positions > 1000)) in.fail("positions", "must be between 1 and 1000");
  a.fields["positions"] = positions;
  if (auto d = in.optional_string("start_by"); d && in.ok()) {
    if (!parse_date(*d)) in.fail("start_by", "must be a date YYYY-MM-DD");
    a.fields["start_by"] = *d;
  }
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_need(MutationContext& ctx, const NeedArgs& a) {
  std::string employer = a.employer_id;
  if (ctx.actor.role == Role::employer) {
    if (!employer.empty() && employer != ctx.actor.user_id)
      return say(ctx, ErrorCode::forbidden, "an employer states only their own needs", "un employeur n'exprime que ses propres besoins");
    employer = ctx.actor.user_id;
  } else if (!is_staff(ctx)) {
    return say(ctx, ErrorCode::forbidden, "only an employer or program staff state a need",
               "seuls un employeur ou l'équipe du programme expriment un besoin");
  } else if (employer.empty()) {
    return Status(ErrorCode::bad_request, "args.employer_id is missing (staff name the employer)");
  }
  auto profile = ctx.rows.get(ec::employer_profiles, employer);
  if (!profile)
    return say(ctx, ErrorCode::not_found, "no employer profile with that id (employer.update first)",
               "aucun profil d'employeur avec cet identifiant (employer.update d'abord)");
  if (ctx.rows.get(ec::employer_needs, a.id))
    return say(ctx, ErrorCode::conflict, "a need with that id already exists", "un besoin avec cet identifiant existe déjà");
  json::object row = a.fields;
  row["id"] = a.id;
  row["employer_id"] = employer;
  if (profile) row["organization"] = row_string(*profile, "organization");
  row["status"] = "open";
  row["proposed_candidate_ids"] = json::array();
  row["created_by"] = ctx.actor.user_id;
  row["created_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ec::employer_needs, a.id, row, staff_and({employer}));
  return Status::Ok();
}

struct IdArgs {
  std::string id;
};

Result<IdArgs> decode_id(JsonReader& in) {
  IdArgs a;
  a.id = uuid_field(in, "id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_need_close(MutationContext& ctx, const IdArgs& a) {
  auto need = ctx.rows.get(ec::employer_needs, a.id);
  if (!need) return say(ctx, ErrorCode::not_found, "no such need", "aucun besoin de ce nom");
  std::string employer = row_string(*need, "employer_id");
  if (!is_staff(ctx) && ctx.actor.user_id != employer)
    return say(ctx, ErrorCode::forbidden, "only the employer or program staff close a need",
               "seuls l'employeur ou l'équipe du programme ferment un besoin");
  if (row_string(*need, "status") == "closed")
    return say(ctx, ErrorCode::conflict, "this need is already closed", "ce besoin est déjà fermé");
  (*need)["status"] = "closed";
  (*need)["closed_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ec::employer_needs, a.id, *need, staff_and({employer}));
  return Status::Ok();
}

// ------------------------------------------------------------------ consent
struct ConsentArgs {
  std::optional<std::string> available_from, summary;
};

Result<ConsentArgs> decode_consent(JsonReader& in) {
  ConsentArgs a;
  if (auto d = in.optional_string("available_from"); d && in.ok()) {
    if (!parse_date(*d)) in.fail("available_from", "must be a date YYYY-MM-DD");
    a.available_from = *d;
  }
  if (in.ok() && in.optional_value("summary")) a.summary = text_field(in, "summary", 1000);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

// The card employers may read: what she chose to share for work, never her immigration stage,
// country, plan or messages.
json::object make_card(MutationContext& ctx, const std::string& candidate_id, const json::object* previous) {
  json::object card{{"id", candidate_id}};
  if (auto p = ctx.rows.get(collection::profiles, candidate_id)) card["name"] = row_string(*p, "name");
  if (auto career = ctx.rows.get(m::collection::career_profiles, candidate_id))
    for (const char* key : {"occupation_code", "profession", "languages", "target_region", "years_experience"})
      if (auto* v = career->if_contains(key)) card[key] = *v;
  if (previous)
    for (const char* key : {"available_from", "summary", "consented_at"})
      if (auto* v = previous->if_contains(key)) card[key] = *v;
  card["updated_at"] = format_rfc3339(ctx.now);
  return card;
}

// The readers of her card: herself, staff, and the employers of her live proposals.
std::vector<std::string> card_audience(MutationContext& ctx, const std::string& candidate_id, const json::object& consent) {
  auto a = staff_and({candidate_id});
  for (const auto& pid : row_strings(consent, "proposal_ids"))
    if (auto p = ctx.rows.get(ec::proposals, pid); p && is_live_proposal(*p)) a = with_user(a, row_string(*p, "employer_id"));
  return a;
}

Status apply_consent_give(MutationContext& ctx, const ConsentArgs& a) {
  if (ctx.actor.role != Role::candidate)
    return say(ctx, ErrorCode::forbidden, "only a candidate shares her profile with employers",
               "seule une personne candidate partage son profil avec des employeurs");
  const std::string& me = ctx.actor.user_id;
  auto consent = ctx.rows.get(ec::consents, me).value_or(json::object{{"id", me}, {"proposal_ids", json::array()}});
  consent["status"] = "given";
  consent["given_at"] = format_rfc3339(ctx.now);
  consent.erase("withdrawn_at");
  ctx.rows.put(ec::consents, me, consent, staff_and({me}));
  auto previous = ctx.rows.get(ec::candidate_cards, me);
  json::object card = make_card(ctx, me, previous ? &*previous : nullptr);
  if (!card.contains("consented_at")) card["consented_at"] = format_rfc3339(ctx.now);
  if (a.available_from) card["available_from"] = *a.available_from;
  if (a.summary) card["summary"] = *a.summary;
  ctx.rows.put(ec::candidate_cards, me, card, card_audience(ctx, me, consent));
  return Status::Ok();
}

struct NoArgs {};
Result<NoArgs> decode_none(JsonReader& in) {
  if (auto st = in.status(); !st) return st.error();
  return NoArgs{};
}

Status apply_consent_withdraw(MutationContext& ctx, const NoArgs&) {
  if (ctx.actor.role != Role::candidate)
    return say(ctx, ErrorCode::forbidden, "only a candidate withdraws her consent", "seule une personne candidate retire son consentement");
  const std::string& me = ctx.actor.user_id;
  auto consent = ctx.rows.get(ec::consents, me);
  if (!consent || row_string(*consent, "status") != "given")
    return say(ctx, ErrorCode::conflict, "your profile is not shared with employers", "votre profil n'est pas partagé avec des employeurs");
  // Every employer's device drops her card and her proposals at its next pull (tombstones).
  ctx.rows.remove(ec::candidate_cards, me);
  for (const auto& pid : row_strings(*consent, "proposal_ids")) {
    auto p = ctx.rows.get(ec::proposals, pid);
    if (!p) continue;
    if (is_live_proposal(*p)) (*p)["status"] = "withdrawn";
    (*p)["withdrawn_at"] = format_rfc3339(ctx.now);
    ctx.rows.put(ec::proposals, pid, *p, staff_and({me}));
  }
  (*consent)["status"] = "withdrawn";
  (*consent)["withdrawn_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ec::consents, me, *consent, staff_and({me}));
  return Status::Ok();
}

// ------------------------------------------------------------------ proposals
struct ProposalArgs {
  std::string id, need_id, candidate_id;
};

Result<ProposalArgs> decode_proposal(JsonReader& in) {
  ProposalArgs a;
  a.id = uuid_field(in, "id");
  a.need_id = uuid_field(in, "need_id");
  a.candidate_id = uuid_field(in, "candidate_id");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

json::array reasons_json(const std::vector<m::Reason>& reasons) {
  json::array out;
  for (const auto& r : reasons)
    out.push_back(json::object{{"code", r.code}, {"points", r.points}, {"text", json::object{{"fr", r.text_fr}, {"en", r.text}}}});
  return out;
}

Status apply_proposal(MutationContext& ctx, const ProposalArgs& a) {
  if (!is_staff(ctx))
    return say(ctx, ErrorCode::forbidden, "only program staff propose candidates to employers",
               "seule l'équipe du programme propose des candidatures aux employeurs");
  auto need = ctx.rows.get(ec::employer_needs, a.need_id);
  if (!need) return say(ctx, ErrorCode::not_found, "no such need", "aucun besoin de ce nom");
  auto card = ctx.rows.get(ec::candidate_cards, a.candidate_id);
  if (!card)
    return say(ctx, ErrorCode::not_found, "no consenting candidate with that id",
               "aucune personne candidate consentante avec cet identifiant");
  if (row_string(*need, "status") != "open") return say(ctx, ErrorCode::conflict, "this need is closed", "ce besoin est fermé");
  if (ctx.rows.get(ec::proposals, a.id))
    return say(ctx, ErrorCode::conflict, "a proposal with that id already exists", "une proposition avec cet identifiant existe déjà");
  auto already = row_strings(*need, "proposed_candidate_ids");
  if (std::find(already.begin(), already.end(), a.candidate_id) != already.end())
    return say(ctx, ErrorCode::conflict, "this candidate was already proposed for this need",
               "cette personne a déjà été proposée pour ce besoin");
  std::string employer = row_string(*need, "employer_id");
  auto profile = ctx.rows.get(ec::employer_profiles, employer).value_or(json::object{});
  auto ranked = employers::preselect(*need, profile, {*card}, {});
  json::object row{{"id", a.id},
                   {"need_id", a.need_id},
                   {"need_title", row_string(*need, "title")},
                   {"employer_id", employer},
                   {"organization", row_string(*need, "organization")},
                   {"candidate_id", a.candidate_id},
                   {"candidate_name", row_string(*card, "name")},
                   {"status", "proposed"},
                   {"score", ranked.empty() ? 0 : ranked[0].score},
                   {"reasons", reasons_json(ranked.empty() ? std::vector<m::Reason>{} : ranked[0].reasons)},
                   {"proposed_by", ctx.actor.user_id},
                   {"proposed_at", format_rfc3339(ctx.now)}};
  ctx.rows.put(ec::proposals, a.id, row, staff_and({employer, a.candidate_id}));
  push_string(*need, "proposed_candidate_ids", a.candidate_id);
  ctx.rows.put(ec::employer_needs, a.need_id, *need, staff_and({employer}));
  auto consent = ctx.rows.get(ec::consents, a.candidate_id).value_or(json::object{{"id", a.candidate_id}, {"status", "given"}});
  push_string(consent, "proposal_ids", a.id);
  ctx.rows.put(ec::consents, a.candidate_id, consent, staff_and({a.candidate_id}));
  // The employer now reads her card (until she withdraws or they decline).
  ctx.rows.put(ec::candidate_cards, a.candidate_id, *card, with_user(ctx.rows.audience(ec::candidate_cards, a.candidate_id), employer));
  return Status::Ok();
}

struct RespondArgs {
  std::string id;
  bool accept = false;
  std::optional<std::string> reason;
};

Result<RespondArgs> decode_respond(JsonReader& in) {
  RespondArgs a;
  a.id = uuid_field(in, "id");
  a.accept = in.boolean("accept");
  if (in.ok() && in.optional_value("reason")) a.reason = text_field(in, "reason", 500);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_respond(MutationContext& ctx, const RespondArgs& a) {
  auto p = ctx.rows.get(ec::proposals, a.id);
  if (!p) return say(ctx, ErrorCode::not_found, "no such proposal", "aucune proposition de ce nom");
  std::string employer = row_string(*p, "employer_id"), candidate = row_string(*p, "candidate_id");
  if (ctx.actor.user_id != employer)
    return say(ctx, ErrorCode::forbidden, "only the employer answers a proposal", "seul l'employeur répond à une proposition");
  if (row_string(*p, "status") != "proposed")
    return say(ctx, ErrorCode::conflict, "this proposal was already answered or withdrawn", "cette proposition a déjà reçu une réponse ou a été retirée");
  (*p)["status"] = a.accept ? "accepted" : "declined";
  (*p)["answered_at"] = format_rfc3339(ctx.now);
  if (a.reason) (*p)["reason"] = *a.reason;
  ctx.rows.put(ec::proposals, a.id, *p, staff_and({employer, candidate}));
  if (!a.accept && ctx.authoritative) {
    // Declined: the employer stops reading her card unless another live proposal keeps it.
    auto card = ctx.rows.get(ec::candidate_cards, candidate);
    auto consent = ctx.rows.get(ec::consents, candidate);
    if (card && consent) ctx.rows.put(ec::candidate_cards, candidate, *card, card_audience(ctx, candidate, *consent));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ internships
struct Period {
  std::string id;
  Timestamp start, end;
};

std::vector<Period> periods_of(const json::object& row) {
  std::vector<Period> out;
  if (auto* a = row.if_contains("periods"); a && a->is_array())
    for (const auto& e : a->get_array()) {
      if (!e.is_object()) continue;
      auto s = parse_rfc3339(row_string(e.get_object(), "start")), f = parse_rfc3339(row_string(e.get_object(), "end"));
      if (s && f) out.push_back({row_string(e.get_object(), "id"), *s, *f});
    }
  return out;
}

// The candidate's internships other than `self` that share time with [start, end).
std::optional<Period> overlapping(MutationContext& ctx, const std::string& candidate, const std::string& self, Timestamp start,
                                  Timestamp end) {
  auto row = ctx.rows.get(ec::internship_periods, candidate);
  if (!row) return std::nullopt;
  for (const auto& p : periods_of(*row))
    if (p.id != self && p.start < end && start < p.end) return p;
  return std::nullopt;
}

void set_period(MutationContext& ctx, const std::string& candidate, const std::string& id, Timestamp start, Timestamp end) {
  auto row = ctx.rows.get(ec::internship_periods, candidate).value_or(json::object{{"id", candidate}, {"periods", json::array()}});
  json::array out;
  for (const auto& p : periods_of(row))
    if (p.id != id) out.push_back(json::object{{"id", p.id}, {"start", format_rfc3339(p.start)}, {"end", format_rfc3339(p.end)}});
  out.push_back(json::object{{"id", id}, {"start", format_rfc3339(start)}, {"end", format_rfc3339(end)}});
  row["periods"] = std::move(out);
  ctx.rows.put(ec::internship_periods, candidate, row, staff_and({candidate}));
}

Status overlap_refusal(MutationContext& ctx, const Period& p, const std::string& zone) {
  std::string from = format_local(p.start, zone).value_or(format_rfc3339(p.start));
  std::string to = format_local(p.end, zone).value_or(format_rfc3339(p.end));
  return say(ctx, ErrorCode::conflict, "this candidate already has an internship from " + from + " to " + to,
             "cette personne a déjà un stage du " + from + " au " + to);
}

struct InternshipArgs {
  std::string id, employer_id, candidate_id, zone;
  std::optional<std::string> need_id;
  Timestamp start, end;
};

Timestamp instant_field(JsonReader& in, std::string_view key) {
  std::string text = in.string(key);
  if (!in.ok()) return {};
  auto t = parse_rfc3339(text);
  if (!t) {
    in.fail(key, "must be an RFC 3339 date-time such as \"2027-03-01T13:00:00Z\"");
    return {};
  }
  return *t;
}

std::string zone_field(JsonReader& in) {
  std::string zone = in.optional_string("time_zone").value_or(std::string(employers::kDefaultWorkplaceZone));
  if (in.ok() && !is_valid_time_zone(zone)) in.fail("time_zone", "must be an IANA time zone such as \"America/Toronto\"");
  return zone;
}

Result<InternshipArgs> decode_internship(JsonReader& in) {
  InternshipArgs a;
  a.id = uuid_field(in, "id");
  a.employer_id = uuid_field(in, "employer_id");
  a.candidate_id = uuid_field(in, "candidate_id");
  if (in.ok() && in.optional_value("need_id")) a.need_id = uuid_field(in, "need_id");
  a.start = instant_field(in, "start");
  a.end = instant_field(in, "end");
  a.zone = zone_field(in);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_internship(MutationContext& ctx, const InternshipArgs& a) {
  if (!is_staff(ctx))
    return say(ctx, ErrorCode::forbidden, "only program staff record an internship", "seule l'équipe du programme inscrit un stage");
  auto card = ctx.rows.get(ec::candidate_cards, a.candidate_id);
  if (!card)
    return say(ctx, ErrorCode::not_found, "no consenting candidate with that id",
               "aucune personne candidate consentante avec cet identifiant");
  auto employer = ctx.rows.get(ec::employer_profiles, a.employer_id);
  if (!employer) return say(ctx, ErrorCode::not_found, "no employer with that id", "aucun employeur avec cet identifiant");
  if (ctx.rows.get(ec::internships, a.id))
    return say(ctx, ErrorCode::conflict, "an internship with that id already exists", "un stage avec cet identifiant existe déjà");
  if (auto st = employers::check_internship_length(a.start, a.end, a.zone, locale_of(ctx)); !st) return st;
  if ((*employer).if_contains("conditions_confirmed") == nullptr || employer->at("conditions_confirmed") != true)
    return say(ctx, ErrorCode::conflict,
               "the employer's internship conditions are not confirmed yet (employer.confirm_conditions)",
               "les conditions de stage de l'employeur ne sont pas encore confirmées (employer.confirm_conditions)");
  if (auto other = overlapping(ctx, a.candidate_id, a.id, a.start, a.end)) return overlap_refusal(ctx, *other, a.zone);
  json::object row{{"id", a.id},
                   {"employer_id", a.employer_id},
                   {"organization", row_string(*employer, "organization")},
                   {"candidate_id", a.candidate_id},
                   {"candidate_name", row_string(*card, "name")},
                   {"start", format_rfc3339(a.start)},
                   {"end", format_rfc3339(a.end)},
                   {"time_zone", a.zone},
                   {"status", "planned"},
                   {"created_by", ctx.actor.user_id},
                   {"created_at", format_rfc3339(ctx.now)}};
  if (a.need_id) row["need_id"] = *a.need_id;
  ctx.rows.put(ec::internships, a.id, row, staff_and({a.employer_id, a.candidate_id}));
  set_period(ctx, a.candidate_id, a.id, a.start, a.end);
  return Status::Ok();
}

bool may_manage_internship(const MutationContext& ctx, const json::object& row) {
  return is_staff(ctx) || ctx.actor.user_id == row_string(row, "employer_id");
}

struct ExtendArgs {
  std::string id;
  Timestamp end;
};

Result<ExtendArgs> decode_extend(JsonReader& in) {
  ExtendArgs a;
  a.id = uuid_field(in, "id");
  a.end = instant_field(in, "end");
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_extend(MutationContext& ctx, const ExtendArgs& a) {
  auto row = ctx.rows.get(ec::internships, a.id);
  if (!row) return say(ctx, ErrorCode::not_found, "no such internship", "aucun stage de ce nom");
  if (!may_manage_internship(ctx, *row))
    return say(ctx, ErrorCode::forbidden, "only the employer or program staff change an internship",
               "seuls l'employeur ou l'équipe du programme modifient un stage");
  if (row->contains("outcome"))
    return say(ctx, ErrorCode::conflict, "this internship is over (its outcome is recorded)", "ce stage est terminé (son résultat est inscrit)");
  auto start = parse_rfc3339(row_string(*row, "start"));
  std::string zone = row_string(*row, "time_zone");
  if (!start) return Status(ErrorCode::internal, "the internship row has no start");
  if (auto st = employers::check_internship_length(*start, a.end, zone, locale_of(ctx)); !st) return st;
  std::string candidate = row_string(*row, "candidate_id");
  if (auto other = overlapping(ctx, candidate, a.id, *start, a.end)) return overlap_refusal(ctx, *other, zone);
  (*row)["end"] = format_rfc3339(a.end);
  (*row)["updated_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ec::internships, a.id, *row, staff_and({row_string(*row, "employer_id"), candidate}));
  if (ctx.authoritative || ctx.rows.get(ec::internship_periods, candidate)) set_period(ctx, candidate, a.id, *start, a.end);
  return Status::Ok();
}

struct OutcomeArgs {
  std::string id, outcome;
  std::optional<Timestamp> ended_at;
  std::optional<std::string> note;
};

Result<OutcomeArgs> decode_outcome(JsonReader& in) {
  OutcomeArgs a;
  a.id = uuid_field(in, "id");
  a.outcome = in.string("outcome");
  if (in.ok() && !employers::is_internship_outcome(a.outcome))
    in.fail("outcome", "must be one of hired_priime, hired, not_hired, ended_early");
  if (in.ok() && in.optional_value("ended_at")) a.ended_at = instant_field(in, "ended_at");
  if (in.ok() && a.outcome == "ended_early" && !a.ended_at) in.fail("ended_at", "is required when the internship ended early");
  if (in.ok() && in.optional_value("note")) a.note = text_field(in, "note", 500);
  if (auto st = in.status(); !st) return st.error();
  return a;
}

Status apply_outcome(MutationContext& ctx, const OutcomeArgs& a) {
  auto row = ctx.rows.get(ec::internships, a.id);
  if (!row) return say(ctx, ErrorCode::not_found, "no such internship", "aucun stage de ce nom");
  if (!may_manage_internship(ctx, *row))
    return say(ctx, ErrorCode::forbidden, "only the employer or program staff record an internship's outcome",
               "seuls l'employeur ou l'équipe du programme inscrivent le résultat d'un stage");
  if (row->contains("outcome"))
    return say(ctx, ErrorCode::conflict, "this internship's outcome is already recorded", "le résultat de ce stage est déjà inscrit");
  auto start = parse_rfc3339(row_string(*row, "start")), end = parse_rfc3339(row_string(*row, "end"));
  std::string candidate = row_string(*row, "candidate_id");
  if (a.ended_at) {
    if (!start || !end || *a.ended_at <= *start || *a.ended_at >= *end)
      return say(ctx, ErrorCode::bad_request, "ended_at must fall between the internship's start and end",
                 "ended_at doit tomber entre le début et la fin du stage");
    (*row)["ended_at"] = format_rfc3339(*a.ended_at);
    // The time after an early end is free for another internship.
    if (ctx.authoritative || ctx.rows.get(ec::internship_periods, candidate)) set_period(ctx, candidate, a.id, *start, *a.ended_at);
  }
  (*row)["outcome"] = a.outcome;
  (*row)["status"] = a.outcome == "ended_early" ? "ended_early" : "completed";
  if (a.note) (*row)["outcome_note"] = *a.note;
  (*row)["outcome_by"] = ctx.actor.user_id;
  (*row)["outcome_at"] = format_rfc3339(ctx.now);
  ctx.rows.put(ec::internships, a.id, *row, staff_and({row_string(*row, "employer_id"), candidate}));
  return Status::Ok();
}

}  // namespace

void refresh_candidate_card(MutationContext& ctx, const std::string& candidate_id) {
  auto previous = ctx.rows.get(employers::collection::candidate_cards, candidate_id);
  if (!previous) return;  // not shared with employers
  auto card = make_card(ctx, candidate_id, &*previous);
  ctx.rows.put(employers::collection::candidate_cards, candidate_id, card,
               ctx.rows.audience(employers::collection::candidate_cards, candidate_id));
}

Mutator employer_update() { return make_mutator<EmployerArgs>("employer.update", decode_employer, apply_employer); }
Mutator employer_confirm_conditions() {
  return make_mutator<ConfirmArgs>("employer.confirm_conditions", decode_confirm, apply_confirm);
}
Mutator need_create() { return make_mutator<NeedArgs>("need.create", decode_need, apply_need); }
Mutator need_close() { return make_mutator<IdArgs>("need.close", decode_id, apply_need_close); }
Mutator consent_give() { return make_mutator<ConsentArgs>("consent.give", decode_consent, apply_consent_give); }
Mutator consent_withdraw() { return make_mutator<NoArgs>("consent.withdraw", decode_none, apply_consent_withdraw); }
Mutator proposal_create() { return make_mutator<ProposalArgs>("proposal.create", decode_proposal, apply_proposal); }
Mutator proposal_respond() { return make_mutator<RespondArgs>("proposal.respond", decode_respond, apply_respond); }
Mutator internship_create() { return make_mutator<InternshipArgs>("internship.create", decode_internship, apply_internship); }
Mutator internship_extend() { return make_mutator<ExtendArgs>("internship.extend", decode_extend, apply_extend); }
Mutator internship_outcome() { return make_mutator<OutcomeArgs>("internship.outcome", decode_outcome, apply_outcome); }

}  // namespace passerelle::sync::mutators
