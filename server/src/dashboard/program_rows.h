// Reads the rows the dashboard's figures are computed from (indicators/indicators.h), limited
// to what the viewer may see: an admin sees every candidate, a coach their own caseload.
#pragma once

#include <soci/soci.h>

#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::server::dashboard {

// The live rows of a collection (those whose JSON is an object), in id order.
std::vector<boost::json::object> live_rows(soci::session& sql, const std::string& collection);

// Coaches and admins only (the caller checks the role).
indicators::ProgramRows load_program_rows(soci::session& sql, const protocol::UserInfo& viewer);

// Adds what the employers and activities indicators read (indicators::ProgramRows: proposals,
// internships, registrations, career profiles, and the activities, needs and employer profiles
// they name) for the candidates of `rows.profiles`. An admin: one pass over each collection's
// index entries; a coach: indexed lookups by her candidates' ids, then by the ids they name.
void add_employment_rows(soci::session& sql, const protocol::UserInfo& viewer, indicators::ProgramRows& rows);

// A page of the viewer's candidates: those whose id is after `after` ("" for the first page),
// in id order, at most `limit`, with their rows; `more` says whether candidates follow. Its cost
// follows the page, not the program. The figures of each candidate are those of
// load_program_rows.
indicators::ProgramRows load_program_rows_page(soci::session& sql, const protocol::UserInfo& viewer,
                                               const std::string& after, std::size_t limit, bool& more);

// How many candidates the viewer's caseload holds (an admin: the program), with `cohort` those
// in it (indicators::in_cohort).
std::size_t count_candidates(soci::session& sql, const protocol::UserInfo& viewer,
                             const std::optional<std::string>& cohort = std::nullopt);

// May `viewer` open this candidate's file? Admins: any candidate; coaches: their own.
bool may_open_candidate(soci::session& sql, const protocol::UserInfo& viewer, const std::string& candidate_id);

}  // namespace passerelle::server::dashboard
