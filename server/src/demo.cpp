#include "demo.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <soci/soci.h>

#include <sstream>

#include "auth/accounts.h"
#include "storage/profiles.h"
#include "sync/push.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"

namespace passerelle::server {
namespace {
std::string profile(boost::json::object o) { return boost::json::serialize(o); }

// Demo arrivals are month-days ("--09-01", ISO 8601): the next such date at least 60 days
// away, so the demo stays "before arrival" whenever it is run and the messages (which name
// the day) stay true.
std::string next_arrival(std::string_view month_day, Timestamp now) {
  using namespace std::chrono;
  auto today = floor<days>(now);
  int year = static_cast<int>(year_month_day(today).year());
  for (int y = year; y <= year + 2; ++y) {
    auto d = parse_date(std::to_string(y) + "-" + std::string(month_day.substr(2)));
    if (d && *d >= today + days(60)) return format_date(*d);
  }
  return format_date(today + days(120));
}
}  // namespace

const std::vector<DemoAccount>& demo_accounts() {
  static const std::vector<DemoAccount> list = {
      {"admin@demo.passerelle.quebec", "Sophie Tremblay", "admin", "fr", "demo-admin-2026",
       profile({{"city", "Montréal"}, {"time_zone", "America/Toronto"}})},
      {"coach.gagnon@demo.passerelle.quebec", "Marc-André Gagnon", "coach", "fr", "demo-coach-2026",
       profile({{"city", "Montréal"}, {"time_zone", "America/Toronto"}})},
      {"coach.nguyen@demo.passerelle.quebec", "Linh Nguyen", "coach", "en", "demo-coach-2026",
       profile({{"city", "Québec"}, {"time_zone", "America/Toronto"}})},
      {"mentor.roy@demo.passerelle.quebec", "Isabelle Roy", "mentor", "fr", "demo-mentor-2026",
       profile({{"city", "Montréal"}, {"time_zone", "America/Toronto"}, {"profession", "nurse"},
                {"employer", "CHUM"}})},
      {"mentor.cote@demo.passerelle.quebec", "Jean-François Côté", "mentor", "fr", "demo-mentor-2026",
       profile({{"city", "Montréal"}, {"time_zone", "America/Toronto"}, {"profession", "software developer"}})},
      {"mentor.singh@demo.passerelle.quebec", "Priya Singh", "mentor", "en", "demo-mentor-2026",
       profile({{"city", "Sherbrooke"}, {"time_zone", "America/Toronto"}, {"profession", "civil engineer"}})},
      {"amina.benali@demo.passerelle.quebec", "Amina Benali", "candidate", "fr", "demo-candidate-2026",
       profile({{"country", "MA"}, {"time_zone", "Africa/Casablanca"}, {"profession", "nurse"},
                {"planned_arrival", "--09-01"}})},
      {"carlos.restrepo@demo.passerelle.quebec", "Carlos Restrepo", "candidate", "en", "demo-candidate-2026",
       profile({{"country", "CO"}, {"time_zone", "America/Bogota"}, {"profession", "software developer"},
                {"planned_arrival", "--07-15"}})},
      {"maria.santos@demo.passerelle.quebec", "Maria Santos", "candidate", "en", "demo-candidate-2026",
       profile({{"country", "PH"}, {"time_zone", "Asia/Manila"}, {"profession", "accountant"},
                {"planned_arrival", "--10-01"}})},
      {"julien.moreau@demo.passerelle.quebec", "Julien Moreau", "candidate", "fr", "demo-candidate-2026",
       profile({{"country", "FR"}, {"time_zone", "Europe/Paris"}, {"profession", "electrician"},
                {"planned_arrival", "--08-20"}})},
      {"yassine.trabelsi@demo.passerelle.quebec", "Yassine Trabelsi", "candidate", "fr", "demo-candidate-2026",
       profile({{"country", "TN"}, {"time_zone", "Africa/Tunis"}, {"profession", "civil engineer"},
                {"planned_arrival", "--11-03"}})},
  };
  return list;
}

namespace {

struct DemoLine {
  bool from_coach;
  const char* body;
};
struct DemoCaseload {
  const char* candidate_email;
  const char* coach_email;
  std::vector<DemoLine> conversation;  // in the candidate's language
};

const std::vector<DemoCaseload>& demo_caseloads() {
  static const std::vector<DemoCaseload> list = {
      {"amina.benali@demo.passerelle.quebec",
       "coach.gagnon@demo.passerelle.quebec",
       {{true, "Bonjour Amina, bienvenue dans Passerelle ! Je suis Marc-André, votre coach. "
               "Avez-vous déjà reçu votre CSQ ?"},
        {false, "Bonjour Marc-André, merci ! Oui, j'ai reçu mon CSQ le mois dernier. "
                "J'attends maintenant la résidence permanente."},
        {true, "Excellente nouvelle. Votre arrivée est toujours prévue pour le 1er septembre ? "
               "On peut commencer votre demande auprès de l'OIIQ dès maintenant."},
        {false, "Oui, le 1er septembre à Montréal. Je prépare mes diplômes pour l'OIIQ cette semaine."}}},
      {"carlos.restrepo@demo.passerelle.quebec",
       "coach.nguyen@demo.passerelle.quebec",
       {{true, "Hi Carlos, welcome to Passerelle! I'm Linh, your coach. Have you received your CSQ yet?"},
        {false, "Hi Linh, thanks! Yes, my CSQ came through in March. I'm waiting for my work permit now."},
        {true, "Great. Are you still planning to arrive on July 15? We can find you a mentor in software "
               "development before then."},
        {false, "Yes, July 15, in Montréal. A mentor would be amazing!"}}},
      {"maria.santos@demo.passerelle.quebec",
       "coach.nguyen@demo.passerelle.quebec",
       {{true, "Hello Maria, welcome! I'm Linh, your coach. Where are you with your CSQ application?"},
        {false, "Hello Linh! It is still being processed. I hope to arrive by October 1."},
        {true, "Thank you. Meanwhile, let's look at the steps with CPA Québec to have your accounting "
               "credentials recognized."}}},
      {"julien.moreau@demo.passerelle.quebec",
       "coach.gagnon@demo.passerelle.quebec",
       {{true, "Bonjour Julien, bienvenue ! Je suis Marc-André, votre coach. Où en êtes-vous avec votre CSQ ?"},
        {false, "Bonjour ! CSQ reçu, et mon arrivée est prévue le 20 août à Montréal."},
        {true, "Parfait. Pour travailler comme électricien, il vous faudra le certificat de qualification "
               "d'Emploi-Québec. On en parle à notre prochain appel ?"}}},
      {"yassine.trabelsi@demo.passerelle.quebec",
       "coach.gagnon@demo.passerelle.quebec",
       {{true, "Bonjour Yassine, bienvenue dans Passerelle ! Avez-vous reçu votre CSQ ?"},
        {false, "Bonjour, pas encore. Je pense le recevoir cet été, pour une arrivée en novembre."},
        {true, "D'accord. En attendant, préparons votre dossier pour l'Ordre des ingénieurs du Québec."}}},
  };
  return list;
}

// Runs one push for `actor` and turns a rejected op into an error: demo data must be whole.
Status push_or_fail(soci::session& sql, const passerelle::sync::Actor& actor, passerelle::sync::Op op, Timestamp at) {
  auto out = server::sync::run_push(sql, actor, {std::move(op)}, at);
  const auto& r = out.results.front();
  if (r.status == passerelle::sync::OpStatus::rejected)
    return Status(ErrorCode::internal, "demo op refused: " + r.error->message);
  return Status::Ok();
}

// Puts each demo candidate in a coach's caseload (as the admin, like the dashboard would) and
// seeds a short conversation, all through the mutators so devices see exactly what real use
// produces. A candidate who already has a coach is left alone: restarting never duplicates.
Status seed_demo_caseloads(storage::Database& db) {
  auto id_of = [&db](const std::string& email) {
    return db.read([&](soci::session& sql) {
      auto u = auth::find_user_by_email(sql, email);
      return u ? std::optional<protocol::UserInfo>(u->info) : std::nullopt;
    });
  };
  auto admin = id_of("admin@demo.passerelle.quebec");
  if (!admin) return Status(ErrorCode::internal, "the demo admin is missing");
  for (const auto& c : demo_caseloads()) {
    auto candidate = id_of(c.candidate_email);
    auto coach = id_of(c.coach_email);
    if (!candidate || !coach) return Status(ErrorCode::internal, std::string("demo account missing for ") + c.candidate_email);
    auto st = db.writer().run(
        [&c, admin = *admin, candidate = *candidate, coach = *coach](soci::session& sql) -> Status {
          auto profile = storage::read_profile(sql, candidate.id);
          if (!profile) return Status(ErrorCode::internal, "no profile row for " + candidate.email);
          if (profile->contains("coach_id")) return Status::Ok();  // seeded before
          // A plausible past: the assignment two days ago, the messages a few hours apart.
          Timestamp at = now_utc() - std::chrono::hours(48);
          std::string thread_id = new_id();
          passerelle::sync::Op assign{new_id(), "caseload.assign",
                          {{"candidate_id", candidate.id}, {"coach_id", coach.id}, {"thread_id", thread_id}}};
          if (auto st = push_or_fail(sql, {admin.id, admin.role}, std::move(assign), at); !st) return st;
          for (const auto& line : c.conversation) {
            at += std::chrono::hours(5);
            const auto& author = line.from_coach ? coach : candidate;
            passerelle::sync::Op send{new_id(), "message.send",
                          {{"id", new_id()}, {"thread_id", thread_id}, {"body", line.body}}};
            if (auto st = push_or_fail(sql, {author.id, author.role}, std::move(send), at); !st) return st;
          }
          return Status::Ok();
        });
    if (!st) return st;
  }
  return Status::Ok();
}

// Mentoring: the mentors' profiles and weekly availability, the candidates' career profiles
// (occupation codes, languages), so that a coach sees ranked mentor suggestions at once. Each
// through its mutator, as the person themself; a person already set up is left alone.
struct DemoCareer {
  const char* email;
  const char* mutator;  // "mentor.update" or "career.update"
  const char* fields;   // JSON args
  const char* availability;  // JSON availability for mentors, "" otherwise
};

const std::vector<DemoCareer>& demo_careers() {
  static const std::vector<DemoCareer> list = {
      {"mentor.roy@demo.passerelle.quebec", "mentor.update",
       R"({"occupation_code":"31301","profession":"Infirmière clinicienne","employer":"CHUM","sector":"Santé",
           "city":"Montréal","time_zone":"America/Toronto","capacity":2,
           "languages":[{"code":"fr","level":"C2"},{"code":"en","level":"B2"}],
           "bio":"Infirmière depuis 15 ans, j'accompagne les infirmières formées à l'étranger vers l'OIIQ."})",
       R"({"time_zone":"America/Toronto","weekly":[{"weekday":2,"start":"18:00","end":"20:00"},
           {"weekday":6,"start":"09:00","end":"11:00"}]})"},
      {"mentor.cote@demo.passerelle.quebec", "mentor.update",
       R"({"occupation_code":"21232","profession":"Développeur logiciel","employer":"Ubisoft Montréal",
           "sector":"Jeux vidéo","city":"Montréal","time_zone":"America/Toronto","capacity":2,
           "languages":[{"code":"fr","level":"C2"},{"code":"en","level":"C1"}]})",
       R"({"time_zone":"America/Toronto","weekly":[{"weekday":1,"start":"12:00","end":"13:00"},
           {"weekday":4,"start":"17:00","end":"19:00"}]})"},
      {"mentor.singh@demo.passerelle.quebec", "mentor.update",
       R"({"occupation_code":"21300","profession":"Civil engineer","employer":"WSP","sector":"Engineering",
           "city":"Sherbrooke","time_zone":"America/Toronto","capacity":1,
           "languages":[{"code":"en","level":"C2"},{"code":"fr","level":"B2"}]})",
       R"({"time_zone":"America/Toronto","weekly":[{"weekday":3,"start":"08:00","end":"10:00"},
           {"weekday":6,"start":"10:00","end":"12:00"}]})"},
      {"amina.benali@demo.passerelle.quebec", "career.update",
       R"({"occupation_code":"31301","profession":"Infirmière","years_experience":8,"country":"MA",
           "time_zone":"Africa/Casablanca","immigration_stage":"csq_received","target_region":"Montréal",
           "languages":[{"code":"fr","level":"C1"},{"code":"ar","level":"C2"},{"code":"en","level":"B1"}],
           "organizations":["CHUM","CIUSSS du Centre-Sud"]})", ""},
      {"carlos.restrepo@demo.passerelle.quebec", "career.update",
       R"({"occupation_code":"21232","profession":"Software developer","years_experience":6,"country":"CO",
           "time_zone":"America/Bogota","immigration_stage":"pr_applied","target_region":"Montréal",
           "languages":[{"code":"es","level":"C2"},{"code":"en","level":"C1"},{"code":"fr","level":"A2"}],
           "organizations":["Ubisoft","Shopify"]})", ""},
      {"maria.santos@demo.passerelle.quebec", "career.update",
       R"({"occupation_code":"11100","profession":"Accountant","years_experience":10,"country":"PH",
           "time_zone":"Asia/Manila","immigration_stage":"selected","target_region":"Québec",
           "languages":[{"code":"en","level":"C2"},{"code":"fr","level":"A2"}]})", ""},
      {"julien.moreau@demo.passerelle.quebec", "career.update",
       R"({"occupation_code":"72200","profession":"Électricien","years_experience":12,"country":"FR",
           "time_zone":"Europe/Paris","immigration_stage":"csq_received","target_region":"Montréal",
           "languages":[{"code":"fr","level":"C2"},{"code":"en","level":"B1"}]})", ""},
      {"yassine.trabelsi@demo.passerelle.quebec", "career.update",
       R"({"occupation_code":"21300","profession":"Ingénieur civil","years_experience":5,"country":"TN",
           "time_zone":"Africa/Tunis","immigration_stage":"selected","target_region":"Estrie",
           "languages":[{"code":"fr","level":"C1"},{"code":"ar","level":"C2"},{"code":"en","level":"B2"}],
           "organizations":["WSP","Hydro-Québec"]})", ""},
  };
  return list;
}

