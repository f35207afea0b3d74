// The speed-jobbing rotation: who meets whom in which slot. A pure function, run by the
// `activity.schedule` mutator (so on the server and, identically, on a staff device) and by
// its tests; docs/activities.md, "Speed-jobbing".
//
// Input: the session's employers (each keeps one table for the whole session) and its
// candidates, each with the employers she selected. Output: for every (candidate, selected
// employer) pair exactly one meeting in one slot, such that
//   - no candidate is in two meetings of the same slot,
//   - no employer (table) holds two meetings in the same slot,
//   - the number of slots is the least possible: the largest number of meetings any one
//     person has (a candidate's selections or an employer's selected-by count). This is
//     König's edge-colouring theorem for bipartite graphs; the construction below reaches it.
//
// How: pairs are coloured one by one (candidates in the given order, each candidate's
// employers in the session's order), giving the pair a slot free for both people; when the
// slot free for the candidate (a) is taken at the employer and the one free at the employer (b)
// is taken at the candidate, the a/b alternating path that starts at the employer is swapped
// (its a-meetings become b and its b-meetings a), which frees a at the employer without
// touching the candidate (the path cannot reach her: bipartite). O(meetings x people).
// Deterministic: the same input gives the same schedule, on every device.
#pragma once

#include <string>
#include <vector>

namespace passerelle::activities {

struct RotationCandidate {
  std::string id;
  std::vector<std::string> employer_ids;  // her selection; ids the session does not list are ignored
};

struct RotationMeeting {
  int slot = 0;  // 0-based
  std::string employer_id, candidate_id;
};

struct Rotation {
  int slots = 0;                          // the number of slots used (the least possible)
  std::vector<RotationMeeting> meetings;  // ordered by slot, then employer order, then candidate
};

// Builds the rotation. Duplicate employer ids (in the session or in a selection) count once.
Rotation build_rotation(const std::vector<std::string>& employer_ids, const std::vector<RotationCandidate>& candidates);

// Checks a rotation against its input: every selected pair met exactly once, no pair that was
// not selected, no one in two places in one slot, slots in [0, slots). "" when sound, else
// what is wrong (tests, and the mutator's own guard before it writes a schedule).
std::string check_rotation(const std::vector<std::string>& employer_ids, const std::vector<RotationCandidate>& candidates,
                           const Rotation& rotation);

}  // namespace passerelle::activities
