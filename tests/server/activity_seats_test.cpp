// The database's guard on activity seats (server/src/activities/seats.h, migration 13): seats
// keep their numbers, freed numbers are reused, and a roster holding more seats than the
// capacity (what two unserialized writers could make) is refused by the table itself.
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <filesystem>
#include <unistd.h>

#include "activities/seats.h"
#include "storage/database.h"
#include "sync/change_log.h"

using namespace passerelle;
using namespace passerelle::server;

namespace {

struct SeatsDb {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("pseats-" + std::to_string(::getpid()));
  std::unique_ptr<storage::Database> db;
  const std::string activity = "01900000-0000-7000-8000-00000000ac01";

  SeatsDb() {
    std::filesystem::remove_all(dir);
    auto opened = storage::Database::open("sqlite:" + (dir / "db.sqlite").string(), {});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    db = std::move(*opened);
  }
  ~SeatsDb() { std::filesystem::remove_all(dir); }

  // Writes the activity and roster rows, then brings the seats in line; the failure's text.
  std::string set(std::int64_t capacity, std::vector<std::string> confirmed, const char* status = "open") {
    boost::json::array c;
    for (auto& s : confirmed) c.emplace_back(s);
    auto st = db->writer().run([&](soci::session& sql) {
      passerelle::server::sync::ChangeLog log(sql, now_utc());
      log.put("activities", activity, {{"id", activity}, {"capacity", capacity}, {"status", status}}, {});
      log.put("activity_rosters", activity, {{"id", activity}, {"confirmed", c}}, {});
      activities::keep_seats_of(sql, activity);
      return Status::Ok();
    });
    return st.ok() ? "" : st.error().message;
  }
  std::map<std::string, int> seats() {
    std::map<std::string, int> out;
    db->read([&](soci::session& sql) {
      soci::rowset<soci::row> rs = (sql.prepare << "SELECT candidate_id, seat FROM activity_seats");
      for (const auto& r : rs) out[r.get<std::string>(0)] = r.get<int>(1);
    });
    return out;
  }
};

TEST(ActivitySeats, SeatsKeepTheirNumbersAndFreedNumbersAreReused) {
  SeatsDb t;
  ASSERT_EQ(t.set(3, {"a", "b", "c"}), "");
  EXPECT_EQ(t.seats(), (std::map<std::string, int>{{"a", 1}, {"b", 2}, {"c", 3}}));
  ASSERT_EQ(t.set(3, {"a", "c", "d"}), "");  // b left, d moved up from the waiting list
  EXPECT_EQ(t.seats(), (std::map<std::string, int>{{"a", 1}, {"c", 3}, {"d", 2}}));
  ASSERT_EQ(t.set(3, {"a", "c", "d"}, "cancelled"), "");
  EXPECT_TRUE(t.seats().empty());
}

TEST(ActivitySeats, TheTableRefusesASeatPastTheCapacity) {
  SeatsDb t;
  ASSERT_EQ(t.set(2, {"a", "b"}), "");
  EXPECT_NE(t.set(2, {"a", "b", "c"}), "") << "a third seat for two places";
  EXPECT_EQ(t.seats(), (std::map<std::string, int>{{"a", 1}, {"b", 2}})) << "the refused write left nothing";
}

}  // namespace
