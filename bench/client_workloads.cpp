// push and pull through the client core library (libpasserelle_client), as a device runs them.
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "bench.h"
#include "passerelle/client.h"
#include "passerelle/shared/ids.h"

namespace passerelle::bench {
namespace json = boost::json;
using passerelle::client::Client;
using passerelle::client::ClientOptions;

namespace {

std::string failure_text(const client::Failure& f) { return f.message(); }

}  // namespace

// push: one device signs in and pulls (so it knows its thread), queues push_ops messages while
// it is not syncing (as offline), then one sync round sends them, 100 per push; the time is from
// the start of that round to the answer of the last op.
json::object run_push(Loop&, const World& world, const Options& o) {
  TempDir dir;
  ClientOptions opts;
  opts.data_dir = dir.path() + "/device";
  opts.server_url = world.url;
  auto opened = Client::open(opts);
  if (!opened) return {{"errors", 1}, {"first_error", failure_text(opened.failure())}};
  auto& client = *opened;
  const Account& me = world.push_pair.candidate;
  if (auto u = client->login(me.email, me.password); !u) return {{"errors", 1}, {"first_error", failure_text(u.failure())}};
  if (auto s = client->sync_once(std::chrono::seconds(60)); !s) return {{"errors", 1}, {"first_error", failure_text(s.failure())}};

  std::uint64_t errors = 0;
  std::string first_error;
  auto queue_start = Clock::now();
  for (std::size_t i = 0; i < o.push_ops; ++i) {
    auto op = client->mutate("message.send", {{"id", new_id()}, {"thread_id", world.push_pair.thread_id},
                                              {"body", message_body(o.body_bytes, i)}});
    if (!op) {
      if (first_error.empty()) first_error = failure_text(op.failure());
      ++errors;
    }
  }
  double queue_seconds = seconds_since(queue_start);
  Clock::time_point last_ack{};
  auto start = Clock::now();
  Progress progress(o, "push", [&] { return std::string("syncing"); });
  auto summary = client->sync_once(std::chrono::seconds(120), [&](const client::SyncProgress& p) {
    if (!p.pulling && p.pushed >= o.push_ops && last_ack == Clock::time_point{}) last_ack = Clock::now();
  });
  double total = seconds_since(start);
  progress.done();
  if (!summary) return {{"errors", errors + 1}, {"first_error", failure_text(summary.failure())}};
  if (last_ack == Clock::time_point{}) last_ack = Clock::now();
  double to_last_ack = std::chrono::duration<double>(last_ack - start).count();
  if (summary->applied != o.push_ops) {
    errors += o.push_ops - std::min(o.push_ops, summary->applied);
    if (first_error.empty()) first_error = "only " + std::to_string(summary->applied) + " ops applied";
  }
  json::object r{{"ops", o.push_ops},
                 {"queue_seconds", queue_seconds},
                 {"seconds_to_last_ack", to_last_ack},
                 {"ops_per_s", static_cast<double>(o.push_ops) / to_last_ack},
                 {"sync_round_seconds", total},
                 {"applied", summary->applied},
                 {"rejected", summary->rejected},
                 {"pulled_back_rows", summary->pulled_rows},
                 {"errors", errors + summary->rejected}};
  if (!first_error.empty()) r["first_error"] = first_error;
  return r;
}

// The pull pair's candidate writes pull_rows messages (100 per push, 4 pushes in flight), so the
// coach sees that many rows; a fresh device of the coach then pulls them in a child process,
// whose peak RSS is the device's alone.
json::object run_pull(Loop& loop, const World& world, const Options& o, const std::string& self_exe) {
  std::uint64_t errors = 0, written = 0, next = 0;
  std::string first_error;
  std::vector<std::shared_ptr<WsConn>> writers;
  std::size_t ready = 0;
  std::function<void(WsConn&)> write_more = [&](WsConn& c) {
    if (next >= o.pull_rows) return;
    json::array ops;
    for (; ops.size() < 100 && next < o.pull_rows; ++next)
      ops.push_back(json::object{{"op_id", new_id()},
                                 {"name", "message.send"},
                                 {"args", {{"id", new_id()}, {"thread_id", world.pull_pair.thread_id}, {"body", message_body(o.body_bytes, next)}}}});
    std::size_t n = ops.size();
    c.request("push", {{"ops", std::move(ops)}}, [&, cp = &c, n](const json::object& r) {
      if (!answer_ok(r)) {
        ++errors, first_error = answer_error(r);
        return;
      }
      written += n;
      write_more(*cp);
    });
  };
  auto seed_start = Clock::now();
  for (int i = 0; i < 4; ++i) {
    auto c = std::make_shared<WsConn>(loop.io());
    c->on_failure = [&](const std::string& what) { ++errors, first_error = what; };
    c->connect(world.target.server, world.target.source_for(0), [&, c] {
      c->hello_resume(world.pull_pair.candidate.token, [&, c](bool ok) {
        if (!ok) return void(++errors);
        ++ready;
        write_more(*c);
      });
    });
    writers.push_back(c);
  }
  Progress seeding(o, "pull-seed", [&] { return std::to_string(written) + "/" + std::to_string(o.pull_rows) + " rows written"; });
  loop.run_until([&] { seeding.tick(); return written >= o.pull_rows || errors; }, std::chrono::seconds(300));
  double seed_seconds = seconds_since(seed_start);
  seeding.done();
  for (auto& c : writers) c->abort();
  if (errors || written < o.pull_rows)
    return {{"errors", errors + 1}, {"first_error", first_error.empty() ? "seeding timed out" : first_error}};

  TempDir dir;
  std::string cmd = self_exe + " pull-child --url " + world.url + " --email " + world.pull_pair.coach.email +
                    " --password " + world.pull_pair.coach.password + " --data " + dir.path() + "/device";
  Progress progress(o, "pull", [&] { return std::string("fresh device pulling"); });
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {{"errors", 1}, {"first_error", "cannot start the pull child"}};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = ::pclose(p);
  progress.done();
  json::error_code ec;
  json::value v = json::parse(out, ec);
  if (ec || !v.is_object() || status != 0)
    return {{"errors", 1}, {"first_error", "pull child failed (status " + std::to_string(status) + "): " + out}};
  json::object r = std::move(v.get_object());
  r["seeded_rows"] = written;
  r["seed_seconds"] = seed_seconds;
  r["seed_ops_per_s"] = static_cast<double>(written) / seed_seconds;
  if (r.at("rows").to_number<double>() < static_cast<double>(o.pull_rows)) {
    r["errors"] = r.at("errors").to_number<std::uint64_t>() + 1;
    r["first_error"] = "fewer rows pulled than written";
  }
  return r;
}

int pull_child(const std::string& url, const std::string& email, const std::string& password, const std::string& data_dir) {
  ClientOptions opts;
  opts.data_dir = data_dir;
  opts.server_url = url;
  auto fail = [](const std::string& why) {
    std::cout << json::serialize(json::object{{"errors", 1}, {"first_error", why}}) << "\n";
    return 1;
  };
  auto opened = Client::open(opts);
  if (!opened) return fail(failure_text(opened.failure()));
  auto& client = *opened;
  if (auto u = client->login(email, password); !u) return fail(failure_text(u.failure()));
  Memory before = memory_of(::getpid());
  auto start = Clock::now();
  std::size_t pages = 0;
  auto summary = client->sync_once(std::chrono::seconds(120), [&](const client::SyncProgress& p) { if (p.pulling) ++pages; });
  double seconds = seconds_since(start);
  if (!summary) return fail(failure_text(summary.failure()));
  Memory after = memory_of(::getpid());
  std::cout << json::serialize(json::object{{"rows", summary->pulled_rows},
                                            {"pages", pages},
                                            {"seconds", seconds},
                                            {"rows_per_s", static_cast<double>(summary->pulled_rows) / seconds},
                                            {"device_rss_before_kib", before.rss_kib},
                                            {"device_peak_rss_kib", after.peak_kib},
                                            {"errors", 0}})
            << "\n";
  return 0;
}

}  // namespace passerelle::bench
