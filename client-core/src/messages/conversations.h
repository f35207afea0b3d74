// Threads and messages as people see them, built from the replicated rows on this device
// (docs/messages.md, "On the device"): order by the server's numbers, the author's state of
// each message (queued, sent, delivered, read), unread counts, and the receipts the device
// writes (delivered after a pull, read when a thread is opened).
//
// The pure builders take rows and answer views, for unit tests; the load_* functions read
// them from the SyncStore (the caller holds the store mutex).
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/message_types.h"
#include "passerelle/shared/error.h"
#include "sync/sync_store.h"

namespace passerelle::client::files {
class FileStore;
}

namespace passerelle::client::conversations {

// A message row and whether the server has accepted it (the row came from the server, or its
// op was answered and the pull that brings it back is still to come).
struct StoredMessage {
  boost::json::object row;
  bool confirmed = false;
};

using NameOf = std::function<std::string(const std::string& user_id)>;
using HasFile = std::function<bool(const std::string& sha256)>;

// A thread's messages in the order everyone shows: confirmed ones by their server number,
// then the queued ones by their provisional number (they go after whatever the server
// numbers meanwhile).
std::vector<MessageView> message_views(const boost::json::object& thread, const std::vector<StoredMessage>& messages,
                                       const std::vector<boost::json::object>& receipts, std::string_view me,
                                       const NameOf& name_of, const HasFile& has_file);

// A thread's line in a list. `views` as message_views() returns them.
ThreadSummary thread_summary(const boost::json::object& thread, const std::vector<MessageView>& views,
                             const std::vector<boost::json::object>& receipts, std::string_view me,
                             const NameOf& name_of);

// --- from the store -------------------------------------------------------------------------------

// Every thread on this device, most recent activity first.
Result<std::vector<ThreadSummary>> load_threads(SyncStore& store, const files::FileStore* files);
// One thread's messages; not_found when the thread is not on this device.
Result<std::vector<MessageView>> load_messages(SyncStore& store, const files::FileStore* files,
                                               std::string_view thread_id);
// The receipt.update args that mark `thread_id` read up to the last message of others, or
// nullopt when the read mark is already there. not_found when the thread is not here.
Result<std::optional<boost::json::object>> read_receipt(SyncStore& store, std::string_view thread_id);
// Queues receipt.update {delivered_n} for each thread in `thread_ids` whose newest message
// from others is above this user's delivered mark. Marks only go up, and a receipt moves no
// mark but this user's, so pulling a receipt back never queues another: no loop. Returns how
// many were queued.
Result<std::size_t> queue_delivery_receipts(SyncStore& store, const std::set<std::string>& thread_ids,
                                            ChangedRows* changed);

}  // namespace passerelle::client::conversations
