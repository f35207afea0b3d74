#include "passerelle/shared/activities/rotation.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace passerelle::activities {
namespace {

// Employers and candidates as one numbering (employers first) and the selected pairs, each
// once, in the order the schedule is built.
struct Graph {
  std::vector<std::string> names;  // vertex -> id
  std::vector<std::pair<int, int>> edges;  // (candidate vertex, employer vertex)
  int employers = 0;
};

Graph make_graph(const std::vector<std::string>& employer_ids, const std::vector<RotationCandidate>& candidates) {
  Graph g;
  std::map<std::string, int> employer_index;
  for (const auto& e : employer_ids)
    if (employer_index.emplace(e, static_cast<int>(g.names.size())).second) g.names.push_back(e);
  g.employers = static_cast<int>(g.names.size());
  std::set<std::string> seen_candidates;
  for (const auto& c : candidates) {
    if (!seen_candidates.insert(c.id).second) continue;
    int cv = static_cast<int>(g.names.size());
    g.names.push_back(c.id);
    std::set<int> chosen;
    for (const auto& e : c.employer_ids)
      if (auto it = employer_index.find(e); it != employer_index.end()) chosen.insert(it->second);
    for (int ev : chosen) g.edges.emplace_back(cv, ev);  // in the session's employer order
  }
  return g;
}

}  // namespace

Rotation build_rotation(const std::vector<std::string>& employer_ids, const std::vector<RotationCandidate>& candidates) {
  Graph g = make_graph(employer_ids, candidates);
  std::vector<int> degree(g.names.size(), 0);
  for (auto [c, e] : g.edges) ++degree[c], ++degree[e];
  int slots = degree.empty() ? 0 : *std::max_element(degree.begin(), degree.end());
  // at[v][s]: whom v meets in slot s, or -1.
  std::vector<std::vector<int>> at(g.names.size(), std::vector<int>(slots, -1));
  auto free_slot = [&](int v) {
    for (int s = 0; s < slots; ++s)
      if (at[v][s] < 0) return s;
    return -1;  // cannot happen: v has fewer than `slots` meetings while one of its pairs is unplaced
  };
  for (auto [c, e] : g.edges) {
    int a = free_slot(c), b = free_slot(e);
    if (at[e][a] >= 0) {
      // Swap the a/b alternating path starting at the employer; afterwards a is free there.
      std::vector<std::tuple<int, int, int>> path;  // (from, to, slot)
      int cur = e, s = a;
      while (at[cur][s] >= 0) {
        int next = at[cur][s];
        path.emplace_back(cur, next, s);
        cur = next;
        s = s == a ? b : a;
      }
      for (auto [x, y, s0] : path) at[x][s0] = at[y][s0] = -1;
      for (auto [x, y, s0] : path) {
        int t = s0 == a ? b : a;
        at[x][t] = y;
        at[y][t] = x;
      }
    }
    at[c][a] = e;
    at[e][a] = c;
  }
  Rotation r;
  r.slots = slots;
  for (int s = 0; s < slots; ++s)
    for (int e = 0; e < g.employers; ++e)
      if (int c = at[e][s]; c >= 0) r.meetings.push_back(RotationMeeting{s, g.names[e], g.names[c]});
  return r;
}

std::string check_rotation(const std::vector<std::string>& employer_ids, const std::vector<RotationCandidate>& candidates,
                           const Rotation& rotation) {
  std::set<std::string> employers(employer_ids.begin(), employer_ids.end());
  std::set<std::pair<std::string, std::string>> wanted;  // (candidate, employer)
  for (const auto& c : candidates)
    for (const auto& e : c.employer_ids)
      if (employers.count(e)) wanted.emplace(c.id, e);
  std::set<std::pair<std::string, std::string>> met;
  std::set<std::pair<int, std::string>> busy;  // (slot, person)
  for (const auto& m : rotation.meetings) {
    std::string who = m.candidate_id + " and " + m.employer_id;
    if (m.slot < 0 || m.slot >= rotation.slots) return who + " meet in slot " + std::to_string(m.slot) + ", out of range";
    if (!wanted.count({m.candidate_id, m.employer_id})) return who + " meet but were not selected";
    if (!met.emplace(m.candidate_id, m.employer_id).second) return who + " meet twice";
    if (!busy.emplace(m.slot, "c:" + m.candidate_id).second)
      return m.candidate_id + " is in two meetings in slot " + std::to_string(m.slot);
    if (!busy.emplace(m.slot, "e:" + m.employer_id).second)
      return m.employer_id + " holds two meetings in slot " + std::to_string(m.slot);
  }
  for (const auto& [c, e] : wanted)
    if (!met.count({c, e})) return c + " never meets " + e;
  return "";
}

}  // namespace passerelle::activities
