#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>

#include "memory_row_store.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/sync/wire.h"

using namespace passerelle;
using namespace passerelle::sync;
using passerelle::protocol::Role;
using passerelle::testing::MemoryRowStore;
namespace json = boost::json;

namespace {

struct World {
  MemoryRowStore store;
  std::string admin = new_id(), coach = new_id(), coach2 = new_id(), cand = new_id(), cand2 = new_id();

  World() {
    add(admin, Role::admin, "Ada Admin");
    add(coach, Role::coach, "Claire Coach");
    add(coach2, Role::coach, "Karim Coach");
    add(cand, Role::candidate, "Amina Benali");
    add(cand2, Role::candidate, "Juan Pérez");
  }
  void add(const std::string& id, Role role, const std::string& name) { store.add_person(id, role, name); }
  Status run(const std::string& who, Role role, std::string_view name, const json::object& args) {
    return store.run_as(who, role, name, args);
  }
  std::string assign(const std::string& candidate, const std::string& to) {
    std::string thread = new_id();
    auto st = run(admin, Role::admin, "caseload.assign",
                  {{"candidate_id", candidate}, {"coach_id", to}, {"thread_id", thread}});
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    return thread;
  }
  bool sees(const std::string& user, std::string_view c, const std::string& id) {
    auto a = store.audience(c, id);
    return std::find(a.begin(), a.end(), user) != a.end();
  }
};

}  // namespace

TEST(Mutators, RegistryKnowsEveryMutatorOnce) {
  std::vector<std::string> names;
  for (const auto& m : all_mutators()) names.emplace_back(m.name);
  for (const char* n : {"profile.update", "caseload.assign", "message.send", "message.delete"})
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
  World w;
  auto st = w.run(w.cand, Role::candidate, "nope.nothing", {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::bad_request);
  EXPECT_EQ(st.error().message, "unknown mutator 'nope.nothing'");
}

TEST(ProfileUpdate, ChangesOnlyNamedFieldsAndKeepsAudience) {
  World w;
  w.assign(w.cand, w.coach);
  auto st = w.run(w.cand, Role::candidate, "profile.update",
                  {{"time_zone", "Africa/Casablanca"}, {"country", "MA"}, {"planned_arrival", "2027-05-01"}});
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto row = *w.store.get(collection::profiles, w.cand);
  EXPECT_EQ(row.at("time_zone").as_string(), "Africa/Casablanca");
  EXPECT_EQ(row.at("name").as_string(), "Amina Benali");
  EXPECT_TRUE(w.sees(w.coach, collection::profiles, w.cand));
  EXPECT_TRUE(w.sees(w.cand, collection::profiles, w.cand));
}

TEST(ProfileUpdate, ValidationNamesTheField) {
  World w;
  auto bad = [&](json::object args) {
    auto st = w.run(w.cand, Role::candidate, "profile.update", args);
    EXPECT_FALSE(st.ok());
    return st.ok() ? std::string() : st.error().message;
  };
  EXPECT_EQ(bad({{"time_zone", "Mars/Base"}}),
            "field 'args.time_zone' must be an IANA time zone such as \"America/Toronto\"");
  EXPECT_EQ(bad({{"country", "Maroc"}}), "field 'args.country' must be an ISO 3166 alpha-2 code such as \"MA\"");
  EXPECT_EQ(bad({{"planned_arrival", "2027-02-30"}}), "field 'args.planned_arrival' must be a date YYYY-MM-DD");
  EXPECT_EQ(bad({{"name", "   "}}), "field 'args.name' must not be empty");
  EXPECT_EQ(bad({{"name", 12}}), "field 'args.name' must be a string, got number");
  EXPECT_EQ(bad({}), "profile.update needs at least one field to change");
  EXPECT_EQ(bad({{"bio", std::string("\xff\xfe", 2)}}), "field 'args.bio' must be valid UTF-8");
}

TEST(ProfileUpdate, DeviceWithoutTheRowDefersToServer) {
  MemoryRowStore empty;
  MutationContext device{Actor{new_id(), Role::candidate}, empty, now_utc(), new_id(), false};
  EXPECT_TRUE(run_mutator(device, "profile.update", {{"name", "X"}}).ok());
  EXPECT_EQ(empty.writes, 0);
  MutationContext server{Actor{new_id(), Role::candidate}, empty, now_utc(), new_id(), true};
  EXPECT_EQ(run_mutator(server, "profile.update", {{"name", "X"}}).error().code, ErrorCode::not_found);
}

TEST(CaseloadAssign, OpensThreadAndSharesProfiles) {
  World w;
  std::string thread = w.assign(w.cand, w.coach);
  auto t = w.store.get(collection::threads, thread);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->at("kind").as_string(), "coaching");
  EXPECT_TRUE(w.sees(w.cand, collection::threads, thread));
  EXPECT_TRUE(w.sees(w.coach, collection::threads, thread));
  EXPECT_FALSE(w.sees(w.cand2, collection::threads, thread));
  EXPECT_TRUE(w.sees(w.coach, collection::profiles, w.cand));
  EXPECT_TRUE(w.sees(w.cand, collection::profiles, w.coach));
  EXPECT_FALSE(w.sees(w.coach2, collection::profiles, w.cand));
  EXPECT_EQ(w.store.get(collection::profiles, w.cand)->at("coach_id").as_string(), w.coach);
}

