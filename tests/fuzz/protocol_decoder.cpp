// Fuzz target: the protocol decoder both sides run on every frame (shared/protocol.h and
// shared/sync/wire.h). Any bytes: no crash, no exception; what decodes re-encodes to a frame
// that decodes to the same thing; an error answer for a frame always parses back as that error.
#include <boost/json/serialize.hpp>

#include "fuzz_target.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/wire.h"

namespace passerelle::fuzz {
namespace json = boost::json;

namespace {

void request_round_trip(std::string_view input) {
  std::optional<std::int64_t> id_seen;
  auto req = protocol::parse_request(input, &id_seen);
  if (!req) {
    // The server answers a frame it cannot read with this; the client must read it back.
    auto answer = protocol::parse_server_message(protocol::serialize_error(id_seen, req.error()));
    check(answer.ok(), "an error answer does not parse: " + (answer ? "" : answer.error().message));
    check(answer->re == id_seen, "the error answer lost the request id");
    check(answer->error && *answer->error == req.error(), "the error answer lost the error");
    return;
  }
  check(id_seen && *id_seen == req->id, "id_seen differs from the request id");
  check(!req->type.empty(), "a request decoded with an empty type");
  json::object fields = req->body;
  fields.erase("id");
  fields.erase("type");
  auto again = protocol::parse_request(protocol::serialize_request(req->id, req->type, fields));
  check(again.ok(), "a re-encoded request does not decode");
  check(again->id == req->id && again->type == req->type, "a re-encoded request changed its id or type");
  check(again->body == req->body, "a re-encoded request changed its fields");
  auto ok = protocol::parse_server_message(protocol::serialize_ok(req->id, fields));
  check(ok.ok() && ok->re == req->id && ok->ok, "an ok answer does not parse back");
}

void wire_round_trips(const json::value& v) {
  if (auto op = sync::op_from_json(v)) {
    auto again = sync::op_from_json(sync::to_json(*op));
    check(again.ok() && again->op_id == op->op_id && again->name == op->name && again->args == op->args,
          "an op does not survive encoding");
  }
  if (auto r = sync::op_result_from_json(v)) {
    auto again = sync::op_result_from_json(sync::to_json(*r));
    check(again.ok() && again->op_id == r->op_id && again->status == r->status && again->error == r->error,
          "an op result does not survive encoding");
  }
  if (auto c = sync::change_from_json(v)) {
    auto again = sync::change_from_json(sync::to_json(*c));
    check(again.ok() && again->collection == c->collection && again->id == c->id && again->seq == c->seq &&
              again->deleted == c->deleted && again->data == c->data,
          "a change does not survive encoding");
  }
  if (v.is_object()) {
    if (auto p = sync::pull_page_from_json(v.get_object())) {
      auto again = sync::pull_page_from_json(sync::to_json(*p));
      check(again.ok(), "a pull page does not survive encoding: " + (again ? "" : again.error().message));
      check(again->changes.size() == p->changes.size() && again->cursor == p->cursor && again->more == p->more &&
                again->resync == p->resync && again->epoch == p->epoch && again->horizon == p->horizon,
            "a pull page changed in encoding");
    }
  }
  protocol::user_from_json(v).ok();
}

}  // namespace

void protocol_decoder(std::string_view input) {
  request_round_trip(input);
  auto message = protocol::parse_server_message(input);
  if (message && message->error) check(!message->ok, "an answer is both ok and an error");
  auto v = parse_json(input);
  if (!v) return;
  wire_round_trips(*v);
  // The same decoders on every member and element: ops inside a push, changes inside a page.
  if (v->is_object())
    for (const auto& kv : v->get_object()) {
      wire_round_trips(kv.value());
      if (kv.value().is_array())
        for (const auto& e : kv.value().get_array()) wire_round_trips(e);
    }
}

}  // namespace passerelle::fuzz

PASSERELLE_FUZZ_TARGET(protocol_decoder)
