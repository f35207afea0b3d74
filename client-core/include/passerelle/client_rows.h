// The native Client's local view as the LocalRows the shared views read (local_views.h).
#pragma once

#include "passerelle/client.h"
#include "passerelle/local_views.h"

namespace passerelle::client {

class ClientRows final : public LocalRows {
 public:
  explicit ClientRows(Client& client) : client_(client) {}
  Outcome<std::optional<boost::json::object>> get(std::string_view collection, std::string_view id) override {
    return client_.get(collection, id);
  }
  Outcome<std::vector<boost::json::object>> list(std::string_view collection, std::string_view field,
                                                 std::string_view value) override {
    return client_.list(collection, field, value);
  }

 private:
  Client& client_;
};

}  // namespace passerelle::client