TEST(CaseloadAssign, WhoMayAssign) {
  World w;
  auto args = [&](const std::string& coach) {
    return json::object{{"candidate_id", w.cand}, {"coach_id", coach}, {"thread_id", new_id()}};
  };
  EXPECT_EQ(w.run(w.cand, Role::candidate, "caseload.assign", args(w.coach)).error().code, ErrorCode::forbidden);
  EXPECT_EQ(w.run(w.coach, Role::coach, "caseload.assign", args(w.coach2)).error().code, ErrorCode::forbidden);
  EXPECT_TRUE(w.run(w.coach, Role::coach, "caseload.assign", args(w.coach)).ok());
  // Taken: another coach cannot take the candidate (answered like an unknown id); the same
  // coach again is a no-op.
  EXPECT_EQ(w.run(w.coach2, Role::coach, "caseload.assign", args(w.coach2)).error().code, ErrorCode::not_found);
  int before = w.store.writes;
  EXPECT_TRUE(w.run(w.coach, Role::coach, "caseload.assign", args(w.coach)).ok());
  EXPECT_EQ(w.store.writes, before);
}

TEST(CaseloadAssign, ReassignRevokesFormerCoach) {
  World w;
  std::string first = w.assign(w.cand, w.coach);
  w.assign(w.cand, w.coach2);
  EXPECT_FALSE(w.sees(w.coach, collection::profiles, w.cand));
  EXPECT_TRUE(w.sees(w.coach2, collection::profiles, w.cand));
  EXPECT_FALSE(w.sees(w.cand, collection::profiles, w.coach));
  EXPECT_TRUE(w.sees(w.coach, collection::threads, first));  // history stays with its members
}

TEST(CaseloadAssign, RefusesUnknownPeopleOnTheServer) {
  World w;
  auto st = w.run(w.admin, Role::admin, "caseload.assign",
                  {{"candidate_id", w.coach}, {"coach_id", w.coach2}, {"thread_id", new_id()}});
  EXPECT_EQ(st.error().code, ErrorCode::not_found);
  st = w.run(w.admin, Role::admin, "caseload.assign",
             {{"candidate_id", w.cand}, {"coach_id", "not-a-uuid"}, {"thread_id", new_id()}});
  EXPECT_EQ(st.error().message, "field 'args.coach_id' must be a UUID");
}

