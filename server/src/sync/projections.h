// Server-only indexes over replicated rows, kept in the same transaction as the row write
// (ChangeLog::put/remove call them), so they are never out of step with the rows:
//  - file_refs: which rows refer to which uploaded file; reading such a row is what allows
//    downloading the file (GET /v1/blobs/<sha256>).
//  - message_inbox: per recipient, the messages they have not read yet; the e-mail digest
//    reads it (docs/messages.md). A message enters it for every thread member but its author
//    and leaves it when the member's read mark passes it or the message is deleted.
// Tables: files_schema.h.
#pragma once

#include <boost/json/object.hpp>
#include <soci/session.h>

#include <string_view>

#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::sync {

void project_put(soci::session& sql, passerelle::sync::RowStore& rows, std::string_view collection,
                 std::string_view id, const boost::json::object& row, Timestamp now);
void project_remove(soci::session& sql, std::string_view collection, std::string_view id);

}  // namespace passerelle::server::sync