Status seed_demo_mentoring(storage::Database& db) {
  for (const auto& c : demo_careers()) {
    auto user = db.read([&](soci::session& sql) { return auth::find_user_by_email(sql, c.email); });
    if (!user) return Status(ErrorCode::internal, std::string("demo account missing: ") + c.email);
    auto st = db.writer().run([&c, who = user->info](soci::session& sql) -> Status {
      std::string collection = std::string_view(c.mutator) == "mentor.update" ? "mentor_profiles" : "career_profiles";
      int n = 0;
      sql << "SELECT COUNT(*) FROM sync_rows WHERE collection = :c AND id = :i", soci::use(collection),
          soci::use(who.id), soci::into(n);
      if (n > 0) return Status::Ok();  // seeded before
      passerelle::sync::Actor actor{who.id, who.role};
      if (auto st = push_or_fail(sql, actor, {new_id(), c.mutator, boost::json::parse(c.fields).as_object()}, now_utc()); !st)
        return st;
      if (*c.availability)
        return push_or_fail(sql, actor,
                            {new_id(), "availability.set",
                             {{"availability", boost::json::parse(c.availability)}}},
                            now_utc());
      return Status::Ok();
    });
    if (!st) return st;
  }
  return Status::Ok();
}

}  // namespace

Result<int> seed_demo(storage::Database& db, auth::ScryptParams params) {
  int created = 0;
  for (const auto& a : demo_accounts()) {
    bool exists = db.read([&](soci::session& sql) { return auth::email_taken(sql, a.email); });
    if (exists) continue;
    auto hash = auth::hash_password(a.password, params);
    if (!hash) return hash.error();
    auth::UserRecord u;
    u.info.id = new_id();
    u.info.email = a.email;
    u.info.name = a.name;
    u.info.role = *protocol::parse_role(a.role);
    u.info.locale = *protocol::parse_locale(a.locale);
    u.password_hash = *hash;
    auto st = db.writer().run(
        [u, fields = boost::json::parse(a.profile_json).as_object()](soci::session& sql) mutable -> Status {
          if (auth::email_taken(sql, u.info.email)) return Status::Ok();  // raced with admin create
          Timestamp now = now_utc();
          u.created_at = format_rfc3339(now);
          auth::insert_user(sql, u);
          if (auto a = fields.find("planned_arrival"); a != fields.end() && a->value().is_string())
            a->value() = next_arrival(a->value().get_string(), now);
          storage::write_new_profile(sql, u.info, now, fields);
          return Status::Ok();
        });
    if (!st) return st.error();
    ++created;
  }
  if (auto st = seed_demo_caseloads(db); !st) return st.error();
  if (auto st = seed_demo_mentoring(db); !st) return st.error();
  return created;
}