TEST(MessageSend, MembersOnlyAndValidated) {
  World w;
  std::string thread = w.assign(w.cand, w.coach);
  std::string id = new_id();
  auto st = w.run(w.cand, Role::candidate, "message.send",
                  {{"id", id}, {"thread_id", thread}, {"body", "Bonjour, j'ai une question sur mon CSQ."},
                   {"written_at", "2026-11-28T10:00:00+01:00"}});
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto msg = *w.store.get(collection::messages, id);
  EXPECT_EQ(msg.at("author_id").as_string(), w.cand);
  EXPECT_EQ(msg.at("written_at").as_string(), "2026-11-28T09:00:00.000Z");
  EXPECT_TRUE(w.sees(w.coach, collection::messages, id));
  EXPECT_FALSE(w.sees(w.coach2, collection::messages, id));

  EXPECT_EQ(w.run(w.cand2, Role::candidate, "message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "hi"}})
                .error().code, ErrorCode::not_found);
  EXPECT_EQ(w.run(w.cand, Role::candidate, "message.send", {{"id", id}, {"thread_id", thread}, {"body", "again"}})
                .error().code, ErrorCode::conflict);
  EXPECT_EQ(w.run(w.cand, Role::candidate, "message.send", {{"id", new_id()}, {"thread_id", new_id()}, {"body", "x"}})
                .error().code, ErrorCode::not_found);
  auto bad = [&](const std::string& body) {
    return w.run(w.cand, Role::candidate, "message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", body}})
        .error().message;
  };
  EXPECT_EQ(bad("  \n "), "field 'args.body' must not be empty");
  EXPECT_EQ(bad(std::string("caf\xc3", 4)), "field 'args.body' must be valid UTF-8");
  EXPECT_EQ(bad(std::string(kMaxMessageBytes + 1, 'a')), "field 'args.body' is longer than 8192 bytes");
}

TEST(MessageDelete, OnlyTheAuthor) {
  World w;
  std::string thread = w.assign(w.cand, w.coach);
  std::string id = new_id();
  ASSERT_TRUE(w.run(w.cand, Role::candidate, "message.send", {{"id", id}, {"thread_id", thread}, {"body", "oops"}}).ok());
  EXPECT_EQ(w.run(w.coach, Role::coach, "message.delete", {{"id", id}}).error().code, ErrorCode::forbidden);
  EXPECT_TRUE(w.run(w.cand, Role::candidate, "message.delete", {{"id", id}}).ok());
  EXPECT_FALSE(w.store.get(collection::messages, id));
  EXPECT_EQ(w.run(w.cand, Role::candidate, "message.delete", {{"id", id}}).error().code, ErrorCode::not_found);
}

TEST(Wire, OpsResultsAndPagesRoundTrip) {
  Op op{new_id(), "message.send", {{"body", "x"}}};
  auto back = op_from_json(to_json(op));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->op_id, op.op_id);
  EXPECT_EQ(op_from_json(json::parse(R"({"op_id":"x","name":"a","args":{}})"), "ops[0]").error().message,
            "field 'ops[0].op_id' must be a UUID");

  OpResult r{op.op_id, OpStatus::rejected, Error{ErrorCode::forbidden, "no"}};
  auto rb = op_result_from_json(to_json(r));
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ(rb->status, OpStatus::rejected);
  EXPECT_EQ(rb->error->code, ErrorCode::forbidden);

  PullPage p;
  p.changes.push_back(Change{"messages", new_id(), 7, false, {{"body", "x"}}});
  p.changes.push_back(Change{"messages", new_id(), 8, true, {}});
  p.cursor = 8;
  p.more = true;
  p.epoch = new_id();
  auto pb = pull_page_from_json(to_json(p));
  ASSERT_TRUE(pb.ok());
  ASSERT_EQ(pb->changes.size(), 2u);
  EXPECT_TRUE(pb->changes[1].deleted);
  EXPECT_EQ(pb->cursor, 8);
  EXPECT_TRUE(pb->more);
  EXPECT_EQ(pb->changes[0].data, (json::object{{"body", "x"}}));

  // A page read from a caller's copy leaves it whole; one handed over gives its rows up (moved,
  // not copied: the browser's first sync) and reads the same.
  const json::object answer = to_json(p);
  auto from_copy = pull_page_from_json(answer);
  ASSERT_TRUE(from_copy.ok());
  EXPECT_EQ(answer, to_json(p));
  json::object handed = to_json(p);
  auto from_handed = pull_page_from_json(std::move(handed));
  ASSERT_TRUE(from_handed.ok());
  EXPECT_EQ(to_json(*from_handed), to_json(*from_copy));
  EXPECT_EQ(from_handed->changes[0].data, (json::object{{"body", "x"}}));
  // The moving reader checks what the copying one did, naming the field.
  auto bad = pull_page_from_json(json::parse(R"({"cursor":1,"changes":[{"collection":"messages","id":"a","seq":1,"data":[]}]})").as_object());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "field 'changes[0].data' must be an object, got array");
}
