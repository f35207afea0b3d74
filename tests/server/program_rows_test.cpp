// The dashboard's keyed reads and kept step summaries against a scan of every row, on SQLite
// (program_rows_fixture.h; the same on PostgreSQL: tests/pg/program_rows_pg_test.cpp).
#include <soci/sqlite3/soci-sqlite3.h>

#include "program_rows_fixture.h"

namespace {

class ProgramRowsTest : public passerelle::program_rows_test::ProgramRowsFixture {
 protected:
  void SetUp() override {
    sql.open(soci::sqlite3, "db=:memory:");
    for (const char* stmt : passerelle::server::sync::kSyncSchemaSql) sql << stmt;
    for (const char* stmt : passerelle::server::sync::kFilesSchemaSql) sql << stmt;
    for (const char* stmt : passerelle::server::sync::kRowKeysSchemaSql) sql << stmt;
    for (const char* stmt : passerelle::server::sync::kStepSummariesSchemaSql) sql << stmt;
    sql << passerelle::server::sync::kScopeColumnSql;
    for (const char* stmt : passerelle::server::sync::kScopesSql) sql << stmt;
    passerelle::server::sync::init_sync_state(sql);
  }
};

TEST_F(ProgramRowsTest, KeyedReadsGiveTheScansAnswersOnARandomProgram) { keyed_reads_give_the_scans_answers_on_a_random_program(); }
TEST_F(ProgramRowsTest, StepSummariesFollowEveryStepWrite) { step_summaries_follow_every_step_write(); }
TEST_F(ProgramRowsTest, KeyedReadsFollowEveryWriteThatMovesARow) { keyed_reads_follow_every_write_that_moves_a_row(); }
// As a push writes (many rows in one transaction, the step summaries recomputed at its flush).
TEST_F(ProgramRowsTest, StepSummariesFollowTheWritesOfBatchedPushes) {
  mode = passerelle::server::sync::ChangeLog::Mode::batched;
  step_summaries_follow_every_step_write();
}
TEST_F(ProgramRowsTest, StepSummariesFollowTheWritesOfCoalescedPushes) {
  mode = passerelle::server::sync::ChangeLog::Mode::coalesced;
  keyed_reads_follow_every_write_that_moves_a_row();
}

}  // namespace
