// Reading the frames a device receives most of, without building their JSON objects: a pull
// page's answer (its rows' `data` written out again as text while the parser reads them, one
// buffer per page) and a poke the device will not use the carried rows of. Both run Boost.JSON's
// own parser (the same checks and limits as protocol::parse_server_message), with a handler that
// keeps only what the device needs.
//
// They read only the usual case. Anything else (an error answer, a resync, a field of another
// type or given twice, an escape where a plain name is expected) gives nullopt, and the caller
// reads the frame as before (parse_server_message, pull_page_from_json): the same checks, the
// same error messages, so this is a shortcut, never a second set of rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sync/pulled_page.h"

namespace passerelle::client {

struct PullAnswer {
  std::int64_t re = 0;  // the request this answers
  PulledPage page;
};

// A successful answer to a pull that is not a resync: {"re":N,"ok":true,"changes":[...],...}.
// Each row's data is written as json::serialize would write the object parsed from it.
std::optional<PullAnswer> read_pull_answer(std::string_view frame);

// An event's type ({"type":"poke",...} gives "poke") without reading the rest into objects;
// nullopt for an answer (it has "re") or anything unusual.
std::optional<std::string> read_event_type(std::string_view frame);

// Whether protocol::parse_server_message reads the frame, answered for the usual frames (a
// successful answer, an event) by a pass that builds no object. (The web binding checked every
// frame with it; the engine now says which frame it could not read,
// SyncMachine::last_frame_unreadable, so no host reads a page twice.)
bool server_message_readable(std::string_view frame);

}  // namespace passerelle::client
