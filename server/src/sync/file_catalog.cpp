#include "sync/file_catalog.h"

#include <soci/soci.h>

namespace passerelle::server::sync {

bool record_upload(soci::session& sql, const std::string& sha256, std::int64_t size, const std::string& type,
                   const std::string& user_id, Timestamp now) {
  long long sz = size, at = to_unix_ms(now);
  std::string inserted;
  soci::indicator ind = soci::i_null;
  sql << "INSERT INTO files (sha256, size, type, created_at_ms) VALUES (:h, :s, :t, :a)"
         " ON CONFLICT DO NOTHING RETURNING sha256",
      soci::use(sha256), soci::use(sz), soci::use(type), soci::use(at), soci::into(inserted, ind);
  bool is_new = sql.got_data() && ind == soci::i_ok;
  sql << "INSERT INTO file_owners (sha256, user_id, created_at_ms) VALUES (:h, :u, :a) ON CONFLICT DO NOTHING",
      soci::use(sha256), soci::use(user_id), soci::use(at);
  return is_new;
}

std::optional<passerelle::sync::FileInfo> readable_file(soci::session& sql, const std::string& sha256,
                                                        const std::string& user_id, const std::string& group) {
  long long size = 0;
  std::string type;
  sql << "SELECT f.size, f.type FROM files f WHERE f.sha256 = :h AND ("
         " EXISTS (SELECT 1 FROM file_owners o WHERE o.sha256 = f.sha256 AND o.user_id = :u)"
         " OR EXISTS (SELECT 1 FROM file_refs r JOIN sync_readable a"
         "  ON a.collection = r.collection AND a.row_id = r.row_id"
         "  WHERE r.sha256 = f.sha256 AND a.visible = 1 AND (a.user_id = :u2 OR a.user_id = :g)))",
      soci::use(sha256), soci::use(user_id), soci::use(user_id), soci::use(group), soci::into(size), soci::into(type);
  if (!sql.got_data()) return std::nullopt;
  return passerelle::sync::FileInfo{size, type};
}

}  // namespace passerelle::server::sync
