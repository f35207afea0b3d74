// What the logs may say of a database failure (storage/db_error.h): a label and the engine's
// code, never SOCI's text with the statement's bound values.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <stdexcept>

#include "storage/db_error.h"

namespace passerelle::server::storage {
namespace {

const std::string kEmail = "amina.benali@example.org";

// The exception SOCI throws for a UNIQUE violation on a bound e-mail address.
template <class F>
void with_unique_violation(F&& check) {
  soci::session sql(soci::sqlite3, ":memory:");
  sql << "CREATE TABLE users (email TEXT UNIQUE)";
  sql << "INSERT INTO users (email) VALUES (:e)", soci::use(kEmail);
  try {
    sql << "INSERT INTO users (email) VALUES (:e)", soci::use(kEmail);
    FAIL() << "the second insert was accepted";
  } catch (const std::exception& e) {
    check(e);
  }
}

TEST(DbError, SociTextCarriesTheBoundValueTheLogFieldsDoNot) {
  with_unique_violation([](const std::exception& e) {
    // The premise: SOCI's own text would have leaked the address.
    EXPECT_NE(std::string(e.what()).find(kEmail), std::string::npos) << e.what();
    std::string logged = boost::json::serialize(failure_fields(e, {{"user_id", "u1"}}));
    EXPECT_EQ(logged.find(kEmail), std::string::npos) << logged;
    EXPECT_EQ(logged.find("INSERT"), std::string::npos) << logged;
    EXPECT_NE(logged.find("\"user_id\":\"u1\""), std::string::npos) << logged;
    EXPECT_NE(logged.find("\"sqlstate\":\"sqlite:"), std::string::npos) << logged;
    EXPECT_EQ(describe(e).find(kEmail), std::string::npos);
    EXPECT_FALSE(classify(e).connection_lost);
  });
}

TEST(DbError, UnavailableIsAConnectionLossAndOtherExceptionsKeepTheirShortText) {
  EXPECT_TRUE(classify(Unavailable()).connection_lost);
  EXPECT_EQ(classify(Unavailable()).label, "connection_lost");
  auto fields = failure_fields(std::out_of_range("key 'ops' not found"));
  EXPECT_EQ(fields.at("error"), "exception");
  EXPECT_EQ(fields.at("what"), "key 'ops' not found");
  std::string longer(500, 'x');
  EXPECT_LT(failure_fields(std::runtime_error(longer)).at("what").as_string().size(), 200u);
}

}  // namespace
}  // namespace passerelle::server::storage
