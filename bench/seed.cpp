// Seeding the world the workloads run in. Accounts are made with `passerelle-server admin
// create` (the supported path, at the cheapest scrypt cost), signed in once each over the
// protocol for their tokens, and each candidate is put in their coach's caseload by the admin
// (caseload.assign opens the coaching thread), exactly as the dashboard would.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <sstream>

#include "bench.h"
#include "passerelle/shared/ids.h"

namespace passerelle::bench {
namespace json = boost::json;

namespace {

// This run's mark in its accounts' addresses: a second run against the same running server
// (--server) creates accounts of its own instead of failing on the first one's.
const std::string& run_tag() {
  static const std::string tag = [] {
    auto t = std::chrono::system_clock::now().time_since_epoch();
    std::ostringstream s;
    s << std::hex << std::chrono::duration_cast<std::chrono::milliseconds>(t).count() << ::getpid();
    return s.str();
  }();
  return tag;
}

Account account(const std::string& local, std::size_t i) {
  return Account{local + std::to_string(i) + "." + run_tag() + "@bench.passerelle.test",
                 "bench-password-" + std::to_string(i), "", ""};
}

}  // namespace

Status create_accounts(const ServerProcess& server, World& world, std::size_t pairs) {
  world.admin = account("admin", 0);
  if (auto st = server.create_user(world.admin.email, "Bench Admin", "admin", world.admin.password); !st) return st;
  auto make_pair = [&](std::size_t i) -> Result<Pair> {
    Pair p{account("candidate", i), account("coach", i), ""};
    if (auto st = server.create_user(p.candidate.email, "Candidate " + std::to_string(i), "candidate", p.candidate.password); !st)
      return st.error();
    if (auto st = server.create_user(p.coach.email, "Coach " + std::to_string(i), "coach", p.coach.password); !st)
      return st.error();
    return p;
  };
  for (std::size_t i = 0; i < pairs + 2; ++i) {
    auto p = make_pair(i);
    if (!p) return p.error();
    if (i == pairs) world.push_pair = std::move(*p);
    else if (i == pairs + 1) world.pull_pair = std::move(*p);
    else world.pairs.push_back(std::move(*p));
  }
  return Status::Ok();
}

Status sign_in_and_assign(Loop& loop, World& world) {
  std::vector<Account*> everyone{&world.admin, &world.push_pair.candidate, &world.push_pair.coach,
                                 &world.pull_pair.candidate, &world.pull_pair.coach};
  for (auto& p : world.pairs) {
    everyone.push_back(&p.candidate);
    everyone.push_back(&p.coach);
  }
  std::size_t done = 0, failed = 0;
  std::string why;
  for (std::size_t i = 0; i < everyone.size(); ++i) {
    Account* a = everyone[i];
    auto conn = std::make_shared<WsConn>(loop.io());
    conn->on_failure = [&](const std::string& what) { ++failed, why = what; };
    conn->connect(world.target.server, world.target.source_for(0), [&, conn, a] {
      conn->request("hello", {{"protocol", 1}}, [&, conn, a](const json::object&) {
        conn->request("auth.login", {{"email", a->email}, {"password", a->password}}, [&, conn, a](const json::object& r) {
          if (!answer_ok(r)) {
            ++failed, why = answer_error(r);
          } else {
            a->token = std::string(r.at("token").as_string());
            a->id = std::string(r.at("user").as_object().at("id").as_string());
            ++done;
          }
          conn->abort();
        });
      });
    });
  }
  if (!loop.run_until([&] { return done + failed == everyone.size(); }, std::chrono::seconds(120)))
    return Status(ErrorCode::internal, "sign-ins did not finish in time");
  if (failed) return Status(ErrorCode::internal, "sign-in failed: " + why);

  // The admin opens every coaching thread, 100 ops per push.
  std::vector<Pair*> all{&world.push_pair, &world.pull_pair};
  for (auto& p : world.pairs) all.push_back(&p);
  auto admin = std::make_shared<WsConn>(loop.io());
  bool ready = false;
  admin->on_failure = [&](const std::string& what) { ++failed, why = what; };
  admin->connect(world.target.server, world.target.source_for(0), [&] {
    admin->hello_resume(world.admin.token, [&](bool ok) { ok ? void(ready = true) : void(++failed); });
  });
  if (!loop.run_until([&] { return ready || failed; }, std::chrono::seconds(30)) || failed)
    return Status(ErrorCode::internal, "the admin could not resume: " + why);
  std::size_t answered = 0, pushes = 0;
  for (std::size_t start = 0; start < all.size(); start += 100) {
    json::array ops;
    for (std::size_t i = start; i < all.size() && i < start + 100; ++i) {
      all[i]->thread_id = new_id();
      ops.push_back(json::object{{"op_id", new_id()},
                                 {"name", "caseload.assign"},
                                 {"args", {{"candidate_id", all[i]->candidate.id},
                                           {"coach_id", all[i]->coach.id},
                                           {"thread_id", all[i]->thread_id}}}});
    }
    ++pushes;
    admin->request("push", {{"ops", std::move(ops)}}, [&](const json::object& r) {
      ++answered;
      if (!answer_ok(r)) {
        ++failed, why = answer_error(r);
        return;
      }
      for (const auto& res : r.at("results").as_array())
        if (res.as_object().at("status").as_string() != "applied") ++failed, why = json::serialize(res);
    });
  }
  if (!loop.run_until([&] { return answered == pushes || failed; }, std::chrono::seconds(60)) || failed)
    return Status(ErrorCode::internal, "caseload.assign failed: " + why);
  admin->abort();
  return Status::Ok();
}

}  // namespace passerelle::bench