std::string demo_banner(const std::string& url) {
  std::string ws_url = url.rfind("https://", 0) == 0 ? "wss://" + url.substr(8) : "ws://" + url.substr(7);
  std::ostringstream out;
  out << "\n=== Passerelle demo ===========================================================\n"
      << "Server: " << url << "   (WebSocket: " << ws_url << "/v1/ws)\n"
      << "Phone app (candidates and mentors): " << url << "/app/\n"
      << "Coaches' dashboard: " << url << "/\n\n";
  auto pad = [](std::string s, std::size_t n) {
    // Pad by characters, not bytes, so accented names line up.
    std::size_t chars = 0;
    for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
    if (chars < n) s += std::string(n - chars, ' ');
    return s;
  };
  out << pad("e-mail", 42) << pad("password", 22) << "role\n";
  out << std::string(42 + 22 + 9, '-') << "\n";
  for (const auto& a : demo_accounts()) out << pad(a.email, 42) << pad(a.password, 22) << a.role << "\n";
  out << "\nEach candidate has a coach and a conversation. Try the command-line client:\n"
      << "  passerelle --server " << ws_url << " --data /tmp/amina login --email amina.benali@demo.passerelle.quebec\n"
      << "  passerelle --data /tmp/amina sync && passerelle --data /tmp/amina threads\n";
  out << "================================================================================\n\n";
  return out.str();
}

}  // namespace passerelle::server
