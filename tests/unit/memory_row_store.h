// An in-memory RowStore for testing mutators without a database. It records audiences like
// the server does, and can pretend to be a device (authoritative=false in the context).
#pragma once

#include <map>
#include <string>
#include <utility>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
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

  // Test helpers: a person's profile row as the server writes it at sign-up, and a mutator run
  // as someone (authoritative: as the server; false: as a device).
  void add_person(const std::string& id, protocol::Role role, const std::string& name) {
    protocol::UserInfo u{id, role, name + "@example.org", name, protocol::Locale::fr};
    put(sync::collection::profiles, id, sync::new_profile_row(u, now_utc()), {id});
  }
  Status run_as(const std::string& who, protocol::Role role, std::string_view name, const boost::json::object& args,
                bool authoritative = true) {
    sync::MutationContext ctx{sync::Actor{who, role}, *this, now_utc(), new_id(), authoritative,
                              authoritative ? files : nullptr};
    return sync::run_mutator(ctx, name, args);
  }

  static std::pair<std::string, std::string> key(std::string_view c, std::string_view id) {
    return {std::string(c), std::string(id)};
  }

  std::map<std::pair<std::string, std::string>, Row> rows;
  int writes = 0;
  sync::FileCatalog* files = nullptr;  // the server's uploads, for authoritative runs
};

}  // namespace passerelle::testing
