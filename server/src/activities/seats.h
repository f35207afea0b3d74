// The database's own guard on activity seats (migration 13, docs/activities.md, "Seats").
// The seat rules run in the activity mutators, one op after another in the push transaction;
// this table makes the database refuse what those rules forbid even if two transactions ever
// ran them side by side (two server instances on PostgreSQL without the writers' common lock):
// one row per seat held, numbered 1..capacity (CHECK), each seat and each candidate once per
// activity (keys). A seat keeps its number while its holder keeps it; a freed number is reused.
// A push that breaks it throws: the writer rolls the push back and the device sends it again,
// to find the seat taken and be put on the waiting list.
#pragma once

#include <soci/soci.h>

#include <string>
#include <vector>

#include "passerelle/shared/sync/wire.h"

namespace passerelle::server::activities {

// Brings activity_seats in line with the rosters of the activities that the applied ops
// (registrations, withdrawals, cancellations) touched. Call after run_push, in its transaction.
void keep_seats(soci::session& sql, const std::vector<passerelle::sync::Op>& ops,
                const std::vector<passerelle::sync::OpResult>& results);

// Brings one activity's seats in line with its roster and activity rows (none when cancelled).
void keep_seats_of(soci::session& sql, const std::string& activity_id);

}  // namespace passerelle::server::activities
