#include "demo.h"

#include <boost/json/serialize.hpp>
#include <soci/soci.h>

#include <future>
#include <sstream>

#include "auth/accounts.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"

namespace passerelle::server {
namespace {
std::string profile(boost::json::object o) { return boost::json::serialize(o); }
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
                {"planned_arrival", "2026-09-01"}})},
      {"carlos.restrepo@demo.passerelle.quebec", "Carlos Restrepo", "candidate", "en", "demo-candidate-2026",
       profile({{"country", "CO"}, {"time_zone", "America/Bogota"}, {"profession", "software developer"},
                {"planned_arrival", "2026-07-15"}})},
      {"maria.santos@demo.passerelle.quebec", "Maria Santos", "candidate", "en", "demo-candidate-2026",
       profile({{"country", "PH"}, {"time_zone", "Asia/Manila"}, {"profession", "accountant"},
                {"planned_arrival", "2026-10-01"}})},
      {"julien.moreau@demo.passerelle.quebec", "Julien Moreau", "candidate", "fr", "demo-candidate-2026",
       profile({{"country", "FR"}, {"time_zone", "Europe/Paris"}, {"profession", "electrician"},
                {"planned_arrival", "2026-08-20"}})},
      {"yassine.trabelsi@demo.passerelle.quebec", "Yassine Trabelsi", "candidate", "fr", "demo-candidate-2026",
       profile({{"country", "TN"}, {"time_zone", "Africa/Tunis"}, {"profession", "civil engineer"},
                {"planned_arrival", "2026-11-03"}})},
  };
  return list;
}

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
    std::promise<Status> done;
    db.writer().submit(
        [u, json = a.profile_json](soci::session& sql) mutable -> Status {
          if (auth::email_taken(sql, u.info.email)) return Status::Ok();  // raced with admin create
          u.created_at = format_rfc3339(now_utc());
          auth::insert_user(sql, u);
          auth::put_profile(sql, u.info.id, json, u.created_at);
          return Status::Ok();
        },
        [&done](Status st) { done.set_value(std::move(st)); });
    if (auto st = done.get_future().get(); !st) return st.error();
    ++created;
  }
  return created;
}

std::string demo_banner(const std::string& url) {
  std::ostringstream out;
  out << "\n=== Passerelle demo ===========================================================\n"
      << "Server: " << url << "   (WebSocket: "
      << (url.rfind("https://", 0) == 0 ? "wss://" + url.substr(8) : "ws://" + url.substr(7)) << "/v1/ws)\n\n";
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
  out << "================================================================================\n\n";
  return out.str();
}

}  // namespace passerelle::server
