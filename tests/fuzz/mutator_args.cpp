// Fuzz target: mutator argument decoding and the mutators themselves (shared/sync/mutator.h),
// run as the server and as a device against an in-memory row store holding a small program
// (tests/unit/memory_row_store.h). The input is a JSON object:
//
//   {"ops": [{"as": "cand", "name": "message.send", "args": {...}, "device": false}, ...]}
//
// "as" is one of the people below (fixed ids, so seeds can name rows), "name" may also be a
// number (an index into the registry, so the fuzzer reaches every mutator). Invariants: no
// crash or exception; a mutator whose args do not validate rejects with the same error (or
// not_found, for an object the actor cannot see) and writes nothing; every row written is JSON
// that serializes.
#include <boost/json/serialize.hpp>

#include "../unit/memory_row_store.h"
#include "fixed_people.h"
#include "fuzz_target.h"
#include "passerelle/shared/json_reader.h"

namespace passerelle::fuzz {
namespace json = boost::json;
using protocol::Role;

namespace {

constexpr const char* kCoachingThread = "01890000-0000-7000-8000-0000000000a1";
constexpr const char* kMentorship = "01890000-0000-7000-8000-0000000000b1";
constexpr const char* kMentorshipThread = "01890000-0000-7000-8000-0000000000b2";

Timestamp fixed_now() { return *parse_rfc3339("2027-03-01T12:00:00Z"); }

Status run(testing::MemoryRowStore& store, const Person& who, std::string_view name, const json::object& args,
           bool authoritative) {
  sync::MutationContext ctx{sync::Actor{who.id, who.role}, store, fixed_now(),
                            "01890000-0000-7000-8000-00000000f000", authoritative};
  return sync::run_mutator(ctx, name, args);
}

// The program every input starts from: people, a coaching thread, an active mentorship.
void seed(testing::MemoryRowStore& store) {
  for (const auto& p : kPeople) store.add_person(p.id, p.role, p.key);
  auto must = [](const Status& st, const char* what) { check(st.ok(), std::string("seeding ") + what + " failed: " + (st.ok() ? "" : st.error().message));
  };
  must(run(store, person("admin"), "caseload.assign",
           {{"candidate_id", person("cand").id}, {"coach_id", person("coach").id}, {"thread_id", kCoachingThread}},
           true),
       "caseload.assign");
  must(run(store, person("cand"), "career.update",
           {{"occupation_code", "21231"}, {"time_zone", "Africa/Casablanca"}, {"country", "MA"},
            {"languages", json::array{json::object{{"code", "fr"}, {"level", "C1"}}}}},
           true),
       "career.update");
  must(run(store, person("mentor"), "mentor.update",
           {{"occupation_code", "21231"}, {"time_zone", "America/Toronto"}, {"capacity", 2},
            {"languages", json::array{json::object{{"code", "fr"}, {"level", "native"}}}}},
           true),
       "mentor.update");
  must(run(store, person("mentor"), "availability.set",
           {{"availability",
             json::object{{"time_zone", "America/Toronto"},
                          {"weekly", json::array{json::object{{"weekday", 2}, {"start", "18:00"}, {"end", "21:00"}}}}}}},
           true),
       "availability.set");
  must(run(store, person("coach"), "mentorship.propose",
           {{"id", kMentorship}, {"candidate_id", person("cand").id}, {"mentor_id", person("mentor").id}}, true),
       "mentorship.propose");
  must(run(store, person("mentor"), "mentorship.respond",
           {{"id", kMentorship}, {"accept", true}, {"thread_id", kMentorshipThread}}, true),
       "mentorship.respond");
}

std::string mutator_name(const json::value& v) {
  const auto& all = sync::all_mutators();
  if (v.is_int64()) return std::string(all[static_cast<std::uint64_t>(v.as_int64()) % all.size()].name);
  if (v.is_string()) return std::string(v.as_string());
  return {};
}

}  // namespace

void mutator_args(std::string_view input) {
  auto parsed = parse_json(input);
  if (!parsed || !parsed->is_object()) return;
  const json::object& in = parsed->get_object();
  const json::value* ops = in.if_contains("ops");
  if (!ops || !ops->is_array()) return;

  testing::MemoryRowStore store;
  seed(store);
  for (const auto& op : ops->get_array()) {
    if (!op.is_object()) continue;
    const json::object& o = op.get_object();
    const json::value* as = o.if_contains("as");
    const Person& who = person(as && as->is_string() ? std::string_view(as->get_string()) : "cand");
    std::string name = mutator_name(o.contains("name") ? o.at("name") : json::value());
    const json::value* args_value = o.if_contains("args");
    json::object args = args_value && args_value->is_object() ? args_value->get_object() : json::object{};
    const json::value* device = o.if_contains("device");
    bool authoritative = !(device && device->is_bool() && device->get_bool());

    const sync::Mutator* m = sync::find_mutator(name);
    std::optional<Status> valid;
    if (m) valid = m->validate(args);
    int writes_before = store.writes;
    auto before = store.rows;
    Status st = run(store, who, name, args, authoritative);
    if (!m) {
      check(!st.ok() && st.error().code == ErrorCode::bad_request, "an unknown mutator was not refused");
    } else if (!*valid) {
      // The registry's gate may answer not_found first: an object the actor cannot see looks
      // like one that does not exist, whatever the rest of the args hold.
      check(!st.ok() && (st.error() == valid->error() || st.error().code == ErrorCode::not_found),
            name + ": args that do not validate were not refused with the validation error");
      check(store.writes == writes_before, name + ": args that do not validate wrote rows");
    }
    // Like the push transaction: a rejected op leaves the rows as they were.
    if (!st.ok()) store.rows = std::move(before);
    for (const auto& [key, row] : store.rows) {
      check(!key.first.empty() && !key.second.empty(), name + ": a row was written with an empty collection or id");
      json::serialize(row.data);
    }
  }
}

}  // namespace passerelle::fuzz

PASSERELLE_FUZZ_TARGET(mutator_args)
