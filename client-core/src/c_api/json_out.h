// The JSON shapes the C API hands out (passerelle.h documents each one). Written once here so
// the C functions and the observer callbacks describe a status or a rejection identically.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <vector>

#include "passerelle/client.h"

namespace passerelle::capi {

boost::json::object to_json(const client::Failure& failure);
boost::json::object to_json(const client::SyncStatus& status);
boost::json::object to_json(const client::Rejection& rejection);
boost::json::object to_json(const client::SyncSummary& summary);
boost::json::object to_json(const client::Account& account);
boost::json::object to_json(const client::LogoutResult& result);
boost::json::array to_json(const std::vector<client::SessionInfo>& sessions);
boost::json::array to_json(const client::ChangedRows& rows);
boost::json::array to_json(const std::vector<client::Rejection>& rejections);
// A message: its row's fields plus author_name, mine, state, n, sent_at, written_at and
// attachments [{sha256, name, size, type, on_device}] (computed on the device).
boost::json::object to_json(const client::MessageView& message);
// A thread: its row's fields plus title, unread, message_count, last_activity, last_message.
boost::json::object to_json(const client::ThreadSummary& thread);

}  // namespace passerelle::capi
