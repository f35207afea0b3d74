// The dashboard's keyed reads, caseload pages and kept step summaries against a scan of every
// row, on PostgreSQL: the same checks as tests/server/program_rows_test.cpp on a database made
// by the migrations (so migration 11 and the range reads run on this engine too).
#include "../server/program_rows_fixture.h"

#include "passerelle/test/test_server.h"
#include "storage/database.h"
#include "storage/dialect.h"

namespace {

namespace st = passerelle::server::storage;

class ProgramRowsPgTest : public passerelle::program_rows_test::ProgramRowsFixture {
 protected:
  void SetUp() override {
    if (!passerelle::test::test_postgresql_url())
      GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh (PASSERELLE_TEST_PG unset)";
    std::string error;
    std::string url = passerelle::test::create_postgresql_database(&error);
    ASSERT_FALSE(url.empty()) << error;
    auto db = st::Database::open(url, {});  // the schema, as a server start makes it
    ASSERT_TRUE(db) << db.error().message;
    auto ok = st::open_connection(sql, *st::parse_db_url(url));
    ASSERT_TRUE(ok) << ok.error().message;
  }
};

TEST_F(ProgramRowsPgTest, KeyedReadsGiveTheScansAnswersOnARandomProgram) { keyed_reads_give_the_scans_answers_on_a_random_program(); }
TEST_F(ProgramRowsPgTest, StepSummariesFollowEveryStepWrite) { step_summaries_follow_every_step_write(); }
TEST_F(ProgramRowsPgTest, KeyedReadsFollowEveryWriteThatMovesARow) { keyed_reads_follow_every_write_that_moves_a_row(); }

}  // namespace
