// An in-memory RowStore for testing mutators without a database. It records audiences like
// the server does, and can pretend to be a device (authoritative=false in the context).
#pragma once

#include <map>
#include <string>
#include <utility>

#include "passerelle/shared/sync/mutator.h"

namespace passerelle::testing {

class MemoryRowStore : public sync::RowStore {
 public:
  struct Row {
    boost::json::object data;
    std::vector<std::string> audience;
  };

  std::optional<boost::json::object> get(std::string_view c, std::string_view id) override {
    auto it = rows.find(key(c, id));
    if (it == rows.end()) return std::nullopt;
    return it->second.data;
  }
  void put(std::string_view c, std::string_view id, const boost::json::object& data,
           const std::vector<std::string>& audience) override {
    rows[key(c, id)] = Row{data, audience};
    ++writes;
  }
  void remove(std::string_view c, std::string_view id) override {
    rows.erase(key(c, id));
    ++writes;
  }
  std::vector<std::string> audience(std::string_view c, std::string_view id) override {
    auto it = rows.find(key(c, id));
    return it == rows.end() ? std::vector<std::string>{} : it->second.audience;
  }

  static std::pair<std::string, std::string> key(std::string_view c, std::string_view id) {
    return {std::string(c), std::string(id)};
  }

  std::map<std::pair<std::string, std::string>, Row> rows;
  int writes = 0;
};

}  // namespace passerelle::testing
