#include "passerelle/shared/mentors/profiles.h"

#include <algorithm>
#include <set>

#include "passerelle/shared/sync/collections.h"

namespace passerelle::mentors {
namespace json = boost::json;

int level_rank(std::string_view level) {
  static const char* kLevels[] = {"A1", "A2", "B1", "B2", "C1", "C2", "native"};
  for (int i = 0; i < 7; ++i)
    if (level == kLevels[i]) return i;
  return -1;
}

bool is_working_level(std::string_view level) { return level_rank(level) >= level_rank("B2"); }

std::vector<Language> languages_field(JsonReader& in, std::string_view key) {
  std::vector<Language> out;
  const json::array& items = in.array(key);
  if (!in.ok()) return out;
  if (items.empty() || items.size() > 10) {
    in.fail(key, "must hold 1 to 10 languages");
    return out;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string name = std::string(key) + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) {
      in.fail(name, "must be an object {code, level}");
      return out;
    }
    JsonReader item(items[i].get_object());
    Language l{item.string("code"), item.string("level")};
    if (!item.ok()) {
      in.fail(name, item.status().error().message);
      return out;
    }
    if (l.code.size() != 2 || !std::all_of(l.code.begin(), l.code.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      in.fail(name + ".code", "must be an ISO 639-1 code such as \"fr\"");
      return out;
    }
    if (level_rank(l.level) < 0) {
      in.fail(name + ".level", "must be A1, A2, B1, B2, C1, C2 or native");
      return out;
    }
    if (!seen.insert(l.code).second) {
      in.fail(name + ".code", "is listed twice");
      return out;
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<Language> languages_of(const json::object& row, std::string_view key) {
  std::vector<Language> out;
  auto* v = row.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) continue;
    auto* c = e.get_object().if_contains("code");
    auto* l = e.get_object().if_contains("level");
    if (c && l && c->is_string() && l->is_string()) out.push_back({std::string(c->get_string()), std::string(l->get_string())});
  }
  return out;
}

json::array to_json(const std::vector<Language>& languages) {
  json::array a;
  for (const auto& l : languages) a.push_back(json::object{{"code", l.code}, {"level", l.level}});
  return a;
}

std::vector<std::string> shared_working_languages(const std::vector<Language>& a, const std::vector<Language>& b) {
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (!is_working_level(x.level)) continue;
    for (const auto& y : b)
      if (y.code == x.code && is_working_level(y.level)) out.push_back(x.code);
  }
  return out;
}

bool is_noc_code(std::string_view code) {
  return code.size() == 5 && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> career_audience(const std::string& candidate_id, const std::string& coach_id) {
  std::vector<std::string> audience{candidate_id};
  if (!coach_id.empty() && coach_id != candidate_id) audience.push_back(coach_id);
  audience.push_back(passerelle::sync::role_audience(protocol::Role::admin));
  return audience;
}

bool is_immigration_stage(std::string_view stage) {
  for (const char* s : kImmigrationStages)
    if (stage == s) return true;
  return false;
}

std::vector<std::string> keywords(std::string_view text) {
  static const std::set<std::string> kStop = {"with", "from", "dans", "pour", "avec", "des", "les", "and",
                                              "the",  "senior", "junior", "chez", "that", "this"};
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (word.size() >= 4 && !kStop.count(word) && std::find(out.begin(), out.end(), word) == out.end())
      out.push_back(word);
    word.clear();
  };
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || c >= 0x80) word += static_cast<char>(c);
    else if (c >= 'A' && c <= 'Z') word += static_cast<char>(c - 'A' + 'a');
    else flush();
  }
  flush();
  return out;
}

}  // namespace passerelle::mentors
