// The dashboard's key index over replicated rows (projections.h, docs/dashboard.md). Portable
// SQL (SQLite 3.35+, PostgreSQL 9.5+), applied as migration 9.
#pragma once

namespace passerelle::server::sync {

inline constexpr const char* kRowKeysSchemaSql[] = {
    // For each live row the dashboard reads, the key it is found by: a candidate's profile by
    // their coach's id ("" when none), a plan step by its plan's id, and a plan, thread,
    // mentorship, meeting, referral or outcome by its candidate's id. Rows of other
    // collections, other roles' profiles and removed rows have no entry. `facts` is the row
    // cut down to the fields the dashboard's figures read (dashboard_facts in projections.h):
    // a plan step's long texts, history and comments are not parsed to count it.
    "CREATE TABLE row_keys ("
    " collection TEXT NOT NULL,"
    " row_id TEXT NOT NULL,"
    " row_key TEXT NOT NULL,"
    " facts TEXT NOT NULL,"
    " PRIMARY KEY (collection, row_id))",
    "CREATE INDEX row_keys_by_key ON row_keys (collection, row_key, row_id)",
};

}  // namespace passerelle::server::sync

namespace passerelle::server::sync {

inline constexpr const char* kStepSummariesSchemaSql[] = {
    // Per plan, what its steps add up to (plans::StepSummary as JSON: counts by status, the
    // open steps' due dates, the latest activity): the steps its step_ids list that name it
    // (plan_id), as the dashboard's figures count them. Kept by the same writes as the plan's
    // and its steps' row_keys entries (projections.h), so a program's dashboard reads one row
    // per plan instead of every step. A plan without an entry has no such step. Migration 11.
    "CREATE TABLE plan_step_summaries ("
    " plan_id TEXT PRIMARY KEY,"
    " summary TEXT NOT NULL)",
};

}  // namespace passerelle::server::sync
